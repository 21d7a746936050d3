//! Bodies: the [`Model`] trait generated types implement, [`RawBody`] for operations without a
//! published schema, and the small wire types models share.

use crate::codec::{Codec, DecodeError, Node};
use crate::desc::Described;
use crate::Format;

/// A generated Alma model: a [`Codec`] with a name and a description ([`Described`]), readable
/// and writable in both wire formats.
pub trait Model: Codec + Described + Send + Sync + 'static {
    /// Decodes an Alma JSON document.
    fn from_json(bytes: &[u8]) -> Result<Self, DecodeError> {
        let node = Node::parse_json(bytes).map_err(|e| DecodeError::unparsable("JSON", e))?;
        crate::codec::refuse_foreign(&node, Self::NAME, Self::desc())?;
        Self::from_node(node)
    }

    /// Encodes as an Alma JSON document.
    fn to_json(&self) -> Result<String, String> {
        serde_json::to_string(&self.to_value()).map_err(|e| e.to_string())
    }

    /// Decodes an Alma XML document.
    fn from_xml(text: &str) -> Result<Self, DecodeError> {
        crate::xml::from_xml(text, Self::desc())
    }

    /// Encodes as an Alma XML document.
    fn to_xml(&self) -> Result<String, String> {
        let value = crate::codec::with_xml_target(|| self.to_value());
        crate::xml::value_to_xml(&value, Self::desc())
    }

    /// Where this value holds something its model does not declare, at any depth: the keys of
    /// `extra` (an XML attribute as `@name`), and, for a value read from XML, attributes and
    /// child elements of elements the model reads as text or codes (`first_name.@lang`,
    /// `primary_id.note`), text between elements (`#text`) and second copies of single
    /// elements. All of it is sent back as it came when the value is encoded again in its
    /// format; a program can watch this to notice that Alma sent something new.
    fn unknown_fields(&self) -> Vec<String> {
        let value = crate::codec::with_xml_target(|| self.to_value());
        let mut out = Vec::new();
        if let serde_json::Value::Object(obj) = &value {
            crate::xml::unknown_paths(obj, Self::desc(), "", &mut out);
        }
        out
    }
}

/// A body the SDK sends.
pub trait Encode {
    /// Encodes for `format`, returning the bytes and the format actually used.
    fn encode(&self, format: Format) -> Result<(Vec<u8>, Format), String>;
}

/// A body the SDK receives.
pub trait Decode: Sized {
    /// Decodes `body`, which is in `format`.
    fn decode(body: &[u8], format: Format) -> Result<Self, DecodeError>;
}

impl<T: Model> Encode for T {
    fn encode(&self, format: Format) -> Result<(Vec<u8>, Format), String> {
        match format {
            Format::Json => self.to_json().map(|s| (s.into_bytes(), Format::Json)),
            Format::Xml => self.to_xml().map(|s| (s.into_bytes(), Format::Xml)),
        }
    }
}

impl<T: Model> Decode for T {
    fn decode(body: &[u8], format: Format) -> Result<Self, DecodeError> {
        match format {
            Format::Json => T::from_json(body),
            Format::Xml => T::from_xml(
                std::str::from_utf8(body).map_err(|e| DecodeError::unparsable("UTF-8", e))?,
            ),
        }
    }
}

/// No body expected: whatever arrives is ignored.
impl Decode for () {
    fn decode(_: &[u8], _: Format) -> Result<Self, DecodeError> {
        Ok(())
    }
}

/// A body kept as text, for operations whose schema Ex Libris has not published: build it from
/// JSON or XML yourself, read it with [`RawBody::json`] or as text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawBody {
    /// The body's format.
    pub format: Format,
    /// The body as received or to be sent.
    pub text: String,
}

impl RawBody {
    /// A JSON body.
    pub fn json(value: &serde_json::Value) -> RawBody {
        RawBody {
            format: Format::Json,
            text: value.to_string(),
        }
    }

    /// An XML body (a complete document or element).
    pub fn xml(text: impl Into<String>) -> RawBody {
        RawBody {
            format: Format::Xml,
            text: text.into(),
        }
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self.format {
            Format::Json => serde_json::from_str(&self.text).ok(),
            Format::Xml => None,
        }
    }
}

impl Encode for RawBody {
    /// A raw body is sent as it is, in its own format.
    fn encode(&self, _: Format) -> Result<(Vec<u8>, Format), String> {
        Ok((self.text.as_bytes().to_vec(), self.format))
    }
}

impl Decode for RawBody {
    fn decode(body: &[u8], format: Format) -> Result<Self, DecodeError> {
        Ok(RawBody {
            format,
            text: String::from_utf8_lossy(body).into_owned(),
        })
    }
}

/// Converts one model into another of the same shape (a GET model into the PUT model of the same
/// record): a clone when they are the same type; else, for a value read from XML, through the
/// XML it writes (so the target reads exactly what the source would send: unknown elements,
/// attributes and spellings included), and otherwise through its JSON shape, so fields the
/// target does not declare travel in its `extra`.
pub fn convert<T: Model + Clone, U: Model>(
    value: &T,
    operation: &'static str,
) -> Result<U, crate::Error> {
    let same: Box<dyn std::any::Any> = Box::new(value.clone());
    if let Ok(same) = same.downcast::<U>() {
        return Ok(*same);
    }
    let failed = |message: String| crate::Error::Encode { operation, message };
    let (shape, from_xml) = crate::codec::origin_probe(|| value.to_value());
    if from_xml {
        let shape = crate::codec::with_xml_target(|| value.to_value());
        let xml = crate::xml::value_to_xml_as(&shape, T::desc(), U::desc().root).map_err(failed)?;
        return U::from_xml(&xml).map_err(|e| failed(e.to_string()));
    }
    U::from_node(Node::from_value(shape)).map_err(|e| failed(e.to_string()))
}
