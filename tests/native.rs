//! The Rust API over the native transport (`--features native`: reqwest on Tokio) against
//! fake-waapi over HTTP on 127.0.0.1. Each test starts its own fakes (live and spec envelopes)
//! on free ports inside its runtime; they stop with it.

use std::future::Future;
use std::time::{Duration, Instant};

use fake_waapi::{Config, Envelopes, ADMIN_TOKEN, VIEWER_TOKEN};
use serde_json::{json, Value};
use waapi_wasm::actions::SendMessage;
use waapi_wasm::{Client, ErrorKind, InstanceStatus, InstanceUpdate, Options, WebhookEvent};

/// A fake on a free port, stopped when dropped.
struct Fake {
    url: String,
    server: tokio::task::JoinHandle<std::convert::Infallible>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn fake(envelopes: Envelopes) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        envelopes,
        boot: Duration::ZERO,
        ..Config::default()
    };
    Fake {
        url,
        server: tokio::spawn(fake_waapi::serve(listener, config)),
    }
}

async fn fakes() -> [Fake; 2] {
    [fake(Envelopes::Live).await, fake(Envelopes::Spec).await]
}

impl Fake {
    fn client(&self, token: &str, options: Options) -> Client {
        Client::with_options(token, options.base_url(format!("{}/api/v1", self.url)))
    }

    fn admin(&self) -> Client {
        self.client(ADMIN_TOKEN, Options::default())
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null)
    }

    async fn fault(&self, spec: Value) {
        self.control(reqwest::Method::POST, "/__fake/faults", Some(spec))
            .await;
    }

    /// The API requests the fake saw, oldest first.
    async fn seen(&self) -> Vec<Value> {
        match self
            .control(reqwest::Method::GET, "/__fake/requests", None)
            .await
        {
            Value::Array(log) => log,
            other => panic!("not a request log: {other}"),
        }
    }
}

#[tokio::test]
async fn lists_reads_updates_and_deletes_instances() {
    for fake in fakes().await {
        let c = fake.admin();
        let list = c.instances().list(None).await.unwrap();
        assert_eq!(list.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(list[0].name.as_deref(), Some("Support"));
        assert!(list[1].is_trial, "1 on the live fake, true on the spec one");
        assert_eq!(c.instances().list(Some("sup")).await.unwrap().len(), 1);
        assert_eq!(c.instances().get(2).await.unwrap().id, 2);

        let update = InstanceUpdate::new()
            .name("Renamed")
            .webhook_events(vec![WebhookEvent::Message, WebhookEvent::Ready]);
        let status = c.instances().update(1, &update).await.unwrap();
        assert_eq!(status.name.as_deref(), Some("Renamed"));
        assert_eq!(
            status.instanceEvents,
            [WebhookEvent::Message, WebhookEvent::Ready]
        );
        assert_eq!(
            c.instances().get(1).await.unwrap().name.as_deref(),
            Some("Renamed")
        );
        assert_eq!(
            c.instance(1).status().await.unwrap().instanceStatus,
            InstanceStatus::Ready
        );
        c.instances().delete(3).await.unwrap();
        let e = c.instances().get(3).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

        // What went over the wire: the three headers and our User-Agent, the body as JSON.
        let log = fake.seen().await;
        let put = log.iter().find(|r| r["method"] == "PUT").unwrap();
        assert_eq!(
            put["headers"]["authorization"],
            format!("Bearer {ADMIN_TOKEN}")
        );
        assert_eq!(put["headers"]["accept"], "application/json");
        assert_eq!(put["headers"]["content-type"], "application/json");
        assert!(put["headers"]["user-agent"]
            .as_str()
            .unwrap()
            .starts_with("waapi-wasm/"));
    }
}

#[tokio::test]
async fn runs_a_typed_action() {
    for fake in fakes().await {
        let sent = fake
            .admin()
            .instance(1)
            .send_message(&SendMessage::new("4915112345678@c.us", "native hello"))
            .await
            .unwrap();
        let raw = format!("{}", sent.raw);
        assert!(raw.contains("native hello"), "{raw}");
        let post = fake.seen().await.pop().unwrap();
        assert_eq!(
            post["path"],
            "/api/v1/instances/1/client/action/send-message"
        );
    }
}

#[tokio::test]
async fn api_errors_keep_their_kind_status_and_words() {
    for fake in fakes().await {
        let viewer = fake.client(VIEWER_TOKEN, Options::default());
        let e = viewer
            .instances()
            .update(1, &InstanceUpdate::new().name("x"))
            .await
            .unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Forbidden, Some(403)));

        let wrong = fake.client("not-a-token", Options::default());
        let e = wrong.instances().list(None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e}");

        fake.fault(json!({"path": "/api/v1/instances", "status": 429,
            "headers": {"Retry-After": "7"}, "body": "{\"message\":\"Too Many Attempts.\"}"}))
            .await;
        let e = fake
            .client(ADMIN_TOKEN, Options::default().max_retries(0))
            .instances()
            .list(None)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.retry_after()),
            (ErrorKind::RateLimited, Some(7))
        );

        // A 503 once, then the real answer: a GET is retried.
        fake.fault(json!({"path": "/api/v1/instances", "status": 503}))
            .await;
        assert_eq!(fake.admin().instances().list(None).await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn the_timeout_covers_the_answer_and_a_get_retries() {
    for fake in fakes().await {
        fake.fault(json!({"path": "/api/v1/instances", "delay_ms": 3000}))
            .await;
        let quick = Options::default().timeout_ms(300).max_retries(0);
        let started = Instant::now();
        let e = fake
            .client(ADMIN_TOKEN, quick.clone())
            .instances()
            .list(None)
            .await
            .unwrap_err();
        println!("timed out after {:?}", started.elapsed());
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(e.message().contains("300 ms"), "{e}");

        fake.fault(json!({"path": "/api/v1/instances", "delay_ms": 3000}))
            .await;
        let list = fake
            .client(ADMIN_TOKEN, quick.max_retries(1))
            .instances()
            .list(None)
            .await
            .unwrap();
        assert_eq!(list.len(), 3);
    }
}

const CHUNKED: &str = "transfer-encoding: chunked";

/// `header` and the others at once, then a byte of the body every 100 ms for 10 s (in chunks
/// when `header` is [`CHUNKED`]): the fake cannot trickle a body, so this server on a free
/// port does.
async fn trickling_server(header: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0; 4096];
        let _ = socket.read(&mut request).await;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{header}\r\n\r\n");
        let _ = socket.write_all(head.as_bytes()).await;
        let byte: &[u8] = if header == CHUNKED {
            b"1\r\n \r\n"
        } else {
            b" "
        };
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if socket.write_all(byte).await.is_err() {
                return; // the client hung up
            }
        }
    });
    (url, server)
}

#[tokio::test]
async fn the_timeout_covers_a_slow_body() {
    let (url, server) = trickling_server(CHUNKED).await;
    let c = Client::with_options(
        "token",
        Options::default()
            .base_url(url)
            .timeout_ms(500)
            .max_retries(0),
    );
    let started = Instant::now();
    let e = c.instances().list(None).await.unwrap_err();
    println!("slow body ended after {:?}: {e}", started.elapsed());
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    server.abort();
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_before_reading() {
    let (url, server) = trickling_server("content-length: 100000").await;
    let c = Client::with_options(
        "token",
        Options::default()
            .base_url(url)
            .max_response_bytes(1000)
            .max_retries(0),
    );
    // Reading up to the limit would take 100 s at this pace, far past the 30 s timeout.
    let e = c.instances().list(None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
    server.abort();
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let [live, spec] = fakes().await;
    for (fake, other) in [(&live, &spec), (&spec, &live)] {
        let location = format!("{}/api/v1/instances", other.url);
        fake.fault(
            json!({"method": "PUT", "path": "/api/v1/instances/1", "status": 307,
            "headers": {"Location": location}}),
        )
        .await;
        let before = other.seen().await.len();
        let e = fake
            .admin()
            .instances()
            .update(1, &InstanceUpdate::new().name("elsewhere"))
            .await
            .unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Redirect, Some(307)));
        assert!(e.message().contains(&other.url), "{e}");
        assert_eq!(
            other.seen().await.len(),
            before,
            "the PUT went nowhere else"
        );
    }
}

/// An instance list of exactly `size` bytes (padded with a member the client ignores).
fn list_of(size: usize) -> String {
    let head = r#"{"instances":[],"status":"success","pad":""#;
    format!("{head}{}\"}}", "x".repeat(size - head.len() - 2))
}

#[tokio::test]
async fn answers_over_the_limit_are_cut() {
    for fake in fakes().await {
        let body = list_of(2000);
        // "respond" sends a Content-Length (refused before reading), "chunked" none.
        for action in ["respond", "chunked"] {
            fake.fault(
                json!({"path": "/api/v1/instances", "status": 200, "action": action,
                "times": 2, "body": body}),
            )
            .await;
            let limited = |n| Options::default().max_response_bytes(n);
            let fits = fake.client(ADMIN_TOKEN, limited(2000));
            assert!(fits.instances().list(None).await.unwrap().is_empty());
            let e = fake
                .client(ADMIN_TOKEN, limited(1999))
                .instances()
                .list(None)
                .await
                .unwrap_err();
            assert_eq!(
                (e.kind(), e.status()),
                (ErrorKind::ResponseTooLarge, Some(200)),
                "{action}: {e}"
            );
        }
    }
}

#[tokio::test]
async fn the_token_never_shows() {
    let fake = fake(Envelopes::Live).await;
    let token = "sk-native-secret-123";
    fake.fault(json!({"path": "/api/v1/instances", "status": 400,
        "body": format!("{{\"status\":\"error\",\"message\":\"token {token} refused\"}}")}))
        .await;
    let c = fake.client(token, Options::default());
    let e = c.instances().list(None).await.unwrap_err();
    // Nothing listens on port 1: the network error's text comes from reqwest and the OS.
    let closed = Client::with_options(
        token,
        Options::default()
            .base_url("http://127.0.0.1:1/api/v1")
            .max_retries(0),
    );
    let n = closed.instances().list(None).await.unwrap_err();
    assert_eq!(n.kind(), ErrorKind::Network, "{n}");
    println!("network error: {n}");
    for shown in [
        e.to_string(),
        format!("{e:?}"),
        n.to_string(),
        format!("{n:?}"),
        format!("{c:?}"),
    ] {
        assert!(!shown.contains(token), "{shown}");
    }
}

#[test]
fn off_a_tokio_runtime_a_call_fails_instead_of_panicking() {
    let c = Client::with_options(
        "token",
        Options::default().base_url("http://127.0.0.1:1/api/v1"),
    );
    let list = c.instances();
    let mut call = std::pin::pin!(list.list(None));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    // Nothing to wait for: it fails within the first poll, retries included.
    match call.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::Network);
            assert!(e.message().contains("Tokio runtime"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// The futures are `Send` natively, so they can be spawned on a multi-threaded runtime; and a
/// handler is a value that a future can be made from.
#[tokio::test]
async fn futures_are_send_and_handlers_are_values() {
    fn send<T: Send>(t: T) -> T {
        t
    }
    let fake = fake(Envelopes::Live).await;
    let client = fake.admin();
    let list = client.instances();
    let fut = send(list.list(None));
    assert_eq!(fut.await.unwrap().len(), 3);
    let from_a_temporary = send(client.instances().get(2));
    assert_eq!(from_a_temporary.await.unwrap().id, 2);
    let support = client.instance(1);
    let request = SendMessage::new("4915112345678@c.us", "sent");
    send(support.send_message(&request)).await.unwrap();
    // Spawned onto the runtime's worker threads, which needs `Send + 'static`.
    let shared = std::sync::Arc::new(client.clone());
    let spawned = tokio::spawn(async move { shared.instance(1).status().await });
    assert_eq!(spawned.await.unwrap().unwrap().instanceId, 1);
}
