//! WaAPI's envelopes, read tolerantly (CONTRACT.md §1, §3): where each answer's payload sits,
//! and the errors the API reports with HTTP 200 or in an error status. No I/O.

use alloc::borrow::Cow;

use crate::error::Error;
use crate::json::Json;
use crate::models::{decode, ClientStatus, Instance, Me, QrCode};
use crate::prelude::*;
use crate::request::{Answer, Request};
use crate::text::cat;

/// A 2xx answer as received, before parsing.
pub struct Body {
    /// The operation in words, for messages.
    pub action: Cow<'static, str>,
    pub status: u16,
    pub text: String,
}

impl Body {
    /// The parsed answer, borrowing from this body.
    pub fn reply(&self) -> Result<Reply<'_>, Error> {
        Reply::parse(&self.action, self.status, &self.text)
    }
}

/// A 2xx answer, parsed.
pub struct Reply<'a> {
    /// The operation in words, for messages.
    pub action: &'a str,
    pub status: u16,
    pub json: Json<'a>,
}

impl<'a> Reply<'a> {
    /// Parses a 2xx body; an empty body (204) is `null`.
    pub fn parse(action: &'a str, status: u16, body: &'a str) -> Result<Reply<'a>, Error> {
        let json = if body.trim().is_empty() {
            Json::Null
        } else {
            Json::parse(body).map_err(|e| Error::Decode {
                status,
                message: cat!("WaAPI's answer to ", action, " is not JSON (", e, ")."),
            })?
        };
        Ok(Reply {
            action,
            status,
            json,
        })
    }

    pub(crate) fn decode_error(&self, what: String) -> Error {
        Error::Decode {
            status: self.status,
            message: cat!(
                "WaAPI's answer to ",
                self.action,
                " is not what was expected: ",
                what,
                "."
            ),
        }
    }

    fn api_error(&self, at: &Json) -> Error {
        Error::Api {
            status: self.status,
            message: match api_message(at) {
                Some(m) => cat!("WaAPI could not ", self.action, ": ", m),
                None => cat!(
                    "WaAPI could not ",
                    self.action,
                    " (it answered with status \"error\")."
                ),
            },
        }
    }

    /// The top-level object, after checking its `status`.
    fn root(&self) -> Result<&Json<'a>, Error> {
        if !self.json.is_object() {
            return Err(self.decode_error("the body is not a JSON object".into()));
        }
        self.checked(&self.json)
    }

    /// `v` itself, unless its `status` says error.
    fn checked<'j>(&self, v: &'j Json<'a>) -> Result<&'j Json<'a>, Error> {
        match v.get("status").and_then(Json::as_str) {
            Some(s) if s.eq_ignore_ascii_case("error") => Err(self.api_error(v)),
            _ => Ok(v),
        }
    }

    /// The first of `keys` present (and not null) in the root, status-checked.
    fn wrapper(&self, keys: &[&str]) -> Result<&Json<'a>, Error> {
        let root = self.root()?;
        let found = keys
            .iter()
            .find_map(|k| root.get(k).filter(|v| !v.is_null()));
        match found {
            Some(v) => self.checked(v),
            None => Err(self.decode_error(cat!("no `", keys[0], "` in the body"))),
        }
    }

    fn typed<T>(&self, r: decode::Result<T>) -> Result<T, Error> {
        r.map_err(|what| self.decode_error(what))
    }

    /// `instances: […]`; a lone `instance` (or `data`) is taken as a list of one.
    pub fn instance_list(&self) -> Result<Vec<Instance>, Error> {
        let v = self.wrapper(&["instances", "instance", "data"])?;
        match v {
            Json::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    list.push(self.typed(decode::instance(item))?);
                }
                Ok(list)
            }
            one => self.typed(decode::instance(one)).map(|i| vec![i]),
        }
    }

    /// `instance: {…}` (what the service sends) or `instances: [one]` (what the spec says).
    pub fn instance(&self) -> Result<Instance, Error> {
        let v = self.wrapper(&["instance", "instances", "data"])?;
        match v {
            Json::Array(items) => match items.as_slice() {
                [one] => self.typed(decode::instance(one)),
                _ => Err(self.decode_error(cat!(items.len(), " instances where one was expected"))),
            },
            one => self.typed(decode::instance(one)),
        }
    }

    /// `clientStatus: {…}` (status) or `data: {…}` (update), each with its own `status`.
    pub fn client_status(&self) -> Result<ClientStatus, Error> {
        let v = self.wrapper(&["clientStatus", "data"])?;
        self.typed(decode::client_status(v))
    }

    /// `qrCode: {status, data: {qr_code}}`; the node's "not in QR mode" arrives as `qrCode.status: "error"`.
    pub fn qr_code(&self) -> Result<QrCode, Error> {
        let v = self.wrapper(&["qrCode", "data"])?;
        let inner = v.get("data").map(|d| self.checked(d)).transpose()?;
        let qr = inner
            .and_then(|d| d.get("qr_code"))
            .or_else(|| v.get("qr_code"))
            .ok_or_else(|| self.decode_error("no `qr_code` in the body".into()))?;
        self.typed(decode::qr_code(qr))
    }

    /// `me: {status, data: {…}}`, or under `qrCode` as the spec writes it.
    pub fn me(&self) -> Result<Me, Error> {
        let v = self.wrapper(&["me", "qrCode", "data"])?;
        let inner = match v.get("data") {
            Some(d) if d.is_object() => self.checked(d)?,
            _ => v,
        };
        self.typed(decode::me(inner))
    }

    /// A client action's payload: `data.data` when `data` is an inner envelope
    /// (`{status, instanceId, data?}`, what the live service sends), `data` otherwise (the
    /// spec's flat shapes), `null` when there is none. Every `status` on the way is checked.
    pub fn action_payload(&self) -> Result<&Json<'a>, Error> {
        static NULL: Json<'static> = Json::Null;
        let root = self.root()?;
        match root.get("data") {
            Some(inner) if is_inner_envelope(inner) => {
                Ok(self.checked(inner)?.get("data").unwrap_or(&NULL))
            }
            Some(payload) => Ok(payload),
            None => Ok(&NULL),
        }
    }

    /// A 204, or a body whose only news is its status.
    pub fn nothing(&self) -> Result<(), Error> {
        if self.json.is_null() {
            return Ok(());
        }
        self.root().map(|_| ())
    }
}

/// An object whose `status` says success or error: the node's answer nested in the proxy's.
fn is_inner_envelope(v: &Json) -> bool {
    v.is_object()
        && v.get("status")
            .and_then(Json::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("success") || s.eq_ignore_ascii_case("error"))
}

/// The API's own words at `v`: `message`, then `explanation` when there is one.
fn api_message(v: &Json) -> Option<String> {
    let message = v
        .get("message")
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let explanation = v
        .get("explanation")
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty());
    match (message, explanation) {
        (Some(m), Some(e)) => Some(cat!(m, " ", e)),
        (Some(m), None) => Some(m.to_owned()),
        (None, Some(e)) => Some(e.to_owned()),
        (None, None) => None,
    }
}

/// The error for a non-2xx answer. `retry_after` is in seconds.
pub fn http_error(request: &Request, status: u16, retry_after: Option<u64>, body: &str) -> Error {
    let json = Json::parse(body).ok();
    let said = json.as_ref().and_then(api_message);
    let action = &request.action;
    if let (409, Some(id)) = (status, request.instance) {
        let said = said.map(|m| cat!(" WaAPI said: ", m)).unwrap_or_default();
        return Error::NotReady {
            message: cat!(
                "Instance ",
                id,
                " is not ready: its WhatsApp client must be ready to ",
                action,
                " (HTTP 409).",
                said
            ),
        };
    }
    match status {
        401 => Error::Unauthorized {
            message: match said {
                Some(m) => cat!("WaAPI did not accept the API token (HTTP 401): ", m),
                None => "WaAPI did not accept the API token (HTTP 401).".into(),
            },
        },
        403 => Error::Forbidden {
            permission: request.permission,
            message: cat!(
                "This token lacks the ",
                request.permission.as_str(),
                " permission, which is needed to ",
                action,
                "."
            ),
        },
        404 => Error::NotFound {
            // An action's 404 may be about the instance or the action's name: WaAPI's words tell.
            message: match (request.answer, request.instance, &said) {
                (Answer::Payload, _, Some(m)) => {
                    cat!("WaAPI could not ", action, ": ", m, " (HTTP 404)")
                }
                (_, Some(id), _) => cat!("Instance ", id, " was not found."),
                (_, None, _) => cat!("WaAPI found nothing at ", request.path, " (HTTP 404)."),
            },
        },
        422 => {
            let errors = json.as_ref().map(field_errors).unwrap_or_default();
            let detail = match errors.first() {
                Some((field, texts)) => {
                    let mut detail = cat!(": ", field, ": ");
                    for (n, text) in texts.iter().enumerate() {
                        if n > 0 {
                            detail.push(' ');
                        }
                        detail.push_str(text);
                    }
                    detail
                }
                None => said.map(|m| cat!(": ", m)).unwrap_or_default(),
            };
            Error::Validation {
                message: cat!("WaAPI refused the data sent to ", action, detail),
                errors,
            }
        }
        429 => Error::RateLimited {
            retry_after,
            message: match retry_after {
                Some(s) => cat!("WaAPI is rate limiting requests; retry in ", s, " s."),
                None => "WaAPI is rate limiting requests; retry later.".into(),
            },
        },
        500..=599 => Error::Server {
            status,
            message: match said {
                Some(m) => {
                    cat!(
                        "WaAPI had a server error (HTTP ",
                        status,
                        ") and could not ",
                        action,
                        ": ",
                        m
                    )
                }
                None => cat!(
                    "WaAPI had a server error (HTTP ",
                    status,
                    ") and could not ",
                    action,
                    "."
                ),
            },
        },
        // A 4xx body's message is already a sentence ("Instance limit reached: …"), and a
        // gateway such as the edge handler passes on one this crate wrote: no prefix again.
        _ => Error::Api {
            status,
            message: said
                .unwrap_or_else(|| cat!("WaAPI could not ", action, " (HTTP ", status, ").")),
        },
    }
}

/// A 422's `errors: {field: [text, …]}`, in the order sent.
fn field_errors(v: &Json) -> Vec<(String, Vec<String>)> {
    let Some(Json::Object(fields)) = v.get("errors") else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(fields.len());
    for (field, texts) in fields {
        let texts = match texts {
            Json::String(s) => vec![s.to_string()],
            Json::Array(items) => {
                let mut strings = Vec::new();
                for text in items.iter().filter_map(Json::as_str) {
                    strings.push(text.to_owned());
                }
                strings
            }
            _ => Vec::new(),
        };
        out.push((field.to_string(), texts));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{InstanceStatus, WebhookEvent};
    use crate::request::InstanceUpdate;

    const SUPPORT: &str = r#"{"id":1,"name":"Support","owner":"a@example.com","webhook_url":"https://h.example/w","webhook_events":["message","ready"],"is_trial":0,"unknown":{"x":[1]}}"#;

    fn reply<'a>(req: &'a Request, body: &'a str) -> Reply<'a> {
        Reply::parse(&req.action, 200, body).unwrap()
    }

    fn kind(e: Error) -> &'static str {
        e.kind().as_str()
    }

    #[test]
    fn instance_lists() {
        let req = Request::list_instances(None);
        let list = reply(&req, &format!(r#"{{"instances":[{SUPPORT},{{"id":"2","owner":"b@example.com","webhook_url":null,"webhook_events":null,"is_trial":true,"name":null}}],"status":"success"}}"#))
            .instance_list()
            .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].name.as_deref(), Some("Support"));
        assert_eq!(
            list[0].webhook_events,
            vec![WebhookEvent::Message, WebhookEvent::Ready]
        );
        assert!(!list[0].is_trial);
        assert_eq!(
            (list[1].id, list[1].is_trial, list[1].webhook_url.as_deref()),
            (2, true, None)
        );
        assert!(list[1].webhook_events.is_empty());
        assert!(reply(&req, r#"{"instances":[],"status":"success"}"#)
            .instance_list()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn retrieve_accepts_instance_or_a_list_of_one() {
        let req = Request::get_instance(1).unwrap();
        let live = reply(
            &req,
            &format!(r#"{{"instance":{SUPPORT},"status":"success"}}"#),
        )
        .instance()
        .unwrap();
        let spec = reply(
            &req,
            &format!(r#"{{"instances":[{SUPPORT}],"status":"success"}}"#),
        )
        .instance()
        .unwrap();
        assert_eq!(live, spec);
        assert_eq!(
            kind(
                reply(&req, r#"{"instances":[],"status":"success"}"#)
                    .instance()
                    .unwrap_err()
            ),
            "decode"
        );
    }

    #[test]
    fn tolerant_field_types() {
        let req = Request::get_instance(1).unwrap();
        let get = |body: &str| reply(&req, &format!(r#"{{"instance":{body}}}"#)).instance();
        for (trial, want) in [
            ("true", true),
            ("false", false),
            ("1", true),
            ("0", false),
            ("\"1\"", true),
        ] {
            let i = get(&format!(r#"{{"id":1,"owner":"o","is_trial":{trial}}}"#)).unwrap();
            assert_eq!(i.is_trial, want, "{trial}");
        }
        let i =
            get(r#"{"id":1,"owner":"o","webhook_events":["message","brand_new_event"]}"#).unwrap();
        assert_eq!(
            i.webhook_events[1],
            WebhookEvent::Other("brand_new_event".into())
        );
        for bad in [
            r#"{"owner":"o"}"#,
            r#"{"id":0,"owner":"o"}"#,
            r#"{"id":-1,"owner":"o"}"#,
            r#"{"id":1.5,"owner":"o"}"#,
            r#"{"id":"x","owner":"o"}"#,
            r#"{"id":1}"#,
            r#"{"id":1,"owner":"o","is_trial":2}"#,
            r#"{"id":1,"owner":"o","webhook_events":"message"}"#,
            r#"{"id":1,"owner":5}"#,
            r#"[1]"#,
        ] {
            assert_eq!(kind(get(bad).unwrap_err()), "decode", "{bad}");
        }
    }

    #[test]
    fn client_status_live_and_spec_shapes() {
        let req = Request::client_status(1).unwrap();
        let live = reply(&req, r#"{"clientStatus":{"status":"success","instanceId":1,"name":"S","data":null,"instanceStatus":"qr","instanceWebhook":null,"instanceEvents":["message"]},"links":{"self":"x"},"status":"success"}"#).client_status().unwrap();
        let spec = reply(&req, r#"{"clientStatus":{"status":"success","instanceId":"1","name":"S","data":null,"instanceStatus":"qr","instanceWebhook":null,"instanceEvents":[["message"]]},"links":{"self":"x"},"status":"success"}"#).client_status().unwrap();
        assert_eq!(live, spec);
        assert_eq!(live.instanceStatus, InstanceStatus::Qr);
        let odd = reply(
            &req,
            r#"{"clientStatus":{"instanceId":1,"instanceStatus":"hibernating"}}"#,
        )
        .client_status()
        .unwrap();
        assert_eq!(
            odd.instanceStatus,
            InstanceStatus::Other("hibernating".into())
        );
        let err = reply(
            &req,
            r#"{"clientStatus":{"status":"error","message":"node down"},"status":"success"}"#,
        )
        .client_status()
        .unwrap_err();
        assert_eq!((kind(err.clone()), err.status()), ("api", Some(200)));
        assert!(err.message().contains("node down"));
    }

    #[test]
    fn update_answers_a_nested_client_status() {
        let req = Request::update_instance(1, &InstanceUpdate::new().name("n")).unwrap();
        let s = reply(&req, r#"{"data":{"status":"success","instanceId":1,"name":"n","data":null,"instanceStatus":"ready","instanceWebhook":"https://h.example/w","instanceEvents":["message"]},"links":{"self":"u"},"status":"success"}"#).client_status().unwrap();
        assert_eq!(
            (s.name.as_deref(), s.instanceWebhook.as_deref()),
            (Some("n"), Some("https://h.example/w"))
        );
        let err = reply(
            &req,
            r#"{"data":{"status":"error","message":"could not save"},"status":"success"}"#,
        )
        .client_status()
        .unwrap_err();
        assert_eq!(kind(err), "api");
    }

    #[test]
    fn qr_codes_and_the_not_in_qr_mode_error() {
        let req = Request::qr_code(2).unwrap();
        let qr = reply(&req, r#"{"qrCode":{"status":"success","instanceId":"2","data":{"qr_code":"data:image/png;base64,iVBORw0KGgo="}},"links":{"self":"q"},"status":"success"}"#).qr_code().unwrap();
        assert_eq!(qr.png_base64(), "iVBORw0KGgo=");
        let err = reply(&req, r#"{"status":"success","qrCode":{"status":"error","message":"instance not in QR mode","instanceId":"1"}}"#).qr_code().unwrap_err();
        assert_eq!((err.kind().as_str(), err.status()), ("api", Some(200)));
        assert!(err.message().contains("instance not in QR mode"), "{err}");
        let bad = reply(
            &req,
            r#"{"qrCode":{"status":"success","data":{"qr_code":"https://x/y.png"}}}"#,
        )
        .qr_code()
        .unwrap_err();
        assert_eq!(kind(bad), "decode");
    }

    #[test]
    fn qr_codes_are_base64_to_their_end() {
        let req = Request::qr_code(2).unwrap();
        let qr = |value: &str| {
            let body =
                format!(r#"{{"qrCode":{{"status":"success","data":{{"qr_code":{value:?}}}}}}}"#);
            reply(&req, &body)
                .qr_code()
                .map(|q| q.png_base64().to_owned())
        };
        for good in [
            "iVBORw0KGgo=",
            "iVBORw0KGgoA",
            "iVBORw0KGg==",
            "ab+/",
            "abcdef",
        ] {
            assert_eq!(qr(&format!("data:image/png;base64,{good}")).unwrap(), good);
        }
        for bad in [
            "",
            "=",
            "iVBORw0KGgo=\"><script>alert(1)</script>",
            "iVBOR\" onerror=\"alert(1)",
            "iVBORw0KGgo=#x",
            "iVBORw0K Ggo=",
            "iVBORw0KGgo=A",
            "iVBORw0KGg===",
            "iVBORw0KG=",
            "iVBORw0KGgoA=",
            "abcde",
            "iVBORw0KGgo=\n",
            "iVBOR%3Cw0",
            "iVBORw0-_KGgo",
        ] {
            let e = qr(&format!("data:image/png;base64,{bad}")).unwrap_err();
            assert_eq!(
                (kind(e.clone()), e.status()),
                ("decode", Some(200)),
                "{bad}"
            );
        }
    }

    #[test]
    fn profile_pictures_are_https_urls_or_none() {
        let req = Request::me(1).unwrap();
        let pic = |url: &str| {
            let body = format!(
                r#"{{"me":{{"status":"success","data":{{"displayName":"D","contactId":"49@c.us","formattedNumber":"+49","profilePicUrl":{url:?}}}}}}}"#
            );
            reply(&req, &body).me().unwrap().profilePicUrl
        };
        for kept in [
            "https://pps.whatsapp.net/v/t61.24694-24/1.jpg?oh=a&oe=b",
            "HTTPS://pps.whatsapp.net/x",
        ] {
            assert_eq!(pic(kept).as_deref(), Some(kept));
        }
        for dropped in [
            "javascript:alert(10)",
            "JavaScript:alert(1)//https://",
            "http://169.254.169.254/latest/meta-data/",
            "http://pps.whatsapp.net/x.jpg",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "//pps.whatsapp.net/x.jpg",
            "https:pps.whatsapp.net/x.jpg",
            "https://",
            "https://user:pw@pps.whatsapp.net/",
            "https://pps.whatsapp.net/a b",
            "",
        ] {
            assert_eq!(pic(dropped), None, "{dropped}");
        }
    }

    #[test]
    fn me_under_me_or_qr_code() {
        let req = Request::me(1).unwrap();
        let data = r#"{"displayName":"D","contactId":"49@c.us","formattedNumber":"+49","profilePicUrl":null}"#;
        let live = reply(&req, &format!(r#"{{"me":{{"status":"success","instanceId":"1","data":{data}}},"status":"success"}}"#)).me().unwrap();
        let spec = reply(&req, &format!(r#"{{"qrCode":{{"status":"success","instanceId":"1","data":{data}}},"status":"success"}}"#)).me().unwrap();
        assert_eq!(live, spec);
        assert_eq!(live.profilePicUrl, None);
        let err = reply(
            &req,
            r#"{"me":{"status":"success","data":{"status":"error","message":"gone"}}}"#,
        )
        .me()
        .unwrap_err();
        assert_eq!(kind(err), "api");
    }

    #[test]
    fn http_200_errors_at_the_top_level_and_in_actions() {
        let req = Request::me(1).unwrap();
        let err = reply(
            &req,
            r#"{"status":"error","message":"Instance is not ready.","instanceId":"1"}"#,
        )
        .me()
        .unwrap_err();
        assert_eq!(
            err.message(),
            "WaAPI could not read an instance's account: Instance is not ready."
        );
        let nested = r#"{"status":"success","data":{"status":"error","message":"incorrect chatId format.","explanation":"\"bogus\" is missing a domain, expected <id>@c.us."}}"#;
        let err = reply(&req, nested).client_status().unwrap_err();
        assert!(
            err.message().ends_with(
                "incorrect chatId format. \"bogus\" is missing a domain, expected <id>@c.us."
            ),
            "{err}"
        );
        let bare = reply(&req, r#"{"status":"error"}"#).nothing().unwrap_err();
        assert_eq!(kind(bare), "api");
    }

    #[test]
    fn bodies_that_are_not_the_expected_json() {
        let req = Request::list_instances(None);
        for body in [
            "<html>oops</html>",
            "{\"instances\":[",
            "[]",
            "\"x\"",
            "{}",
            r#"{"instances":5}"#,
        ] {
            let r = Reply::parse(&req.action, 200, body).and_then(|r| r.instance_list());
            assert_eq!(kind(r.unwrap_err()), "decode", "{body}");
        }
        let del = Request::delete_instance(1).unwrap();
        assert!(Reply::parse(&del.action, 204, "")
            .unwrap()
            .nothing()
            .is_ok());
        assert!(Reply::parse(&del.action, 200, r#"{"status":"success"}"#)
            .unwrap()
            .nothing()
            .is_ok());
    }

    #[test]
    fn http_errors_by_status() {
        let create = Request::create_instance();
        let e = http_error(&create, 403, None, r#"{"message":"nope"}"#);
        assert_eq!(
            e.message(),
            "This token lacks the create permission, which is needed to create an instance."
        );
        assert_eq!(
            kind(http_error(
                &create,
                401,
                None,
                r#"{"message":"Unauthenticated."}"#
            )),
            "unauthorized"
        );
        let get = Request::get_instance(12).unwrap();
        assert_eq!(
            http_error(&get, 404, None, "").message(),
            "Instance 12 was not found."
        );
        let e = http_error(
            &create,
            422,
            None,
            r#"{"message":"The given data was invalid.","errors":{"webhook.url":["The webhook.url field must be a valid URL."],"name":"too long"},"status":"error"}"#,
        );
        match &e {
            Error::Validation { errors, .. } => {
                assert_eq!(
                    errors[0],
                    (
                        "webhook.url".into(),
                        vec!["The webhook.url field must be a valid URL.".into()]
                    )
                );
                assert_eq!(errors[1], ("name".into(), vec!["too long".into()]));
            }
            other => panic!("{other:?}"),
        }
        assert!(e
            .message()
            .contains("webhook.url: The webhook.url field must be a valid URL."));
        // A field's texts are joined with spaces; a field without texts keeps its ": ".
        for (errors, detail) in [
            (r#"{"a":["x","y","z"]}"#, ": a: x y z"),
            (r#"{"a":"x"}"#, ": a: x"),
            (r#"{"a":[]}"#, ": a: "),
        ] {
            let body = format!(r#"{{"errors":{errors}}}"#);
            let e = http_error(&create, 422, None, &body);
            assert_eq!(
                e.message(),
                format!("WaAPI refused the data sent to create an instance{detail}")
            );
        }
        let e = http_error(&create, 429, Some(7), "");
        assert_eq!(
            (kind(e.clone()), e.retry_after()),
            ("rate_limited", Some(7))
        );
        let e = http_error(&create, 503, None, "<html>Service Unavailable</html>");
        assert_eq!((kind(e.clone()), e.status()), ("server", Some(503)));
        assert_eq!(
            e.message(),
            "WaAPI had a server error (HTTP 503) and could not create an instance."
        );
        let e = http_error(&create, 503, None, r#"{"message":"Down for maintenance."}"#);
        assert_eq!(
            e.message(),
            "WaAPI had a server error (HTTP 503) and could not create an instance: Down for maintenance."
        );
        let e = http_error(
            &create,
            400,
            None,
            r#"{"status":"error","message":"Instance limit reached."}"#,
        );
        assert_eq!((kind(e.clone()), e.status()), ("api", Some(400)));
        assert_eq!(e.message(), "Instance limit reached.");
        assert_eq!(
            http_error(&create, 409, None, "").message(),
            "WaAPI could not create an instance (HTTP 409)."
        );
    }

    #[test]
    fn action_payloads_in_every_envelope() {
        let req = Request::action(1, "get-chat-by-id", "{}".into()).unwrap();
        let payload = |body: &str| {
            let r = Reply::parse(&req.action, 200, body)?;
            r.action_payload().map(|p| p.to_string())
        };
        let x = r#"{"id":"1@c.us","status":"pending"}"#;
        // E5 nested (what the service sends), E6 flat, E7 data+links: the same payload.
        for body in [
            format!(
                r#"{{"status":"success","links":{{"self":"u"}},"data":{{"status":"success","instanceId":"1","data":{x}}}}}"#
            ),
            format!(r#"{{"status":"success","instanceId":"1","data":{x},"links":{{"self":"u"}}}}"#),
            format!(r#"{{"data":{x},"links":{{"self":"u"}},"status":"success"}}"#),
        ] {
            assert_eq!(payload(&body).unwrap(), x, "{body}");
        }
        for (body, want) in [
            (
                r#"{"status":"success","data":{"status":"success","instanceId":1}}"#,
                "null",
            ),
            (
                r#"{"status":"success","data":{"status":"success","instanceId":1,"data":[]}}"#,
                "[]",
            ),
            (
                r#"{"status":"success","instanceId":"1","data":[{"id":1}]}"#,
                r#"[{"id":1}]"#,
            ),
            (r#"{"status":"success","data":false}"#, "false"),
            (
                r#"{"data":{"data":{"chatArchived":true}},"status":"success"}"#,
                r#"{"data":{"chatArchived":true}}"#,
            ),
            (r#"{"status":"success"}"#, "null"),
        ] {
            assert_eq!(payload(body).unwrap(), want, "{body}");
        }
        for body in [
            r#"{"status":"success","data":{"status":"error","message":"incorrect chatId format.","explanation":"\"x\" is missing a domain."}}"#,
            r#"{"status":"error","message":"Instance is not ready.","instanceId":"1"}"#,
            r#"{"status":"error","instanceId":"1","data":{"x":1}}"#,
            r#"{"status":"success","data":{"status":"ERROR"}}"#,
        ] {
            let e = payload(body).unwrap_err();
            assert_eq!((kind(e.clone()), e.status()), ("api", Some(200)), "{body}");
            assert!(
                e.message()
                    .starts_with("WaAPI could not run get-chat-by-id"),
                "{e}"
            );
        }
        assert!(
            payload(r#"{"status":"success","data":{"status":"success","data":{"a":1}}}"#)
                .unwrap()
                .contains("\"a\":1")
        );
        assert_eq!(kind(payload("[1]").unwrap_err()), "decode");
        assert_eq!(kind(payload("<html>").unwrap_err()), "decode");
    }

    #[test]
    fn a_409_means_the_instance_is_not_ready() {
        let req = Request::action(3, "send-message", "{}".into()).unwrap();
        let e = http_error(
            &req,
            409,
            None,
            r#"{"status":"error","message":"Instance is not ready."}"#,
        );
        assert_eq!((kind(e.clone()), e.status()), ("not_ready", Some(409)));
        assert_eq!(
            e.message(),
            "Instance 3 is not ready: its WhatsApp client must be ready to run send-message (HTTP 409). WaAPI said: Instance is not ready."
        );
        let e = http_error(
            &req,
            404,
            None,
            r#"{"status":"error","message":"Unknown action send-message."}"#,
        );
        assert_eq!(
            e.message(),
            "WaAPI could not run send-message: Unknown action send-message. (HTTP 404)"
        );
        assert_eq!(
            http_error(&req, 404, None, "").message(),
            "Instance 3 was not found."
        );
    }
}
