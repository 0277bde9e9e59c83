//! Every action of the catalogue, with the seed's sample values, in both envelope modes.

use fake_waapi::catalogue::{self, SpecEnvelope};
use fake_waapi::{Config, Envelopes};
use serde_json::{json, Value};

use crate::support::{instant, Fake, ADMIN};

pub const CHAT: &str = "4915112345678@c.us";
pub const MESSAGE: &str = "false_4915112345678@c.us_3EB0SEED0001";
pub const POLL: &str = "true_4915112345678@c.us_3EB0SEEDPOLL";
pub const GROUP: &str = "120363000000000001@g.us";
pub const CHANNEL: &str = "120363000000000002@newsletter";
pub const COMMUNITY: &str = "120363000000000003@g.us";

pub fn path(action: &str) -> String {
    format!("/api/v1/instances/1/client/action/{action}")
}

/// The sample value a client test would send for `param` of `action`.
fn sample(action: &str, param: &str) -> Value {
    let group_action = action.contains("group-") && action != "get-common-groups";
    match param {
        "chatId" if group_action => json!(GROUP),
        "chatId" => json!(CHAT),
        "messageId" if action.contains("poll") => json!(POLL),
        "messageId" | "eventMessageId" | "replyToMessageId" => json!(MESSAGE),
        "message" => json!("Hello from the test"),
        "mediaUrl" => json!("https://example.com/cat.jpg"),
        "vCard" => json!({"firstname": "Max", "lastname": "Mustermann",
                          "internationalnumber": "+49 151 87654321", "waid": "4915187654321"}),
        "latitude" => json!(52.52),
        "longitude" => json!(13.405),
        "query" => json!("seed"),
        "number" | "phoneNumber" => json!("4915112345678"),
        "contactId" => json!(CHAT),
        "contactIds" => json!([CHAT]),
        "caption" => json!("Lunch?"),
        "options" => json!(["Pizza", "Sushi"]),
        "firstName" => json!("Erika"),
        "lastName" => json!("Mustermann"),
        "groupName" => json!("New group"),
        "groupParticipants" => json!(["4915187654321@c.us"]),
        "reaction" => json!("👍"),
        "participant" => json!("4915187654322@c.us"),
        "inviteCode" => json!("FAKEINVITE1"),
        "name" => json!("Fake thing"),
        "title" => json!("New community"),
        "communityId" => json!(COMMUNITY),
        "channelId" => json!(CHANNEL),
        "groupIds" => json!([GROUP]),
        "labelId" => json!(1),
        "labelIds" => json!([1, 2]),
        "status" => json!("Busy"),
        "displayName" => json!("Support"),
        "type" => json!("contacts"),
        "startTime" => json!(1_767_225_600),
        "selectedOptions" => json!(["Pizza"]),
        "eventResponse" => json!(1),
        "note" => json!("VIP"),
        "callType" => json!("voice"),
        "category" => json!("lastSeen"),
        "value" => json!("all"),
        "duration" => json!(86_400),
        "shortcut" => json!("bye"),
        "id" => json!("1"),
        other => panic!("no sample for {action}.{other}"),
    }
}

/// Required parameters, plus the optional ids an action needs to find its object.
pub fn sample_body(action: &str) -> Value {
    let spec = catalogue::get(action).unwrap();
    let mut body = serde_json::Map::new();
    for p in &spec.params {
        if p.required
            || matches!(
                p.name.as_str(),
                "channelId" | "messageId" | "mediaUrl" | "inviteCode"
            )
        {
            body.insert(p.name.clone(), sample(action, &p.name));
        }
    }
    Value::Object(body)
}

/// Whether `value` fits `schema`'s JSON types (nulls allowed: the spec marks many fields
/// nullable in prose only).
fn fits(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let ok = types.iter().any(|t| match *t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    });
    if !ok {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let (Some(props), Some(object)) = (schema["properties"].as_object(), value.as_object()) {
        for (key, sub) in props {
            let Some(v) = object.get(key) else {
                return Err(format!("{at}.{key} is missing"));
            };
            fits(v, sub, &format!("{at}.{key}"))?;
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            fits(v, items, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Answers without an inner payload.
const NO_PAYLOAD: [&str; 2] = ["reboot", "mark-chat-unread"];
/// The spec types their payload `object`, but the node sends arrays (whatsapp-web.js lists).
const ARRAYS_DESPITE_SPEC: [&str; 2] = ["get-labels", "get-chats-by-label-id"];

async fn every_action_succeeds(mode: Envelopes) {
    let fake = Fake::start(Config {
        envelopes: mode,
        ..instant()
    })
    .await;
    let all = catalogue::all();
    assert_eq!(all.len(), 122);
    for (name, spec) in all {
        assert_eq!(fake.post("/__fake/reset", None, None).await.status, 204);
        let body = sample_body(name);
        let reply = fake.post(&path(name), ADMIN, Some(&body.to_string())).await;
        assert_eq!(reply.status, 200, "{name} {body}: {}", reply.text);
        let json = reply.json();
        let links = json!({"self": fake.url(&path(name))});
        let expected_id = if matches!(name.as_str(), "logout" | "reboot") {
            json!(1)
        } else {
            json!("1")
        };
        let shape = match mode {
            Envelopes::Live => None,
            Envelopes::Spec => spec.envelope,
        };
        let payload = match shape {
            None | Some(SpecEnvelope::Nested) => {
                let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["data", "links", "status"], "{name}: {json}");
                assert_eq!(json["status"], "success", "{name}");
                assert_eq!(json["links"], links, "{name}");
                assert_eq!(json["data"]["status"], "success", "{name}: {json}");
                assert_eq!(json["data"]["instanceId"], expected_id, "{name}");
                json["data"].get("data").cloned()
            }
            Some(SpecEnvelope::Flat) => {
                let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["data", "instanceId", "links", "status"], "{name}");
                assert_eq!(json["status"], "success", "{name}");
                assert_eq!(json["instanceId"], "1", "{name}");
                assert_eq!(json["links"], links, "{name}");
                json.get("data").cloned()
            }
            Some(SpecEnvelope::DataLinks) => {
                let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["data", "links", "status"], "{name}");
                assert_eq!(json["status"], "success", "{name}");
                assert_eq!(json["links"], links, "{name}");
                assert!(json["data"].get("instanceId").is_none(), "{name}: {json}");
                json.get("data").cloned()
            }
        };
        if NO_PAYLOAD.contains(&name.as_str()) {
            assert!(payload.is_none(), "{name}: {json}");
            continue;
        }
        let payload = payload.unwrap_or_else(|| panic!("{name} has no payload: {json}"));
        if let Some(object) = payload.as_object() {
            assert_ne!(object.get("status"), Some(&json!("error")), "{name}");
        }
        match (&spec.payload, ARRAYS_DESPITE_SPEC.contains(&name.as_str())) {
            (_, true) => assert!(payload.is_array(), "{name}: {payload}"),
            (Some(schema), false) => {
                if let Err(e) = fits(&payload, schema, name) {
                    panic!("{e}\n{payload}");
                }
            }
            // SDK-only actions: no schema, a small object.
            (None, false) => assert!(payload.is_object(), "{name}: {payload}"),
        }
    }
}

#[tokio::test]
async fn every_action_succeeds_with_the_seed_values_live() {
    every_action_succeeds(Envelopes::Live).await;
}

#[tokio::test]
async fn every_action_succeeds_with_the_seed_values_in_spec_mode() {
    every_action_succeeds(Envelopes::Spec).await;
}
