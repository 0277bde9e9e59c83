//! The request log behind `GET /__fake/requests`.

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::LoggedRequest;
use crate::AppState;

/// Request bodies above this are refused rather than buffered; no WaAPI call comes close.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Records every `/api` request, preflights included, before anything can answer or drop it.
/// Headers are kept verbatim, bearer tokens too: the log is a test tool.
pub async fn record(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if !crate::is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    app.world().requests.push(LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body: (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned()),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
