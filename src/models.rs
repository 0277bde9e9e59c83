//! What WaAPI's instance endpoints answer, as Rust types.
//!
//! Field names follow the wire (`webhook_url`, `instanceStatus`), as the JavaScript objects do.
//! Enums are open: a value this crate does not know yet is kept as `Other(String)`.
//!
//! The models are non-exhaustive (WaAPI adds fields); [`FromJson`] reads one from JSON as the
//! client reads WaAPI's answers (an id may come as a string, `is_trial` as `0` or `1`), with
//! the same checks:
//!
//! ```
//! use waapi_wasm::{action::FromJson, json::Json, Instance};
//! let v = Json::parse(r#"{"id":"7","owner":"o@example.com","is_trial":1}"#).unwrap();
//! let instance = Instance::from_json(&v).unwrap();
//! assert_eq!((instance.id, instance.is_trial), (7, true));
//! ```

use crate::action::FromJson;
use crate::json::{write_str, write_u64, Json};
use crate::prelude::*;
use crate::text::cat;

/// Declares an open string enum: known variants plus `Other(String)`, with `as_str` and `parse`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = concat!("`", $wire, "`.")] $variant,)+
            /// A value this version of the crate does not know; kept as sent.
            Other(String),
        }

        impl $name {
            /// Every value this crate knows, in the API's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name, e.g. `"message_ack"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s,
                }
            }

            /// Never fails: an unknown name becomes `Other`.
            pub fn parse(s: &str) -> $name {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

open_enum! {
    /// An event an instance can send to its webhook: v1.6.0's 20 names and v1.7.0's six more.
    WebhookEvent {
        Message = "message",
        LoadingScreen = "loading_screen",
        Qr = "qr",
        Authenticated = "authenticated",
        AuthFailure = "auth_failure",
        Ready = "ready",
        Disconnected = "disconnected",
        MessageCreate = "message_create",
        MessageEdit = "message_edit",
        MessageRevokeEveryone = "message_revoke_everyone",
        MessageRevokeMe = "message_revoke_me",
        MessageAck = "message_ack",
        MessageReaction = "message_reaction",
        MediaUploaded = "media_uploaded",
        GroupJoin = "group_join",
        GroupLeave = "group_leave",
        GroupUpdate = "group_update",
        ChangeState = "change_state",
        Call = "call",
        VoteUpdate = "vote_update",
        CommunityCreated = "community_created",
        CommunityUpdated = "community_updated",
        CommunitySubgroupLinked = "community_subgroup_linked",
        CommunitySubgroupUnlinked = "community_subgroup_unlinked",
        CommunityDeactivated = "community_deactivated",
        PresenceUpdate = "presence_update",
    }
}

open_enum! {
    /// Where an instance's WhatsApp client is in its life: booting → loading_screen → qr →
    /// authenticated → ready, or auth_failure / disconnected.
    InstanceStatus {
        Booting = "booting",
        LoadingScreen = "loading_screen",
        Qr = "qr",
        Authenticated = "authenticated",
        AuthFailure = "auth_failure",
        Ready = "ready",
        Disconnected = "disconnected",
    }
}

/// A WaAPI instance: one WhatsApp client run by the service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Instance {
    /// From 1 to 2^53 − 1.
    pub id: u64,
    /// The name given in the dashboard or by an update.
    pub name: Option<String>,
    /// E-mail of the owning user.
    pub owner: String,
    /// Where the instance posts its events.
    pub webhook_url: Option<String>,
    /// The events it posts there.
    pub webhook_events: Vec<WebhookEvent>,
    /// Whether it is a trial instance.
    pub is_trial: bool,
}

/// The state of an instance's client, as `/client/status` and instance updates answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct ClientStatus {
    /// The instance's id.
    pub instanceId: u64,
    /// The instance's name.
    pub name: Option<String>,
    /// Where its WhatsApp client is.
    pub instanceStatus: InstanceStatus,
    /// Its webhook URL.
    pub instanceWebhook: Option<String>,
    /// The events it posts to the webhook.
    pub instanceEvents: Vec<WebhookEvent>,
}

/// A QR code to scan with the phone: a `data:image/png;base64,…` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCode(pub(crate) String);

impl QrCode {
    /// What every QR code starts with.
    pub const PREFIX: &'static str = "data:image/png;base64,";

    /// The whole data URL, usable as an `<img src>`.
    pub fn data_url(&self) -> &str {
        &self.0
    }

    /// The base64 text of the PNG, without the `data:` prefix.
    pub fn png_base64(&self) -> &str {
        &self.0[Self::PREFIX.len()..]
    }
}

/// The WhatsApp account an instance is logged in as.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct Me {
    /// The name the account shows.
    pub displayName: String,
    /// `<number>@c.us`.
    pub contactId: String,
    /// `+49 151 …`.
    pub formattedNumber: String,
    /// An `https:` URL; anything else WaAPI sends (`javascript:`, `http:`, `data:`) is
    /// dropped to `None`, so a page can use it as an image source.
    pub profilePicUrl: Option<String>,
}

/// Writes models as the JSON objects the JavaScript API resolves to. Hidden: the JS facade
/// and the edge use it; Rust users have the `serde` feature.
#[doc(hidden)]
pub trait ToJson {
    /// Appends the JSON text.
    fn write_json(&self, out: &mut String);
}

fn write_opt_str(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => write_str(out, s),
        None => out.push_str("null"),
    }
}

fn write_events(out: &mut String, events: &[WebhookEvent]) {
    out.push('[');
    for (n, e) in events.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_str(out, e.as_str());
    }
    out.push(']');
}

impl ToJson for Instance {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"id\":");
        write_u64(out, self.id);
        out.push_str(",\"name\":");
        write_opt_str(out, self.name.as_deref());
        out.push_str(",\"owner\":");
        write_str(out, &self.owner);
        out.push_str(",\"webhook_url\":");
        write_opt_str(out, self.webhook_url.as_deref());
        out.push_str(",\"webhook_events\":");
        write_events(out, &self.webhook_events);
        out.push_str(",\"is_trial\":");
        out.push_str(if self.is_trial { "true}" } else { "false}" });
    }
}

impl ToJson for ClientStatus {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"instanceId\":");
        write_u64(out, self.instanceId);
        out.push_str(",\"name\":");
        write_opt_str(out, self.name.as_deref());
        out.push_str(",\"instanceStatus\":");
        write_str(out, self.instanceStatus.as_str());
        out.push_str(",\"instanceWebhook\":");
        write_opt_str(out, self.instanceWebhook.as_deref());
        out.push_str(",\"instanceEvents\":");
        write_events(out, &self.instanceEvents);
        out.push('}');
    }
}

impl ToJson for Me {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"displayName\":");
        write_str(out, &self.displayName);
        out.push_str(",\"contactId\":");
        write_str(out, &self.contactId);
        out.push_str(",\"formattedNumber\":");
        write_str(out, &self.formattedNumber);
        out.push_str(",\"profilePicUrl\":");
        write_opt_str(out, self.profilePicUrl.as_deref());
        out.push('}');
    }
}

impl ToJson for QrCode {
    fn write_json(&self, out: &mut String) {
        write_str(out, &self.0);
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        // About what an instance takes, so long lists do not regrow the text many times.
        out.reserve(self.len() * 160);
        out.push('[');
        for (n, item) in self.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

/// The JSON text of a model.
#[doc(hidden)]
pub fn to_json_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_json(&mut out);
    out
}

/// Non-empty base64 (RFC 4648's alphabet, `=` padding only at the end, a length a decoder
/// takes): what may follow a QR code's prefix, so the data URL holds nothing else.
fn is_base64(s: &str) -> bool {
    let data = s.trim_end_matches('=');
    let padding = s.len() - data.len();
    !data.is_empty()
        && data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && data.len() % 4 != 1
        && (padding == 0 || (padding <= 2 && s.len() % 4 == 0))
}

// `FromJson` reads a model as the client reads its answers, with the same checks.
macro_rules! from_json {
    ($($model:ident: $read:ident,)+) => {
        $(impl FromJson for $model {
            fn from_json(v: &Json) -> Result<$model, String> {
                decode::$read(v)
            }
        })+
    };
}

from_json! {
    Instance: instance,
    ClientStatus: client_status,
    Me: me,
    QrCode: qr_code,
}

/// Reads models out of WaAPI's tolerant payloads. `Err` carries what was wrong, for a decode error.
pub(crate) mod decode {
    use super::*;

    pub type Result<T> = core::result::Result<T, String>;

    fn field<'j, 'a>(obj: &'j Json<'a>, key: &str) -> Option<&'j Json<'a>> {
        obj.get(key).filter(|v| !v.is_null())
    }

    fn string(obj: &Json, key: &str) -> Result<String> {
        match field(obj, key) {
            Some(Json::String(s)) => Ok(s.to_string()),
            Some(_) => Err(cat!("`", key, "` is not a string")),
            None => Err(cat!("`", key, "` is missing")),
        }
    }

    fn opt_string(obj: &Json, key: &str) -> Result<Option<String>> {
        match field(obj, key) {
            Some(Json::String(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(cat!("`", key, "` is not a string or null")),
            None => Ok(None),
        }
    }

    /// An id sent as a number or as a numeric string (`instanceId` comes both ways).
    pub fn id(obj: &Json, key: &str) -> Result<u64> {
        let n = match field(obj, key) {
            Some(v @ Json::Number(_)) => v.as_u64(),
            Some(Json::String(s)) => crate::json::parse_u64(s.trim()),
            Some(_) => None,
            None => return Err(cat!("`", key, "` is missing")),
        };
        n.filter(|n| (1..=crate::request::MAX_SAFE_INTEGER).contains(n))
            .ok_or_else(|| cat!("`", key, "` is not a positive integer id"))
    }

    /// `true`/`false`, `0`/`1` or `"0"`/`"1"`; absent is `false`.
    fn flag(obj: &Json, key: &str) -> Result<bool> {
        match field(obj, key) {
            None => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(Json::Number(t)) if t == "0" => Ok(false),
            Some(Json::Number(t)) if t == "1" => Ok(true),
            Some(Json::String(t)) if t == "0" || t == "false" => Ok(false),
            Some(Json::String(t)) if t == "1" || t == "true" => Ok(true),
            Some(_) => Err(cat!("`", key, "` is not a boolean")),
        }
    }

    /// A list of event names; nested arrays (the spec's `instanceEvents: [[…]]`) are flattened.
    fn events(obj: &Json, key: &str) -> Result<Vec<WebhookEvent>> {
        fn collect(items: &[Json], out: &mut Vec<WebhookEvent>, key: &str) -> Result<()> {
            for item in items {
                match item {
                    Json::String(s) => out.push(WebhookEvent::parse(s)),
                    Json::Array(inner) => collect(inner, out, key)?,
                    _ => return Err(cat!("`", key, "` holds something other than event names")),
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        match field(obj, key) {
            None => {}
            Some(Json::Array(items)) => collect(items, &mut out, key)?,
            Some(_) => return Err(cat!("`", key, "` is not a list")),
        }
        Ok(out)
    }

    fn object<'j, 'a>(v: &'j Json<'a>, what: &str) -> Result<&'j Json<'a>> {
        if v.is_object() {
            Ok(v)
        } else {
            Err(cat!(what, " is not an object"))
        }
    }

    pub fn instance(v: &Json) -> Result<Instance> {
        let v = object(v, "the instance")?;
        Ok(Instance {
            id: id(v, "id")?,
            name: opt_string(v, "name")?,
            owner: string(v, "owner")?,
            webhook_url: opt_string(v, "webhook_url")?,
            webhook_events: events(v, "webhook_events")?,
            is_trial: flag(v, "is_trial")?,
        })
    }

    pub fn client_status(v: &Json) -> Result<ClientStatus> {
        let v = object(v, "the client status")?;
        Ok(ClientStatus {
            instanceId: id(v, "instanceId")?,
            name: opt_string(v, "name")?,
            instanceStatus: InstanceStatus::parse(&string(v, "instanceStatus")?),
            instanceWebhook: opt_string(v, "instanceWebhook")?,
            instanceEvents: events(v, "instanceEvents")?,
        })
    }

    pub fn me(v: &Json) -> Result<Me> {
        let v = object(v, "the account")?;
        Ok(Me {
            displayName: string(v, "displayName")?,
            contactId: string(v, "contactId")?,
            formattedNumber: string(v, "formattedNumber")?,
            profilePicUrl: opt_string(v, "profilePicUrl")?.filter(|u| is_https_url(u)),
        })
    }

    /// An absolute `https://` URL with a host, nothing a page could run.
    fn is_https_url(url: &str) -> bool {
        url.get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            && crate::request::http_host(url).is_ok()
    }

    pub fn qr_code(v: &Json) -> Result<QrCode> {
        match v.as_str() {
            Some(s) if s.strip_prefix(QrCode::PREFIX).is_some_and(is_base64) => {
                Ok(QrCode(s.to_owned()))
            }
            Some(_) => Err("the QR code is not a data:image/png;base64 URL".into()),
            None => Err("the QR code is not a string".into()),
        }
    }
}
