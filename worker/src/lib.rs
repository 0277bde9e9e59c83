//! waapi-edge: a Cloudflare-Worker-style WaAPI gateway on the waapi-wasm crate.
//!
//! The WaAPI token stays here, as a secret; callers use edge keys of their own, each with a
//! subset of WaAPI's four permissions. `/api/v1/…` answers in WaAPI's shapes for the routes
//! in [`routes`]; `POST /webhooks/waapi/{secret}` receives WaAPI's webhooks into a Durable
//! Object per instance ([`events`], `src/events.js`), which `…/events` and `…/events/stream`
//! read back; every other path is the dashboard, served from the `ASSETS` binding with a
//! strict Content-Security-Policy. `worker/src/index.js` is only the module-worker glue that
//! calls [`handle`].
//!
//! Everything that decides (routing, keys, answers, the cache) is plain Rust tested on the
//! host; this file moves values between it and the runtime's `Request`/`Response`.

pub mod cache;
pub mod config;
pub mod events;
pub mod respond;
pub mod routes;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use js_sys::{Function, Reflect};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, Response, ResponseInit, Url};

use waapi_wasm::envelope::{http_error, Body};
use waapi_wasm::json::Json;
use waapi_wasm::request::Request as Upstream;
use waapi_wasm::retry::{decide, parse_retry_after, Decision, Outcome};
use waapi_wasm::{transport, Client, Error};

use crate::cache::ListCache;
use crate::config::{authorize, Settings, MAX_ACTION_BODY_BYTES, MAX_BODY_BYTES, MAX_DRAIN_BYTES};
use crate::events::{Page, KEEP_EVENTS, MAX_STREAMS, MAX_WEBHOOK_BYTES};
use crate::respond::Reply;
use crate::routes::{route, Reject, Route};
use waapi_wasm::Permission;

/// talc rather than Rust's default dlmalloc: a smaller wasm (less for workerd to compile at a
/// cold start) and faster allocation, as in the npm package's build.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    /// One per isolate: workerd runs a worker's requests on one thread.
    static LIST_CACHE: RefCell<ListCache> = const { RefCell::new(ListCache::new()) };
    /// The settings parsed from the `env` object they came from; a new `env` parses again.
    static SETTINGS: RefCell<Option<(JsValue, Rc<Settings>)>> = const { RefCell::new(None) };
    /// What the list's lane sends on every request, made once per settings (see [`Lane`]).
    static LANE: RefCell<Option<(Rc<Settings>, Rc<Lane>)>> = const { RefCell::new(None) };
    /// Whether the receiver's missing secret was logged (once per isolate is enough).
    static SECRET_WARNED: RefCell<bool> = const { RefCell::new(false) };
}

fn settings(env: &JsValue) -> Rc<Settings> {
    SETTINGS.with(|cell| {
        if let Some((seen, settings)) = &*cell.borrow() {
            if seen == env {
                return settings.clone();
            }
        }
        let settings = Rc::new(Settings::from_vars(|name| var(env, name)));
        // Once per isolate and env; the lines name what is wrong, never a value.
        for problem in &settings.problems {
            log_error(&format!("misconfigured: {problem}."));
        }
        *cell.borrow_mut() = Some((env.clone(), settings.clone()));
        settings
    })
}

/// The JS strings the list's lane sends on every request, made once per [`Settings`] rather
/// than written out of wasm memory per request: WaAPI's list URL, the `Authorization` header,
/// and the header lines of the lane's passed-on answer.
struct Lane {
    url: JsValue,
    authorization: JsValue,
    passed_headers: JsValue,
}

fn lane_values(settings: &Rc<Settings>, client: &Client) -> Rc<Lane> {
    LANE.with(|cell| {
        if let Some((seen, lane)) = &*cell.borrow() {
            if Rc::ptr_eq(seen, settings) {
                return lane.clone();
            }
        }
        let lane = Rc::new(Lane {
            url: JsValue::from_str(&Upstream::list_instances(None).url(&client.options().base_url)),
            authorization: authorization(&settings.token),
            passed_headers: passed_header_lines("application/json", lane_headers()).into(),
        });
        *cell.borrow_mut() = Some((settings.clone(), lane.clone()));
        lane
    })
}

/// The `Authorization` header of WaAPI calls, as a JS string.
fn authorization(token: &str) -> JsValue {
    JsValue::from_str(&format!("Bearer {token}"))
}

// A response in one call: the status, the body and the headers (name and value on alternate
// lines) cross the boundary once, instead of a binding call per header and setter.
#[wasm_bindgen(inline_js = r#"
export function respond(status, body, headers) {
  const h = new Headers();
  const lines = headers.split("\n");
  for (let i = 0; i + 1 < lines.length; i += 2) h.set(lines[i], lines[i + 1]);
  return new Response(body, { status, headers: h });
}

// A request body read with a bound: its bytes, or null once more than `limit` arrived. Past
// the limit nothing is kept; up to `drain` bytes more are read and dropped, so that the
// client reads the 413 on a connection left in order, then reading stops. The Content-Length
// header is not trusted for this.
export async function read_bounded(request, limit, drain) {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit + drain) {
      reader.cancel().catch(() => {});
      return null;
    }
    if (size <= limit) chunks.push(value);
  }
  if (size > limit) return null;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

// The first attempt of a list call, leaner than the package's (one native timer, the body in
// one read when its length is known), with the same outcome: [kind, status, retry-after or the
// redirect's origin, bytes]; kind 0 an answer (bytes within `max`), 1 too large, 2 a redirect.
// Throws "waapi:timeout" past `ms` (the body read included), else what fetch threw.
export function first_attempt(url, authorization, ms, max) {
  const signal = AbortSignal.timeout(ms);
  const headers = { Authorization: authorization, Accept: "application/json", "Content-Type": "application/json" };
  // One async function rather than a then/catch chain: fewer promises per request.
  return (async () => {
    try {
      const r = await fetch(url, { headers, signal, redirect: "manual" });
      const s = r.status, h = r.headers;
      if (r.type === "opaqueredirect" || (s > 299 && s < 400)) {
        r.body?.cancel().catch(() => {});
        let origin;
        try {
          const to = h.get("location");
          if (to) origin = new URL(to, url).origin;
        } catch {}
        return [2, s, origin, null];
      }
      const length = h.get("content-length");
      if (+length > max) {
        r.body?.cancel().catch(() => {});
        return [1, s, null, null];
      }
      // A declared length bounds what arrives, unless the body is decoded on the way.
      if (length !== null && !h.has("content-encoding")) return [0, s, h.get("retry-after"), new Uint8Array(await r.arrayBuffer())];
      const reader = r.body?.getReader(), chunks = [];
      let size = 0;
      for (let c; reader && !(c = await reader.read()).done; chunks.push(c.value)) {
        if ((size += c.value.length) > max) {
          reader.cancel().catch(() => {});
          return [1, s, null, null];
        }
      }
      const out = new Uint8Array(size);
      for (let i = 0, at = 0; i < chunks.length; at += chunks[i++].length) out.set(chunks[i], at);
      return [0, s, h.get("retry-after"), out];
    } catch (e) {
      throw signal.aborted ? "waapi:timeout" : e;
    }
  })();
}

// A call to the Durable Object of instance `name` (src/events.js); null without the binding.
export function events_fetch(env, name, path, body) {
  const ns = env.EVENTS;
  if (!ns) return Promise.resolve(null);
  const init = body == null ? undefined : { method: "POST", body };
  return ns.get(ns.idFromName(name)).fetch("https://events.internal" + path, init);
}
"#)]
extern "C" {
    fn respond(status: u16, body: JsValue, headers: &JsValue) -> Response;
    fn read_bounded(request: &Request, limit: u32, drain: u32) -> js_sys::Promise;
    fn first_attempt(url: &JsValue, authorization: &JsValue, ms: u32, max: u32) -> js_sys::Promise;
    #[wasm_bindgen(catch)]
    fn events_fetch(
        env: &JsValue,
        name: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<js_sys::Promise, JsValue>;
}

/// What `serve` answers: a reply, or a 200 whose body is passed on as it is (the Durable
/// Object's stream, or WaAPI's checked bytes), with its content type.
enum Answer {
    Reply(Reply),
    Stream(JsValue, &'static str),
}

/// The module worker's `fetch(request, env)`. Never throws: every failure is a response.
#[wasm_bindgen]
pub async fn handle(request: Request, env: JsValue) -> Response {
    let url = match Url::new(&request.url()) {
        Ok(url) => url,
        Err(_) => return plain_error(400, "Bad request URL."),
    };
    let path = url.pathname();
    let receiver = path == "/webhooks" || path.starts_with("/webhooks/");
    // `/edge/…` is the edge's own API (outside WaAPI's paths): `GET /edge/v1/key`.
    let outcome = if path == "/api" || path.starts_with("/api/") || path.starts_with("/edge/") {
        api(&request, &env, &url).await
    } else if receiver && request.method() == "POST" {
        webhook(&request, &env, &url).await
    } else {
        assets(&request, &env).await
    };
    match outcome {
        Ok(response) => response,
        Err(e) => {
            // The receiver's path holds the webhook secret: never in a log line.
            let shown = if receiver { "/webhooks/…" } else { &path };
            log_error(&format!("{} {shown}: {}", request.method(), js_text(&e)));
            plain_error(500, "The edge failed to answer.")
        }
    }
}

/// `POST /webhooks/waapi/{secret}`: a webhook from WaAPI, stored in its instance's Durable
/// Object. A wrong or missing secret, or none set, gets exactly what a GET of an unknown
/// path gets, so nothing tells a guess that came close or a receiver that is off.
async fn webhook(request: &Request, env: &JsValue, url: &Url) -> Result<Response, JsValue> {
    let settings = settings(env);
    let secret = match &settings.webhook_secret {
        Ok(secret) => Some(secret.as_str()),
        Err(why) => {
            if !SECRET_WARNED.with(|w| w.replace(true)) {
                log_error(&format!("the webhook receiver is off: {why}."));
            }
            None
        }
    };
    let path = url.pathname();
    let given = path.strip_prefix("/webhooks/waapi/");
    if !given.is_some_and(|given| events::secret_matches(given, secret)) {
        return assets(&Request::new_with_str(&url.href())?, env).await;
    }
    let reply = receive(request, env).await?;
    to_response(
        &reply
            .with_header("Cache-Control", "no-store")
            .with_header("X-Content-Type-Options", "nosniff"),
    )
}

async fn receive(request: &Request, env: &JsValue) -> Result<Reply, JsValue> {
    let Some(body) = read_body(request, MAX_WEBHOOK_BYTES).await? else {
        return Ok(too_large(MAX_WEBHOOK_BYTES));
    };
    let incoming = match events::incoming(&body) {
        Ok(incoming) => incoming,
        Err(why) => return Ok(Reply::error(400, &why)),
    };
    let stored = events_call(
        env,
        incoming.instance_id,
        &format!("/append?keep={KEEP_EVENTS}"),
        Some(incoming.record),
    )
    .await?;
    Ok(match stored {
        None => misconfigured("no EVENTS binding."),
        Some(r) if r.status() == 204 => Reply::no_content(),
        Some(r) => {
            log_error(&format!("storing a webhook failed: {}", r.status()));
            Reply::error(500, "The edge could not store the event.")
        }
    })
}

/// Calls the Durable Object of instance `id`; `None` without the `EVENTS` binding.
async fn events_call(
    env: &JsValue,
    id: u64,
    path: &str,
    body: Option<String>,
) -> Result<Option<Response>, JsValue> {
    let answer = JsFuture::from(events_fetch(env, &id.to_string(), path, body)?).await?;
    Ok(if answer.is_null() {
        None
    } else {
        Some(answer.dyn_into()?)
    })
}

/// The body, read up to `limit` bytes: `None` when it is longer, whatever Content-Length said.
/// A longer body is read on (and dropped) up to [`MAX_DRAIN_BYTES`] past the limit, so the
/// 413 reaches the client on a connection in order; a Content-Length beyond that is refused
/// before reading.
async fn read_body(request: &Request, limit: usize) -> Result<Option<Vec<u8>>, JsValue> {
    let declared = request
        .headers()
        .get("content-length")?
        .and_then(|n| n.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit + MAX_DRAIN_BYTES) {
        return Ok(None);
    }
    // No body (every GET): no read, no promise to wait for.
    if request.body().is_none() {
        return Ok(Some(Vec::new()));
    }
    let u32_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let bytes = JsFuture::from(read_bounded(
        request,
        u32_of(limit),
        u32_of(MAX_DRAIN_BYTES),
    ))
    .await?;
    Ok(if bytes.is_null() {
        None
    } else {
        Some(js_sys::Uint8Array::new(&bytes).to_vec())
    })
}

fn var(env: &JsValue, name: &str) -> Option<String> {
    Reflect::get(env, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|v| !v.trim().is_empty())
}

/// The instance list on a lane without the async machinery of [`handle`] (its promise hops and
/// closures cost more than the list's own work): `src/index.js` asks here first. `undefined`
/// for anything but a `GET /api/v1/instances` with no query and no body, same-origin or
/// without `Origin`, by a key that may read, on an edge whose settings work: [`handle`] then
/// answers it as always. Otherwise the answer (a cached list), or `[attempt, key,
/// generation]`: the first attempt's promise, whose outcome `src/index.js` hands to
/// [`list_end`] with the other two.
#[wasm_bindgen]
pub fn list_start(request: &Request, env: &JsValue) -> JsValue {
    lane(request, env).unwrap_or(JsValue::UNDEFINED)
}

fn lane(request: &Request, env: &JsValue) -> Option<JsValue> {
    if request.method() != "GET" || request.body().is_some() {
        return None;
    }
    // The runtime hands the URL serialised (WHATWG): the scheme, "://", the authority, then the
    // path, the query and no fragment. The lane takes the bare path alone, so it cuts the text
    // rather than parse it again in a `URL`; a query (a filter), a percent-escape or any other
    // spelling goes to `handle`, which reads the URL whole (`route` says it is the same list).
    let href = request.url();
    // Bytes, not `find("://")`: a `str` pattern brings its two-way searcher onto the lane.
    let colon = href.bytes().position(|b| b == b':')?;
    if href.get(colon..colon + 3) != Some("://") {
        return None;
    }
    let authority = colon + 3;
    let slash = authority + href.get(authority..)?.bytes().position(|b| b == b'/')?;
    let (origin, path) = href.split_at(slash);
    if path != "/api/v1/instances" {
        return None;
    }
    let headers = request.headers();
    if headers.has("content-length").ok()? {
        return None;
    }
    // Without a user name or password the cut origin is the `URL`'s (such a URL: `handle`).
    if origin.contains('@') || headers.get("origin").ok()?.is_some_and(|o| o != origin) {
        return None;
    }
    let settings = settings(env);
    let client = settings.client.as_ref().ok()?;
    let authorization = headers.get("authorization").ok()?;
    let key = bearer(&authorization)?;
    let permissions = authorize(&settings.keys, &Sha256::digest(key.as_bytes()).into())?;
    if !permissions.allows(Permission::Read) {
        return None;
    }
    let lane = lane_values(&settings, client);
    Some(
        match list_begin(client, &settings.token, None, Some(&lane)) {
            Ok((fill, attempt)) => js_sys::Array::of3(
                &attempt,
                &JsValue::from_str(&fill.key),
                &JsValue::from_f64(fill.generation as f64),
            )
            .into(),
            Err(answer) => lane_response(answer, &settings, Some(&lane)).into(),
        },
    )
}

/// The lane's answer once its first attempt is over (`failed`: it threw `outcome`): a
/// `Response`, or a promise of one when the package's policy calls for a retry.
#[wasm_bindgen]
pub fn list_end(
    env: &JsValue,
    key: String,
    generation: f64,
    failed: bool,
    outcome: JsValue,
) -> JsValue {
    let settings = settings(env);
    let Ok(client) = &settings.client else {
        return lane_response(Answer::Reply(respond::misconfigured()), &settings, None).into();
    };
    let lane = lane_values(&settings, client);
    let filter = (!key.is_empty()).then_some(key.as_str());
    let fill = Fill {
        request: Upstream::list_instances(filter),
        key,
        generation: generation as u64,
    };
    let outcome = if failed { Err(outcome) } else { Ok(outcome) };
    match fill.settle(client, &settings.token, outcome) {
        Settled::Done(sent) => {
            lane_response(fill.answer(client, &settings, sent), &settings, Some(&lane)).into()
        }
        Settled::RetryIn(ms) => {
            let env = env.clone();
            wasm_bindgen_futures::future_to_promise(async move {
                let settings = self::settings(&env);
                let answer = match &settings.client {
                    Ok(client) => fill.retry(client, &settings, ms).await,
                    Err(_) => Answer::Reply(respond::misconfigured()),
                };
                Ok(lane_response(answer, &settings, None).into())
            })
            .into()
        }
    }
}

/// The headers of every same-origin API answer.
fn lane_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Cache-Control", "no-store".to_owned()),
        ("X-Content-Type-Options", "nosniff".to_owned()),
    ]
}

/// The lane's `Response`, with [`lane_headers`]; WaAPI's list passed on as sent takes the
/// lane's header lines made once (`lane`), the same [`passed_header_lines`] as [`finish`]'s.
fn lane_response(answer: Answer, settings: &Settings, lane: Option<&Lane>) -> Response {
    match (answer, lane) {
        (Answer::Stream(body, "application/json"), Some(lane)) => {
            respond(200, body, &lane.passed_headers)
        }
        (answer, _) => {
            if let Answer::Reply(reply) = &answer {
                if reply.status >= 500 {
                    log_error(&format!("GET /api/v1/instances -> {}", reply.status));
                }
            }
            finish(answer, settings, lane_headers())
                .unwrap_or_else(|_| plain_error(500, "The edge failed to answer."))
        }
    }
}

/// `/api/…`: CORS, then the route, the key, the body, the upstream call.
async fn api(request: &Request, env: &JsValue, url: &Url) -> Result<Response, JsValue> {
    let settings = settings(env);
    let headers = request.headers();
    let origin = headers.get("origin")?;
    let cross_origin = origin.filter(|o| *o != url.origin());
    let cors_ok = cross_origin
        .as_ref()
        .map(|o| settings.allowed_origins.iter().any(|a| a == o));

    let answer = if request.method() == "OPTIONS" {
        // The route first: an unknown path is 404 before anything else is said about it.
        let methods = match url.pathname().as_str() {
            "/edge/v1/key" => Some("GET".to_owned()),
            path => routes::methods(path),
        };
        Answer::Reply(match (methods, cors_ok) {
            (None, _) => respond::reject(&Reject::NoSuchRoute),
            (Some(methods), Some(true)) => Reply::no_content()
                .with_header("Access-Control-Allow-Methods", methods)
                .with_header(
                    "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Accept, Last-Event-ID",
                )
                .with_header("Access-Control-Max-Age", "600"),
            (Some(_), Some(false)) => Reply::error(403, "This origin may not call the API."),
            (Some(methods), None) => {
                Reply::no_content().with_header("Allow", format!("{methods}, OPTIONS"))
            }
        })
    } else {
        serve(request, env, &headers, &settings, url).await?
    };

    let mut added = vec![
        ("Cache-Control", "no-store".to_owned()),
        ("X-Content-Type-Options", "nosniff".to_owned()),
    ];
    if let (Some(origin), Some(true)) = (cross_origin, cors_ok) {
        added.push(("Access-Control-Allow-Origin", origin));
        added.push(("Access-Control-Expose-Headers", "Retry-After".to_owned()));
        added.push(("Vary", "Origin".to_owned()));
    }
    finish(answer, &settings, added)
}

/// An `/api/…` answer as a `Response`, with the headers every API answer has (`added`).
fn finish(
    answer: Answer,
    settings: &Settings,
    added: Vec<(&'static str, String)>,
) -> Result<Response, JsValue> {
    match answer {
        Answer::Reply(mut reply) => {
            reply.headers.extend(added);
            // WaAPI answers an instance's webhook URL, the receiver's secret in it, to any key
            // with `read`: it never leaves the edge (an update puts it back, see routes).
            if let (Ok(secret), Some(body)) = (&settings.webhook_secret, &reply.body) {
                if let Some(hidden) = events::hide_secret(body, secret) {
                    reply.body = Some(hidden);
                }
            }
            to_response(&reply)
        }
        Answer::Stream(body, content_type) => Ok(respond(
            200,
            body,
            &passed_header_lines(content_type, added).into(),
        )),
    }
}

/// The header lines of a body passed on as it flows: its content type, then `added`.
fn passed_header_lines(content_type: &str, added: Vec<(&'static str, String)>) -> String {
    let mut passed = Reply::no_content();
    passed.status = 200;
    passed
        .headers
        .push(("Content-Type", content_type.to_owned()));
    passed.headers.extend(added);
    header_lines(&passed)
}

async fn serve(
    request: &Request,
    env: &JsValue,
    headers: &Headers,
    settings: &Settings,
    url: &Url,
) -> Result<Answer, JsValue> {
    let query = query_of(url)?;
    let path = url.pathname();
    let own = path.starts_with("/edge/");
    let reply = |r: Reply| Ok(Answer::Reply(r));
    let route = if own {
        // The edge's own endpoint: the caller's key and what it may do. A page served by the
        // edge asks it once, to show only what the key may do and to know it talks to the edge.
        match (path.as_str(), request.method().as_str()) {
            ("/edge/v1/key", "GET") if query.is_empty() => None,
            ("/edge/v1/key", "GET") => {
                return reply(Reply::error(400, "/edge/v1/key takes no query parameters."))
            }
            ("/edge/v1/key", _) => return reply(respond::reject(&Reject::Method("GET"))),
            _ => return reply(respond::reject(&Reject::NoSuchRoute)),
        }
    } else {
        match route(&request.method(), &path, &query) {
            Ok(route) => Some(route),
            Err(reject) => return reply(respond::reject(&reject)),
        }
    };

    if settings.keys.is_empty() {
        return reply(respond::misconfigured());
    }
    let keys = &settings.keys;
    let authorization = headers.get("authorization")?;
    let Some(key) = bearer(&authorization) else {
        return reply(respond::unauthenticated());
    };
    let Some(permissions) = authorize(keys, &Sha256::digest(key.as_bytes()).into()) else {
        return reply(respond::unauthenticated());
    };
    let Some(route) = route else {
        return reply(respond::key_permissions(permissions));
    };
    if !permissions.allows(route.permission()) {
        return reply(respond::forbidden(route.permission()));
    }

    // Every body is read as a stream and stopped past its limit, chunked or not. Routes that
    // take none (WaAPI's create takes none either) have a limit of 0.
    let limit = match route {
        Route::Action(..) => MAX_ACTION_BODY_BYTES,
        Route::Update(_) => MAX_BODY_BYTES,
        _ => 0,
    };
    let Some(bytes) = read_body(request, limit).await? else {
        return reply(too_large(limit));
    };
    let body = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => return reply(Reply::error(400, "The body is not UTF-8 text.")),
    };

    match route {
        Route::Events(id, page) => return events_list(env, id, page).await,
        Route::Stream(id) => {
            let last = headers.get("last-event-id")?;
            return match events::stream_after(&query, last.as_deref()) {
                Ok(after) => events_stream(env, id, after, settings).await,
                Err(why) => reply(Reply::error(400, &why)),
            };
        }
        _ => {}
    }

    let client = match &settings.client {
        Ok(client) => client,
        Err(_) => return reply(respond::misconfigured()),
    };
    if let Route::List { filter } = &route {
        return Ok(match list(client, settings, filter.as_deref()).await {
            Answer::Reply(answer) => {
                if answer.status >= 500 {
                    log_error(&format!("GET {path} -> {}", answer.status));
                }
                Answer::Reply(answer)
            }
            passed => passed,
        });
    }
    let caller = Caller {
        may_read: permissions.allows(Permission::Read),
        origin: url.origin(),
        path: url.pathname(),
    };
    let answer = call(client, settings, route.clone(), &body, &caller).await;
    if route.is_write() {
        // Whatever the outcome: a timed-out write may still have happened upstream.
        LIST_CACHE.with(|c| c.borrow_mut().clear());
    }
    if answer.status >= 500 {
        log_error(&format!(
            "{} {} -> {}",
            request.method(),
            url.pathname(),
            answer.status
        ));
    }
    reply(answer)
}

/// `GET …/events`: a page from the instance's Durable Object, passed on as it flows (a page
/// of 500 large webhooks would not fit the isolate's memory twice over).
async fn events_list(env: &JsValue, id: u64, page: Page) -> Result<Answer, JsValue> {
    let path = format!("/list?after={}&limit={}", page.after, page.limit);
    Ok(match events_call(env, id, &path, None).await? {
        None => Answer::Reply(misconfigured("no EVENTS binding.")),
        Some(r) if r.status() == 200 => Answer::Stream(r.body().into(), "application/json"),
        Some(r) => {
            log_error(&format!("reading events failed: {}", r.status()));
            Answer::Reply(Reply::error(500, "The edge could not read the events."))
        }
    })
}

/// `GET …/events/stream`: the Durable Object's stream, passed on as it flows.
async fn events_stream(
    env: &JsValue,
    id: u64,
    after: u64,
    settings: &Settings,
) -> Result<Answer, JsValue> {
    let path = format!(
        "/stream?after={after}&max={MAX_STREAMS}&keepAliveMs={}",
        settings.keep_alive_ms
    );
    Ok(match events_call(env, id, &path, None).await? {
        None => Answer::Reply(misconfigured("no EVENTS binding.")),
        Some(r) if r.status() == 200 => Answer::Stream(r.body().into(), "text/event-stream"),
        Some(r) if r.status() == 429 => Answer::Reply(
            Reply::error(
                429,
                &format!(
                    "This instance has {MAX_STREAMS} open event streams already; close one first."
                ),
            )
            .with_header("Retry-After", "5"),
        ),
        Some(r) => {
            log_error(&format!("opening an event stream failed: {}", r.status()));
            Answer::Reply(Reply::error(
                500,
                "The edge could not open the event stream.",
            ))
        }
    })
}

/// `GET /api/v1/instances`: from the cache, or from WaAPI. WaAPI's answer is checked as every
/// answer is (status, size, every status level, each instance decoded); then its bytes go out as
/// they came when that says the same as re-encoding them would (see
/// [`respond::passes_as_sent`]), else the list is written anew as before.
async fn list(client: &Client, settings: &Settings, filter: Option<&str>) -> Answer {
    let (fill, attempt) = match list_begin(client, &settings.token, filter, None) {
        Ok(started) => started,
        Err(answer) => return answer,
    };
    let outcome = JsFuture::from(attempt).await;
    match fill.settle(client, &settings.token, outcome) {
        Settled::Done(sent) => fill.answer(client, settings, sent),
        Settled::RetryIn(ms) => fill.retry(client, settings, ms).await,
    }
}

/// A cached list, or the first attempt started.
fn list_begin(
    client: &Client,
    token: &str,
    filter: Option<&str>,
    lane: Option<&Lane>,
) -> Result<(Fill, js_sys::Promise), Answer> {
    let key = filter.unwrap_or_default().to_owned();
    // Taken before the call: a write that lands meanwhile makes this fill too old to store.
    let generation = LIST_CACHE.with(|c| c.borrow().generation());
    let now = js_sys::Date::now();
    if let Some(hit) = LIST_CACHE.with(|c| c.borrow().get(&key, now).map(str::to_owned)) {
        return Err(Answer::Reply(Reply::json(200, hit)));
    }
    // `client` is the settings' own, checked once when they were read (`Settings::from_vars`).
    let request = Upstream::list_instances(filter);
    let options = client.options();
    // The lane's strings are those of the list without a filter.
    let fresh;
    let (url, authorization) = match lane.filter(|_| filter.is_none()) {
        Some(lane) => (&lane.url, &lane.authorization),
        None => {
            fresh = (
                JsValue::from_str(&request.url(&options.base_url)),
                authorization(token),
            );
            (&fresh.0, &fresh.1)
        }
    };
    let attempt = first_attempt(
        url,
        authorization,
        options.timeout_ms,
        options.max_response_bytes,
    );
    Ok((
        Fill {
            key,
            generation,
            request,
        },
        attempt,
    ))
}

/// A list call under way: what it needs once its first attempt is over.
struct Fill {
    key: String,
    generation: u64,
    request: Upstream,
}

/// What the first attempt came to.
enum Sent {
    /// Status, `Retry-After`, the body's bytes.
    Answer(u16, Option<String>, Uint8Array),
    TooLarge(u16),
    Redirect(u16),
    Timeout,
    Network(String),
}

/// After the first attempt: the call's outcome, or a retry after so many ms.
enum Settled {
    Done(Result<(Body, Option<JsValue>), Error>),
    RetryIn(u64),
}

impl Fill {
    /// The first attempt's outcome, judged as the package judges it: a 2xx is kept (its bytes
    /// too, to pass on as they are when they are WaAPI's, unchanged and valid UTF-8); anything
    /// else goes through the package's policy ([`decide`]), and a retry it calls for is made by
    /// the package itself (see [`Fill::retry`]), so the errors and their words stay the package's.
    fn settle(&self, client: &Client, token: &str, outcome: Result<JsValue, JsValue>) -> Settled {
        let request = &self.request;
        let options = client.options();
        let sent = match outcome {
            Ok(answer) => {
                let answer: js_sys::Array = answer.unchecked_into();
                let status = answer.get(1).as_f64().map_or(0, |s| s as u16);
                match answer.get(0).as_f64().map_or(0, |kind| kind as u8) {
                    1 => Sent::TooLarge(status),
                    2 => Sent::Redirect(status),
                    _ => Sent::Answer(
                        status,
                        answer.get(2).as_string(),
                        answer.get(3).unchecked_into(),
                    ),
                }
            }
            Err(e) if e.as_string().as_deref() == Some("waapi:timeout") => Sent::Timeout,
            Err(e) => Sent::Network(js_text(&e)),
        };
        if let Sent::Answer(status @ 200..=299, _, bytes) = sent {
            // A 2xx is kept whatever else: the policy has nothing to decide.
            let body = |text| Body {
                action: request.action.clone(),
                status,
                text,
            };
            return Settled::Done(Ok(match String::from_utf8(bytes.to_vec()) {
                Ok(text) => (body(text), Some(bytes.into())),
                Err(e) => (
                    body(String::from_utf8_lossy(e.as_bytes()).into_owned()),
                    None,
                ),
            }));
        }
        let (outcome, retry_after_ms) = match &sent {
            Sent::Answer(status, retry_after, _) => (
                Outcome::Status(*status),
                retry_after
                    .as_deref()
                    .and_then(|v| parse_retry_after(v, transport::now_ms())),
            ),
            Sent::Timeout => (Outcome::Timeout, None),
            Sent::Network(_) => (Outcome::Network, None),
            // The package's own refusals: another attempt would meet the same answer.
            Sent::TooLarge(_) | Sent::Redirect(_) => (Outcome::Status(0), None),
        };
        let decision = decide(
            request.idempotent,
            outcome,
            0,
            options.max_retries,
            retry_after_ms,
            transport::random(),
        );
        if let Decision::RetryIn(ms) = decision {
            return Settled::RetryIn(ms);
        }
        let action = &request.action;
        Settled::Done(Err(match sent {
            Sent::Answer(status, _, bytes) => {
                let text = String::from_utf8_lossy(&bytes.to_vec()).into_owned();
                let seconds = retry_after_ms.map(|ms| ms.div_ceil(1000));
                http_error(request, status, seconds, &text).redact(token)
            }
            // The edge answers these in its own words; the messages are for the log.
            Sent::TooLarge(status) => Error::ResponseTooLarge {
                status,
                message: format!("WaAPI's answer to {action} is larger than maxResponseBytes."),
            },
            Sent::Redirect(status) => Error::Redirect {
                status,
                message: format!("WaAPI answered with a redirect when asked to {action}."),
            },
            Sent::Timeout => Error::Timeout {
                message: format!(
                    "WaAPI did not answer within {} ms (tried to {action}).",
                    options.timeout_ms
                ),
            },
            Sent::Network(why) => {
                let stop = if why.ends_with(['.', '?', '!']) {
                    ""
                } else {
                    "."
                };
                Error::Network {
                    message: format!("Could not reach WaAPI to {action}: {why}{stop}"),
                }
                .redact(token)
            }
        }))
    }

    /// The rest of the call after `ms`: the package's attempts with one retry fewer.
    async fn retry(self, client: &Client, settings: &Settings, ms: u64) -> Answer {
        transport::sleep(ms).await;
        let options = client.options();
        let rest = Client::with_options(
            settings.token.as_str(),
            options
                .clone()
                .max_retries(options.max_retries.saturating_sub(1)),
        );
        let sent = rest.send(&self.request).await.map(|body| (body, None));
        self.answer(client, settings, sent)
    }

    /// The caller's answer to the call's outcome; a sound list fills the cache.
    fn answer(
        &self,
        client: &Client,
        settings: &Settings,
        sent: Result<(Body, Option<JsValue>), Error>,
    ) -> Answer {
        let (answer, bytes) = match sent {
            Ok(sent) => sent,
            Err(e) => return Answer::Reply(failed(&e)),
        };
        let decoded = answer.reply().and_then(|r| {
            let list = r.instance_list()?;
            let as_sent = matches!(r.json.get("instances"), Some(Json::Array(_)));
            Ok((list, as_sent))
        });
        let (list, as_sent) = match client.finish(decoded) {
            Ok(decoded) => decoded,
            Err(e @ Error::Api { .. }) => {
                return Answer::Reply(
                    respond::in_band_error(answer.status, &answer.text, &settings.token)
                        .unwrap_or_else(|| respond::upstream_error(&e)),
                )
            }
            Err(e) => return Answer::Reply(failed(&e)),
        };
        let secret = settings.webhook_secret.as_deref().ok();
        let passed = as_sent && respond::passes_as_sent(&answer.text, &settings.token, secret);
        let body = match passed {
            true => answer.text,
            false => respond::instances(&list).body.unwrap_or_default(),
        };
        if settings.cache_ttl_ms > 0 {
            // The TTL counts from now, when the answer arrived.
            let now = js_sys::Date::now();
            LIST_CACHE.with(|c| {
                c.borrow_mut().put(
                    &self.key,
                    body.clone(),
                    self.generation,
                    now,
                    settings.cache_ttl_ms,
                )
            });
        }
        match (passed, bytes) {
            (true, Some(bytes)) => Answer::Stream(bytes, "application/json"),
            _ => Answer::Reply(Reply::json(200, body)),
        }
    }
}

/// Who asks: whether the key may read, the edge's origin (for its own webhook receiver) and
/// the request's path (`links.self`: relative, so no caller's `Host` comes back).
struct Caller {
    may_read: bool,
    origin: String,
    path: String,
}

/// One upstream call, answered in WaAPI's shapes. An error WaAPI reported in band (HTTP 2xx
/// with `status: "error"`) is passed on as WaAPI sent it, status and body.
async fn call(
    client: &Client,
    settings: &Settings,
    route: Route,
    body: &str,
    caller: &Caller,
) -> Reply {
    let self_url = caller.path.as_str();
    let request = match &route {
        Route::Create => Ok(Upstream::create_instance()),
        Route::Get(id) => Upstream::get_instance(*id),
        Route::Update(id) => {
            // The hidden webhook secret put back for the edge's own receiver, then the policy.
            let webhook_url = |url: &str| {
                let url = match &settings.webhook_secret {
                    Ok(secret) => events::restore_secret(url, &caller.origin, secret),
                    Err(_) => url.to_owned(),
                };
                settings.webhooks.check(&url, &caller.origin).map(|()| url)
            };
            match routes::instance_update(body, webhook_url) {
                // The policy above judged private hosts.
                Ok(update) => Upstream::update_instance_with(*id, &update, true),
                Err(reject) => return respond::reject(&reject),
            }
        }
        Route::Delete(id) => Upstream::delete_instance(*id),
        Route::Status(id) => Upstream::client_status(*id),
        Route::QrCode(id) => Upstream::qr_code(*id),
        Route::Me(id) => Upstream::me(*id),
        // Checked as the package checks it (the same catalogue and validator), so the caller
        // gets the package's words and nothing wrong goes upstream. No body means no parameters.
        Route::Action(id, action) => {
            let params = if body.trim().is_empty() {
                Ok(Json::Object(Vec::new()))
            } else {
                Json::parse(body)
            };
            let checked = match params {
                Ok(params) => client.finish(action.request(*id, &params)),
                Err(e) => return Reply::error(400, &format!("The body is not JSON ({e}).")),
            };
            match checked {
                Ok(request) => Ok(request),
                Err(e @ Error::InvalidInput { .. }) => return Reply::error(400, e.message()),
                Err(e) => Err(e),
            }
        }
        Route::List { .. } | Route::Events(..) | Route::Stream(_) => {
            return Reply::error(500, "The edge routed this call to the wrong place.")
        }
    };
    let request = match request {
        Ok(request) => request,
        Err(e) => return failed(&e),
    };
    let answer = match client.send(&request).await {
        Ok(answer) => answer,
        Err(e) => return failed(&e),
    };
    let decoded = answer.reply().and_then(|r| {
        Ok(match &route {
            Route::Create if !caller.may_read => respond::created_id(r.instance()?.id),
            Route::Create => respond::instance(201, &r.instance()?),
            Route::Get(_) => respond::instance(200, &r.instance()?),
            // A write-only key learns nothing of the instance, not even its current state.
            Route::Update(_) if !caller.may_read => {
                r.client_status().map(|_| respond::acknowledged())?
            }
            Route::Update(_) => respond::client_status("data", &r.client_status()?, self_url),
            Route::Delete(_) => r.nothing().map(|()| Reply::no_content())?,
            Route::Status(_) => {
                respond::client_status("clientStatus", &r.client_status()?, self_url)
            }
            Route::QrCode(id) => respond::qr_code(*id, &r.qr_code()?, self_url),
            Route::Me(id) => respond::me(*id, &r.me()?, self_url),
            Route::Action(..) => {
                r.action_payload()?;
                respond::passed_on(answer.status, &answer.text, &settings.token, Some(self_url))
                    .unwrap_or_else(|| Reply::json(answer.status, "null".into()))
            }
            Route::List { .. } | Route::Events(..) | Route::Stream(_) => Reply::no_content(),
        })
    });
    match client.finish(decoded) {
        Ok(reply) => reply,
        Err(e @ Error::Api { .. }) => {
            respond::in_band_error(answer.status, &answer.text, &settings.token)
                .unwrap_or_else(|| respond::upstream_error(&e))
        }
        Err(e) => failed(&e),
    }
}

/// The answer for a failed call; the edge's own settings at fault (an invalid input after
/// every check) are logged, since the caller is told only that the edge is misconfigured.
fn failed(e: &Error) -> Reply {
    if let Error::InvalidInput { message } = e {
        log_error(&format!("misconfigured: {message}"));
    }
    respond::upstream_error(e)
}

/// A fixed answer for the caller; `why` goes to the log only.
fn misconfigured(why: &str) -> Reply {
    log_error(&format!("misconfigured: {why}"));
    respond::misconfigured()
}

fn too_large(limit: usize) -> Reply {
    if limit == 0 {
        return Reply::error(413, "This route takes no request body.");
    }
    Reply::error(
        413,
        &format!("The request body is larger than {limit} bytes."),
    )
}

/// The query's pairs, decoded. Most calls have none: then no iterator crosses the boundary.
fn query_of(url: &Url) -> Result<Vec<(String, String)>, JsValue> {
    if url.search().is_empty() {
        return Ok(Vec::new());
    }
    Ok(js_sys::try_iter(&url.search_params())?
        .map(|it| {
            it.filter_map(|pair| pair.ok())
                .filter_map(query_pair)
                .collect()
        })
        .unwrap_or_default())
}

fn query_pair(pair: JsValue) -> Option<(String, String)> {
    let pair: js_sys::Array = pair.dyn_into().ok()?;
    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
}

/// The key of an `Authorization: Bearer <key>` header (public for the fuzz harness).
pub fn bearer(header: &Option<String>) -> Option<&str> {
    let (scheme, key) = header.as_deref()?.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

/// The dashboard's own files, and only they: what `www/index.html` loads and what that loads
/// (tests/edge/hardening.test.mjs checks this list against the page). Anything else in
/// `www/`, dotfiles included, is 404.
const PAGE_FILES: &[&str] = &[
    "/",
    "/index.html",
    "/app.js",
    "/errors.js",
    "/inbox.js",
    "/text.js",
    "/style.css",
    "/favicon.svg",
];
/// The package's build, copied by `make www`: its web entry, its glue, its wasm
/// and the glue's snippets
/// (in folders named by a hash, so matched by shape).
const VENDOR: &str = "/vendor/waapi-wasm/";

fn page_file(path: &str) -> bool {
    if PAGE_FILES.contains(&path) {
        return true;
    }
    let Some(rest) = path.strip_prefix(VENDOR) else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let plain = |s: &&str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    };
    segments.iter().all(plain)
        && match segments.as_slice() {
            [file] => [
                "web.js",
                "actions.js",
                "waapi_wasm.js",
                "waapi_wasm_bg.wasm",
            ]
            .contains(file),
            ["snippets", _, .., file] => file.ends_with(".js"),
            _ => false,
        }
}

/// Non-API paths: the dashboard from `env.ASSETS`, with the security headers a page needs.
async fn assets(request: &Request, env: &JsValue) -> Result<Response, JsValue> {
    if request.method() != "GET" && request.method() != "HEAD" {
        return to_response(
            &Reply::error(405, "Method not allowed.").with_header("Allow", "GET, HEAD"),
        );
    }
    let path = Url::new(&request.url())?.pathname();
    if !page_file(&path) {
        return to_response(
            &Reply::error(404, "Not found.").with_header("X-Content-Type-Options", "nosniff"),
        );
    }
    let binding = Reflect::get(env, &"ASSETS".into())?;
    let fetch: Function = match Reflect::get(&binding, &"fetch".into()).map(JsCast::dyn_into) {
        Ok(Ok(fetch)) => fetch,
        _ => return to_response(&misconfigured("no ASSETS binding.")),
    };
    let asset: Response = JsFuture::from(js_sys::Promise::from(fetch.call1(&binding, request)?))
        .await?
        .dyn_into()?;
    let headers = Headers::new_with_headers(&asset.headers())?;
    let settings = settings(env);
    let (connect, img) = (&settings.connect_src, &settings.img_src);
    // Images: the page's own, data: (the QR code) and WhatsApp's profile pictures, which it
    // serves from pps.whatsapp.net; never any https host.
    headers.set(
        "Content-Security-Policy",
        &format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: https://pps.whatsapp.net{img}; connect-src 'self' {connect}; \
             object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            img = if img.is_empty() {
                String::new()
            } else {
                format!(" {img}")
            },
        ),
    )?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    headers.set("X-Frame-Options", "DENY")?;
    let init = ResponseInit::new();
    init.set_status(asset.status());
    init.set_status_text(&asset.status_text());
    init.set_headers(&headers);
    Response::new_with_opt_readable_stream_and_init(asset.body().as_ref(), &init)
}

fn to_response(reply: &Reply) -> Result<Response, JsValue> {
    Ok(respond(
        reply.status,
        reply
            .body
            .clone()
            .map(JsValue::from)
            .unwrap_or(JsValue::NULL),
        &header_lines(reply).into(),
    ))
}

/// The headers as `respond` takes them: name and value on alternate lines.
fn header_lines(reply: &Reply) -> String {
    let mut headers = String::new();
    if reply.body.is_some() {
        headers.push_str("Content-Type\napplication/json\n");
    }
    for (name, value) in &reply.headers {
        headers.push_str(name);
        headers.push('\n');
        headers.push_str(value);
        headers.push('\n');
    }
    headers
}

/// The last resort when building a response failed: a bare one.
fn plain_error(status: u16, message: &str) -> Response {
    to_response(&Reply::error(status, message))
        .or_else(|_| Response::new_with_opt_str(Some(message)))
        .unwrap_or_else(|_| JsValue::UNDEFINED.unchecked_into())
}

fn js_text(e: &JsValue) -> String {
    Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(line: &str);
}

/// One line per failure; it names the route and status, never a key or the token.
fn log_error(line: &str) {
    console_error(&format!("waapi-edge: {line}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pages_own_files_are_served() {
        for ok in [
            "/",
            "/app.js",
            "/favicon.svg",
            "/vendor/waapi-wasm/waapi_wasm.js",
            "/vendor/waapi-wasm/waapi_wasm_bg.wasm",
            "/vendor/waapi-wasm/snippets/waapi-wasm-1a4ede0b2d50bc67/inline0.js",
        ] {
            assert!(page_file(ok), "{ok}");
        }
        for no in [
            "/.gitignore",
            "/vendor/.gitignore",
            "/vendor/waapi-wasm/.hidden.js",
            "/vendor/waapi-wasm/snippets/.x/inline0.js",
            "/vendor/waapi-wasm/snippets/a/../../../.gitignore",
            "/vendor/waapi-wasm/snippets/a/%2e%2e/x.js",
            "/vendor/waapi-wasm/snippets/a/inline0.txt",
            "/vendor/waapi-wasm/package.json",
            "/vendor/waapi-wasm/",
            "/vendor/",
            "/README.md",
            "/app.js/",
            "/index.htm",
            "//app.js",
        ] {
            assert!(!page_file(no), "{no}");
        }
    }
}
