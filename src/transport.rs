//! The wasm transport of Rust callers (the edge handler, a Rust wasm app): headers, an
//! AbortController timeout that covers the body read, and the raw answer, through `attempt` in
//! src/call.js, which the JS client's calls use too. It uses the *global* `fetch` (looked up at
//! each call, so a patched one is seen), `setTimeout` and `clearTimeout`, so the same wasm runs
//! in browsers, Node and workerd.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

use crate::prelude::*;
use crate::request::Method;
use crate::text::cat;

// `attempt` and `wait` are in src/call.js, beside the JS client's calls that use them too.
#[wasm_bindgen(module = "/src/call.js")]
extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn attempt(
        method: &str,
        url: &str,
        authorization: &str,
        body: Option<String>,
        timeout_ms: u32,
        max_bytes: u32,
        ctx: &JsValue,
        signal: &JsValue,
        attempt: u32,
        version: &str,
    ) -> js_sys::Array;

    fn wait(ms: f64, signal: &JsValue) -> Promise;
}

/// `User-Agent` of every request, where the runtime lets it be set.
pub(crate) const USER_AGENT: &str = concat!("waapi-wasm/", env!("CARGO_PKG_VERSION"));

/// An HTTP answer, body read in full.
pub struct RawResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

pub enum Failure {
    Timeout,
    /// The caller's AbortSignal fired (only JavaScript callers have one).
    Aborted,
    /// What the runtime said (e.g. "fetch failed"); never holds request headers.
    Network(String),
    /// The answer (with this status) was larger than the limit; it was not read further.
    TooLarge(u16),
    /// A 3xx, not followed: its status (0 when a browser hid it) and its Location's origin.
    Redirect(u16, Option<String>),
}

/// Aborts the request when dropped before it finished, so a future that is dropped (a caller
/// gave up) does not leave a fetch running; the timer ends with it.
struct AbortGuard {
    controller: AbortController,
    done: bool,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
        }
    }
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
    let authorization = cat!("Bearer ", token);
    let none = JsValue::UNDEFINED;
    let started = attempt(
        method.as_str(),
        url,
        &authorization,
        body.map(str::to_owned),
        timeout_ms,
        max_bytes,
        &none,
        &none,
        1,
        USER_AGENT,
    );
    let mut guard = AbortGuard {
        controller: started.get(1).unchecked_into(),
        done: false,
    };
    let outcome = JsFuture::from(Promise::from(started.get(0))).await;
    guard.done = true;
    let answer: js_sys::Array = match outcome {
        Ok(answer) => answer.unchecked_into(),
        Err(e) => {
            return Err(match e.as_string().as_deref() {
                Some("waapi:timeout") => Failure::Timeout,
                _ => Failure::Network(js_message(&e)),
            })
        }
    };
    let status = answer.get(1).as_f64().map_or(0, |s| s as u16);
    match answer.get(0).as_f64().map_or(0, |kind| kind as u8) {
        1 => return Err(Failure::TooLarge(status)),
        2 => return Err(Failure::Redirect(status, answer.get(2).as_string())),
        _ => {}
    }
    // One copy, chunk by chunk, into a buffer of the final size; JS never joins the chunks.
    let chunks: js_sys::Array = answer.get(3).unchecked_into();
    let mut bytes = vec![0; answer.get(4).as_f64().unwrap_or(0.0) as usize];
    let mut at = 0;
    for chunk in chunks.iter() {
        let chunk: Uint8Array = chunk.unchecked_into();
        let end = at + chunk.length() as usize;
        if let Some(dst) = bytes.get_mut(at..end) {
            chunk.copy_to(dst);
        }
        at = end;
    }
    let body = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(RawResponse {
        status,
        retry_after: answer.get(2).as_string(),
        body,
    })
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let _ = JsFuture::from(wait(ms as f64, &JsValue::UNDEFINED)).await;
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A number in `[0, 1)` for backoff jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// The `message` of a thrown JS value (and its `cause`'s, which is where Node puts the reason).
pub(crate) fn js_message(e: &JsValue) -> String {
    let text = |v: &JsValue| -> Option<String> {
        let m = js_sys::Reflect::get(v, &JsValue::from_str("message"))
            .ok()?
            .as_string()?;
        (!m.is_empty()).then_some(m)
    };
    let own = text(e)
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into());
    let cause = js_sys::Reflect::get(e, &JsValue::from_str("cause"))
        .ok()
        .filter(|c| c.is_object())
        .and_then(|c| text(&c));
    match cause {
        Some(c) if c != own => cat!(own, " (", c, ")"),
        _ => own,
    }
}
