//! Every resource the IR pairs (a create, and a read of the same record), in both formats:
//! create → read → update → list → delete against the simulator, through the SDK's runtime with
//! each operation's own `OperationSpec` from the registry.

use std::collections::HashMap;

use alma_runtime::registry::{OperationInfo, ParamIn, Role};
use alma_runtime::{Client, Error, Format, RawBody};
use alma_sim::{SimConfig, Simulator};

/// The operation of `role` on the records of the collection `collection`.
fn item_op(
    ops: &[&'static OperationInfo],
    collection: &str,
    role: Role,
) -> Option<&'static OperationInfo> {
    ops.iter().copied().find(|o| {
        o.role == role
            && o.path
                .strip_prefix(collection)
                .and_then(|r| r.strip_prefix("/{"))
                .is_some_and(|r| r.ends_with('}') && !r.contains('/'))
    })
}

fn list_op(ops: &[&'static OperationInfo], collection: &str) -> Option<&'static OperationInfo> {
    ops.iter()
        .copied()
        .find(|o| o.role == Role::List && o.path == collection)
}

/// A body for `op` in `format`: an empty record (every field is optional to the models).
fn empty_body(op: &OperationInfo, format: Format) -> RawBody {
    let format = if op.spec.xml_only_body {
        Format::Xml
    } else {
        format
    };
    match (format, op.request_model.and_then(alma_sdk::registry::model)) {
        (Format::Xml, Some(m)) => RawBody::xml(format!("<{}/>", m.xml_root)),
        // An unpublished body is sent as JSON: without its schema, there is no XML to write.
        (Format::Xml, None) | (Format::Json, _) => RawBody::json(&serde_json::json!({})),
    }
}

struct Run<'a> {
    client: Client,
    format: Format,
    ops: &'a [&'static OperationInfo],
    /// Parent records made so far: collection template → id.
    parents: HashMap<String, String>,
}

impl Run<'_> {
    /// Ids for the path parameters of `template` before its last `skip_last` ones: records
    /// created in the parents' collections (configuration ids where nothing creates them).
    async fn parent_ids(&mut self, template: &str) -> Result<Vec<(&'static str, String)>, String> {
        let mut ids = Vec::new();
        let mut prefix = String::new();
        for seg in template.trim_start_matches('/').split('/') {
            let collection = prefix.clone();
            prefix.push('/');
            prefix.push_str(seg);
            let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                continue;
            };
            let param: &'static str = Box::leak(param.to_owned().into_boxed_str());
            let creator = self
                .ops
                .iter()
                .copied()
                .find(|o| o.role == Role::Create && o.path == collection && !needs_query(o));
            let id = match (self.parents.get(&collection), creator) {
                (Some(id), _) => id.clone(),
                (None, Some(c)) => {
                    let id = Box::pin(self.create(c)).await?;
                    self.parents.insert(collection.clone(), id.clone());
                    id
                }
                (None, None) => "SIMCFG".to_owned(),
            };
            ids.push((param, id));
        }
        Ok(ids)
    }

    /// Creates a record with `create`, returning its id.
    async fn create(&mut self, create: &'static OperationInfo) -> Result<String, String> {
        let params = self.parent_ids(create.path).await?;
        // Unpublished answers are read as JSON.
        let format = if create.response_model.is_some() {
            self.format
        } else {
            Format::Json
        };
        let mut req = self.client.request(&create.spec).format(format);
        for (n, v) in &params {
            req = req.path_param(n, v.clone());
        }
        let answer: RawBody = req
            .send_with_body(&empty_body(create, self.format))
            .await
            .map(|r| r.value)
            .map_err(|e| format!("{}: create: {e}", create.spec.name))?;
        let value = match create.response_model.and_then(alma_sdk::registry::model) {
            Some(model) => model
                .to_value(answer.text.as_bytes(), answer.format)
                .map_err(|e| format!("{}: the answer does not decode: {e}", create.spec.name))?,
            // An unpublished answer: its JSON as is (asked for in JSON below).
            None => serde_json::from_str(&answer.text)
                .map_err(|e| format!("{}: the answer is not JSON: {e}", create.spec.name))?,
        };
        let id_path = create.record_id.unwrap_or("id");
        id_path
            .split('.')
            .try_fold(&value, |v, k| v.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                format!(
                    "{}: the created record has no {id_path}: {value}",
                    create.spec.name
                )
            })
    }
}

fn needs_query(op: &OperationInfo) -> bool {
    op.params
        .iter()
        .any(|p| p.required && p.location == ParamIn::Query)
}

/// Sends `op` for the record `ids`, with `body`.
async fn call(
    client: &Client,
    op: &'static OperationInfo,
    ids: &[(&'static str, String)],
    format: Format,
    body: Option<&RawBody>,
) -> Result<RawBody, Error> {
    let mut req = client.request(&op.spec).format(format);
    for (n, v) in ids {
        req = req.path_param(n, v.clone());
    }
    match body {
        Some(b) => req.send_with_body(b).await.map(|r| r.value),
        None => req.send().await.map(|r| r.value),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_paired_resource_is_created_read_updated_listed_and_deleted() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let ops = alma_sdk::registry::all();
    let mut failures = Vec::new();
    let mut done: HashMap<&str, usize> = HashMap::new();
    let mut skipped = Vec::new();
    for format in [Format::Json, Format::Xml] {
        let client = Client::builder()
            .api_key("k")
            .base_url(sim.url())
            .format(format)
            .no_rate_limit()
            .no_retries()
            .build()
            .unwrap();
        let mut run = Run {
            client: client.clone(),
            format,
            ops: &ops,
            parents: HashMap::new(),
        };
        for create in ops.iter().copied().filter(|o| o.role == Role::Create) {
            let Some(read) = item_op(&ops, create.path, Role::Read) else {
                continue;
            };
            // A loan needs an item to lend (`tests/rules.rs` covers loans).
            let loans = create.path.ends_with("/loans");
            // An unpublished record is told by its `id` (what the simulator gives it).
            let no_id = create.response_model.is_some() && create.record_id.is_none();
            if needs_query(create) || no_id || loans {
                skipped.push(format!(
                    "{} ({format:?}): {}",
                    create.spec.name,
                    if needs_query(create) {
                        "creating needs a query parameter"
                    } else if loans {
                        "a loan needs an item (tests/rules.rs)"
                    } else {
                        "the model has no identifier field"
                    }
                ));
                continue;
            }
            let outcome: Result<(), String> = async {
                let id = run.create(create).await?;
                let mut ids = run.parent_ids(create.path).await?;
                let param = read.path_params().last().unwrap().name;
                ids.push((param, id.clone()));
                // Read.
                let got = call(&client, read, &ids, format, None)
                    .await
                    .map_err(|e| format!("{}: read: {e}", read.spec.name))?;
                if !got.text.contains(&id) {
                    return Err(format!(
                        "{}: read: {id} not in {}",
                        read.spec.name, got.text
                    ));
                }
                *done.entry("read").or_default() += 1;
                // Update: the record as read, plus a field; PUT swaps all.
                if let Some(update) =
                    item_op(&ops, create.path, Role::Update).filter(|u| !needs_query(u))
                {
                    let body = match format {
                        Format::Json if !update.spec.xml_only_body => {
                            let mut v: serde_json::Value = serde_json::from_str(&got.text).unwrap();
                            v["sim_marker"] = "updated".into();
                            // A record the simulator made from an empty body may hold only its
                            // id, which some PUT models do not declare; a document with none of
                            // the model's fields is refused as not that model (as Alma would
                            // refuse it), so the update also sets one text field.
                            if let Some(m) =
                                update.request_model.and_then(alma_sdk::registry::model)
                            {
                                let fields = m.desc().fields;
                                let known = v.as_object().is_some_and(|o| {
                                    o.keys().any(|k| fields.iter().any(|f| f.key == k))
                                });
                                let text = fields.iter().find(|f| {
                                    !f.array
                                        && matches!(
                                            f.value,
                                            alma_runtime::desc::FieldValue::Scalar(
                                                alma_runtime::desc::ScalarKind::Str
                                            )
                                        )
                                });
                                if let (false, Some(f)) = (known, text) {
                                    v[f.key] = "updated".into();
                                }
                            }
                            RawBody::json(&v)
                        }
                        _ => {
                            // XML-only bodies (MARCXML) are read in XML to be sent back.
                            let got = if got.format == Format::Xml {
                                got.clone()
                            } else {
                                call(&client, read, &ids, Format::Xml, None)
                                    .await
                                    .map_err(|e| format!("{}: read as XML: {e}", read.spec.name))?
                            };
                            // The PUT's model names the root (upstream, `get_amendment` answers
                            // `Licenses` where `update_amendment` takes a `license`).
                            let root = update
                                .request_model
                                .and_then(alma_sdk::registry::model)
                                .map_or("record", |m| m.xml_root);
                            let xml = rename_root(&got.text, root);
                            // Before the root's end tag.
                            let end = xml.rfind("</").ok_or_else(|| {
                                format!("{}: read gave no record: {xml}", read.spec.name)
                            })?;
                            let xml = format!(
                                "{}<sim_marker>updated</sim_marker>{}",
                                &xml[..end],
                                &xml[end..]
                            );
                            RawBody::xml(xml)
                        }
                    };
                    call(&client, update, &ids, format, Some(&body))
                        .await
                        .map_err(|e| format!("{}: update: {e}", update.spec.name))?;
                    let again = call(&client, read, &ids, format, None)
                        .await
                        .map_err(|e| format!("{}: read after update: {e}", read.spec.name))?;
                    if !again.text.contains("updated") {
                        return Err(format!(
                            "{}: the update is not read back: {}",
                            update.spec.name, again.text
                        ));
                    }
                    *done.entry("update").or_default() += 1;
                }
                // List.
                if let Some(list) = list_op(&ops, create.path).filter(|l| !needs_query(l)) {
                    let page = call(&client, list, &ids[..ids.len() - 1], format, None)
                        .await
                        .map_err(|e| format!("{}: list: {e}", list.spec.name))?;
                    if !page.text.contains(&id) {
                        return Err(format!(
                            "{}: list: {id} not in {}",
                            list.spec.name, page.text
                        ));
                    }
                    *done.entry("list").or_default() += 1;
                }
                // Delete, then the record is gone with the documented code.
                if let Some(delete) =
                    item_op(&ops, create.path, Role::Delete).filter(|d| !needs_query(d))
                {
                    call(&client, delete, &ids, format, None)
                        .await
                        .map_err(|e| format!("{}: delete: {e}", delete.spec.name))?;
                    let gone = call(&client, read, &ids, format, None).await;
                    let want = read.not_found.last().map(|n| n.code);
                    match gone {
                        Err(e) if e.code() == want => {}
                        other => {
                            return Err(format!(
                                "{}: after delete, read gave {:?}, not {want:?}",
                                read.spec.name,
                                other.map(|b| b.text)
                            ))
                        }
                    }
                    *done.entry("delete").or_default() += 1;
                }
                *done.entry("create").or_default() += 1;
                Ok(())
            }
            .await;
            if let Err(e) = outcome {
                failures.push(format!("({format:?}) {e}"));
            }
        }
    }
    println!(
        "crud, both formats: created {}, read {}, updated {}, listed {}, deleted {}; skipped {}",
        done.get("create").unwrap_or(&0),
        done.get("read").unwrap_or(&0),
        done.get("update").unwrap_or(&0),
        done.get("list").unwrap_or(&0),
        done.get("delete").unwrap_or(&0),
        skipped.len()
    );
    for s in &skipped {
        println!("skipped {s}");
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(*done.get("create").unwrap_or(&0) >= 60, "{done:?}");
}

/// `xml` with its root element named `root`.
fn rename_root(xml: &str, root: &str) -> String {
    let body = xml.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r).trim_start(),
        None => body,
    };
    let Some(open_end) = body[1..].find([' ', '>', '/']).map(|i| i + 1) else {
        return xml.to_owned();
    };
    let old = &body[1..open_end];
    let inner = &body[open_end..];
    let inner = match inner.rfind(&format!("</{old}>")) {
        Some(i) => format!("{}</{root}>", &inner[..i]),
        None => inner.to_owned(),
    };
    format!("<{root}{inner}")
}
