//! The stream machinery shared by [`Paginator`](crate::Paginator) (`limit`/`offset` lists) and
//! [`ReportRows`](crate::analytics::ReportRows) (Analytics resumption tokens): one page in flight
//! at a time, its items buffered and handed out one by one, the stream ended by the last page or
//! the first error. What differs — which request asks for the next page, and what a page gives —
//! is a [`PageWalk`]. [`Repeats`] keeps either walk from looping on a page Alma gives again.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::body::Decode;
use crate::{Error, RequestBuilder, Response};

type PageFuture<P> = Pin<Box<dyn Future<Output = Result<Response<P>, Error>> + Send>>;

/// How a listing is walked page by page.
pub(crate) trait PageWalk {
    /// What one answer decodes into.
    type Page: Decode + Send + 'static;
    /// What the stream yields.
    type Item;

    /// The request for the next page, from the listing's request.
    fn next_request(&self, base: &RequestBuilder) -> RequestBuilder;

    /// A page's items, and whether it was the last; an error ends the stream. `req` is the
    /// listing's request (its operation, and its client's counters).
    fn take(
        &mut self,
        page: Response<Self::Page>,
        req: &RequestBuilder,
    ) -> Result<(Vec<Self::Item>, bool), Error>;
}

/// A stream of the items of every page of a listing.
pub(crate) struct PageStream<W: PageWalk> {
    pub(crate) req: RequestBuilder,
    pub(crate) walk: W,
    buffer: VecDeque<W::Item>,
    in_flight: Option<PageFuture<W::Page>>,
    pub(crate) done: bool,
    pub(crate) pages: u64,
}

impl<W: PageWalk> PageStream<W> {
    pub(crate) fn new(req: RequestBuilder, walk: W) -> Self {
        PageStream {
            req,
            walk,
            buffer: VecDeque::new(),
            in_flight: None,
            done: false,
            pages: 0,
        }
    }

    pub(crate) fn poll_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<W::Item, Error>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            let fut = match &mut self.in_flight {
                Some(f) => f,
                None => {
                    let req = self.walk.next_request(&self.req);
                    self.in_flight.insert(Box::pin(req.send::<W::Page>()))
                }
            };
            let page = match fut.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            self.in_flight = None;
            let taken = page.and_then(|p| {
                self.pages += 1;
                self.walk.take(p, &self.req)
            });
            match taken {
                Ok((items, last)) => {
                    self.done |= last;
                    self.buffer.extend(items);
                }
                Err(e) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }

    /// The next item, `None` after the last one.
    pub(crate) async fn next(&mut self) -> Option<Result<W::Item, Error>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }
}

/// What a stream has received, so that a page Alma gives again ends the stream (instead of being
/// asked for again until the daily quota is spent) and a record two pages share is yielded once.
/// Records are told apart by a key: their identifying field when the list has one, else their
/// content; the stream keeps 8 bytes per record received.
#[derive(Default)]
pub(crate) struct Repeats {
    seen: std::collections::HashSet<u64>,
    previous_page: Option<u64>,
}

/// A 64-bit key of some text (SipHash with fixed keys: the same in every run).
pub(crate) fn key_of(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

impl Repeats {
    /// Checks a page whose records have `keys` and whose whole content has the key `content`:
    /// an error when it gives nothing new (the same content as the previous page, or only
    /// records already received); otherwise which records to keep (`false`: already given).
    pub(crate) fn page(
        &mut self,
        keys: &[u64],
        content: u64,
        repeated: impl FnOnce() -> Error,
    ) -> Result<Vec<bool>, Error> {
        let same_page = self.previous_page == Some(content);
        self.previous_page = Some(content);
        if !keys.is_empty() && (same_page || keys.iter().all(|k| self.seen.contains(k))) {
            return Err(repeated());
        }
        Ok(keys.iter().map(|k| self.seen.insert(*k)).collect())
    }
}
