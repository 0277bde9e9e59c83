//! Webhooks: what the fake posts, when, in which order, and how it copes with receivers that
//! fail or hang. Each test runs its own receiver on a free 127.0.0.1 port and reads the
//! fake's delivery log, polling until the expected entries are there (no timing thresholds).

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_waapi::Config;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::support::{instant, Fake, ADMIN};

/// How long a test waits for deliveries before it fails; generous for a busy machine (the
/// hanging-receiver tests wait out the fake's 5 s timeout inside it).
const DEADLINE: Duration = Duration::from_secs(60);

/// What a receiver answers to the n-th request (from 0).
type Answer = dyn Fn(usize) -> Reply + Send + Sync;

#[derive(Clone, Copy)]
enum Reply {
    Status(u16),
    /// Answers with this status after a while.
    Slow(u16, Duration),
    /// A 302 to `/followed` on the same receiver.
    Redirect,
    /// Never answers; the fake has to give up.
    Hang,
}

struct Received {
    path: String,
    headers: HeaderMap,
    body: Value,
}

/// A webhook receiver on a free port; dropping it stops it.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
    /// The most requests it has had under way at once.
    most_at_once: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(answer: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let shared = Shared {
            got: Arc::clone(&got),
            arrived: Arc::clone(&arrived),
            answer: Arc::new(answer),
            at_once: Arc::new(AtomicUsize::new(0)),
            most_at_once: Arc::clone(&most_at_once),
        };
        let task = tokio::spawn(accept(listener, shared));
        Receiver {
            url,
            got,
            arrived,
            most_at_once,
            task,
        }
    }

    /// Answers every request with `status`.
    async fn answering(status: u16) -> Receiver {
        Receiver::start(move |_| Reply::Status(status)).await
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.body.clone())
            .collect()
    }

    /// Waits until the receiver has seen `n` requests.
    async fn wait_for(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while self.count() < n {
            let notified = self.arrived.notified();
            if self.count() >= n {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("the receiver got {} requests, not {n}", self.count());
            }
        }
    }
}

/// What every connection of a receiver shares.
#[derive(Clone)]
struct Shared {
    got: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
    answer: Arc<Answer>,
    at_once: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
}

async fn accept(listener: TcpListener, shared: Shared) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let shared = shared.clone();
            async move {
                let now = shared.at_once.fetch_add(1, Ordering::SeqCst) + 1;
                shared.most_at_once.fetch_max(now, Ordering::SeqCst);
                let path = request.uri().path().to_owned();
                let headers = request.headers().clone();
                let bytes = request.into_body().collect().await.unwrap().to_bytes();
                let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let n = {
                    let mut got = shared.got.lock().unwrap();
                    got.push(Received {
                        path,
                        headers,
                        body,
                    });
                    got.len() - 1
                };
                shared.arrived.notify_waiters();
                let response = Response::builder();
                let response = match (shared.answer)(n) {
                    Reply::Status(status) => response.status(status),
                    Reply::Slow(status, after) => {
                        tokio::time::sleep(after).await;
                        response.status(status)
                    }
                    Reply::Redirect => response.status(302).header("location", "/followed"),
                    Reply::Hang => std::future::pending().await,
                };
                shared.at_once.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, Infallible>(response.body(String::new()).unwrap())
            }
        });
        connections.spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Points instance `id`'s webhook at `url` for `events`.
async fn subscribe(fake: &Fake, id: u64, url: &str, events: &[&str]) {
    let body = json!({"webhook": {"url": url, "events": events}}).to_string();
    let reply = fake
        .put(&format!("/api/v1/instances/{id}"), ADMIN, &body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn deliveries(fake: &Fake) -> Vec<Value> {
    let reply = fake.get("/__fake/webhooks", None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["deliveries"].as_array().unwrap().clone()
}

/// Polls the delivery log until it holds `n` entries, and returns them.
async fn logged(fake: &Fake, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let log = deliveries(fake).await;
        if log.len() >= n {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} deliveries, the log has {}: {log:#?}",
            log.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn inbound(fake: &Fake, id: u64, body: Value) -> crate::support::Reply {
    fake.post(
        &format!("/__fake/instances/{id}/inbound"),
        None,
        Some(&body.to_string()),
    )
    .await
}

async fn send_message(fake: &Fake, id: u64, chat_id: &str, text: &str) -> String {
    let body = json!({"chatId": chat_id, "message": text}).to_string();
    let reply = fake
        .post(
            &format!("/api/v1/instances/{id}/client/action/send-message"),
            ADMIN,
            Some(&body),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["data"]["data"]["_data"]["id"]["_serialized"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn events(log: &[Value]) -> Vec<&str> {
    log.iter().map(|d| d["event"].as_str().unwrap()).collect()
}

/// Acks come `--ack-delay-ms` apart; tests that wait for them keep it short.
fn quick_acks() -> Config {
    Config {
        ack_delay: Duration::from_millis(10),
        ..instant()
    }
}

#[tokio::test]
async fn subscribed_events_are_posted_as_json_and_others_are_not() {
    let fake = Fake::start(quick_acks()).await;
    let receiver = Receiver::answering(200).await;
    subscribe(&fake, 1, &receiver.url, &["message"]).await;

    let first = inbound(
        &fake,
        1,
        json!({"from": "4915100000001@c.us", "body": "one"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);
    // message_create and message_ack are not subscribed: the sent message's acks all happen
    // (ack 3 is stored when its event is due) without a delivery.
    let sent = send_message(&fake, 1, "4915100000001@c.us", "not posted").await;
    let state_path = "/__fake/instances/1/state";
    let deadline = Instant::now() + DEADLINE;
    loop {
        let state = fake.get(state_path, None).await.json();
        let acked = state["chats"].as_array().unwrap().iter().any(|chat| {
            chat["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"]["_serialized"] == sent.as_str() && m["ack"] == 3)
        });
        if acked {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sent message never got ack 3"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // One instance's events arrive in order, so once this one is logged nothing else is due.
    inbound(
        &fake,
        1,
        json!({"from": "4915100000001@c.us", "body": "two"}),
    )
    .await;
    let log = logged(&fake, 2).await;
    assert_eq!(events(&log), ["message", "message"], "{log:#?}");
    assert_eq!(receiver.count(), 2);

    let entry = &log[0];
    assert_eq!(entry["url"], receiver.url.as_str());
    assert_eq!(entry["instanceId"], 1);
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["error"], Value::Null);
    assert!(entry["ms"].is_u64());
    assert_eq!(entry["body"]["event"], "message");
    assert_eq!(entry["body"]["instanceId"], 1);
    assert_eq!(entry["body"]["data"]["message"], first.json()["message"]);
    assert_eq!(log[1]["body"]["data"]["message"]["body"], "two");

    let got = receiver.got.lock().unwrap();
    assert_eq!(got[0].path, "/hook");
    assert_eq!(got[0].body, entry["body"], "the log keeps what was posted");
    let header = |name: &str| got[0].headers.get(name).map(|v| v.to_str().unwrap());
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("accept"), Some("application/json"));
    assert!(header("user-agent").unwrap().starts_with("fake-waapi/"));
    // WaAPI signs nothing, and neither does the fake.
    let mut names: Vec<&str> = got[0].headers.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "accept",
            "content-length",
            "content-type",
            "host",
            "user-agent"
        ]
    );
}

#[tokio::test]
async fn one_instance_s_events_arrive_in_the_order_they_happened() {
    let fake = Fake::start(instant()).await;
    // Answers that take from 0 to 12 ms, so a later delivery would overtake a slower earlier
    // one if they were sent side by side.
    let receiver =
        Receiver::start(|n| Reply::Slow(204, Duration::from_millis((n as u64 * 7) % 13))).await;
    subscribe(&fake, 1, &receiver.url, &["message", "message_create"]).await;
    const N: usize = 40;
    for i in 0..N {
        let reply = inbound(
            &fake,
            1,
            json!({"from": "4915100000001@c.us", "body": format!("m{i}")}),
        )
        .await;
        assert_eq!(reply.status, 201);
    }
    let log = logged(&fake, 2 * N).await;
    let expected: Vec<(String, String)> = (0..N)
        .flat_map(|i| ["message", "message_create"].map(|e| (e.to_owned(), format!("m{i}"))))
        .collect();
    let seen = |bodies: Vec<Value>| -> Vec<(String, String)> {
        bodies
            .iter()
            .map(|b| {
                (
                    b["event"].as_str().unwrap().to_owned(),
                    b["data"]["message"]["body"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(seen(receiver.bodies()), expected, "as received");
    let logged_bodies = log.iter().map(|d| d["body"].clone()).collect();
    assert_eq!(seen(logged_bodies), expected, "as logged");
    assert_eq!(
        receiver.most_at_once.load(Ordering::SeqCst),
        1,
        "one delivery at a time per instance"
    );
}

#[tokio::test]
async fn a_sent_message_gets_message_create_then_acks_1_2_3_with_its_id() {
    let fake = Fake::start(quick_acks()).await;
    let receiver = Receiver::answering(200).await;
    subscribe(&fake, 1, &receiver.url, &["message_create", "message_ack"]).await;
    let chat = "4915187654321@c.us";
    let id = send_message(&fake, 1, chat, "Your order has shipped").await;
    assert!(id.starts_with(&format!("true_{chat}_3EB0")), "{id}");

    let log = logged(&fake, 4).await;
    assert_eq!(
        events(&log),
        [
            "message_create",
            "message_ack",
            "message_ack",
            "message_ack"
        ]
    );
    for (entry, ack) in log[1..].iter().zip(1..) {
        assert_eq!(entry["body"]["data"]["ack"], ack);
        assert_eq!(entry["body"]["data"]["message"]["ack"], ack);
    }
    for entry in &log {
        let message = &entry["body"]["data"]["message"];
        assert_eq!(message["id"]["_serialized"], id.as_str(), "{entry:#}");
        assert_eq!(message["id"]["fromMe"], true);
        assert_eq!(message["id"]["remote"], chat);
        assert_eq!(message["fromMe"], true);
        assert_eq!(message["from"], "4915112345678@c.us");
        assert_eq!(message["to"], chat);
        assert_eq!(message["body"], "Your order has shipped");
        assert_eq!(message["type"], "chat");
    }

    // The stored message is read (ack 3) too.
    let body = json!({"chatId": chat}).to_string();
    let fetched = fake
        .post(
            "/api/v1/instances/1/client/action/fetch-messages",
            ADMIN,
            Some(&body),
        )
        .await
        .json();
    let stored = fetched["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message"]["id"]["_serialized"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(stored["message"]["ack"], 3);

    // Other sending actions count as well.
    let body = json!({"chatId": chat, "latitude": 52.5, "longitude": 13.4}).to_string();
    let reply = fake
        .post(
            "/api/v1/instances/1/client/action/send-location",
            ADMIN,
            Some(&body),
        )
        .await;
    let location = reply.json()["data"]["data"]["_data"]["id"]["_serialized"].clone();
    let log = logged(&fake, 8).await;
    assert_eq!(log[4]["event"], "message_create");
    assert!(log[4..]
        .iter()
        .all(|d| d["body"]["data"]["message"]["id"]["_serialized"] == location));
}

#[tokio::test]
async fn an_injected_inbound_message_is_stored_and_posted() {
    let fake = Fake::start(instant()).await;
    let receiver = Receiver::answering(200).await;
    subscribe(&fake, 1, &receiver.url, &["message", "message_create"]).await;
    let from = "4915100000007@c.us";

    let reply = inbound(
        &fake,
        1,
        json!({"from": from, "body": "Hi, is my order on its way?"}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let message = reply.json()["message"].clone();
    let id = message["id"]["_serialized"].as_str().unwrap().to_owned();
    assert!(id.starts_with(&format!("false_{from}_3EB0")), "{id}");
    assert_eq!(message["id"]["fromMe"], false);
    assert_eq!(message["id"]["remote"], from);
    assert_eq!(message["id"]["id"], id.rsplit('_').next().unwrap());
    assert_eq!(message["from"], from);
    assert_eq!(message["to"], "4915112345678@c.us");
    assert_eq!(message["body"], "Hi, is my order on its way?");
    assert_eq!(message["type"], "chat");
    assert_eq!(message["fromMe"], false);
    assert_eq!(message["hasMedia"], false);
    assert!(message["timestamp"].as_i64().unwrap() > 1_767_225_600);

    let log = logged(&fake, 2).await;
    assert_eq!(events(&log), ["message", "message_create"]);
    for entry in &log {
        assert_eq!(entry["body"]["data"]["message"], message);
    }

    // Stored like a received message: the new chat lists first, unread, and holds it.
    let chats = fake
        .post(
            "/api/v1/instances/1/client/action/get-chats",
            ADMIN,
            Some("{}"),
        )
        .await
        .json();
    let chat = &chats["data"]["data"][0];
    assert_eq!(chat["id"]["_serialized"], from);
    assert_eq!(chat["unreadCount"], 1);
    assert_eq!(chat["lastMessage"]["id"]["_serialized"], id.as_str());
    let body = json!({"chatId": from}).to_string();
    let fetched = fake
        .post(
            "/api/v1/instances/1/client/action/fetch-messages",
            ADMIN,
            Some(&body),
        )
        .await
        .json();
    assert_eq!(fetched["data"]["data"][0]["message"], message);
}

#[tokio::test]
async fn inbound_injection_rejects_bad_bodies_unknown_and_unready_instances() {
    let fake = Fake::start(instant()).await;
    let bad = [
        json!({"body": "no sender"}),
        json!({"from": "4915100000001@c.us"}),
        json!({"from": "4915100000001@c.us", "body": ""}),
        json!({"from": "4915100000001@c.us", "body": 5}),
        json!({"from": 4915100000001_u64, "body": "x"}),
        json!({"from": "4915100000001", "body": "x"}),
        json!({"from": "+4915100000001@c.us", "body": "x"}),
        json!({"from": "@c.us", "body": "x"}),
        json!({"from": "120363000000000001@g.us", "body": "x"}),
        json!(["4915100000001@c.us", "x"]),
    ];
    for body in bad {
        let reply = inbound(&fake, 1, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.json()["status"], "error");
        let message = reply.json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with("invalid inbound message: "),
            "{message}"
        );
    }
    let not_json = fake
        .post("/__fake/instances/1/inbound", None, Some("from=x"))
        .await;
    assert_eq!(not_json.status, 400);

    let good = json!({"from": "4915100000001@c.us", "body": "x"});
    for id in ["99", "abc"] {
        let reply = fake
            .post(
                &format!("/__fake/instances/{id}/inbound"),
                None,
                Some(&good.to_string()),
            )
            .await;
        assert_eq!(reply.status, 404, "{id}: {}", reply.text);
    }
    // Instance 2 shows a QR code, instance 3 is disconnected.
    for id in [2, 3] {
        let reply = inbound(&fake, id, good.clone()).await;
        assert_eq!(reply.status, 409, "{}", reply.text);
        assert!(reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("only a ready instance receives messages"));
    }
    // Nothing was stored by the refused calls.
    let state = fake.get("/__fake/instances/1/state", None).await.json();
    assert!(!state["chats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"]["_serialized"] == "4915100000001@c.us"));
}

#[tokio::test]
async fn scan_logout_and_reboot_send_lifecycle_events() {
    let fake = Fake::start(instant()).await;
    let receiver = Receiver::answering(200).await;
    let lifecycle = ["qr", "authenticated", "ready", "disconnected"];
    subscribe(&fake, 2, &receiver.url, &lifecycle).await;

    let scan = fake.post("/__fake/instances/2/scan", None, None).await;
    assert_eq!(scan.status, 200, "{}", scan.text);
    let log = logged(&fake, 2).await;
    assert_eq!(events(&log), ["authenticated", "ready"]);
    assert_eq!(log[0]["body"]["data"], json!({}));
    assert_eq!(log[1]["body"]["data"], json!({"status": "ready"}));

    let logout = fake
        .post("/api/v1/instances/2/client/action/logout", ADMIN, None)
        .await;
    assert_eq!(logout.status, 200, "{}", logout.text);
    let log = logged(&fake, 4).await;
    assert_eq!(events(&log[2..]), ["disconnected", "qr"]);
    assert_eq!(log[2]["body"]["data"], json!({"reason": "LOGOUT"}));
    // The QR code in the event is the one shown; the next fetch shows a fresh one.
    assert_eq!(
        log[3]["body"]["data"],
        json!({"qr": "2@fake-waapi:instance=2:1"})
    );
    let qr = fake
        .get("/api/v1/instances/2/client/qr", ADMIN)
        .await
        .json();
    assert_eq!(qr["qrCode"]["status"], "success");

    // Linked again, a reboot restores the session: authenticated, ready.
    fake.post("/__fake/instances/2/scan", None, None).await;
    let reboot = fake
        .post("/api/v1/instances/2/client/action/reboot", ADMIN, None)
        .await;
    assert_eq!(reboot.status, 200, "{}", reboot.text);
    let log = logged(&fake, 8).await;
    assert_eq!(
        events(&log[4..]),
        ["authenticated", "ready", "authenticated", "ready"]
    );
    assert!(log.iter().all(|d| d["body"]["instanceId"] == 2));
}

#[tokio::test]
async fn timed_lifecycle_steps_send_their_events_when_they_happen() {
    // Long enough for the webhook to be set before the created instance shows its QR code.
    let boot = Duration::from_millis(1000);
    let fake = Fake::start(Config {
        boot,
        ..Config::default()
    })
    .await;
    let receiver = Receiver::answering(200).await;
    let created = fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["instance"]["id"].as_u64().unwrap();
    let started = Instant::now();
    subscribe(&fake, id, &receiver.url, &["qr", "authenticated", "ready"]).await;
    println!(
        "webhook set {} ms after the create",
        started.elapsed().as_millis()
    );

    let log = logged(&fake, 1).await;
    assert_eq!(events(&log), ["qr"]);
    assert_eq!(
        log[0]["body"]["data"]["qr"],
        format!("2@fake-waapi:instance={id}:1")
    );
    let scan = fake
        .post(&format!("/__fake/instances/{id}/scan"), None, None)
        .await;
    assert_eq!(scan.json()["instanceStatus"], "authenticated");
    let log = logged(&fake, 3).await;
    assert_eq!(events(&log), ["qr", "authenticated", "ready"]);
    let status = fake
        .get(&format!("/api/v1/instances/{id}/client/status"), ADMIN)
        .await
        .json();
    assert_eq!(status["clientStatus"]["instanceStatus"], "ready");
}

#[tokio::test]
async fn a_hanging_receiver_stalls_neither_the_api_nor_later_events() {
    let fake = Fake::start(instant()).await;
    // The first delivery hangs; the ones after it are answered.
    let receiver = Receiver::start(|n| {
        if n == 0 {
            Reply::Hang
        } else {
            Reply::Status(204)
        }
    })
    .await;
    subscribe(&fake, 1, &receiver.url, &["message"]).await;
    let from = "4915100000001@c.us";
    inbound(&fake, 1, json!({"from": from, "body": "first"})).await;
    receiver.wait_for(1).await;

    // The receiver is hanging now; the API still answers, and takes more events.
    let started = Instant::now();
    let list = fake.get("/api/v1/instances", ADMIN).await;
    assert_eq!(list.status, 200);
    let second = inbound(&fake, 1, json!({"from": from, "body": "second"})).await;
    assert_eq!(second.status, 201);
    println!(
        "two API calls answered in {} ms while the receiver hung",
        started.elapsed().as_millis()
    );
    assert_eq!(receiver.count(), 1, "the second waits behind the first");

    let log = logged(&fake, 2).await;
    assert_eq!(log[0]["body"]["data"]["message"]["body"], "first");
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[0]["error"], "timed out after 5000 ms");
    println!("the hanging delivery gave up after {} ms", log[0]["ms"]);
    assert_eq!(log[1]["body"]["data"]["message"]["body"], "second");
    assert_eq!(log[1]["status"], 204);
    assert_eq!(receiver.count(), 2);
}

#[tokio::test]
async fn failed_deliveries_are_logged_with_the_status_or_the_error() {
    let fake = Fake::start(instant()).await;
    let from = "4915100000001@c.us";

    // The seed's webhook is at hooks.example.com: not this machine, so not even tried.
    inbound(&fake, 1, json!({"from": from, "body": "to the seed"})).await;
    let failing = Receiver::answering(500).await;
    subscribe(&fake, 1, &failing.url, &["message"]).await;
    inbound(&fake, 1, json!({"from": from, "body": "to a 500"})).await;
    let redirecting = Receiver::start(|_| Reply::Redirect).await;
    subscribe(&fake, 1, &redirecting.url, &["message"]).await;
    inbound(&fake, 1, json!({"from": from, "body": "to a 302"})).await;
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    subscribe(&fake, 1, &closed, &["message"]).await;
    inbound(&fake, 1, json!({"from": from, "body": "to nobody"})).await;

    let log = logged(&fake, 4).await;
    let body = |i: usize| log[i]["body"]["data"]["message"]["body"].as_str().unwrap();
    assert_eq!(body(0), "to the seed");
    assert_eq!(log[0]["url"], "https://hooks.example.com/waapi");
    assert_eq!(log[0]["status"], Value::Null);
    let error = log[0]["error"].as_str().unwrap();
    assert!(
        error.contains("hooks.example.com is not a loopback host"),
        "{error}"
    );

    assert_eq!(body(1), "to a 500");
    assert_eq!(log[1]["status"], 500);
    assert_eq!(log[1]["error"], Value::Null);

    // A redirect is the receiver's answer; it is not followed.
    assert_eq!(body(2), "to a 302");
    assert_eq!(log[2]["status"], 302);
    let paths: Vec<String> = redirecting
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths, ["/hook"]);

    assert_eq!(body(3), "to nobody");
    assert_eq!(log[3]["url"], closed.as_str());
    assert_eq!(log[3]["status"], Value::Null);
    let error = log[3]["error"].as_str().unwrap();
    assert!(error.contains("Connection refused"), "{error}");
    println!("connection refused is logged as: {error}");
}

#[tokio::test]
async fn a_full_queue_drops_events_and_logs_them_without_blocking() {
    // The hanging delivery must outlast the injections below, however slow the machine.
    let fake = Fake::start(Config {
        webhook_timeout: Duration::from_secs(600),
        ..instant()
    })
    .await;
    let receiver = Receiver::start(|_| Reply::Hang).await;
    subscribe(&fake, 1, &receiver.url, &["message"]).await;
    let from = "4915100000001@c.us";
    inbound(&fake, 1, json!({"from": from, "body": "in flight"})).await;
    receiver.wait_for(1).await;

    // One delivery hangs; the queue takes this many more, the rest is dropped.
    let queue = fake_waapi::WEBHOOK_QUEUE;
    let extra = 5;
    let started = Instant::now();
    for i in 0..queue + extra {
        let reply = inbound(&fake, 1, json!({"from": from, "body": format!("q{i}")})).await;
        assert_eq!(reply.status, 201);
    }
    println!(
        "{} injections answered in {} ms while the receiver hung",
        queue + extra,
        started.elapsed().as_millis()
    );
    let log = deliveries(&fake).await;
    let dropped: Vec<&str> = log
        .iter()
        .map(|d| {
            assert!(
                d["error"].as_str().unwrap().starts_with("dropped: "),
                "{d:#}"
            );
            d["body"]["data"]["message"]["body"].as_str().unwrap()
        })
        .collect();
    let expected: Vec<String> = (queue..queue + extra).map(|i| format!("q{i}")).collect();
    assert_eq!(dropped, expected);
}

#[tokio::test]
async fn the_log_is_cleared_by_delete_and_by_reset() {
    let fake = Fake::start(instant()).await;
    let receiver = Receiver::answering(200).await;
    subscribe(&fake, 1, &receiver.url, &["message"]).await;
    let message = json!({"from": "4915100000001@c.us", "body": "x"});
    inbound(&fake, 1, message.clone()).await;
    logged(&fake, 1).await;

    let cleared = fake
        .call(reqwest::Method::DELETE, "/__fake/webhooks", None, None)
        .await;
    assert_eq!(cleared.status, 204);
    assert_eq!(deliveries(&fake).await, Vec::<Value>::new());

    inbound(&fake, 1, message.clone()).await;
    assert_eq!(logged(&fake, 1).await.len(), 1);
    assert_eq!(fake.post("/__fake/reset", None, None).await.status, 204);
    assert_eq!(deliveries(&fake).await, Vec::<Value>::new());
    // The reset restored the seeded webhook, too.
    let instance = fake.get("/api/v1/instances/1", ADMIN).await.json();
    assert_eq!(
        instance["instance"]["webhook_url"],
        "https://hooks.example.com/waapi"
    );
}
