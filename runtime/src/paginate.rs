//! Streams over Alma's `limit`/`offset` lists.
//!
//! Alma's `total_record_count` is not trustworthy (`-1`, missing, or out of date while records
//! are added), so the stream never relies on it: it asks for full pages (100, Alma's maximum)
//! and stops on the first short or empty page. A last page of exactly 100 costs one more,
//! empty, request; no record is skipped and no page is fetched twice.
//!
//! Alma has also answered every offset with the first page (loans, in one release) and started
//! a page with the previous page's last record (electronic collections). A page that gives
//! nothing new ends the stream with [`Error::RepeatedPage`]; a record already given is skipped,
//! counted in [`crate::Stats::duplicates_skipped`] and reported through `tracing`. Records are
//! told apart by the field the generator chose for the list ([`Paginator::identified_by`]), or
//! by their content.

use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::Value;

use crate::body::{Decode, RawBody};
use crate::codec::Codec;
use crate::pages::{key_of, PageStream, PageWalk, Repeats};
use crate::{Error, Format, RequestBuilder, Response};

/// Alma's largest page.
pub const MAX_PAGE_SIZE: usize = 100;

/// Every item of a paginated list operation, fetched page by page. Use [`Paginator::next`] or
/// the `futures::Stream` impl.
#[must_use = "a paginator does nothing until polled"]
pub struct Paginator<P: Decode + Send + 'static, T: Codec> {
    stream: PageStream<OffsetWalk<P, T>>,
}

/// A list's identifying field: its JSON path, and how to read it from a record.
type IdField<T> = (&'static str, fn(&T) -> Option<String>);

/// `limit`/`offset`: full pages until a short one.
struct OffsetWalk<P, T> {
    items_of: fn(P) -> Result<Vec<T>, String>,
    page_size: usize,
    offset: usize,
    /// The identifying field's JSON path and how to read it from a record.
    id: Option<IdField<T>>,
    repeats: Repeats,
    /// How to read a page's `total_record_count`, and the last one read.
    total_of: Option<fn(&P) -> Option<u64>>,
    total: Option<u64>,
}

impl<P, T: Codec> OffsetWalk<P, T> {
    /// A record's key: its identifier when it has one, else its content.
    fn key(&self, item: &T, content: &str) -> u64 {
        match self.id.and_then(|(_, id)| id(item)) {
            Some(id) => key_of(&["id", &id]),
            None => key_of(&["content", content]),
        }
    }
}

impl<P: Decode + Send + 'static, T: Codec> PageWalk for OffsetWalk<P, T> {
    type Page = P;
    type Item = T;

    fn next_request(&self, base: &RequestBuilder) -> RequestBuilder {
        base.clone()
            .query("limit", self.page_size.to_string())
            .query("offset", self.offset.to_string())
    }

    fn take(&mut self, page: Response<P>, req: &RequestBuilder) -> Result<(Vec<T>, bool), Error> {
        let operation = req.spec().name;
        let content_type = page
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = page.status;
        if let Some(total_of) = self.total_of {
            self.total = total_of(&page.value).or(self.total);
        }
        let items = (self.items_of)(page.value).map_err(|message| Error::Decode {
            operation,
            status,
            content_type,
            body_snippet: String::new(),
            source: Box::new(crate::codec::DecodeError::new(message.clone())),
            message,
        })?;
        // A short (or empty) page is the last one, whatever total_record_count says.
        let last = items.len() < self.page_size;
        let contents: Vec<String> = items.iter().map(|i| i.to_value().to_string()).collect();
        let keys: Vec<u64> = items
            .iter()
            .zip(&contents)
            .map(|(item, content)| self.key(item, content))
            .collect();
        let parts: Vec<&str> = contents.iter().map(String::as_str).collect();
        let by = self.id.map_or("content", |(path, _)| path);
        let offset = self.offset as u64;
        let fresh = self
            .repeats
            .page(&keys, key_of(&parts), || Error::RepeatedPage {
                operation,
                offset,
                by,
            })?;
        self.offset += items.len();
        let skipped = fresh.iter().filter(|f| !**f).count();
        if skipped > 0 {
            req.note_duplicates(skipped as u64);
            tracing::warn!(
                operation,
                offset,
                skipped,
                by,
                "records an earlier page already gave were skipped (the pages overlap)"
            );
        }
        let items = items
            .into_iter()
            .zip(fresh)
            .filter_map(|(item, fresh)| fresh.then_some(item))
            .collect();
        Ok((items, last))
    }
}

impl<P: Decode + Send + 'static, T: Codec> std::fmt::Debug for Paginator<P, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.stream.req.spec().name)
            .field("page_size", &self.stream.walk.page_size)
            .field("offset", &self.stream.walk.offset)
            .field("pages", &self.stream.pages)
            .field("identified_by", &self.stream.walk.id.map(|(path, _)| path))
            .field("done", &self.stream.done)
            .finish()
    }
}

impl Paginator<RawBody, Value> {
    /// A paginator over a list whose answer has no published schema: pages are asked for in
    /// JSON and their records read by [`json_records`].
    pub fn untyped(req: RequestBuilder) -> Self {
        let mut p = Paginator::new(req.format(Format::Json), json_records);
        p.stream.walk.total_of = Some(json_total);
        p
    }
}

impl<P: Decode + Send + 'static, T: Codec> Paginator<P, T> {
    /// A paginator over the list request `req`; `items_of` takes the items out of a page (an
    /// error ends the stream with [`Error::Decode`]).
    pub fn new(req: RequestBuilder, items_of: fn(P) -> Result<Vec<T>, String>) -> Self {
        Paginator {
            stream: PageStream::new(
                req,
                OffsetWalk {
                    items_of,
                    page_size: MAX_PAGE_SIZE,
                    offset: 0,
                    id: None,
                    repeats: Repeats::default(),
                    total_of: None,
                    total: None,
                },
            ),
        }
    }

    /// Tells records apart by the field at `path` (its JSON path, for messages), read by `id`,
    /// instead of by their content. Generated list operations set the field the generator chose
    /// for the list.
    pub fn identified_by(mut self, path: &'static str, id: fn(&T) -> Option<String>) -> Self {
        self.stream.walk.id = Some((path, id));
        self
    }

    /// Items per request (1 to 100; default 100).
    pub fn page_size(mut self, n: usize) -> Self {
        self.stream.walk.page_size = n.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Start at this offset instead of 0.
    pub fn starting_at(mut self, offset: usize) -> Self {
        self.stream.walk.offset = offset;
        self
    }

    /// Pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.stream.pages
    }

    /// The list's `total_record_count` as the last page said it (for progress only: Alma's is
    /// not to be trusted, and the stream never relies on it), when the pages are read for it.
    pub fn total_record_count(&self) -> Option<u64> {
        self.stream.walk.total
    }

    /// The next item, `None` after the last one. After an error the stream ends.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        self.stream.next().await
    }

    /// Every remaining item.
    pub async fn try_collect(mut self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

impl<P: Decode + Send + 'static, T: Codec> Unpin for Paginator<P, T> {}

impl<P: Decode + Send + 'static, T: Codec> futures_core::Stream for Paginator<P, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().stream.poll_item(cx)
    }
}

/// A record's identifier as text (empty text is no identifier), for
/// [`Paginator::identified_by`].
pub trait RecordId {
    /// The identifier, if the record has one.
    fn record_id(&self) -> Option<String>;
}

impl RecordId for String {
    fn record_id(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.clone())
    }
}

impl RecordId for i64 {
    fn record_id(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl<T: RecordId> RecordId for Option<T> {
    fn record_id(&self) -> Option<String> {
        self.as_ref()?.record_id()
    }
}

/// A JSON page's `total_record_count`, when it has a positive one.
pub fn json_total(page: &RawBody) -> Option<u64> {
    let v: Value = serde_json::from_str(&page.text).ok()?;
    match v.get("total_record_count")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The records of a page of a list whose schema is not published, read from its JSON: the
/// values of the page's one array field (`{"fund": [..], "total_record_count": 7}`), or its one
/// object field when a page of one record arrives without the array. A page with neither (only
/// `total_record_count`) has no records.
pub fn json_records(page: RawBody) -> Result<Vec<Value>, String> {
    let value: Value = serde_json::from_str(&page.text)
        .map_err(|e| format!("a page of records is not JSON: {e}"))?;
    let Value::Object(fields) = value else {
        return Err("a page of records is not a JSON object".into());
    };
    let arrays: Vec<&String> = fields
        .iter()
        .filter(|(_, v)| v.is_array())
        .map(|(k, _)| k)
        .collect();
    let objects: Vec<&String> = fields
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(k, _)| k)
        .collect();
    let key = match (arrays.as_slice(), objects.as_slice()) {
        ([one], _) | ([], [one]) => (*one).clone(),
        ([], []) => return Ok(Vec::new()),
        ([], many) | (many, _) => {
            let names: Vec<&str> = many.iter().map(|k| k.as_str()).collect();
            return Err(format!(
                "cannot tell which field holds the records: {}",
                names.join(", ")
            ));
        }
    };
    let mut fields = fields;
    Ok(match fields.remove(&key) {
        Some(Value::Array(items)) => items,
        Some(one) => vec![one],
        None => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Result<Vec<Value>, String> {
        json_records(RawBody {
            format: Format::Json,
            text: text.into(),
        })
    }

    #[test]
    fn records_come_from_the_one_array_or_the_lone_object() {
        let r = records(r#"{"total_record_count": 2, "po_line": [{"n": 1}, {"n": 2}]}"#).unwrap();
        assert_eq!(
            r,
            [serde_json::json!({"n": 1}), serde_json::json!({"n": 2})]
        );
        let r = records(r#"{"po_line": {"n": 1}, "total_record_count": 1}"#).unwrap();
        assert_eq!(r, [serde_json::json!({"n": 1})]);
        // An array beats metadata objects.
        let r = records(r#"{"link": {"href": "x"}, "po_line": [{"n": 1}]}"#).unwrap();
        assert_eq!(r.len(), 1);
        assert!(records(r#"{"total_record_count": 0}"#).unwrap().is_empty());
    }

    #[test]
    fn unclear_pages_are_errors() {
        let e = records(r#"{"a": {"x": 1}, "b": {"y": 2}}"#).unwrap_err();
        assert!(e.contains("a, b"), "{e}");
        assert!(records("<funds/>").unwrap_err().contains("not JSON"));
        assert!(records("[1, 2]").unwrap_err().contains("not a JSON object"));
    }
}
