//! Talking to a shop platform politely: every request is retried on 429 (after the platform's
//! `Retry-After`), on 5xx and on timeouts (exponential backoff with jitter), slows down when the
//! platform says its call budget is nearly spent, and stops at once, with a message that says
//! what to fix, on 401, 403 and 404. Responses are read up to a size limit. Credentials go in a
//! header marked sensitive, and no URL or header is ever logged with them.
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::StatusCode;

/// The largest response read (a page of 250 orders is a few megabytes).
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The first wait after a 5xx or a timeout; it doubles with each further attempt.
    pub base_delay: Duration,
    /// The longest wait, whatever `Retry-After` asks.
    pub max_wait: Duration,
    /// Time allowed for one request.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Why a request gave up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The platform refused the credentials or the request (401, 403, 404, …): retrying will
    /// not help.
    #[error("{0}")]
    Refused(String),
    /// Still failing after every attempt (5xx, timeouts, broken connections).
    #[error("{0}")]
    Unavailable(String),
}

/// A JSON response and its headers.
pub struct Page {
    pub body: serde_json::Value,
    pub headers: HeaderMap,
}

/// An HTTP client for one shop, with its authentication headers.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    auth: HeaderMap,
    policy: RetryPolicy,
    /// Names the platform in messages ("Shopify").
    platform: &'static str,
}

impl Http {
    /// `auth`: (header, value) pairs sent with every request; their values are marked
    /// sensitive (never printed by `Debug`).
    pub fn new(
        platform: &'static str,
        auth: &[(&'static str, String)],
        policy: RetryPolicy,
    ) -> Result<Http, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in auth {
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| format!("the {platform} credentials contain characters that cannot be sent in an HTTP header"))?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(name), value);
        }
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(Duration::from_secs(15))
            // An API call is never redirected; following one could send the credentials elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("StorePulse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Http {
            client,
            auth: headers,
            policy,
            platform,
        })
    }

    /// GETs `url` and reads its JSON body, retrying as the policy says. `what` names the
    /// request in messages ("orders page 3").
    pub async fn get_json(&self, url: &str, what: &str) -> Result<Page, FetchError> {
        self.call(reqwest::Method::GET, url, None, what).await
    }

    /// POSTs a JSON body to `url` and reads the JSON answer, retrying as the policy says.
    pub async fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<Page, FetchError> {
        self.call(reqwest::Method::POST, url, Some(body), what)
            .await
    }

    /// PUTs a JSON body to `url` and reads the JSON answer, retrying as the policy says.
    pub async fn put_json(
        &self,
        url: &str,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<Page, FetchError> {
        self.call(reqwest::Method::PUT, url, Some(body), what).await
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<Page, FetchError> {
        let platform = self.platform;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.policy.attempts;
            let mut request = self
                .client
                .request(method.clone(), url)
                .headers(self.auth.clone())
                .header("accept", "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            let sent = request.send().await;
            let response = match sent {
                Ok(response) => response,
                Err(err) if err.is_connect() && unresolved(&err) => {
                    // A host name that does not resolve is the address's fault, not the network's:
                    // retrying it only keeps the person who typed it waiting (~30 s).
                    return Err(FetchError::Refused(format!(
                        "{what}: the shop's host name does not resolve ({}); check the shop's address",
                        root_cause(&err)
                    )));
                }
                Err(err) => {
                    let reason = if err.is_timeout() {
                        format!(
                            "{platform} did not answer within {} s",
                            self.policy.timeout.as_secs()
                        )
                    } else if err.is_connect() {
                        format!("cannot connect to {platform} ({})", root_cause(&err))
                    } else {
                        format!("the connection to {platform} broke ({})", root_cause(&err))
                    };
                    if last {
                        return Err(FetchError::Unavailable(format!(
                            "{what}: {reason}, {attempt} attempts"
                        )));
                    }
                    tracing::warn!(what, attempt, %reason, "retrying a shop request");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    continue;
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            if status == StatusCode::TOO_MANY_REQUESTS {
                if last {
                    return Err(FetchError::Unavailable(format!(
                        "{what}: {platform} kept answering 429 (too many requests) after {attempt} attempts"
                    )));
                }
                let wait = retry_after(&headers)
                    .unwrap_or_else(|| self.backoff(attempt))
                    .min(self.policy.max_wait);
                tracing::info!(
                    what,
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    "rate limited by the shop; waiting"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            if status.is_server_error() {
                if last {
                    return Err(FetchError::Unavailable(format!(
                        "{what}: {platform} answered {status} {attempt} times"
                    )));
                }
                tracing::warn!(what, attempt, %status, "retrying a shop request");
                tokio::time::sleep(self.backoff(attempt)).await;
                continue;
            }
            let body = read_limited(response).await.map_err(|e| {
                FetchError::Unavailable(format!("{what}: reading {platform}'s answer failed: {e}"))
            })?;
            if !status.is_success() {
                return Err(FetchError::Refused(refusal(
                    platform, status, &headers, &body, what,
                )));
            }
            let body: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
                FetchError::Refused(format!(
                    "{what}: {platform}'s answer is not the JSON expected ({e}); is the shop URL right?"
                ))
            })?;
            return Ok(Page { body, headers });
        }
    }

    /// 1, 2, 4, … × the base delay, each × a random 0.5–1.5 (so that many clients do not
    /// retry in step), at most `max_wait`.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2f64.powi(attempt.saturating_sub(1).min(16) as i32);
        let jitter = rand::thread_rng().gen_range(0.5..1.5);
        self.policy
            .base_delay
            .mul_f64(factor * jitter)
            .min(self.policy.max_wait)
    }
}

/// `Retry-After` in seconds (Shopify sends e.g. `2.0`).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = text.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The innermost cause of a request error, without the URL (which reqwest puts in the outer one).
/// Whether the connection failed looking up the host's name (hyper's "dns error").
fn unresolved(err: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(next) = source {
        if next.to_string().starts_with("dns error") {
            return true;
        }
        source = next.source();
    }
    false
}

fn root_cause(err: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|n| n as usize > MAX_RESPONSE_BYTES)
    {
        return Err(format!(
            "the answer is larger than {} MB",
            MAX_RESPONSE_BYTES >> 20
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| root_cause(&e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "the answer is larger than {} MB",
                MAX_RESPONSE_BYTES >> 20
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What a 4xx means for the person who set up the connection.
fn refusal(
    platform: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> String {
    // The platform's own words (Shopify: {"errors": "..."}), cut short.
    let said = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errors")
                .or_else(|| v.get("message"))
                .or_else(|| v.get("error"))
                .map(|e| match e {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
        })
        .map(|s| s.chars().take(300).collect::<String>());
    let said = said
        .map(|s| format!(" {platform} said: {s}"))
        .unwrap_or_default();
    match status {
        StatusCode::UNAUTHORIZED => format!(
            "{what}: {platform} refused the credentials (401): the access token is wrong, revoked or for another shop; enter a new one.{said}"
        ),
        StatusCode::FORBIDDEN => format!(
            "{what}: {platform} refused access (403): the token lacks a permission this needs.{said}"
        ),
        StatusCode::NOT_FOUND => format!(
            "{what}: {platform} answered 404 (not found): check the shop URL.{said}"
        ),
        s if s.is_redirection() => format!(
            "{what}: {platform} answered with a redirect ({s}) to {}: check the shop URL",
            headers
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("elsewhere")
        ),
        s => format!("{what}: {platform} refused the request ({s}).{said}"),
    }
}

/// Walks the pages of one listing by the `Link: <…>; rel="next"` headers the platforms send
/// (Shopify's `page_info` cursors, WordPress's `page` numbers), only ever within the shop.
pub struct Pager<'a> {
    http: &'a Http,
    /// The shop's address: a next page elsewhere is refused.
    root: String,
    next: Option<String>,
    what: &'static str,
    /// The list's key in the answer (`{"orders": […]}`), or none for an answer that is the list.
    key: Option<&'static str>,
    /// Pages by number instead of links (Magento): the address without the page, and the page
    /// size; the answer's `total_count` says when to stop.
    numbered: Option<(String, u64)>,
    /// Items received so far (numbered pages).
    seen: u64,
    pub pages: u64,
}

impl<'a> Pager<'a> {
    pub fn new(
        http: &'a Http,
        root: &str,
        url: String,
        what: &'static str,
        key: Option<&'static str>,
    ) -> Self {
        Pager {
            http,
            root: root.to_string(),
            next: Some(url),
            what,
            key,
            numbered: None,
            seen: 0,
            pages: 0,
        }
    }

    /// Pages by number (`searchCriteria[currentPage]`), `size` items each, until the answer's
    /// `total_count` is reached.
    pub fn numbered(
        http: &'a Http,
        root: &str,
        base: String,
        size: u64,
        what: &'static str,
        key: Option<&'static str>,
    ) -> Self {
        Pager {
            next: Some(format!("{base}&searchCriteria[currentPage]=1")),
            numbered: Some((base, size)),
            ..Pager::new(http, root, String::new(), what, key)
        }
    }

    /// The next page's items, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Vec<serde_json::Value>>, FetchError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        self.pages += 1;
        let platform = self.http.platform;
        let what = format!("{} page {}", self.what, self.pages);
        let page = self.http.get_json(&url, &what).await?;
        self.next = page
            .headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_link);
        if let Some(next) = &self.next {
            if !next.starts_with(&self.root) {
                return Err(FetchError::Refused(format!(
                    "{what}: {platform}'s next-page link points outside the shop"
                )));
            }
        }
        slow_down_near_the_limit(&page.headers).await;
        let list = match self.key {
            Some(key) => page.body.get(key),
            None => Some(&page.body),
        };
        let items = list.and_then(|v| v.as_array()).cloned().ok_or_else(|| {
            FetchError::Refused(format!(
                "{what}: {platform}'s answer is not a list of {}",
                self.what
            ))
        })?;
        if let Some((base, _)) = &self.numbered {
            // Counted by the items received: a server may answer fewer than asked per page.
            self.seen += items.len() as u64;
            let total = page
                .body
                .get("total_count")
                .and_then(|t| t.as_u64())
                .unwrap_or(0);
            self.next = (self.seen < total && !items.is_empty())
                .then(|| format!("{base}&searchCriteria[currentPage]={}", self.pages + 1));
        }
        Ok(Some(items))
    }
}

/// Shopify's REST budget is a leaky bucket (`X-Shopify-Shop-Api-Call-Limit: 32/40`, two calls a
/// second drain): past four fifths of it, wait a second before the next call.
async fn slow_down_near_the_limit(headers: &HeaderMap) {
    let used = headers
        .get("x-shopify-shop-api-call-limit")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once('/'))
        .and_then(|(a, b)| Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)));
    if let Some((used, limit)) = used {
        if limit > 0 && used * 5 >= limit * 4 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others() {
        let header = r#"<https://s.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=abc>; rel="previous", <https://s.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=def>; rel="next""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://s.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=def")
        );
        assert_eq!(next_link(r#"<https://x/a>; rel="previous""#), None);
    }

    #[test]
    fn retry_after_reads_seconds_with_or_without_a_fraction() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2.0"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn a_refusal_says_what_to_fix_in_the_platforms_words() {
        let text = refusal(
            "Shopify",
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"errors":"[API] This action requires merchant approval for read_orders scope."}"#,
            "orders page 1",
        );
        assert!(text.contains("403"), "{text}");
        assert!(text.contains("read_orders scope"), "{text}");
        assert!(text.starts_with("orders page 1: "), "{text}");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let http = Http::new(
            "Shopify",
            &[("x-shopify-access-token", "t".into())],
            RetryPolicy {
                base_delay: Duration::from_millis(100),
                max_wait: Duration::from_millis(500),
                ..RetryPolicy::default()
            },
        )
        .unwrap();
        for _ in 0..50 {
            let first = http.backoff(1);
            assert!((50..=150).contains(&first.as_millis()), "{first:?}");
            let third = http.backoff(3);
            assert!((200..=500).contains(&third.as_millis()), "{third:?}");
            assert!(http.backoff(10) <= Duration::from_millis(500));
        }
    }
}
