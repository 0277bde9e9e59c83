//! The one place that calls `fetch`: headers, an AbortController timeout that covers the
//! body read, and the raw answer. It binds the *global* `fetch`, `setTimeout` and
//! `clearTimeout`, so the same wasm runs in browsers, Node and workerd.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};

use crate::request::Method;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
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
}

/// Aborts the request and stops the timer when dropped, so a future that is dropped
/// (a caller gave up) does not leave a fetch or a timer running.
struct AbortGuard {
    controller: AbortController,
    timer: JsValue,
    _on_timeout: Closure<dyn FnMut()>,
    done: bool,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if !self.done {
            self.controller.abort();
        }
    }
}

/// Sends one request and reads the whole body within `timeout_ms`.
pub async fn send(
    method: Method,
    url: &str,
    token: &str,
    body: Option<&str>,
    timeout_ms: u32,
) -> Result<RawResponse, Failure> {
    let network = |e: JsValue| Failure::Network(js_message(&e));
    let controller = AbortController::new().map_err(network)?;
    let abort = controller.clone();
    let on_timeout = Closure::<dyn FnMut()>::new(move || abort.abort());
    let timer = set_timeout(on_timeout.as_ref().unchecked_ref(), f64::from(timeout_ms));
    let mut guard = AbortGuard {
        controller,
        timer,
        _on_timeout: on_timeout,
        done: false,
    };

    let headers = Headers::new().map_err(network)?;
    for (name, value) in [
        ("Authorization", format!("Bearer {token}")),
        ("Accept", "application/json".to_owned()),
        ("Content-Type", "application/json".to_owned()),
    ] {
        // The token was checked to be visible ASCII, so this cannot fail on it; if it did,
        // the runtime's message could quote the value, so it is not passed on.
        headers
            .set(name, &value)
            .map_err(|_| Failure::Network(format!("the runtime refused the {name} header")))?;
    }
    let init = RequestInit::new();
    init.set_method(method.as_str());
    init.set_headers(&headers);
    init.set_signal(Some(&guard.controller.signal()));
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }

    let outcome = read(url, &init).await;
    guard.done = true;
    let aborted = guard.controller.signal().aborted();
    drop(guard);
    outcome.map_err(|e| {
        if aborted {
            Failure::Timeout
        } else {
            Failure::Network(js_message(&e))
        }
    })
}

async fn read(url: &str, init: &RequestInit) -> Result<RawResponse, JsValue> {
    let response: Response = JsFuture::from(fetch_with_init(url, init))
        .await?
        .dyn_into()?;
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let text = JsFuture::from(response.text()?).await?;
    Ok(RawResponse {
        status: response.status(),
        retry_after,
        body: text.as_string().unwrap_or_default(),
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
