//! Which operation a request asks for, with its input checked. Only the routes below exist:
//! anything else is 404 (405 for a known path with another method), never a pass-through.

use waapi_wasm::action::{self, Action};
use waapi_wasm::json::{parse_u64, Json};
use waapi_wasm::request::MAX_SAFE_INTEGER;
use waapi_wasm::{InstanceUpdate, Permission, WebhookEvent};

use crate::events::{self, Page};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    List {
        filter: Option<String>,
    },
    Create,
    Get(u64),
    Update(u64),
    Delete(u64),
    Status(u64),
    QrCode(u64),
    Me(u64),
    /// `GET …/events`: a page of the stored webhooks.
    Events(u64, Page),
    /// `GET …/events/stream`; the start given in the query (`Last-Event-ID` is read later).
    Stream(u64),
    /// `POST …/client/action/{name}`, an action the package knows.
    Action(u64, &'static Action),
}

/// Why a request has no route; each maps to one status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reject {
    /// 404
    NoSuchRoute,
    /// 405, with the methods the path allows.
    Method(&'static str),
    /// 400, with a sentence for the caller.
    BadInput(String),
    /// 404 for an action the package does not know (its name when it is one).
    UnknownAction(Option<String>),
}

impl Route {
    pub fn permission(&self) -> Permission {
        match self {
            Route::Create => Permission::Create,
            Route::Update(_) => Permission::Update,
            Route::Delete(_) => Permission::Delete,
            Route::Action(_, a) if !action::is_read_only(a.name) => Permission::Update,
            Route::List { .. }
            | Route::Action(..)
            | Route::Events(..)
            | Route::Stream(_)
            | Route::Get(_)
            | Route::Status(_)
            | Route::QrCode(_)
            | Route::Me(_) => Permission::Read,
        }
    }

    /// Writes clear the instance-list cache.
    pub fn is_write(&self) -> bool {
        matches!(self, Route::Create | Route::Update(_) | Route::Delete(_))
    }
}

/// The longest filter passed on (ids and names are short).
const MAX_FILTER_CHARS: usize = 200;

/// Routes `method path?query` (the query already split into decoded pairs).
pub fn route(method: &str, path: &str, query: &[(String, String)]) -> Result<Route, Reject> {
    let rest = path
        .strip_prefix("/api/v1/instances")
        .ok_or(Reject::NoSuchRoute)?;
    let segments: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.strip_prefix('/')
            .ok_or(Reject::NoSuchRoute)?
            .split('/')
            .collect()
    };
    if segments.iter().any(|s| s.is_empty()) {
        return Err(Reject::NoSuchRoute);
    }
    let route = match (segments.as_slice(), method) {
        ([], "GET") => {
            let mut filter = None;
            for (key, value) in query {
                if key != "filter" || filter.is_some() {
                    return Err(Reject::BadInput(format!(
                        "Unknown or repeated query parameter \"{key}\"; only filter is accepted."
                    )));
                }
                if value.chars().count() > MAX_FILTER_CHARS {
                    return Err(Reject::BadInput(format!(
                        "The filter is longer than {MAX_FILTER_CHARS} characters."
                    )));
                }
                filter = Some(value.clone()).filter(|v| !v.is_empty());
            }
            return Ok(Route::List { filter });
        }
        ([], "POST") => Route::Create,
        ([], _) => return Err(Reject::Method("GET, POST")),
        ([id], "GET") => Route::Get(instance_id(id)?),
        ([id], "PUT") => Route::Update(instance_id(id)?),
        ([id], "DELETE") => Route::Delete(instance_id(id)?),
        ([_], _) => return Err(Reject::Method("GET, PUT, DELETE")),
        ([id, "client", part], "GET") => {
            let id = instance_id(id)?;
            match *part {
                "status" => Route::Status(id),
                "qr" => Route::QrCode(id),
                "me" => Route::Me(id),
                _ => return Err(Reject::NoSuchRoute),
            }
        }
        ([_, "client", "status" | "qr" | "me"], _) => return Err(Reject::Method("GET")),
        ([id, "events"], "GET") => {
            let id = instance_id(id)?;
            return events::page_query(query)
                .map(|page| Route::Events(id, page))
                .map_err(Reject::BadInput);
        }
        ([id, "events", "stream"], "GET") => {
            // The query is read with the Last-Event-ID header (events::stream_after).
            return instance_id(id).map(Route::Stream);
        }
        ([_, "events"] | [_, "events", "stream"], _) => return Err(Reject::Method("GET")),
        ([id, "client", "action", name], "POST") => {
            let id = instance_id(id)?;
            let known = action::find(name).ok_or_else(|| {
                Reject::UnknownAction(action::check_name(name).ok().map(|()| name.to_string()))
            })?;
            Route::Action(id, known)
        }
        ([_, "client", "action", _], _) => return Err(Reject::Method("POST")),
        _ => return Err(Reject::NoSuchRoute),
    };
    if !query.is_empty() {
        return Err(Reject::BadInput(
            "This route takes no query parameters.".into(),
        ));
    }
    Ok(route)
}

/// The methods `path` answers (for OPTIONS and its `Allow`), or `None` when no route has it.
pub fn methods(path: &str) -> Option<String> {
    let allowed: Vec<&str> = ["GET", "POST", "PUT", "DELETE"]
        .into_iter()
        .filter(|m| route(m, path, &[]).is_ok())
        .collect();
    (!allowed.is_empty()).then(|| allowed.join(", "))
}

/// A positive integer written plainly: `12`, not `012`, `+12` or `1e1`.
fn instance_id(segment: &str) -> Result<u64, Reject> {
    parse_u64(segment)
        .filter(|n| (1..=MAX_SAFE_INTEGER).contains(n) && !segment.starts_with('0'))
        .ok_or_else(|| Reject::BadInput("An instance id must be a positive integer.".into()))
}

/// Reads a PUT body: `{ name?, webhook?: { url?: string | null, events?: string[] | null } }`,
/// nothing else, every field checked as the client would before sending. `webhook_url` maps a
/// URL as sent to the one passed on (the edge puts its hidden webhook secret back) and checks
/// it (the edge's [`crate::config::WebhookPolicy`], which includes the package's own check).
pub fn instance_update(
    body: &str,
    webhook_url: impl Fn(&str) -> Result<String, String>,
) -> Result<InstanceUpdate, Reject> {
    let bad = |m: &str| Reject::BadInput(m.to_owned());
    let json =
        Json::parse(body).map_err(|e| Reject::BadInput(format!("The body is not JSON ({e}).")))?;
    let Json::Object(members) = &json else {
        return Err(bad("The body must be a JSON object."));
    };
    let mut update = InstanceUpdate::new();
    for (key, value) in members {
        match (key.as_ref(), value) {
            ("name", Json::String(name)) => update = update.name(name.as_ref()),
            ("name", _) => return Err(bad("name must be a string.")),
            ("webhook", Json::Object(webhook)) => {
                for (key, value) in webhook {
                    match (key.as_ref(), value) {
                        ("url", Json::Null) => update = update.webhook_url(None),
                        ("url", Json::String(url)) => {
                            let url = webhook_url(url).map_err(Reject::BadInput)?;
                            update = update.webhook_url(Some(&url))
                        }
                        ("url", _) => return Err(bad("webhook.url must be a string or null.")),
                        ("events", Json::Null) => update = update.webhook_events(Vec::new()),
                        ("events", Json::Array(items)) => {
                            let events = items
                                .iter()
                                .map(|e| e.as_str().map(WebhookEvent::parse))
                                .collect::<Option<Vec<_>>>()
                                .ok_or_else(|| {
                                    bad("webhook.events must be a list of event names.")
                                })?;
                            update = update.webhook_events(events);
                        }
                        ("events", _) => return Err(bad("webhook.events must be a list or null.")),
                        (other, _) => {
                            return Err(Reject::BadInput(format!(
                                "Unknown key webhook.{other}; the keys are url and events."
                            )))
                        }
                    }
                }
            }
            ("webhook", _) => return Err(bad("webhook must be an object.")),
            (other, _) => {
                return Err(Reject::BadInput(format!(
                    "Unknown key {other}; the keys are name and webhook."
                )))
            }
        }
    }
    // Private hosts were `check_url`'s to judge.
    update
        .to_body_with(true)
        .map_err(|e| Reject::BadInput(e.message().to_owned()))?;
    Ok(update)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(method: &str, path: &str) -> Result<Route, Reject> {
        route(method, path, &[])
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_route() {
        assert_eq!(
            r("GET", "/api/v1/instances"),
            Ok(Route::List { filter: None })
        );
        assert_eq!(
            route("GET", "/api/v1/instances", &q(&[("filter", "shop")])),
            Ok(Route::List {
                filter: Some("shop".into())
            })
        );
        assert_eq!(
            route("GET", "/api/v1/instances", &q(&[("filter", "")])),
            Ok(Route::List { filter: None })
        );
        assert_eq!(r("POST", "/api/v1/instances"), Ok(Route::Create));
        assert_eq!(r("GET", "/api/v1/instances/12"), Ok(Route::Get(12)));
        assert_eq!(r("PUT", "/api/v1/instances/12"), Ok(Route::Update(12)));
        assert_eq!(r("DELETE", "/api/v1/instances/12"), Ok(Route::Delete(12)));
        assert_eq!(
            r("GET", "/api/v1/instances/3/client/status"),
            Ok(Route::Status(3))
        );
        assert_eq!(
            r("GET", "/api/v1/instances/3/client/qr"),
            Ok(Route::QrCode(3))
        );
        assert_eq!(r("GET", "/api/v1/instances/3/client/me"), Ok(Route::Me(3)));
    }

    #[test]
    fn options_name_the_routes_own_methods() {
        assert_eq!(methods("/api/v1/instances").as_deref(), Some("GET, POST"));
        assert_eq!(
            methods("/api/v1/instances/7").as_deref(),
            Some("GET, PUT, DELETE")
        );
        assert_eq!(
            methods("/api/v1/instances/7/events/stream").as_deref(),
            Some("GET")
        );
        assert_eq!(
            methods("/api/v1/instances/7/client/action/send-message").as_deref(),
            Some("POST")
        );
        for unknown in [
            "/api/v1/nothing",
            "/api",
            "/api/v1/instances/abc",
            "/api/v1/instances/7/client/action/no-such-action",
            "/api/v1/instances/7/x",
        ] {
            assert_eq!(methods(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn permissions_per_route() {
        assert_eq!(Route::Create.permission(), Permission::Create);
        assert_eq!(Route::Update(1).permission(), Permission::Update);
        assert_eq!(Route::Delete(1).permission(), Permission::Delete);
        assert_eq!(Route::QrCode(1).permission(), Permission::Read);
        assert!(Route::Delete(1).is_write() && !Route::Me(1).is_write());
    }

    #[test]
    fn everything_else_is_refused() {
        for path in [
            "/",
            "/api",
            "/api/v1",
            "/api/v1/",
            "/api/v1/instances/",
            "/api/v1/instancesx",
            "/api/v2/instances",
            "/api/v1/instances/1/client",
            "/api/v1/instances/1/client/action",
            "/api/v1/instances/1/events/x",
            "/api/v1/instances/1/x",
        ] {
            assert_eq!(r("GET", path), Err(Reject::NoSuchRoute), "{path}");
        }
        assert_eq!(
            r("PATCH", "/api/v1/instances/1"),
            Err(Reject::Method("GET, PUT, DELETE"))
        );
        assert_eq!(
            r("DELETE", "/api/v1/instances"),
            Err(Reject::Method("GET, POST"))
        );
        assert_eq!(
            r("POST", "/api/v1/instances/1/client/qr"),
            Err(Reject::Method("GET"))
        );
        for id in [
            "0",
            "012",
            "-1",
            "1.5",
            "abc",
            "9007199254740992",
            "%31",
            "1e3",
        ] {
            assert!(
                matches!(
                    r("GET", &format!("/api/v1/instances/{id}")),
                    Err(Reject::BadInput(_))
                ),
                "{id}"
            );
        }
        assert!(matches!(
            route("GET", "/api/v1/instances", &q(&[("filtre", "x")])),
            Err(Reject::BadInput(_))
        ));
        assert!(matches!(
            route(
                "GET",
                "/api/v1/instances",
                &q(&[("filter", "a"), ("filter", "b")])
            ),
            Err(Reject::BadInput(_))
        ));
        assert!(matches!(
            route(
                "GET",
                "/api/v1/instances",
                &q(&[("filter", &"x".repeat(201))])
            ),
            Err(Reject::BadInput(_))
        ));
        assert!(matches!(
            route("GET", "/api/v1/instances/1", &q(&[("a", "b")])),
            Err(Reject::BadInput(_))
        ));
    }

    #[test]
    fn events_and_actions() {
        assert_eq!(
            route("GET", "/api/v1/instances/4/events", &q(&[("after", "9")])),
            Ok(Route::Events(
                4,
                Page {
                    after: 9,
                    limit: 100
                }
            ))
        );
        assert!(matches!(
            route("GET", "/api/v1/instances/4/events", &q(&[("limit", "501")])),
            Err(Reject::BadInput(_))
        ));
        assert_eq!(
            route(
                "GET",
                "/api/v1/instances/4/events/stream",
                &q(&[("after", "x")])
            ),
            Ok(Route::Stream(4)),
            "the stream's query is read with its Last-Event-ID header"
        );
        assert_eq!(
            r("POST", "/api/v1/instances/4/events"),
            Err(Reject::Method("GET"))
        );
        assert_eq!(
            r("DELETE", "/api/v1/instances/4/events/stream"),
            Err(Reject::Method("GET"))
        );

        let send = r("POST", "/api/v1/instances/2/client/action/send-message").unwrap();
        assert_eq!(
            send,
            Route::Action(2, action::find("send-message").unwrap())
        );
        assert_eq!(send.permission(), Permission::Update);
        assert!(!send.is_write(), "actions leave the instance list as it is");
        for read in [
            "get-chats",
            "fetch-messages",
            "search-messages",
            "is-registered-user",
            "download-media",
        ] {
            let route = r("POST", &format!("/api/v1/instances/2/client/action/{read}")).unwrap();
            assert_eq!(route.permission(), Permission::Read, "{read}");
        }
        assert_eq!(
            r("POST", "/api/v1/instances/2/client/action/logout")
                .unwrap()
                .permission(),
            Permission::Update
        );
        assert_eq!(
            r("POST", "/api/v1/instances/2/client/action/send-messages"),
            Err(Reject::UnknownAction(Some("send-messages".into())))
        );
        assert_eq!(
            r("POST", "/api/v1/instances/2/client/action/Send%20x"),
            Err(Reject::UnknownAction(None))
        );
        assert_eq!(
            r("GET", "/api/v1/instances/2/client/action/send-message"),
            Err(Reject::Method("POST"))
        );
        assert!(matches!(
            r("POST", "/api/v1/instances/0/client/action/send-message"),
            Err(Reject::BadInput(_))
        ));
        assert!(matches!(
            route(
                "POST",
                "/api/v1/instances/1/client/action/get-chats",
                &q(&[("a", "b")])
            ),
            Err(Reject::BadInput(_))
        ));
    }

    #[test]
    fn update_bodies() {
        let any = |u: &str| Ok(u.to_owned());
        let body = |b: &str| instance_update(b, any).map(|u| u.to_body_with(true).unwrap());
        assert_eq!(body(r#"{"name":"Shop"}"#).unwrap(), r#"{"name":"Shop"}"#);
        assert_eq!(
            body(r#"{"webhook":{"url":null,"events":null}}"#).unwrap(),
            r#"{"webhook":{"url":null,"events":[]}}"#
        );
        assert_eq!(
            body(r#"{"webhook":{"events":["message","brand_new"],"url":"https://h.example/x"}}"#)
                .unwrap(),
            r#"{"webhook":{"url":"https://h.example/x","events":["message","brand_new"]}}"#
        );
        for bad in [
            "",
            "[]",
            "null",
            "{",
            "{}",
            r#"{"name":5}"#,
            r#"{"name":""}"#,
            r#"{"nmae":"x"}"#,
            r#"{"webhook":"x"}"#,
            r#"{"webhook":{"url":"ftp://x"}}"#,
            r#"{"webhook":{"events":[1]}}"#,
            r#"{"webhook":{"events":"message"}}"#,
            r#"{"webhook":{"evnets":[]}}"#,
            r#"{"webhook":{}}"#,
        ] {
            assert!(
                matches!(instance_update(bad, any), Err(Reject::BadInput(_))),
                "{bad}"
            );
        }
        let refuse = |url: &str| Err::<String, _>(format!("no {url}"));
        assert_eq!(
            instance_update(r#"{"webhook":{"url":"https://h.example/x"}}"#, refuse),
            Err(Reject::BadInput("no https://h.example/x".into()))
        );
        assert!(instance_update(r#"{"webhook":{"url":null}}"#, refuse).is_ok());
    }
}
