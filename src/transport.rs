//! The one place that calls `fetch`: headers, an AbortController timeout that covers the
//! body read, and the raw answer. It uses the *global* `fetch` (looked up at each call, so a
//! patched one is seen) unless the JavaScript caller gave its own, and the global `setTimeout`
//! and `clearTimeout`, so the same wasm runs in browsers, Node and workerd.

use std::cell::RefCell;

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

use crate::request::Method;

// One attempt in JS: the AbortController and its timer, the request, the response and then its
// body take one crossing of the wasm boundary and one awaited promise, instead of a binding call
// per header, setter and timer and a promise per step (measured: about a third of the client's
// own time per call). The timer covers the body read; a timeout rejects with the string
// "waapi:timeout", the caller's AbortSignal with "waapi:aborted". The controller comes back
// too, so that Rust can abort when the caller drops the call.
//
// `ctx` (the JS client's own fetch and hooks) and `signal` are undefined unless the caller set
// them, and then cost nothing but a test each: no closure, listener or timestamp. Hooks get no
// header and no token; one that throws (or rejects) is ignored, so that logging cannot break a
// call.
//
// User-Agent is sent where the runtime lets a script set it (Node, Bun, Deno, workerd). Browsers
// are left alone: Chromium drops the header, and elsewhere it is not CORS-safelisted, so it would
// add a preflight header the API may not allow.
//
// Redirects are never followed ("manual"): Node and workerd hand over the 3xx itself, browsers
// an opaque one (status 0, no headers). The body is read as a stream, chunk by chunk, and left
// as chunks for Rust to copy once into wasm memory; a Content-Length over `max` is refused
// before reading, and a stream without one (or a compressed one) is cancelled once it passes
// `max`. It resolves to [kind, status, text, chunks, size]: kind 0 an answer (text: its
// Retry-After), 1 too large, 2 a redirect (text: the Location's origin, when known); the body
// of the last two is cancelled, so the connection closes rather than download it.
#[wasm_bindgen(inline_js = r#"
const TIMEOUT = "waapi:timeout", ABORTED = "waapi:aborted";
const g = globalThis;
const UA = g.process?.versions?.node || g.Deno || g.navigator?.userAgent === "Cloudflare-Workers";
const tell = (hook, event) => {
  try {
    const r = hook(event);
    if (typeof r?.then === "function") r.then(undefined, () => {});
  } catch {}
};
export function attempt(method, url, authorization, body, ms, max, ctx, signal, n, version) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMEOUT), ms);
  const headers = { Authorization: authorization, Accept: "application/json", "Content-Type": "application/json" };
  if (UA) headers["User-Agent"] = version;
  let stop, send = g.fetch, started;
  if (signal) {
    stop = () => controller.abort(ABORTED);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop);
  }
  if (ctx) {
    send = ctx.fetch ?? send;
    if (ctx.onRequest) tell(ctx.onRequest, { method, url, attempt: n });
    if (ctx.onResponse) started = Date.now();
  }
  let sent;
  try {
    sent = send(url, { method, headers, body, signal: controller.signal, redirect: "manual" });
  } catch (e) {
    sent = Promise.reject(e);
  }
  const done = Promise.resolve(sent)
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
      if (started !== undefined) tell(ctx.onResponse, { status: s, ms: Date.now() - started, attempt: n });
      return [kind, s, text, chunks, size];
    })
    .catch((e) => {
      const why = controller.signal.reason;
      throw why === TIMEOUT || why === ABORTED ? why : e;
    })
    .finally(() => {
      clearTimeout(timer);
      if (stop) signal.removeEventListener("abort", stop);
    });
  return [done, controller];
}
export function retrying(ctx, attempt, delayMs, reason, status) {
  if (ctx.onRetry) tell(ctx.onRetry, status ? { attempt, delayMs, reason, status } : { attempt, delayMs, reason });
}
export function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (!signal) return void setTimeout(resolve, ms);
    if (signal.aborted) return reject(ABORTED);
    const stop = () => (clearTimeout(timer), reject(ABORTED));
    const timer = setTimeout(() => (signal.removeEventListener("abort", stop), resolve()), ms);
    signal.addEventListener("abort", stop, { once: true });
  });
}
"#)]
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

    fn retrying(ctx: &JsValue, attempt: u32, delay_ms: f64, reason: &str, status: u16);

    fn wait(ms: f64, signal: &JsValue) -> Promise;
}

/// `User-Agent` of every request, where the runtime lets it be set.
const USER_AGENT: &str = concat!("waapi-wasm/", env!("CARGO_PKG_VERSION"));

/// What a JavaScript caller adds to a call: its client's `fetch` and hooks (`ctx`, an object),
/// the call's `AbortSignal` and timeout, and where the runtime's own error lands when the call
/// fails to reach the server (the JS error's `cause`). Empty for Rust callers.
#[derive(Default)]
pub struct Extras {
    pub ctx: JsValue,
    pub signal: JsValue,
    /// Replaces the client's `timeout_ms` for this call's attempts.
    pub timeout_ms: Option<u32>,
    pub cause: RefCell<Option<JsValue>>,
}

impl Extras {
    /// Tells the `onRetry` hook, if there is one, that attempt `attempt` follows in `delay_ms`.
    pub fn retrying(&self, attempt: u32, delay_ms: u64, reason: &str, status: u16) {
        if !self.ctx.is_undefined() {
            retrying(&self.ctx, attempt, delay_ms as f64, reason, status);
        }
    }
}

/// An HTTP answer, body read in full.
pub struct RawResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

pub enum Failure {
    Timeout,
    /// The caller's AbortSignal fired.
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
    let extras = Extras::default();
    send_attempt(method, url, token, body, timeout_ms, max_bytes, &extras, 1).await
}

/// [`send`] as attempt number `n` (from 1) of a call, with what a JavaScript caller added.
#[allow(clippy::too_many_arguments)]
pub async fn send_attempt(
    method: Method,
    url: &str,
    token: &str,
    body: Option<&str>,
    timeout_ms: u32,
    max_bytes: u32,
    extras: &Extras,
    n: u32,
) -> Result<RawResponse, Failure> {
    let authorization = format!("Bearer {token}");
    let started = attempt(
        method.as_str(),
        url,
        &authorization,
        body.map(str::to_owned),
        timeout_ms,
        max_bytes,
        &extras.ctx,
        &extras.signal,
        n,
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
        Err(e) => return Err(failure(e, extras)),
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

/// Resolves after `ms` milliseconds, or fails at once when the caller's signal aborts.
pub async fn sleep(ms: u64, extras: &Extras) -> Result<(), Failure> {
    JsFuture::from(wait(ms as f64, &extras.signal))
        .await
        .map(|_| ())
        .map_err(|_| Failure::Aborted)
}

/// What a rejected attempt means; a network error's JS value is kept as the `cause`.
fn failure(e: JsValue, extras: &Extras) -> Failure {
    match e.as_string().as_deref() {
        Some("waapi:timeout") => Failure::Timeout,
        Some("waapi:aborted") => Failure::Aborted,
        _ => {
            let message = js_message(&e);
            *extras.cause.borrow_mut() = Some(e);
            Failure::Network(message)
        }
    }
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
