//! The edge's answers, in WaAPI's own shapes (so the waapi-wasm package reads them unchanged),
//! and the honest status for each upstream failure. No I/O.

use waapi_wasm::json::{write_str, Json};
use waapi_wasm::models::{to_json_string, ToJson};
use waapi_wasm::{ClientStatus, Error, Instance, Me, Permission, QrCode};

use crate::config::Permissions;
use crate::routes::Reject;

/// Marks an answer whose status and words are WaAPI's, passed on by the edge. An answer without
/// it is the edge's own: a refused key, a bad route or input, or WaAPI unreachable or too slow.
pub const UPSTREAM_STATUS: &str = "X-Edge-Upstream-Status";

/// An answer before it becomes a `Response`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// JSON text; `None` for 204.
    pub body: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// `{"status":"error","message":…}`, as WaAPI words its errors.
    pub fn error(status: u16, message: &str) -> Reply {
        let mut body = String::from("{\"status\":\"error\",\"message\":");
        write_str(&mut body, message);
        body.push('}');
        Reply::json(status, body)
    }
}

/// A model's JSON object with `"status":"success",` put first, as WaAPI nests its payloads.
fn with_success<T: ToJson>(model: &T) -> String {
    let object = to_json_string(model);
    // Every model writes an object, so the text starts with '{'.
    format!("{{\"status\":\"success\",{}", &object[1..])
}

fn links(self_url: &str) -> String {
    let mut out = String::from("\"links\":{\"self\":");
    write_str(&mut out, self_url);
    out.push('}');
    out
}

pub fn instances(list: &[Instance]) -> Reply {
    Reply::json(
        200,
        format!(
            "{{\"instances\":{},\"status\":\"success\"}}",
            to_json_string(list)
        ),
    )
}

/// Whether WaAPI's own text of a list (already decoded and found sound) can go out as it came,
/// instead of [`instances`]' rewrite: only when the checks the edge makes on its answers read
/// the same on either text. That holds when the text has no escape but `\/` (so each string
/// reads as its bytes, and the webhook secret, if URL-safe, is found by a plain search), and
/// neither the secret nor the token is in it: those still take the rewrite, where the secret is
/// hidden. A byte search, far cheaper than writing the list again.
pub fn passes_as_sent(text: &str, token: &str, secret: Option<&str>) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(n) = bytes[at..].iter().position(|&b| b == b'\\') {
        if bytes.get(at + n + 1) != Some(&b'/') {
            return false;
        }
        at += n + 2;
    }
    let url_safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
    };
    (token.is_empty() || !text.contains(token))
        && secret.is_none_or(|s| !s.is_empty() && url_safe(s) && !text.contains(s))
}

pub fn instance(status: u16, i: &Instance) -> Reply {
    Reply::json(
        status,
        format!(
            "{{\"instance\":{},\"status\":\"success\"}}",
            to_json_string(i)
        ),
    )
}

/// `key` is `data` (update) or `clientStatus` (status).
pub fn client_status(key: &str, s: &ClientStatus, self_url: &str) -> Reply {
    Reply::json(
        200,
        format!(
            "{{\"{key}\":{},{},\"status\":\"success\"}}",
            with_success(s),
            links(self_url)
        ),
    )
}

pub fn qr_code(id: u64, qr: &QrCode, self_url: &str) -> Reply {
    let mut data = String::from("{\"qr_code\":");
    write_str(&mut data, qr.data_url());
    data.push('}');
    Reply::json(
        200,
        format!(
            "{{\"qrCode\":{{\"status\":\"success\",\"instanceId\":\"{id}\",\"data\":{data}}},{},\"status\":\"success\"}}",
            links(self_url)
        ),
    )
}

pub fn me(id: u64, me: &Me, self_url: &str) -> Reply {
    Reply::json(
        200,
        format!(
            "{{\"me\":{{\"status\":\"success\",\"instanceId\":\"{id}\",\"data\":{}}},{},\"status\":\"success\"}}",
            to_json_string(me),
            links(self_url)
        ),
    )
}

/// The edge's own 401, recognisable as such: the realm names the edge and the message says
/// that the edge (not WaAPI) refused the key. (WaAPI's 401 says only "Unauthenticated.")
pub fn unauthenticated() -> Reply {
    Reply::error(401, "Unauthenticated: the edge did not accept this key.")
        .with_header("WWW-Authenticate", "Bearer realm=\"waapi-edge\"")
}

/// `GET /edge/v1/key`: what the caller's key may do, e.g. `{"permissions":["read"]}`.
pub fn key_permissions(permissions: Permissions) -> Reply {
    let mut body = String::from("{\"permissions\":[");
    for (n, name) in permissions.names().enumerate() {
        if n > 0 {
            body.push(',');
        }
        write_str(&mut body, name);
    }
    body.push_str("]}");
    Reply::json(200, body)
}

/// WaAPI's own body for an error it reported in band (HTTP 2xx with `status: "error"`),
/// passed on with its status, so a caller sees what it would have seen from WaAPI. The body is
/// rewritten in canonical JSON first, so the token can appear in one spelling only, and that is
/// redacted. `None` when the text is not JSON (the caller then answers in the edge's words).
pub fn in_band_error(status: u16, text: &str, token: &str) -> Option<Reply> {
    passed_on(status, text, token, None).map(|r| r.with_header(UPSTREAM_STATUS, status.to_string()))
}

/// WaAPI's answer to a client action, passed on with its status and body (an action's payload
/// has as many shapes as there are actions), canonical and with the token redacted as in
/// [`in_band_error`]. `links.self`, when there, becomes `self_url` (the edge's URL), as in the
/// edge's other answers. `None` when the text is not JSON.
pub fn passed_on(status: u16, text: &str, token: &str, self_url: Option<&str>) -> Option<Reply> {
    let mut json = Json::parse(text).ok()?;
    if let (Json::Object(members), Some(url)) = (&mut json, self_url) {
        for (key, value) in members.iter_mut() {
            if let (true, Json::Object(links)) = (key == "links", value) {
                for (key, value) in links.iter_mut() {
                    if key == "self" {
                        *value = Json::String(url.to_owned().into());
                    }
                }
            }
        }
    }
    let mut body = String::with_capacity(text.len());
    json.write(&mut body);
    if !token.is_empty() {
        let mut quoted = String::new();
        write_str(&mut quoted, token);
        body = body.replace(&quoted[1..quoted.len() - 1], "[redacted]");
    }
    Some(Reply::json(status, body))
}

/// The edge's settings are wrong: a fixed sentence, whatever is wrong (the log has the detail).
pub fn misconfigured() -> Reply {
    Reply::error(500, "The edge is misconfigured.")
}

/// What a key without `read` gets for a write that succeeded: nothing about the instance.
pub fn acknowledged() -> Reply {
    Reply::json(200, "{\"status\":\"success\"}".into())
}

/// A created instance for a key without `read`: its id, which the caller needs, and no more.
pub fn created_id(id: u64) -> Reply {
    Reply::json(
        201,
        format!("{{\"instance\":{{\"id\":{id}}},\"status\":\"success\"}}"),
    )
}

pub fn forbidden(permission: Permission) -> Reply {
    Reply::error(
        403,
        &format!("This key lacks the {} permission.", permission.as_str()),
    )
}

pub fn reject(r: &Reject) -> Reply {
    match r {
        Reject::NoSuchRoute => Reply::error(404, "No such route."),
        Reject::Method(allow) => {
            Reply::error(405, "Method not allowed on this route.").with_header("Allow", *allow)
        }
        Reject::BadInput(message) => Reply::error(400, message),
        Reject::UnknownAction(Some(name)) => Reply::error(
            404,
            &format!("No such action: \"{name}\" is not a WaAPI client action."),
        ),
        Reject::UnknownAction(None) => Reply::error(404, "No such action."),
    }
}

/// What the caller sees when WaAPI (or the way to it) failed. What WaAPI answered (its status
/// and its words) is passed on, marked with [`UPSTREAM_STATUS`]; the edge's own token being
/// refused is the operator's problem, not the caller's: 502, not 401/403 (still marked, since
/// WaAPI said it). A timeout (504) or an unreachable WaAPI (502) is the edge's own answer.
pub fn upstream_error(e: &Error) -> Reply {
    let upstream =
        |reply: Reply, status: u16| reply.with_header(UPSTREAM_STATUS, status.to_string());
    match e {
        Error::Unauthorized { .. } => upstream(
            Reply::error(
                502,
                "WaAPI refused the edge's token (HTTP 401); the operator must check WAAPI_TOKEN.",
            ),
            401,
        ),
        Error::Forbidden { permission, .. } => upstream(
            Reply::error(
                502,
                &format!(
                    "The edge's WaAPI token lacks the {} permission (HTTP 403); the operator must grant it.",
                    permission.as_str()
                ),
            ),
            403,
        ),
        Error::NotFound { message } => upstream(Reply::error(404, message), 404),
        Error::NotReady { message } => upstream(Reply::error(409, message), 409),
        Error::Validation { message, errors } => {
            let mut body = String::from("{\"status\":\"error\",\"message\":");
            write_str(&mut body, message);
            body.push_str(",\"errors\":{");
            for (n, (field, texts)) in errors.iter().enumerate() {
                if n > 0 {
                    body.push(',');
                }
                write_str(&mut body, field);
                body.push_str(":[");
                for (m, t) in texts.iter().enumerate() {
                    if m > 0 {
                        body.push(',');
                    }
                    write_str(&mut body, t);
                }
                body.push(']');
            }
            body.push_str("}}");
            upstream(Reply::json(422, body), 422)
        }
        Error::RateLimited {
            retry_after,
            message,
        } => {
            let reply = upstream(Reply::error(429, message), 429);
            match retry_after {
                Some(s) => reply.with_header("Retry-After", s.to_string()),
                None => reply,
            }
        }
        // An in-band error whose body could not be passed on keeps WaAPI's status too.
        Error::Api { status, message } | Error::Server { status, message } => {
            upstream(Reply::error(*status, message), *status)
        }
        Error::Decode { status, message } => upstream(Reply::error(502, message), *status),
        Error::ResponseTooLarge { status, .. } => upstream(
            Reply::error(
                502,
                "The WaAPI answer was too large: it is over the edge's limit (MAX_UPSTREAM_BYTES).",
            ),
            *status,
        ),
        // Never followed: WaAPI's API does not redirect, and a PUT's body must not go elsewhere.
        Error::Redirect { status, .. } => upstream(
            Reply::error(
                502,
                "WaAPI answered with a redirect, which the edge does not follow.",
            ),
            *status,
        ),
        Error::Timeout { message } => Reply::error(504, message),
        // Only a JavaScript caller's AbortSignal aborts a call; the edge passes none.
        Error::Aborted { message } => Reply::error(503, message),
        Error::Network { message } => Reply::error(502, message),
        // Inputs are checked before the call, so this is the edge's own settings: the caller
        // learns nothing of them (the edge logs the detail).
        Error::InvalidInput { .. } => misconfigured(),
        // A kind a newer crate adds (`Error` is non-exhaustive): the edge's own 502.
        e => Reply::error(502, e.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waapi_wasm::action::FromJson;
    use waapi_wasm::json::Json;
    use waapi_wasm::InstanceStatus;

    fn model<T: FromJson>(text: &str) -> T {
        T::from_json(&Json::parse(text).unwrap()).unwrap()
    }

    fn body(r: &Reply) -> Json<'_> {
        Json::parse(r.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn waapi_shapes() {
        // Models are non-exhaustive: built as the client reads them.
        let i = model::<Instance>(
            r#"{"id":1,"name":"S","owner":"o@example.com","webhook_events":["message"]}"#,
        );
        assert_eq!(
            instances(std::slice::from_ref(&i)).body.unwrap(),
            r#"{"instances":[{"id":1,"name":"S","owner":"o@example.com","webhook_url":null,"webhook_events":["message"],"is_trial":false}],"status":"success"}"#
        );
        assert_eq!(instance(201, &i).status, 201);
        let s = model::<ClientStatus>(r#"{"instanceId":1,"instanceStatus":"qr"}"#);
        assert_eq!(s.instanceStatus, InstanceStatus::Qr);
        assert_eq!(
            client_status(
                "clientStatus",
                &s,
                "https://e.example/api/v1/instances/1/client/status"
            )
            .body
            .unwrap(),
            r#"{"clientStatus":{"status":"success","instanceId":1,"name":null,"instanceStatus":"qr","instanceWebhook":null,"instanceEvents":[]},"links":{"self":"https://e.example/api/v1/instances/1/client/status"},"status":"success"}"#
        );
        let me_reply = me(
            2,
            &model::<Me>(
                r#"{"displayName":"D \"x\"","contactId":"1@c.us","formattedNumber":"+1"}"#,
            ),
            "u",
        );
        let v = body(&me_reply);
        assert_eq!(
            v.get("me")
                .and_then(|m| m.get("data"))
                .and_then(|d| d.get("displayName"))
                .and_then(Json::as_str),
            Some("D \"x\"")
        );
    }

    #[test]
    fn upstream_failures_map_to_honest_statuses() {
        let cases: Vec<(Error, u16)> = vec![
            (
                Error::Unauthorized {
                    message: "m".into(),
                },
                502,
            ),
            (
                Error::Forbidden {
                    permission: Permission::Delete,
                    message: "m".into(),
                },
                502,
            ),
            (
                Error::NotFound {
                    message: "Instance 9 was not found.".into(),
                },
                404,
            ),
            (
                Error::Validation {
                    message: "m".into(),
                    errors: vec![("a".into(), vec!["b".into()])],
                },
                422,
            ),
            (
                Error::RateLimited {
                    retry_after: Some(5),
                    message: "m".into(),
                },
                429,
            ),
            (
                Error::Api {
                    status: 200,
                    message: "m".into(),
                },
                200,
            ),
            (
                Error::Api {
                    status: 409,
                    message: "m".into(),
                },
                409,
            ),
            (
                Error::Server {
                    status: 503,
                    message: "m".into(),
                },
                503,
            ),
            (
                Error::Timeout {
                    message: "m".into(),
                },
                504,
            ),
            (
                Error::Network {
                    message: "m".into(),
                },
                502,
            ),
            (
                Error::Decode {
                    status: 200,
                    message: "m".into(),
                },
                502,
            ),
            (
                Error::InvalidInput {
                    message: "m".into(),
                },
                500,
            ),
            (
                Error::ResponseTooLarge {
                    status: 200,
                    message: "m".into(),
                },
                502,
            ),
            (
                Error::Redirect {
                    status: 302,
                    message: "to https://evil.example".into(),
                },
                502,
            ),
        ];
        for (e, status) in cases {
            let r = upstream_error(&e);
            assert_eq!(r.status, status, "{e:?}");
            if status == 500 || matches!(e, Error::Redirect { .. }) {
                assert!(
                    !r.body.as_deref().unwrap().contains("\"message\":\"m")
                        && !r.body.as_deref().unwrap().contains("evil")
                );
            }
            assert_eq!(body(&r).get("status").and_then(Json::as_str), Some("error"));
        }
        let limited = upstream_error(&Error::RateLimited {
            retry_after: Some(5),
            message: "m".into(),
        });
        assert_eq!(
            limited.headers,
            vec![
                (UPSTREAM_STATUS, "429".to_owned()),
                ("Retry-After", "5".to_owned())
            ]
        );
        let header = |r: &Reply| {
            r.headers
                .iter()
                .find(|(n, _)| *n == UPSTREAM_STATUS)
                .map(|(_, v)| v.clone())
        };
        let unavailable = upstream_error(&Error::Server {
            status: 503,
            message: "m".into(),
        });
        assert_eq!(header(&unavailable).as_deref(), Some("503"));
        let slow = upstream_error(&Error::Timeout {
            message: "m".into(),
        });
        assert_eq!(header(&slow), None, "a timeout is the edge's own answer");
        let v = upstream_error(&Error::Validation {
            message: "m".into(),
            errors: vec![("webhook.url".into(), vec!["bad".into()])],
        });
        assert_eq!(
            v.body.unwrap(),
            r#"{"status":"error","message":"m","errors":{"webhook.url":["bad"]}}"#
        );
        let forbidden = upstream_error(&Error::Forbidden {
            permission: Permission::Delete,
            message: "m".into(),
        });
        assert!(forbidden
            .body
            .unwrap()
            .contains("lacks the delete permission"));
    }

    #[test]
    fn in_band_errors_pass_on_with_the_token_redacted() {
        let text = r#"{"qrCode":{"status":"error","message":"not in QR mode \u0074ok-1"},"status":"success"}"#;
        let r = in_band_error(200, text, "tok-1").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"qrCode":{"status":"error","message":"not in QR mode [redacted]"},"status":"success"}"#
            )
        );
        assert_eq!(r.headers, vec![(UPSTREAM_STATUS, "200".to_owned())]);
        assert!(in_band_error(200, "<html>", "t").is_none());
        let sent = passed_on(
            201,
            r#"{ "data": {"id": "tok-1"}, "links": {"self": "https://waapi.app/x", "n": 1} }"#,
            "tok-1",
            Some("https://edge.example/x"),
        )
        .unwrap();
        assert_eq!(
            sent.body.as_deref(),
            Some(r#"{"data":{"id":"[redacted]"},"links":{"self":"https://edge.example/x","n":1}}"#)
        );
        assert_eq!((sent.status, sent.headers.len()), (201, 0));
    }

    #[test]
    fn a_list_goes_out_as_sent_only_when_the_checks_read_the_same() {
        let text = r#"{"instances":[{"id":1,"webhook_url":"https:\/\/e.example\/hook"}],"status":"success"}"#;
        let secret = Some("s3cret-0123456789");
        assert!(passes_as_sent(text, "tok-1", secret));
        assert!(passes_as_sent(text, "", None));
        let with = |s: &str| text.replace("hook", s);
        assert!(
            !passes_as_sent(&with("s3cret-0123456789"), "tok-1", secret),
            "the secret is hidden by the rewrite"
        );
        assert!(!passes_as_sent(&with("tok-1"), "tok-1", secret));
        assert!(
            !passes_as_sent(&with(r"\u0073"), "tok-1", secret),
            "an escape may spell either"
        );
        assert!(!passes_as_sent(&with(r"\\/"), "tok-1", secret));
        assert!(!passes_as_sent(&format!("{text}\\"), "tok-1", secret));
        assert!(!passes_as_sent(
            text,
            "tok-1",
            Some("a secret, not URL-safe")
        ));
    }

    #[test]
    fn the_edge_says_what_a_key_may_do() {
        let p = Permissions::parse("read,delete").unwrap();
        assert_eq!(
            key_permissions(p).body.as_deref(),
            Some(r#"{"permissions":["read","delete"]}"#)
        );
        let refused = unauthenticated();
        assert_eq!(refused.status, 401);
        assert!(refused
            .body
            .unwrap()
            .contains("the edge did not accept this key"));
    }
}
