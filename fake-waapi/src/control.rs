//! The unauthenticated test-control endpoints under `/__fake` (see the README).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::{instance_mut, ApiError};
use crate::faults::FaultSpec;
use crate::state::World;
use crate::store::Msg;
use crate::{envelope, events, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__fake/requests", get(requests).delete(clear_requests))
        .route("/__fake/faults", post(arm_fault).delete(clear_faults))
        .route("/__fake/reset", post(reset))
        .route("/__fake/seed", post(seed))
        .route("/__fake/webhooks", get(webhooks).delete(clear_webhooks))
        .route("/__fake/instances/{id}/scan", post(scan))
        .route("/__fake/instances/{id}/inbound", post(inbound))
        .route("/__fake/instances/{id}/messages", get(messages))
        .route("/__fake/instances/{id}/state", get(state_dump))
}

fn error(status: StatusCode, message: String) -> Response {
    ApiError(status, envelope::error(message)).into_response()
}

async fn requests(State(app): State<AppState>) -> Response {
    Json(&app.world().requests).into_response()
}

async fn clear_requests(State(app): State<AppState>) -> StatusCode {
    app.world().requests.clear();
    StatusCode::NO_CONTENT
}

async fn arm_fault(State(app): State<AppState>, body: Bytes) -> Response {
    let spec = match serde_json::from_slice::<FaultSpec>(&body) {
        Ok(spec) => spec,
        Err(err) => return error(StatusCode::BAD_REQUEST, format!("invalid fault: {err}")),
    };
    if let Err(message) = spec.validate() {
        return error(StatusCode::BAD_REQUEST, format!("invalid fault: {message}"));
    }
    let id = app.world().faults.arm(spec);
    (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
}

async fn clear_faults(State(app): State<AppState>) -> StatusCode {
    app.world().faults.clear();
    StatusCode::NO_CONTENT
}

/// Restores the seed and forgets requests, faults, messages, rate-limit windows and webhook
/// deliveries (logged, queued or due); the configured tokens stay.
async fn reset(State(app): State<AppState>) -> StatusCode {
    let mut world = app.world();
    *world = World::seed();
    app.hooks.reset();
    StatusCode::NO_CONTENT
}

async fn webhooks(State(app): State<AppState>) -> Response {
    Json(json!({"deliveries": app.hooks.log()})).into_response()
}

async fn clear_webhooks(State(app): State<AppState>) -> StatusCode {
    app.hooks.clear_log();
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSpec {
    count: u64,
}

/// Replaces the account's instances with `count` generated ones (ids 1..=count), beyond the
/// instance limit; for benchmarks that need long lists.
async fn seed(State(app): State<AppState>, body: Bytes) -> Response {
    let count = match serde_json::from_slice::<SeedSpec>(&body) {
        Ok(spec) if spec.count <= World::MAX_SEEDED => spec.count,
        Ok(spec) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "invalid seed: count {} is above {}",
                    spec.count,
                    World::MAX_SEEDED
                ),
            )
        }
        Err(err) => return error(StatusCode::BAD_REQUEST, format!("invalid seed: {err}")),
    };
    app.world().seed_generated(count);
    Json(json!({"status": "success", "count": count})).into_response()
}

/// Plays the phone scanning the QR code of an instance in `qr`.
async fn scan(
    State(app): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Response, ApiError> {
    let now = Instant::now();
    let boot = app.config.boot;
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    Ok(match instance.scan(now, boot) {
        Ok(()) => {
            events::scanned(&app, instance, now);
            Json(json!({
            "status": "success",
            "instanceId": instance.id,
            "instanceStatus": instance.status(now, boot).as_str(),
            }))
            .into_response()
        }
        Err(status) => error(
            StatusCode::CONFLICT,
            format!(
                "Instance {} is {status}; only an instance in qr can be scanned.",
                instance.id
            ),
        ),
    })
}

async fn messages(
    State(app): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Response, ApiError> {
    let mut world = app.world();
    Ok(Json(&instance_mut(&mut world, &raw_id)?.sent).into_response())
}

/// The instance's chats (with their messages), contacts, blocked ids, groups, labels, quick
/// replies, channels and communities, as the actions see them.
async fn state_dump(
    State(app): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Response, ApiError> {
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    let me = instance
        .me_mut()
        .map(|m| m.contact_id.clone())
        .unwrap_or_default();
    Ok(Json(instance.wa.dump(&me)).into_response())
}

/// `{"from": "<digits>@c.us", "body": "…"}`, or why not.
fn inbound_fields(body: &Bytes) -> Result<(String, String), String> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err("the body must be a JSON object with from and body".to_owned());
    };
    let from = match object.get("from") {
        Some(Value::String(from)) => from,
        Some(_) => return Err("from must be a string".to_owned()),
        None => return Err("from is required".to_owned()),
    };
    let is_contact = from
        .strip_suffix("@c.us")
        .is_some_and(|user| !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit()));
    if !is_contact {
        return Err(format!("from must be <digits>@c.us, not {from:?}"));
    }
    match object.get("body") {
        Some(Value::String(text)) if !text.is_empty() => Ok((from.clone(), text.clone())),
        Some(Value::String(_)) => Err("body must not be empty".to_owned()),
        Some(_) => Err("body must be a string".to_owned()),
        None => Err("body is required".to_owned()),
    }
}

/// Plays a contact writing to the instance's account: the message is stored like a received
/// one (its chat opened if new, one more unread) and `message` + `message_create` are sent.
async fn inbound(
    State(app): State<AppState>,
    Path(raw_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let now = Instant::now();
    let mut world = app.world();
    let instance = instance_mut(&mut world, &raw_id)?;
    let (from, text) = inbound_fields(&body).map_err(|why| {
        ApiError(
            StatusCode::BAD_REQUEST,
            envelope::error(format!("invalid inbound message: {why}")),
        )
    })?;
    let Some(me) = instance
        .ready_me(now, app.config.boot)
        .map(|m| m.contact_id.clone())
    else {
        let status = instance.status(now, app.config.boot);
        return Ok(error(
            StatusCode::CONFLICT,
            format!(
                "Instance {} is {status}; only a ready instance receives messages.",
                instance.id
            ),
        ));
    };
    let hash = instance.wa.next_hash();
    let message = Msg::new(&from, false, &from, &hash, "chat", &text);
    instance.wa.push(message.clone());
    instance.wa.chat_mut(&from).unread += 1;
    events::received(&app, instance, &message, &me);
    let body = json!({"message": message.to_json(&me)});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
