//! The `/__fake` control endpoints, faults, rate limiting, CORS and the binary itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_waapi::Config;
use reqwest::Method;
use serde_json::json;

use crate::support::{instant, Fake, ADMIN, VIEWER};

#[tokio::test]
async fn the_request_log_keeps_method_path_query_headers_and_body() {
    let fake = Fake::start(instant()).await;
    fake.get("/api/v1/instances?filter=Sal", ADMIN).await;
    fake.put("/api/v1/instances/2", ADMIN, r#"{"name":"N"}"#)
        .await;
    fake.call(Method::OPTIONS, "/api/v1/instances", None, None)
        .await;
    // Control calls are not logged.
    fake.get("/__fake/instances/1/messages", None).await;

    let log = fake.get("/__fake/requests", None).await.json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/api/v1/instances");
    assert_eq!(log[0]["query"], "filter=Sal");
    assert_eq!(log[0]["body"], json!(null));
    assert_eq!(
        log[0]["headers"]["authorization"],
        "Bearer fake-admin-token"
    );
    assert_eq!(
        log[0]["headers"]["host"],
        fake.base.trim_start_matches("http://")
    );
    assert_eq!(log[1]["method"], "PUT");
    assert_eq!(log[1]["query"], json!(null));
    assert_eq!(log[1]["body"], r#"{"name":"N"}"#);
    assert_eq!(log[1]["headers"]["content-type"], "application/json");
    assert_eq!(log[2]["method"], "OPTIONS");

    assert_eq!(
        fake.call(Method::DELETE, "/__fake/requests", None, None)
            .await
            .status,
        204
    );
    assert_eq!(fake.get("/__fake/requests", None).await.json(), json!([]));
}

#[tokio::test]
async fn a_respond_fault_replaces_the_answer_the_given_number_of_times() {
    let fake = Fake::start(instant()).await;
    let id = fake
        .fault(
            json!({"method": "GET", "path": "/api/v1/instances/*", "times": 2,
                      "status": 500, "body": "<html>oops</html>", "content_type": "text/html"}),
        )
        .await;
    assert_eq!(id, 1);
    // Another method or path is untouched.
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 200);
    assert_eq!(
        fake.put("/api/v1/instances/1", ADMIN, "{}").await.status,
        200
    );
    for _ in 0..2 {
        // Faults come before auth.
        let reply = fake.get("/api/v1/instances/1/client/qr", None).await;
        assert_eq!(reply.status, 500);
        assert_eq!(reply.text, "<html>oops</html>");
        assert_eq!(reply.header("content-type"), Some("text/html"));
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
    assert_eq!(fake.get("/api/v1/instances/1", ADMIN).await.status, 200);
}

#[tokio::test]
async fn a_429_fault_carries_its_headers() {
    let fake = Fake::start(instant()).await;
    fake.fault(json!({"path": "/api/v1/instances", "status": 429,
                      "body": r#"{"message":"Too Many Attempts."}"#,
                      "headers": {"Retry-After": "2"}}))
        .await;
    let reply = fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("2"));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("Retry-After")
    );
    assert_eq!(reply.json(), json!({"message": "Too Many Attempts."}));
}

#[tokio::test]
async fn a_delay_fault_slows_the_real_answer_down() {
    let fake = Fake::start(instant()).await;
    fake.fault(json!({"path": "/api/v1/instances", "delay_ms": 700, "times": 2}))
        .await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = impatient
        .get(fake.url("/api/v1/instances"))
        .bearer_auth("fake-admin-token")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    let started = Instant::now();
    let reply = fake.get("/api/v1/instances", ADMIN).await;
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["instances"][0]["id"], 1);

    let started = Instant::now();
    fake.get("/api/v1/instances", ADMIN).await;
    assert!(started.elapsed() < Duration::from_millis(700));
}

#[tokio::test]
async fn a_truncate_fault_sends_half_the_body_with_a_matching_length() {
    let fake = Fake::start(instant()).await;
    let whole = fake.get("/api/v1/instances/1", ADMIN).await.text;
    fake.fault(json!({"path": "/api/v1/instances/1", "action": "truncate"}))
        .await;
    let reply = fake.get("/api/v1/instances/1", ADMIN).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text, whole[..whole.len() / 2]);
    assert_eq!(
        reply.header("content-length"),
        Some(reply.text.len().to_string().as_str())
    );
    assert!(serde_json::from_str::<serde_json::Value>(&reply.text).is_err());
}

#[tokio::test]
async fn an_invalid_json_fault_answers_200_with_html() {
    let fake = Fake::start(instant()).await;
    fake.fault(json!({"path": "*", "action": "invalid_json"}))
        .await;
    let reply = fake.get("/api/v1/instances", ADMIN).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.text, "<html>not json");
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_a_response() {
    let fake = Fake::start(instant()).await;
    fake.fault(json!({"path": "/api/v1/instances", "action": "drop", "times": 2}))
        .await;

    let err = fake
        .http
        .get(fake.url("/api/v1/instances"))
        .bearer_auth("fake-admin-token")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_request() && err.status().is_none(), "{err:?}");

    // At the socket level: not a single byte comes back before the close.
    let address = fake.base.trim_start_matches("http://").to_owned();
    let received = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET /api/v1/instances HTTP/1.1\r\nHost: fake\r\n\r\n")
            .unwrap();
        let mut received = Vec::new();
        // A reset instead of an orderly close is fine too; either way nothing was answered.
        let _ = stream.read_to_end(&mut received);
        received
    })
    .await
    .unwrap();
    assert!(
        received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&received)
    );

    // The fault is used up; the server still serves.
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 200);
    let log = fake.get("/__fake/requests", None).await.json();
    assert_eq!(log.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn faults_are_tried_oldest_first_and_can_be_cleared() {
    let fake = Fake::start(instant()).await;
    fake.fault(json!({"path": "/api/*", "status": 503})).await;
    fake.fault(json!({"path": "/api/*", "status": 502})).await;
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 503);
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 502);
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 200);

    fake.fault(json!({"path": "/api/*", "status": 500, "times": 5}))
        .await;
    assert_eq!(
        fake.call(Method::DELETE, "/__fake/faults", None, None)
            .await
            .status,
        204
    );
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 200);

    // Preflights are never faulted.
    fake.fault(json!({"path": "*", "status": 500})).await;
    assert_eq!(
        fake.call(Method::OPTIONS, "/api/v1/instances", None, None)
            .await
            .status,
        204
    );
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 500);
}

#[tokio::test]
async fn malformed_faults_are_refused() {
    let fake = Fake::start(instant()).await;
    for spec in [
        json!({"status": 500}),
        json!({"path": "*", "action": "explode"}),
        json!({"path": "*", "statuss": 500}),
        json!({"path": "*", "status": 1000}),
        json!({"path": "*", "times": 0}),
    ] {
        let reply = fake
            .post("/__fake/faults", None, Some(&spec.to_string()))
            .await;
        assert_eq!(reply.status, 400, "{spec}");
        assert_eq!(reply.json()["status"], "error");
    }
}

#[tokio::test]
async fn the_rate_limit_is_per_token_and_answers_429_with_retry_after() {
    let fake = Fake::start(Config {
        rate_limit: Some(3),
        ..instant()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 200);
    }
    let reply = fake.get("/api/v1/instances/1", ADMIN).await;
    assert_eq!(reply.status, 429);
    assert_eq!(
        reply.json(),
        json!({"message": "Too Many Attempts.", "status": "error"})
    );
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(fake.get("/api/v1/instances", VIEWER).await.status, 200);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 200);
}

#[tokio::test]
async fn preflights_get_the_cors_headers_on_any_path() {
    let fake = Fake::start(instant()).await;
    for path in ["/api/v1/instances/1/client/action/send-message", "/nowhere"] {
        let response = fake
            .http
            .request(Method::OPTIONS, fake.url(path))
            .header("origin", "http://127.0.0.1:5555")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header("access-control-allow-origin"), "*");
        assert_eq!(
            header("access-control-allow-methods"),
            "GET, POST, PUT, DELETE, OPTIONS"
        );
        assert_eq!(
            header("access-control-allow-headers"),
            "Authorization, Content-Type, Accept"
        );
        assert_eq!(header("access-control-max-age"), "600");
        assert_eq!(header("access-control-expose-headers"), "Retry-After");
    }
}

#[tokio::test]
async fn reset_restores_the_seed_and_forgets_everything_else() {
    let fake = Fake::start(Config {
        rate_limit: Some(4),
        ..instant()
    })
    .await;
    // Four calls fill this second's rate-limit window.
    let before_reset = [
        fake.post("/api/v1/instances", ADMIN, None).await,
        fake.call(Method::DELETE, "/api/v1/instances/2", ADMIN, None)
            .await,
        fake.post(
            "/api/v1/instances/1/client/action/send-message",
            ADMIN,
            Some(r#"{"chatId":"1@c.us","message":"x"}"#),
        )
        .await,
        fake.post("/api/v1/instances/1/client/action/logout", ADMIN, None)
            .await,
    ];
    assert_eq!(before_reset.map(|r| r.status), [201, 204, 200, 200]);
    fake.fault(json!({"path": "*", "status": 500, "times": 9}))
        .await;

    let reply = fake.post("/__fake/reset", None, None).await;
    assert_eq!(reply.status, 204);
    assert_eq!(fake.get("/__fake/requests", None).await.json(), json!([]));
    assert_eq!(
        fake.get("/__fake/instances/1/messages", None).await.json(),
        json!([])
    );
    // Neither the faults nor the full rate-limit window survive.
    let list = fake.get("/api/v1/instances", ADMIN).await;
    assert_eq!(list.status, 200);
    let list = list.json();
    let names: Vec<_> = list["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Support", "Sales", "Marketing"]);
    let me = fake
        .get("/api/v1/instances/1/client/me", ADMIN)
        .await
        .json();
    assert_eq!(me["me"]["data"]["displayName"], "Support Desk");
    assert_eq!(
        fake.post("/api/v1/instances", ADMIN, None).await.json()["instance"]["id"],
        4
    );
}

/// Kills the child process even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_announces_its_port_and_tokens_first() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fake-waapi"))
            .args(["--port", "0", "--boot-ms", "0", "--envelopes", "spec"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("listening on ")
        .expect("the listening line comes first")
        .to_owned();
    let port: u16 = base
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "admin token: fake-admin-token"
    );
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "viewer token: fake-viewer-token"
    );

    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/instances/2"))
        .bearer_auth("fake-viewer-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["instances"][0]["name"], "Sales");
}

#[tokio::test]
async fn the_binary_takes_custom_tokens_and_prints_only_the_listening_line() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fake-waapi"))
            .args([
                "--port",
                "0",
                "--token",
                "ro=read",
                "--token",
                "all=create,read,update,delete",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let http = reqwest::Client::new();
    let status = |token: &'static str, method: Method| {
        let request = http
            .request(method, format!("{base}/api/v1/instances"))
            .bearer_auth(token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("ro", Method::GET).await, 200);
    assert_eq!(status("ro", Method::POST).await, 403);
    assert_eq!(status("all", Method::POST).await, 201);
    assert_eq!(status("fake-admin-token", Method::GET).await, 401);

    let _ = child.0.kill();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
}

#[test]
fn the_binary_rejects_bad_token_specs() {
    for spec in ["novalue", "t=", "t=read,admin", "=read"] {
        let output = Command::new(env!("CARGO_BIN_EXE_fake-waapi"))
            .args(["--port", "0", "--token", spec])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{spec}");
        assert!(output.stdout.is_empty(), "{spec}");
    }
}

#[tokio::test]
async fn seed_replaces_the_instances_with_generated_ones_beyond_the_limit() {
    let fake = Fake::start(instant()).await;
    let reply = fake
        .post("/__fake/seed", None, Some(r#"{"count": 1000}"#))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json(), json!({"status": "success", "count": 1000}));

    let list = fake.get("/api/v1/instances", ADMIN).await.json();
    let instances = list["instances"].as_array().unwrap();
    assert_eq!(list["status"], "success");
    assert_eq!(instances.len(), 1000);
    let ids: Vec<u64> = instances
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=1000).collect::<Vec<_>>());
    // Varied: names (some non-ASCII or escaped), webhooks present and null, 0–4 events, trials.
    let distinct = |key: &str| {
        let mut seen: Vec<String> = instances.iter().map(|i| i[key].to_string()).collect();
        seen.sort();
        seen.dedup();
        seen.len()
    };
    assert_eq!(distinct("name"), 1000);
    assert!(instances
        .iter()
        .any(|i| i["name"].as_str().unwrap().contains('"')));
    assert!(instances
        .iter()
        .any(|i| !i["name"].as_str().unwrap().is_ascii()));
    assert!(instances.iter().any(|i| i["webhook_url"].is_null()));
    assert!(instances.iter().any(|i| i["webhook_url"].is_string()));
    let event_counts: Vec<usize> = instances
        .iter()
        .map(|i| i["webhook_events"].as_array().unwrap().len())
        .collect();
    assert_eq!(event_counts.iter().min(), Some(&0));
    assert_eq!(event_counts.iter().max(), Some(&4));
    assert!(instances.iter().any(|i| i["is_trial"] == 1));
    assert!(instances.iter().all(|i| i["owner"] == "admin@example.com"));

    // Each is a real instance; a create is still refused by the limit (5).
    assert_eq!(fake.get("/api/v1/instances/1000", ADMIN).await.status, 200);
    assert_eq!(fake.get("/api/v1/instances/1001", ADMIN).await.status, 404);
    assert_eq!(
        fake.post("/api/v1/instances", ADMIN, None).await.status,
        400
    );

    // Seeding again replaces; zero empties the account, after which ids continue from 1.
    fake.post("/__fake/seed", None, Some(r#"{"count": 10}"#))
        .await;
    let list = fake.get("/api/v1/instances", ADMIN).await.json();
    assert_eq!(list["instances"].as_array().unwrap().len(), 10);
    fake.post("/__fake/seed", None, Some(r#"{"count": 0}"#))
        .await;
    let created = fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json()["instance"]["id"], 1);

    // Bad bodies are refused; reset brings back the usual seed.
    for body in [
        r#"{"count": -1}"#,
        r#"{"count": 100001}"#,
        r#"{"n": 3}"#,
        "x",
    ] {
        let reply = fake.post("/__fake/seed", None, Some(body)).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(reply.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid seed: "));
    }
    fake.post("/__fake/reset", None, None).await;
    let list = fake.get("/api/v1/instances", ADMIN).await.json();
    assert_eq!(list["instances"].as_array().unwrap().len(), 3);
}
