//! The webhooks WaAPI posts, `{"event", "instanceId", "data"}` (CONTRACT.md §5), as typed events.
//!
//! Parsing is tolerant, as the live service is inconsistent: `instanceId` may be a number or a
//! numeric string, `data` may be missing or `[]` (PHP's empty object), every field of typed data
//! is optional, and members this crate does not know (or that have an unexpected type) are kept
//! in `other` rather than dropped. Only a body that cannot be an event is refused, with an
//! [`Error`] of kind `invalid_input`: not JSON, not an object, no `event` name, no `instanceId`
//! from 1 to 2^53 − 1, or a typed event whose `data` (or the object it is about, such as
//! `data.message`) is not an object.
//!
//! ```
//! use waapi_wasm::webhook::WebhookPayload;
//!
//! let body = r#"{"event":"message","instanceId":"7","data":{"message":{
//!     "id":{"_serialized":"false_4915112345678@c.us_3EB0ABCDEF","fromMe":false},
//!     "body":"Is my order on the way?","from":"4915112345678@c.us","x":1}}}"#;
//! match WebhookPayload::parse(body)? {
//!     WebhookPayload::Message(e) => {
//!         assert_eq!(e.instance_id, 7);
//!         assert_eq!(e.data.message.body.as_deref(), Some("Is my order on the way?"));
//!         assert_eq!(e.data.message.other[0].0, "x"); // unknown members stay reachable
//!     }
//!     WebhookPayload::Unknown(name, e) => println!("{name} for instance {}", e.instance_id),
//!     other => println!("{}", other.event()),
//! }
//! # Ok::<(), waapi_wasm::Error>(())
//! ```
//!
//! [`Envelope`] is the cheaper first step alone: the checked envelope, borrowing the parsed body,
//! with `data` as plain JSON; [`normalize`] answers the normalized text JavaScript's
//! `parseWebhookEvent` returns (what a receiver can store as it is).

use alloc::borrow::Cow;

use crate::error::Error;
use crate::json::{parse_u64, write_str, write_u64, Json};
use crate::models::WebhookEvent;
use crate::prelude::*;

/// Members a typed value did not read: unknown names, and known names whose value had an
/// unexpected type or came twice. Kept in source order, so nothing the service sent is lost.
pub type Other = Vec<(String, Json<'static>)>;

/// Events whose `data` is typed, each with the member of `data` the event is about ("" when
/// `data` itself is). Those members, and `data`, are always objects after parsing. The shapes
/// come from CONTRACT.md §5 and WaAPI's event reference (waapi.readme.io); `call` follows
/// whatsapp-web.js's `Call`, which WaAPI forwards.
const TYPED: &[(&str, &str)] = &[
    ("message", "message"),
    ("message_create", "message"),
    ("message_ack", "message"),
    ("message_revoke_me", "message"),
    ("message_revoke_everyone", "after"),
    ("message_reaction", "reaction"),
    ("group_join", "notification"),
    ("group_leave", "notification"),
    ("group_update", "notification"),
    ("vote_update", "vote"),
    ("call", "call"),
    ("ready", ""),
    ("qr", ""),
    ("disconnected", ""),
    ("change_state", ""),
];

/// A webhook's envelope, checked, borrowing the parsed body; `data` stays plain JSON.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Envelope<'j, 'a> {
    /// The event name as sent (one of [`WebhookEvent::KNOWN`] or a newer one).
    pub event: &'j str,
    /// From 1 to 2^53 − 1, whether it came as a number or as a numeric string.
    pub instance_id: u64,
    /// `data` as sent; `None` when absent or `null`.
    data: Option<&'j Json<'a>>,
    /// For a typed event, the member of `data` it is about ("" for `data` itself).
    subject: Option<&'static str>,
    members: &'j [(Cow<'a, str>, Json<'a>)],
}

impl<'j, 'a> Envelope<'j, 'a> {
    /// Checks a parsed webhook body.
    ///
    /// ```
    /// use waapi_wasm::{json::Json, webhook::Envelope};
    /// let body = Json::parse(r#"{"event":"ready","instanceId":"12","data":[]}"#).unwrap();
    /// let e = Envelope::check(&body)?;
    /// assert_eq!((e.event, e.instance_id), ("ready", 12));
    /// assert_eq!(e.to_json_string(), r#"{"event":"ready","instanceId":12,"data":{}}"#);
    /// # Ok::<(), waapi_wasm::Error>(())
    /// ```
    pub fn check(body: &'j Json<'a>) -> Result<Envelope<'j, 'a>, Error> {
        let Json::Object(members) = body else {
            return Err(Error::invalid("The webhook body is not a JSON object."));
        };
        let event = match body.get("event") {
            Some(Json::String(name)) if !name.is_empty() => name.as_ref(),
            _ => {
                return Err(Error::invalid(
                    "The webhook has no \"event\" name (a non-empty string).",
                ))
            }
        };
        let instance_id = body.get("instanceId").and_then(id).ok_or_else(|| {
            Error::invalid(
                "The webhook's \"instanceId\" must be a whole number from 1 to 9007199254740991, or such a number as a string.",
            )
        })?;
        let data = body.get("data").filter(|d| !d.is_null());
        let subject = TYPED
            .iter()
            .find(|(name, _)| *name == event)
            .map(|&(_, subject)| subject);
        if let Some(subject) = subject {
            match data {
                None => {}
                Some(d) if is_empty_array(d) => {}
                Some(d @ Json::Object(_))
                    if !subject.is_empty() && !d.get(subject).map_or(true, is_object_or_empty) =>
                {
                    return Err(not_object(event, subject));
                }
                Some(Json::Object(_)) => {}
                Some(_) => return Err(not_object(event, "")),
            }
        }
        Ok(Envelope {
            event,
            instance_id,
            data,
            subject,
            members,
        })
    }

    /// `data` as sent; `None` when absent or `null`.
    pub fn data(&self) -> Option<&'j Json<'a>> {
        self.data
    }

    /// The payload's members besides `event`, `instanceId` and `data`, in source order.
    pub fn other(&self) -> impl Iterator<Item = (&'j str, &'j Json<'a>)> {
        self.members
            .iter()
            .filter(|(k, _)| !is_envelope_member(k))
            .map(|(k, v)| (k.as_ref(), v))
    }

    /// Writes the normalized payload: `event`, `instanceId` as a number, `data` when there is
    /// any (`[]` as `{}`; for a typed event always an object, with the member the event is
    /// about always an object too), then the other members.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"event\":");
        write_str(out, self.event);
        out.push_str(",\"instanceId\":");
        write_u64(out, self.instance_id);
        match (self.subject, self.data) {
            (None, None) => {}
            (None, Some(d)) if is_empty_array(d) => out.push_str(",\"data\":{}"),
            (None, Some(d)) => {
                out.push_str(",\"data\":");
                d.write(out);
            }
            (Some(subject), d) => {
                out.push_str(",\"data\":");
                write_typed_data(out, d, subject);
            }
        }
        for (key, value) in self.members {
            if !is_envelope_member(key) {
                out.push(',');
                write_str(out, key);
                out.push(':');
                value.write(out);
            }
        }
        out.push('}');
    }

    /// The normalized payload as JSON text (see [`Envelope::write_json`]).
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// Parses and checks a webhook body and answers its normalized JSON text
/// ([`Envelope::write_json`]): what JavaScript's `parseWebhookEvent` returns, parsed.
///
/// ```
/// let text = waapi_wasm::webhook::normalize(r#"{"event":"message","instanceId":"3"}"#)?;
/// assert_eq!(text, r#"{"event":"message","instanceId":3,"data":{"message":{}}}"#);
/// # Ok::<(), waapi_wasm::Error>(())
/// ```
pub fn normalize(body: &str) -> Result<String, Error> {
    let json = parse_json(body)?;
    Ok(Envelope::check(&json)?.to_json_string())
}

fn parse_json(body: &str) -> Result<Json<'_>, Error> {
    Json::parse(body).map_err(|_| Error::invalid("The webhook body is not JSON."))
}

/// A typed event's `data` (absent, `[]` or an object, as checked): always an object, with
/// its subject member an object; a second member of the subject's name is left out, as
/// `JSON.parse` would let it win.
fn write_typed_data(out: &mut String, data: Option<&Json>, subject: &str) {
    let members = match data {
        Some(Json::Object(members)) => &members[..],
        _ => &[],
    };
    out.push('{');
    let mut seen = subject.is_empty();
    let mut first = true;
    for (key, value) in members {
        let is_subject = !subject.is_empty() && key == subject;
        if is_subject && seen {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        write_str(out, key);
        out.push(':');
        if is_subject && !value.is_object() {
            out.push_str("{}");
        } else {
            value.write(out);
        }
        seen |= is_subject;
    }
    if !seen {
        if !first {
            out.push(',');
        }
        write_str(out, subject);
        out.push_str(":{}");
    }
    out.push('}');
}

fn is_envelope_member(key: &str) -> bool {
    matches!(key, "event" | "instanceId" | "data")
}

fn is_empty_array(v: &Json) -> bool {
    matches!(v, Json::Array(items) if items.is_empty())
}

/// What a typed event's subject may be: an object, or "nothing" as `null` or PHP's `[]`.
fn is_object_or_empty(v: &Json) -> bool {
    v.is_object() || v.is_null() || is_empty_array(v)
}

/// An id as a number or a numeric string, within JavaScript's safe integers.
fn id(v: &Json) -> Option<u64> {
    let n = match v {
        Json::Number(_) => v.as_u64(),
        Json::String(s) => parse_u64(s.trim()),
        _ => None,
    };
    n.filter(|n| (1..=crate::request::MAX_SAFE_INTEGER).contains(n))
}

fn not_object(event: &str, subject: &str) -> Error {
    let mut m = String::from("The \"data");
    if !subject.is_empty() {
        m.push('.');
        m.push_str(subject);
    }
    m.push_str("\" of a \"");
    m.push_str(event);
    m.push_str("\" webhook must be an object.");
    Error::invalid(m)
}

/// One webhook: the instance that sent it, its data, and the payload's other members.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<D> {
    /// The instance that sent it.
    pub instance_id: u64,
    /// The event's `data`.
    pub data: D,
    /// Members of the payload besides `event`, `instanceId` and `data`.
    pub other: Other,
}

/// An event whose data this crate does not type: `data` as sent (`None` when absent or null).
pub type RawEvent = Event<Option<Json<'static>>>;

/// A parsed webhook: one variant per event WaAPI sends (v1.6.0's 20 and v1.7.0's six), and
/// `Unknown` for any other name.
#[derive(Clone, Debug, PartialEq)]
// A payload is parsed and handled one at a time, not stored in bulk: boxing the large
// variants would only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// A message was received.
    Message(Event<MessageData>),
    /// A message was created: sent from this instance, or received.
    MessageCreate(Event<MessageData>),
    /// A message's delivery status changed (`data.ack`: -1 error … 4 played).
    MessageAck(Event<MessageAckData>),
    /// A reaction was added to a message, or removed.
    MessageReaction(Event<ReactionData>),
    /// A message was deleted for everyone.
    MessageRevokeEveryone(Event<RevokeEveryoneData>),
    /// A message was deleted for this account only.
    MessageRevokeMe(Event<MessageData>),
    /// The instance is ready to send and receive.
    Ready(Event<ReadyData>),
    /// A new QR code to scan.
    Qr(Event<QrData>),
    /// The instance's WhatsApp client was disconnected.
    Disconnected(Event<DisconnectedData>),
    /// The WhatsApp connection changed state.
    ChangeState(Event<ChangeStateData>),
    /// Someone joined a group, or was added.
    GroupJoin(Event<GroupData>),
    /// Someone left a group, or was removed.
    GroupLeave(Event<GroupData>),
    /// A group's settings or details changed.
    GroupUpdate(Event<GroupData>),
    /// A poll vote was cast, changed or removed.
    VoteUpdate(Event<VoteData>),
    /// An incoming call (the API cannot answer it).
    Call(Event<CallData>),
    /// WhatsApp Web is loading (`data`: `{percent, message}`).
    LoadingScreen(RawEvent),
    /// The QR code was scanned; the instance will become ready.
    Authenticated(RawEvent),
    /// Signing in failed.
    AuthFailure(RawEvent),
    /// A message was edited.
    MessageEdit(RawEvent),
    /// A media message finished uploading.
    MediaUploaded(RawEvent),
    /// A community was created (v1.7.0).
    CommunityCreated(RawEvent),
    /// A community changed (v1.7.0).
    CommunityUpdated(RawEvent),
    /// A group was linked to a community (v1.7.0).
    CommunitySubgroupLinked(RawEvent),
    /// A group was unlinked from a community (v1.7.0).
    CommunitySubgroupUnlinked(RawEvent),
    /// A community was deactivated (v1.7.0).
    CommunityDeactivated(RawEvent),
    /// A contact's presence changed (v1.7.0).
    PresenceUpdate(RawEvent),
    /// An event name this version of the crate does not know, kept with its data.
    Unknown(String, RawEvent),
}

impl WebhookPayload {
    /// Parses a webhook body; see the [module docs](self) for what is tolerated.
    pub fn parse(body: &str) -> Result<WebhookPayload, Error> {
        WebhookPayload::from_json(&parse_json(body)?)
    }

    /// Reads an already parsed webhook body.
    pub fn from_json(body: &Json) -> Result<WebhookPayload, Error> {
        Envelope::check(body).map(|e| WebhookPayload::from_envelope(&e))
    }

    /// Types a checked envelope.
    pub fn from_envelope(envelope: &Envelope) -> WebhookPayload {
        let instance_id = envelope.instance_id;
        let other: Other = envelope
            .other()
            .map(|(k, v)| (k.to_owned(), v.clone().into_owned()))
            .collect();
        let data = envelope.data();
        // Typed data reads its members from an object; `[]` and absent read as `{}`.
        let empty = Json::Object(Vec::new());
        let obj = data.filter(|d| d.is_object()).unwrap_or(&empty);
        macro_rules! ev {
            ($data:expr) => {
                Event {
                    instance_id,
                    data: $data,
                    other,
                }
            };
        }
        let raw = || {
            data.map(|d| match d {
                Json::Array(items) if items.is_empty() => Json::Object(Vec::new()),
                d => d.clone().into_owned(),
            })
        };
        use WebhookEvent as N;
        match WebhookEvent::parse(envelope.event) {
            N::Message => WebhookPayload::Message(ev!(MessageData::read(obj))),
            N::MessageCreate => WebhookPayload::MessageCreate(ev!(MessageData::read(obj))),
            N::MessageRevokeMe => WebhookPayload::MessageRevokeMe(ev!(MessageData::read(obj))),
            N::MessageAck => WebhookPayload::MessageAck(ev!(MessageAckData::read(obj))),
            N::MessageReaction => WebhookPayload::MessageReaction(ev!(ReactionData::read(obj))),
            N::MessageRevokeEveryone => {
                WebhookPayload::MessageRevokeEveryone(ev!(RevokeEveryoneData::read(obj)))
            }
            N::Ready => WebhookPayload::Ready(ev!(ReadyData::read(obj))),
            N::Qr => WebhookPayload::Qr(ev!(QrData::read(obj))),
            N::Disconnected => WebhookPayload::Disconnected(ev!(DisconnectedData::read(obj))),
            N::ChangeState => WebhookPayload::ChangeState(ev!(ChangeStateData::read(obj))),
            N::GroupJoin => WebhookPayload::GroupJoin(ev!(GroupData::read(obj))),
            N::GroupLeave => WebhookPayload::GroupLeave(ev!(GroupData::read(obj))),
            N::GroupUpdate => WebhookPayload::GroupUpdate(ev!(GroupData::read(obj))),
            N::VoteUpdate => WebhookPayload::VoteUpdate(ev!(VoteData::read(obj))),
            N::Call => WebhookPayload::Call(ev!(CallData::read(obj))),
            N::LoadingScreen => WebhookPayload::LoadingScreen(ev!(raw())),
            N::Authenticated => WebhookPayload::Authenticated(ev!(raw())),
            N::AuthFailure => WebhookPayload::AuthFailure(ev!(raw())),
            N::MessageEdit => WebhookPayload::MessageEdit(ev!(raw())),
            N::MediaUploaded => WebhookPayload::MediaUploaded(ev!(raw())),
            N::CommunityCreated => WebhookPayload::CommunityCreated(ev!(raw())),
            N::CommunityUpdated => WebhookPayload::CommunityUpdated(ev!(raw())),
            N::CommunitySubgroupLinked => WebhookPayload::CommunitySubgroupLinked(ev!(raw())),
            N::CommunitySubgroupUnlinked => WebhookPayload::CommunitySubgroupUnlinked(ev!(raw())),
            N::CommunityDeactivated => WebhookPayload::CommunityDeactivated(ev!(raw())),
            N::PresenceUpdate => WebhookPayload::PresenceUpdate(ev!(raw())),
            N::Other(name) => WebhookPayload::Unknown(name, ev!(raw())),
        }
    }

    /// The event's name; `WebhookEvent::Other` for `Unknown`.
    pub fn event(&self) -> WebhookEvent {
        use WebhookPayload as P;
        match self {
            P::Message(_) => WebhookEvent::Message,
            P::MessageCreate(_) => WebhookEvent::MessageCreate,
            P::MessageAck(_) => WebhookEvent::MessageAck,
            P::MessageReaction(_) => WebhookEvent::MessageReaction,
            P::MessageRevokeEveryone(_) => WebhookEvent::MessageRevokeEveryone,
            P::MessageRevokeMe(_) => WebhookEvent::MessageRevokeMe,
            P::Ready(_) => WebhookEvent::Ready,
            P::Qr(_) => WebhookEvent::Qr,
            P::Disconnected(_) => WebhookEvent::Disconnected,
            P::ChangeState(_) => WebhookEvent::ChangeState,
            P::GroupJoin(_) => WebhookEvent::GroupJoin,
            P::GroupLeave(_) => WebhookEvent::GroupLeave,
            P::GroupUpdate(_) => WebhookEvent::GroupUpdate,
            P::VoteUpdate(_) => WebhookEvent::VoteUpdate,
            P::Call(_) => WebhookEvent::Call,
            P::LoadingScreen(_) => WebhookEvent::LoadingScreen,
            P::Authenticated(_) => WebhookEvent::Authenticated,
            P::AuthFailure(_) => WebhookEvent::AuthFailure,
            P::MessageEdit(_) => WebhookEvent::MessageEdit,
            P::MediaUploaded(_) => WebhookEvent::MediaUploaded,
            P::CommunityCreated(_) => WebhookEvent::CommunityCreated,
            P::CommunityUpdated(_) => WebhookEvent::CommunityUpdated,
            P::CommunitySubgroupLinked(_) => WebhookEvent::CommunitySubgroupLinked,
            P::CommunitySubgroupUnlinked(_) => WebhookEvent::CommunitySubgroupUnlinked,
            P::CommunityDeactivated(_) => WebhookEvent::CommunityDeactivated,
            P::PresenceUpdate(_) => WebhookEvent::PresenceUpdate,
            P::Unknown(name, _) => WebhookEvent::Other(name.clone()),
        }
    }

    /// The id of the instance that sent the event.
    pub fn instance_id(&self) -> u64 {
        use WebhookPayload as P;
        match self {
            P::Message(e) | P::MessageCreate(e) | P::MessageRevokeMe(e) => e.instance_id,
            P::MessageAck(e) => e.instance_id,
            P::MessageReaction(e) => e.instance_id,
            P::MessageRevokeEveryone(e) => e.instance_id,
            P::Ready(e) => e.instance_id,
            P::Qr(e) => e.instance_id,
            P::Disconnected(e) => e.instance_id,
            P::ChangeState(e) => e.instance_id,
            P::GroupJoin(e) | P::GroupLeave(e) | P::GroupUpdate(e) => e.instance_id,
            P::VoteUpdate(e) => e.instance_id,
            P::Call(e) => e.instance_id,
            P::LoadingScreen(e)
            | P::Authenticated(e)
            | P::AuthFailure(e)
            | P::MessageEdit(e)
            | P::MediaUploaded(e)
            | P::CommunityCreated(e)
            | P::CommunityUpdated(e)
            | P::CommunitySubgroupLinked(e)
            | P::CommunitySubgroupUnlinked(e)
            | P::CommunityDeactivated(e)
            | P::PresenceUpdate(e)
            | P::Unknown(_, e) => e.instance_id,
        }
    }
}

/// Reads an object's members into typed fields: `read` takes a member it knows (and returns
/// `true`), every other member lands in the returned [`Other`].
fn fields(v: &Json, mut read: impl FnMut(&str, &Json) -> bool) -> Other {
    let mut other = Other::new();
    if let Json::Object(members) = v {
        for (key, value) in members {
            if !read(key, value) {
                other.push((key.to_string(), value.clone().into_owned()));
            }
        }
    }
    other
}

/// Fills an empty slot with a value of the expected type; `false` (so the member is kept in
/// `other`) for a second occurrence or an unexpected type.
fn put<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    match (slot.is_none(), value) {
        (true, Some(v)) => {
            *slot = Some(v);
            true
        }
        _ => false,
    }
}

fn string(v: &Json) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// A whole number, negative or not, also as a numeric string (timestamps come both ways).
fn int(v: &Json) -> Option<i64> {
    let text = match v {
        Json::Number(t) | Json::String(t) => t.trim(),
        _ => return None,
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let n = i64::try_from(parse_u64(digits)?).ok()?;
    Some(if negative { -n } else { n })
}

fn strings(v: &Json) -> Option<Vec<String>> {
    v.as_array()?.iter().map(string).collect()
}

fn object<T>(v: &Json, read: fn(&Json) -> T) -> Option<T> {
    v.is_object().then(|| read(v))
}

/// The object a typed event is about: `null` and `[]` read as empty, as the envelope allows.
fn subject<T: Default>(v: &Json, read: fn(&Json) -> T) -> Option<T> {
    match v {
        Json::Object(_) => Some(read(v)),
        _ if is_object_or_empty(v) => Some(T::default()),
        _ => None,
    }
}

/// A message's id: `{fromMe}_{chatId}_{id}` (and `_{participant}` in groups) as `_serialized`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct MessageId {
    /// The whole id, as other calls take it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub _serialized: Option<String>,
    /// Whether this account sent it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub fromMe: Option<bool>,
    /// The chat: `<number>@c.us` or `<id>@g.us`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub remote: Option<String>,
    /// The id within the chat.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id: Option<String>,
    /// In groups: who sent it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub participant: Option<String>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl MessageId {
    pub(crate) fn read(v: &Json) -> MessageId {
        let mut m = MessageId::default();
        m.other = fields(v, |key, v| match key {
            "_serialized" => put(&mut m._serialized, string(v)),
            "fromMe" => put(&mut m.fromMe, v.as_bool()),
            "remote" => put(&mut m.remote, string(v)),
            "id" => put(&mut m.id, string(v)),
            "participant" => put(&mut m.participant, string(v)),
            _ => false,
        });
        m
    }
}

/// A WhatsApp message as webhooks carry it. `_data` (the raw message with dozens of internal
/// flags) and anything else stay in `other`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct Message {
    /// Its id; `serialized_id()` gives `id._serialized`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id: Option<MessageId>,
    /// The text, or a media message's caption.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub body: Option<String>,
    /// `chat`, `image`, `video`, `document`, `audio`, `ptt`, `sticker`, `location`, … (open).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub r#type: Option<String>,
    /// Sender: `<number>@c.us` (or a group id).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub from: Option<String>,
    /// The recipient: `<number>@c.us` (or a group id).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub to: Option<String>,
    /// In groups: who wrote it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub author: Option<String>,
    /// Unix seconds.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timestamp: Option<i64>,
    /// Whether this account sent it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub fromMe: Option<bool>,
    /// Whether it carries media (download it with `download-media`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub hasMedia: Option<bool>,
    /// -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub ack: Option<i64>,
    /// Whether it quotes another message.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub hasQuotedMsg: Option<bool>,
    /// Whether it was forwarded.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub isForwarded: Option<bool>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl Message {
    pub(crate) fn read(v: &Json) -> Message {
        let mut m = Message::default();
        m.other = fields(v, |key, v| match key {
            "id" => put(&mut m.id, object(v, MessageId::read)),
            "body" => put(&mut m.body, string(v)),
            "type" => put(&mut m.r#type, string(v)),
            "from" => put(&mut m.from, string(v)),
            "to" => put(&mut m.to, string(v)),
            "author" => put(&mut m.author, string(v)),
            "timestamp" => put(&mut m.timestamp, int(v)),
            "fromMe" => put(&mut m.fromMe, v.as_bool()),
            "hasMedia" => put(&mut m.hasMedia, v.as_bool()),
            "ack" => put(&mut m.ack, int(v)),
            "hasQuotedMsg" => put(&mut m.hasQuotedMsg, v.as_bool()),
            "isForwarded" => put(&mut m.isForwarded, v.as_bool()),
            _ => false,
        });
        m
    }

    /// The message's serialized id (`id._serialized`), what send-message answers and
    /// `message_ack` refers to.
    pub fn serialized_id(&self) -> Option<&str> {
        self.id.as_ref()?._serialized.as_deref()
    }
}

/// `data` of `message`, `message_create` and `message_revoke_me`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct MessageData {
    /// Always there (empty when the service left it out).
    pub message: Message,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl MessageData {
    pub(crate) fn read(v: &Json) -> MessageData {
        let mut message = None;
        let other = fields(v, |key, v| match key {
            "message" => put(&mut message, subject(v, Message::read)),
            _ => false,
        });
        MessageData {
            message: message.unwrap_or_default(),
            other,
        }
    }
}

/// `data` of `message_ack`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct MessageAckData {
    /// -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub ack: Option<i64>,
    /// The message; always there (empty when the service left it out).
    pub message: Message,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl MessageAckData {
    pub(crate) fn read(v: &Json) -> MessageAckData {
        let (mut ack, mut message) = (None, None);
        let other = fields(v, |key, v| match key {
            "ack" => put(&mut ack, int(v)),
            "message" => put(&mut message, subject(v, Message::read)),
            _ => false,
        });
        MessageAckData {
            ack,
            message: message.unwrap_or_default(),
            other,
        }
    }
}

/// A reaction to a message.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct Reaction {
    /// The reaction's own id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id: Option<MessageId>,
    /// The message reacted to.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub msgId: Option<MessageId>,
    /// The emoji; empty when the reaction was removed.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reaction: Option<String>,
    /// Who reacted: `<number>@c.us`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub senderId: Option<String>,
    /// Unix seconds.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timestamp: Option<i64>,
    /// Whether the reaction was seen.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub read: Option<bool>,
    /// Its delivery status, as a message's.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub ack: Option<i64>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl Reaction {
    pub(crate) fn read(v: &Json) -> Reaction {
        let mut r = Reaction::default();
        r.other = fields(v, |key, v| match key {
            "id" => put(&mut r.id, object(v, MessageId::read)),
            "msgId" => put(&mut r.msgId, object(v, MessageId::read)),
            "reaction" => put(&mut r.reaction, string(v)),
            "senderId" => put(&mut r.senderId, string(v)),
            "timestamp" => put(&mut r.timestamp, int(v)),
            "read" => put(&mut r.read, v.as_bool()),
            "ack" => put(&mut r.ack, int(v)),
            _ => false,
        });
        r
    }
}

/// `data` of `message_reaction`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ReactionData {
    /// The reaction; always there (empty when the service left it out).
    pub reaction: Reaction,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl ReactionData {
    pub(crate) fn read(v: &Json) -> ReactionData {
        let mut reaction = None;
        let other = fields(v, |key, v| match key {
            "reaction" => put(&mut reaction, subject(v, Reaction::read)),
            _ => false,
        });
        ReactionData {
            reaction: reaction.unwrap_or_default(),
            other,
        }
    }
}

/// `data` of `message_revoke_everyone`: the message as it is now, and before when known
/// (`null` when not).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct RevokeEveryoneData {
    /// The message as it is now (of type `revoked`); always there.
    pub after: Message,
    /// The message before it was deleted, when the service knew it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub before: Option<Message>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl RevokeEveryoneData {
    pub(crate) fn read(v: &Json) -> RevokeEveryoneData {
        let (mut after, mut before) = (None, None);
        let other = fields(v, |key, v| match key {
            "after" => put(&mut after, subject(v, Message::read)),
            "before" => v.is_null() || put(&mut before, object(v, Message::read)),
            _ => false,
        });
        RevokeEveryoneData {
            after: after.unwrap_or_default(),
            before,
            other,
        }
    }
}

/// Declares a `data` struct of optional string fields (the lifecycle events).
macro_rules! string_data {
    ($(#[$meta:meta])* $name:ident { $($field:ident),+ }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[non_exhaustive]
        pub struct $name {
            $(
                #[doc = concat!("`", stringify!($field), "` as sent.")]
                #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
                pub $field: Option<String>,
            )+
            /// Members not read into the fields above (see [`Other`]).
            #[cfg_attr(feature = "serde", serde(flatten, serialize_with = "crate::serde_impl::other"))]
            pub other: Other,
        }

        impl $name {
            pub(crate) fn read(v: &Json) -> $name {
                let mut d = $name::default();
                d.other = fields(v, |key, v| match key {
                    $(stringify!($field) => put(&mut d.$field, string(v)),)+
                    _ => false,
                });
                d
            }
        }
    };
}

string_data! {
    /// `data` of `ready`: `{status: "ready"}`.
    ReadyData { status }
}
string_data! {
    /// `data` of `qr`: the QR text, and sometimes a `data:image/png;base64,…` image of it.
    QrData { qr, base64 }
}
string_data! {
    /// `data` of `disconnected`: why (`LOGOUT`, `CONFLICT`, …).
    DisconnectedData { reason }
}
string_data! {
    /// `data` of `change_state`: WhatsApp Web's state (`CONNECTED`, `OPENING`, `CONFLICT`, …).
    ChangeStateData { state }
}

/// A group notification: who joined, left, or what changed.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct GroupNotification {
    /// The notification's own id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id: Option<MessageId>,
    /// The new value for an update (a new subject or description), else empty.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub body: Option<String>,
    /// `add`, `invite`, `remove`, `leave`, `subject`, `description`, `picture`, … (open).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub r#type: Option<String>,
    /// Unix seconds.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timestamp: Option<i64>,
    /// The group: `<id>@g.us`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub chatId: Option<String>,
    /// Who did it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub author: Option<String>,
    /// Who it was done to.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub recipientIds: Option<Vec<String>>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl GroupNotification {
    pub(crate) fn read(v: &Json) -> GroupNotification {
        let mut n = GroupNotification::default();
        n.other = fields(v, |key, v| match key {
            "id" => put(&mut n.id, object(v, MessageId::read)),
            "body" => put(&mut n.body, string(v)),
            "type" => put(&mut n.r#type, string(v)),
            "timestamp" => put(&mut n.timestamp, int(v)),
            "chatId" => put(&mut n.chatId, string(v)),
            "author" => put(&mut n.author, string(v)),
            "recipientIds" => put(&mut n.recipientIds, strings(v)),
            _ => false,
        });
        n
    }
}

/// `data` of `group_join`, `group_leave` and `group_update`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct GroupData {
    /// The notification; always there (empty when the service left it out).
    pub notification: GroupNotification,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl GroupData {
    pub(crate) fn read(v: &Json) -> GroupData {
        let mut notification = None;
        let other = fields(v, |key, v| match key {
            "notification" => put(&mut notification, subject(v, GroupNotification::read)),
            _ => false,
        });
        GroupData {
            notification: notification.unwrap_or_default(),
            other,
        }
    }
}

/// A poll option chosen in a vote.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct PollOption {
    /// The option's text.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub name: Option<String>,
    /// The option's index in the poll.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub localId: Option<i64>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl PollOption {
    pub(crate) fn read(v: &Json) -> PollOption {
        let mut o = PollOption::default();
        o.other = fields(v, |key, v| match key {
            "name" => put(&mut o.name, string(v)),
            "localId" => put(&mut o.localId, int(v)),
            _ => false,
        });
        o
    }
}

/// A poll vote: who voted, for what (empty when the vote was removed), on which poll.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct Vote {
    /// Who voted: `<number>@c.us`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub voter: Option<String>,
    /// The options chosen; empty when the vote was removed.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub selectedOptions: Option<Vec<PollOption>>,
    /// Unix milliseconds (the service's own spelling).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub interractedAtTs: Option<i64>,
    /// The poll's message.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub parentMessage: Option<Message>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl Vote {
    pub(crate) fn read(v: &Json) -> Vote {
        let mut vote = Vote::default();
        vote.other = fields(v, |key, v| match key {
            "voter" => put(&mut vote.voter, string(v)),
            "selectedOptions" => put(
                &mut vote.selectedOptions,
                v.as_array()
                    .and_then(|items| items.iter().map(|o| object(o, PollOption::read)).collect()),
            ),
            "interractedAtTs" => put(&mut vote.interractedAtTs, int(v)),
            "parentMessage" => put(&mut vote.parentMessage, object(v, Message::read)),
            _ => false,
        });
        vote
    }
}

/// `data` of `vote_update`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct VoteData {
    /// The vote; always there (empty when the service left it out).
    pub vote: Vote,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl VoteData {
    pub(crate) fn read(v: &Json) -> VoteData {
        let mut vote = None;
        let other = fields(v, |key, v| match key {
            "vote" => put(&mut vote, subject(v, Vote::read)),
            _ => false,
        });
        VoteData {
            vote: vote.unwrap_or_default(),
            other,
        }
    }
}

/// An incoming call.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
#[allow(non_snake_case)] // wire names, as in JavaScript
pub struct Call {
    /// The call's id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id: Option<String>,
    /// The caller: `<number>@c.us`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub from: Option<String>,
    /// Unix seconds.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timestamp: Option<i64>,
    /// Whether it is a video call.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub isVideo: Option<bool>,
    /// Whether it is a group call.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub isGroup: Option<bool>,
    /// Whether this account sent it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub fromMe: Option<bool>,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl Call {
    pub(crate) fn read(v: &Json) -> Call {
        let mut c = Call::default();
        c.other = fields(v, |key, v| match key {
            "id" => put(&mut c.id, string(v)),
            "from" => put(&mut c.from, string(v)),
            "timestamp" => put(&mut c.timestamp, int(v)),
            "isVideo" => put(&mut c.isVideo, v.as_bool()),
            "isGroup" => put(&mut c.isGroup, v.as_bool()),
            "fromMe" => put(&mut c.fromMe, v.as_bool()),
            _ => false,
        });
        c
    }
}

/// `data` of `call`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct CallData {
    /// The call; always there (empty when the service left it out).
    pub call: Call,
    /// Members not read into the fields above (see [`Other`]).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::serde_impl::other")
    )]
    pub other: Other,
}

impl CallData {
    pub(crate) fn read(v: &Json) -> CallData {
        let mut call = None;
        let other = fields(v, |key, v| match key {
            "call" => put(&mut call, subject(v, Call::read)),
            _ => false,
        });
        CallData {
            call: call.unwrap_or_default(),
            other,
        }
    }
}

/// The wire's shape (what [`normalize`] writes) out, the crate's reader in.
#[cfg(feature = "serde")]
mod serde_support {
    use serde::de::{Deserialize, Deserializer, Error as _, IntoDeserializer};
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use super::*;
    use crate::serde_impl::read;

    /// `instanceId`, `data` (when given) and the other members, after `event` when named.
    fn write_event<S: Serializer, D: Serialize>(
        s: S,
        event: Option<&str>,
        instance_id: u64,
        data: Option<&D>,
        other: &Other,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(event) = event {
            map.serialize_entry("event", event)?;
        }
        map.serialize_entry("instanceId", &instance_id)?;
        if let Some(data) = data {
            map.serialize_entry("data", data)?;
        }
        for (key, value) in other {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }

    /// `{"instanceId", "data", …}`: the payload without its event name.
    impl<D: Serialize> Serialize for Event<D> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            write_event(s, None, self.instance_id, Some(&self.data), &self.other)
        }
    }

    /// Reads `{"instanceId", "data", …}`, as the payload's reader does (`event` is left out).
    impl<'de, D: for<'a> Deserialize<'a> + Default> Deserialize<'de> for Event<D> {
        fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Event<D>, De::Error> {
            let v = Json::deserialize(d)?;
            let Json::Object(members) = &v else {
                return Err(De::Error::custom("an event is an object"));
            };
            let instance_id = v
                .get("instanceId")
                .and_then(id)
                .ok_or_else(|| De::Error::custom("an event's instanceId is from 1 to 2^53 - 1"))?;
            let data = match v.get("data") {
                None | Some(Json::Null) => D::default(),
                Some(d) => {
                    let d = if is_empty_array(d) {
                        Json::Object(Vec::new())
                    } else {
                        d.clone().into_owned()
                    };
                    D::deserialize(d.into_deserializer()).map_err(De::Error::custom)?
                }
            };
            let other = members
                .iter()
                .filter(|(k, _)| !is_envelope_member(k) && k != "event")
                .map(|(k, v)| (k.to_string(), v.clone().into_owned()))
                .collect();
            Ok(Event {
                instance_id,
                data,
                other,
            })
        }
    }

    /// The normalized payload: `{"event", "instanceId", "data", …}`.
    impl Serialize for WebhookPayload {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use WebhookPayload as P;
            let name = self.event();
            let event = Some(name.as_str());
            macro_rules! typed {
                ($e:expr) => {
                    write_event(s, event, $e.instance_id, Some(&$e.data), &$e.other)
                };
            }
            match self {
                P::Message(e) | P::MessageCreate(e) | P::MessageRevokeMe(e) => typed!(e),
                P::MessageAck(e) => typed!(e),
                P::MessageReaction(e) => typed!(e),
                P::MessageRevokeEveryone(e) => typed!(e),
                P::Ready(e) => typed!(e),
                P::Qr(e) => typed!(e),
                P::Disconnected(e) => typed!(e),
                P::ChangeState(e) => typed!(e),
                P::GroupJoin(e) | P::GroupLeave(e) | P::GroupUpdate(e) => typed!(e),
                P::VoteUpdate(e) => typed!(e),
                P::Call(e) => typed!(e),
                P::LoadingScreen(e)
                | P::Authenticated(e)
                | P::AuthFailure(e)
                | P::MessageEdit(e)
                | P::MediaUploaded(e)
                | P::CommunityCreated(e)
                | P::CommunityUpdated(e)
                | P::CommunitySubgroupLinked(e)
                | P::CommunitySubgroupUnlinked(e)
                | P::CommunityDeactivated(e)
                | P::PresenceUpdate(e)
                | P::Unknown(_, e) => {
                    write_event(s, event, e.instance_id, e.data.as_ref(), &e.other)
                }
            }
        }
    }

    /// Reads a webhook body as [`WebhookPayload::parse`] does.
    impl<'de> Deserialize<'de> for WebhookPayload {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WebhookPayload, D::Error> {
            read(d, |v| {
                WebhookPayload::from_json(v).map_err(|e| e.message().to_owned())
            })
        }
    }

    macro_rules! data {
        ($($t:ident),+ $(,)?) => {
            $(impl<'de> Deserialize<'de> for $t {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                    read(d, |v| {
                        if is_object_or_empty(v) {
                            Ok($t::read(v))
                        } else {
                            Err(concat!("a ", stringify!($t), " is an object").into())
                        }
                    })
                }
            })+
        };
    }

    data!(
        MessageId,
        Message,
        MessageData,
        MessageAckData,
        Reaction,
        ReactionData,
        RevokeEveryoneData,
        ReadyData,
        QrData,
        DisconnectedData,
        ChangeStateData,
        GroupNotification,
        GroupData,
        PollOption,
        Vote,
        VoteData,
        Call,
        CallData,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn parse(body: &str) -> WebhookPayload {
        WebhookPayload::parse(body).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    fn refused(body: &str) -> String {
        match WebhookPayload::parse(body) {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidInput, "{body}");
                e.message().to_owned()
            }
            Ok(p) => panic!("accepted {body}: {p:?}"),
        }
    }

    /// CONTRACT.md §5's samples (WaAPIapp/make-waapi), exactly as written there.
    const CONTRACT_MESSAGE: &str = r#"{"event":"message","instanceId":123,"data":{"message":{"id":{"_serialized":"false_4915112345678@c.us_3EB0ABCDEF","fromMe":false},"body":"…","type":"chat","from":"4915112345678@c.us","to":"4915199999999@c.us","timestamp":1788550000,"hasMedia":false}}}"#;
    const CONTRACT_ACK: &str = r#"{"event":"message_ack","instanceId":123,"data":{"ack":3,"message":{"id":{"_serialized":"true_…"},"to":"4915112345678@c.us"}}}"#;
    const CONTRACT_READY: &str = r#"{"event":"ready","instanceId":123,"data":{"status":"ready"}}"#;

    #[test]
    fn contract_samples() {
        let WebhookPayload::Message(e) = parse(CONTRACT_MESSAGE) else {
            panic!("not a message")
        };
        assert_eq!(e.instance_id, 123);
        let m = &e.data.message;
        assert_eq!(
            m.serialized_id(),
            Some("false_4915112345678@c.us_3EB0ABCDEF")
        );
        assert_eq!(m.id.as_ref().and_then(|id| id.fromMe), Some(false));
        assert_eq!(m.body.as_deref(), Some("…"));
        assert_eq!(m.r#type.as_deref(), Some("chat"));
        assert_eq!(m.from.as_deref(), Some("4915112345678@c.us"));
        assert_eq!(m.to.as_deref(), Some("4915199999999@c.us"));
        assert_eq!(m.timestamp, Some(1_788_550_000));
        assert_eq!(m.hasMedia, Some(false));
        assert!(m.other.is_empty() && e.data.other.is_empty() && e.other.is_empty());

        let WebhookPayload::MessageAck(e) = parse(CONTRACT_ACK) else {
            panic!("not an ack")
        };
        assert_eq!(e.data.ack, Some(3));
        assert_eq!(e.data.message.serialized_id(), Some("true_…"));
        assert_eq!(e.data.message.to.as_deref(), Some("4915112345678@c.us"));

        let WebhookPayload::Ready(e) = parse(CONTRACT_READY) else {
            panic!("not ready")
        };
        assert_eq!(e.data.status.as_deref(), Some("ready"));
    }

    /// The shapes of webhooks-interfaces.md (what fake-waapi sends) and of WaAPI's own event
    /// reference (waapi.readme.io), trimmed.
    #[test]
    fn documented_samples_of_every_typed_event() {
        let p = parse(
            r#"{"event":"message_create","instanceId":1,"data":{"message":{"id":{"_serialized":"true_4915112345678@c.us_ABC","fromMe":true,"remote":"4915112345678@c.us","id":"ABC"},"body":"hi","type":"chat","from":"4915199999999@c.us","to":"4915112345678@c.us","timestamp":1788550001,"hasMedia":false,"fromMe":true}}}"#,
        );
        let WebhookPayload::MessageCreate(e) = p else {
            panic!("{p:?}")
        };
        let id = e.data.message.id.as_ref().unwrap();
        assert_eq!(
            (id.fromMe, id.remote.as_deref(), id.id.as_deref()),
            (Some(true), Some("4915112345678@c.us"), Some("ABC"))
        );
        assert_eq!(e.data.message.fromMe, Some(true));

        let p = parse(
            r#"{"event":"message_ack","instanceId":"1","data":{"message":{"_data":{"ack":-1},"ack":-1,"body":"x"}}}"#,
        );
        let WebhookPayload::MessageAck(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!((e.data.ack, e.data.message.ack), (None, Some(-1)));
        assert_eq!(e.data.message.other[0].0, "_data");

        let p = parse(
            r#"{"event":"message_reaction","instanceId":"1","data":{"reaction":{"id":{"fromMe":true,"remote":"123456789@c.us","id":"AAA","_serialized":"true_123456789@c.us_AAA"},"timestamp":1738934614,"reaction":"👍","read":true,"msgId":{"fromMe":false,"_serialized":"false_123456789@c.us_BBB"},"senderId":"987654321@c.us","ack":0}}}"#,
        );
        let WebhookPayload::MessageReaction(e) = p else {
            panic!("{p:?}")
        };
        let r = &e.data.reaction;
        assert_eq!(r.reaction.as_deref(), Some("👍"));
        assert_eq!(r.senderId.as_deref(), Some("987654321@c.us"));
        assert_eq!(
            r.msgId.as_ref().unwrap()._serialized.as_deref(),
            Some("false_123456789@c.us_BBB")
        );
        assert_eq!(
            (r.timestamp, r.read, r.ack),
            (Some(1738934614), Some(true), Some(0))
        );

        let p = parse(
            r#"{"event":"message_revoke_everyone","instanceId":"1","data":{"after":{"_data":{"type":"revoked"},"type":"revoked","from":"987654321@c.us"},"before":null}}"#,
        );
        let WebhookPayload::MessageRevokeEveryone(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.data.after.r#type.as_deref(), Some("revoked"));
        assert_eq!(e.data.before, None);
        assert!(e.data.other.is_empty());

        let p = parse(
            r#"{"event":"message_revoke_me","instanceId":"1","data":{"message":{"body":"sample message","type":"chat"}}}"#,
        );
        let WebhookPayload::MessageRevokeMe(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.data.message.body.as_deref(), Some("sample message"));

        let p = parse(
            r#"{"event":"qr","instanceId":"1","data":{"qr":"2@abc","base64":"data:image/png;base64,iVBO"}}"#,
        );
        let WebhookPayload::Qr(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.data.qr.as_deref(), Some("2@abc"));
        assert_eq!(e.data.base64.as_deref(), Some("data:image/png;base64,iVBO"));

        let p = parse(r#"{"event":"disconnected","instanceId":1,"data":{"reason":"LOGOUT"}}"#);
        let WebhookPayload::Disconnected(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.data.reason.as_deref(), Some("LOGOUT"));

        let p = parse(r#"{"event":"change_state","instanceId":1,"data":{"state":"CONNECTED"}}"#);
        let WebhookPayload::ChangeState(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.data.state.as_deref(), Some("CONNECTED"));

        for (name, kind) in [
            ("group_join", "add"),
            ("group_leave", "leave"),
            ("group_update", "description"),
        ] {
            let p = parse(&format!(
                r#"{{"event":"{name}","instanceId":"1","data":{{"notification":{{"id":{{"fromMe":false,"participant":"123456789@c.us"}},"body":"","type":"{kind}","timestamp":1738935259,"chatId":"123456789123456789@g.us","author":"987654321@c.us","recipientIds":["123456789@c.us"]}}}}}}"#
            ));
            let (WebhookPayload::GroupJoin(e)
            | WebhookPayload::GroupLeave(e)
            | WebhookPayload::GroupUpdate(e)) = &p
            else {
                panic!("{p:?}")
            };
            assert_eq!(p.event().as_str(), name);
            let n = &e.data.notification;
            assert_eq!(n.r#type.as_deref(), Some(kind));
            assert_eq!(n.chatId.as_deref(), Some("123456789123456789@g.us"));
            assert_eq!(n.author.as_deref(), Some("987654321@c.us"));
            assert_eq!(
                n.recipientIds.as_deref(),
                Some(&["123456789@c.us".to_owned()][..])
            );
            assert_eq!(
                n.id.as_ref().unwrap().participant.as_deref(),
                Some("123456789@c.us")
            );
        }

        let p = parse(
            r#"{"event":"vote_update","instanceId":"1","data":{"vote":{"voter":"987654321@c.us","selectedOptions":[{"name":"Blue","localId":1}],"interractedAtTs":1738935453113,"parentMessage":{"_data":{"pollName":"Colour?"},"type":"poll_creation"}}}}"#,
        );
        let WebhookPayload::VoteUpdate(e) = p else {
            panic!("{p:?}")
        };
        let v = &e.data.vote;
        assert_eq!(v.voter.as_deref(), Some("987654321@c.us"));
        let options = v.selectedOptions.as_ref().unwrap();
        assert_eq!(
            (options[0].name.as_deref(), options[0].localId),
            (Some("Blue"), Some(1))
        );
        assert_eq!(v.interractedAtTs, Some(1_738_935_453_113));
        assert_eq!(
            v.parentMessage.as_ref().unwrap().r#type.as_deref(),
            Some("poll_creation")
        );

        let p = parse(
            r#"{"event":"call","instanceId":1,"data":{"call":{"id":"C1","from":"4915112345678@c.us","timestamp":"1738935500","isVideo":true,"isGroup":false,"fromMe":false,"participants":[]}}}"#,
        );
        let WebhookPayload::Call(e) = p else {
            panic!("{p:?}")
        };
        let c = &e.data.call;
        assert_eq!(
            (c.id.as_deref(), c.from.as_deref()),
            (Some("C1"), Some("4915112345678@c.us"))
        );
        assert_eq!(
            (c.timestamp, c.isVideo, c.isGroup, c.fromMe),
            (Some(1738935500), Some(true), Some(false), Some(false))
        );
        assert_eq!(c.other[0].0, "participants");

        let p = parse(
            r#"{"event":"loading_screen","instanceId":"1111","data":{"percent":100,"message":"WhatsApp"}}"#,
        );
        let WebhookPayload::LoadingScreen(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.instance_id, 1111);
        assert_eq!(
            e.data
                .as_ref()
                .and_then(|d| d.get("percent"))
                .and_then(Json::as_u64),
            Some(100)
        );
        let WebhookPayload::Authenticated(e) =
            parse(r#"{"event":"authenticated","instanceId":1,"data":{}}"#)
        else {
            panic!()
        };
        assert_eq!(e.data, Some(Json::Object(vec![])));
    }

    #[test]
    fn every_event_name_has_its_variant() {
        let names = [
            "message",
            "loading_screen",
            "qr",
            "authenticated",
            "auth_failure",
            "ready",
            "disconnected",
            "message_create",
            "message_edit",
            "message_revoke_everyone",
            "message_revoke_me",
            "message_ack",
            "message_reaction",
            "media_uploaded",
            "group_join",
            "group_leave",
            "group_update",
            "change_state",
            "call",
            "vote_update",
            "community_created",
            "community_updated",
            "community_subgroup_linked",
            "community_subgroup_unlinked",
            "community_deactivated",
            "presence_update",
        ];
        assert_eq!(names.len(), 26);
        assert_eq!(WebhookEvent::KNOWN.len(), 26);
        let mut variants = std::collections::HashSet::new();
        for name in names {
            let body = format!(r#"{{"event":"{name}","instanceId":42}}"#);
            let p = parse(&body);
            assert_eq!(p.event(), WebhookEvent::parse(name));
            assert_eq!(p.event().as_str(), name);
            assert!(!matches!(p, WebhookPayload::Unknown(..)), "{name}");
            assert_eq!(p.instance_id(), 42);
            variants.insert(std::mem::discriminant(&p));
            // Typed events always have data; the others keep "no data" as None.
            let typed = TYPED.iter().any(|(n, _)| *n == name);
            assert_eq!(
                normalize(&body).unwrap().contains("\"data\""),
                typed,
                "{name}"
            );
        }
        assert_eq!(variants.len(), 26, "one variant per name");
        for (name, _) in TYPED {
            assert!(names.contains(name), "{name}");
        }
    }

    #[test]
    fn instance_id_as_number_or_numeric_string() {
        for (id, want) in [
            ("1", 1),
            ("\"1\"", 1),
            ("\"  77 \"", 77),
            ("9007199254740991", 9_007_199_254_740_991),
            ("\"9007199254740991\"", 9_007_199_254_740_991),
        ] {
            let p = parse(&format!(r#"{{"event":"ready","instanceId":{id}}}"#));
            assert_eq!(p.instance_id(), want, "{id}");
        }
        for id in [
            "0",
            "-1",
            "1.5",
            "1e3",
            "9007199254740992",
            "\"\"",
            "\"x1\"",
            "\"-3\"",
            "true",
            "null",
            "[1]",
            "{}",
            "18446744073709551616",
        ] {
            let m = refused(&format!(r#"{{"event":"ready","instanceId":{id}}}"#));
            assert!(m.contains("instanceId"), "{id}: {m}");
        }
        assert!(refused(r#"{"event":"ready"}"#).contains("instanceId"));
    }

    #[test]
    fn unknown_events_keep_name_data_and_other_members() {
        let p = parse(
            r#"{"event":"brand_new","instanceId":"5","data":{"a":[1,{"b":null}]},"sentAt":"now"}"#,
        );
        let WebhookPayload::Unknown(name, e) = &p else {
            panic!("{p:?}")
        };
        assert_eq!((name.as_str(), e.instance_id), ("brand_new", 5));
        assert_eq!(
            e.data.as_ref().unwrap().to_string(),
            r#"{"a":[1,{"b":null}]}"#
        );
        assert_eq!(
            e.other,
            vec![("sentAt".to_owned(), Json::String("now".into()))]
        );
        assert_eq!(p.event(), WebhookEvent::Other("brand_new".into()));
        // Without data, or with an array as data (kept: only an empty one is PHP's `{}`).
        let WebhookPayload::Unknown(_, e) = parse(r#"{"event":"x","instanceId":1,"data":[1]}"#)
        else {
            panic!()
        };
        assert_eq!(e.data.unwrap().to_string(), "[1]");
    }

    #[test]
    fn unknown_and_mistyped_members_are_kept_in_other() {
        let p = parse(
            r#"{"event":"message","instanceId":1,"extra":true,"data":{"message":{"body":5,"type":"chat","type":"dup","x":{"y":1},"id":"not-an-object","timestamp":"1788550000"},"more":[]}}"#,
        );
        let WebhookPayload::Message(e) = p else {
            panic!("{p:?}")
        };
        assert_eq!(e.other, vec![("extra".to_owned(), Json::Bool(true))]);
        assert_eq!(e.data.other[0].0, "more");
        let m = &e.data.message;
        assert_eq!(
            (m.body.as_deref(), m.r#type.as_deref()),
            (None, Some("chat"))
        );
        assert_eq!(m.timestamp, Some(1_788_550_000));
        assert_eq!(m.id, None);
        let kept: Vec<String> = m.other.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            kept,
            [
                "body=5",
                "type=\"dup\"",
                "x={\"y\":1}",
                "id=\"not-an-object\""
            ]
        );
    }

    #[test]
    fn data_absent_null_or_empty_array() {
        for data in ["", r#","data":null"#, r#","data":[]"#, r#","data":{}"#] {
            let body = format!(r#"{{"event":"message","instanceId":1{data}}}"#);
            let WebhookPayload::Message(e) = parse(&body) else {
                panic!("{body}")
            };
            assert_eq!(e.data, MessageData::default(), "{body}");
            assert_eq!(
                normalize(&body).unwrap(),
                r#"{"event":"message","instanceId":1,"data":{"message":{}}}"#
            );
            let body = format!(r#"{{"event":"authenticated","instanceId":1{data}}}"#);
            let e = normalize(&body).unwrap();
            let want = if data.contains("[]") || data.contains("{}") {
                r#"{"event":"authenticated","instanceId":1,"data":{}}"#
            } else {
                r#"{"event":"authenticated","instanceId":1}"#
            };
            assert_eq!(e, want, "{body}");
        }
        // The subject of a typed event: null or [] becomes {} too.
        for v in ["null", "[]"] {
            let body = format!(
                r#"{{"event":"message_ack","instanceId":1,"data":{{"ack":2,"message":{v}}}}}"#
            );
            assert_eq!(
                normalize(&body).unwrap(),
                r#"{"event":"message_ack","instanceId":1,"data":{"ack":2,"message":{}}}"#
            );
            let WebhookPayload::MessageAck(e) = parse(&body) else {
                panic!("{body}")
            };
            assert!(e.data.other.is_empty(), "{body}");
        }
    }

    #[test]
    fn malformed_bodies_are_invalid_input_with_a_clear_message() {
        for (body, says) in [
            ("", "not JSON"),
            ("{", "not JSON"),
            ("<html>", "not JSON"),
            ("[]", "not a JSON object"),
            ("\"message\"", "not a JSON object"),
            ("null", "not a JSON object"),
            (r#"{"instanceId":1}"#, "\"event\""),
            (r#"{"event":"","instanceId":1}"#, "\"event\""),
            (r#"{"event":7,"instanceId":1}"#, "\"event\""),
            (r#"{"event":null,"instanceId":1}"#, "\"event\""),
            (
                r#"{"event":"message","instanceId":1,"data":"hi"}"#,
                "\"data\" of a \"message\" webhook must be an object",
            ),
            (
                r#"{"event":"ready","instanceId":1,"data":[1]}"#,
                "\"data\" of a \"ready\"",
            ),
            (
                r#"{"event":"message","instanceId":1,"data":{"message":"hi"}}"#,
                "\"data.message\" of a \"message\"",
            ),
            (
                r#"{"event":"call","instanceId":1,"data":{"call":[1]}}"#,
                "\"data.call\" of a \"call\"",
            ),
        ] {
            let m = refused(body);
            assert!(m.contains(says), "{body}: {m}");
            assert!(m.ends_with('.'), "{m}");
        }
    }

    #[test]
    fn the_normalized_text_keeps_everything_and_parses_to_the_same_envelope() {
        // Of the two `data`, the last counts (as in `JSON.parse`); the first is dropped.
        let body = r#"{"z":0,"data":"first","instanceId":"9","event":"message","data":{"message":{"body":"é\n\"","q":[1,2.5e3,null]}}}"#;
        let json = Json::parse(body).unwrap();
        let e = Envelope::check(&json).unwrap();
        let text = e.to_json_string();
        assert_eq!(
            text,
            r#"{"event":"message","instanceId":9,"data":{"message":{"body":"é\n\"","q":[1,2.5e3,null]}},"z":0}"#
        );
        assert_eq!(normalize(&text).unwrap(), text);
        assert_eq!(
            WebhookPayload::from_json(&json).unwrap(),
            WebhookPayload::parse(&text).unwrap()
        );
        assert_eq!(e.data(), json.get("data"));
        assert_eq!(
            e.other().collect::<Vec<_>>(),
            [("z", &Json::Number("0".into()))]
        );
    }

    /// A small deterministic PRNG (xorshift64*), so a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// 1 000 mutations of valid samples (truncations, byte flips, values of the wrong type):
    /// each is refused as invalid input or parses, and a parse survives its own round trip.
    /// A panic here would abort the wasm (panic = "abort") and fail this test.
    #[test]
    fn a_thousand_malformed_bodies_never_panic() {
        let samples = [
            CONTRACT_MESSAGE,
            CONTRACT_ACK,
            CONTRACT_READY,
            r#"{"event":"message_reaction","instanceId":"1","data":{"reaction":{"msgId":{"_serialized":"x"},"reaction":"👍","timestamp":1}}}"#,
            r#"{"event":"vote_update","instanceId":2,"data":{"vote":{"selectedOptions":[{"name":"Blue","localId":1}]}}}"#,
            r#"{"event":"group_join","instanceId":3,"data":{"notification":{"recipientIds":["1@c.us"],"type":"add"}}}"#,
            r#"{"event":"brand_new","instanceId":"4","data":[],"x":{"y":[true,false,null]}}"#,
        ];
        let replacements = [
            "null",
            "true",
            "0",
            "-1",
            "1.5",
            "\"\"",
            "\"7\"",
            "[]",
            "[1]",
            "{}",
            "\"x\"",
            "9007199254740992",
            "{\"a\":",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut ok, mut refused) = (0, 0);
        for n in 0..1000 {
            let sample = samples[rng.below(samples.len())];
            let mut bytes = sample.as_bytes().to_vec();
            match n % 3 {
                0 => bytes.truncate(rng.below(bytes.len())),
                1 => {
                    const BYTES: &[u8] = b" \"{}[]:,0123456789-.eEtfnul\\x";
                    for _ in 0..1 + rng.below(3) {
                        let i = rng.below(bytes.len());
                        bytes[i] = BYTES[rng.below(BYTES.len())];
                    }
                }
                _ => {
                    // A value of the wrong type after a random member name.
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i).collect();
                    let at = colons[rng.below(colons.len())] + 1;
                    let end = text[at..].find([',', '}']).map_or(text.len(), |e| at + e);
                    let with = replacements[rng.below(replacements.len())];
                    bytes = format!("{}{with}{}", &text[..at], &text[end..]).into_bytes();
                }
            }
            let body = String::from_utf8_lossy(&bytes);
            match normalize(&body) {
                Ok(text) => {
                    ok += 1;
                    // Normalizing is idempotent, and types the same as the body sent.
                    assert_eq!(normalize(&text).as_deref(), Ok(&text[..]), "{body}");
                    assert_eq!(
                        WebhookPayload::parse(&body).unwrap(),
                        WebhookPayload::parse(&text).unwrap(),
                        "{body}"
                    );
                }
                Err(e) => {
                    refused += 1;
                    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{body}");
                    assert!(!e.message().is_empty());
                }
            }
        }
        println!("1000 mutated bodies: {ok} parsed, {refused} refused as invalid_input");
        assert!(ok > 50 && refused > 300, "{ok} parsed, {refused} refused");
    }
}
