//! The transport on native targets (the `native` feature): reqwest with rustls, on the caller's
//! Tokio runtime. The same functions and limits as the wasm transport: one timeout covers the
//! request and the whole body read, a body over `max_bytes` stops being read, a redirect is
//! never followed, and the token goes out only in the `Authorization` header (marked sensitive,
//! so reqwest never prints it) and never into a failure's text.

use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use tokio::runtime::{Handle, Id};

use crate::request::Method;

/// An HTTP answer, body read in full.
pub struct RawResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

pub enum Failure {
    Timeout,
    /// The caller cancelled the call (only JavaScript callers can, with a signal).
    Aborted,
    /// What reqwest said, with its causes (e.g. "connection refused"); never the URL or headers.
    Network(String),
    /// The answer (with this status) was larger than the limit; it was not read further.
    TooLarge(u16),
    /// A 3xx, not followed: its status and its Location's origin, when it has one.
    Redirect(u16, Option<String>),
}

/// One reqwest client, and so one connection pool, per Tokio runtime: a pooled connection is
/// driven by a task on the runtime that opened it and dies with that runtime, so a client is
/// never carried over to another one (each `#[tokio::test]` has its own).
static CLIENT: Mutex<Option<(Id, reqwest::Client)>> = Mutex::new(None);

fn http_client() -> Result<reqwest::Client, Failure> {
    // reqwest panics outside a runtime; say what is missing instead.
    let runtime = Handle::try_current()
        .map_err(|_| {
            Failure::Network(
                "waapi-wasm's native transport must run on a Tokio runtime (e.g. in #[tokio::main])"
                    .into(),
            )
        })?
        .id();
    let mut slot = CLIENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((id, client)) = slot.as_ref() {
        if *id == runtime {
            return Ok(client.clone());
        }
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("waapi-wasm/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::Network(describe(e)))?;
    *slot = Some((runtime, client.clone()));
    Ok(client)
}

/// Sends one request with the bearer and JSON headers and reads the whole body within
/// `timeout_ms`, at most `max_bytes` of it; never follows a redirect.
pub async fn send(
    method: Method,
    url: &str,
    token: &str,
    body: Option<&str>,
    timeout_ms: u32,
    max_bytes: u32,
) -> Result<RawResponse, Failure> {
    let client = http_client()?;
    let attempt = attempt(&client, method, url, token, body, max_bytes);
    match tokio::time::timeout(Duration::from_millis(timeout_ms.into()), attempt).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Timeout),
    }
}

async fn attempt(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&str>,
    max_bytes: u32,
) -> Result<RawResponse, Failure> {
    let method = match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut request = client
        .request(method, url)
        .bearer_auth(token)
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json");
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| Failure::Network(describe(e)))?;
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        let origin = response
            .headers()
            .get(LOCATION)
            .and_then(|to| to.to_str().ok())
            .and_then(|to| response.url().join(to).ok())
            .map(|to| to.origin().ascii_serialization())
            .filter(|origin| origin != "null");
        return Err(Failure::Redirect(status, origin));
    }
    let max = max_bytes as usize;
    let declared = response.content_length().unwrap_or(0);
    if declared > max_bytes.into() {
        return Err(Failure::TooLarge(status));
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Dropping the response part-read closes its connection rather than download the rest.
    let mut bytes = Vec::with_capacity(declared as usize);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Failure::Network(describe(e)))?
    {
        if bytes.len() + chunk.len() > max {
            return Err(Failure::TooLarge(status));
        }
        bytes.extend_from_slice(&chunk);
    }
    let body = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(RawResponse {
        status,
        retry_after,
        body,
    })
}

/// reqwest's error without its URL, then each cause ("error sending request: client error
/// (Connect): tcp connect error: Connection refused (os error 111)").
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Resolves after `ms` milliseconds; at once off a Tokio runtime (where `send` has already
/// failed, so there is nothing to wait for).
pub async fn sleep(ms: u64) {
    if Handle::try_current().is_ok() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A number in `[0, 1)` for backoff jitter: std's per-call random hash keys, so no `rand`.
pub fn random() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ms());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}
