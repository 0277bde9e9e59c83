//! The edge's settings, read from the worker's `env`: secrets `WAAPI_TOKEN`, `EDGE_KEYS` and
//! `WEBHOOK_SECRET`, vars `WAAPI_BASE_URL`, `CACHE_TTL_MS`, `ALLOWED_ORIGINS`, `CONNECT_SRC`,
//! `IMG_SRC`, `MAX_UPSTREAM_BYTES`, `EDGE_WEBHOOK_HOSTS`, `EDGE_ALLOW_PRIVATE_WEBHOOKS` (and
//! `UPSTREAM_TIMEOUT_MS`, `EVENTS_KEEP_ALIVE_MS` for tests).

use waapi_wasm::request::check_webhook_url;
use waapi_wasm::{Client, Options, Permission};

use crate::events::{KEEP_ALIVE_MS, MIN_SECRET_CHARS, RECEIVER_PATH};

pub const DEFAULT_BASE_URL: &str = "https://waapi.app/api/v1";
pub const DEFAULT_CACHE_TTL_MS: u64 = 5_000;
/// Each upstream attempt; a worker should answer well before a person gives up.
pub const UPSTREAM_TIMEOUT_MS: u32 = 10_000;
pub const UPSTREAM_RETRIES: u32 = 1;
/// Request bodies above this are refused with 413 (an instance update is a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// A client action's body (send-media may carry a file as base64).
pub const MAX_ACTION_BODY_BYTES: usize = 1024 * 1024;
/// How far past its limit a refused body is still read (and dropped): enough for a client to
/// see the 413 on an orderly connection, little enough to bound the work.
pub const MAX_DRAIN_BYTES: usize = 1024 * 1024;

/// The largest WaAPI answer the edge reads (`MAX_UPSTREAM_BYTES`): a Worker isolate has 128 MB,
/// and an answer is held about three times over (the chunks, wasm's copy, the reply). No
/// instance answer comes near it; raise it for actions that carry media (`download-media`).
pub const DEFAULT_MAX_UPSTREAM_BYTES: u32 = 4 << 20;

/// The four permissions, as a set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permissions(u8);

impl Permissions {
    fn bit(p: Permission) -> u8 {
        match p {
            Permission::Create => 1,
            Permission::Read => 2,
            Permission::Update => 4,
            Permission::Delete => 8,
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }

    /// The names of the permissions in the set, in WaAPI's order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        [
            Permission::Create,
            Permission::Read,
            Permission::Update,
            Permission::Delete,
        ]
        .into_iter()
        .filter(move |p| self.allows(*p))
        .map(Permission::as_str)
    }

    /// `create,read,update,delete` or any non-empty subset.
    pub fn parse(list: &str) -> Option<Permissions> {
        let mut set = 0;
        for word in list.split(',').map(str::trim) {
            set |= Self::bit(match word {
                "create" => Permission::Create,
                "read" => Permission::Read,
                "update" => Permission::Update,
                "delete" => Permission::Delete,
                _ => return None,
            });
        }
        Some(Permissions(set))
    }
}

/// One caller key: the SHA-256 of the key (never the key itself) and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeKey {
    pub sha256: [u8; 32],
    pub permissions: Permissions,
}

/// `EDGE_KEYS`, read: the well-formed entries, and for each malformed one a line for the log
/// that names its position and what is wrong, never its text (it may hold a key pasted in the
/// wrong place).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EdgeKeys {
    pub keys: Vec<EdgeKey>,
    pub problems: Vec<String>,
}

/// Parses `EDGE_KEYS`: entries `<sha256 hex>:<permissions>` separated by `;` or new lines,
/// numbered from 1 as written (empty ones are skipped but counted).
pub fn parse_edge_keys(text: &str) -> EdgeKeys {
    let mut out = EdgeKeys::default();
    for (n, entry) in text.split([';', '\n']).map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        match parse_entry(entry) {
            Ok(key) => out.keys.push(key),
            Err(why) => out
                .problems
                .push(format!("EDGE_KEYS entry {} is malformed: {why}", n + 1)),
        }
    }
    out
}

fn parse_entry(entry: &str) -> Result<EdgeKey, &'static str> {
    let (hash, permissions) = entry
        .split_once(':')
        .ok_or("it has no ':' between the hash and the permissions")?;
    let sha256 = parse_hex32(hash.trim()).ok_or("it does not start with 64 hex digits")?;
    let permissions = Permissions::parse(permissions)
        .ok_or("its permissions are not a list of create, read, update and delete")?;
    Ok(EdgeKey {
        sha256,
        permissions,
    })
}

fn parse_hex32(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// The permissions of the key whose hash is `sha256`. Every entry is compared in full, in
/// constant time, so the time taken says nothing about how close a guess came.
pub fn authorize(keys: &[EdgeKey], sha256: &[u8; 32]) -> Option<Permissions> {
    let mut found = None;
    for key in keys {
        let diff = key
            .sha256
            .iter()
            .zip(sha256)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            found = Some(key.permissions);
        }
    }
    found
}

/// Origins allowed to call the API cross-origin (`ALLOWED_ORIGINS`, comma-separated).
pub fn parse_origins(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n'])
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where an update key may point an instance's webhooks (it then receives every message).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// `EDGE_WEBHOOK_HOSTS`: the only hosts allowed (lowercase); empty means any public host.
    pub hosts: Vec<String>,
    /// `EDGE_ALLOW_PRIVATE_WEBHOOKS=true`: the edge's own receiver may be on a loopback or
    /// private host (a local edge); every other URL stays public.
    pub allow_private_receiver: bool,
}

impl WebhookPolicy {
    /// Whether a webhook may go to `url`, for an edge whose origin is `own_origin`; `Err` is
    /// the sentence for the 400. The package's check comes first (link-local and metadata
    /// hosts never; loopback and private ones only for the edge's own receiver, and only when
    /// the operator allowed it); then the allow-list, which the edge's own receiver passes.
    /// The origin comes from the request, which a caller can shape (`Host`): so it exempts
    /// from the allow-list, never from the private check unless the operator turned that on.
    pub fn check(&self, url: &str, own_origin: &str) -> Result<(), String> {
        let own = url
            .strip_prefix(own_origin)
            .and_then(|rest| rest.strip_prefix(RECEIVER_PATH))
            .is_some_and(|secret| {
                !secret.is_empty()
                    && secret
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_~".contains(&b))
            });
        check_webhook_url(url, own && self.allow_private_receiver)
            .map_err(|e| e.message().to_owned())?;
        if own || self.hosts.is_empty() {
            return Ok(());
        }
        let host = url_host(url).to_ascii_lowercase();
        let host = host.strip_suffix('.').unwrap_or(&host);
        if self.hosts.iter().any(|h| h == host) {
            Ok(())
        } else {
            Err(
                "This edge sends webhooks only to the hosts its operator listed \
                 (EDGE_WEBHOOK_HOSTS); this URL's host is not one of them."
                    .into(),
            )
        }
    }
}

/// The host of a URL that passed the package's check (`scheme://host[:port]/…`, no user
/// info), IPv6 with its brackets.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => host,
        _ => authority,
    }
}

/// `EDGE_WEBHOOK_HOSTS`: host names separated by commas, spaces or new lines.
pub fn parse_hosts(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n'])
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// Everything the edge reads from `env`, parsed once per isolate. A setting that is missing
/// or wrong is kept as the sentence the operator will see in a 500.
pub struct Settings {
    /// The well-formed entries of `EDGE_KEYS` (a malformed one is left out, never the rest).
    pub keys: Vec<EdgeKey>,
    /// Why the edge cannot work at all (no token, no key), and what is wrong in `EDGE_KEYS`:
    /// for the log only. Callers get a fixed sentence.
    pub problems: Vec<String>,
    pub webhooks: WebhookPolicy,
    pub client: Result<Client, String>,
    /// Only to redact it from WaAPI's bodies the edge passes on; never written anywhere.
    pub token: String,
    pub allowed_origins: Vec<String>,
    pub cache_ttl_ms: u64,
    /// Extra origins for the dashboard's CSP `connect-src`.
    pub connect_src: String,
    /// Extra sources for its `img-src` (`IMG_SRC`), e.g. a test fake's picture host.
    pub img_src: String,
    /// The last segment of the webhook receiver's path; `Err` says why there is none (the
    /// receiver then answers 404 to everything). Never written anywhere.
    pub webhook_secret: Result<String, String>,
    /// How often an open event stream gets a keep-alive comment.
    pub keep_alive_ms: u64,
}

impl Settings {
    /// Reads the settings through `var`, which answers a var's or secret's text.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Settings {
        let number = |name: &str| var(name).and_then(|v| waapi_wasm::json::parse_u64(v.trim()));
        let keys_text = var("EDGE_KEYS");
        let parsed = parse_edge_keys(keys_text.as_deref().unwrap_or_default());
        let mut problems = parsed.problems;
        if keys_text.is_none() {
            problems.push("EDGE_KEYS is not set".into());
        } else if parsed.keys.is_empty() {
            problems.push("EDGE_KEYS has no well-formed entry".into());
        }
        let token = var("WAAPI_TOKEN").unwrap_or_default();
        let client = match var("WAAPI_TOKEN") {
            None => Err("WAAPI_TOKEN is not set.".to_owned()),
            Some(token) => {
                let client = Client::with_options(
                    token,
                    Options::default()
                        .base_url(var("WAAPI_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.into()))
                        .timeout_ms(
                            number("UPSTREAM_TIMEOUT_MS")
                                .and_then(|n| u32::try_from(n).ok())
                                .unwrap_or(UPSTREAM_TIMEOUT_MS),
                        )
                        .max_retries(UPSTREAM_RETRIES)
                        .max_response_bytes(
                            number("MAX_UPSTREAM_BYTES")
                                .and_then(|n| u32::try_from(n).ok())
                                .unwrap_or(DEFAULT_MAX_UPSTREAM_BYTES),
                        )
                        // The edge checks webhook URLs itself (`WebhookPolicy`).
                        .allow_private_webhook_hosts(true),
                );
                client
                    .validate()
                    .map(|()| client)
                    .map_err(|e| e.message().to_owned())
            }
        };
        Settings {
            keys: parsed.keys,
            problems,
            webhooks: WebhookPolicy {
                hosts: parse_hosts(&var("EDGE_WEBHOOK_HOSTS").unwrap_or_default()),
                allow_private_receiver: var("EDGE_ALLOW_PRIVATE_WEBHOOKS")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            },
            client,
            token,
            allowed_origins: parse_origins(&var("ALLOWED_ORIGINS").unwrap_or_default()),
            cache_ttl_ms: number("CACHE_TTL_MS").unwrap_or(DEFAULT_CACHE_TTL_MS),
            connect_src: var("CONNECT_SRC").unwrap_or_default(),
            img_src: var("IMG_SRC").unwrap_or_default(),
            webhook_secret: match var("WEBHOOK_SECRET") {
                None => Err("WEBHOOK_SECRET is not set".into()),
                Some(s) if s.chars().count() < MIN_SECRET_CHARS => Err(format!(
                    "WEBHOOK_SECRET is shorter than {MIN_SECRET_CHARS} characters"
                )),
                Some(s) => Ok(s),
            },
            keep_alive_ms: number("EVENTS_KEEP_ALIVE_MS")
                .filter(|n| *n > 0)
                .unwrap_or(KEEP_ALIVE_MS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H1: &str = "3f2a000000000000000000000000000000000000000000000000000000000001";
    const H2: &str = "9BC1000000000000000000000000000000000000000000000000000000000002";

    #[test]
    fn parses_entries_and_permissions() {
        let parsed = parse_edge_keys(&format!(" {H1}:read ;\n{H2}:create, read,update,delete;"));
        assert!(parsed.problems.is_empty());
        let keys = parsed.keys;
        assert_eq!(keys.len(), 2);
        assert!(keys[0].permissions.allows(Permission::Read));
        assert!(!keys[0].permissions.allows(Permission::Create));
        assert!([
            Permission::Create,
            Permission::Read,
            Permission::Update,
            Permission::Delete
        ]
        .iter()
        .all(|p| keys[1].permissions.allows(*p)));
        assert_eq!(keys[1].sha256[0], 0x9b);
    }

    #[test]
    fn a_bad_entry_is_named_by_position_never_quoted_and_the_rest_still_work() {
        for bad in [
            "abc:read",
            H1,
            &format!("{H1}:write"),
            &format!("{H1}:read,wek_pasted-key-123"),
            &format!("{H1}:"),
            &format!("{}:read", &H1[..63]),
        ] {
            let parsed = parse_edge_keys(&format!("{H2}:read;;{bad};{H2}:delete"));
            assert_eq!(parsed.keys.len(), 2, "{bad:?}");
            assert_eq!(parsed.problems.len(), 1, "{bad:?}");
            let line = &parsed.problems[0];
            assert!(
                line.starts_with("EDGE_KEYS entry 3 is malformed: "),
                "{line}"
            );
            let words = ["create", "read", "update", "delete"];
            for part in bad
                .split([':', ','])
                .filter(|p| p.len() > 2 && !words.contains(p))
            {
                assert!(!line.contains(part), "{line} quotes {part}");
            }
        }
        assert_eq!(parse_edge_keys(" ;\n"), EdgeKeys::default());
    }

    #[test]
    fn authorizes_only_an_exact_hash() {
        let keys = parse_edge_keys(&format!("{H1}:read;{H2}:delete")).keys;
        assert_eq!(authorize(&keys, &keys[1].sha256), Some(keys[1].permissions));
        let mut near = keys[0].sha256;
        near[31] ^= 1;
        assert_eq!(authorize(&keys, &near), None);
    }

    #[test]
    fn settings_from_vars() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            Settings::from_vars(move |name| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        let s = vars(&[
            ("EDGE_KEYS", H1),
            ("WAAPI_TOKEN", "t"),
            ("CACHE_TTL_MS", "0"),
            ("UPSTREAM_TIMEOUT_MS", "250"),
        ]);
        assert!(s.keys.is_empty(), "an entry needs permissions");
        assert_eq!(
            s.problems,
            [
                "EDGE_KEYS entry 1 is malformed: it has no ':' between the hash and the permissions",
                "EDGE_KEYS has no well-formed entry"
            ]
        );
        let client = s.client.as_ref().unwrap();
        assert_eq!(client.options().base_url, DEFAULT_BASE_URL);
        assert_eq!(client.options().timeout_ms, 250);
        assert_eq!(client.options().max_response_bytes, 4 << 20);
        assert_eq!(s.cache_ttl_ms, 0);
        let empty = vars(&[]);
        assert_eq!(empty.problems, ["EDGE_KEYS is not set"]);
        assert_eq!(empty.webhooks, WebhookPolicy::default());
        assert_eq!(empty.client.unwrap_err(), "WAAPI_TOKEN is not set.");
        assert_eq!(empty.cache_ttl_ms, DEFAULT_CACHE_TTL_MS);
        assert_eq!(
            empty.webhook_secret.unwrap_err(),
            "WEBHOOK_SECRET is not set"
        );
        assert_eq!(empty.keep_alive_ms, 15_000);
        let short = vars(&[("WEBHOOK_SECRET", "123456789012345")]);
        assert!(short
            .webhook_secret
            .unwrap_err()
            .contains("shorter than 16"));
        let long = vars(&[
            ("WEBHOOK_SECRET", "1234567890123456"),
            ("EVENTS_KEEP_ALIVE_MS", "200"),
        ]);
        assert_eq!(long.webhook_secret.as_deref(), Ok("1234567890123456"));
        assert_eq!(long.keep_alive_ms, 200);
        let bad = vars(&[("WAAPI_TOKEN", "t"), ("WAAPI_BASE_URL", "waapi.app")]);
        assert!(bad
            .client
            .unwrap_err()
            .starts_with("The base URL must be an absolute http(s) URL"));
    }

    #[test]
    fn webhook_policy() {
        let own = "http://127.0.0.1:8787";
        let open = WebhookPolicy::default();
        assert!(open.check("https://hooks.example.com/x", own).is_ok());
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:22/",
            "http://10.0.0.1/",
            "http://localhost/",
            "http://127.0.0.1:8787/webhooks/waapi/0123456789abcdef",
        ] {
            assert!(open.check(url, own).is_err(), "{url}");
        }
        let local = WebhookPolicy {
            hosts: parse_hosts("Hooks.Example.com., other.example"),
            allow_private_receiver: true,
        };
        assert_eq!(local.hosts, ["hooks.example.com", "other.example"]);
        assert!(local
            .check("http://127.0.0.1:8787/webhooks/waapi/0123456789abcdef", own)
            .is_ok());
        for url in [
            "http://127.0.0.1:8787/webhooks/waapi/",
            "http://127.0.0.1:8787/webhooks/waapi/../../x",
            "http://127.0.0.1:8787/webhooks/waapi/a/b",
            "http://127.0.0.1:8787/webhooks/other/abc",
            "http://127.0.0.1:22/webhooks/waapi/abc",
            "http://127.0.0.1:8787@evil.example/webhooks/waapi/abc",
            "http://127.0.0.1/",
        ] {
            assert!(local.check(url, own).is_err(), "{url}");
        }
        assert!(local.check("https://HOOKS.example.com./in", own).is_ok());
        assert!(local.check("https://other.example:8443/in", own).is_ok());
        assert!(local
            .check("https://hooks.example.com.evil.example/", own)
            .is_err());
        let e = local.check("https://elsewhere.example/", own).unwrap_err();
        assert!(e.contains("EDGE_WEBHOOK_HOSTS"), "{e}");
        // Metadata hosts stay refused whatever the policy, the own origin included.
        let meta = "http://169.254.169.254";
        assert!(local
            .check(&format!("{meta}/webhooks/waapi/abc"), meta)
            .is_err());
        // A public edge's own receiver passes the allow-list.
        assert!(local
            .check(
                "https://edge.example/webhooks/waapi/abc",
                "https://edge.example"
            )
            .is_ok());
    }

    #[test]
    fn origins() {
        assert_eq!(
            parse_origins(" https://a.example/, http://b.example:8080 "),
            ["https://a.example", "http://b.example:8080"]
        );
        assert!(parse_origins("").is_empty());
    }
}
