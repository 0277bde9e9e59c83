//! The unauthenticated test-control endpoints under `/__fake` (see the README).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::api::{instance_mut, ApiError};
use crate::envelope;
use crate::faults::FaultSpec;
use crate::state::World;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__fake/requests", get(requests).delete(clear_requests))
        .route("/__fake/faults", post(arm_fault).delete(clear_faults))
        .route("/__fake/reset", post(reset))
        .route("/__fake/seed", post(seed))
        .route("/__fake/instances/{id}/scan", post(scan))
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

/// Restores the seed and forgets requests, faults, messages and rate-limit windows; the
/// configured tokens stay.
async fn reset(State(app): State<AppState>) -> StatusCode {
    *app.world() = World::seed();
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
        Ok(()) => Json(json!({
            "status": "success",
            "instanceId": instance.id,
            "instanceStatus": instance.status(now, boot).as_str(),
        }))
        .into_response(),
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
