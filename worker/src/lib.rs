//! waapi-edge: a Cloudflare-Worker-style WaAPI gateway on the waapi-wasm crate.
//!
//! The WaAPI token stays here, as a secret; callers use edge keys of their own, each with a
//! subset of WaAPI's four permissions. `/api/v1/…` answers in WaAPI's shapes for the routes
//! in [`routes`]; every other path is the dashboard, served from the `ASSETS` binding with a
//! strict Content-Security-Policy. `worker/src/index.js` is only the module-worker glue that
//! calls [`handle`].
//!
//! Everything that decides (routing, keys, answers, the cache) is plain Rust tested on the
//! host; this file moves values between it and the runtime's `Request`/`Response`.

pub mod cache;
pub mod config;
pub mod respond;
pub mod routes;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, Response, ResponseInit, Url};

use waapi_wasm::request::Request as Upstream;
use waapi_wasm::{Client, Error};

use crate::cache::ListCache;
use crate::config::{authorize, Settings, MAX_BODY_BYTES};
use crate::respond::Reply;
use crate::routes::{route, Reject, Route};

thread_local! {
    /// One per isolate: workerd runs a worker's requests on one thread.
    static LIST_CACHE: RefCell<ListCache> = const { RefCell::new(ListCache::new()) };
    /// The settings parsed from the `env` object they came from; a new `env` parses again.
    static SETTINGS: RefCell<Option<(JsValue, Rc<Settings>)>> = const { RefCell::new(None) };
}

fn settings(env: &JsValue) -> Rc<Settings> {
    SETTINGS.with(|cell| {
        if let Some((seen, settings)) = &*cell.borrow() {
            if seen == env {
                return settings.clone();
            }
        }
        let settings = Rc::new(Settings::from_vars(|name| var(env, name)));
        *cell.borrow_mut() = Some((env.clone(), settings.clone()));
        settings
    })
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
"#)]
extern "C" {
    fn respond(status: u16, body: Option<String>, headers: &str) -> Response;
}

/// The module worker's `fetch(request, env)`. Never throws: every failure is a response.
#[wasm_bindgen]
pub async fn handle(request: Request, env: JsValue) -> Response {
    let url = match Url::new(&request.url()) {
        Ok(url) => url,
        Err(_) => return plain_error(400, "Bad request URL."),
    };
    let path = url.pathname();
    // `/edge/…` is the edge's own API (outside WaAPI's paths): `GET /edge/v1/key`.
    let outcome = if path == "/api" || path.starts_with("/api/") || path.starts_with("/edge/") {
        api(&request, &env, &url).await
    } else {
        assets(&request, &env).await
    };
    match outcome {
        Ok(response) => response,
        Err(e) => {
            log_error(&format!("{} {path}: {}", request.method(), js_text(&e)));
            plain_error(500, "The edge failed to answer.")
        }
    }
}

fn var(env: &JsValue, name: &str) -> Option<String> {
    Reflect::get(env, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|v| !v.trim().is_empty())
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

    let reply = if request.method() == "OPTIONS" {
        match cors_ok {
            Some(true) => Reply::no_content()
                .with_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
                .with_header(
                    "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Accept",
                )
                .with_header("Access-Control-Max-Age", "600"),
            Some(false) => Reply::error(403, "This origin may not call the API."),
            None => Reply::no_content().with_header("Allow", "GET, POST, PUT, DELETE, OPTIONS"),
        }
    } else {
        serve(request, &headers, &settings, url).await?
    };

    let mut reply = reply
        .with_header("Cache-Control", "no-store")
        .with_header("X-Content-Type-Options", "nosniff");
    if let (Some(origin), Some(true)) = (cross_origin, cors_ok) {
        reply = reply
            .with_header("Access-Control-Allow-Origin", origin)
            .with_header("Access-Control-Expose-Headers", "Retry-After")
            .with_header("Vary", "Origin");
    }
    to_response(&reply)
}

async fn serve(
    request: &Request,
    headers: &Headers,
    settings: &Settings,
    url: &Url,
) -> Result<Reply, JsValue> {
    let query: Vec<(String, String)> = js_sys::try_iter(&url.search_params())?
        .map(|it| {
            it.filter_map(|pair| pair.ok())
                .filter_map(query_pair)
                .collect()
        })
        .unwrap_or_default();
    let path = url.pathname();
    let own = path.starts_with("/edge/");
    let route = if own {
        // The edge's own endpoint: the caller's key and what it may do. A page served by the
        // edge asks it once, to show only what the key may do and to know it talks to the edge.
        match (path.as_str(), request.method().as_str()) {
            ("/edge/v1/key", "GET") if query.is_empty() => None,
            ("/edge/v1/key", "GET") => {
                return Ok(Reply::error(400, "/edge/v1/key takes no query parameters."))
            }
            ("/edge/v1/key", _) => return Ok(respond::reject(&Reject::Method("GET"))),
            _ => return Ok(respond::reject(&Reject::NoSuchRoute)),
        }
    } else {
        match route(&request.method(), &path, &query) {
            Ok(route) => Some(route),
            Err(reject) => return Ok(respond::reject(&reject)),
        }
    };

    let keys = match &settings.keys {
        Ok(keys) => keys,
        Err(why) => return Ok(misconfigured(why)),
    };
    let authorization = headers.get("authorization")?;
    let Some(key) = bearer(&authorization) else {
        return Ok(respond::unauthenticated());
    };
    let Some(permissions) = authorize(keys, &Sha256::digest(key.as_bytes()).into()) else {
        return Ok(respond::unauthenticated());
    };
    let Some(route) = route else {
        return Ok(respond::key_permissions(permissions));
    };
    if !permissions.allows(route.permission()) {
        return Ok(respond::forbidden(route.permission()));
    }

    let declared = headers
        .get("content-length")?
        .and_then(|n| n.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Ok(too_large());
    }
    let body = if matches!(route, Route::Update(_) | Route::Create) {
        let text = JsFuture::from(request.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        if text.len() > MAX_BODY_BYTES {
            return Ok(too_large());
        }
        text
    } else {
        String::new()
    };

    let client = match &settings.client {
        Ok(client) => client,
        Err(why) => return Ok(misconfigured(why)),
    };
    let reply = call(client, settings, route.clone(), &body, &url.href()).await;
    if route.is_write() {
        // Whatever the outcome: a timed-out write may still have happened upstream.
        LIST_CACHE.with(|c| c.borrow_mut().clear());
    }
    if reply.status >= 500 {
        log_error(&format!(
            "{} {} -> {}",
            request.method(),
            url.pathname(),
            reply.status
        ));
    }
    Ok(reply)
}

/// One upstream call, answered in WaAPI's shapes. An error WaAPI reported in band (HTTP 2xx
/// with `status: "error"`) is passed on as WaAPI sent it, status and body.
async fn call(
    client: &Client,
    settings: &Settings,
    route: Route,
    body: &str,
    self_url: &str,
) -> Reply {
    let request = match &route {
        Route::List { filter } => Ok(Upstream::list_instances(filter.as_deref())),
        Route::Create => Ok(Upstream::create_instance()),
        Route::Get(id) => Upstream::get_instance(*id),
        Route::Update(id) => match routes::instance_update(body) {
            Ok(update) => Upstream::update_instance(*id, &update),
            Err(reject) => return respond::reject(&reject),
        },
        Route::Delete(id) => Upstream::delete_instance(*id),
        Route::Status(id) => Upstream::client_status(*id),
        Route::QrCode(id) => Upstream::qr_code(*id),
        Route::Me(id) => Upstream::me(*id),
    };
    let request = match request {
        Ok(request) => request,
        Err(e) => return respond::upstream_error(&e),
    };
    let now = js_sys::Date::now();
    let cache_key = match &route {
        Route::List { filter } => Some(filter.clone().unwrap_or_default()),
        _ => None,
    };
    if let Some(key) = &cache_key {
        if let Some(hit) = LIST_CACHE.with(|c| c.borrow().get(key, now).map(str::to_owned)) {
            return Reply::json(200, hit).with_header("X-Edge-Cache", "hit");
        }
    }
    let answer = match client.send(&request).await {
        Ok(answer) => answer,
        Err(e) => return respond::upstream_error(&e),
    };
    let decoded = answer.reply().and_then(|r| {
        Ok(match &route {
            Route::List { .. } => respond::instances(&r.instance_list()?),
            Route::Create => respond::instance(201, &r.instance()?),
            Route::Get(_) => respond::instance(200, &r.instance()?),
            Route::Update(_) => respond::client_status("data", &r.client_status()?, self_url),
            Route::Delete(_) => r.nothing().map(|()| Reply::no_content())?,
            Route::Status(_) => {
                respond::client_status("clientStatus", &r.client_status()?, self_url)
            }
            Route::QrCode(id) => respond::qr_code(*id, &r.qr_code()?, self_url),
            Route::Me(id) => respond::me(*id, &r.me()?, self_url),
        })
    });
    match client.finish(decoded) {
        Ok(reply) => match cache_key {
            Some(key) => {
                if let (Some(body), true) = (&reply.body, settings.cache_ttl_ms > 0) {
                    LIST_CACHE.with(|c| {
                        c.borrow_mut()
                            .put(&key, body.clone(), now, settings.cache_ttl_ms)
                    });
                }
                reply.with_header("X-Edge-Cache", "miss")
            }
            None => reply,
        },
        Err(e @ Error::Api { .. }) => {
            respond::in_band_error(answer.status, &answer.text, &settings.token)
                .unwrap_or_else(|| respond::upstream_error(&e))
        }
        Err(e) => respond::upstream_error(&e),
    }
}

fn misconfigured(why: &str) -> Reply {
    Reply::error(500, &format!("The edge is misconfigured: {why}"))
}

fn too_large() -> Reply {
    Reply::error(
        413,
        &format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
    )
}

fn query_pair(pair: JsValue) -> Option<(String, String)> {
    let pair: js_sys::Array = pair.dyn_into().ok()?;
    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
}

fn bearer(header: &Option<String>) -> Option<&str> {
    let (scheme, key) = header.as_deref()?.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

/// Non-API paths: the dashboard from `env.ASSETS`, with the security headers a page needs.
async fn assets(request: &Request, env: &JsValue) -> Result<Response, JsValue> {
    if request.method() != "GET" && request.method() != "HEAD" {
        return to_response(
            &Reply::error(405, "Method not allowed.").with_header("Allow", "GET, HEAD"),
        );
    }
    let binding = Reflect::get(env, &"ASSETS".into())?;
    let fetch: Function = match Reflect::get(&binding, &"fetch".into()).map(JsCast::dyn_into) {
        Ok(Ok(fetch)) => fetch,
        _ => {
            return to_response(&Reply::error(
                500,
                "The edge is misconfigured: no ASSETS binding.",
            ))
        }
    };
    let asset: Response = JsFuture::from(js_sys::Promise::from(fetch.call1(&binding, request)?))
        .await?
        .dyn_into()?;
    let headers = Headers::new_with_headers(&asset.headers())?;
    let connect = &settings(env).connect_src;
    headers.set(
        "Content-Security-Policy",
        &format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: https:; connect-src 'self' {connect}; object-src 'none'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
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
    Ok(respond(reply.status, reply.body.clone(), &headers))
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
