//! Streams over Alma's `limit`/`offset` lists.
//!
//! Alma's `total_record_count` is not trustworthy (`-1`, missing, or out of date while records
//! are added), so the stream never relies on it: it asks for full pages (100, Alma's maximum)
//! and stops on the first short or empty page. A last page of exactly 100 costs one more,
//! empty, request; no record is skipped and no page is fetched twice.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::Value;

use crate::body::{Decode, RawBody};
use crate::{Error, Format, RequestBuilder, Response};

/// Alma's largest page.
pub const MAX_PAGE_SIZE: usize = 100;

type PageFuture<P> = Pin<Box<dyn Future<Output = Result<Response<P>, Error>> + Send>>;

/// Every item of a paginated list operation, fetched page by page. Use [`Paginator::next`] or
/// the `futures::Stream` impl.
#[must_use = "a paginator does nothing until polled"]
pub struct Paginator<P, T> {
    req: RequestBuilder,
    items_of: fn(P) -> Result<Vec<T>, String>,
    page_size: usize,
    offset: usize,
    buffer: VecDeque<T>,
    in_flight: Option<PageFuture<P>>,
    done: bool,
    pages: u64,
}

impl<P, T> std::fmt::Debug for Paginator<P, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.req.spec().name)
            .field("page_size", &self.page_size)
            .field("offset", &self.offset)
            .field("pages", &self.pages)
            .field("done", &self.done)
            .finish()
    }
}

impl Paginator<RawBody, Value> {
    /// A paginator over a list whose answer has no published schema: pages are asked for in
    /// JSON and their records read by [`json_records`].
    pub fn untyped(req: RequestBuilder) -> Self {
        Paginator::new(req.format(Format::Json), json_records)
    }
}

impl<P: Decode + Send + 'static, T> Paginator<P, T> {
    /// A paginator over the list request `req`; `items_of` takes the items out of a page (an
    /// error ends the stream with [`Error::Decode`]).
    pub fn new(req: RequestBuilder, items_of: fn(P) -> Result<Vec<T>, String>) -> Self {
        Paginator {
            req,
            items_of,
            page_size: MAX_PAGE_SIZE,
            offset: 0,
            buffer: VecDeque::new(),
            in_flight: None,
            done: false,
            pages: 0,
        }
    }

    /// Items per request (1 to 100; default 100).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Start at this offset instead of 0.
    pub fn starting_at(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    /// The next item, `None` after the last one. After an error the stream ends.
    pub async fn next(&mut self) -> Option<Result<T, Error>>
    where
        Self: Unpin,
    {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    /// Every remaining item.
    pub async fn try_collect(mut self) -> Result<Vec<T>, Error>
    where
        Self: Unpin,
    {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            let fut = self.in_flight.get_or_insert_with(|| {
                let req = self
                    .req
                    .clone()
                    .query("limit", self.page_size.to_string())
                    .query("offset", self.offset.to_string());
                Box::pin(req.send::<P>())
            });
            let page = match fut.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            self.in_flight = None;
            match page {
                Err(e) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Ok(page) => {
                    self.pages += 1;
                    let items = match (self.items_of)(page.value) {
                        Ok(items) => items,
                        Err(message) => {
                            self.done = true;
                            let content_type = page
                                .headers
                                .get(http::header::CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            return Poll::Ready(Some(Err(Error::Decode {
                                operation: self.req.spec().name,
                                status: page.status,
                                content_type,
                                body_snippet: String::new(),
                                source: Box::new(crate::codec::DecodeError::new(message.clone())),
                                message,
                            })));
                        }
                    };
                    // A short (or empty) page is the last one, whatever total_record_count says.
                    if items.len() < self.page_size {
                        self.done = true;
                    }
                    self.offset += items.len();
                    self.buffer.extend(items);
                }
            }
        }
    }
}

impl<P: Decode + Send + 'static, T> Unpin for Paginator<P, T> {}

impl<P: Decode + Send + 'static, T> futures_core::Stream for Paginator<P, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
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
