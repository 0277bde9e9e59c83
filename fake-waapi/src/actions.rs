//! What each client action does to an instance's [`Store`] and the payload (`X`) it answers
//! with. The envelope around `X` is [`crate::envelope::action_ok`]'s business; errors the
//! node reports in-band come back as [`Fail::InBand`].

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::state::Instance;
use crate::store::{
    iso8601, now_secs, parse_iso8601, poll_options, user_of, wid, Channel, Community, Contact,
    Group, Msg, Participant, Poll, QuickReply, Reaction, Store, MAX_PINNED,
};

/// How an action can fail once its body is valid and the instance ready.
pub enum Fail {
    /// The node's own error, reported with HTTP 200 and `status: "error"`.
    InBand(String),
    /// Too many requests (request-pairing-code): 429 with this many seconds in `Retry-After`.
    TooMany(u64),
}

type Answer = Result<Option<Value>, Fail>;

fn fail<T>(message: &str) -> Result<T, Fail> {
    Err(Fail::InBand(message.to_owned()))
}

/// The validated request body.
struct Args<'a>(&'a Map<String, Value>);

impl Args<'_> {
    fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }
    /// A required string (validation guarantees it).
    fn s(&self, key: &str) -> String {
        self.str(key).unwrap_or_default().to_owned()
    }
    fn int(&self, key: &str) -> Option<i64> {
        self.0.get(key).and_then(Value::as_i64)
    }
    fn num(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(Value::as_f64)
    }
    fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key).and_then(Value::as_bool)
    }
    fn strings(&self, key: &str) -> Vec<String> {
        match self.0.get(key) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }
}

fn digits(text: &str) -> Option<String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
        .collect();
    let cleaned = cleaned.split('@').next().unwrap_or_default().to_owned();
    (!cleaned.is_empty() && cleaned.chars().all(|c| c.is_ascii_digit())).then_some(cleaned)
}

/// A contact id from a number or an id: `4915…` or `4915…@c.us` → `4915…@c.us`.
fn contact_id(text: &str) -> String {
    if text.contains('@') {
        text.to_owned()
    } else {
        format!("{}@c.us", digits(text).unwrap_or_else(|| text.to_owned()))
    }
}

fn group_mut<'s>(store: &'s mut Store, id: &str) -> Result<&'s mut Group, Fail> {
    match store.groups.get_mut(id) {
        Some(group) => Ok(group),
        None => fail("Group not found."),
    }
}

fn community_mut<'s>(store: &'s mut Store, id: &str) -> Result<&'s mut Community, Fail> {
    match store.communities.get_mut(id) {
        Some(c) => Ok(c),
        None => fail("Community not found."),
    }
}

fn message_mut<'s>(store: &'s mut Store, id: &str) -> Result<&'s mut Msg, Fail> {
    match store.find_mut(id) {
        Some(m) => Ok(m),
        None => fail("Message not found."),
    }
}

fn message<'s>(store: &'s Store, id: &str) -> Result<&'s Msg, Fail> {
    match store.find(id) {
        Some(m) => Ok(m),
        None => fail("Message not found."),
    }
}

/// Group chats need a group this account knows; every other chat id opens a chat on demand.
fn require_known_group(store: &Store, chat_id: &str) -> Result<(), Fail> {
    if chat_id.ends_with("@g.us")
        && !store.groups.contains_key(chat_id)
        && !store.communities.contains_key(chat_id)
    {
        return fail("Group not found.");
    }
    Ok(())
}

fn label_id(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

fn mime_for(name: &str) -> (&'static str, &'static str) {
    let ext = name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => ("image", "image/jpeg"),
        "png" => ("image", "image/png"),
        "gif" => ("image", "image/gif"),
        "webp" => ("image", "image/webp"),
        "mp4" => ("video", "video/mp4"),
        "3gp" => ("video", "video/3gpp"),
        "mov" => ("video", "video/quicktime"),
        "mp3" => ("audio", "audio/mpeg"),
        "wav" => ("audio", "audio/wav"),
        "ogg" => ("audio", "audio/ogg"),
        "m4a" => ("audio", "audio/mp4"),
        "pdf" => ("document", "application/pdf"),
        "txt" => ("document", "text/plain"),
        _ => ("document", "application/octet-stream"),
    }
}

fn country_code(number: &str) -> Option<&'static str> {
    const CODES: [&str; 64] = [
        "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44",
        "45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
        "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95",
        "98", "212", "213", "234", "254", "351", "352", "353", "358", "380", "420", "421", "852",
        "880", "966", "971", "972", "973", "974",
    ];
    (1..=3)
        .rev()
        .filter_map(|len| number.get(..len))
        .find_map(|prefix| CODES.iter().copied().find(|c| *c == prefix))
}

struct Ctx<'a> {
    me: String,
    args: Args<'a>,
    now: Instant,
}

/// Runs `action` on `instance` (which is ready, its body valid, its chatId well-formed).
pub fn run(
    action: &str,
    instance: &mut Instance,
    body: &Map<String, Value>,
    now: Instant,
) -> Answer {
    let me = instance
        .me_mut()
        .map(|m| m.contact_id.clone())
        .unwrap_or_default();
    let ctx = Ctx {
        me,
        args: Args(body),
        now,
    };
    match action {
        "set-display-name" => {
            let name = ctx.args.s("displayName");
            if let Some(me) = instance.me_mut() {
                me.display_name = name;
            }
            Ok(Some(json!({"displayNameSet": true})))
        }
        _ => {
            let sent_before = instance
                .wa
                .chats
                .values()
                .map(|c| c.messages.len())
                .sum::<usize>();
            let answer = run_on_store(action, &mut instance.wa, &ctx);
            // Log what this call sent, for GET /__fake/instances/{id}/messages.
            if let Ok(Some(payload)) = &answer {
                let sent_after = instance
                    .wa
                    .chats
                    .values()
                    .map(|c| c.messages.len())
                    .sum::<usize>();
                if sent_after > sent_before {
                    if let Some(id) = sent_id(action, payload) {
                        if let Some(m) = instance.wa.find(&id) {
                            instance.sent.push(json!({
                                "id": m.id,
                                "chatId": m.chat,
                                "message": m.body,
                                "type": m.kind,
                                "t": m.t,
                                "action": action,
                                "request": Value::Object(body.clone()),
                            }));
                        }
                    }
                }
            }
            answer
        }
    }
}

/// The id of the message an action created, from its payload.
fn sent_id(action: &str, payload: &Value) -> Option<String> {
    let pointer = match action {
        "send-message" | "send-media" | "send-location" => "/_data/id/_serialized",
        "send-vcard" => "/sendVcard/_data/id/_serialized",
        "create-poll" | "send-event" => "/id/_serialized",
        "forward-message" | "send-community-announcement" => "/newMessageId",
        _ => return None,
    };
    payload.pointer(pointer)?.as_str().map(str::to_owned)
}

/// The `_data` of a freshly sent message (CONTRACT §2.4): `from`/`to` as Wid objects.
fn raw_data(m: &Msg, me: &str) -> Value {
    json!({
        "id": m.id_json(),
        "body": m.body,
        "type": m.kind,
        "t": m.t,
        "from": wid(me),
        "to": wid(&m.chat),
        "ack": 0,
        "isNewMsg": true,
    })
}

fn outgoing(store: &mut Store, ctx: &Ctx, chat: &str, kind: &str, body: &str) -> Msg {
    let hash = store.next_hash();
    let mut m = Msg::new(chat, true, &ctx.me, &hash, kind, body);
    m.ack = 0;
    m
}

fn run_on_store(action: &str, st: &mut Store, ctx: &Ctx) -> Answer {
    let a = &ctx.args;
    let me = ctx.me.as_str();
    let chat_id = a.s("chatId");
    let message_id = a.s("messageId");
    match action {
        // ---- messages -------------------------------------------------------------------
        "send-message" => {
            require_known_group(st, &chat_id)?;
            let mut m = outgoing(st, ctx, &chat_id, "chat", &a.s("message"));
            m.mentioned = a.strings("mentions");
            let raw = raw_data(&m, me);
            st.push(m);
            Ok(Some(json!({"_data": raw})))
        }
        "send-media" => {
            require_known_group(st, &chat_id)?;
            let url = a.str("mediaUrl").unwrap_or_default().to_owned();
            let name = a
                .str("mediaName")
                .map(str::to_owned)
                .unwrap_or_else(|| url.rsplit('/').next().unwrap_or("file").to_owned());
            let (mut kind, mimetype) = mime_for(&name);
            if a.bool("asSticker") == Some(true) {
                kind = "sticker";
            } else if a.bool("asVoice") == Some(true) {
                kind = "ptt";
            } else if a.bool("asDocument") == Some(true) {
                kind = "document";
            }
            let caption = a.str("mediaCaption").unwrap_or_default().to_owned();
            let mut m = outgoing(st, ctx, &chat_id, kind, &caption);
            m.mimetype = Some(mimetype.to_owned());
            m.filename = Some(name);
            m.media = Some(a.str("mediaBase64").map(str::to_owned).unwrap_or_else(|| {
                base64::engine::general_purpose::STANDARD.encode(format!("fake media from {url}"))
            }));
            let data = json!({
                "id": m.id_json(),
                "body": caption,
                "type": kind,
                "t": m.t,
                "ack": 0,
                "from": me,
                "to": chat_id,
                "isNewMsg": true,
                "hasMedia": true,
                "mediaKey": base64::engine::general_purpose::STANDARD.encode(&m.hash),
                "mimetype": mimetype,
                "filename": m.filename,
            });
            st.push(m);
            Ok(Some(json!({"_data": data})))
        }
        "send-vcard" => {
            require_known_group(st, &chat_id)?;
            let card = a.get("vCard").cloned().unwrap_or_else(|| json!({}));
            let field = |k: &str| {
                card.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let number = Some(field("internationalnumber"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| field("iternationalnumber"));
            let display = Some(field("displayname"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    format!("{} {}", field("firstname"), field("lastname"))
                        .trim()
                        .to_owned()
                });
            let text = format!(
                "BEGIN:VCARD\nVERSION:3.0\nN:{};{};;;\nFN:{display}\nORG:{}\nTEL;type=CELL;waid={}:{number}\nEND:VCARD",
                field("lastname"),
                field("firstname"),
                field("organization"),
                field("waid"),
            );
            let mut m = outgoing(st, ctx, &chat_id, "vcard", &text);
            m.vcards = vec![text];
            let mut data = raw_data(&m, me);
            data["vcardFormattedName"] = json!(display);
            data["viewed"] = json!(false);
            data["star"] = json!(false);
            data["latestEditMsgKey"] = Value::Null;
            data["latestEditSenderTimestampMs"] = Value::Null;
            data["id"]["self"] = json!("out");
            data["id"]["_serialized"] = json!(m.id);
            st.push(m);
            Ok(Some(json!({"sendVcard": {"_data": data}})))
        }
        "send-location" => {
            require_known_group(st, &chat_id)?;
            let options = a.get("options").cloned().unwrap_or_else(|| json!({}));
            let opt = |k: &str| {
                options
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let location = json!({
                "latitude": a.num("latitude").unwrap_or_default(),
                "longitude": a.num("longitude").unwrap_or_default(),
                "name": opt("name"),
                "address": opt("address"),
                "url": opt("url"),
            });
            let mut m = outgoing(st, ctx, &chat_id, "location", "");
            m.location = Some(location.clone());
            let mut id = m.id_json();
            id["self"] = json!("out");
            let data = json!({
                "id": id,
                "type": "location",
                "body": "",
                "location": location,
                "t": m.t,
                "from": wid(me),
                "to": wid(&chat_id),
                "ack": 0,
                "isNewMsg": true,
                "notifyName": "",
            });
            st.push(m);
            Ok(Some(json!({"_data": data})))
        }
        "create-poll" => {
            require_known_group(st, &chat_id)?;
            let options = a.strings("options");
            if options.len() < 2 || options.len() > 12 {
                return fail("A poll needs between 2 and 12 options.");
            }
            let caption = a.s("caption");
            let mut m = outgoing(st, ctx, &chat_id, "poll_creation", &caption);
            m.poll = Some(Poll {
                name: caption,
                options,
                multiple: a.bool("multipleAnswers").unwrap_or(false),
                votes: Default::default(),
            });
            let json = m.to_json(me);
            st.push(m);
            Ok(Some(json))
        }
        "send-event" => {
            require_known_group(st, &chat_id)?;
            let name = a.s("name");
            let mut m = outgoing(st, ctx, &chat_id, "event_creation", &name);
            let time = |k: &str| match a.get(k) {
                Some(Value::String(s)) => parse_iso8601(s).map(Value::from).unwrap_or(json!(s)),
                Some(v) => v.clone(),
                None => Value::Null,
            };
            m.extra.insert("eventName".to_owned(), json!(name));
            m.extra.insert(
                "eventDescription".to_owned(),
                json!(a.str("description").unwrap_or_default()),
            );
            m.extra
                .insert("eventStartTime".to_owned(), time("startTime"));
            m.extra.insert("eventEndTime".to_owned(), time("endTime"));
            m.extra.insert(
                "eventLocation".to_owned(),
                json!(a.str("location").unwrap_or_default()),
            );
            m.extra.insert("isEventCanceled".to_owned(), json!(false));
            m.extra.insert("eventResponses".to_owned(), json!([]));
            let json = m.to_json(me);
            st.push(m);
            Ok(Some(json))
        }
        "fetch-messages" => {
            require_known_group(st, &chat_id)?;
            let limit = a.int("limit").unwrap_or(100).max(0) as usize;
            let offset = a.int("offset").unwrap_or(0).max(0) as usize;
            let from_me = a.bool("fromMe");
            let include_media = a.bool("includeMedia").unwrap_or(false);
            let matching: Vec<&Msg> = st
                .chats
                .get(&chat_id)
                .map(|c| {
                    c.messages
                        .iter()
                        .filter(|m| from_me.is_none_or(|f| m.from_me == f))
                        .collect()
                })
                .unwrap_or_default();
            // Oldest first; `offset` skips the newest, `limit` keeps the newest of the rest.
            let end = matching.len().saturating_sub(offset);
            let start = end.saturating_sub(limit);
            Ok(Some(
                matching[start..end]
                    .iter()
                    .map(|m| {
                        let media = if include_media { m.media.clone() } else { None };
                        json!({"message": m.to_json(me), "media": media})
                    })
                    .collect(),
            ))
        }
        "get-message-by-id" => {
            let m = message(st, &message_id)?;
            let media = if a.bool("includeMedia") == Some(true) {
                m.media.clone()
            } else {
                None
            };
            Ok(Some(json!({"message": m.to_json(me), "media": media})))
        }
        "get-message-info-by-id" => {
            let m = message(st, &message_id)?;
            let read: Vec<Value> = if m.from_me && m.ack >= 3 {
                vec![json!({"id": wid(&m.chat), "t": m.t + 5})]
            } else {
                Vec::new()
            };
            Ok(Some(json!({
                "message": m.to_json(me),
                "media": {},
                "info": {"delivery": read, "deliveryRemaining": 0, "read": read,
                         "readRemaining": 0, "played": [], "playedRemaining": 0},
            })))
        }
        "download-media" => {
            let m = message(st, &message_id)?;
            let (mimetype, data, filename) = match &m.media {
                Some(data) => (m.mimetype.clone(), data.clone(), m.filename.clone()),
                // Not a media message: the fake hands out its text, so the call still works.
                None => (
                    Some("text/plain".to_owned()),
                    base64::engine::general_purpose::STANDARD.encode(&m.body),
                    Some("message.txt".to_owned()),
                ),
            };
            let size = base64::engine::general_purpose::STANDARD
                .decode(&data)
                .map_or(0, |b| b.len());
            Ok(Some(json!({
                "messageId": m.id, "mimetype": mimetype, "data": data,
                "filename": filename, "filesize": size,
            })))
        }
        "delete-message-by-id" => {
            message(st, &message_id)?;
            for chat in st.chats.values_mut() {
                chat.messages.retain(|m| m.id != message_id);
            }
            Ok(Some(json!({"messageId": message_id, "deleted": true})))
        }
        "edit-message" => {
            let m = message_mut(st, &message_id)?;
            m.body = a.s("message");
            m.edited = true;
            Ok(Some(
                json!({"messageId": message_id, "edited": true, "message": m.to_json(me)}),
            ))
        }
        "forward-message" => {
            require_known_group(st, &chat_id)?;
            let original = message(st, &message_id)?.clone();
            let mut m = outgoing(st, ctx, &chat_id, &original.kind, &original.body);
            m.forwarded = true;
            m.media = original.media;
            m.mimetype = original.mimetype;
            m.poll = original.poll.map(|mut p| {
                p.votes.clear();
                p
            });
            let new_id = m.id.clone();
            st.push(m);
            Ok(Some(json!({
                "messageId": message_id, "chatId": chat_id, "forwarded": true, "newMessageId": new_id,
            })))
        }
        "search-messages" => {
            let query = a.s("query").to_lowercase();
            let options = a.get("options").cloned().unwrap_or_else(|| json!({}));
            let in_chat = options.get("chatId").and_then(Value::as_str);
            let page = options
                .get("page")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1) as usize;
            let limit = options
                .get("limit")
                .and_then(Value::as_i64)
                .unwrap_or(10)
                .clamp(1, 50) as usize;
            let mut hits: Vec<&Msg> = st
                .chats
                .values()
                .filter(|c| in_chat.is_none_or(|id| c.id == id))
                .flat_map(|c| c.messages.iter())
                .filter(|m| m.body.to_lowercase().contains(&query))
                .collect();
            hits.sort_by_key(|m| std::cmp::Reverse(m.t));
            let messages: Vec<Value> = hits
                .iter()
                .skip((page - 1) * limit)
                .take(limit)
                .map(|m| m.to_json(me))
                .collect();
            Ok(Some(json!({
                "messages": messages,
                "pagination": {"page": page, "limit": limit, "total": hits.len()},
            })))
        }
        "get-reactions" => {
            let reactions = match a.str("messageId") {
                Some(id) => message(st, id)?
                    .reactions
                    .iter()
                    .map(
                        |r| json!({"reaction": r.reaction, "senderId": r.sender, "timestamp": r.t}),
                    )
                    .collect(),
                None => Vec::new(),
            };
            Ok(Some(json!({"reactions": reactions})))
        }
        "react-to-message" => {
            let reaction = a.str("reaction").unwrap_or_default().to_owned();
            let m = message_mut(st, &message_id)?;
            m.reactions.retain(|r| r.sender != me);
            if !reaction.is_empty() {
                m.reactions.push(Reaction {
                    reaction: reaction.clone(),
                    sender: me.to_owned(),
                    t: now_secs(),
                });
            }
            let with = (!reaction.is_empty()).then_some(reaction);
            Ok(Some(
                json!({"reacted": true, "reactedWith": with, "messageId": message_id}),
            ))
        }
        "get-message-mentions" => {
            let mentioned = message(st, &message_id)?.mentioned.clone();
            let mentions: Vec<Value> = mentioned
                .iter()
                .map(|id| {
                    let c = st.contact_json(id, me);
                    json!({"id": c["id"], "name": c["name"], "pushname": c["pushname"],
                           "shortName": c["shortName"], "isMe": c["isMe"], "isUser": c["isUser"],
                           "isGroup": c["isGroup"]})
                })
                .collect();
            Ok(Some(json!({"messageId": message_id, "mentions": mentions})))
        }
        "pin-message" | "unpin-message" | "star-message" | "unstar-message" => {
            let m = message_mut(st, &message_id)?;
            let (key, on) = match action {
                "pin-message" => ("pinned", true),
                "unpin-message" => ("unpinned", false),
                "star-message" => ("starred", true),
                _ => ("unstarred", false),
            };
            if action.ends_with("pin-message") {
                m.pinned = on;
            } else {
                m.starred = on;
            }
            let mut payload = json!({"messageId": message_id});
            payload[key] = json!(true);
            if action == "pin-message" {
                payload["duration"] = json!(a.int("duration").unwrap_or(604_800));
            }
            Ok(Some(payload))
        }
        "get-pinned-messages" => {
            require_known_group(st, &chat_id)?;
            let pinned: Vec<Value> = st
                .chats
                .get(&chat_id)
                .map(|c| {
                    c.messages
                        .iter()
                        .filter(|m| m.pinned)
                        .map(|m| m.to_json(me))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Some(json!({"chatId": chat_id, "messages": pinned})))
        }
        "get-poll-votes" => {
            let m = message(st, &message_id)?;
            let votes: Vec<Value> = m
                .poll
                .iter()
                .flat_map(|poll| {
                    poll.votes.iter().map(move |(voter, (picked, t))| {
                        let selected: Vec<Value> = picked
                            .iter()
                            .map(|name| {
                                let local = poll.options.iter().position(|o| o == name);
                                json!({"name": name, "localId": local})
                            })
                            .collect();
                        json!({"voter": voter, "selectedOptions": selected, "interractedAtTs": t * 1000})
                    })
                })
                .collect();
            let options = m
                .poll
                .as_ref()
                .map(poll_options)
                .unwrap_or_else(|| json!([]));
            Ok(Some(
                json!({"messageId": message_id, "pollOptions": options, "votes": votes}),
            ))
        }
        "vote-on-poll" => {
            let selected = a.strings("selectedOptions");
            let m = message_mut(st, &message_id)?;
            if let Some(poll) = &mut m.poll {
                if let Some(unknown) = selected.iter().find(|s| !poll.options.contains(s)) {
                    return fail(&format!("\"{unknown}\" is not an option of this poll."));
                }
                if selected.len() > 1 && !poll.multiple {
                    return fail("This poll allows only one answer.");
                }
                if selected.is_empty() {
                    poll.votes.remove(me);
                } else {
                    poll.votes
                        .insert(me.to_owned(), (selected.clone(), now_secs()));
                }
            } else {
                return fail("Message is not a poll.");
            }
            Ok(Some(
                json!({"messageId": message_id, "voted": true, "selectedOptions": selected}),
            ))
        }
        "edit-scheduled-event" => {
            let m = message_mut(st, &message_id)?;
            if let Some(name) = a.str("name") {
                m.extra.insert("eventName".to_owned(), json!(name));
                if m.kind == "event_creation" {
                    m.body = name.to_owned();
                }
            }
            if let Some(start) = a.int("startTimeTs") {
                m.extra.insert("eventStartTime".to_owned(), json!(start));
            }
            Ok(Some(json!({"messageId": message_id, "edited": true})))
        }
        "send-event-response" => {
            let event_id = a.s("eventMessageId");
            let response = a.int("eventResponse").unwrap_or_default();
            let m = message_mut(st, &event_id)?;
            m.extra.insert(
                "eventResponses".to_owned(),
                json!([{"senderId": me, "response": response}]),
            );
            Ok(Some(
                json!({"eventMessageId": event_id, "eventResponse": response, "responded": true}),
            ))
        }

        // ---- chats ----------------------------------------------------------------------
        "send-seen" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id).unread = 0;
            Ok(Some(json!({"seenSend": true})))
        }
        "get-chats" => {
            let offset = a.int("offset").unwrap_or(0).max(0) as usize;
            let limit = a.int("limit").map_or(usize::MAX, |l| l.max(0) as usize);
            let mut chats: Vec<_> = st.chats.values().collect();
            // Pinned first, then the most recent, as WhatsApp lists them.
            chats.sort_by_key(|c| (std::cmp::Reverse(c.pinned), std::cmp::Reverse(c.t)));
            Ok(Some(
                chats
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .map(|c| c.to_json(me))
                    .collect(),
            ))
        }
        "get-chat-by-id" => {
            require_known_group(st, &chat_id)?;
            Ok(Some(st.chat_mut(&chat_id).to_json(me)))
        }
        "mark-chat-unread" => {
            require_known_group(st, &chat_id)?;
            let chat = st.chat_mut(&chat_id);
            chat.unread = chat.unread.max(1);
            Ok(None)
        }
        "mute-chat" => {
            require_known_group(st, &chat_id)?;
            let until = a.str("unmuteDate");
            let expiration = match until {
                None | Some("") => -1,
                Some(date) => match parse_iso8601(date) {
                    Some(t) => t,
                    None => return fail("unmuteDate must be an ISO-8601 date-time."),
                },
            };
            st.chat_mut(&chat_id).mute_expiration = expiration;
            let shown = if expiration == -1 {
                "never".to_owned()
            } else {
                iso8601(expiration)
            };
            Ok(Some(json!({"chatMuted": true, "unmuteDate": shown})))
        }
        "unmute-chat" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id).mute_expiration = 0;
            Ok(Some(json!({"chatUnmuted": true})))
        }
        "pin-chat" => {
            require_known_group(st, &chat_id)?;
            let pinned = st
                .chats
                .values()
                .filter(|c| c.pinned && c.id != chat_id)
                .count();
            if pinned >= MAX_PINNED {
                return fail("You can only pin up to 3 chats.");
            }
            st.chat_mut(&chat_id).pinned = true;
            Ok(Some(
                json!({"chatPinned": true, "message": "Chat pinned successfully."}),
            ))
        }
        "unpin-chat" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id).pinned = false;
            Ok(Some(json!({"chatUnpinned": true})))
        }
        "archive-chat" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id).archived = true;
            Ok(Some(json!({"data": {"chatArchived": true}})))
        }
        "unarchive-chat" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id).archived = false;
            Ok(Some(json!({"chatUnarchived": true})))
        }
        "delete-chat-by-id" => {
            require_known_group(st, &chat_id)?;
            st.chats.remove(&chat_id);
            Ok(Some(json!({"chatId": chat_id, "deleted": true})))
        }
        "clear-chat-messages" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id).messages.clear();
            Ok(Some(json!({"messagesCleared": true})))
        }
        "sync-chat-history" => {
            require_known_group(st, &chat_id)?;
            st.chat_mut(&chat_id);
            Ok(Some(json!({"historySynced": true})))
        }
        "send-typing" => {
            require_known_group(st, &chat_id)?;
            Ok(Some(json!({"sendTyping": true})))
        }
        "send-stop-typing" => Ok(Some(json!({"sendStopTyping": true}))),
        "get-chat-presence" | "get-chat-presence-snapshot" => {
            require_known_group(st, &chat_id)?;
            Ok(Some(json!({
                "chatId": chat_id,
                "isOnline": false,
                "lastSeen": crate::store::SEED_T + 3600,
                "isTyping": false,
                "isRecording": false,
            })))
        }
        "get-broadcast" => {
            let id = contact_id(&a.s("contactId"));
            Ok(Some(json!({
                "id": wid(&id),
                "timestamp": crate::store::SEED_T,
                "totalCount": 0,
                "unreadCount": 0,
                "msgs": [],
            })))
        }
        "get-disappearing-messages" | "set-disappearing-messages" => {
            require_known_group(st, &chat_id)?;
            let chat = st.chat_mut(&chat_id);
            if action == "set-disappearing-messages" {
                let duration = a.int("duration").unwrap_or_default();
                if duration < 0 {
                    return fail("duration must be 0 (off) or a positive number of seconds.");
                }
                chat.disappearing = duration;
                chat.disappearing_set = now_secs();
            }
            Ok(Some(json!({
                "chatId": chat_id,
                "disappearingMessages": {
                    "duration": chat.disappearing,
                    "settingTimestamp": chat.disappearing_set,
                    "isGroup": chat_id.ends_with("@g.us"),
                },
            })))
        }
        "get-disappearing-durations" => Ok(Some(json!({"durations": [
            {"type": "off", "value": 0},
            {"type": "24h", "value": 86_400},
            {"type": "7d", "value": 604_800},
            {"type": "90d", "value": 7_776_000},
        ]}))),
        "add-customer-note" => {
            require_known_group(st, &chat_id)?;
            let note = a.s("note");
            st.chat_mut(&chat_id).note = Some(note.clone());
            Ok(Some(
                json!({"chatId": chat_id, "note": note, "noteAdded": true}),
            ))
        }
        "get-customer-note" => {
            require_known_group(st, &chat_id)?;
            let note = st.chats.get(&chat_id).and_then(|c| c.note.clone());
            Ok(Some(json!({"chatId": chat_id, "note": note})))
        }

        // ---- labels ---------------------------------------------------------------------
        "get-labels" => Ok(Some(st.labels.values().map(|l| l.to_json()).collect())),
        "get-label-by-id" => {
            let id = a.int("labelId").unwrap_or_default();
            match st.labels.get(&(id as u64)) {
                Some(l) => Ok(Some(
                    json!({"id": l.id, "name": l.name, "hexColor": l.color}),
                )),
                None => fail("Label not found."),
            }
        }
        "get-chat-labels" => {
            require_known_group(st, &chat_id)?;
            let ids: Vec<u64> = st
                .chats
                .get(&chat_id)
                .map(|c| c.labels.iter().copied().collect())
                .unwrap_or_default();
            Ok(Some(
                ids.iter()
                    .filter_map(|id| st.labels.get(id))
                    .map(|l| l.to_json())
                    .collect(),
            ))
        }
        "get-chats-by-label-id" => {
            let id = a.int("labelId").unwrap_or_default() as u64;
            if !st.labels.contains_key(&id) {
                return fail("Label not found.");
            }
            Ok(Some(
                st.chats
                    .values()
                    .filter(|c| c.labels.contains(&id))
                    .map(|c| c.to_json(me))
                    .collect(),
            ))
        }
        "change-chat-labels" => {
            require_known_group(st, &chat_id)?;
            let mut ids = std::collections::BTreeSet::new();
            for raw in a.strings("labelIds") {
                match label_id(&raw).filter(|id| st.labels.contains_key(id)) {
                    Some(id) => {
                        ids.insert(id);
                    }
                    None => return fail("Label not found."),
                }
            }
            st.chat_mut(&chat_id).labels = ids.clone();
            let labels: Vec<Value> = ids
                .iter()
                .filter_map(|id| st.labels.get(id))
                .map(|l| l.to_json())
                .collect();
            Ok(Some(
                json!({"chatId": chat_id, "labelsChanged": true, "labels": labels}),
            ))
        }

        // ---- contacts and numbers -------------------------------------------------------
        "get-contacts" => Ok(Some(
            st.contacts
                .keys()
                .map(|id| st.contact_json(id, me))
                .collect(),
        )),
        "get-contact-by-id" => Ok(Some(st.contact_json(&contact_id(&a.s("contactId")), me))),
        "upsert-contact" => {
            let Some(number) = digits(&a.s("phoneNumber")) else {
                return fail("phoneNumber must be a phone number (digits only).");
            };
            let id = format!("{number}@c.us");
            st.contacts.insert(
                id.clone(),
                Contact {
                    id: id.clone(),
                    first: a.s("firstName"),
                    last: a.s("lastName"),
                    business: false,
                },
            );
            let name = st.name_for(&id);
            if let Some(chat) = st.chats.get_mut(&id) {
                chat.name = name;
            }
            Ok(Some(json!({"chatId": wid(&id)})))
        }
        "delete-contact" => {
            let phone = a.s("phoneNumber");
            let id = format!("{}@c.us", digits(&phone).unwrap_or_else(|| phone.clone()));
            if st.contacts.remove(&id).is_none() {
                return fail("Contact not found.");
            }
            Ok(Some(json!({"phoneNumber": phone, "deleted": true})))
        }
        "block-contact" | "unblock-contact" => {
            let raw = a.s("contactId");
            let id = contact_id(&raw);
            let key = if action == "block-contact" {
                st.blocked.insert(id);
                "blocked"
            } else {
                st.blocked.remove(&id);
                "unblocked"
            };
            let mut payload = json!({"contactId": raw});
            payload[key] = json!(true);
            Ok(Some(payload))
        }
        "get-blocked-contacts" => Ok(Some(
            st.blocked
                .iter()
                .map(|id| st.contact_json(id, me))
                .collect(),
        )),
        "get-common-groups" => {
            let id = contact_id(&a.s("contactId"));
            Ok(Some(
                st.groups
                    .values()
                    .filter(|g| g.participants.iter().any(|p| p.id == id))
                    .map(|g| wid(&g.id))
                    .collect(),
            ))
        }
        "get-contact-about-info" => {
            let id = contact_id(&a.s("contactId"));
            let about = if id == me {
                st.about.clone()
            } else {
                "Hey there! I am using WhatsApp.".to_owned()
            };
            Ok(Some(json!({"about": about})))
        }
        "get-profile-pic-url" => {
            let id = contact_id(&a.s("contactId"));
            Ok(Some(json!({
                "profilePicUrl": format!("https://pps.example.com/{}.jpg", user_of(&id)),
            })))
        }
        "is-registered-user" => {
            let id = a.s("contactId");
            let registered = digits(&id).is_some_and(|d| (7..=15).contains(&d.len()));
            Ok(Some(json!(registered)))
        }
        "get-number-id" => match digits(&a.s("number")) {
            Some(d) if (7..=15).contains(&d.len()) => {
                Ok(Some(json!({"numberId": wid(&format!("{d}@c.us"))})))
            }
            _ => fail("The number is not registered on WhatsApp."),
        },
        "get-country-code" => {
            let number = a.s("number");
            match digits(&number).as_deref().and_then(country_code) {
                Some(code) => Ok(Some(json!({"countryCode": code, "number": number}))),
                None => fail("Unknown country code."),
            }
        }
        "get-formatted-number" => {
            let number = a.s("number");
            match digits(&number) {
                Some(d) => Ok(Some(
                    json!({"formattedNumber": format!("{d}@c.us"), "number": number}),
                )),
                None => fail("Invalid number."),
            }
        }
        "get-lid" => {
            let lids: Vec<Value> = a
                .strings("contactIds")
                .iter()
                .map(|raw| {
                    let id = contact_id(raw);
                    let user = user_of(&id);
                    // A stable made-up LID: the digits reversed, padded.
                    let lid: String = user.chars().rev().collect();
                    json!({"contactId": id, "lid": format!("{lid:0<15}@lid")})
                })
                .collect();
            Ok(Some(json!({"lids": lids})))
        }

        // ---- groups ---------------------------------------------------------------------
        "create-group" => {
            let mut participants = vec![Participant {
                id: me.to_owned(),
                admin: true,
                super_admin: true,
            }];
            let mut missing = Vec::new();
            for raw in a.strings("groupParticipants") {
                match digits(&raw) {
                    Some(d) if raw.ends_with("@c.us") || !raw.contains('@') => {
                        let id = format!("{d}@c.us");
                        if !participants.iter().any(|p| p.id == id) {
                            participants.push(Participant {
                                id,
                                admin: false,
                                super_admin: false,
                            });
                        }
                    }
                    _ => missing.push(raw),
                }
            }
            st.next_id += 1;
            let user = format!("1203630000000{:05}", st.next_id);
            let gid = format!("{user}@g.us");
            let subject = a.s("groupName");
            st.groups.insert(
                gid.clone(),
                Group {
                    id: gid.clone(),
                    subject: subject.clone(),
                    description: String::new(),
                    owner: me.to_owned(),
                    created: now_secs(),
                    participants,
                    invite_code: format!("FAKEINVITE{}", st.next_id),
                    admins_only: false,
                    requests: Default::default(),
                },
            );
            st.chat_mut(&gid);
            Ok(Some(json!({
                "gid": {"server": "g.us", "user": user, "_serialized": gid},
                "missingParticipants": missing,
            })))
        }
        "get-group-info" => Ok(Some(group_mut(st, &chat_id)?.info_json())),
        "get-group-participants" => Ok(Some(json!({
            "participants": group_mut(st, &chat_id)?.participants_json(),
        }))),
        "update-group-info" => {
            let group = group_mut(st, &chat_id)?;
            if let Some(subject) = a.str("subject").filter(|s| !s.is_empty()) {
                group.subject = subject.to_owned();
            }
            if let Some(description) = a.str("description") {
                group.description = description.to_owned();
            }
            let payload = json!({
                "gid": wid(&group.id), "subject": group.subject, "description": group.description,
                "pictureUrl": a.str("pictureUrl"),
            });
            let subject = group.subject.clone();
            if let Some(chat) = st.chats.get_mut(&chat_id) {
                chat.name = subject;
            }
            Ok(Some(payload))
        }
        "update-group-settings" => {
            let group = group_mut(st, &chat_id)?;
            if let Some(only) = a.bool("messageAdminOnly") {
                group.admins_only = only;
            }
            Ok(Some(json!({"messageAdminOnly": group.admins_only})))
        }
        "add-group-participant"
        | "remove-group-participant"
        | "promote-group-participant"
        | "demote-group-participant" => {
            let participant = contact_id(&a.s("participant"));
            let group = group_mut(st, &chat_id)?;
            let position = group.participants.iter().position(|p| p.id == participant);
            // Acting on someone who is not (or already) a member changes nothing, as the node
            // reports per participant rather than failing the call.
            match (action, position) {
                ("add-group-participant", None) => group.participants.push(Participant {
                    id: participant.clone(),
                    admin: false,
                    super_admin: false,
                }),
                ("remove-group-participant", Some(i)) => {
                    group.participants.remove(i);
                }
                ("promote-group-participant", Some(i)) => group.participants[i].admin = true,
                ("demote-group-participant", Some(i)) => {
                    group.participants[i].admin = false;
                    group.participants[i].super_admin = false;
                }
                _ => {}
            }
            let mut info = group.info_json();
            info["participant"] = json!(participant);
            info["changed"] = json!(match action {
                "add-group-participant" => position.is_none(),
                _ => position.is_some(),
            });
            Ok(Some(info))
        }
        "get-group-member-requests" => {
            let group = group_mut(st, &chat_id)?;
            let requests: Vec<Value> = group
                .requests
                .iter()
                .map(|(id, t)| {
                    json!({
                        "id": wid(id),
                        "addedBy": wid(id),
                        "parentGroupId": null,
                        "requestMethod": "InviteLink",
                        "t": t,
                    })
                })
                .collect();
            Ok(Some(
                json!({"count": requests.len(), "membershipRequests": requests}),
            ))
        }
        "accept-group-member-requests" | "deny-group-member-requests" => {
            let group = group_mut(st, &chat_id)?;
            let wanted: Vec<String> = match a.get("requesterIds") {
                None => group.requests.keys().cloned().collect(),
                Some(_) => a
                    .strings("requesterIds")
                    .iter()
                    .map(|r| contact_id(r))
                    .collect(),
            };
            let accept = action == "accept-group-member-requests";
            let mut done = Vec::new();
            let mut details = Vec::new();
            for id in wanted {
                if group.requests.remove(&id).is_some() {
                    if accept && !group.participants.iter().any(|p| p.id == id) {
                        group.participants.push(Participant {
                            id: id.clone(),
                            admin: false,
                            super_admin: false,
                        });
                    }
                    done.push(json!({"id": wid(&id)}));
                    details.push(json!({
                        "requesterId": id,
                        "status": if accept { "approved" } else { "rejected" },
                        "message": if accept { "The request was approved." } else { "The request was rejected." },
                        "error": {},
                    }));
                } else {
                    details.push(json!({
                        "requesterId": id, "status": "failed",
                        "message": "No pending request from this requester.",
                        "error": {"code": 404},
                    }));
                }
            }
            let key = if accept {
                "approvedRequests"
            } else {
                "rejectedRequests"
            };
            let mut payload = json!({"count": done.len(), "details": details});
            payload[key] = json!(done);
            Ok(Some(payload))
        }
        "accept-invite" | "accept-group-invite" => {
            let code = match a.str("inviteCode") {
                Some(code) => code.to_owned(),
                None => match a
                    .get("inviteData")
                    .and_then(|d| d.get("inviteCode"))
                    .and_then(Value::as_str)
                {
                    Some(code) => code.to_owned(),
                    None => return fail("inviteCode or inviteData.inviteCode is required."),
                },
            };
            let Some(group) = st.groups.values_mut().find(|g| g.invite_code == code) else {
                return fail("Invite code not found or expired.");
            };
            if !group.participants.iter().any(|p| p.id == me) {
                group.participants.push(Participant {
                    id: me.to_owned(),
                    admin: false,
                    super_admin: false,
                });
            }
            let gid = group.id.clone();
            st.chat_mut(&gid);
            Ok(Some(json!({"groupChatId": gid})))
        }
        "get-invite-info" => {
            let code = a.s("inviteCode");
            match st.groups.values().find(|g| g.invite_code == code) {
                Some(g) => Ok(Some(json!({"inviteInfo": {
                    "groupId": g.id,
                    "inviteCode": code,
                    "inviteCodeExpiration": now_secs() + 7 * 86_400,
                    "subject": g.subject,
                    "size": g.participants.len(),
                }}))),
                None => fail("Invite code not found or expired."),
            }
        }

        // ---- channels -------------------------------------------------------------------
        "create-channel" => {
            st.next_id += 1;
            let id = format!("1203630000000{:05}@newsletter", st.next_id);
            let channel = Channel {
                id: id.clone(),
                name: a.s("name"),
                description: a.str("description").unwrap_or_default().to_owned(),
                subscribed: true,
                created: now_secs(),
                size: 1,
            };
            let json = channel.to_json();
            st.channels.insert(id, channel);
            Ok(Some(json))
        }
        "get-channels" => Ok(Some(json!({
            "channels": st.channels.values().filter(|c| c.subscribed).map(Channel::to_json).collect::<Vec<_>>(),
        }))),
        "get-channel-by-id" | "subscribe-to-channel" | "unsubscribe-from-channel" => {
            let id = a.str("channelId").unwrap_or_default().to_owned();
            let Some(channel) = st.channels.get_mut(&id) else {
                return fail("Channel not found.");
            };
            match action {
                "subscribe-to-channel" => {
                    channel.subscribed = true;
                    Ok(Some(json!({"channelId": id, "subscribed": true})))
                }
                "unsubscribe-from-channel" => {
                    channel.subscribed = false;
                    Ok(Some(json!({"channelId": id, "unsubscribed": true})))
                }
                _ => Ok(Some(channel.to_json())),
            }
        }
        "search-channels" => {
            let text = a.str("searchText").unwrap_or_default().to_lowercase();
            let limit = a.int("limit").unwrap_or(50).max(1) as usize;
            let skip_subscribed = a.bool("skipSubscribedNewsletters").unwrap_or(false);
            Ok(Some(
                st.channels
                    .values()
                    .filter(|c| c.name.to_lowercase().contains(&text))
                    .filter(|c| !(skip_subscribed && c.subscribed))
                    .take(limit)
                    .map(Channel::to_json)
                    .collect(),
            ))
        }

        // ---- communities ----------------------------------------------------------------
        "create-community" => {
            st.next_id += 1;
            let user = format!("1203630000000{:05}", st.next_id);
            let id = format!("{user}@g.us");
            let subgroups = a
                .strings("existingGroupIds")
                .into_iter()
                .filter(|g| st.groups.contains_key(g))
                .collect();
            let community = Community {
                id: id.clone(),
                title: a.s("title"),
                description: a.str("description").unwrap_or_default().to_owned(),
                created: now_secs(),
                subgroups,
            };
            let json = community.to_json();
            st.communities.insert(id, community);
            Ok(Some(
                json!({"cid": wid(&format!("{user}@g.us")), "community": json}),
            ))
        }
        "get-communities" => Ok(Some(json!({
            "communities": st.communities.values().map(Community::to_json).collect::<Vec<_>>(),
        }))),
        "get-community-by-id" => Ok(Some(community_mut(st, &a.s("communityId"))?.to_json())),
        "get-community-subgroups" => {
            let id = a.s("communityId");
            let community = community_mut(st, &id)?.clone();
            let subgroups: Vec<Value> = community
                .subgroups
                .iter()
                .map(|g| json!({"id": wid(g), "subject": st.name_for(g)}))
                .collect();
            Ok(Some(json!({"communityId": id, "subgroups": subgroups})))
        }
        "link-community-subgroup" | "unlink-community-subgroup" => {
            let id = a.s("communityId");
            let groups = a.strings("groupIds");
            let known: Vec<bool> = groups.iter().map(|g| st.groups.contains_key(g)).collect();
            let community = community_mut(st, &id)?;
            let (mut ok, mut failed) = (Vec::new(), Vec::new());
            for (g, known) in groups.into_iter().zip(known) {
                let changed = if !known {
                    false
                } else if action == "link-community-subgroup" {
                    community.subgroups.insert(g.clone());
                    true
                } else {
                    community.subgroups.remove(&g)
                };
                if changed {
                    ok.push(g)
                } else {
                    failed.push(g)
                }
            }
            let key = if action == "link-community-subgroup" {
                "linkedGroupIds"
            } else {
                "unlinkedGroupIds"
            };
            let mut payload = json!({"communityId": id, "failedGroupIds": failed});
            payload[key] = json!(ok);
            Ok(Some(payload))
        }
        "send-community-announcement" => {
            let id = a.s("communityId");
            community_mut(st, &id)?;
            let text = a
                .str("message")
                .or(a.str("mediaCaption"))
                .unwrap_or_default()
                .to_owned();
            let m = outgoing(
                st,
                ctx,
                &id,
                if a.get("mediaUrl").is_some() {
                    "image"
                } else {
                    "chat"
                },
                &text,
            );
            let new_id = m.id.clone();
            st.push(m);
            Ok(Some(
                json!({"communityId": id, "sent": true, "newMessageId": new_id}),
            ))
        }
        "leave-community" => {
            let id = a.s("communityId");
            community_mut(st, &id)?;
            st.communities.remove(&id);
            Ok(Some(json!({"communityId": id, "left": true})))
        }

        // ---- stories and status ---------------------------------------------------------
        "get-stories" => Ok(Some(json!({"stories": st.stories}))),
        "post-status" => {
            let hash = st.next_hash();
            let id = format!("true_status@broadcast_{hash}");
            Ok(Some(json!({"messageId": id, "posted": true})))
        }
        "revoke-status" | "revoke-status-message" => {
            Ok(Some(json!({"messageId": message_id, "revoked": true})))
        }
        "get-status-privacy" => Ok(Some(json!({
            "type": st.status_privacy.0, "contacts": st.status_privacy.1,
        }))),
        "set-status-privacy" => {
            let kind = a.s("type");
            if ![
                "contacts",
                "allowlist",
                "denylist",
                "blacklist",
                "whitelist",
            ]
            .contains(&kind.as_str())
            {
                return fail("type must be contacts, allowlist or denylist.");
            }
            st.status_privacy = (kind.clone(), a.strings("contacts"));
            Ok(Some(
                json!({"type": kind, "contacts": st.status_privacy.1, "updated": true}),
            ))
        }

        // ---- client -------------------------------------------------------------------
        "send-presence-available" => Ok(Some(json!({"available": true}))),
        "send-presence-unavailable" => Ok(Some(json!({"available": false}))),
        "set-status" => {
            st.about = a.s("status");
            Ok(Some(json!({"statusSet": true})))
        }
        "request-pairing-code" => {
            const WINDOW: Duration = Duration::from_secs(60);
            while st
                .pairing
                .front()
                .is_some_and(|t| ctx.now.saturating_duration_since(*t) >= WINDOW)
            {
                st.pairing.pop_front();
            }
            if st.pairing.len() >= 2 {
                let frees = st
                    .pairing
                    .front()
                    .map_or(WINDOW, |t| (*t + WINDOW).saturating_duration_since(ctx.now));
                return Err(Fail::TooMany(frees.as_secs_f64().ceil().max(1.0) as u64));
            }
            st.pairing.push_back(ctx.now);
            let hash = st.next_hash();
            let code = format!("{}-{}", &hash[4..8], &hash[8..12]);
            Ok(Some(json!({"pairingCode": code})))
        }
        "set-device-name" => {
            if let Some(name) = a.str("deviceName") {
                st.device_name.0 = name.to_owned();
            }
            if let Some(browser) = a.str("browserName") {
                st.device_name.1 = browser.to_owned();
            }
            Ok(Some(json!({
                "deviceName": st.device_name.0, "browserName": st.device_name.1, "updated": true,
            })))
        }
        "create-call-link" => {
            let call_type = a.s("callType");
            if call_type != "voice" && call_type != "video" {
                return fail("callType must be voice or video.");
            }
            let hash = st.next_hash();
            Ok(Some(json!({
                "link": format!("https://call.whatsapp.com/{call_type}/{}", &hash[4..]),
                "callType": call_type,
                "startTime": a.get("startTime"),
            })))
        }
        "get-privacy-settings" => Ok(Some(json!({"settings": st.privacy}))),
        "set-privacy-setting" => {
            let category = a.s("category");
            if !st.privacy.contains_key(&category) {
                return fail("Unknown privacy category.");
            }
            st.privacy.insert(category, a.s("value"));
            Ok(Some(json!({"settings": st.privacy})))
        }
        "get-business-profile" => Ok(Some(json!({"profile": st.business}))),
        "set-business-profile" => {
            for (key, value) in a.0 {
                match key.as_str() {
                    "website" => {
                        let sites: Vec<Value> = a
                            .strings("website")
                            .into_iter()
                            .map(|url| json!({"url": url}))
                            .collect();
                        st.business.insert(key.clone(), json!(sites));
                    }
                    "categories" => {
                        let cats: Vec<Value> = a
                            .strings("categories")
                            .into_iter()
                            .map(|id| json!({"id": id, "localized_display_name": "Category"}))
                            .collect();
                        st.business.insert(key.clone(), json!(cats));
                    }
                    "description" | "email" | "address" | "latitude" | "longitude"
                    | "businessHours" | "priceTier" | "serviceAreas" => {
                        st.business.insert(key.clone(), value.clone());
                    }
                    _ => {}
                }
            }
            Ok(Some(json!({"profile": st.business})))
        }
        "get-business-categories" => Ok(Some(json!({
            "categories": [
                {"id": "629412378414563", "localized_display_name": "Other business", "not_a_biz": false},
                {"id": "192831537402299", "localized_display_name": "Shopping & retail", "not_a_biz": false},
                {"id": "133436743388217", "localized_display_name": "Professional services", "not_a_biz": false},
            ],
            "notABizId": "629412378414563",
        }))),
        "get-quick-replies" => Ok(Some(json!({
            "quickReplies": st.quick_replies.values().map(QuickReply::to_json).collect::<Vec<_>>(),
        }))),
        "create-quick-reply" => {
            st.next_id += 1;
            let id = st.next_id.to_string();
            let reply = QuickReply {
                id: id.clone(),
                shortcut: a.s("shortcut"),
                message: a.s("message"),
                keywords: a.strings("keywords"),
                count: 0,
            };
            let json = reply.to_json();
            st.quick_replies.insert(id, reply);
            Ok(Some(json!({"quickReply": json})))
        }
        "update-quick-reply" => {
            let id = a.s("id");
            let Some(reply) = st.quick_replies.get_mut(&id) else {
                return fail("Quick reply not found.");
            };
            if let Some(s) = a.str("shortcut") {
                reply.shortcut = s.to_owned();
            }
            if let Some(m) = a.str("message") {
                reply.message = m.to_owned();
            }
            if a.get("keywords").is_some() {
                reply.keywords = a.strings("keywords");
            }
            Ok(Some(json!({"quickReply": reply.to_json()})))
        }
        "delete-quick-reply" => {
            let id = a.s("id");
            if st.quick_replies.remove(&id).is_none() {
                return fail("Quick reply not found.");
            }
            Ok(Some(json!({"id": id, "deleted": true})))
        }
        other => fail(&format!("The fake does not implement {other}.")),
    }
}
