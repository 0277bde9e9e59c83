//! A request as a value: method, path, query and body, checked before anything is sent.
//! Nothing here does I/O, so all of it runs under `cargo test` on the host.

use std::borrow::Cow;

use crate::error::Error;
use crate::json::write_str;
use crate::models::WebhookEvent;

/// The largest integer JavaScript holds exactly (2^53 − 1); ids above it are refused.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// The permissions a WaAPI token carries over instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Create,
    Read,
    Update,
    Delete,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Create => "create",
            Permission::Read => "read",
            Permission::Update => "update",
            Permission::Delete => "delete",
        }
    }
}

/// What an operation's answer holds; it picks the envelope decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    InstanceList,
    Instance,
    ClientStatus,
    QrCode,
    Me,
    Nothing,
    /// A client action's payload, whatever its shape.
    Payload,
}

/// One API call, before it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Below the base URL, starting with `/`.
    pub path: String,
    /// Already encoded, without the `?`.
    pub query: Option<String>,
    pub body: Option<String>,
    /// What the token needs; named in a 403's message.
    pub permission: Permission,
    /// The operation in words, for messages ("list instances", "run send-message").
    pub action: Cow<'static, str>,
    /// The instance the call is about, named in a 404's message.
    pub instance: Option<u64>,
    pub answer: Answer,
    /// Whether sending it twice has the effect of sending it once, so that a failed attempt
    /// may be repeated: GET, PUT, DELETE and the read-only actions.
    pub idempotent: bool,
}

impl Request {
    fn new(
        method: Method,
        path: String,
        permission: Permission,
        action: &'static str,
        answer: Answer,
    ) -> Request {
        Request {
            method,
            path,
            query: None,
            body: None,
            permission,
            action: Cow::Borrowed(action),
            instance: None,
            answer,
            idempotent: method.is_idempotent(),
        }
    }

    /// `POST /instances/{id}/client/action/{name}` with `body`, a JSON object already checked
    /// (see [`crate::action`]). Read-only actions need the read permission and are retried
    /// like a GET; every other action needs update and is never sent twice.
    pub fn action(id: u64, name: &str, body: String) -> Result<Request, Error> {
        crate::action::check_name(name)?;
        let read_only = crate::action::is_read_only(name);
        let mut r = Request::new(
            Method::Post,
            format!("/instances/{}/client/action/{name}", check_id(id)?),
            if read_only {
                Permission::Read
            } else {
                Permission::Update
            },
            "",
            Answer::Payload,
        )
        .on(id);
        r.action = Cow::Owned(format!("run {name}"));
        r.body = Some(body);
        r.idempotent = read_only;
        Ok(r)
    }

    fn on(mut self, id: u64) -> Request {
        self.instance = Some(id);
        self
    }

    pub fn list_instances(filter: Option<&str>) -> Request {
        let mut r = Request::new(
            Method::Get,
            "/instances".into(),
            Permission::Read,
            "list instances",
            Answer::InstanceList,
        );
        r.query = filter
            .filter(|f| !f.is_empty())
            .map(|f| format!("filter={}", encode_component(f)));
        r
    }

    pub fn create_instance() -> Request {
        Request::new(
            Method::Post,
            "/instances".into(),
            Permission::Create,
            "create an instance",
            Answer::Instance,
        )
    }

    pub fn get_instance(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            format!("/instances/{}", check_id(id)?),
            Permission::Read,
            "read an instance",
            Answer::Instance,
        )
        .on(id))
    }

    pub fn update_instance(id: u64, update: &InstanceUpdate) -> Result<Request, Error> {
        let mut r = Request::new(
            Method::Put,
            format!("/instances/{}", check_id(id)?),
            Permission::Update,
            "update an instance",
            Answer::ClientStatus,
        )
        .on(id);
        r.body = Some(update.to_body()?);
        Ok(r)
    }

    pub fn delete_instance(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Delete,
            format!("/instances/{}", check_id(id)?),
            Permission::Delete,
            "delete an instance",
            Answer::Nothing,
        )
        .on(id))
    }

    pub fn client_status(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            format!("/instances/{}/client/status", check_id(id)?),
            Permission::Read,
            "read an instance's status",
            Answer::ClientStatus,
        )
        .on(id))
    }

    pub fn qr_code(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            format!("/instances/{}/client/qr", check_id(id)?),
            Permission::Read,
            "read an instance's QR code",
            Answer::QrCode,
        )
        .on(id))
    }

    pub fn me(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            format!("/instances/{}/client/me", check_id(id)?),
            Permission::Read,
            "read an instance's account",
            Answer::Me,
        )
        .on(id))
    }

    /// The full URL below `base_url` (which has no trailing `/`).
    pub fn url(&self, base_url: &str) -> String {
        match &self.query {
            Some(q) => format!("{base_url}{}?{q}", self.path),
            None => format!("{base_url}{}", self.path),
        }
    }
}

/// A change to an instance: only what is set is sent.
///
/// ```
/// use waapi_wasm::{InstanceUpdate, WebhookEvent};
/// let update = InstanceUpdate::new()
///     .name("Support")
///     .webhook_url(Some("https://example.com/hook"))
///     .webhook_events(vec![WebhookEvent::Message]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceUpdate {
    name: Option<String>,
    webhook_url: Option<Option<String>>,
    webhook_events: Option<Vec<WebhookEvent>>,
}

impl InstanceUpdate {
    pub fn new() -> InstanceUpdate {
        InstanceUpdate::default()
    }

    pub fn name(mut self, name: impl Into<String>) -> InstanceUpdate {
        self.name = Some(name.into());
        self
    }

    /// `None` removes the webhook URL.
    pub fn webhook_url(mut self, url: Option<&str>) -> InstanceUpdate {
        self.webhook_url = Some(url.map(str::to_owned));
        self
    }

    /// An empty list unsubscribes from every event.
    pub fn webhook_events(mut self, events: Vec<WebhookEvent>) -> InstanceUpdate {
        self.webhook_events = Some(events);
        self
    }

    /// The JSON body, after checking every field.
    pub fn to_body(&self) -> Result<String, Error> {
        if self.name.is_none() && self.webhook_url.is_none() && self.webhook_events.is_none() {
            return Err(Error::invalid(
                "An instance update needs a name, a webhook URL or webhook events.",
            ));
        }
        let mut out = String::from("{");
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                return Err(Error::invalid("An instance name cannot be empty."));
            }
            out.push_str("\"name\":");
            write_str(&mut out, name);
        }
        if self.webhook_url.is_some() || self.webhook_events.is_some() {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str("\"webhook\":{");
            if let Some(url) = &self.webhook_url {
                out.push_str("\"url\":");
                match url {
                    Some(url) => {
                        check_http_url(url, "A webhook URL")?;
                        write_str(&mut out, url);
                    }
                    None => out.push_str("null"),
                }
            }
            if let Some(events) = &self.webhook_events {
                if self.webhook_url.is_some() {
                    out.push(',');
                }
                out.push_str("\"events\":[");
                for (n, e) in events.iter().enumerate() {
                    check_event_name(e.as_str())?;
                    if n > 0 {
                        out.push(',');
                    }
                    write_str(&mut out, e.as_str());
                }
                out.push(']');
            }
            out.push('}');
        }
        out.push('}');
        Ok(out)
    }
}

/// Ids are positive and fit a JavaScript number exactly.
pub fn check_id(id: u64) -> Result<u64, Error> {
    if (1..=MAX_SAFE_INTEGER).contains(&id) {
        Ok(id)
    } else {
        Err(Error::invalid(format!(
            "An instance id must be a positive integer no larger than 2^53 - 1 (got {id})."
        )))
    }
}

/// Event names the crate does not know are sent as they are (the server judges them), but
/// they must look like one: lowercase letters, digits and underscores.
fn check_event_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "A webhook event must be an event name such as \"message\" (lowercase letters, digits and _).",
        ))
    }
}

/// Accepts an absolute `http://` or `https://` URL with a host; `what` starts the message.
pub fn check_http_url(url: &str, what: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::invalid(format!(
            "{what} must be an absolute http(s) URL: {why}."
        )))
    };
    if url.len() > 2048 {
        return bad("it is longer than 2048 characters");
    }
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return bad("it contains spaces or control characters");
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return bad("it does not start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return bad("it carries a user name or password");
    }
    let (host, port) = match authority.rsplit_once(':') {
        // "[::1]" splits inside the brackets: no port there.
        Some((h, _)) if h.starts_with('[') && !h.ends_with(']') => (authority, None),
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.is_empty() || host.starts_with('.') || host.ends_with("..") {
        return bad("it has no host");
    }
    let host_ok = if let Some(v6) = host.strip_prefix('[') {
        v6.strip_suffix(']').is_some_and(|a| {
            !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        })
    } else {
        host.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b >= 0x80)
    };
    if !host_ok {
        return bad("its host is not a host name or address");
    }
    if let Some(p) = port {
        if !p.is_empty()
            && (p.len() > 5
                || !p.bytes().all(|b| b.is_ascii_digit())
                || p.parse::<u32>().map_or(true, |n| n > 65535))
        {
            return bad("its port is not a number from 0 to 65535");
        }
    }
    Ok(())
}

/// Percent-encodes like JavaScript's `encodeURIComponent`.
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive_safe_integers() {
        assert!(check_id(1).is_ok());
        assert!(check_id(MAX_SAFE_INTEGER).is_ok());
        for bad in [0, MAX_SAFE_INTEGER + 1, u64::MAX] {
            let e = check_id(bad).unwrap_err();
            assert_eq!(e.kind().as_str(), "invalid_input");
        }
    }

    #[test]
    fn urls() {
        for good in [
            "http://example.com",
            "https://example.com/hook?x=1#y",
            "HTTPS://Example.com:8443/a",
            "http://127.0.0.1:8080/api/v1",
            "http://[::1]:9000/",
            "https://bücher.example/",
            "http://localhost",
        ] {
            assert!(check_http_url(good, "U").is_ok(), "{good}");
        }
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
            "http://",
            "https:///path",
            "http://exa mple.com",
            "http://user:pw@example.com",
            "http://example.com:99999",
            "http://example.com:8o",
            "http://ex<ample>.com",
            "/relative/path",
            "http://[::1/",
        ] {
            assert!(check_http_url(bad, "U").is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(check_http_url(&long, "U").is_err());
    }

    #[test]
    fn query_is_encoded_like_encode_uri_component() {
        assert_eq!(
            encode_component("a b&c=d/é?#"),
            "a%20b%26c%3Dd%2F%C3%A9%3F%23"
        );
        assert_eq!(encode_component("safe-_.!~*'()"), "safe-_.!~*'()");
        let r = Request::list_instances(Some("shop & co"));
        assert_eq!(
            r.url("https://waapi.app/api/v1"),
            "https://waapi.app/api/v1/instances?filter=shop%20%26%20co"
        );
        assert_eq!(Request::list_instances(Some("")).query, None);
        assert_eq!(Request::list_instances(None).query, None);
    }

    #[test]
    fn requests_know_method_path_and_permission() {
        let r = Request::delete_instance(7).unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.permission),
            (Method::Delete, "/instances/7", Permission::Delete)
        );
        assert_eq!(Request::qr_code(3).unwrap().path, "/instances/3/client/qr");
        assert_eq!(Request::me(3).unwrap().path, "/instances/3/client/me");
        assert_eq!(
            Request::client_status(3).unwrap().path,
            "/instances/3/client/status"
        );
        assert_eq!(Request::create_instance().permission, Permission::Create);
        assert!(Request::get_instance(0).is_err());
    }

    #[test]
    fn update_bodies_send_only_what_is_set() {
        let body = |u: InstanceUpdate| u.to_body().map_err(|e| e.to_string());
        assert_eq!(
            body(InstanceUpdate::new().name("A \"b\"")).unwrap(),
            r#"{"name":"A \"b\""}"#
        );
        assert_eq!(
            body(
                InstanceUpdate::new()
                    .webhook_url(None)
                    .webhook_events(vec![])
            )
            .unwrap(),
            r#"{"webhook":{"url":null,"events":[]}}"#
        );
        assert_eq!(
            body(
                InstanceUpdate::new()
                    .name("x")
                    .webhook_url(Some("https://h.example/w"))
                    .webhook_events(vec![
                        WebhookEvent::Message,
                        WebhookEvent::parse("future_event")
                    ])
            )
            .unwrap(),
            r#"{"name":"x","webhook":{"url":"https://h.example/w","events":["message","future_event"]}}"#
        );
        assert_eq!(
            body(InstanceUpdate::new().webhook_events(vec![WebhookEvent::Ready])).unwrap(),
            r#"{"webhook":{"events":["ready"]}}"#
        );
        assert!(body(InstanceUpdate::new()).is_err());
        assert!(body(InstanceUpdate::new().name("  ")).is_err());
        assert!(body(InstanceUpdate::new().webhook_url(Some("not a url"))).is_err());
        assert!(
            body(InstanceUpdate::new().webhook_events(vec![WebhookEvent::parse("Bad Event")]))
                .is_err()
        );
        assert!(body(InstanceUpdate::new().webhook_events(vec![WebhookEvent::parse("")])).is_err());
    }
}
