//! Webhooks in, events out: what the receiver accepts, how a stored event and a page of them
//! are written, the query of the events API, and the limits. No I/O: the Durable Object
//! `InstanceEvents` (`src/events.js`) stores the rows and calls the `#[wasm_bindgen]` exports
//! here to write them; [`crate::handle`] calls the rest.

use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;

use waapi_wasm::json::{parse_u64, write_str, Json};
use waapi_wasm::request::MAX_SAFE_INTEGER;

/// A webhook body above this is refused with 413 (WaAPI's messages are a few KiB).
pub const MAX_WEBHOOK_BYTES: usize = 256 * 1024;
/// Events each instance keeps; the oldest go first.
pub const KEEP_EVENTS: u64 = 1_000;
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 500;
/// Open streams per instance; one more is refused with 429.
pub const MAX_STREAMS: u32 = 64;
/// A comment on every open stream this often, so that proxies keep it open.
pub const KEEP_ALIVE_MS: u64 = 15_000;
/// A secret shorter than this is not used: the receiver then answers 404 to everything.
pub const MIN_SECRET_CHARS: usize = 16;

/// Whether `given` (the last segment of the receiver's path) is the worker's `WEBHOOK_SECRET`.
/// Both sides are hashed first and every byte of the hashes compared, so the time taken says
/// nothing about the secret's length or how close a guess came. No secret set: never.
pub fn secret_matches(given: &str, secret: Option<&str>) -> bool {
    let Some(secret) = secret else {
        return false;
    };
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(secret.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// How the webhook secret is shown in every answer of the edge: the receiver's URL is an
/// instance's `webhook_url`, which WaAPI answers to anyone with `read`.
pub const SECRET_SHOWN: &str = "[redacted]";
/// The receiver's path, before the secret.
pub const RECEIVER_PATH: &str = "/webhooks/waapi/";

/// `text` with every occurrence of the secret replaced by [`SECRET_SHOWN`]; `None` when it
/// holds none (the common case: no copy).
pub fn hide_secret(text: &str, secret: &str) -> Option<String> {
    (!secret.is_empty() && text.contains(secret)).then(|| text.replace(secret, SECRET_SHOWN))
}

/// A webhook URL a caller sends in an update. The edge's own receiver with the secret shown as
/// [`SECRET_SHOWN`] (as a read of the instance gives it: a dashboard saving a rename sends it
/// back) gets the real secret put back; any other URL is passed on as it is. Only the edge's own
/// origin: put into a URL elsewhere, the secret would be sent to that host with every event.
pub fn restore_secret(url: &str, own_origin: &str, secret: &str) -> String {
    let shown = url
        .strip_prefix(own_origin)
        .and_then(|rest| rest.strip_prefix(RECEIVER_PATH));
    match shown {
        Some(SECRET_SHOWN) => format!("{own_origin}{RECEIVER_PATH}{secret}"),
        _ => url.to_owned(),
    }
}

/// A webhook the receiver accepted: the instance it is about and the record to store,
/// `{"event":…,"instanceId":<int>,"data":…}` in canonical JSON (`data` only when sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub instance_id: u64,
    pub record: String,
}

/// Reads a webhook body: a JSON object with a string `event` and an `instanceId` (a whole
/// number or a numeric string, 1 to 2^53 − 1). `Err` is the sentence for the 400.
pub fn incoming(body: &[u8]) -> Result<Incoming, String> {
    let text = std::str::from_utf8(body).map_err(|_| "The body is not UTF-8 text.".to_owned())?;
    let json = Json::parse(text).map_err(|e| format!("The body is not JSON ({e})."))?;
    if !json.is_object() {
        return Err("The body must be a JSON object.".into());
    }
    let event = match json.get("event") {
        Some(Json::String(e)) if !e.is_empty() => e,
        _ => return Err("The body needs \"event\", a non-empty string.".into()),
    };
    let id = match json.get("instanceId") {
        Some(Json::Number(n) | Json::String(n)) => parse_u64(n),
        _ => None,
    }
    .filter(|n| (1..=MAX_SAFE_INTEGER).contains(n))
    .ok_or_else(|| {
        "The body needs \"instanceId\", a whole number from 1 (or such a number as a string)."
            .to_owned()
    })?;
    let mut record = String::from("{\"event\":");
    write_str(&mut record, event);
    record.push_str(",\"instanceId\":");
    record.push_str(&id.to_string());
    if let Some(data) = json.get("data") {
        record.push_str(",\"data\":");
        data.write(&mut record);
    }
    record.push('}');
    Ok(Incoming {
        instance_id: id,
        record,
    })
}

/// `after` and `limit` of `GET …/events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub after: u64,
    pub limit: u64,
}

/// Reads `?after={seq}&limit={n}`: `after` 0 or more (default 0), `limit` 1 to 500 (default
/// 100), nothing else, nothing twice.
pub fn page_query(query: &[(String, String)]) -> Result<Page, String> {
    let mut after = None;
    let mut limit = None;
    for (key, value) in query {
        let slot = match key.as_str() {
            "after" => &mut after,
            "limit" => &mut limit,
            _ => {
                return Err(format!(
                    "Unknown query parameter \"{key}\"; the parameters are after and limit."
                ))
            }
        };
        if slot.is_some() {
            return Err(format!("The query parameter \"{key}\" is given twice."));
        }
        *slot = Some(value.as_str());
    }
    let after = after.map(parse_seq).transpose()?.unwrap_or(0);
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(text) => parse_u64(text)
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| format!("limit must be a whole number from 1 to {MAX_LIMIT}."))?,
    };
    Ok(Page { after, limit })
}

/// Reads the stream's start: `?after={seq}` and the `Last-Event-ID` header a reconnecting
/// client sends; when both are given the later one wins, so nothing is sent twice.
pub fn stream_after(
    query: &[(String, String)],
    last_event_id: Option<&str>,
) -> Result<u64, String> {
    let mut after = None;
    for (key, value) in query {
        if key != "after" || after.is_some() {
            return Err(format!(
                "Unknown or repeated query parameter \"{key}\"; only after is accepted."
            ));
        }
        after = Some(parse_seq(value)?);
    }
    let resumed = match last_event_id.map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(
            parse_u64(id)
                .filter(|n| *n <= MAX_SAFE_INTEGER)
                .ok_or_else(|| "Last-Event-ID must be an event's seq.".to_owned())?,
        ),
    };
    Ok(after.unwrap_or(0).max(resumed.unwrap_or(0)))
}

fn parse_seq(text: &str) -> Result<u64, String> {
    parse_u64(text)
        .filter(|n| *n <= MAX_SAFE_INTEGER)
        .ok_or_else(|| "after must be an event's seq (a whole number, 0 or more).".to_owned())
}

/// The stored event: `{"seq":…,"receivedAt":…,` then the record's members.
#[wasm_bindgen]
pub fn event_json(seq: f64, received_at: &str, record: &str) -> String {
    let mut out = String::with_capacity(record.len() + 64);
    out.push_str("{\"seq\":");
    out.push_str(&(seq as u64).to_string());
    out.push_str(",\"receivedAt\":");
    write_str(&mut out, received_at);
    out.push(',');
    // A record is an object with at least `event`: its text is `{"event":…}`.
    out.push_str(record.strip_prefix('{').unwrap_or(record));
    out
}

/// The answer of `GET …/events`: the events (stored texts, oldest first) and `next`, the last
/// seq returned, or `after` when there is none.
#[wasm_bindgen]
pub fn events_page(events: Vec<String>, next: f64) -> String {
    let mut out = String::with_capacity(events.iter().map(|e| e.len() + 1).sum::<usize>() + 32);
    out.push_str("{\"events\":[");
    for (n, e) in events.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push_str("],\"next\":");
    out.push_str(&(next as u64).to_string());
    out.push('}');
    out
}

/// One Server-Sent Event: the seq as its id (what `Last-Event-ID` sends back), the stored
/// text as its data. The text is one line: the JSON writer escapes every line break.
#[wasm_bindgen]
pub fn sse_event(seq: f64, event: &str) -> String {
    format!("id: {}\ndata: {event}\n\n", seq as u64)
}

/// A comment line: clients ignore it, proxies see traffic.
#[wasm_bindgen]
pub fn sse_keep_alive() -> String {
    ": keep-alive\n\n".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_secret_is_hidden_in_answers_and_restored_only_for_the_own_receiver() {
        let secret = "whs_0123456789abcdef";
        let body = format!(r#"{{"webhook_url":"https://edge.example/webhooks/waapi/{secret}"}}"#);
        assert_eq!(
            hide_secret(&body, secret).as_deref(),
            Some(r#"{"webhook_url":"https://edge.example/webhooks/waapi/[redacted]"}"#)
        );
        assert_eq!(hide_secret(r#"{"name":"x"}"#, secret), None);
        assert_eq!(hide_secret("anything", ""), None);

        let origin = "https://edge.example";
        assert_eq!(
            restore_secret(
                "https://edge.example/webhooks/waapi/[redacted]",
                origin,
                secret
            ),
            format!("https://edge.example/webhooks/waapi/{secret}")
        );
        for other in [
            "https://evil.example/webhooks/waapi/[redacted]",
            "https://edge.example.evil/webhooks/waapi/[redacted]",
            "https://edge.example/webhooks/waapi/[redacted]/x",
            "https://edge.example/x/webhooks/waapi/[redacted]",
            "https://edge.example/webhooks/waapi/other",
            "https://hooks.example.com/[redacted]",
        ] {
            assert_eq!(restore_secret(other, origin, secret), other);
        }
    }

    #[test]
    fn the_secret_must_match_exactly() {
        let secret = Some("0123456789abcdef0123");
        assert!(secret_matches("0123456789abcdef0123", secret));
        for wrong in ["", "0123456789abcdef012", "0123456789abcdef01234", "x"] {
            assert!(!secret_matches(wrong, secret), "{wrong}");
        }
        assert!(!secret_matches("", None));
        assert!(!secret_matches("anything", None));
    }

    #[test]
    fn webhooks_are_read_tolerantly_and_stored_canonically() {
        let ok = |body: &str| incoming(body.as_bytes()).unwrap();
        assert_eq!(
            ok(r#"{"event":"message","instanceId":7,"data":{"message":{"body":"hi\nthere"}}}"#),
            Incoming {
                instance_id: 7,
                record:
                    r#"{"event":"message","instanceId":7,"data":{"message":{"body":"hi\nthere"}}}"#
                        .into()
            }
        );
        assert_eq!(
            ok(" {\"instanceId\": \"12\", \"event\": \"ready\", \"extra\": 1 } ").record,
            r#"{"event":"ready","instanceId":12}"#,
            "a numeric string, no data, other members dropped"
        );
        assert_eq!(
            ok(r#"{"event":"qr","instanceId":9007199254740991,"data":null}"#).record,
            r#"{"event":"qr","instanceId":9007199254740991,"data":null}"#
        );
    }

    #[test]
    fn malformed_webhooks_say_why() {
        let bad = |body: &[u8], want: &str| {
            let e = incoming(body).unwrap_err();
            assert!(e.contains(want), "{:?}: {e}", String::from_utf8_lossy(body));
        };
        bad(b"", "not JSON");
        bad(b"{", "not JSON");
        bad(b"\xff{}", "not UTF-8");
        bad(b"[]", "JSON object");
        bad(b"\"message\"", "JSON object");
        bad(br#"{"instanceId":1}"#, "\"event\"");
        bad(br#"{"event":"","instanceId":1}"#, "\"event\"");
        bad(br#"{"event":5,"instanceId":1}"#, "\"event\"");
        for id in [
            "0",
            "-1",
            "1.5",
            "1e3",
            "\"\"",
            "\"x\"",
            "\"-1\"",
            "\" 1\"",
            "9007199254740992",
            "\"99999999999999999999999\"",
            "null",
            "true",
            "[1]",
        ] {
            bad(
                format!(r#"{{"event":"message","instanceId":{id}}}"#).as_bytes(),
                "\"instanceId\"",
            );
        }
        bad(br#"{"event":"message"}"#, "\"instanceId\"");
        // Nesting deeper than the parser allows is refused, not a stack overflow.
        let deep = format!(
            r#"{{"event":"m","instanceId":1,"data":{}{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        bad(deep.as_bytes(), "not JSON");
    }

    #[test]
    fn page_queries() {
        assert_eq!(
            page_query(&[]),
            Ok(Page {
                after: 0,
                limit: 100
            })
        );
        assert_eq!(
            page_query(&q(&[("limit", "500"), ("after", "42")])),
            Ok(Page {
                after: 42,
                limit: 500
            })
        );
        for bad in [
            q(&[("limit", "0")]),
            q(&[("limit", "501")]),
            q(&[("limit", "")]),
            q(&[("limit", "-1")]),
            q(&[("limit", "1.5")]),
            q(&[("after", "x")]),
            q(&[("after", "-1")]),
            q(&[("after", "")]),
            q(&[("after", "9007199254740992")]),
            q(&[("after", "1"), ("after", "2")]),
            q(&[("since", "1")]),
        ] {
            assert!(page_query(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn streams_start_after_the_later_of_query_and_last_event_id() {
        assert_eq!(stream_after(&[], None), Ok(0));
        assert_eq!(stream_after(&q(&[("after", "5")]), None), Ok(5));
        assert_eq!(stream_after(&[], Some("17")), Ok(17));
        assert_eq!(stream_after(&q(&[("after", "5")]), Some("17")), Ok(17));
        assert_eq!(stream_after(&q(&[("after", "20")]), Some("17")), Ok(20));
        assert_eq!(stream_after(&[], Some(" ")), Ok(0));
        assert!(stream_after(&[], Some("x")).is_err());
        assert!(stream_after(&q(&[("after", "1"), ("after", "1")]), None).is_err());
        assert!(stream_after(&q(&[("limit", "1")]), None).is_err());
    }

    #[test]
    fn stored_events_pages_and_frames() {
        let e = event_json(
            3.0,
            "2026-12-02T14:50:04.123Z",
            r#"{"event":"ready","instanceId":1}"#,
        );
        assert_eq!(
            e,
            r#"{"seq":3,"receivedAt":"2026-12-02T14:50:04.123Z","event":"ready","instanceId":1}"#
        );
        assert!(Json::parse(&e).is_ok());
        assert_eq!(
            events_page(vec![e.clone(), e.clone()], 3.0),
            format!(r#"{{"events":[{e},{e}],"next":3}}"#)
        );
        assert_eq!(events_page(vec![], 9.0), r#"{"events":[],"next":9}"#);
        assert_eq!(sse_event(3.0, &e), format!("id: 3\ndata: {e}\n\n"));
        assert_eq!(
            event_json(
                9007199254740991.0,
                "t",
                "{\"event\":\"x\",\"instanceId\":2}"
            ),
            r#"{"seq":9007199254740991,"receivedAt":"t","event":"x","instanceId":2}"#
        );
    }
}
