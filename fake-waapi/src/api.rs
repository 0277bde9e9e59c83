//! The WaAPI routes under `/api/v1`: authentication, rate limiting, instances and the client
//! endpoints.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use crate::state::{Instance, InstanceStatus, Permission, Permissions, World};
use crate::{actions, catalogue, envelope, events, AppState, NotReady};

/// The 20 EventNames of v1.6.0 (CONTRACT §5), the only values `webhook.events` accepts.
const EVENT_NAMES: [&str; 20] = [
    "message",
    "loading_screen",
    "qr",
    "authenticated",
    "auth_failure",
    "ready",
    "disconnected",
    "message_create",
    "message_edit",
    "message_revoke_everyone",
    "message_revoke_me",
    "message_ack",
    "message_reaction",
    "media_uploaded",
    "group_join",
    "group_leave",
    "group_update",
    "change_state",
    "call",
    "vote_update",
];

/// The chat id suffixes the node accepts (CONTRACT §2.6).
const CHAT_DOMAINS: [&str; 5] = ["@c.us", "@g.us", "@newsletter", "@lid", "@broadcast"];

pub fn routes(app: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/instances", get(list).post(create))
        .route(
            "/api/v1/instances/{id}",
            get(retrieve).put(update).delete(delete),
        )
        .route("/api/v1/instances/{id}/client/status", get(client_status))
        .route("/api/v1/instances/{id}/client/qr", get(qr))
        .route("/api/v1/instances/{id}/client/me", get(me))
        .route(
            "/api/v1/instances/{id}/client/action/{action}",
            post(action),
        )
        // A route layer, so unknown paths are 404 without a token, as in Laravel.
        .route_layer(middleware::from_fn_with_state(app, authenticate))
}

/// An error response: an HTTP status and a JSON body.
pub struct ApiError(pub StatusCode, pub Value);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

fn ok(body: Value) -> ApiResult {
    Ok(Json(body).into_response())
}

/// The scopes of the request's token, set by [`authenticate`].
#[derive(Clone, Copy)]
struct Caller(Permissions);

impl Caller {
    fn require(self, permission: Permission) -> Result<(), ApiError> {
        if self.0.allows(permission) {
            Ok(())
        } else {
            Err(ApiError(
                StatusCode::FORBIDDEN,
                envelope::error(format!(
                    "This token lacks the {} permission.",
                    permission.as_str()
                )),
            ))
        }
    }
}

/// The request URL without its query, for `links.self`.
struct SelfUrl(String);

impl<S: Send + Sync> FromRequestParts<S> for SelfUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        Ok(SelfUrl(format!("http://{host}{}", parts.uri.path())))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// 401 for a missing or unknown bearer, then the per-token rate limit (as Laravel runs
/// `auth:sanctum` before `throttle`). Permissions are checked per route by the handlers.
async fn authenticate(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    // Laravel constrains the action segment, so an unknown action is a 404 before any auth.
    if let Some(name) = action_in_path(request.uri().path()) {
        if catalogue::get(name).is_none() {
            return unknown_action(name).into_response();
        }
    }
    let Some((token, permissions)) = bearer(request.headers())
        .and_then(|t| app.config.tokens.get_key_value(t))
        .map(|(t, p)| (t.clone(), *p))
    else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Unauthenticated."})),
        )
            .into_response();
    };
    if let Some(per_second) = app.config.rate_limit {
        if let Err(retry_after) = app.world().admit(&token, per_second, Instant::now()) {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"message": "Too Many Attempts.", "status": "error"})),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return response;
        }
    }
    request.extensions_mut().insert(Caller(permissions));
    next.run(request).await
}

fn not_found(raw_id: &str) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        envelope::error(format!("Instance {raw_id} not found.")),
    )
}

/// The instance a path names; ids that are not numbers are simply not found.
pub fn instance_mut<'w>(world: &'w mut World, raw_id: &str) -> Result<&'w mut Instance, ApiError> {
    raw_id
        .parse::<u64>()
        .ok()
        .and_then(|id| world.instances.get_mut(&id))
        .ok_or_else(|| not_found(raw_id))
}

async fn list(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(Permission::Read)?;
    let filter = query
        .as_deref()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(key, _)| key == "filter")
                .map(|(_, value)| value.into_owned())
        })
        .unwrap_or_default();
    let needle = filter.to_lowercase();
    let world = app.world();
    let instances = world
        .instances
        .values()
        .filter(|i| {
            filter.is_empty()
                || i.id.to_string() == filter
                || i.name.to_lowercase().contains(&needle)
        })
        .map(|i| envelope::instance(app.config.envelopes, i))
        .collect();
    ok(envelope::instance_list(instances))
}

/// Any body is ignored: v1.6.0 declares none, and new instances always start unnamed.
async fn create(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> ApiResult {
    caller.require(Permission::Create)?;
    let limit = app.config.instance_limit;
    let now = Instant::now();
    let mut world = app.world();
    let instance = world.create(limit, now).ok_or_else(|| {
        ApiError(
            StatusCode::BAD_REQUEST,
            envelope::error(format!(
                "Instance limit reached: this account may have at most {limit} instances."
            )),
        )
    })?;
    events::booting(&app, instance, now);
    let body = envelope::created(envelope::instance(app.config.envelopes, instance));
    let status = match app.config.envelopes {
        envelope::Envelopes::Live => StatusCode::CREATED,
        envelope::Envelopes::Spec => StatusCode::OK,
    };
    Ok((status, Json(body)).into_response())
}

async fn retrieve(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> ApiResult {
    caller.require(Permission::Read)?;
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    let mode = app.config.envelopes;
    ok(envelope::retrieved(
        mode,
        envelope::instance(mode, instance),
    ))
}

/// A validated update-instance body; `None` leaves a field as it is.
struct Update {
    name: Option<String>,
    webhook_url: Option<Option<String>>,
    webhook_events: Option<Vec<String>>,
}

fn invalid(errors: Map<String, Value>) -> ApiError {
    ApiError(
        StatusCode::UNPROCESSABLE_ENTITY,
        envelope::validation(errors),
    )
}

fn field_error(errors: &mut Map<String, Value>, field: &str, message: String) {
    errors.insert(field.to_owned(), json!([message]));
}

/// An empty body counts as `{}`: there is nothing to change.
fn json_object(body: &Bytes) -> Option<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    })
}

fn validate_update(body: &Bytes) -> Result<Update, ApiError> {
    let mut errors = Map::new();
    let Some(object) = json_object(body) else {
        field_error(
            &mut errors,
            "body",
            "The request body must be a JSON object.".to_owned(),
        );
        return Err(invalid(errors));
    };
    let mut update = Update {
        name: None,
        webhook_url: None,
        webhook_events: None,
    };

    match object.get("name") {
        None => {}
        Some(Value::String(name)) if name.trim().is_empty() => {
            field_error(
                &mut errors,
                "name",
                "The name field is required.".to_owned(),
            );
        }
        Some(Value::String(name)) if name.chars().count() > 255 => field_error(
            &mut errors,
            "name",
            "The name field must not be greater than 255 characters.".to_owned(),
        ),
        Some(Value::String(name)) => update.name = Some(name.clone()),
        Some(_) => field_error(
            &mut errors,
            "name",
            "The name field must be a string.".to_owned(),
        ),
    }

    match object.get("webhook") {
        None | Some(Value::Null) => {}
        Some(Value::Object(webhook)) => {
            match webhook.get("url") {
                None => {}
                Some(Value::Null) => update.webhook_url = Some(None),
                Some(Value::String(url)) if is_web_url(url) => {
                    update.webhook_url = Some(Some(url.clone()));
                }
                Some(_) => field_error(
                    &mut errors,
                    "webhook.url",
                    "The webhook.url field must be a valid URL.".to_owned(),
                ),
            }
            match webhook.get("events") {
                None => {}
                Some(Value::Null) => update.webhook_events = Some(Vec::new()),
                Some(Value::Array(events)) => {
                    let mut names = Vec::new();
                    for (index, event) in events.iter().enumerate() {
                        match event.as_str().filter(|e| EVENT_NAMES.contains(e)) {
                            Some(name) => names.push(name.to_owned()),
                            None => {
                                let field = format!("webhook.events.{index}");
                                let message = format!("The selected {field} is invalid.");
                                field_error(&mut errors, &field, message);
                            }
                        }
                    }
                    update.webhook_events = Some(names);
                }
                Some(_) => field_error(
                    &mut errors,
                    "webhook.events",
                    "The webhook.events field must be an array.".to_owned(),
                ),
            }
        }
        Some(_) => field_error(
            &mut errors,
            "webhook",
            "The webhook field must be an array.".to_owned(),
        ),
    }

    if errors.is_empty() {
        Ok(update)
    } else {
        Err(invalid(errors))
    }
}

async fn update(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    SelfUrl(self_url): SelfUrl,
    body: Bytes,
) -> ApiResult {
    caller.require(Permission::Update)?;
    let mut world = app.world();
    // Laravel resolves the instance before it validates the body, so 404 wins over 422.
    let instance = instance_mut(&mut world, &raw_id)?;
    let update = validate_update(&body)?;
    if let Some(name) = update.name {
        instance.name = name;
    }
    if let Some(url) = update.webhook_url {
        instance.webhook_url = url;
    }
    if let Some(events) = update.webhook_events {
        instance.webhook_events = events;
    }
    let status = instance.status(Instant::now(), app.config.boot);
    let client_status = envelope::client_status(app.config.envelopes, instance, status);
    ok(envelope::updated(client_status, &self_url))
}

async fn delete(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> ApiResult {
    caller.require(Permission::Delete)?;
    let mut world = app.world();
    let id = instance_mut(&mut world, &raw_id)?.id;
    world.instances.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn client_status(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    SelfUrl(self_url): SelfUrl,
) -> ApiResult {
    caller.require(Permission::Read)?;
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    let status = instance.status(Instant::now(), app.config.boot);
    let client_status = envelope::client_status(app.config.envelopes, instance, status);
    ok(envelope::client_status_envelope(client_status, &self_url))
}

async fn qr(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    SelfUrl(self_url): SelfUrl,
) -> ApiResult {
    caller.require(Permission::Read)?;
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    if instance.status(Instant::now(), app.config.boot) != InstanceStatus::Qr {
        return ok(envelope::qr_unavailable(instance.id));
    }
    let text = instance.next_qr_text();
    let id = instance.id;
    drop(world);
    ok(envelope::qr(id, &crate::qr::png_data_url(&text), &self_url))
}

async fn me(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    SelfUrl(self_url): SelfUrl,
) -> ApiResult {
    caller.require(Permission::Read)?;
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    match instance.ready_me(Instant::now(), app.config.boot) {
        Some(me) => ok(envelope::me(
            app.config.envelopes,
            instance.id,
            me,
            &self_url,
        )),
        None => not_ready(&app.config, instance.id),
    }
}

/// `POST …/client/action/{name}`. The unknown-action 404 and authentication happened in
/// [`authenticate`]; then permission (403), instance (404), body (422), readiness, the chatId
/// format, and finally the action itself.
async fn action(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((raw_id, action)): Path<(String, String)>,
    SelfUrl(self_url): SelfUrl,
    body: Bytes,
) -> ApiResult {
    let Some(spec) = catalogue::get(&action) else {
        return Err(unknown_action(&action));
    };
    caller.require(if spec.read_only() {
        Permission::Read
    } else {
        Permission::Update
    })?;
    let now = Instant::now();
    let boot = app.config.boot;
    let mode = app.config.envelopes;
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    let id = instance.id;
    let args = catalogue::validate(spec, &body).map_err(invalid)?;

    // Reboot is allowed in every state: it is how a stuck or disconnected instance is
    // brought back.
    if action == "reboot" {
        instance.reboot(now);
        events::booting(&app, instance, now);
        return ok(envelope::rebooted(id, &self_url));
    }
    if instance.ready_me(now, boot).is_none() {
        return not_ready(&app.config, id);
    }
    if action == "logout" {
        instance.logout();
        events::logged_out(&app, instance);
        return ok(envelope::logged_out(id, &self_url));
    }
    if let Some(Value::String(chat_id)) = args.get("chatId") {
        if !has_chat_domain(chat_id) {
            return ok(envelope::bad_chat_id(
                mode,
                spec.envelope,
                id,
                chat_id,
                &self_url,
            ));
        }
    }
    let sent_before = instance.sent.len();
    match actions::run(&action, instance, &args, now) {
        Ok(mut payload) => {
            events::sent(&app, instance, sent_before, now);
            if let (Some(payload), Some(schema)) = (payload.as_mut(), spec.payload.as_ref()) {
                catalogue::fill_defaults(payload, schema);
            }
            ok(envelope::action_ok(
                mode,
                spec.envelope,
                id,
                payload,
                &self_url,
            ))
        }
        Err(actions::Fail::InBand(message)) => ok(envelope::action_error(
            mode,
            spec.envelope,
            id,
            &message,
            None,
            &self_url,
        )),
        Err(actions::Fail::TooMany(retry_after)) => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({
                    "message": "Too many pairing code requests: at most 2 per minute.",
                    "status": "error",
                })),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            Ok(response)
        }
    }
}

/// The answer for an instance that is not `ready`: HTTP 200 with an error body (live), or
/// 409 with the same body (`--not-ready 409`, the v1.7.0 API).
fn not_ready(config: &crate::Config, id: u64) -> ApiResult {
    let body = envelope::not_ready(id);
    match config.not_ready {
        NotReady::Ok => ok(body),
        NotReady::Conflict => Err(ApiError(StatusCode::CONFLICT, body)),
    }
}

fn unknown_action(name: &str) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        envelope::error(format!("Unknown action {name}.")),
    )
}

/// The action named by a `/api/v1/instances/{id}/client/action/{name}` path.
fn action_in_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1/instances/")?;
    let (_, name) = rest.split_once("/client/action/")?;
    (!name.contains('/')).then_some(name)
}

fn has_chat_domain(chat_id: &str) -> bool {
    CHAT_DOMAINS.iter().any(|domain| {
        chat_id
            .strip_suffix(domain)
            .is_some_and(|user| !user.is_empty())
    })
}

/// 404 for paths that match no route, in Laravel's wording.
pub async fn route_not_found(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let message = format!("The route {path} could not be found.");
    (StatusCode::NOT_FOUND, Json(envelope::error(message))).into_response()
}

/// 405 for a known path with the wrong method, in Laravel's wording.
pub async fn method_not_allowed(method: Method) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(envelope::error(format!(
            "The {method} method is not supported for this route."
        ))),
    )
        .into_response()
}
