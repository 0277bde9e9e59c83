//! The JSON bodies the fake sends, in both envelope modes (CONTRACT §1, §2, §3).
//!
//! `live` follows what the vendor's own SDKs read from the running service; `spec` follows the
//! v1.6.0 OpenAPI file to the letter, copy-paste bugs included. Every quirk lives here so the
//! handlers never branch on the mode themselves.

use serde_json::{json, Map, Value};

use crate::catalogue::SpecEnvelope;
use crate::state::{Instance, InstanceStatus, Me};

/// Which of the two documented shapes the fake answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Envelopes {
    /// What the live service sends: `instance` on retrieve, `me` on /me, nested action results,
    /// 201 on create, integer `is_trial` and `instanceId`, flat `instanceEvents`.
    Live,
    /// The v1.6.0 spec literally: `instances: [x]` on retrieve, `qrCode` on /me, flat (E6)
    /// send-message results, 200 on create, boolean `is_trial`, string `instanceId` and
    /// nested `instanceEvents` in client statuses.
    Spec,
}

/// The `Instance` model (CONTRACT §2.1).
pub fn instance(mode: Envelopes, i: &Instance) -> Value {
    let is_trial = match mode {
        // The vendor's example is `0`, and the live service sends PHP's integer booleans.
        Envelopes::Live => json!(u8::from(i.is_trial)),
        Envelopes::Spec => json!(i.is_trial),
    };
    json!({
        "id": i.id,
        "name": i.name,
        "owner": i.owner,
        "webhook_url": i.webhook_url,
        "webhook_events": i.webhook_events,
        "is_trial": is_trial,
    })
}

/// E1 for list-instances.
pub fn instance_list(instances: Vec<Value>) -> Value {
    json!({"instances": instances, "status": "success"})
}

/// E2 for create-instance.
pub fn created(instance: Value) -> Value {
    json!({"instance": instance, "status": "success"})
}

/// retrieve-instance: E2 live (the PHP SDK reads `instance`), E1 with one element per the spec.
pub fn retrieved(mode: Envelopes, instance: Value) -> Value {
    match mode {
        Envelopes::Live => json!({"instance": instance, "status": "success"}),
        Envelopes::Spec => json!({"instances": [instance], "status": "success"}),
    }
}

/// The `ClientStatus` model (CONTRACT §2.2).
pub fn client_status(mode: Envelopes, i: &Instance, status: InstanceStatus) -> Value {
    let (instance_id, events) = match mode {
        Envelopes::Live => (json!(i.id), json!(i.webhook_events)),
        Envelopes::Spec => {
            // The spec types instanceEvents as an array of arrays; an empty list stays `[]`.
            let events = if i.webhook_events.is_empty() {
                json!([])
            } else {
                json!([i.webhook_events])
            };
            (json!(i.id.to_string()), events)
        }
    };
    json!({
        "status": "success",
        "instanceId": instance_id,
        "name": i.name,
        "data": null,
        "instanceStatus": status.as_str(),
        "instanceWebhook": i.webhook_url,
        "instanceEvents": events,
    })
}

fn links(self_url: &str) -> Value {
    json!({"self": self_url})
}

/// update-instance: E5 whose `data` is a ClientStatus.
pub fn updated(client_status: Value, self_url: &str) -> Value {
    json!({"data": client_status, "links": links(self_url), "status": "success"})
}

/// E3 for client-status-of-instance.
pub fn client_status_envelope(client_status: Value, self_url: &str) -> Value {
    json!({"clientStatus": client_status, "links": links(self_url), "status": "success"})
}

/// E4 for retrieve-qr-code.
pub fn qr(id: u64, data_url: &str, self_url: &str) -> Value {
    json!({
        "qrCode": {
            "status": "success",
            "instanceId": id.to_string(),
            "data": {"qr_code": data_url},
        },
        "links": links(self_url),
        "status": "success",
    })
}

/// The node's "not in QR mode" error, nested under `qrCode` with an outer success (HTTP 200).
pub fn qr_unavailable(id: u64) -> Value {
    json!({
        "status": "success",
        "qrCode": {
            "status": "error",
            "message": "instance not in QR mode",
            "instanceId": id.to_string(),
        },
    })
}

/// retrieve-basic-client-information: key `me` live, `qrCode` per the spec's copy-paste bug.
pub fn me(mode: Envelopes, id: u64, me: &Me, self_url: &str) -> Value {
    let key = match mode {
        Envelopes::Live => "me",
        Envelopes::Spec => "qrCode",
    };
    let mut body = Map::new();
    body.insert(
        key.to_owned(),
        json!({"status": "success", "instanceId": id.to_string(), "data": me}),
    );
    body.insert("links".to_owned(), links(self_url));
    body.insert("status".to_owned(), json!("success"));
    Value::Object(body)
}

/// The error for /me and actions on an instance that is not `ready` (HTTP 200, or 409 with
/// `--not-ready 409`).
pub fn not_ready(id: u64) -> Value {
    json!({"status": "error", "message": "Instance is not ready.", "instanceId": id.to_string()})
}

/// An in-band error from the node (HTTP 200): outer success and `data.status: "error"` (the
/// nested form), or, for actions the spec documents flat (E6) in spec mode, the error object
/// on its own.
pub fn action_error(
    mode: Envelopes,
    envelope: Option<SpecEnvelope>,
    id: u64,
    message: &str,
    explanation: Option<&str>,
    self_url: &str,
) -> Value {
    let mut error = Map::new();
    error.insert("status".to_owned(), json!("error"));
    if mode == Envelopes::Spec && envelope == Some(SpecEnvelope::Flat) {
        error.insert("instanceId".to_owned(), json!(id.to_string()));
        error.insert("message".to_owned(), json!(message));
        if let Some(explanation) = explanation {
            error.insert("explanation".to_owned(), json!(explanation));
        }
        return Value::Object(error);
    }
    error.insert("message".to_owned(), json!(message));
    if let Some(explanation) = explanation {
        error.insert("explanation".to_owned(), json!(explanation));
    }
    error.insert("instanceId".to_owned(), json!(id.to_string()));
    json!({"status": "success", "links": links(self_url), "data": error})
}

/// The node's answer to a chatId without a domain (see [`action_error`]).
pub fn bad_chat_id(
    mode: Envelopes,
    envelope: Option<SpecEnvelope>,
    id: u64,
    chat_id: &str,
    self_url: &str,
) -> Value {
    let explanation = format!("\"{chat_id}\" is missing a domain, expected <id>@c.us.");
    action_error(
        mode,
        envelope,
        id,
        "incorrect chatId format.",
        Some(&explanation),
        self_url,
    )
}

/// A successful action. Live: always nested, `{status, links, data:{status, instanceId,
/// data?}}`. Spec: the catalogue's envelope (nested E5, flat E6 `{status, instanceId, data,
/// links}`, or E7 `{data, links, status}`); actions without a documented envelope stay nested.
/// `payload: None` omits the inner `data` (reboot, mark-chat-unread).
pub fn action_ok(
    mode: Envelopes,
    envelope: Option<SpecEnvelope>,
    id: u64,
    payload: Option<Value>,
    self_url: &str,
) -> Value {
    let spec = match mode {
        Envelopes::Live => None,
        Envelopes::Spec => envelope,
    };
    match spec {
        Some(SpecEnvelope::Flat) => {
            let mut body = Map::new();
            body.insert("status".to_owned(), json!("success"));
            body.insert("instanceId".to_owned(), json!(id.to_string()));
            body.insert("data".to_owned(), payload.unwrap_or_else(|| json!([])));
            body.insert("links".to_owned(), links(self_url));
            Value::Object(body)
        }
        Some(SpecEnvelope::DataLinks) => json!({
            "data": payload.unwrap_or_else(|| json!([])),
            "links": links(self_url),
            "status": "success",
        }),
        Some(SpecEnvelope::Nested) | None => {
            let mut inner = Map::new();
            inner.insert("status".to_owned(), json!("success"));
            inner.insert("instanceId".to_owned(), json!(id.to_string()));
            if let Some(payload) = payload {
                inner.insert("data".to_owned(), payload);
            }
            json!({"status": "success", "links": links(self_url), "data": inner})
        }
    }
}

/// logout: E5 with `data: []` (PHP's empty array) in both modes.
pub fn logged_out(id: u64, self_url: &str) -> Value {
    json!({
        "status": "success",
        "links": links(self_url),
        "data": {"status": "success", "instanceId": id, "data": []},
    })
}

/// reboot: E5 without an inner `data` in both modes.
pub fn rebooted(id: u64, self_url: &str) -> Value {
    json!({
        "status": "success",
        "links": links(self_url),
        "data": {"status": "success", "instanceId": id},
    })
}

/// A plain `{status: error, message}` body (403, 404, 400 …).
pub fn error(message: impl Into<String>) -> Value {
    json!({"status": "error", "message": message.into()})
}

/// Laravel's 422 body; `errors` maps a field to its messages.
pub fn validation(errors: Map<String, Value>) -> Value {
    json!({"message": "The given data was invalid.", "errors": errors, "status": "error"})
}
