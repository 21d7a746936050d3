//! Ex Libris XSDs → JSON Schema documents shaped like the published `schemas/rest_*.json`.
//!
//! Only 65 of the schema files the specs reference are published, but Ex Libris publishes the
//! same models as XSDs (the JSON schemas are derived from them). When `schemas/rest_x.json` is
//! missing and `xsd/rest_x.xsd` is present, this module writes the JSON Schema that Ex Libris
//! would have published — a bag of definitions with a `{"rest_x": {"$ref": "#/x"}}` entry and the
//! same `xml` hints — so the rest of the pipeline treats both sources alike:
//!
//! - a named `complexType` becomes a definition; `xs:all`/`xs:sequence`/`xs:choice` elements and
//!   `xs:attribute`s become properties (`minOccurs`/`use` give `required`);
//! - an element whose type holds nothing but one repeated element (`<user_identifiers>` of
//!   `<user_identifier>`) becomes an array under the *inner* name with `xml.wrapped` and the outer
//!   name, as Alma's JSON does (`"user_identifier": [...]`);
//! - `simpleContent` with a `desc` attribute becomes the `{value, desc}` pair;
//! - `xs:any` (MARCXML inside bibs and holdings) becomes `anies`, raw XML strings;
//! - `<xs:tags>` (`api get post put`) selects the fields of the GET model and of the `-post` and
//!   `-put` variants (a required element is in all of them); `xs:documentation` and
//!   `<xs:example>` become `description` and `example`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use serde_json::{json, Map, Value};

use crate::error::{Error, Location, Result};

/// A parsed XSD element (tags without the `xs:` prefix).
#[derive(Debug, Clone, Default)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(|s| s.trim())
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn documentation(&self) -> Option<String> {
        let doc = self.child("annotation")?.child("documentation")?;
        let t = doc.text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    fn appinfo(&self, key: &str) -> Option<String> {
        let t = self
            .child("annotation")?
            .child("appinfo")?
            .child(key)?
            .text
            .trim()
            .to_string();
        (!t.is_empty()).then_some(t)
    }
}

/// Deeper nesting than any XSD has (Alma's go about 10 levels) is refused: a document of nested
/// elements would otherwise hold a node per level (found by `cargo xtask fuzz`: 2.4 MB of
/// `<a><a>…` took 158 MB).
const MAX_DEPTH: usize = 256;

fn parse(path: &Path) -> Result<Node> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let at = |message: String| Error::Parse {
        at: Location {
            file: Some(path.to_path_buf()),
            ..Location::default()
        },
        message,
    };
    let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| at(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(at(format!(
                        "at byte {}: elements nested deeper than {MAX_DEPTH} levels",
                        reader.buffer_position()
                    )));
                }
                stack.push(node_of(&e));
            }
            Event::Empty(e) => {
                let n = node_of(&e);
                stack.last_mut().expect("root").children.push(n);
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| at(e.to_string()))?;
                stack.last_mut().expect("root").text.push_str(&text);
            }
            Event::CData(t) => stack
                .last_mut()
                .expect("root")
                .text
                .push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let n = stack.pop().expect("balanced");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => return Err(at("unbalanced end tag".into())),
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(at("document ends inside an element".into()));
    }
    let root = stack.pop().expect("root");
    root.children
        .into_iter()
        .find(|c| c.name == "schema")
        .ok_or_else(|| at("no xs:schema element".into()))
}

fn node_of(e: &quick_xml::events::BytesStart<'_>) -> Node {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = BTreeMap::new();
    for a in e.attributes().flatten() {
        let k = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let v = a
            .unescape_value()
            .map(|v| v.into_owned())
            .unwrap_or_default();
        attrs.insert(k, v);
    }
    Node {
        name,
        attrs,
        ..Node::default()
    }
}

/// The global elements an XSD declares (`<xs:element name="user">` directly under
/// `xs:schema`): the document roots it can validate.
pub fn root_elements(path: &Path) -> Result<Vec<String>> {
    Ok(parse(path)?
        .children
        .iter()
        .filter(|c| c.name == "element")
        .filter_map(|c| c.attr("name").map(String::from))
        .collect())
}

/// Which model variant to build: the GET model or a request variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Get,
    Post,
    Put,
}

impl Variant {
    /// Splits `rest_user-put` into (`rest_user`, Put).
    pub fn of(schema_name: &str) -> (&str, Variant) {
        if let Some(b) = schema_name.strip_suffix("-put") {
            (b, Variant::Put)
        } else if let Some(b) = schema_name.strip_suffix("-post") {
            (b, Variant::Post)
        } else {
            (schema_name, Variant::Get)
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Variant::Get => "get",
            Variant::Post => "post",
            Variant::Put => "put",
        }
    }
}

/// Named types of one XSD and everything it includes.
struct TypeSet {
    complex: BTreeMap<String, Node>,
    simple: BTreeMap<String, Node>,
    /// Top-level elements of the main file: (element name, type name).
    roots: Vec<(String, Option<String>, Node)>,
    doc: Option<String>,
}

fn load_set(dir: &Path, file: &str) -> Result<TypeSet> {
    let mut set = TypeSet {
        complex: BTreeMap::new(),
        simple: BTreeMap::new(),
        roots: Vec::new(),
        doc: None,
    };
    let mut seen = BTreeSet::new();
    let mut queue = vec![(file.to_string(), true)];
    while let Some((f, main)) = queue.pop() {
        if !seen.insert(f.clone()) {
            continue;
        }
        let path: PathBuf = dir.join(&f);
        if !path.is_file() {
            return Err(Error::spec(
                Location {
                    file: Some(dir.join(file)),
                    ..Location::default()
                },
                format!("xs:include of {f}, which is not in the xsd directory"),
            ));
        }
        let schema = parse(&path)?;
        if main {
            set.doc = schema.documentation();
        }
        for c in &schema.children {
            match c.name.as_str() {
                "include" | "import" => {
                    if let Some(loc) = c.attr("schemaLocation") {
                        let name = loc.rsplit('/').next().unwrap_or(loc).to_string();
                        queue.push((name, false));
                    }
                }
                "complexType" => {
                    if let Some(n) = c.attr("name") {
                        set.complex
                            .entry(n.to_string())
                            .or_insert_with(|| c.clone());
                    }
                }
                "simpleType" => {
                    if let Some(n) = c.attr("name") {
                        set.simple.entry(n.to_string()).or_insert_with(|| c.clone());
                    }
                }
                "element" if main => {
                    if let Some(n) = c.attr("name") {
                        set.roots.push((
                            n.to_string(),
                            c.attr("type").map(String::from),
                            c.clone(),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(set)
}

/// Converts `xsd/<base>.xsd` into the JSON Schema document `schemas/<schema_name>.json` would be.
pub fn to_json_schema(xsd_dir: &Path, schema_name: &str) -> Result<Value> {
    let (base, variant) = Variant::of(schema_name);
    let file = format!("{base}.xsd");
    let set = load_set(xsd_dir, &file)?;
    let at = || Location {
        file: Some(xsd_dir.join(&file)),
        ..Location::default()
    };
    // The model's root element: the one named like the file (`rest_user` → `user`), else the first.
    let stem = base.trim_start_matches("rest_");
    let (root_name, root_type, root_node) = set
        .roots
        .iter()
        .find(|(n, _, _)| n == stem)
        .or(set.roots.first())
        .cloned()
        .ok_or_else(|| Error::spec(at(), "no top-level xs:element"))?;
    let mut conv = Converter {
        set: &set,
        variant,
        defs: Map::new(),
        pending: Vec::new(),
        xml_names: BTreeMap::new(),
        anonymous: BTreeMap::new(),
    };
    let root_def = match &root_type {
        Some(t) if conv.set.complex.contains_key(t) => t.clone(),
        Some(t) => {
            return Err(Error::spec(
                at(),
                format!("root element {root_name}: type {t:?} is not a complexType"),
            ))
        }
        None => {
            // Anonymous root type: give it the element's name.
            let ct = root_node.child("complexType").ok_or_else(|| {
                Error::spec(at(), format!("root element {root_name} has no type"))
            })?;
            let mut named = ct.clone();
            named.attrs.insert("name".into(), root_name.clone());
            conv.set_anonymous(root_name.clone(), named);
            root_name.clone()
        }
    };
    conv.xml_names.insert(root_def.clone(), root_name.clone());
    conv.require(&root_def);
    while let Some(t) = conv.pending.pop() {
        if conv.defs.contains_key(&t) {
            continue;
        }
        let def = conv.complex_def(&t)?;
        conv.defs.insert(t, def);
    }
    let mut doc = Map::new();
    let mut alias = Map::new();
    if let Some(d) = set.doc.clone().or_else(|| root_node.documentation()) {
        alias.insert("description".into(), Value::String(d));
    }
    alias.insert("$ref".into(), Value::String(format!("#/{root_def}")));
    doc.insert(schema_name.to_string(), Value::Object(alias));
    for (k, v) in std::mem::take(&mut conv.defs) {
        doc.insert(k, v);
    }
    Ok(Value::Object(doc))
}

/// In a converted document, the root model's fields whose type `T` is also published on its own
/// (`schemas/rest_T.json` or `xsd/rest_T.xsd`, per `published`) refer to that file instead of
/// the copy this document carries, so they are the same models as the API's.
pub fn link_published_types(doc: &mut Value, schema_name: &str, published: &dyn Fn(&str) -> bool) {
    let Some(root) = doc
        .get(schema_name)
        .and_then(|alias| alias.get("$ref")?.as_str())
        .and_then(|r| r.strip_prefix("#/"))
        .map(str::to_string)
    else {
        return;
    };
    let Some(props) = doc
        .get_mut(&root)
        .and_then(|r| r.get_mut("properties"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for prop in props.values_mut() {
        let Some(t) = prop
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/"))
            .map(str::to_string)
        else {
            continue;
        };
        if published(&t) {
            prop["$ref"] = Value::String(format!("rest_{t}.json#/{t}"));
        }
    }
}

struct Converter<'a> {
    set: &'a TypeSet,
    variant: Variant,
    defs: Map<String, Value>,
    pending: Vec<String>,
    /// Element name each named type appears under (for `xml.name`).
    xml_names: BTreeMap<String, String>,
    /// An anonymous root type, named after its element.
    anonymous: BTreeMap<String, Node>,
}

impl Converter<'_> {
    fn set_anonymous(&mut self, name: String, node: Node) {
        self.anonymous.insert(name, node);
    }

    fn complex(&self, name: &str) -> Option<Node> {
        self.set
            .complex
            .get(name)
            .or_else(|| self.anonymous.get(name))
            .cloned()
    }

    fn require(&mut self, t: &str) {
        if !self.defs.contains_key(t) {
            self.pending.push(t.to_string());
        }
    }

    /// Whether an element is part of this variant (`<xs:tags>api get post put</xs:tags>`). An
    /// element the XSD requires (`minOccurs` ≥ 1) is in every variant whatever its tags say: a
    /// body without it is invalid against the same XSD (`rest_fund.xsd` tags a fund's `code`
    /// and `fiscal_period` `api get` only, yet requires them, and Alma needs them to create one).
    fn included(&self, el: &Node) -> bool {
        if el.name == "element" && el.attr("minOccurs").is_none_or(|m| m != "0") {
            return true;
        }
        match el.appinfo("tags") {
            Some(tags) => {
                let tags: Vec<&str> = tags.split_whitespace().collect();
                tags.contains(&self.variant.tag())
                    || !tags.iter().any(|t| matches!(*t, "get" | "post" | "put"))
            }
            None => true,
        }
    }

    fn complex_def(&mut self, name: &str) -> Result<Value> {
        let node = self.complex(name).ok_or_else(|| {
            Error::spec(
                Location::default(),
                format!("complexType {name:?} is referenced but not defined"),
            )
        })?;
        let mut def = self.object_schema(&node, name)?;
        if let Some(obj) = def.as_object_mut() {
            let xml_name = self
                .xml_names
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.to_string());
            obj.insert("xml".into(), json!({ "name": xml_name }));
            if let Some(d) = node.documentation() {
                obj.insert("description".into(), Value::String(d));
            }
        }
        Ok(def)
    }

    /// The schema of a complexType's content: an object, or the `{value, desc}` shape for
    /// simpleContent.
    fn object_schema(&mut self, ct: &Node, hint: &str) -> Result<Value> {
        if let Some(sc) = ct.child("simpleContent") {
            let ext = sc
                .child("extension")
                .or(sc.child("restriction"))
                .ok_or_else(|| {
                    Error::spec(
                        Location::default(),
                        format!("{hint}: simpleContent without extension"),
                    )
                })?;
            let mut props = Map::new();
            props.insert(
                "value".into(),
                merge(
                    self.builtin(ext.attr("base").unwrap_or("xs:string")),
                    json!({"xml": {"name": "xml_value"}}),
                ),
            );
            for a in ext.children.iter().filter(|c| c.name == "attribute") {
                if let Some((k, v, _)) = self.attribute(a) {
                    props.insert(k, v);
                }
            }
            return Ok(json!({"type": "object", "properties": props}));
        }
        let mut props = Map::new();
        let mut required = Vec::new();
        self.content(ct, &mut props, &mut required)?;
        for a in ct.children.iter().filter(|c| c.name == "attribute") {
            if let Some((k, v, req)) = self.attribute(a) {
                if req {
                    required.push(Value::String(k.clone()));
                }
                props.insert(k, v);
            }
        }
        let mut obj = Map::new();
        obj.insert("type".into(), Value::String("object".into()));
        if !required.is_empty() {
            obj.insert("required".into(), Value::Array(required));
        }
        obj.insert("properties".into(), Value::Object(props));
        Ok(Value::Object(obj))
    }

    fn content(
        &mut self,
        node: &Node,
        props: &mut Map<String, Value>,
        required: &mut Vec<Value>,
    ) -> Result<()> {
        for c in &node.children {
            match c.name.as_str() {
                "all" | "sequence" | "choice" => self.content(c, props, required)?,
                "element" if self.included(c) => {
                    let (key, schema, req) = self.element(c)?;
                    if req && node.name != "choice" {
                        required.push(Value::String(key.clone()));
                    }
                    props.insert(key, schema);
                }
                "any" => {
                    // Raw XML children (MARCXML `<record>`): JSON carries them as `anies` strings.
                    props.insert(
                        "anies".into(),
                        json!({"type": "array", "items": {"type": "string"}, "xml": {"name": "xml_any"},
                               "description": "Embedded XML documents (e.g. the MARCXML record), as strings."}),
                    );
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn attribute(&self, a: &Node) -> Option<(String, Value, bool)> {
        let name = a.attr("name")?.to_string();
        let mut schema = self.simple(a.attr("type").unwrap_or("xs:string"));
        schema = merge(schema, json!({"xml": {"attribute": true}}));
        if let Some(d) = a.documentation() {
            schema = merge(schema, json!({ "description": d }));
        }
        Some((name, schema, a.attr("use") == Some("required")))
    }

    /// (JSON key, schema, required) of an element.
    fn element(&mut self, el: &Node) -> Result<(String, Value, bool)> {
        let name = el
            .attr("name")
            .ok_or_else(|| Error::spec(Location::default(), "xs:element without a name"))?
            .to_string();
        let required = el.attr("minOccurs").map(|m| m != "0").unwrap_or(true);
        let repeated = matches!(el.attr("maxOccurs"), Some(m) if m == "unbounded" || m.parse::<u32>().map(|n| n > 1).unwrap_or(false));
        let mut extra = Map::new();
        if let Some(d) = el.documentation() {
            extra.insert("description".into(), Value::String(d));
        }
        if let Some(ex) = el.appinfo("example") {
            extra.insert("example".into(), Value::String(ex));
        }
        // The code table that lists the element's codes (`<xs:codeTable>UserGroups</…>`).
        if let Some(table) = el.appinfo("codeTable").filter(|t| !t.trim().is_empty()) {
            extra.insert(
                "x-code-table".into(),
                Value::String(table.trim().to_owned()),
            );
        }
        let (key, mut schema) = match (el.attr("type"), el.child("complexType")) {
            (Some(t), _) if self.complex(t).is_some() => match self.wrapped_item(t)? {
                Some((inner, item)) => (
                    inner.clone(),
                    json!({"type": "array", "xml": {"wrapped": true, "name": name},
                           "items": merge(item, json!({"xml": {"name": inner}}))}),
                ),
                None => {
                    self.xml_names
                        .entry(t.to_string())
                        .or_insert_with(|| name.clone());
                    self.require(t);
                    (name.clone(), json!({ "$ref": format!("#/{t}") }))
                }
            },
            (Some(t), _) => (name.clone(), self.simple(t)),
            (None, Some(ct)) => {
                let ct = ct.clone();
                match self.wrapped_item_of(&ct)? {
                    Some((inner, item)) => (
                        inner.clone(),
                        json!({"type": "array", "xml": {"wrapped": true, "name": name},
                               "items": merge(item, json!({"xml": {"name": inner}}))}),
                    ),
                    None => (name.clone(), self.object_schema(&ct, &name)?),
                }
            }
            (None, None) => (name.clone(), json!({"type": "string"})),
        };
        if repeated {
            schema = json!({"type": "array", "items": schema});
        }
        if let Some(obj) = schema.as_object_mut() {
            for (k, v) in extra {
                obj.entry(k).or_insert(v);
            }
        }
        Ok((key, schema, required))
    }

    /// A type whose only content is one repeated element (and no attributes) is a list wrapper:
    /// (inner element name, item schema).
    fn wrapped_item(&mut self, type_name: &str) -> Result<Option<(String, Value)>> {
        let Some(ct) = self.complex(type_name) else {
            return Ok(None);
        };
        self.wrapped_item_of(&ct)
    }

    fn wrapped_item_of(&mut self, ct: &Node) -> Result<Option<(String, Value)>> {
        if ct
            .children
            .iter()
            .any(|c| c.name == "attribute" || c.name == "simpleContent")
        {
            return Ok(None);
        }
        let groups: Vec<&Node> = ct
            .children
            .iter()
            .filter(|c| matches!(c.name.as_str(), "sequence" | "all" | "choice"))
            .collect();
        let [group] = groups.as_slice() else {
            return Ok(None);
        };
        let elements: Vec<&Node> = group
            .children
            .iter()
            .filter(|c| c.name == "element")
            .collect();
        let [el] = elements.as_slice() else {
            return Ok(None);
        };
        let repeated = matches!(el.attr("maxOccurs"), Some(m) if m == "unbounded" || m.parse::<u32>().map(|n| n > 1).unwrap_or(false));
        if !repeated || group.children.iter().any(|c| c.name == "any") {
            return Ok(None);
        }
        let mut single = (*el).clone();
        single.attrs.remove("maxOccurs");
        let (key, schema, _) = self.element(&single)?;
        Ok(Some((key, schema)))
    }

    /// Schema of a named simple type or builtin.
    fn simple(&self, t: &str) -> Value {
        if let Some(st) = self.set.simple.get(t) {
            if let Some(r) = st.child("restriction") {
                let mut s = self.builtin(r.attr("base").unwrap_or("xs:string"));
                let values: Vec<Value> = r
                    .children
                    .iter()
                    .filter(|c| c.name == "enumeration")
                    .filter_map(|c| c.attr("value").map(|v| Value::String(v.to_string())))
                    .collect();
                if !values.is_empty() {
                    s = merge(s, json!({ "enum": values }));
                }
                return s;
            }
            return json!({"type": "string"});
        }
        self.builtin(t)
    }

    fn builtin(&self, t: &str) -> Value {
        let local = t.rsplit(':').next().unwrap_or(t);
        match local {
            "int" | "integer" | "short" | "byte" | "nonNegativeInteger" | "positiveInteger"
            | "unsignedInt" => {
                json!({"type": "integer", "format": "int32"})
            }
            "long" | "unsignedLong" => json!({"type": "integer", "format": "int64"}),
            "float" | "double" | "decimal" => json!({"type": "number"}),
            "boolean" => json!({"type": "boolean"}),
            "date" => json!({"type": "string", "format": "date"}),
            "dateTime" => json!({"type": "string", "format": "date-time"}),
            _ if self.set.simple.contains_key(t) => self.simple(t),
            _ => json!({"type": "string"}),
        }
    }
}

/// `a` with the keys of `b` added (objects merged one level deep for `xml`).
fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(ao), Value::Object(bo)) = (a.as_object_mut(), b) {
        for (k, v) in bo {
            match (ao.get_mut(&k), v) {
                (Some(Value::Object(x)), Value::Object(y)) => {
                    for (k2, v2) in y {
                        x.insert(k2, v2);
                    }
                }
                (_, v) => {
                    ao.insert(k, v);
                }
            }
        }
    }
    a
}
