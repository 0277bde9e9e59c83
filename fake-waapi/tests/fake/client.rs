//! The client endpoints: status, lifecycle and scan, QR, me, and actions.

use std::time::Duration;

use base64::Engine;
use fake_waapi::{Config, Envelopes};
use serde_json::{json, Value};

use crate::support::{instant, Fake, ADMIN, VIEWER};

async fn status_of(fake: &Fake, id: u64) -> String {
    let reply = fake
        .get(&format!("/api/v1/instances/{id}/client/status"), VIEWER)
        .await;
    assert_eq!(reply.status, 200);
    reply.json()["clientStatus"]["instanceStatus"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn spec() -> Config {
    Config {
        envelopes: Envelopes::Spec,
        ..instant()
    }
}

/// Decodes a `data:image/png;base64,…` QR image back to its text.
fn decode_qr(data_url: &str) -> String {
    let encoded = data_url
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let png_bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let mut reader = png::Decoder::new(png_bytes.as_slice()).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn client_status_reports_each_seeded_state() {
    let fake = Fake::start(instant()).await;
    let reply = fake.get("/api/v1/instances/2/client/status", VIEWER).await;
    assert_eq!(
        reply.json(),
        json!({
            "clientStatus": {
                "status": "success", "instanceId": 2, "name": "Sales", "data": null,
                "instanceStatus": "qr", "instanceWebhook": null, "instanceEvents": [],
            },
            "links": {"self": fake.url("/api/v1/instances/2/client/status")},
            "status": "success",
        })
    );
    assert_eq!(status_of(&fake, 1).await, "ready");
    assert_eq!(status_of(&fake, 3).await, "disconnected");

    let spec = Fake::start(spec()).await;
    let status = spec
        .get("/api/v1/instances/1/client/status", VIEWER)
        .await
        .json();
    assert_eq!(status["clientStatus"]["instanceId"], "1");
    assert_eq!(
        status["clientStatus"]["instanceEvents"],
        json!([["message", "message_ack", "ready"]])
    );
}

#[tokio::test]
async fn created_instances_boot_through_loading_screen_to_qr() {
    let fake = Fake::start(Config {
        boot: Duration::from_millis(600),
        ..Config::default()
    })
    .await;
    let id = fake.post("/api/v1/instances", ADMIN, None).await.json()["instance"]["id"]
        .as_u64()
        .unwrap();
    assert_eq!(status_of(&fake, id).await, "booting");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(status_of(&fake, id).await, "loading_screen");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(status_of(&fake, id).await, "qr");

    let scan = fake
        .post(&format!("/__fake/instances/{id}/scan"), None, None)
        .await;
    assert_eq!(scan.status, 200);
    assert_eq!(
        scan.json(),
        json!({"status": "success", "instanceId": id, "instanceStatus": "authenticated"})
    );
    assert_eq!(status_of(&fake, id).await, "authenticated");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(status_of(&fake, id).await, "ready");
}

#[tokio::test]
async fn with_boot_0_a_new_instance_is_in_qr_and_a_scan_makes_it_ready() {
    let fake = Fake::start(instant()).await;
    fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(status_of(&fake, 4).await, "qr");
    let scan = fake.post("/__fake/instances/4/scan", None, None).await;
    assert_eq!(scan.json()["instanceStatus"], "ready");
    assert_eq!(status_of(&fake, 4).await, "ready");

    let me = fake
        .get("/api/v1/instances/4/client/me", VIEWER)
        .await
        .json();
    assert_eq!(
        me["me"]["data"],
        json!({
            "displayName": "Instance 4", "contactId": "491510000004@c.us",
            "formattedNumber": "+49 151 0000004",
            "profilePicUrl": "https://pps.example.com/instance-4.jpg",
        })
    );

    let again = fake.post("/__fake/instances/4/scan", None, None).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["status"], "error");
    assert_eq!(
        fake.post("/__fake/instances/3/scan", None, None)
            .await
            .status,
        409
    );
    assert_eq!(
        fake.post("/__fake/instances/77/scan", None, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn qr_is_a_real_png_qr_code_of_the_instance() {
    let fake = Fake::start(instant()).await;
    let reply = fake.get("/api/v1/instances/2/client/qr", VIEWER).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["status"], "success");
    assert_eq!(
        body["links"],
        json!({"self": fake.url("/api/v1/instances/2/client/qr")})
    );
    assert_eq!(body["qrCode"]["status"], "success");
    assert_eq!(body["qrCode"]["instanceId"], "2");
    let url = body["qrCode"]["data"]["qr_code"].as_str().unwrap();
    assert_eq!(decode_qr(url), "2@fake-waapi:instance=2:1");

    // Each fetch shows a fresh code, like WhatsApp Web's rotating ones.
    let next = fake
        .get("/api/v1/instances/2/client/qr", VIEWER)
        .await
        .json();
    assert_eq!(
        decode_qr(next["qrCode"]["data"]["qr_code"].as_str().unwrap()),
        "2@fake-waapi:instance=2:2"
    );
}

#[tokio::test]
async fn qr_outside_qr_mode_is_an_in_band_error() {
    let fake = Fake::start(instant()).await;
    for id in [1, 3] {
        let reply = fake
            .get(&format!("/api/v1/instances/{id}/client/qr"), VIEWER)
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({"status": "success", "qrCode": {
                "status": "error", "message": "instance not in QR mode", "instanceId": id.to_string(),
            }})
        );
    }
}

#[tokio::test]
async fn me_uses_key_me_live_and_qr_code_in_spec_mode() {
    let expected = json!({
        "status": "success", "instanceId": "1",
        "data": {
            "displayName": "Support Desk", "contactId": "4915112345678@c.us",
            "formattedNumber": "+49 151 12345678",
            "profilePicUrl": "https://pps.example.com/support.jpg",
        },
    });
    let live = Fake::start(instant()).await;
    assert_eq!(
        live.get("/api/v1/instances/1/client/me", VIEWER)
            .await
            .json(),
        json!({"me": expected, "links": {"self": live.url("/api/v1/instances/1/client/me")},
               "status": "success"})
    );
    let spec = Fake::start(spec()).await;
    assert_eq!(
        spec.get("/api/v1/instances/1/client/me", VIEWER)
            .await
            .json(),
        json!({"qrCode": expected, "links": {"self": spec.url("/api/v1/instances/1/client/me")},
               "status": "success"})
    );

    let reply = live.get("/api/v1/instances/2/client/me", VIEWER).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "Instance is not ready.", "instanceId": "2"})
    );
}

const SEND: &str = "/api/v1/instances/1/client/action/send-message";

#[tokio::test]
async fn send_message_is_nested_live_and_recorded() {
    let fake = Fake::start(instant()).await;
    let reply = fake
        .post(
            SEND,
            ADMIN,
            Some(r#"{"chatId":"4917600000001@c.us","message":"Hello"}"#),
        )
        .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["status"], "success");
    assert_eq!(body["links"], json!({"self": fake.url(SEND)}));
    assert_eq!(body["data"]["status"], "success");
    assert_eq!(body["data"]["instanceId"], "1");
    let raw = &body["data"]["data"]["_data"];
    let hash = raw["id"]["id"].as_str().unwrap();
    assert_eq!(hash.len(), 20);
    assert!(hash.starts_with("3EB0"));
    assert_eq!(
        raw["id"],
        json!({"fromMe": true, "remote": "4917600000001@c.us", "id": hash,
               "_serialized": format!("true_4917600000001@c.us_{hash}")})
    );
    assert_eq!(raw["body"], "Hello");
    assert_eq!(raw["type"], "chat");
    assert!(raw["t"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(
        raw["from"],
        json!({"server": "c.us", "user": "4915112345678", "_serialized": "4915112345678@c.us"})
    );
    assert_eq!(
        raw["to"],
        json!({"server": "c.us", "user": "4917600000001", "_serialized": "4917600000001@c.us"})
    );
    assert_eq!(raw["ack"], 0);
    assert_eq!(raw["isNewMsg"], true);

    let group = fake
        .post(
            SEND,
            ADMIN,
            Some(r#"{"chatId":"120363000000000001@g.us","message":"Hi all"}"#),
        )
        .await
        .json();
    assert_eq!(group["data"]["data"]["_data"]["to"]["server"], "g.us");

    let sent = fake.get("/__fake/instances/1/messages", None).await.json();
    let sent = sent.as_array().unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["chatId"], "4917600000001@c.us");
    assert_eq!(sent[0]["message"], "Hello");
    assert_eq!(sent[0]["id"], raw["id"]["_serialized"]);
    assert_eq!(sent[1]["message"], "Hi all");
    assert_eq!(
        fake.get("/__fake/instances/2/messages", None).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn send_message_is_flat_in_spec_mode() {
    let fake = Fake::start(spec()).await;
    let body = fake
        .post(
            SEND,
            ADMIN,
            Some(r#"{"chatId":"1@newsletter","message":"x"}"#),
        )
        .await
        .json();
    assert_eq!(body["status"], "success");
    assert_eq!(body["instanceId"], "1");
    assert_eq!(body["data"]["_data"]["body"], "x");
    assert_eq!(body["links"], json!({"self": fake.url(SEND)}));

    let bad = fake
        .post(SEND, ADMIN, Some(r#"{"chatId":"bogus","message":"x"}"#))
        .await;
    assert_eq!(bad.status, 200);
    assert_eq!(
        bad.json(),
        json!({"status": "error", "instanceId": "1", "message": "incorrect chatId format.",
               "explanation": "\"bogus\" is missing a domain, expected <id>@c.us."})
    );
}

#[tokio::test]
async fn send_message_with_a_chat_id_without_domain_is_an_inner_error() {
    let fake = Fake::start(instant()).await;
    for chat_id in ["bogus", "@c.us", "491234@s.whatsapp.net"] {
        let reply = fake
            .post(
                SEND,
                ADMIN,
                Some(&json!({"chatId": chat_id, "message": "x"}).to_string()),
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({"status": "success", "links": {"self": fake.url(SEND)}, "data": {
                "status": "error", "message": "incorrect chatId format.",
                "explanation": format!("\"{chat_id}\" is missing a domain, expected <id>@c.us."),
                "instanceId": "1",
            }})
        );
    }
    assert_eq!(
        fake.get("/__fake/instances/1/messages", None).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn send_message_validates_its_body() {
    let fake = Fake::start(instant()).await;
    let cases: [(&str, Value); 3] = [
        (
            "{}",
            json!({"chatId": ["The chat id field is required."],
                   "message": ["The message field is required."]}),
        ),
        (
            r#"{"chatId":5,"message":"x"}"#,
            json!({"chatId": ["The chat id field must be a string."]}),
        ),
        (
            r#"{"chatId":"1@c.us","message":["x"]}"#,
            json!({"message": ["The message field must be a string."]}),
        ),
    ];
    for (body, errors) in cases {
        let reply = fake.post(SEND, ADMIN, Some(body)).await;
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(
            reply.json(),
            json!({"message": "The given data was invalid.", "errors": errors, "status": "error"})
        );
    }
}

#[tokio::test]
async fn actions_need_a_ready_instance_and_a_known_name() {
    let fake = Fake::start(instant()).await;
    for (id, action) in [(2, "send-message"), (3, "send-message"), (2, "logout")] {
        let reply = fake
            .post(
                &format!("/api/v1/instances/{id}/client/action/{action}"),
                ADMIN,
                Some(r#"{"chatId":"1@c.us","message":"x"}"#),
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({"status": "error", "message": "Instance is not ready.", "instanceId": id.to_string()})
        );
    }
    let reply = fake
        .post(
            "/api/v1/instances/1/client/action/teleport",
            ADMIN,
            Some("{}"),
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "Unknown action teleport."})
    );
}

#[tokio::test]
async fn logout_returns_to_qr_and_a_scan_logs_in_as_a_new_account() {
    let fake = Fake::start(instant()).await;
    let path = "/api/v1/instances/1/client/action/logout";
    let reply = fake.post(path, ADMIN, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"status": "success", "links": {"self": fake.url(path)},
               "data": {"status": "success", "instanceId": 1, "data": []}})
    );
    assert_eq!(status_of(&fake, 1).await, "qr");
    assert_eq!(
        fake.get("/api/v1/instances/1/client/me", VIEWER)
            .await
            .json()["message"],
        "Instance is not ready."
    );
    fake.post("/__fake/instances/1/scan", None, None).await;
    let me = fake
        .get("/api/v1/instances/1/client/me", VIEWER)
        .await
        .json();
    assert_eq!(me["me"]["data"]["displayName"], "Instance 1");
}

#[tokio::test]
async fn reboot_restarts_the_lifecycle_and_keeps_a_session() {
    let fake = Fake::start(Config {
        boot: Duration::from_millis(400),
        ..Config::default()
    })
    .await;
    let path = "/api/v1/instances/1/client/action/reboot";
    let reply = fake.post(path, ADMIN, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"status": "success", "links": {"self": fake.url(path)},
               "data": {"status": "success", "instanceId": 1}})
    );
    assert_eq!(status_of(&fake, 1).await, "booting");
    // Instance 3 has no session and is not ready; reboot still works and ends in qr.
    fake.post("/api/v1/instances/3/client/action/reboot", ADMIN, None)
        .await;
    assert_eq!(status_of(&fake, 3).await, "booting");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(status_of(&fake, 1).await, "ready");
    assert_eq!(status_of(&fake, 3).await, "qr");
}
