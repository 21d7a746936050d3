//! Lenient deserializers for generated models.
//!
//! Real Alma answers do not always match the declared types: booleans arrive as `true` and as
//! `"false"`, numbers as `12.5` and as `"12.5"`, any field may be `null`, and a one-element array
//! may arrive as a bare object. These functions accept all of those shapes; the generated models
//! name them in `#[serde(deserialize_with = …)]`.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

fn scalar_to_string(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// A string; numbers and booleans are turned into their text, `null` into `""`.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(string_opt(d)?.unwrap_or_default())
}

/// An optional string; numbers and booleans are turned into their text.
pub fn string_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string, number, boolean or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(scalar_to_string(v))
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            Ok(scalar_to_string(v))
        }
    }
    d.deserialize_any(V)
}

/// An integer from a number or a numeric string; `null` and `""` give 0.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(integer_opt(d)?.unwrap_or_default())
}

/// An optional integer from a number or a numeric string; `""` is `None`.
pub fn integer_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("{n} is not an integer"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{s:?} is not an integer"))),
        Some(other) => Err(de::Error::custom(format!(
            "expected an integer, found {other}"
        ))),
    }
}

/// A number from a number or a numeric string; `null` and `""` give 0.
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(number_opt(d)?.unwrap_or_default())
}

/// An optional number from a number or a numeric string; `""` is `None`.
pub fn number_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{s:?} is not a number"))),
        Some(other) => Err(de::Error::custom(format!(
            "expected a number, found {other}"
        ))),
    }
}

/// A boolean from `true`, `"true"`, `"false"`, `"Y"`/`"N"`; `null` and `""` give `false`.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(boolean_opt(d)?.unwrap_or_default())
}

/// An optional boolean from a boolean or its text; `""` is `None`.
pub fn boolean_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "y" | "yes" | "1" => Ok(Some(true)),
            "false" | "n" | "no" | "0" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!("{s:?} is not a boolean"))),
        },
        Some(Value::Number(n)) => Ok(Some(n.as_f64() != Some(0.0))),
        Some(other) => Err(de::Error::custom(format!(
            "expected a boolean, found {other}"
        ))),
    }
}

/// A required field that may arrive as `null`: `null` gives the default.
pub fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An optional field (`null` is `None`).
pub fn option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// An array that may arrive as `null` (empty), a bare object or scalar (one element) or an array.
pub fn one_or_many<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    // A visitor rather than a detour through `Value`: large lists decode straight into `T`.
    // The rare lone element goes through a `Value`, so each model's `Deserialize` is not
    // compiled once more per wire format and per shape just for that case.
    struct V<T>(std::marker::PhantomData<T>);
    fn one<T: DeserializeOwned, E: de::Error>(v: Value) -> Result<Vec<T>, E> {
        T::deserialize(v).map(|t| vec![t]).map_err(E::custom)
    }
    impl<'de, T: DeserializeOwned> de::Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array, a single object or null")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            one(Value::deserialize(de::value::MapAccessDeserializer::new(
                map,
            ))?)
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            one(Value::String(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
            one(Value::from(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
            one(Value::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
            one(Value::from(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
            one(Value::Bool(v))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// `skip_serializing_if` for required nested objects: one with nothing set carries no data, and
/// Alma treats a missing field as its default.
pub fn is_empty<T: crate::IsEmpty>(v: &T) -> bool {
    v.is_empty()
}
