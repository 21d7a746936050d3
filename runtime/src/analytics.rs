//! Analytics reports as a stream of rows. Alma answers a report in pages: the first carries a
//! `ResumptionToken`, every page says whether the report `IsFinished`, and the rows are a
//! `rowset` whose columns (`Column0`, `Column1`, …) are named in an inline XML schema
//! (`saw-sql:columnHeading`, with `col_names=true`). This follows the token until `IsFinished`
//! and gives each row as (column heading, value) pairs in column order.

use std::pin::Pin;
use std::task::{Context, Poll};

use crate::body::Decode;
use crate::pages::{key_of, PageStream, PageWalk};
use crate::{Error, RequestBuilder, Response};

/// One row: (column heading, value), in column order. Empty cells are absent from Alma's
/// answer and appear here as empty strings.
pub type Row = Vec<(String, String)>;

/// How many pages in a row may come back empty and unfinished (Alma still preparing the
/// report) before the stream gives up.
const MAX_EMPTY_PAGES: u32 = 20;

/// The rows of an Analytics report. Use [`ReportRows::next`] or the `futures::Stream` impl.
#[must_use = "a report stream does nothing until polled"]
pub struct ReportRows<P: Decode + Send + 'static> {
    stream: PageStream<TokenWalk<P>>,
}

/// The resumption token: the first page gives it, every page says whether the report is
/// finished.
struct TokenWalk<P> {
    results_of: fn(P) -> Vec<String>,
    token: Option<String>,
    columns: Vec<(String, String)>,
    empty_pages: u32,
    /// Rows received so far, and the key of the last page's rows: a token that hands back the
    /// same rows ends the stream (rows themselves may repeat in a report, so no row is dropped).
    received: u64,
    previous_rows: Option<u64>,
}

impl<P: Decode + Send + 'static> PageWalk for TokenWalk<P> {
    type Page = P;
    type Item = Row;

    fn next_request(&self, base: &RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => base.clone().query("token", t.clone()),
            None => base.clone(),
        }
    }

    fn take(&mut self, page: Response<P>, req: &RequestBuilder) -> Result<(Vec<Row>, bool), Error> {
        let operation = req.spec().name;
        let status = page.status;
        let decode = |message: String, body_snippet: String| Error::Decode {
            operation,
            status,
            content_type: None,
            body_snippet,
            source: Box::new(crate::codec::DecodeError::new(message.clone())),
            message,
        };
        let mut rows = Vec::new();
        let mut finished = false;
        for xml in (self.results_of)(page.value) {
            let p = parse_page(&xml, &mut self.columns)
                .map_err(|message| decode(message, xml.chars().take(300).collect()))?;
            if self.token.is_none() {
                self.token = p.token;
            }
            finished |= p.finished;
            rows.extend(p.rows);
        }
        if !rows.is_empty() {
            let cells: Vec<&str> = rows
                .iter()
                .flat_map(|r| {
                    r.iter()
                        .flat_map(|(h, v)| [h.as_str(), v.as_str(), "\u{1}"])
                })
                .collect();
            let key = key_of(&cells);
            if self.previous_rows == Some(key) {
                return Err(Error::RepeatedPage {
                    operation,
                    offset: self.received,
                    by: "rows",
                });
            }
            self.previous_rows = Some(key);
            self.received += rows.len() as u64;
        }
        // Without a token there is no next page to ask for.
        if finished || self.token.is_none() {
            return Ok((rows, true));
        }
        if rows.is_empty() {
            self.empty_pages += 1;
            if self.empty_pages > MAX_EMPTY_PAGES {
                return Err(decode(
                    format!("{MAX_EMPTY_PAGES} empty pages in a row and the report is still not finished"),
                    String::new(),
                ));
            }
        } else {
            self.empty_pages = 0;
        }
        Ok((rows, false))
    }
}

impl<P: Decode + Send + 'static> std::fmt::Debug for ReportRows<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportRows")
            .field("columns", &self.stream.walk.columns)
            .field("finished", &self.stream.done)
            .finish()
    }
}

impl<P: Decode + Send + 'static> ReportRows<P> {
    /// Rows of the report request `req`; `results_of` takes the `QueryResult` XML out of a page.
    pub fn new(req: RequestBuilder, results_of: fn(P) -> Vec<String>) -> Self {
        ReportRows {
            stream: PageStream::new(
                req.query("col_names", "true".into()),
                TokenWalk {
                    results_of,
                    token: None,
                    columns: Vec::new(),
                    empty_pages: 0,
                    received: 0,
                    previous_rows: None,
                },
            ),
        }
    }

    /// Column headings, known after the first page.
    pub fn columns(&self) -> Vec<&str> {
        self.stream
            .walk
            .columns
            .iter()
            .map(|(_, h)| h.as_str())
            .collect()
    }

    /// The next row, `None` after the last.
    pub async fn next(&mut self) -> Option<Result<Row, Error>> {
        self.stream.next().await
    }

    /// Every remaining row.
    pub async fn try_collect(mut self) -> Result<Vec<Row>, Error> {
        let mut out = Vec::new();
        while let Some(r) = self.next().await {
            out.push(r?);
        }
        Ok(out)
    }
}

impl<P: Decode + Send + 'static> Unpin for ReportRows<P> {}

impl<P: Decode + Send + 'static> futures_core::Stream for ReportRows<P> {
    type Item = Result<Row, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().stream.poll_item(cx)
    }
}

struct Page {
    token: Option<String>,
    finished: bool,
    rows: Vec<Row>,
}

/// Reads one `QueryResult` document; learns the columns from its schema on the first page.
fn parse_page(xml: &str, columns: &mut Vec<(String, String)>) -> Result<Page, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut page = Page {
        token: None,
        finished: false,
        rows: Vec::new(),
    };
    let mut row: Option<Vec<(String, String)>> = None;
    let mut text = String::new();
    let mut learned = Vec::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("QueryResult is not well-formed XML: {e}"))?;
        let is_start = matches!(ev, Event::Start(_));
        match ev {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "element" => {
                let mut name = None;
                let mut heading = None;
                for a in e.attributes().flatten() {
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let v = a
                        .unescape_value()
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    if key == "name" {
                        name = Some(v);
                    } else if key.ends_with("columnHeading") {
                        heading = Some(v);
                    }
                }
                if let Some(n) = name.filter(|n| n.starts_with("Column")) {
                    let h = heading.unwrap_or_else(|| n.clone());
                    learned.push((n, h));
                }
                if is_start {
                    path.push("element".into());
                }
            }
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if name == "Row" {
                    row = Some(Vec::new());
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.unescape().map_err(|e| e.to_string())?),
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                match name.as_str() {
                    "ResumptionToken" => {
                        page.token = Some(text.trim().to_string()).filter(|t| !t.is_empty())
                    }
                    "IsFinished" => page.finished = text.trim().eq_ignore_ascii_case("true"),
                    "Row" => {
                        if let Some(cells) = row.take() {
                            page.rows.push(cells);
                        }
                    }
                    n if n.starts_with("Column") => {
                        if let Some(r) = row.as_mut() {
                            r.push((n.to_string(), text.clone()));
                        }
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if columns.is_empty() {
        *columns = learned;
    }
    // Name each cell by its heading, in column order, with empty cells filled in.
    let rows = page
        .rows
        .into_iter()
        .map(|cells| {
            if columns.is_empty() {
                return cells;
            }
            columns
                .iter()
                .map(|(col, heading)| {
                    let v = cells
                        .iter()
                        .find(|(c, _)| c == col)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    (heading.clone(), v)
                })
                .collect()
        })
        .collect();
    Ok(Page { rows, ..page })
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    s.rsplit(':').next().unwrap_or(&s).to_string()
}
