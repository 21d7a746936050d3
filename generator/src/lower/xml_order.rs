//! Field order from the XSD. An XML document's elements come in its type's `xs:sequence` order,
//! and the generated writer puts a built (or JSON-decoded) value's fields in declaration order,
//! so that order must be the XSD's. The published JSON schemas mostly list properties in it;
//! `tasklists.yaml` does not (the copy that kept it sorted them alphabetically), and some JSON
//! schemas list a type's properties in another order than its XSD (`contact_info`: addresses,
//! phones, emails; the XSD's sequence: addresses, emails, phones). Where a model's type is in an
//! XSD of the mirror, its fields are put in the XSD's order; fields the XSD does not declare
//! keep their relative order after the others.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::Result;
use crate::ir::{Model, ModelId, ModelKind};
use crate::source::Store;
use crate::xsd::{self, Variant};

pub fn apply(models: &mut BTreeMap<ModelId, Model>, store: &Store) -> Result<()> {
    let xsd_dir = store.root.join("xsd");
    let mut converted: BTreeMap<String, Option<Value>> = BTreeMap::new();
    for m in models.values_mut() {
        let Some((file, def)) = xsd_type_of(m) else {
            continue;
        };
        let ModelKind::Struct { fields } = &mut m.kind else {
            continue;
        };
        if !converted.contains_key(&file) {
            let path = xsd_dir.join(format!("{file}.xsd"));
            // An XSD with no root element (a bag of included types) is not converted alone.
            let doc = if path.is_file() && !xsd::root_elements(&path)?.is_empty() {
                Some(xsd::to_json_schema(&xsd_dir, &file)?)
            } else {
                None
            };
            converted.insert(file.clone(), doc);
        }
        let Some(props) = converted[&file]
            .as_ref()
            .and_then(|d| d.get(&def))
            .and_then(|d| d.get("properties"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let order: BTreeMap<&str, usize> = props
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        // Only a model that is that type: most of its fields are the XSD's.
        let known = fields
            .iter()
            .filter(|f| order.contains_key(f.name.as_str()))
            .count();
        if known * 2 < fields.len() {
            continue;
        }
        fields.sort_by_key(|f| order.get(f.name.as_str()).copied().unwrap_or(usize::MAX));
    }
    Ok(())
}

/// The XSD (`rest_user`) and type (`contact_info`) a model corresponds to: a JSON schema file's
/// own definitions by file and name (`schemas/rest_user.json#/contact_info`), another model by
/// its root element (`<user_resource_sharing_request>` → `rest_user_resource_sharing_request`).
/// Models converted from an XSD are in its order already.
fn xsd_type_of(m: &Model) -> Option<(String, String)> {
    let (file, pointer) = m.id.split_once('#')?;
    if file.starts_with("xsd/") {
        return None;
    }
    if let Some(def) = pointer.strip_prefix('/').filter(|d| !d.contains('/')) {
        let stem = Path::new(file).file_stem()?.to_str()?;
        let (base, _) = Variant::of(stem);
        if base.starts_with("rest_") {
            return Some((base.to_string(), def.to_string()));
        }
    }
    let name = m.xml_name.clone()?;
    Some((format!("rest_{name}"), name))
}
