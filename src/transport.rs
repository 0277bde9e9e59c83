//! The one place that calls `fetch`: headers, an AbortController timeout that covers the
//! body read, and the raw answer. It uses the *global* `fetch`, `setTimeout` and
//! `clearTimeout`, so the same wasm runs in browsers, Node and workerd.

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

use crate::request::Method;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
}

// One attempt in JS: the AbortController and its timer, the request, the response and then its
// body take one crossing of the wasm boundary and one awaited promise, instead of a binding call
// per header, setter and timer and a promise per step (measured: about a third of the client's
// own time per call). It uses the global fetch, so the same code runs in browsers, Node and
// workerd. The timer covers the body read; a timeout rejects with the string "waapi:timeout".
// The controller comes back too, so that Rust can abort when the caller drops the call.
//
// Redirects are never followed ("manual"): Node and workerd hand over the 3xx itself, browsers
// an opaque one (status 0, no headers). The body is read as a stream, chunk by chunk, and left
// as chunks for Rust to copy once into wasm memory; a Content-Length over `max` is refused
// before reading, and a stream without one (or a compressed one) is cancelled once it passes
// `max`. It resolves to [kind, status, text, chunks, size]: kind 0 an answer (text: its
// Retry-After), 1 too large, 2 a redirect (text: the Location's origin, when known); the body
// of the last two is cancelled, so the connection closes rather than download it.
#[wasm_bindgen(inline_js = r#"
const TIMEOUT = "waapi:timeout";
export function attempt(method, url, authorization, body, ms, max) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMEOUT), ms);
  const headers = { Authorization: authorization, Accept: "application/json", "Content-Type": "application/json" };
  const done = fetch(url, { method, headers, body, signal: controller.signal, redirect: "manual" })
    .then(async (r) => {
      const s = r.status, h = r.headers, chunks = [];
      let kind = 0, text = h.get("retry-after"), size = 0, reader;
      if (r.type === "opaqueredirect" || (s > 299 && s < 400)) {
        kind = 2;
        text = undefined;
        try {
          const to = h.get("location");
          if (to) text = new URL(to, url).origin;
        } catch {}
      } else if (+h.get("content-length") > max) kind = 1;
      else if ((reader = r.body?.getReader())) {
        for (let c; !(c = await reader.read()).done; chunks.push(c.value)) {
          if ((size += c.value.length) > max) {
            kind = 1;
            break;
          }
        }
      }
      if (kind) (reader ?? r.body)?.cancel().catch(() => {});
      return [kind, s, text, chunks, size];
    })
    .catch((e) => {
      throw controller.signal.reason === TIMEOUT ? TIMEOUT : e;
    })
    .finally(() => clearTimeout(timer));
  return [done, controller];
}
"#)]
extern "C" {
    fn attempt(
        method: &str,
        url: &str,
        authorization: &str,
        body: Option<String>,
        timeout_ms: u32,
        max_bytes: u32,
    ) -> js_sys::Array;
}

/// An HTTP answer, body read in full.
pub struct RawResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

pub enum Failure {
    Timeout,
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
    let authorization = format!("Bearer {token}");
    let started = attempt(
        method.as_str(),
        url,
        &authorization,
        body.map(str::to_owned),
        timeout_ms,
        max_bytes,
    );
    let mut guard = AbortGuard {
        controller: started.get(1).unchecked_into(),
        done: false,
    };
    let outcome = JsFuture::from(Promise::from(started.get(0))).await;
    guard.done = true;
    let answer: js_sys::Array = match outcome {
        Ok(answer) => answer.unchecked_into(),
        Err(e) if e.as_string().as_deref() == Some("waapi:timeout") => {
            return Err(Failure::Timeout)
        }
        Err(e) => return Err(Failure::Network(js_message(&e))),
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
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as f64);
    });
    let _ = JsFuture::from(promise).await;
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
fn js_message(e: &JsValue) -> String {
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
        Some(c) if c != own => format!("{own} ({c})"),
        _ => own,
    }
}
