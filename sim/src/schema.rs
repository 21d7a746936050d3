//! Where a model holds a field of a given name: from the model's static description (the same
//! one the SDK reads and writes XML by), one or two levels deep.

use alma_runtime::xml::{XmlKind, XmlModel, XmlValue};

/// The JSON path of a field named `name` in `model` (`mms_id` → `bib_data.mms_id` in an item),
/// or of its generic form (`item_pid` → `pid`).
pub fn field_path(model: &XmlModel, name: &str) -> Option<String> {
    let generic = name
        .rsplit('_')
        .next()
        .filter(|g| *g != name && matches!(*g, "id" | "pid" | "code"));
    // Text fields only: an id held as an object (`{value, link}`) is not one to fill in.
    let direct = |m: &XmlModel, n: &str| {
        m.fields
            .iter()
            .find(|f| {
                f.key == n
                    && f.kind != XmlKind::Any
                    && !f.array
                    && matches!(f.value, XmlValue::Scalar(_))
            })
            .map(|f| f.key.to_owned())
    };
    if let Some(p) = direct(model, name) {
        return Some(p);
    }
    for f in model.fields {
        if let (XmlValue::Model(inner), false) = (f.value, f.array) {
            let inner = inner();
            if let Some(p) = direct(inner, name) {
                return Some(format!("{}.{p}", f.key));
            }
            // A `…_data` object holds its record's own ids by their generic name (`item_data.pid`).
            if let Some(g) = generic {
                if f.key.ends_with("_data") && name.starts_with(f.key.trim_end_matches("_data")) {
                    if let Some(p) = direct(inner, g) {
                        return Some(format!("{}.{p}", f.key));
                    }
                }
            }
        }
    }
    None
}
