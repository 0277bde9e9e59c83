//! The entry points, one [`Target`] per kind of untrusted input: what each is fed, its seeds
//! (real bodies: CONTRACT.md §1's envelopes, §5's webhooks, the catalogue's action
//! parameters, the edge's routes and settings), and a valid input of any size for the size check.
//!
//! Besides "no panic", each `run` checks what must hold for any input it accepts: what the
//! edge answers is JSON and reads back as what it was made from, a normalized webhook
//! normalizes to itself, the WaAPI token is in no answer. A broken check panics, so it is
//! counted and saved like any other panic. `run` answers whether the input was accepted, for
//! the statistics (an input refused with a clear error is as fine as one accepted).

use std::borrow::Cow;

use sha2::{Digest, Sha256};
use waapi_edge::config::{authorize, parse_edge_keys, parse_origins, Permissions, Settings};
use waapi_edge::events::{
    event_json, events_page, incoming, page_query, secret_matches, sse_event, stream_after,
};
use waapi_edge::respond::{self, in_band_error, passed_on};
use waapi_edge::routes::{instance_update, route};
use waapi_wasm::action::{self, FromJson, Kind, Param};
use waapi_wasm::actions::*;
use waapi_wasm::envelope::{http_error, Reply};
use waapi_wasm::json::Json;
use waapi_wasm::request::{
    check_http_url, check_webhook_url, encode_component, InstanceUpdate, Request,
};
use waapi_wasm::retry::{decide, parse_retry_after, Outcome};
use waapi_wasm::webhook::{normalize, Envelope, WebhookPayload};
use waapi_wasm::{Client, Options};

use crate::fnv64;

/// How the mutator treats a target's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A JSON text: its tree is mutated as well as its bytes.
    Json,
    /// A first line (an action's name, a status), then a JSON text.
    HeaderJson,
    /// Text with a grammar of its own (lines, `;`, `&`): bytes and words only.
    Text,
}

pub struct Target {
    pub name: &'static str,
    /// The entry points it reaches, in words.
    pub what: &'static str,
    pub run: fn(&[u8]) -> bool,
    pub seeds: fn() -> Vec<Vec<u8>>,
    pub shape: Shape,
    /// An input of about `n` bytes, for the size check.
    pub big: fn(usize) -> Vec<u8>,
    /// Whether `big` is accepted: false where a length cap refuses it (after linear work).
    pub big_accepted: bool,
}

pub static TARGETS: &[Target] = &[
    Target {
        name: "json",
        what: "json::Json::parse, write, into_owned",
        run: json,
        seeds: all_json_seeds,
        shape: Shape::Json,
        big: big_instance_list,
        big_accepted: true,
    },
    Target {
        name: "envelope",
        what: "envelope::Reply: every decoder; the edge's answers made from what it decoded",
        run: envelope,
        seeds: envelope_seeds,
        shape: Shape::Json,
        big: big_instance_list,
        big_accepted: true,
    },
    Target {
        name: "http_error",
        what: "envelope::http_error, Error::redact, the edge's respond::upstream_error",
        run: http_error_target,
        seeds: error_seeds,
        shape: Shape::HeaderJson,
        big: big_field_errors,
        big_accepted: true,
    },
    Target {
        name: "action_params",
        what: "action::find, check_name, Action::validate and request (the validator)",
        run: action_params,
        seeds: action_param_seeds,
        shape: Shape::HeaderJson,
        big: big_action_params,
        big_accepted: true,
    },
    Target {
        name: "action_answer",
        what: "Reply::action_payload and each action's typed answer (FromJson)",
        run: action_answer,
        seeds: action_answer_seeds,
        shape: Shape::HeaderJson,
        big: big_action_answer,
        big_accepted: true,
    },
    Target {
        name: "webhook",
        what: "WebhookPayload::parse, webhook::normalize (parseWebhookEvent), the edge's receiver and stored events",
        run: webhook,
        seeds: webhook_seeds,
        shape: Shape::Json,
        big: big_webhook,
        big_accepted: true,
    },
    Target {
        name: "retry_after",
        what: "retry::parse_retry_after and decide",
        run: retry_after,
        seeds: || lines(include_str!("../corpus/retry-after.txt")),
        shape: Shape::Text,
        big: big_retry_after,
        big_accepted: true,
    },
    Target {
        name: "url",
        what: "request::check_http_url, encode_component, InstanceUpdate::to_body, Client::validate",
        run: url,
        seeds: || lines(include_str!("../corpus/urls.txt")),
        shape: Shape::Text,
        big: big_url,
        big_accepted: false,
    },
    Target {
        name: "route",
        what: "the edge's routes::route, events::page_query and stream_after, the webhook secret",
        run: route_target,
        seeds: || lines(include_str!("../corpus/routes.txt")),
        shape: Shape::Text,
        big: big_route,
        big_accepted: false,
    },
    Target {
        name: "update_body",
        what: "the edge's routes::instance_update (PUT bodies)",
        run: update_body,
        seeds: || lines(include_str!("../corpus/updates.jsonl")),
        shape: Shape::Json,
        big: big_update,
        big_accepted: true,
    },
    Target {
        name: "edge_keys",
        what: "the edge's config::parse_edge_keys, authorize, parse_origins",
        run: edge_keys,
        seeds: || lines(include_str!("../corpus/edge-keys.txt")),
        shape: Shape::Text,
        big: big_edge_keys,
        big_accepted: true,
    },
    Target {
        name: "bearer",
        what: "the edge's key from Authorization (bearer), hashed and authorized",
        run: bearer,
        seeds: bearer_seeds,
        shape: Shape::Text,
        big: |n| format!("Bearer {}", "k".repeat(n)).into_bytes(),
        big_accepted: true,
    },
    Target {
        name: "settings",
        what: "the edge's Settings::from_vars (every var as NAME=value lines)",
        run: settings,
        seeds: settings_seeds,
        shape: Shape::Text,
        big: big_settings,
        big_accepted: true,
    },
    Target {
        name: "passed_on",
        what: "the edge's respond::passed_on and in_band_error (WaAPI's body passed on)",
        run: passed,
        seeds: passed_on_seeds,
        shape: Shape::Json,
        big: big_passed_on,
        big_accepted: true,
    },
];

pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The WaAPI token the edge redacts: letters and digits, as WaAPI's tokens are.
pub const TOKEN: &str = "fuzzTOKEN8d3b71";
/// The webhook receiver's secret.
const SECRET: &str = "0123456789abcdef0123";
/// `EDGE_KEYS` of the bearer target: the key `edge-key-read` may read.
const EDGE_KEY: &str = "edge-key-read";
const SELF_URL: &str = "https://edge.example/api/v1/instances/1/client/action/x";

fn text(input: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(input)
}

/// The first line and the rest.
fn header(input: &[u8]) -> (Cow<'_, str>, Cow<'_, str>) {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => (text(&input[..i]), text(&input[i + 1..])),
        None => (text(input), Cow::Borrowed("")),
    }
}

/// A choice made from the input itself, so that a saved case replays the same way.
fn choose(input: &[u8], salt: u32, n: usize) -> usize {
    (fnv64(input).rotate_left(salt) % n as u64) as usize
}

/// An edge answer's body must be JSON (or absent, for 204).
fn assert_json_body(body: Option<&str>, what: &str) {
    if let Some(body) = body {
        if let Err(e) = Json::parse(body) {
            panic!("{what} is not JSON ({e}): {body:.200}");
        }
    }
}

// ---- the entry points ----

fn json(input: &[u8]) -> bool {
    let text = text(input);
    let Ok(v) = Json::parse(&text) else {
        return false;
    };
    let written = v.to_string();
    let again = Json::parse(&written).expect("written JSON parses");
    assert!(
        again == v,
        "JSON written and read back differs: {written:.200}"
    );
    assert!(v.clone().into_owned() == v);
    let _ = (
        v.as_u64(),
        v.as_str(),
        v.as_bool(),
        v.get("status"),
        v.as_array(),
    );
    true
}

fn envelope(input: &[u8]) -> bool {
    let text = text(input);
    let status = [200, 201, 204][choose(input, 0, 3)];
    let Ok(r) = Reply::parse("read a fuzzed answer", status, &text) else {
        return false;
    };
    // What the edge answers from each decoded model must read back as that model.
    let reread = |reply: respond::Reply| {
        let body = reply.body.expect("a body");
        Reply::parse("re-read", 200, &body)
            .unwrap_or_else(|e| panic!("the edge's answer is not JSON ({e}): {body:.200}"))
            .json
            .into_owned()
    };
    let again = |json: Json<'static>| Reply {
        action: "re-read",
        status: 200,
        json,
    };
    let mut ok = false;
    if let Ok(list) = r.instance_list() {
        let back = again(reread(respond::instances(&list))).instance_list();
        assert_eq!(
            back.as_ref().ok(),
            Some(&list),
            "instances differ once passed on"
        );
        ok = true;
    }
    if let Ok(i) = r.instance() {
        let back = again(reread(respond::instance(200, &i))).instance();
        assert_eq!(
            back.as_ref().ok(),
            Some(&i),
            "an instance differs once passed on"
        );
        ok = true;
    }
    if let Ok(s) = r.client_status() {
        let back = again(reread(respond::client_status("clientStatus", &s, SELF_URL)));
        assert_eq!(
            back.client_status().ok().as_ref(),
            Some(&s),
            "a status differs"
        );
        ok = true;
    }
    if let Ok(q) = r.qr_code() {
        let back = again(reread(respond::qr_code(3, &q, SELF_URL)));
        assert_eq!(back.qr_code().ok().as_ref(), Some(&q), "a QR code differs");
        ok = true;
    }
    if let Ok(m) = r.me() {
        let back = again(reread(respond::me(3, &m, SELF_URL)));
        assert_eq!(back.me().ok().as_ref(), Some(&m), "an account differs");
        ok = true;
    }
    ok |= r.action_payload().is_ok();
    ok |= r.nothing().is_ok();
    ok
}

/// `<status> <list|create|get|action> [<retry-after s>]`, then the body.
fn http_error_target(input: &[u8]) -> bool {
    let (head, body) = header(input);
    let mut words = head.split(' ');
    let status = words.next().and_then(|w| w.parse().ok()).unwrap_or(500);
    let request = match words.next() {
        Some("list") => Request::list_instances(Some("shop")),
        Some("create") => Request::create_instance(),
        Some("action") => Request::action(3, "send-message", "{}".into()).expect("a valid action"),
        _ => Request::get_instance(12).expect("a valid id"),
    };
    let retry_after = words.next().and_then(|w| w.parse().ok());
    let e = http_error(&request, status, retry_after, &body).redact(TOKEN);
    assert!(!e.to_string().contains(TOKEN), "the token in an error: {e}");
    assert!(
        !format!("{e:?}").contains(TOKEN),
        "the token in an error's Debug"
    );
    let reply = respond::upstream_error(&e);
    assert_json_body(reply.body.as_deref(), "the edge's upstream error");
    Json::parse(&body).is_ok()
}

fn action_params(input: &[u8]) -> bool {
    let (name, body) = header(input);
    let Ok(params) = Json::parse(&body) else {
        return false;
    };
    match action::find(&name) {
        Some(a) => match a.request(7, &params) {
            Ok(request) => {
                let sent = request.body.as_deref().expect("an action has a body");
                let sent = Json::parse(sent).expect("an action's body is JSON");
                assert!(
                    sent == params,
                    "the body sent is not the parameters checked"
                );
                true
            }
            Err(e) => {
                assert_eq!(e.kind().as_str(), "invalid_input", "{e}");
                false
            }
        },
        // The escape hatch: a name the catalogue does not know is only checked as a name.
        None => {
            let checked = action::check_name(&name).is_ok();
            assert_eq!(Request::action(7, &name, body.to_string()).is_ok(), checked);
            false
        }
    }
}

fn read<T: FromJson>(v: &Json) -> bool {
    T::from_json(v).is_ok()
}

macro_rules! answers {
    ($($name:literal => $t:ty,)*) => {
        /// Each action's typed answer, as `src/actions.rs` declares it (a test keeps the two in step).
        pub static ANSWERS: &[(&str, &str, fn(&Json) -> bool)] = &[$(($name, stringify!($t), read::<$t>),)*];
    };
}

answers! {
    "send-message" => SendMessageAnswer,
    "send-media" => SendMediaAnswer,
    "send-seen" => SendSeenAnswer,
    "send-vcard" => SendVcardAnswer,
    "send-location" => SendLocationAnswer,
    "get-chats" => Vec<GetChatsItem>,
    "mark-chat-unread" => Json<'static>,
    "mute-chat" => MuteChatAnswer,
    "unmute-chat" => UnmuteChatAnswer,
    "pin-chat" => PinChatAnswer,
    "unpin-chat" => UnpinChatAnswer,
    "fetch-messages" => Vec<FetchMessagesItem>,
    "get-message-by-id" => GetMessageByIdAnswer,
    "download-media" => Json<'static>,
    "get-message-info-by-id" => GetMessageInfoByIdAnswer,
    "delete-message-by-id" => DeleteMessageByIdAnswer,
    "edit-message" => Json<'static>,
    "forward-message" => Json<'static>,
    "search-messages" => SearchMessagesAnswer,
    "get-contacts" => Vec<GetContactsItem>,
    "get-number-id" => GetNumberIdAnswer,
    "get-country-code" => GetCountryCodeAnswer,
    "get-formatted-number" => GetFormattedNumberAnswer,
    "is-registered-user" => bool,
    "create-poll" => CreatePollAnswer,
    "get-poll-votes" => Json<'static>,
    "get-stories" => GetStoriesAnswer,
    "post-status" => Json<'static>,
    "set-status-privacy" => Json<'static>,
    "get-status-privacy" => Json<'static>,
    "get-profile-pic-url" => GetProfilePicUrlAnswer,
    "get-contact-by-id" => GetContactByIdAnswer,
    "get-lid" => Json<'static>,
    "upsert-contact" => UpsertContactAnswer,
    "delete-contact" => DeleteContactAnswer,
    "block-contact" => BlockContactAnswer,
    "unblock-contact" => UnblockContactAnswer,
    "get-blocked-contacts" => Vec<GetBlockedContactsItem>,
    "get-common-groups" => Vec<GetCommonGroupsItem>,
    "get-contact-about-info" => GetContactAboutInfoAnswer,
    "get-chat-by-id" => GetChatByIdAnswer,
    "delete-chat-by-id" => DeleteChatByIdAnswer,
    "create-group" => CreateGroupAnswer,
    "get-group-participants" => GetGroupParticipantsAnswer,
    "get-group-info" => GetGroupInfoAnswer,
    "get-reactions" => GetReactionsAnswer,
    "react-to-message" => ReactToMessageAnswer,
    "update-group-info" => UpdateGroupInfoAnswer,
    "get-message-mentions" => GetMessageMentionsAnswer,
    "pin-message" => PinMessageAnswer,
    "unpin-message" => UnpinMessageAnswer,
    "star-message" => StarMessageAnswer,
    "unstar-message" => UnstarMessageAnswer,
    "update-group-settings" => UpdateGroupSettingsAnswer,
    "add-group-participant" => Json<'static>,
    "remove-group-participant" => Json<'static>,
    "promote-group-participant" => Json<'static>,
    "demote-group-participant" => Json<'static>,
    "accept-group-member-requests" => AcceptGroupMemberRequestsAnswer,
    "deny-group-member-requests" => DenyGroupMemberRequestsAnswer,
    "get-group-member-requests" => GetGroupMemberRequestsAnswer,
    "accept-invite" => AcceptInviteAnswer,
    "accept-group-invite" => Json<'static>,
    "get-invite-info" => GetInviteInfoAnswer,
    "create-channel" => Json<'static>,
    "get-channels" => Json<'static>,
    "get-channel-by-id" => Json<'static>,
    "subscribe-to-channel" => Json<'static>,
    "unsubscribe-from-channel" => Json<'static>,
    "search-channels" => Vec<SearchChannelsItem>,
    "create-community" => Json<'static>,
    "get-communities" => Json<'static>,
    "get-community-by-id" => Json<'static>,
    "get-community-subgroups" => Json<'static>,
    "send-community-announcement" => Json<'static>,
    "link-community-subgroup" => Json<'static>,
    "unlink-community-subgroup" => Json<'static>,
    "leave-community" => Json<'static>,
    "archive-chat" => ArchiveChatAnswer,
    "unarchive-chat" => UnarchiveChatAnswer,
    "get-labels" => Json<'static>,
    "get-label-by-id" => GetLabelByIdAnswer,
    "get-chat-labels" => Vec<GetChatLabelsItem>,
    "get-chats-by-label-id" => Json<'static>,
    "change-chat-labels" => Json<'static>,
    "logout" => Json<'static>,
    "reboot" => Json<'static>,
    "send-presence-available" => SendPresenceAvailableAnswer,
    "set-status" => Json<'static>,
    "set-display-name" => SetDisplayNameAnswer,
    "request-pairing-code" => RequestPairingCodeAnswer,
    "send-typing" => SendTypingAnswer,
    "clear-chat-messages" => ClearChatMessagesAnswer,
    "sync-chat-history" => SyncChatHistoryAnswer,
    "send-stop-typing" => SendStopTypingAnswer,
    "send-presence-unavailable" => SendPresenceUnavailableAnswer,
    "get-chat-presence" => Json<'static>,
    "get-chat-presence-snapshot" => Json<'static>,
    "send-event" => Json<'static>,
    "vote-on-poll" => Json<'static>,
    "edit-scheduled-event" => Json<'static>,
    "get-pinned-messages" => Json<'static>,
    "set-device-name" => Json<'static>,
    "create-call-link" => Json<'static>,
    "send-event-response" => Json<'static>,
    "revoke-status-message" => Json<'static>,
    "add-customer-note" => Json<'static>,
    "get-customer-note" => Json<'static>,
    "get-broadcast" => Json<'static>,
    "revoke-status" => Json<'static>,
    "get-privacy-settings" => GetPrivacySettingsAnswer,
    "set-privacy-setting" => SetPrivacySettingAnswer,
    "get-disappearing-messages" => GetDisappearingMessagesAnswer,
    "set-disappearing-messages" => SetDisappearingMessagesAnswer,
    "get-disappearing-durations" => GetDisappearingDurationsAnswer,
    "get-business-profile" => GetBusinessProfileAnswer,
    "get-business-categories" => GetBusinessCategoriesAnswer,
    "set-business-profile" => SetBusinessProfileAnswer,
    "get-quick-replies" => GetQuickRepliesAnswer,
    "create-quick-reply" => CreateQuickReplyAnswer,
    "update-quick-reply" => UpdateQuickReplyAnswer,
    "delete-quick-reply" => DeleteQuickReplyAnswer,
}

fn action_answer(input: &[u8]) -> bool {
    let (name, body) = header(input);
    let Ok(r) = Reply::parse("run a fuzzed action", 200, &body) else {
        return false;
    };
    let Ok(payload) = r.action_payload() else {
        return false;
    };
    let read = ANSWERS
        .iter()
        .find(|(n, ..)| *n == name)
        .map_or(read::<Json<'static>> as fn(&Json) -> bool, |&(_, _, f)| f);
    read(payload)
}

fn webhook(input: &[u8]) -> bool {
    // The edge's receiver takes the bytes as they came; what it stores is served as JSON
    // and as one Server-Sent Event.
    if let Ok(stored) = incoming(input) {
        let event = event_json(3.0, "2026-12-02T14:50:04.123Z", &stored.record);
        assert_json_body(Some(&event), "a stored event");
        // The page is the events as stored, in an array (two levels deeper than the event,
        // so not re-parsed: a stored event may already sit at the parser's depth limit).
        let page = events_page(vec![event.clone()], 3.0);
        assert_eq!(page, format!("{{\"events\":[{event}],\"next\":3}}"));
        let frame = sse_event(3.0, &event);
        assert_eq!(
            frame.matches('\n').count(),
            3,
            "an event is one SSE data line"
        );
    }
    let text = text(input);
    let payload = WebhookPayload::parse(&text);
    let normalized = normalize(&text);
    assert_eq!(payload.is_ok(), normalized.is_ok());
    if let Ok(body) = Json::parse(&text) {
        if let Ok(e) = Envelope::check(&body) {
            let _ = (e.data(), e.other().count());
        }
    }
    let (Ok(payload), Ok(normalized)) = (payload, normalized) else {
        return false;
    };
    assert_eq!(
        normalize(&normalized).as_deref().ok(),
        Some(normalized.as_str()),
        "normalizing twice changes the text"
    );
    let again = WebhookPayload::parse(&normalized).expect("a normalized webhook parses");
    assert_eq!(
        (again.event(), again.instance_id()),
        (payload.event(), payload.instance_id())
    );
    true
}

fn retry_after(input: &[u8]) -> bool {
    let value = text(input);
    let mut accepted = false;
    for now in [0, 784_111_777_000, u64::MAX] {
        let ms = parse_retry_after(&value, now);
        accepted |= ms.is_some();
        let _ = decide(true, Outcome::Status(429), 1, 2, ms, 0.5);
    }
    accepted
}

fn url(input: &[u8]) -> bool {
    let url = text(input);
    let ok = check_http_url(&url, "The URL").is_ok();
    let encoded = encode_component(&url);
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%".contains(&b)),
        "encode_component left {encoded:.200}"
    );
    let _ = Request::list_instances(Some(&url)).url("https://waapi.app/api/v1");
    // A webhook URL is a URL whose host may also be refused (issue 17: internal hosts).
    let body = InstanceUpdate::new()
        .webhook_url(Some(&url))
        .to_body_with(true);
    assert_eq!(
        body.is_ok(),
        ok && check_webhook_url(&url, true).is_ok(),
        "a webhook URL checked otherwise than a URL"
    );
    if let Ok(body) = &body {
        assert_json_body(Some(body), "an update body");
    }
    let options = Options::default().base_url(url);
    let _ = Client::with_options("token", options).validate();
    ok
}

/// The pairs of a query as `URLSearchParams` gives them: `+` is a space, `%XX` a byte.
pub fn search_params(query: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let s = s.as_bytes();
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// `METHOD path?query`, then an optional line: the stream's `Last-Event-ID`.
fn route_target(input: &[u8]) -> bool {
    let text = text(input);
    let (first, last_event_id) = match text.split_once('\n') {
        Some((first, rest)) => (first, Some(rest)),
        None => (&*text, None),
    };
    let (method, target) = first.split_once(' ').unwrap_or((first, ""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let pairs = search_params(query);
    let routed = route(method, path, &pairs);
    match &routed {
        Ok(r) => {
            let _ = (r.permission(), r.is_write());
        }
        Err(reject) => {
            assert_json_body(respond::reject(reject).body.as_deref(), "a refusal");
        }
    }
    if let Err(why) = page_query(&pairs) {
        assert_json_body(
            respond::Reply::error(400, &why).body.as_deref(),
            "a refusal",
        );
    }
    let _ = stream_after(&pairs, last_event_id);
    if let Some(given) = path.strip_prefix("/webhooks/waapi/") {
        assert_eq!(secret_matches(given, Some(SECRET)), given == SECRET);
        assert!(!secret_matches(given, None));
    }
    routed.is_ok()
}

fn update_body(input: &[u8]) -> bool {
    let body = text(input);
    // The edge's webhook policy is config's (and fuzzed there); here every URL passes it.
    match instance_update(&body, |url| Ok(url.to_owned())) {
        Ok(update) => {
            let sent = update
                .to_body_with(true)
                .expect("an accepted update has a body");
            assert_json_body(Some(&sent), "an update body");
            assert!(Request::update_instance_with(1, &update, true).is_ok());
            true
        }
        Err(reject) => {
            assert_json_body(respond::reject(&reject).body.as_deref(), "a refusal");
            false
        }
    }
}

fn edge_keys(input: &[u8]) -> bool {
    let text = text(input);
    let _ = parse_origins(&text);
    let _ = Permissions::parse(&text);
    let keys = parse_edge_keys(&text).keys;
    if keys.is_empty() {
        return false;
    }
    // The first, middle and last keys (every one would make the check quadratic).
    for key in [&keys[0], &keys[keys.len() / 2], &keys[keys.len() - 1]] {
        let p = authorize(&keys, &key.sha256).expect("every listed hash is authorized");
        assert_json_body(
            respond::key_permissions(p).body.as_deref(),
            "a key's permissions",
        );
    }
    true
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bearer(input: &[u8]) -> bool {
    let header = Some(text(input).into_owned());
    let Some(key) = waapi_edge::bearer(&header) else {
        return false;
    };
    let keys = parse_edge_keys(&format!("{}:read", hex(&Sha256::digest(EDGE_KEY)))).keys;
    assert_eq!(keys.len(), 1, "a valid EDGE_KEYS");
    let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let permissions = authorize(&keys, &hash);
    assert_eq!(permissions.is_some(), key == EDGE_KEY);
    true
}

/// `NAME=value` lines; the first line of a name counts.
fn settings(input: &[u8]) -> bool {
    let text = text(input);
    let s = Settings::from_vars(|name| {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.replace("\\n", "\n"))
    });
    !s.keys.is_empty() && s.client.is_ok()
}

fn passed(input: &[u8]) -> bool {
    let body = text(input);
    let status = [200, 201, 400, 404, 422][choose(input, 0, 5)];
    let replies = [
        passed_on(status, &body, TOKEN, Some(SELF_URL)),
        in_band_error(status, &body, TOKEN),
    ];
    let mut accepted = false;
    for reply in replies.into_iter().flatten() {
        let body = reply.body.expect("a body");
        assert!(!body.contains(TOKEN), "the token passed on: {body:.200}");
        assert_json_body(Some(&body), "a body passed on");
        accepted = true;
    }
    accepted
}

// ---- seeds ----

/// One seed per line; `\n` in a line stands for a line break.
fn lines(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .map(|l| l.replace("\\n", "\n").into_bytes())
        .collect()
}

fn envelope_seeds() -> Vec<Vec<u8>> {
    lines(include_str!("../corpus/envelopes.jsonl"))
}

/// Each error body (and envelope) under each status a decoder tells apart.
fn error_seeds() -> Vec<Vec<u8>> {
    const HEADS: &[&str] = &[
        "400 create",
        "401 list",
        "403 create",
        "404 get",
        "404 action",
        "409 action",
        "409 get",
        "418 list",
        "422 create",
        "429 action 7",
        "429 list",
        "500 get",
        "503 action",
    ];
    let mut bodies = lines(include_str!("../corpus/errors.jsonl"));
    bodies.extend(envelope_seeds());
    let mut seeds = Vec::new();
    for body in &bodies {
        for head in HEADS {
            let mut seed = format!("{head}\n").into_bytes();
            seed.extend_from_slice(body);
            seeds.push(seed);
        }
    }
    seeds
}

fn webhook_seeds() -> Vec<Vec<u8>> {
    lines(include_str!("../corpus/webhooks.jsonl"))
}

fn all_json_seeds() -> Vec<Vec<u8>> {
    let mut seeds = lines(include_str!("../corpus/errors.jsonl"));
    seeds.extend(envelope_seeds());
    seeds.extend(webhook_seeds());
    seeds.extend(lines(include_str!("../corpus/updates.jsonl")));
    seeds
}

/// A value of `p`'s kind (as the validator's own tests make them).
fn sample(p: &Param, n: usize) -> Json<'static> {
    let text = || Json::from(format!("{}-value", p.name));
    match p.kind {
        Kind::String | Kind::StringOrStrings => text(),
        Kind::IntegerOrString => Json::from(1_788_550_000_i64),
        Kind::Integer => Json::from(100 + n as i64),
        Kind::Number => Json::from(n as f64 + 0.5),
        Kind::Boolean => Json::Bool(n.is_multiple_of(2)),
        Kind::Object => Json::Object(vec![(p.name.into(), text())]),
        Kind::Array | Kind::Strings => Json::Array(vec![text()]),
        Kind::Integers => Json::Array(vec![Json::from(n as i64)]),
        Kind::Objects => Json::Array(vec![Json::Object(vec![(p.name.into(), text())])]),
    }
}

/// Every action with all its parameters, and with the required ones only.
fn action_param_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for a in CATALOGUE {
        for required_only in [false, true] {
            let params = Json::Object(
                a.params
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.required || !required_only)
                    .map(|(n, p)| (p.name.into(), sample(p, n)))
                    .collect(),
            );
            seeds.push(format!("{}\n{params}", a.name).into_bytes());
        }
    }
    seeds
}

/// Every action's name over a payload in each of §1's shapes (E5 nested, E6 flat, E7).
fn action_answer_seeds() -> Vec<Vec<u8>> {
    const PAYLOADS: &[&str] = &[
        r#"{"_data":{"id":{"fromMe":true,"remote":"49@c.us","id":"3EB0","_serialized":"true_49@c.us_3EB0"},"body":"Hi","type":"chat","t":1788550000,"ack":1},"id":{"_serialized":"true_49@c.us_3EB0"},"ack":1,"hasMedia":false,"body":"Hi","timestamp":1788550000}"#,
        r#"[{"id":{"server":"c.us","user":"49","_serialized":"49@c.us"},"name":"Erika","unreadCount":"2","isGroup":0,"pinned":true,"archived":false,"timestamp":1788550000}]"#,
        r#"{"chatArchived":true,"isRegisteredUser":true,"countryCode":"49","formattedNumber":"+49 151 12345678","_serialized":"49@c.us"}"#,
        r#"[]"#,
        r#"true"#,
        r#"null"#,
    ];
    let mut seeds = Vec::new();
    for (n, a) in CATALOGUE.iter().enumerate() {
        let p = PAYLOADS[n % PAYLOADS.len()];
        for body in [
            format!(
                r#"{{"status":"success","data":{{"status":"success","instanceId":"1","data":{p}}},"links":{{"self":"u"}}}}"#
            ),
            format!(r#"{{"status":"success","instanceId":"1","data":{p}}}"#),
            format!(r#"{{"data":{p},"links":{{"self":"u"}},"status":"success"}}"#),
        ] {
            seeds.push(format!("{}\n{body}", a.name).into_bytes());
        }
    }
    seeds
}

fn bearer_seeds() -> Vec<Vec<u8>> {
    [
        "Bearer edge-key-read",
        "bearer   edge-key-read  ",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwdw==",
        "Bearer a b",
        "BEARER edge-key-readx",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn settings_seeds() -> Vec<Vec<u8>> {
    let keys = lines(include_str!("../corpus/edge-keys.txt"));
    keys.iter()
        .map(|k| {
            format!(
                "EDGE_KEYS={}\nWAAPI_TOKEN=t0ken\nWAAPI_BASE_URL=http://127.0.0.1:8080/api/v1\nCACHE_TTL_MS=5000\nUPSTREAM_TIMEOUT_MS=250\nALLOWED_ORIGINS=https://a.example/, http://b.example:8080\nWEBHOOK_SECRET={SECRET}\nEVENTS_KEEP_ALIVE_MS=200",
                String::from_utf8_lossy(k).replace('\n', "\\n")
            )
            .into_bytes()
        })
        .collect()
}

fn passed_on_seeds() -> Vec<Vec<u8>> {
    let mut seeds = envelope_seeds();
    for body in [
        format!(r#"{{"status":"error","message":"bad token {TOKEN}","instanceId":"1"}}"#),
        format!(
            r#"{{"status":"success","data":{{"{TOKEN}":"\u0066uzzTOKEN8d3b71"}},"links":{{"self":"https://waapi.app/?t={TOKEN}"}}}}"#
        ),
        format!(
            r#"{{"status":"success","data":{{"status":"error","message":"{TOKEN}{TOKEN}","explanation":"x{TOKEN}"}}}}"#
        ),
    ] {
        seeds.push(body.into_bytes());
    }
    seeds
}

// ---- big inputs, for the size check ----

/// `head`, then `item(i)` joined by `,` until about `n` bytes, then `tail`.
fn repeat(n: usize, head: &str, item: impl Fn(usize) -> String, tail: &str) -> Vec<u8> {
    let mut out = String::with_capacity(n + 256);
    out.push_str(head);
    let mut i = 0;
    while out.len() < n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item(i));
        i += 1;
    }
    out.push_str(tail);
    out.into_bytes()
}

fn instance(i: usize) -> String {
    format!(
        r#"{{"id":{},"name":"Shop \"{i}\" \u00e9","owner":"o{i}@example.com","webhook_url":null,"webhook_events":["message","ready"],"is_trial":0}}"#,
        i + 1
    )
}

fn big_instance_list(n: usize) -> Vec<u8> {
    repeat(n, r#"{"instances":["#, instance, r#"],"status":"success"}"#)
}

fn big_field_errors(n: usize) -> Vec<u8> {
    let mut out = b"422 create\n".to_vec();
    out.extend(repeat(
        n,
        r#"{"message":"The given data was invalid.","errors":{"#,
        |i| format!(r#""field{i}":["The field{i} field is required.","Another \"reason\"."]"#),
        "}}",
    ));
    out
}

fn big_action_params(n: usize) -> Vec<u8> {
    let mut out = b"send-message\n".to_vec();
    out.extend(repeat(
        n,
        r#"{"chatId":"49@c.us","message":"hi","mentions":["#,
        |i| format!(r#""{i}@c.us""#),
        "]}",
    ));
    out
}

fn big_action_answer(n: usize) -> Vec<u8> {
    let mut out = b"get-chats\n".to_vec();
    out.extend(repeat(
        n,
        r#"{"status":"success","instanceId":"1","data":["#,
        |i| format!(r#"{{"id":{{"_serialized":"{i}@c.us"}},"name":"Chat {i}","unreadCount":"{i}","isGroup":0,"pinned":true,"timestamp":1788550000}}"#),
        "]}",
    ));
    out
}

fn big_webhook(n: usize) -> Vec<u8> {
    // Half a long text with escapes, half many members the crate does not know.
    let body = "Is my order on the way? \\\"\\u00e9\\n".repeat(n / 64 + 1);
    repeat(
        n,
        &format!(
            r#"{{"event":"message","instanceId":"7","data":{{"message":{{"id":{{"_serialized":"false_49@c.us_3EB0"}},"body":"{body}","from":"49@c.us","#
        ),
        |i| format!(r#""x{i}":[{i},{{"y":null}}]"#),
        "}}}",
    )
}

fn big_retry_after(n: usize) -> Vec<u8> {
    format!("Sun,{}06 Nov 1994 08:49:37 GMT", " ".repeat(n)).into_bytes()
}

fn big_url(n: usize) -> Vec<u8> {
    format!("https://example.com/{}", "a%20b".repeat(n / 5)).into_bytes()
}

fn big_route(n: usize) -> Vec<u8> {
    repeat(
        n,
        &format!("GET /api/v1/instances{}?", "/1".repeat(n / 4)),
        |i| format!("filter=a%20b+{i}"),
        "",
    )
    .into_iter()
    .map(|b| if b == b',' { b'&' } else { b })
    .collect()
}

fn big_update(n: usize) -> Vec<u8> {
    repeat(
        n,
        r#"{"name":"Support","webhook":{"url":"https://h.example/x","events":["#,
        |i| format!(r#""event_{}""#, i % 1000),
        "]}}",
    )
}

fn big_edge_keys(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 128);
    let mut i: u64 = 0;
    while out.len() < n {
        out.extend(format!("{:064x}:create, read,update,delete;\n", i).into_bytes());
        i += 1;
    }
    out
}

fn big_settings(n: usize) -> Vec<u8> {
    let keys = String::from_utf8(big_edge_keys(n / 2))
        .expect("ASCII")
        .replace('\n', "\\n");
    let origins: String = (0..n / 40)
        .map(|i| format!("https://o{i}.example/,"))
        .collect();
    format!(
        "EDGE_KEYS={keys}\nWAAPI_TOKEN=t0ken\nALLOWED_ORIGINS={origins}\nWEBHOOK_SECRET={SECRET}"
    )
    .into_bytes()
}

fn big_passed_on(n: usize) -> Vec<u8> {
    repeat(
        n,
        r#"{"status":"success","links":{"self":"u"},"data":["#,
        |i| format!(r#"{{"m":"token {TOKEN} #{i}","\u0066uzzTOKEN8d3b71":[{i}]}}"#),
        "]}",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_accepts_some_of_its_seeds_and_its_big_input() {
        for t in TARGETS {
            let seeds = (t.seeds)();
            let accepted = seeds.iter().filter(|s| (t.run)(s)).count();
            assert!(accepted > 0, "{}: no seed is accepted", t.name);
            let big = (t.big)(64 * 1024);
            assert!(big.len() >= 64 * 1024, "{}: big input too small", t.name);
            assert_eq!((t.run)(&big), t.big_accepted, "{}: big input", t.name);
        }
    }

    #[test]
    fn the_answer_table_follows_src_actions_rs() {
        // `-> Result<T, Error> {` then `self.call(place, "name", …)` on the next line.
        let source = include_str!("../../src/actions.rs");
        let mut declared = Vec::new();
        let mut lines = source.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(t) = line
                .split_once("-> Result<")
                .and_then(|(_, rest)| rest.strip_suffix(", Error> {"))
            else {
                continue;
            };
            let Some(name) = lines
                .peek()
                .and_then(|next| next.trim().strip_prefix("self.call("))
                .and_then(|rest| rest.split_once(", \""))
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(name, _)| name)
            else {
                continue;
            };
            declared.push((name.to_owned(), t.replace(' ', "")));
        }
        assert_eq!(declared.len(), CATALOGUE.len());
        let table: Vec<(String, String)> = ANSWERS
            .iter()
            .map(|(n, t, _)| ((*n).to_owned(), t.replace(' ', "")))
            .collect();
        assert_eq!(table, declared);
    }

    #[test]
    fn queries_decode_as_url_search_params_do() {
        assert_eq!(
            search_params("a=1&&b=x+y%20z&c&d=%zz%4"),
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), String::new()),
                ("d".into(), "%zz%4".into())
            ]
        );
        assert_eq!(search_params("e=%C3%A9%ff")[0].1, "é\u{FFFD}");
    }
}
