//! One instance's WhatsApp world: chats and their messages, contacts, groups, labels, quick
//! replies, channels and communities. Actions read and change it; `GET
//! /__fake/instances/{id}/state` dumps it. The JSON shapes are the fake's own (CONTRACT §2).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// 2026-01-01T00:00:00Z: when the seeded messages were "sent".
pub const SEED_T: i64 = 1_767_225_600;

pub const SEED_CHAT: &str = "4915112345678@c.us";
pub const SEED_GROUP: &str = "120363000000000001@g.us";
pub const SEED_CHANNEL: &str = "120363000000000002@newsletter";
pub const SEED_COMMUNITY: &str = "120363000000000003@g.us";
pub const SEED_INVITE: &str = "FAKEINVITE1";
/// Asked to join the seeded group and waiting for an admin.
pub const SEED_REQUESTER: &str = "4915187654323@c.us";

/// The most chats WhatsApp lets one pin.
pub const MAX_PINNED: usize = 3;

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `{server, user, _serialized}` of a serialized id.
pub fn wid(id: &str) -> Value {
    let (user, server) = id.split_once('@').unwrap_or((id, "c.us"));
    json!({"server": server, "user": user, "_serialized": id})
}

pub fn user_of(id: &str) -> &str {
    id.split_once('@').map_or(id, |(user, _)| user)
}

/// ISO-8601 UTC for a Unix time (days-from-civil, inverted).
pub fn iso8601(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses the date part (and time, if any) of an ISO-8601 string to a Unix time.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let mut secs = 0;
    if let Some(time) = text.get(11..19) {
        let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
        if let (Some(Some(h)), Some(Some(mi)), Some(Some(s))) = (hms.next(), hms.next(), hms.next())
        {
            secs = h * 3600 + mi * 60 + s;
        }
    }
    Some(days * 86_400 + secs)
}

#[derive(Clone, Debug)]
pub struct Reaction {
    pub reaction: String,
    pub sender: String,
    pub t: i64,
}

#[derive(Clone, Debug)]
pub struct Poll {
    pub name: String,
    pub options: Vec<String>,
    pub multiple: bool,
    /// voter → the option names they picked.
    pub votes: BTreeMap<String, (Vec<String>, i64)>,
}

#[derive(Clone, Debug)]
pub struct Msg {
    /// The serialized id, `fromMe_chatId_hash`.
    pub id: String,
    pub hash: String,
    pub chat: String,
    pub from_me: bool,
    /// Who sent it: the account for outgoing messages, the chat (or a member) otherwise.
    pub author: String,
    pub body: String,
    pub kind: String,
    pub t: i64,
    pub ack: i64,
    pub mimetype: Option<String>,
    pub filename: Option<String>,
    pub media: Option<String>,
    pub starred: bool,
    pub pinned: bool,
    pub edited: bool,
    pub forwarded: bool,
    pub reactions: Vec<Reaction>,
    pub mentioned: Vec<String>,
    pub poll: Option<Poll>,
    pub location: Option<Value>,
    pub vcards: Vec<String>,
    /// Kind-specific fields (events), merged into the serialized message.
    pub extra: Map<String, Value>,
}

impl Msg {
    pub fn new(chat: &str, from_me: bool, author: &str, hash: &str, kind: &str, body: &str) -> Msg {
        Msg {
            id: format!("{from_me}_{chat}_{hash}"),
            hash: hash.to_owned(),
            chat: chat.to_owned(),
            from_me,
            author: author.to_owned(),
            body: body.to_owned(),
            kind: kind.to_owned(),
            t: now_secs(),
            ack: if from_me { 1 } else { 3 },
            mimetype: None,
            filename: None,
            media: None,
            starred: false,
            pinned: false,
            edited: false,
            forwarded: false,
            reactions: Vec::new(),
            mentioned: Vec::new(),
            poll: None,
            location: None,
            vcards: Vec::new(),
            extra: Map::new(),
        }
    }

    pub fn sender_recipient(&self, me: &str) -> (String, String) {
        if self.from_me {
            (me.to_owned(), self.chat.clone())
        } else {
            (self.author.clone(), me.to_owned())
        }
    }

    pub fn id_json(&self) -> Value {
        let mut id = json!({
            "fromMe": self.from_me,
            "remote": self.chat,
            "id": self.hash,
            "_serialized": self.id,
        });
        if self.chat.ends_with("@g.us") && !self.from_me {
            id["participant"] = wid(&self.author);
        }
        id
    }

    /// The serialized whatsapp-web.js Message (CONTRACT §2.4).
    pub fn to_json(&self, me: &str) -> Value {
        let (from, to) = self.sender_recipient(me);
        let links: Vec<&str> = self
            .body
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .collect();
        let mut m = json!({
            "id": self.id_json(),
            "ack": self.ack,
            "hasMedia": self.media.is_some(),
            "body": self.body,
            "type": self.kind,
            "timestamp": self.t,
            "from": from,
            "to": to,
            "deviceType": if self.from_me { "web" } else { "android" },
            "isForwarded": self.forwarded,
            "forwardingScore": i64::from(self.forwarded),
            "isStatus": false,
            "isStarred": self.starred,
            "broadcast": false,
            "fromMe": self.from_me,
            "hasQuotedMsg": false,
            "hasReaction": !self.reactions.is_empty(),
            "vCards": self.vcards,
            "mentionedIds": self.mentioned,
            "groupMentions": [],
            "isGif": false,
            "links": links,
            "isEdited": self.edited,
        });
        if self.chat.ends_with("@g.us") {
            m["author"] = json!(self.author);
        }
        if let Some(mimetype) = &self.mimetype {
            m["mimetype"] = json!(mimetype);
        }
        if let Some(location) = &self.location {
            m["location"] = location.clone();
        }
        if let Some(poll) = &self.poll {
            m["pollName"] = json!(poll.name);
            m["pollOptions"] = poll_options(poll);
            m["allowMultipleAnswers"] = json!(poll.multiple);
        }
        if let Some(object) = m.as_object_mut() {
            for (k, v) in &self.extra {
                object.insert(k.clone(), v.clone());
            }
        }
        m
    }

    /// The short form in a chat's `lastMessage`.
    pub fn summary(&self, me: &str) -> Value {
        let (from, to) = self.sender_recipient(me);
        json!({
            "id": self.id_json(),
            "body": self.body,
            "type": self.kind,
            "timestamp": self.t,
            "from": from,
            "to": to,
            "fromMe": self.from_me,
        })
    }
}

pub fn poll_options(poll: &Poll) -> Value {
    poll.options
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"name": name, "localId": i}))
        .collect()
}

#[derive(Clone, Debug)]
pub struct Chat {
    pub id: String,
    pub name: String,
    pub archived: bool,
    pub pinned: bool,
    /// 0: not muted; -1: muted forever; else the Unix time it ends.
    pub mute_expiration: i64,
    pub unread: i64,
    pub labels: BTreeSet<u64>,
    pub messages: Vec<Msg>,
    pub t: i64,
    pub disappearing: i64,
    pub disappearing_set: i64,
    pub note: Option<String>,
}

impl Chat {
    pub fn new(id: &str, name: &str, t: i64) -> Chat {
        Chat {
            id: id.to_owned(),
            name: name.to_owned(),
            archived: false,
            pinned: false,
            mute_expiration: 0,
            unread: 0,
            labels: BTreeSet::new(),
            messages: Vec::new(),
            t,
            disappearing: 0,
            disappearing_set: 0,
            note: None,
        }
    }

    pub fn to_json(&self, me: &str) -> Value {
        json!({
            "id": wid(&self.id),
            "name": self.name,
            "isGroup": self.id.ends_with("@g.us"),
            "isReadOnly": self.id.ends_with("@newsletter") || self.id.ends_with("@broadcast"),
            "unreadCount": self.unread,
            "timestamp": self.t,
            "archived": self.archived,
            "pinned": self.pinned,
            "isMuted": self.mute_expiration != 0,
            "muteExpiration": self.mute_expiration,
            "lastMessage": self.messages.last().map(|m| m.summary(me)),
            "labels": self.labels.iter().map(u64::to_string).collect::<Vec<_>>(),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Contact {
    pub id: String,
    pub first: String,
    pub last: String,
    pub business: bool,
}

impl Contact {
    pub fn name(&self) -> String {
        format!("{} {}", self.first, self.last).trim().to_owned()
    }
}

#[derive(Clone, Debug)]
pub struct Participant {
    pub id: String,
    pub admin: bool,
    pub super_admin: bool,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub subject: String,
    pub description: String,
    pub owner: String,
    pub created: i64,
    pub participants: Vec<Participant>,
    pub invite_code: String,
    pub admins_only: bool,
    /// Pending membership requests: requester → when.
    pub requests: BTreeMap<String, i64>,
}

impl Group {
    pub fn participants_json(&self) -> Value {
        self.participants
            .iter()
            .map(|p| json!({"id": wid(&p.id), "isAdmin": p.admin, "isSuperAdmin": p.super_admin}))
            .collect()
    }

    pub fn info_json(&self) -> Value {
        json!({
            "chatId": wid(&self.id),
            "owner": wid(&self.owner),
            "subject": self.subject,
            "description": self.description,
            "createdAt": iso8601(self.created),
            "createdAtTimestamp": self.created,
            "inviteCode": self.invite_code,
            "inviteCodeLink": format!("https://chat.whatsapp.com/{}", self.invite_code),
            "messageAdminOnly": self.admins_only,
            "participants": self.participants_json(),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
}

impl Label {
    pub fn to_json(&self) -> Value {
        json!({"id": self.id.to_string(), "name": self.name, "hexColor": self.color})
    }
}

#[derive(Clone, Debug)]
pub struct QuickReply {
    pub id: String,
    pub shortcut: String,
    pub message: String,
    pub keywords: Vec<String>,
    pub count: i64,
}

impl QuickReply {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "shortcut": self.shortcut, "message": self.message,
            "count": self.count, "keywords": self.keywords,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub description: String,
    pub subscribed: bool,
    pub created: i64,
    pub size: i64,
}

impl Channel {
    pub fn to_json(&self) -> Value {
        json!({
            "id": wid(&self.id),
            "name": self.name,
            "description": self.description,
            "isChannel": true,
            "isReadOnly": true,
            "subscribed": self.subscribed,
            "labels": [],
            "t": self.created,
            "unreadCount": 0,
            "channelMetadata": {
                "id": wid(&self.id),
                "creationTime": self.created,
                "name": self.name,
                "description": self.description,
                "size": self.size,
                "verified": false,
            },
        })
    }
}

#[derive(Clone, Debug)]
pub struct Community {
    pub id: String,
    pub title: String,
    pub description: String,
    pub created: i64,
    pub subgroups: BTreeSet<String>,
}

impl Community {
    pub fn to_json(&self) -> Value {
        json!({
            "id": wid(&self.id),
            "title": self.title,
            "description": self.description,
            "createdAt": iso8601(self.created),
            "createdAtTimestamp": self.created,
            "subgroups": self.subgroups.iter().map(|g| wid(g)).collect::<Vec<_>>(),
        })
    }
}

/// Everything one instance's WhatsApp account holds.
#[derive(Clone, Debug)]
pub struct Store {
    pub chats: BTreeMap<String, Chat>,
    pub contacts: BTreeMap<String, Contact>,
    pub blocked: BTreeSet<String>,
    pub groups: BTreeMap<String, Group>,
    pub labels: BTreeMap<u64, Label>,
    pub quick_replies: BTreeMap<String, QuickReply>,
    pub channels: BTreeMap<String, Channel>,
    pub communities: BTreeMap<String, Community>,
    pub privacy: BTreeMap<String, String>,
    pub status_privacy: (String, Vec<String>),
    pub business: Map<String, Value>,
    pub about: String,
    pub device_name: (String, String),
    pub stories: Vec<Value>,
    /// When the last pairing codes were handed out (at most 2 a minute).
    pub pairing: VecDeque<Instant>,
    pub next_id: u64,
    seq: u64,
    salt: u64,
}

impl Store {
    /// An account with nothing in it (created instances, generated seeds).
    pub fn empty() -> Store {
        let privacy = [
            ("readReceipts", "all"),
            ("lastSeen", "contacts"),
            ("online", "all"),
            ("profilePicture", "contacts"),
            ("about", "contacts"),
            ("groupAdd", "contacts"),
            ("callAdd", "all"),
            ("messages", "all"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Store {
            chats: BTreeMap::new(),
            contacts: BTreeMap::new(),
            blocked: BTreeSet::new(),
            groups: BTreeMap::new(),
            labels: BTreeMap::new(),
            quick_replies: BTreeMap::new(),
            channels: BTreeMap::new(),
            communities: BTreeMap::new(),
            privacy,
            status_privacy: ("contacts".to_owned(), Vec::new()),
            business: json!({
                "description": "Support for Example GmbH",
                "email": "support@example.com",
                "address": "Musterstraße 1, 10115 Berlin",
                "website": [{"url": "https://example.com"}],
                "categories": [{"id": "629412378414563", "localized_display_name": "Other business"}],
                "businessHours": {"timezone": "Europe/Berlin", "config": {}},
                "profileOptions": {"commerceExperience": "none", "cartEnabled": false},
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            about: "Hey there! I am using WhatsApp.".to_owned(),
            device_name: ("Fake WaAPI".to_owned(), "Chrome".to_owned()),
            stories: Vec::new(),
            pairing: VecDeque::new(),
            next_id: 10,
            seq: 0,
            salt: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
        }
    }

    /// The seeded account of instance 1 (see the README's seed table).
    pub fn seeded(me: &str) -> Store {
        let mut s = Store::empty();
        for (id, first, last) in [
            (SEED_CHAT, "Erika", "Mustermann"),
            ("4915187654321@c.us", "Max", "Mustermann"),
        ] {
            s.contacts.insert(
                id.to_owned(),
                Contact {
                    id: id.to_owned(),
                    first: first.to_owned(),
                    last: last.to_owned(),
                    business: false,
                },
            );
        }
        let mut chat = Chat::new(SEED_CHAT, "Erika Mustermann", SEED_T + 60);
        chat.labels.insert(1);
        let mut hello = Msg::new(
            SEED_CHAT,
            false,
            SEED_CHAT,
            "3EB0SEED0001",
            "chat",
            "Hello from the seed",
        );
        hello.t = SEED_T;
        let mut poll = Msg::new(
            SEED_CHAT,
            true,
            me,
            "3EB0SEEDPOLL",
            "poll_creation",
            "Lunch?",
        );
        poll.t = SEED_T + 60;
        poll.ack = 3;
        poll.poll = Some(Poll {
            name: "Lunch?".to_owned(),
            options: vec!["Pizza".to_owned(), "Sushi".to_owned(), "Salad".to_owned()],
            multiple: false,
            votes: BTreeMap::from([(
                SEED_CHAT.to_owned(),
                (vec!["Pizza".to_owned()], SEED_T + 120),
            )]),
        });
        chat.messages = vec![hello, poll];
        s.chats.insert(SEED_CHAT.to_owned(), chat);

        s.chats.insert(
            SEED_GROUP.to_owned(),
            Chat::new(SEED_GROUP, "Fake group", SEED_T),
        );
        let mut participants = vec![
            Participant {
                id: SEED_CHAT.to_owned(),
                admin: true,
                super_admin: false,
            },
            Participant {
                id: "4915187654321@c.us".to_owned(),
                admin: false,
                super_admin: false,
            },
        ];
        match participants.iter_mut().find(|p| p.id == me) {
            Some(own) => {
                own.admin = true;
                own.super_admin = true;
            }
            None => participants.push(Participant {
                id: me.to_owned(),
                admin: true,
                super_admin: true,
            }),
        }
        s.groups.insert(
            SEED_GROUP.to_owned(),
            Group {
                id: SEED_GROUP.to_owned(),
                subject: "Fake group".to_owned(),
                description: "A group seeded by fake-waapi".to_owned(),
                owner: me.to_owned(),
                created: SEED_T,
                participants,
                invite_code: SEED_INVITE.to_owned(),
                admins_only: false,
                requests: BTreeMap::from([(SEED_REQUESTER.to_owned(), SEED_T + 300)]),
            },
        );
        for (id, name, color) in [(1, "New customer", "#ff9485"), (2, "Paid", "#64c4ff")] {
            s.labels.insert(
                id,
                Label {
                    id,
                    name: name.to_owned(),
                    color: color.to_owned(),
                },
            );
        }
        s.quick_replies.insert(
            "1".to_owned(),
            QuickReply {
                id: "1".to_owned(),
                shortcut: "hi".to_owned(),
                message: "Hello! How can we help you today?".to_owned(),
                keywords: vec!["hello".to_owned()],
                count: 0,
            },
        );
        s.channels.insert(
            SEED_CHANNEL.to_owned(),
            Channel {
                id: SEED_CHANNEL.to_owned(),
                name: "Fake channel".to_owned(),
                description: "News from fake-waapi".to_owned(),
                subscribed: true,
                created: SEED_T,
                size: 42,
            },
        );
        s.communities.insert(
            SEED_COMMUNITY.to_owned(),
            Community {
                id: SEED_COMMUNITY.to_owned(),
                title: "Fake community".to_owned(),
                description: "A community seeded by fake-waapi".to_owned(),
                created: SEED_T,
                subgroups: BTreeSet::from([SEED_GROUP.to_owned()]),
            },
        );
        s.stories.push(json!({
            "id": wid(SEED_CHAT),
            "timestamp": SEED_T + 30,
            "totalCount": 1,
            "unreadCount": 1,
            "msgs": [{
                "mediaKey": "c2VlZA==",
                "id": {
                    "fromMe": false,
                    "remote": wid("status@broadcast"),
                    "participant": wid(SEED_CHAT),
                    "_serialized": "false_status@broadcast_3EB0SEEDSTORY_4915112345678@c.us",
                },
                "type": "text",
                "timestamp": SEED_T + 30,
                "from": SEED_CHAT,
                "to": "status@broadcast",
                "author": SEED_CHAT,
                "body": "Seeded status",
            }],
        }));
        s
    }

    /// A fresh message hash in the style of WhatsApp Web ids (`3EB0` + 16 hex digits).
    pub fn next_hash(&mut self) -> String {
        self.seq += 1;
        // splitmix64, so consecutive ids do not look sequential.
        let mut z = self
            .salt
            .wrapping_add(self.seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        format!("3EB0{:016X}", z ^ (z >> 31))
    }

    /// A display name for a chat id: the saved contact, the group subject, or the number.
    pub fn name_for(&self, id: &str) -> String {
        if let Some(c) = self.contacts.get(id) {
            return c.name();
        }
        if let Some(g) = self.groups.get(id) {
            return g.subject.clone();
        }
        if let Some(c) = self.channels.get(id) {
            return c.name.clone();
        }
        if let Some(c) = self.communities.get(id) {
            return c.title.clone();
        }
        format!("+{}", user_of(id))
    }

    /// The chat with `id`, opened (created empty) if there is none yet.
    pub fn chat_mut(&mut self, id: &str) -> &mut Chat {
        if !self.chats.contains_key(id) {
            let name = self.name_for(id);
            self.chats
                .insert(id.to_owned(), Chat::new(id, &name, now_secs()));
        }
        self.chats.get_mut(id).expect("just inserted")
    }

    /// Stores a message in its chat and bumps the chat.
    pub fn push(&mut self, msg: Msg) {
        let chat = self.chat_mut(&msg.chat.clone());
        chat.t = chat.t.max(msg.t);
        chat.archived = chat.archived && msg.from_me;
        chat.messages.push(msg);
    }

    pub fn find(&self, message_id: &str) -> Option<&Msg> {
        self.chats
            .values()
            .flat_map(|c| c.messages.iter())
            .find(|m| m.id == message_id)
    }

    pub fn find_mut(&mut self, message_id: &str) -> Option<&mut Msg> {
        self.chats
            .values_mut()
            .flat_map(|c| c.messages.iter_mut())
            .find(|m| m.id == message_id)
    }

    pub fn contact_json(&self, id: &str, me: &str) -> Value {
        let saved = self.contacts.get(id);
        let user = user_of(id);
        let name = saved.map_or_else(|| format!("+{user}"), Contact::name);
        let labels: Vec<String> = self
            .chats
            .get(id)
            .map(|c| c.labels.iter().map(u64::to_string).collect())
            .unwrap_or_default();
        json!({
            "id": wid(id),
            "number": user,
            "isBusiness": saved.is_some_and(|c| c.business),
            "isEnterprise": false,
            "labels": labels,
            "name": name,
            "pushname": saved.map_or_else(|| format!("User {user}"), |c| c.first.clone()),
            "shortName": saved.map_or_else(|| format!("+{user}"), |c| c.first.clone()),
            "type": "in",
            "isMe": id == me,
            "isUser": id.ends_with("@c.us"),
            "isGroup": id.ends_with("@g.us"),
            "isWAContact": true,
            "isMyContact": saved.is_some(),
            "isBlocked": self.blocked.contains(id),
        })
    }

    /// The state dump of `GET /__fake/instances/{id}/state`.
    pub fn dump(&self, me: &str) -> Value {
        json!({
            "chats": self.chats.values().map(|c| {
                let mut chat = c.to_json(me);
                chat["messages"] = c.messages.iter().map(|m| m.to_json(me)).collect();
                chat
            }).collect::<Vec<_>>(),
            "contacts": self.contacts.keys().map(|id| self.contact_json(id, me)).collect::<Vec<_>>(),
            "blocked": self.blocked,
            "groups": self.groups.values().map(Group::info_json).collect::<Vec<_>>(),
            "labels": self.labels.values().map(Label::to_json).collect::<Vec<_>>(),
            "quickReplies": self.quick_replies.values().map(QuickReply::to_json).collect::<Vec<_>>(),
            "channels": self.channels.values().map(Channel::to_json).collect::<Vec<_>>(),
            "communities": self.communities.values().map(Community::to_json).collect::<Vec<_>>(),
        })
    }
}
