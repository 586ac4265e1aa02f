//! Fetching every page of an `Offset`/`Limit` + `TotalCount` action: the
//! first page tells the total, the rest are fetched in parallel (bounded),
//! and the items come back in order. The rate limiter of the client keeps
//! the parallel pages under the action's limit.

use std::future::Future;

use futures::{StreamExt, TryStreamExt};

use crate::cloud::{Action, Client, CloudError};

/// Most list actions accept at most 100 per page.
pub const DEFAULT_PAGE_SIZE: i64 = 100;
/// Pages in flight at once after the first.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// One page: its items and the total the server reported (`None` if it did not).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: Option<i64>,
}

/// Fetches all pages through `fetch_page(offset, limit)`. With a total, the
/// pages after the first go out up to `concurrency` at a time; without one,
/// pages are fetched one after another until a short page.
pub async fn fetch_all<T, F, Fut>(
    page_size: i64,
    concurrency: usize,
    fetch_page: F,
) -> Result<Vec<T>, CloudError>
where
    F: Fn(i64, i64) -> Fut,
    Fut: Future<Output = Result<Page<T>, CloudError>>,
{
    let limit = page_size.max(1);
    let first = fetch_page(0, limit).await?;
    let mut items = first.items;
    match first.total {
        Some(total) => {
            let offsets: Vec<i64> = (1..)
                .map(|i| i * limit)
                .take_while(|offset| *offset < total)
                .collect();
            let pages: Vec<Page<T>> = futures::stream::iter(offsets)
                .map(|offset| fetch_page(offset, limit))
                .buffered(concurrency.max(1))
                .try_collect()
                .await?;
            for page in pages {
                items.extend(page.items);
            }
        }
        None => {
            let mut last_len = items.len() as i64;
            while last_len >= limit {
                let page = fetch_page(items.len() as i64, limit).await?;
                last_len = page.items.len() as i64;
                items.extend(page.items);
            }
        }
    }
    Ok(items)
}

impl Client {
    /// Every item of a paged action. `build(offset, limit)` makes the request
    /// and `extract` takes the items and `TotalCount` out of a response:
    ///
    /// ```no_run
    /// # async fn f(client: &tcscale::cloud::Client) -> Result<(), tcscale::cloud::CloudError> {
    /// use tcscale::cloud::models::cvm;
    /// let instances = client
    ///     .fetch_all_pages(
    ///         |offset, limit| cvm::DescribeInstancesRequest {
    ///             offset: Some(offset),
    ///             limit: Some(limit),
    ///             ..Default::default()
    ///         },
    ///         |r| (r.instance_set.unwrap_or_default(), r.total_count),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_all_pages<A, T>(
        &self,
        build: impl Fn(i64, i64) -> A,
        extract: impl Fn(A::Response) -> (Vec<T>, Option<i64>),
    ) -> Result<Vec<T>, CloudError>
    where
        A: Action,
    {
        self.fetch_all_pages_with(DEFAULT_PAGE_SIZE, DEFAULT_CONCURRENCY, build, extract)
            .await
    }

    /// [`Client::fetch_all_pages`] with a page size and concurrency.
    pub async fn fetch_all_pages_with<A, T>(
        &self,
        page_size: i64,
        concurrency: usize,
        build: impl Fn(i64, i64) -> A,
        extract: impl Fn(A::Response) -> (Vec<T>, Option<i64>),
    ) -> Result<Vec<T>, CloudError>
    where
        A: Action,
    {
        let build = &build;
        let extract = &extract;
        fetch_all(page_size, concurrency, |offset, limit| async move {
            let response = self.call(&build(offset, limit)).await?;
            let (items, total) = extract(response);
            Ok(Page { items, total })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    async fn run(n: i64, page: i64, with_total: bool) -> (Vec<i64>, Vec<(i64, i64)>, usize) {
        let calls = Mutex::new(Vec::new());
        let in_flight = AtomicUsize::new(0);
        let max_in_flight = AtomicUsize::new(0);
        let items = fetch_all(page, 3, |offset, limit| {
            calls.lock().unwrap().push((offset, limit));
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            max_in_flight.fetch_max(now, Ordering::SeqCst);
            let in_flight = &in_flight;
            async move {
                tokio::task::yield_now().await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(Page {
                    items: (offset..(offset + limit).min(n)).collect(),
                    total: with_total.then_some(n),
                })
            }
        })
        .await
        .unwrap();
        let mut calls = calls.into_inner().unwrap();
        calls.sort();
        (items, calls, max_in_flight.into_inner())
    }

    #[tokio::test]
    async fn every_item_once_in_order() {
        for n in [0, 1, 99, 100, 101, 250] {
            let (items, calls, max) = run(n, 100, true).await;
            assert_eq!(items, (0..n).collect::<Vec<_>>(), "n={n}");
            let pages = (n.max(1) + 99) / 100;
            assert_eq!(calls.len() as i64, pages, "n={n}");
            assert!(max <= 3);
        }
        let (items, calls, max) = run(1000, 10, true).await;
        assert_eq!(items.len(), 1000);
        assert_eq!(calls.len(), 100);
        assert!((2..=3).contains(&max), "max in flight {max}");
    }

    #[tokio::test]
    async fn without_a_total_it_stops_at_a_short_page() {
        for n in [0, 5, 10, 25] {
            let (items, calls, _) = run(n, 10, false).await;
            assert_eq!(items, (0..n).collect::<Vec<_>>());
            assert_eq!(calls.len() as i64, n / 10 + 1);
        }
    }

    #[tokio::test]
    async fn an_error_on_any_page_is_returned() {
        let r: Result<Vec<i64>, _> = fetch_all(10, 2, |offset, _| async move {
            if offset == 20 {
                Err(CloudError::Local("page 3 failed".into()))
            } else {
                Ok(Page {
                    items: vec![offset],
                    total: Some(50),
                })
            }
        })
        .await;
        assert_eq!(r.unwrap_err().to_string(), "page 3 failed");
    }
}
