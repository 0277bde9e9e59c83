//! The `serde` feature (`cargo test --features serde`): serde_json's output of every model,
//! request, answer and webhook type against the crate's own readers and writers, on the
//! envelopes, updates and webhooks of fuzz/corpus/ (taken from fake-waapi and CONTRACT.md) and
//! the contract's own samples; then back through `Deserialize` to an equal value.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use waapi_wasm::action::FromJson;
use waapi_wasm::actions::{GetChats, IsRegisteredUser, SendMessage, SendMessageAnswer};
use waapi_wasm::envelope::Reply;
use waapi_wasm::json::Json;
use waapi_wasm::models::to_json_string;
use waapi_wasm::webhook::{normalize, Event, MessageData, WebhookPayload};
use waapi_wasm::{ClientStatus, Instance, InstanceUpdate, Me, Permission, QrCode, WebhookEvent};

/// Serializes `value`, checks the text against `expected` (as JSON values), reads it back, and
/// checks that it reads as `value`.
fn round_trip<T>(value: &T, expected: &Value) -> String
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let text = serde_json::to_string(value).unwrap();
    let written: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(&written, expected, "{value:?}");
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&back, value, "{text}");
    text
}

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim().is_empty())
}

/// Every instance, client status, account and QR code the corpus's envelopes hold: serde's text
/// is the crate's own JSON writer's (what JavaScript gets), and reads back equal.
#[test]
fn models_from_the_envelopes() {
    let mut seen = [0; 4];
    for body in lines(include_str!("../fuzz/corpus/envelopes.jsonl")) {
        let Ok(reply) = Reply::parse("test", 200, body) else {
            continue;
        };
        for i in reply
            .instance_list()
            .into_iter()
            .flatten()
            .chain(reply.instance())
        {
            round_trip(&i, &value(&to_json_string(&i)));
            seen[0] += 1;
        }
        if let Ok(s) = reply.client_status() {
            round_trip(&s, &value(&to_json_string(&s)));
            seen[1] += 1;
        }
        if let Ok(me) = reply.me() {
            round_trip(&me, &value(&to_json_string(&me)));
            seen[2] += 1;
        }
        if let Ok(qr) = reply.qr_code() {
            round_trip(&qr, &value(&to_json_string(&qr)));
            seen[3] += 1;
        }
    }
    println!("instances, statuses, accounts, QR codes: {seen:?}");
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}

/// Deserializing checks what the crate's reader checks, and is as tolerant.
#[test]
fn models_deserialize_as_the_client_reads() {
    let i: Instance =
        serde_json::from_str(r#"{"id":"7","owner":"o@example.com","is_trial":1}"#).unwrap();
    assert_eq!((i.id, i.is_trial, i.name), (7, true, None));
    assert!(serde_json::from_str::<Instance>(r#"{"id":0,"owner":"o"}"#).is_err());
    assert!(serde_json::from_str::<QrCode>(r#""data:image/png;base64,""#).is_err());
    assert!(serde_json::from_str::<QrCode>(r#""javascript:alert(1)""#).is_err());
    let me: Me = serde_json::from_str(
        r#"{"displayName":"D","contactId":"1@c.us","formattedNumber":"+1","profilePicUrl":"javascript:x"}"#,
    )
    .unwrap();
    assert_eq!(me.profilePicUrl, None);
    let s: ClientStatus =
        serde_json::from_str(r#"{"instanceId":3,"instanceStatus":"brand_new"}"#).unwrap();
    assert_eq!(s.instanceStatus.as_str(), "brand_new");
    round_trip(
        &WebhookEvent::Other("brand_new".into()),
        &json!("brand_new"),
    );
    round_trip(&Permission::Update, &json!("update"));
    assert!(serde_json::from_str::<Permission>(r#""admin""#).is_err());
}

/// An update serializes to the body `to_body` sends, and reads back equal.
#[test]
fn instance_updates_are_their_body() {
    let updates = [
        InstanceUpdate::new().name("Shop"),
        InstanceUpdate::new().webhook_url(None),
        InstanceUpdate::new().webhook_events(vec![]),
        InstanceUpdate::new()
            .name("Support")
            .webhook_url(Some("https://h.example/x"))
            .webhook_events(vec![
                WebhookEvent::Message,
                WebhookEvent::Other("x_y".into()),
            ]),
    ];
    for u in &updates {
        round_trip(u, &value(&u.to_body().unwrap()));
    }
    // The corpus's bodies read back to themselves, whether the client would send them or not.
    for body in lines(include_str!("../fuzz/corpus/updates.jsonl")) {
        let Ok(u) = serde_json::from_str::<InstanceUpdate>(body) else {
            continue;
        };
        assert_eq!(serde_json::to_value(&u).unwrap(), value(body), "{body}");
    }
    assert!(serde_json::from_str::<InstanceUpdate>(r#"{"nmae":"typo"}"#).is_err());
}

/// A request is the object the action sends; reading one checks it as sending would.
#[test]
fn action_requests_are_their_parameters() {
    let send = SendMessage::new("4915112345678@c.us", "Hi")
        .preview_link(false)
        .mentions(["4915112345678@c.us"]);
    round_trip(
        &send,
        &json!({"chatId": "4915112345678@c.us", "message": "Hi", "previewLink": false,
            "mentions": ["4915112345678@c.us"]}),
    );
    round_trip(&GetChats::new().limit(5), &json!({"limit": 5}));
    round_trip(
        &IsRegisteredUser::new("4915112345678@c.us"),
        &json!({"contactId": "4915112345678@c.us"}),
    );
    for bad in [
        r#"{"chatID":"4915112345678@c.us","message":"m"}"#,
        r#"{"chatId":"4915112345678@c.us"}"#,
        r#"{"chatId":"4915112345678@c.us","message":7}"#,
        r#"[]"#,
    ] {
        let e = serde_json::from_str::<SendMessage>(bad).unwrap_err();
        println!("{bad}: {e}");
    }
}

/// An answer is the object WaAPI sent (`raw`); reading it types it as the client does.
#[test]
fn action_answers_are_the_object_sent() {
    let sent = r#"{"_data":{"id":{"fromMe":true,"remote":"49@c.us","id":"3EB0","_serialized":"true_49@c.us_3EB0"},"body":"Hi","type":"chat","t":1788550000,"ack":1},"unknown":[1,2.5,-3,"x",null]}"#;
    let answer = SendMessageAnswer::from_json(&Json::parse(sent).unwrap()).unwrap();
    round_trip(&answer, &value(sent));
    assert!(serde_json::from_str::<SendMessageAnswer>("[1]").is_err());
}

/// Every webhook of the corpus and the contract: serde writes the payload the crate's reader
/// reads back as the same event as the normalized body ([`normalize`], what JavaScript's
/// `parseWebhookEvent` gives); for bodies already normalized, serde writes exactly that.
#[test]
fn webhooks_from_the_corpus_and_the_contract() {
    let contract = [
        r#"{"event":"message","instanceId":123,"data":{"message":{"id":{"_serialized":"false_4915112345678@c.us_3EB0ABCDEF","fromMe":false},"body":"…","type":"chat","from":"4915112345678@c.us","to":"4915199999999@c.us","timestamp":1788550000,"hasMedia":false}}}"#,
        r#"{"event":"message_ack","instanceId":123,"data":{"ack":3,"message":{"id":{"_serialized":"true_…"},"to":"4915112345678@c.us"}}}"#,
        r#"{"event":"ready","instanceId":123,"data":{"status":"ready"}}"#,
    ];
    for body in contract {
        let payload = WebhookPayload::parse(body).unwrap();
        round_trip(&payload, &value(body));
    }
    let mut typed = 0;
    for body in lines(include_str!("../fuzz/corpus/webhooks.jsonl")) {
        let Ok(payload) = WebhookPayload::parse(body) else {
            assert!(
                serde_json::from_str::<WebhookPayload>(body).is_err(),
                "{body}"
            );
            continue;
        };
        // Numbers pass through u64, i64 or f64, so `2.5e3` comes back as `2500.0`: the
        // payloads are compared as serde_json values, where those are equal.
        let same = |a: &WebhookPayload, b: &WebhookPayload| {
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::to_value(b).unwrap(),
                "{body}"
            )
        };
        let text = serde_json::to_string(&payload).unwrap();
        let normalized = normalize(body).unwrap();
        let read = WebhookPayload::parse(&text).unwrap();
        same(&read, &WebhookPayload::parse(&normalized).unwrap());
        same(&read, &payload);
        same(&serde_json::from_str(&text).unwrap(), &payload);
        if !body.contains('e') || !body.contains('.') {
            assert_eq!(
                serde_json::from_str::<WebhookPayload>(&text).unwrap(),
                payload
            );
        }
        if serde_json::to_value(&payload).unwrap() == value(&normalized) {
            typed += 1;
        }
    }
    println!("webhooks whose serde text is exactly the normalized body: {typed}");
}

/// An event alone is the payload without its name.
#[test]
fn events_alone() {
    let WebhookPayload::Message(event) = WebhookPayload::parse(
        r#"{"event":"message","instanceId":"9","data":{"message":{"body":"hi","x":1},"y":2},"z":3}"#,
    )
    .unwrap() else {
        panic!("not a message")
    };
    round_trip::<Event<MessageData>>(
        &event,
        &json!({"instanceId": 9, "data": {"message": {"body": "hi", "x": 1}, "y": 2}, "z": 3}),
    );
}
