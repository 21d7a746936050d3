//! Setting a value at a path of keys in a JSON document (`item_data.barcode`), objects made on
//! the way: what `alma batch --set` does to a record and the local Alma to the records it keeps.

use serde_json::Value;

/// Sets `value` at `keys` in `doc`, replacing whatever is in the way that is not an object.
/// No keys: `doc` itself becomes `value`.
pub fn set<'k>(doc: &mut Value, keys: impl IntoIterator<Item = &'k str>, value: Value) {
    let mut keys = keys.into_iter().peekable();
    let mut cur = doc;
    while let Some(k) = keys.next() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Value::Object(obj) = cur else {
            unreachable!("made an object above")
        };
        if keys.peek().is_none() {
            obj.insert(k.to_owned(), value);
            return;
        }
        cur = obj
            .entry(k.to_owned())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    *cur = value;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn set_makes_objects_on_the_way() {
        let mut v = json!({"a": {"keep": 1}, "b": 2});
        super::set(&mut v, ["a", "x"], json!("new"));
        super::set(&mut v, ["b", "c"], json!(true));
        assert_eq!(v, json!({"a": {"keep": 1, "x": "new"}, "b": {"c": true}}));
        super::set(&mut v, [], json!(0));
        assert_eq!(v, json!(0));
    }
}
