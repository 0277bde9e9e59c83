//! The transport of a non-wasm build without the `native` feature: there is none, so every
//! call fails with a network error that says how to get one. It keeps the parsers, request
//! builders and the edge's and fuzzer's host builds compiling without an HTTP stack.

use crate::request::Method;

/// An HTTP answer, body read in full.
pub struct RawResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

/// Why an attempt brought no answer; this transport only ever says `Network`.
#[allow(dead_code)] // the client matches every failure a real transport gives
pub enum Failure {
    Timeout,
    /// The caller cancelled the call (only JavaScript callers can, with a signal).
    Aborted,
    Network(String),
    TooLarge(u16),
    Redirect(u16, Option<String>),
}

/// Fails: there is no transport in this build.
pub async fn send(
    _method: Method,
    _url: &str,
    _token: &str,
    _body: Option<&str>,
    _timeout_ms: u32,
    _max_bytes: u32,
) -> Result<RawResponse, Failure> {
    Err(Failure::Network(
        "this build has no HTTP transport (build for wasm32, or enable waapi-wasm's `native` feature)"
            .into(),
    ))
}

/// Returns at once.
pub async fn sleep(_ms: u64) {}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Not random: without a transport no backoff is ever waited for.
pub fn random() -> f64 {
    0.5
}
