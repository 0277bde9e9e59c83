//! The edge's answers, in WaAPI's own shapes (so the waapi-wasm package reads them unchanged),
//! and the honest status for each upstream failure. No I/O.

use waapi_wasm::json::write_str;
use waapi_wasm::models::{to_json_string, ToJson};
use waapi_wasm::{ClientStatus, Error, Instance, Me, Permission, QrCode};

use crate::routes::Reject;

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

pub fn unauthenticated() -> Reply {
    Reply::json(401, "{\"message\":\"Unauthenticated.\"}".into())
        .with_header("WWW-Authenticate", "Bearer")
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
    }
}

/// What the caller sees when WaAPI (or the way to it) failed. The edge's own token being
/// refused is the operator's problem, not the caller's: 502, not 401/403.
pub fn upstream_error(e: &Error) -> Reply {
    match e {
        Error::Unauthorized { .. } => Reply::error(
            502,
            "WaAPI refused the edge's token (HTTP 401); the operator must check WAAPI_TOKEN.",
        ),
        Error::Forbidden { permission, .. } => Reply::error(
            502,
            &format!(
                "The edge's WaAPI token lacks the {} permission (HTTP 403); the operator must grant it.",
                permission.as_str()
            ),
        ),
        Error::NotFound { message } => Reply::error(404, message),
        Error::NotReady { message } => Reply::error(409, message),
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
            Reply::json(422, body)
        }
        Error::RateLimited {
            retry_after,
            message,
        } => {
            let reply = Reply::error(429, message);
            match retry_after {
                Some(s) => reply.with_header("Retry-After", s.to_string()),
                None => reply,
            }
        }
        Error::Api { message, .. } => Reply::error(400, message),
        Error::Timeout { message } => Reply::error(504, message),
        Error::Server { message, .. } | Error::Network { message } | Error::Decode { message, .. } => {
            Reply::error(502, message)
        }
        // Inputs are checked before the call, so this is the edge's own settings.
        Error::InvalidInput { message } => Reply::error(
            500,
            &format!("The edge is misconfigured: {message}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waapi_wasm::json::Json;
    use waapi_wasm::{InstanceStatus, WebhookEvent};

    fn body(r: &Reply) -> Json<'_> {
        Json::parse(r.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn waapi_shapes() {
        let i = Instance {
            id: 1,
            name: Some("S".into()),
            owner: "o@example.com".into(),
            webhook_url: None,
            webhook_events: vec![WebhookEvent::Message],
            is_trial: false,
        };
        assert_eq!(
            instances(std::slice::from_ref(&i)).body.unwrap(),
            r#"{"instances":[{"id":1,"name":"S","owner":"o@example.com","webhook_url":null,"webhook_events":["message"],"is_trial":false}],"status":"success"}"#
        );
        assert_eq!(instance(201, &i).status, 201);
        let s = ClientStatus {
            instanceId: 1,
            name: None,
            instanceStatus: InstanceStatus::Qr,
            instanceWebhook: None,
            instanceEvents: vec![],
        };
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
            &Me {
                displayName: "D \"x\"".into(),
                contactId: "1@c.us".into(),
                formattedNumber: "+1".into(),
                profilePicUrl: None,
            },
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
                400,
            ),
            (
                Error::Server {
                    status: 500,
                    message: "m".into(),
                },
                502,
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
        ];
        for (e, status) in cases {
            let r = upstream_error(&e);
            assert_eq!(r.status, status, "{e:?}");
            assert_eq!(body(&r).get("status").and_then(Json::as_str), Some("error"));
        }
        let limited = upstream_error(&Error::RateLimited {
            retry_after: Some(5),
            message: "m".into(),
        });
        assert_eq!(limited.headers, vec![("Retry-After", "5".to_owned())]);
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
}
