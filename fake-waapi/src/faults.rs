//! Armed failures for `/api` requests: canned responses, delays, broken bodies and dropped
//! connections, so client tests can exercise their error paths against real HTTP.

use std::collections::BTreeMap;
use std::future;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::server::ConnectionKill;
use crate::AppState;

/// What a matched fault does once its delay has passed.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Answer with `status`/`body`/`content_type`/`headers`; without `status`, serve normally
    /// (so a fault that only sets `delay_ms` slows a request down).
    #[default]
    Respond,
    /// Serve normally but send only the first half of the body's bytes.
    Truncate,
    /// Answer as `respond` does, but stream the body without a Content-Length (chunked), as a
    /// server that does not say how much it will send.
    Chunked,
    /// HTTP 200, `application/json`, a body that is not JSON.
    InvalidJson,
    /// Close the TCP connection without writing a single response byte.
    Drop,
}

/// The body of `POST /__fake/faults`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Matches any method when absent.
    method: Option<String>,
    /// A glob against the request path without its query; `*` matches any run of characters,
    /// `/` included.
    path: String,
    #[serde(default = "one")]
    times: u32,
    status: Option<u16>,
    #[serde(default)]
    body: String,
    content_type: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default)]
    action: Action,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    /// Rejects specs that could never be served, so a typo fails the test that armed it rather
    /// than the request it meant to break.
    pub fn validate(&self) -> Result<(), String> {
        if self.times == 0 {
            return Err("times must be at least 1".to_owned());
        }
        if let Some(status) = self.status {
            StatusCode::from_u16(status).map_err(|_| format!("invalid status {status}"))?;
        }
        if let Some(method) = &self.method {
            Method::from_bytes(method.as_bytes())
                .map_err(|_| format!("invalid method {method:?}"))?;
        }
        for (name, value) in &self.headers {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name {name:?}"))?;
            HeaderValue::from_str(value)
                .map_err(|_| format!("invalid value for header {name:?}"))?;
        }
        if let Some(content_type) = &self.content_type {
            HeaderValue::from_str(content_type)
                .map_err(|_| format!("invalid content_type {content_type:?}"))?;
        }
        Ok(())
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && glob_matches(&self.path, path)
    }
}

/// Armed faults, oldest first.
#[derive(Debug, Default)]
pub struct FaultBook {
    armed: Vec<(u64, FaultSpec)>,
    next_id: u64,
}

impl FaultBook {
    /// Arms a fault and returns its id.
    pub fn arm(&mut self, spec: FaultSpec) -> u64 {
        self.next_id += 1;
        self.armed.push((self.next_id, spec));
        self.next_id
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// Uses up one of the oldest matching fault's `times`, removing it when none remain.
    fn take(&mut self, method: &Method, path: &str) -> Option<FaultSpec> {
        let index = self
            .armed
            .iter()
            .position(|(_, f)| f.matches(method, path))?;
        let fault = &mut self.armed[index].1;
        fault.times -= 1;
        let used = fault.clone();
        if fault.times == 0 {
            self.armed.remove(index);
        }
        Some(used)
    }
}

/// `*` matches any run of characters (including `/`); everything else matches itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Middleware for the whole app: applies the oldest matching fault to `/api` requests other
/// than CORS preflights.
pub async fn apply(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS || !crate::is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    let fault = app
        .world()
        .faults
        .take(request.method(), request.uri().path());
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    match fault.action {
        Action::Respond => match fault.status {
            Some(status) => canned(&fault, status),
            None => next.run(request).await,
        },
        Action::Truncate => truncate(next.run(request).await).await,
        Action::Chunked => {
            let response = match fault.status {
                Some(status) => canned(&fault, status),
                None => next.run(request).await,
            };
            let (mut parts, body) = response.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from_stream(body.into_data_stream()))
        }
        Action::InvalidJson => (
            [(header::CONTENT_TYPE, "application/json")],
            "<html>not json",
        )
            .into_response(),
        Action::Drop => {
            if let Some(kill) = request.extensions().get::<ConnectionKill>() {
                kill.kill();
            }
            // The connection task drops this future together with the connection.
            future::pending().await
        }
    }
}

fn canned(fault: &FaultSpec, status: u16) -> Response {
    let mut response = Response::new(Body::from(fault.body.clone()));
    // Both were checked by `FaultSpec::validate` when the fault was armed.
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = fault.content_type.as_deref().unwrap_or("application/json");
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    for (name, value) in &fault.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

/// Keeps the status and headers but only half the body; hyper then sends a Content-Length that
/// matches the shortened body, so the HTTP is valid and only the JSON is broken.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn star_spans_slashes_and_literals_must_match() {
        assert!(glob_matches(
            "/api/v1/instances/*",
            "/api/v1/instances/1/client/qr"
        ));
        assert!(glob_matches("/api/v1/instances", "/api/v1/instances"));
        assert!(!glob_matches("/api/v1/instances", "/api/v1/instances/1"));
        assert!(glob_matches("*", "/anything"));
        assert!(glob_matches("/api/*/qr", "/api/v1/instances/2/client/qr"));
        assert!(!glob_matches("/api/*/qr", "/api/v1/instances/2/client/me"));
        assert!(glob_matches("/api/v1/instances/*", "/api/v1/instances/"));
        assert!(!glob_matches("/a*a", "/a"));
        assert!(glob_matches("*/me*", "/api/v1/instances/1/client/me"));
    }
}
