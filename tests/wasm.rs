//! The Rust API in wasm, in Node and in headless Chromium, against fake-waapi over HTTP.
//! Run through `tests/with-fakes.sh` (see `make test-wasm-node` / `make test-wasm-browser`):
//! every test runs against a fake with the live envelopes and one with the spec's.
#![cfg(target_arch = "wasm32")]

use waapi_wasm::json::Json;
use waapi_wasm::request::Method;
use waapi_wasm::{
    transport, Client, Error, InstanceStatus, InstanceUpdate, Options, Permission, WebhookEvent,
};
use wasm_bindgen_test::wasm_bindgen_test;

/// The two fakes' URLs, set by tests/with-fakes.sh when this file is compiled.
fn fakes() -> [&'static str; 2] {
    match (option_env!("FAKE_LIVE_URL"), option_env!("FAKE_SPEC_URL")) {
        (Some(live), Some(spec)) => [live, spec],
        _ => panic!("run through tests/with-fakes.sh (make test-wasm-node)"),
    }
}

const ADMIN: &str = match option_env!("FAKE_ADMIN_TOKEN") {
    Some(t) => t,
    None => "test-admin-token",
};
const VIEWER: &str = match option_env!("FAKE_VIEWER_TOKEN") {
    Some(t) => t,
    None => "test-viewer-token",
};

fn client_with(fake: &str, token: &str, timeout_ms: u32, max_retries: u32) -> Client {
    Client::with_options(
        token,
        Options::default()
            .base_url(format!("{fake}/api/v1"))
            .timeout_ms(timeout_ms)
            .max_retries(max_retries),
    )
}

fn admin(fake: &str) -> Client {
    client_with(fake, ADMIN, 10_000, 2)
}

/// Calls a `/__fake` control endpoint; answers (status, body).
async fn control(fake: &str, method: Method, path: &str, body: Option<&str>) -> (u16, String) {
    let url = format!("{fake}{path}");
    match transport::send(method, &url, "control", body, 10_000, 64 << 20).await {
        Ok(r) => (r.status, r.body),
        Err(_) => panic!("fake-waapi at {fake} did not answer {path}"),
    }
}

async fn reset(fake: &str) {
    let (status, _) = control(fake, Method::Post, "/__fake/reset", None).await;
    assert!((200..300).contains(&status), "reset answered {status}");
}

async fn fault(fake: &str, spec: &str) {
    let (status, body) = control(fake, Method::Post, "/__fake/faults", Some(spec)).await;
    assert_eq!(status, 201, "arming {spec}: {body}");
}

async fn scan(fake: &str, id: u64) {
    let path = format!("/__fake/instances/{id}/scan");
    let (status, body) = control(fake, Method::Post, &path, None).await;
    assert!(
        (200..300).contains(&status),
        "scan answered {status}: {body}"
    );
}

/// The API requests the fake saw (preflights left out), oldest first.
async fn seen(fake: &str) -> Vec<Json<'static>> {
    let (_, body) = control(fake, Method::Get, "/__fake/requests", None).await;
    let all = Json::parse(&body).expect("request log is JSON");
    all.as_array()
        .expect("request log is a list")
        .iter()
        .filter(|r| r.get("method").and_then(Json::as_str) != Some("OPTIONS"))
        .map(|r| r.clone().into_owned())
        .collect()
}

fn text<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

fn count(log: &[Json], method: &str, path: &str) -> usize {
    log.iter()
        .filter(|r| text(r, "method") == Some(method) && text(r, "path") == Some(path))
        .count()
}

#[wasm_bindgen_test]
async fn lists_the_seeded_instances_with_exactly_the_three_headers() {
    for fake in fakes() {
        reset(fake).await;
        let list = admin(fake).instances().list(None).await.unwrap();
        let ids: Vec<u64> = list.iter().map(|i| i.id).collect();
        assert_eq!(ids, [1, 2, 3], "{fake}");
        let support = &list[0];
        assert_eq!(support.name.as_deref(), Some("Support"));
        assert_eq!(support.owner, "admin@example.com");
        assert_eq!(
            support.webhook_url.as_deref(),
            Some("https://hooks.example.com/waapi")
        );
        assert_eq!(
            support.webhook_events,
            [
                WebhookEvent::Message,
                WebhookEvent::MessageAck,
                WebhookEvent::Ready
            ]
        );
        assert!(!support.is_trial);
        assert!(
            list[1].is_trial,
            "the live fake sends is_trial as 1, the spec one as true"
        );
        assert_eq!(list[1].webhook_url, None);

        let log = seen(fake).await;
        let last = log.last().unwrap();
        assert_eq!(text(last, "method"), Some("GET"));
        assert_eq!(text(last, "path"), Some("/api/v1/instances"));
        let headers = last.get("headers").unwrap();
        assert_eq!(
            text(headers, "authorization"),
            Some(format!("Bearer {ADMIN}").as_str())
        );
        assert_eq!(text(headers, "accept"), Some("application/json"));
        assert_eq!(text(headers, "content-type"), Some("application/json"));
    }
}

#[wasm_bindgen_test]
async fn filters_are_sent_url_encoded() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        let names = |l: Vec<waapi_wasm::Instance>| l.into_iter().map(|i| i.id).collect::<Vec<_>>();
        assert_eq!(names(c.instances().list(Some("sup")).await.unwrap()), [1]);
        assert_eq!(names(c.instances().list(Some("2")).await.unwrap()), [2]);
        assert!(c
            .instances()
            .list(Some("a&b=c d"))
            .await
            .unwrap()
            .is_empty());
        let log = seen(fake).await;
        assert_eq!(
            text(log.last().unwrap(), "query"),
            Some("filter=a%26b%3Dc%20d")
        );
    }
}

#[wasm_bindgen_test]
async fn an_instance_from_creation_through_qr_and_scan_to_deletion() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        let created = c.instances().create().await.unwrap();
        assert_eq!(created.id, 4);
        assert_eq!(c.instances().get(4).await.unwrap(), created);

        let status = c.instance(4).status().await.unwrap();
        assert_eq!(
            (status.instanceId, &status.instanceStatus),
            (4, &InstanceStatus::Qr)
        );
        let qr = c.instance(4).qr_code().await.unwrap();
        assert!(
            qr.data_url().starts_with("data:image/png;base64,iVBOR"),
            "a PNG"
        );

        let not_yet = c.instance(4).me().await.unwrap_err();
        assert_eq!(
            (not_yet.kind().as_str(), not_yet.status()),
            ("api", Some(200))
        );

        scan(fake, 4).await;
        let status = c.instance(4).status().await.unwrap();
        assert_eq!(status.instanceStatus, InstanceStatus::Ready);
        let me = c.instance(4).me().await.unwrap();
        assert!(me.contactId.ends_with("@c.us"), "{me:?}");
        let no_qr = c.instance(4).qr_code().await.unwrap_err();
        assert_eq!((no_qr.kind().as_str(), no_qr.status()), ("api", Some(200)));
        assert!(
            no_qr.message().contains("instance not in QR mode"),
            "{no_qr}"
        );

        c.instances().delete(4).await.unwrap();
        let gone = c.instances().get(4).await.unwrap_err();
        assert_eq!(
            gone,
            Error::NotFound {
                message: "Instance 4 was not found.".into()
            }
        );
        let log = seen(fake).await;
        assert_eq!(count(&log, "DELETE", "/api/v1/instances/4"), 1);
    }
}

#[wasm_bindgen_test]
async fn me_of_the_seeded_ready_instance() {
    for fake in fakes() {
        reset(fake).await;
        let me = admin(fake).instance(1).me().await.unwrap();
        assert_eq!(me.displayName, "Support Desk");
        assert_eq!(me.contactId, "4915112345678@c.us");
        assert_eq!(me.formattedNumber, "+49 151 12345678");
        assert_eq!(
            me.profilePicUrl.as_deref(),
            Some("https://pps.example.com/support.jpg")
        );
    }
}

#[wasm_bindgen_test]
async fn updates_set_and_reset_the_name_and_webhook() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        let s = c
            .instances()
            .update(1, &InstanceUpdate::new().name("Helpdesk"))
            .await
            .unwrap();
        assert_eq!(s.name.as_deref(), Some("Helpdesk"));
        assert_eq!(s.instanceEvents.len(), 3, "events untouched: {s:?}");

        let set = InstanceUpdate::new()
            .webhook_url(Some("https://new.example/hook"))
            .webhook_events(vec![WebhookEvent::GroupJoin, WebhookEvent::Call]);
        let s = c.instances().update(1, &set).await.unwrap();
        assert_eq!(
            s.instanceWebhook.as_deref(),
            Some("https://new.example/hook")
        );
        assert_eq!(
            s.instanceEvents,
            [WebhookEvent::GroupJoin, WebhookEvent::Call]
        );

        let clear = InstanceUpdate::new()
            .webhook_url(None)
            .webhook_events(vec![]);
        let s = c.instances().update(1, &clear).await.unwrap();
        assert_eq!((s.instanceWebhook, s.instanceEvents), (None, vec![]));
        let i = c.instances().get(1).await.unwrap();
        assert_eq!(
            (i.name.as_deref(), i.webhook_url, i.webhook_events),
            (Some("Helpdesk"), None, vec![])
        );

        let log = seen(fake).await;
        let puts: Vec<_> = log
            .iter()
            .filter(|r| text(r, "method") == Some("PUT"))
            .collect();
        assert_eq!(
            text(puts[2], "body"),
            Some(r#"{"webhook":{"url":null,"events":[]}}"#)
        );
    }
}

#[wasm_bindgen_test]
async fn validation_errors_keep_the_fields() {
    for fake in fakes() {
        reset(fake).await;
        let bad = InstanceUpdate::new().webhook_events(vec![WebhookEvent::parse("no_such_event")]);
        match admin(fake).instances().update(1, &bad).await.unwrap_err() {
            Error::Validation { errors, message } => {
                assert_eq!(errors.len(), 1, "{errors:?}");
                assert_eq!(errors[0].0, "webhook.events.0");
                assert!(message.contains("webhook.events.0"), "{message}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}

#[wasm_bindgen_test]
async fn permissions_and_tokens() {
    for fake in fakes() {
        reset(fake).await;
        let viewer = client_with(fake, VIEWER, 10_000, 2);
        assert_eq!(viewer.instances().list(None).await.unwrap().len(), 3);
        let needs = |e: Error| match e {
            Error::Forbidden {
                permission,
                message,
            } => {
                assert!(message.contains(permission.as_str()), "{message}");
                permission
            }
            other => panic!("expected forbidden, got {other:?}"),
        };
        assert_eq!(
            needs(viewer.instances().create().await.unwrap_err()),
            Permission::Create
        );
        let rename = InstanceUpdate::new().name("x");
        assert_eq!(
            needs(viewer.instances().update(1, &rename).await.unwrap_err()),
            Permission::Update
        );
        assert_eq!(
            needs(viewer.instances().delete(1).await.unwrap_err()),
            Permission::Delete
        );

        let stranger = client_with(fake, "no-such-token", 10_000, 2);
        let e = stranger.instances().list(None).await.unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("unauthorized", Some(401)));
        assert!(e.message().contains("Unauthenticated."), "{e}");
    }
}

#[wasm_bindgen_test]
async fn api_errors_in_http_200_and_400() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        for id in [2, 3] {
            let e = c.instance(id).me().await.unwrap_err();
            assert_eq!((e.kind().as_str(), e.status()), ("api", Some(200)), "{e}");
        }
        c.instances().create().await.unwrap();
        c.instances().create().await.unwrap();
        let e = c.instances().create().await.unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("api", Some(400)));
        assert!(e.message().contains("limit"), "{e}");
    }
}

#[wasm_bindgen_test]
async fn server_errors_retry_only_where_safe() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        fault(fake, r#"{"path":"/api/v1/instances","status":500,"body":"<html><h1>500</h1></html>","content_type":"text/html"}"#).await;
        let e = c.instances().list(None).await.unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("server", Some(500)));
        assert_eq!(
            count(&seen(fake).await, "GET", "/api/v1/instances"),
            1,
            "500 is not retried"
        );

        reset(fake).await;
        fault(
            fake,
            r#"{"method":"GET","path":"/api/v1/instances","status":503,"times":2}"#,
        )
        .await;
        assert_eq!(c.instances().list(None).await.unwrap().len(), 3);
        assert_eq!(
            count(&seen(fake).await, "GET", "/api/v1/instances"),
            3,
            "two 503s retried"
        );

        reset(fake).await;
        fault(
            fake,
            r#"{"method":"PUT","path":"/api/v1/instances/*","status":502}"#,
        )
        .await;
        c.instances()
            .update(1, &InstanceUpdate::new().name("after 502"))
            .await
            .unwrap();

        reset(fake).await;
        fault(
            fake,
            r#"{"method":"POST","path":"/api/v1/instances","status":503}"#,
        )
        .await;
        let e = c.instances().create().await.unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("server", Some(503)));
        assert_eq!(
            count(&seen(fake).await, "POST", "/api/v1/instances"),
            1,
            "POST is not retried"
        );
        assert_eq!(
            c.instances().list(None).await.unwrap().len(),
            3,
            "nothing was created"
        );
    }
}

#[wasm_bindgen_test]
async fn rate_limits_honour_retry_after() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        fault(fake, r#"{"method":"POST","path":"/api/v1/instances","status":429,"headers":{"Retry-After":"1"},"body":"{\"message\":\"Too Many Attempts.\"}"}"#).await;
        c.instances()
            .create()
            .await
            .expect("429 is retried, even for POST");
        assert_eq!(count(&seen(fake).await, "POST", "/api/v1/instances"), 2);

        reset(fake).await;
        fault(fake, r#"{"path":"/api/v1/instances","status":429,"headers":{"Retry-After":"Thu, 01 Jan 1970 00:00:00 GMT"}}"#).await;
        c.instances()
            .list(None)
            .await
            .expect("a date in the past means retry now");

        reset(fake).await;
        fault(
            fake,
            r#"{"path":"/api/v1/instances","status":429,"headers":{"Retry-After":"3600"}}"#,
        )
        .await;
        let e = c.instances().list(None).await.unwrap_err();
        assert_eq!(
            (e.kind().as_str(), e.retry_after()),
            ("rate_limited", Some(3600))
        );
        assert_eq!(
            count(&seen(fake).await, "GET", "/api/v1/instances"),
            1,
            "an hour is beyond the cap"
        );

        reset(fake).await;
        fault(
            fake,
            r#"{"path":"/api/v1/instances","status":429,"headers":{"Retry-After":"2"}}"#,
        )
        .await;
        let once = client_with(fake, ADMIN, 10_000, 0);
        let e = once.instances().list(None).await.unwrap_err();
        assert_eq!(e.retry_after(), Some(2));
        assert!(e.message().contains("2 s"), "{e}");
    }
}

#[wasm_bindgen_test]
async fn timeouts_abort_the_attempt_and_idempotent_calls_retry() {
    for fake in fakes() {
        reset(fake).await;
        fault(fake, r#"{"path":"/api/v1/instances","delay_ms":3000}"#).await;
        let e = client_with(fake, ADMIN, 300, 0)
            .instances()
            .list(None)
            .await
            .unwrap_err();
        assert_eq!(e.kind().as_str(), "timeout");
        assert!(e.message().contains("300 ms"), "{e}");

        reset(fake).await;
        fault(fake, r#"{"path":"/api/v1/instances","delay_ms":3000}"#).await;
        let list = client_with(fake, ADMIN, 300, 1)
            .instances()
            .list(None)
            .await
            .unwrap();
        assert_eq!(list.len(), 3);
    }
}

#[wasm_bindgen_test]
async fn broken_bodies_are_decode_errors() {
    for fake in fakes() {
        for action in ["truncate", "invalid_json"] {
            reset(fake).await;
            fault(
                fake,
                &format!(r#"{{"path":"/api/v1/instances/1","action":"{action}"}}"#),
            )
            .await;
            let e = admin(fake).instances().get(1).await.unwrap_err();
            assert_eq!(
                (e.kind().as_str(), e.status()),
                ("decode", Some(200)),
                "{action}: {e}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn dropped_connections_are_network_errors() {
    for fake in fakes() {
        // Browsers resend a GET once by themselves when a reused connection closes with no
        // answer, so every attempt is dropped here.
        reset(fake).await;
        fault(
            fake,
            r#"{"path":"/api/v1/instances","action":"drop","times":10}"#,
        )
        .await;
        let e = client_with(fake, ADMIN, 10_000, 0)
            .instances()
            .list(None)
            .await
            .unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("network", None), "{e}");

        reset(fake).await;
        fault(
            fake,
            r#"{"method":"GET","path":"/api/v1/instances","action":"drop"}"#,
        )
        .await;
        assert_eq!(admin(fake).instances().list(None).await.unwrap().len(), 3);

        reset(fake).await;
        fault(
            fake,
            r#"{"method":"POST","path":"/api/v1/instances","action":"drop","times":10}"#,
        )
        .await;
        let e = admin(fake).instances().create().await.unwrap_err();
        assert_eq!(e.kind().as_str(), "network");
        // One attempt: Node sends it once, a browser may resend it once on a fresh connection.
        // The client's own two retries would make it three or more.
        let posts = count(&seen(fake).await, "POST", "/api/v1/instances");
        assert!((1..=2).contains(&posts), "{posts} POSTs");
    }
}

#[wasm_bindgen_test]
async fn the_token_never_appears_in_an_error() {
    for fake in fakes() {
        reset(fake).await;
        let echo = format!(r#"{{"status":"error","message":"token {ADMIN} is not allowed here"}}"#);
        let specs = [
            format!(
                r#"{{"path":"/api/v1/instances","status":400,"body":{}}}"#,
                json_string(&echo)
            ),
            format!(
                r#"{{"path":"/api/v1/instances","status":200,"body":{}}}"#,
                json_string(&echo)
            ),
            format!(
                r#"{{"path":"/api/v1/instances","status":422,"body":{}}}"#,
                json_string(&format!(
                    r#"{{"message":"bad {ADMIN}","errors":{{"{ADMIN}":["{ADMIN}"]}}}}"#
                ))
            ),
        ];
        for spec in specs {
            fault(fake, &spec).await;
            let e = admin(fake).instances().list(None).await.unwrap_err();
            for shown in [e.to_string(), format!("{e:?}")] {
                assert!(!shown.contains(ADMIN), "{shown}");
                assert!(shown.contains("[redacted]"), "{shown}");
            }
        }
    }
}

#[wasm_bindgen_test]
async fn bad_input_is_refused_before_anything_is_sent() {
    for fake in fakes() {
        reset(fake).await;
        let c = admin(fake);
        let refused = |e: Error| assert_eq!(e.kind().as_str(), "invalid_input", "{e}");
        refused(c.instances().get(0).await.unwrap_err());
        refused(c.instance(1 << 53).status().await.unwrap_err());
        refused(
            c.instances()
                .update(1, &InstanceUpdate::new())
                .await
                .unwrap_err(),
        );
        let bad_url = InstanceUpdate::new().webhook_url(Some("javascript:alert(1)"));
        refused(c.instances().update(1, &bad_url).await.unwrap_err());
        refused(
            client_with(fake, "", 1000, 0)
                .instances()
                .list(None)
                .await
                .unwrap_err(),
        );
        refused(
            client_with(fake, "two words", 1000, 0)
                .instances()
                .list(None)
                .await
                .unwrap_err(),
        );
        let no_scheme = Client::with_options(ADMIN, Options::default().base_url("127.0.0.1/api"));
        refused(no_scheme.instances().list(None).await.unwrap_err());
        assert!(seen(fake).await.is_empty(), "nothing reached the server");
    }
}

/// A client of `fake` that reads answers of at most `limit` bytes.
fn limited(fake: &str, limit: u32) -> Client {
    Client::with_options(
        ADMIN,
        Options::default()
            .base_url(format!("{fake}/api/v1"))
            .max_response_bytes(limit),
    )
}

/// An instance list of exactly `size` bytes (padded with a member the client ignores).
fn list_of(size: usize) -> String {
    let head = r#"{"instances":[],"status":"success","pad":""#;
    format!("{head}{}\"}}", "x".repeat(size - head.len() - 2))
}

#[wasm_bindgen_test]
async fn answers_over_the_limit_are_refused_with_or_without_a_content_length() {
    for fake in fakes() {
        reset(fake).await;
        let body = list_of(2000);
        assert_eq!(body.len(), 2000);
        // "respond" sends a Content-Length (refused before reading), "chunked" none (the
        // stream is cancelled at the limit).
        for action in ["respond", "chunked"] {
            let spec = format!(
                r#"{{"path":"/api/v1/instances","status":200,"action":"{action}","times":2,"body":{}}}"#,
                json_string(&body)
            );
            fault(fake, &spec).await;
            assert!(limited(fake, 2000)
                .instances()
                .list(None)
                .await
                .unwrap()
                .is_empty());
            let e = limited(fake, 1999)
                .instances()
                .list(None)
                .await
                .unwrap_err();
            assert_eq!(
                (e.kind().as_str(), e.status()),
                ("response_too_large", Some(200)),
                "{action}: {e}"
            );
            assert!(e.message().contains("maxResponseBytes (1999 bytes)"), "{e}");
            assert!(!e.message().contains(ADMIN));
        }
        // Not retried, even with a status that would be: the same answer would come again.
        fault(
            fake,
            &format!(
                r#"{{"path":"/api/v1/instances","status":503,"times":3,"body":{}}}"#,
                json_string(&body)
            ),
        )
        .await;
        let _ = control(fake, Method::Delete, "/__fake/requests", None).await;
        let e = limited(fake, 1000)
            .instances()
            .list(None)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind().as_str(), e.status()),
            ("response_too_large", Some(503))
        );
        assert_eq!(count(&seen(fake).await, "GET", "/api/v1/instances"), 1);
        let _ = control(fake, Method::Delete, "/__fake/faults", None).await;
        // A real answer, streamed in chunks, reads whole under the default limit.
        fault(fake, r#"{"path":"/api/v1/instances","action":"chunked"}"#).await;
        assert_eq!(admin(fake).instances().list(None).await.unwrap().len(), 3);
    }
}

/// Whether the tests run in a browser, where a redirect is opaque (no status, no Location).
fn in_browser() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"document".into()).unwrap_or(false)
}

#[wasm_bindgen_test]
async fn redirects_are_never_followed_and_a_put_body_goes_nowhere_else() {
    let [live, spec] = fakes();
    for (fake, other) in [(live, spec), (spec, live)] {
        reset(fake).await;
        reset(other).await;
        let c = admin(fake);
        fault(fake, &format!(r#"{{"method":"GET","path":"/api/v1/instances","status":302,"headers":{{"Location":"{other}/api/v1/instances"}}}}"#)).await;
        let e = c.instances().list(None).await.unwrap_err();
        assert_eq!(e.kind().as_str(), "redirect", "{e}");
        if in_browser() {
            assert_eq!(e.status(), None, "{e}");
        } else {
            assert_eq!(e.status(), Some(302));
            assert!(
                e.message().contains(&format!("(HTTP 302) to {other} ")),
                "{e}"
            );
        }
        for status in [301, 307, 308] {
            fault(fake, &format!(r#"{{"method":"PUT","path":"/api/v1/instances/1","status":{status},"headers":{{"Location":"{other}/api/v1/instances/1"}}}}"#)).await;
            let update = InstanceUpdate::new()
                .name("Moved")
                .webhook_url(Some("https://secret.example/hook"));
            let e = c.instances().update(1, &update).await.unwrap_err();
            assert_eq!(e.kind().as_str(), "redirect", "{e}");
            assert_eq!(e.status(), (!in_browser()).then_some(status));
        }
        // Each request went to `fake` once (no retry) and none to where the redirect pointed.
        let log = seen(fake).await;
        assert_eq!(
            (
                count(&log, "GET", "/api/v1/instances"),
                count(&log, "PUT", "/api/v1/instances/1")
            ),
            (1, 3)
        );
        assert!(
            seen(other).await.is_empty(),
            "the redirect target was never called"
        );
        assert_eq!(
            c.instances().get(1).await.unwrap().name.as_deref(),
            Some("Support")
        );
    }
    // A Location on the same server is named by its origin too.
    reset(live).await;
    fault(
        live,
        r#"{"path":"/api/v1/instances","status":301,"headers":{"Location":"/elsewhere?token=x"}}"#,
    )
    .await;
    let e = admin(live).instances().list(None).await.unwrap_err();
    assert_eq!(e.kind().as_str(), "redirect");
    if !in_browser() {
        assert!(e.message().contains(&format!("to {live} when")), "{e}");
        assert!(!e.message().contains("elsewhere"), "{e}");
    }
}

#[wasm_bindgen_test]
async fn webhook_urls_on_internal_hosts_are_refused_before_sending() {
    for fake in fakes() {
        reset(fake).await;
        let strict = admin(fake);
        let lenient = Client::with_options(
            ADMIN,
            Options::default()
                .base_url(format!("{fake}/api/v1"))
                .allow_private_webhook_hosts(true),
        );
        let hook = |url: &str| InstanceUpdate::new().webhook_url(Some(url));
        for (url, always) in [
            ("http://169.254.169.254/latest/meta-data/", true),
            ("http://[::ffff:169.254.169.254]/", true),
            ("http://metadata.google.internal/computeMetadata/v1/", true),
            ("http://127.0.0.1:22/", false),
            ("http://localhost/", false),
            ("http://[::1]/", false),
            ("http://10.0.0.1/", false),
            ("http://0x7f000001/", false),
            ("http://2130706433/", false),
        ] {
            let e = strict.instances().update(1, &hook(url)).await.unwrap_err();
            assert_eq!(e.kind().as_str(), "invalid_input", "{url}");
            if always {
                let e = lenient.instances().update(1, &hook(url)).await.unwrap_err();
                assert_eq!(e.kind().as_str(), "invalid_input", "{url}");
            }
        }
        assert!(seen(fake).await.is_empty(), "nothing reached the server");
        let local = format!("{fake}/hook");
        let status = lenient.instances().update(1, &hook(&local)).await.unwrap();
        assert_eq!(status.instanceWebhook.as_deref(), Some(local.as_str()));
    }
}

#[wasm_bindgen_test]
async fn hostile_profile_pictures_and_qr_codes_do_not_pass() {
    for fake in fakes() {
        reset(fake).await;
        let me = |pic: &str| {
            let data = format!(
                r#"{{"displayName":"D","contactId":"49@c.us","formattedNumber":"+49","profilePicUrl":{}}}"#,
                json_string(pic)
            );
            format!(
                r#"{{"path":"/api/v1/instances/1/client/me","status":200,"body":{}}}"#,
                json_string(&format!(
                    r#"{{"me":{{"status":"success","instanceId":"1","data":{data}}},"status":"success"}}"#
                ))
            )
        };
        for pic in [
            "javascript:alert(10)",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            fault(fake, &me(pic)).await;
            assert_eq!(
                admin(fake).instance(1).me().await.unwrap().profilePicUrl,
                None,
                "{pic}"
            );
        }
        let qr = json_string(
            r#"{"qrCode":{"status":"success","instanceId":"2","data":{"qr_code":"data:image/png;base64,iVBORw0KGgo=\"><img src=x onerror=alert(1)>"}},"status":"success"}"#,
        );
        fault(
            fake,
            &format!(r#"{{"path":"/api/v1/instances/2/client/qr","status":200,"body":{qr}}}"#),
        )
        .await;
        let e = admin(fake).instance(2).qr_code().await.unwrap_err();
        assert_eq!(e.kind().as_str(), "decode", "{e}");
        // The fake's real QR code passes.
        assert!(admin(fake)
            .instance(2)
            .qr_code()
            .await
            .unwrap()
            .data_url()
            .starts_with("data:image/png;base64,iVBOR"));
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::new();
    waapi_wasm::json::write_str(&mut out, s);
    out
}

// ---- client actions ----

const CHAT: &str = "4915112345678@c.us";
const GROUP: &str = "120363000000000001@g.us";

/// A value for `param` of `action` that the fake's seed answers with success (its README's
/// seed table): the chat, group, messages, labels, channel and community it starts with.
fn sample(action: &str, param: &str) -> Json<'static> {
    let group_action = action.contains("group-") && action != "get-common-groups";
    let s = |v: &str| Json::from(v);
    let strings = |v: &[&str]| Json::from(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    match param {
        "chatId" if group_action => s(GROUP),
        "chatId" | "contactId" => s(CHAT),
        "messageId" if action.contains("poll") => s("true_4915112345678@c.us_3EB0SEEDPOLL"),
        "messageId" | "eventMessageId" => s("false_4915112345678@c.us_3EB0SEED0001"),
        "message" => s("Hello from the wasm test"),
        "mediaUrl" => s("https://example.com/cat.jpg"),
        "vCard" => {
            Json::parse(r#"{"firstname":"Max","lastname":"Mustermann","waid":"4915187654321"}"#)
                .unwrap()
                .into_owned()
        }
        "latitude" => Json::from(52.52),
        "longitude" => Json::from(13.405),
        "query" => s("seed"),
        "number" | "phoneNumber" => s("4915112345678"),
        "contactIds" => strings(&[CHAT]),
        "caption" => s("Lunch?"),
        "options" => strings(&["Pizza", "Sushi"]),
        "firstName" => s("Erika"),
        "lastName" => s("Mustermann"),
        "groupName" => s("New group"),
        "groupParticipants" => strings(&["4915187654321@c.us"]),
        "reaction" => s("👍"),
        "participant" => s("4915187654322@c.us"),
        "inviteCode" => s("FAKEINVITE1"),
        "name" => s("Fake thing"),
        "title" => s("New community"),
        "communityId" => s("120363000000000003@g.us"),
        "channelId" => s("120363000000000002@newsletter"),
        "groupIds" => strings(&[GROUP]),
        "labelId" => Json::from(1_i64),
        "labelIds" => Json::from(vec![1_i64, 2]),
        "status" => s("Busy"),
        "displayName" => s("Support"),
        "type" => s("contacts"),
        "startTime" => Json::from(1_767_225_600_i64),
        "selectedOptions" => strings(&["Pizza"]),
        "eventResponse" => Json::from(1_i64),
        "note" => s("VIP"),
        "callType" => s("voice"),
        "category" => s("lastSeen"),
        "value" => s("all"),
        "duration" => Json::from(86_400_i64),
        "shortcut" => s("bye"),
        "id" => s("1"),
        other => panic!("no sample for {action}.{other}"),
    }
}

/// Every action of the catalogue, once, through the checked path and the real fetch, in both
/// envelope modes: the request goes out as built and the answer's payload comes back.
#[wasm_bindgen_test]
async fn every_action_once_against_the_fake() {
    use waapi_wasm::actions::CATALOGUE;
    for fake in fakes() {
        let client = admin(fake);
        for action in CATALOGUE {
            // Some actions use up what the next needs (a deleted message, a logout): start fresh.
            reset(fake).await;
            let params = Json::Object(
                action
                    .params
                    .iter()
                    .filter(|p| {
                        p.required
                            || ["channelId", "messageId", "mediaUrl", "inviteCode"]
                                .contains(&p.name)
                    })
                    .map(|p| (p.name.into(), sample(action.name, p.name)))
                    .collect(),
            );
            let answer = client.instance(1).run(action, &params).await;
            assert!(answer.is_ok(), "{fake} {}: {answer:?}", action.name);
            let log = seen(fake).await;
            let last = log.last().unwrap();
            assert_eq!(text(last, "method"), Some("POST"), "{}", action.name);
            assert_eq!(
                text(last, "path").unwrap(),
                format!("/api/v1/instances/1/client/action/{}", action.name)
            );
            let body = Json::parse(text(last, "body").unwrap()).unwrap();
            assert_eq!(body, params, "{} sends exactly its parameters", action.name);
        }
    }
}

#[wasm_bindgen_test]
async fn typed_actions_send_and_read_back() {
    use waapi_wasm::actions::{CreateGroup, FetchMessages, GetChats, SendMessage};
    for fake in fakes() {
        reset(fake).await;
        let client = admin(fake);
        let support = client.instance(1);
        let sent = support
            .send_message(&SendMessage::new(CHAT, "Typed hello").preview_link(false))
            .await
            .unwrap();
        let data = sent._data.expect("the sent message");
        assert_eq!(data.get("body").and_then(Json::as_str), Some("Typed hello"));
        let chats = support.get_chats(&GetChats::new().limit(50)).await.unwrap();
        let chat = chats
            .iter()
            .find(|c| {
                c.id.as_ref()
                    .and_then(|id| id.get("_serialized"))
                    .and_then(Json::as_str)
                    == Some(CHAT)
            })
            .expect("the chat is listed");
        let last = chat.lastMessage.as_ref().expect("a last message");
        assert_eq!(
            last.get("body").and_then(Json::as_str),
            Some("Typed hello"),
            "{fake}"
        );
        let messages = support
            .fetch_messages(&FetchMessages::new(CHAT).limit(100))
            .await
            .unwrap();
        assert!(messages.iter().any(|m| m
            .message
            .as_ref()
            .and_then(|m| m.get("body"))
            .and_then(Json::as_str)
            == Some("Typed hello")));
        let group = support
            .create_group(&CreateGroup::new("Team", ["4915187654321@c.us"]))
            .await
            .unwrap();
        let gid = group
            .gid
            .as_ref()
            .and_then(|g| g.get("_serialized"))
            .and_then(Json::as_str);
        assert!(gid.is_some_and(|g| g.ends_with("@g.us")), "{group:?}");
        let registered: bool = support
            .is_registered_user(&waapi_wasm::actions::IsRegisteredUser::new(CHAT))
            .await
            .unwrap();
        assert!(registered);
    }
}

#[wasm_bindgen_test]
async fn action_errors_have_kinds_a_program_can_act_on() {
    use waapi_wasm::actions::{GetChats, SendMessage};
    for fake in fakes() {
        reset(fake).await;
        let client = admin(fake);
        // Bad input: nothing is sent.
        let typo = Json::parse(r#"{"chatID":"4915112345678@c.us","message":"m"}"#).unwrap();
        let send = waapi_wasm::action::find("send-message").unwrap();
        let e = client.instance(1).run(send, &typo).await.unwrap_err();
        assert_eq!(e.kind().as_str(), "invalid_input");
        assert!(seen(fake).await.is_empty());
        // The in-band error of a malformed chat id.
        let e = client
            .instance(1)
            .send_message(&SendMessage::new("bogus", "m"))
            .await
            .unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("api", Some(200)));
        assert!(e.message().contains("incorrect chatId format."), "{e}");
        // Instance 2 waits for its QR scan: not ready, in band.
        let e = client
            .instance(2)
            .get_chats(&GetChats::new())
            .await
            .unwrap_err();
        assert_eq!(e.kind().as_str(), "api", "{e}");
        assert!(e.message().contains("not ready"), "{e}");
        // The v1.7.0 API's 409.
        fault(fake, r#"{"path":"/api/v1/instances/1/client/action/*","status":409,"body":"{\"status\":\"error\",\"message\":\"Instance is not ready.\"}"}"#).await;
        let e = client
            .instance(1)
            .get_chats(&GetChats::new())
            .await
            .unwrap_err();
        assert_eq!((e.kind().as_str(), e.status()), ("not_ready", Some(409)));
        // 503: a read-only action is tried again, a sending one never.
        reset(fake).await;
        fault(
            fake,
            r#"{"path":"/api/v1/instances/1/client/action/*","status":503,"times":1}"#,
        )
        .await;
        client
            .instance(1)
            .get_chats(&GetChats::new())
            .await
            .unwrap();
        let path = "/api/v1/instances/1/client/action/get-chats";
        assert_eq!(count(&seen(fake).await, "POST", path), 2);
        reset(fake).await;
        fault(
            fake,
            r#"{"path":"/api/v1/instances/1/client/action/*","status":503,"times":1}"#,
        )
        .await;
        let e = client
            .instance(1)
            .send_message(&SendMessage::new(CHAT, "once"))
            .await
            .unwrap_err();
        assert_eq!(e.kind().as_str(), "server");
        let path = "/api/v1/instances/1/client/action/send-message";
        assert_eq!(
            count(&seen(fake).await, "POST", path),
            1,
            "never sent twice"
        );
        // A read-only token may read but not send.
        let viewer = client_with(fake, VIEWER, 10_000, 0);
        viewer
            .instance(1)
            .get_chats(&GetChats::new())
            .await
            .unwrap();
        let e = viewer
            .instance(1)
            .send_message(&SendMessage::new(CHAT, "m"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Forbidden {
                    permission: Permission::Update,
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

/// Webhook parsing in wasm (panic = "abort" there): typed events, the normalized text, and a
/// malformed body as an error rather than a trap. No fake needed.
#[wasm_bindgen_test]
fn webhooks_parse_in_wasm() {
    use waapi_wasm::webhook::{normalize, WebhookPayload};
    use waapi_wasm::ErrorKind;

    let body = r#"{"event":"message_ack","instanceId":"12","data":{"ack":-1,"message":{"id":{"_serialized":"true_4915112345678@c.us_AB"},"to":"4915112345678@c.us","x":[]}}}"#;
    let WebhookPayload::MessageAck(e) = WebhookPayload::parse(body).unwrap() else {
        panic!("not an ack")
    };
    assert_eq!((e.instance_id, e.data.ack), (12, Some(-1)));
    assert_eq!(
        e.data.message.serialized_id(),
        Some("true_4915112345678@c.us_AB")
    );
    assert_eq!(e.data.message.other[0].0, "x");
    assert_eq!(
        normalize(r#"{"event":"brand_new","instanceId":"9007199254740991","data":[]}"#).unwrap(),
        r#"{"event":"brand_new","instanceId":9007199254740991,"data":{}}"#
    );
    for bad in [
        "",
        "{\"event\":\"ready\"",
        "{\"event\":\"ready\",\"instanceId\":0}",
        "{\"event\":\"message\",\"instanceId\":1,\"data\":{\"message\":1}}",
    ] {
        let e = WebhookPayload::parse(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert_eq!(
        WebhookPayload::parse(r#"{"event":"presence_update","instanceId":3}"#)
            .unwrap()
            .event(),
        WebhookEvent::PresenceUpdate
    );
}
