//! The edge's settings, read from the worker's `env`: secrets `WAAPI_TOKEN`, `EDGE_KEYS` and
//! `WEBHOOK_SECRET`, vars `WAAPI_BASE_URL`, `CACHE_TTL_MS`, `ALLOWED_ORIGINS`, `CONNECT_SRC`
//! (and `UPSTREAM_TIMEOUT_MS`, `EVENTS_KEEP_ALIVE_MS` for tests).

use waapi_wasm::{Client, Options, Permission};

use crate::events::{KEEP_ALIVE_MS, MIN_SECRET_CHARS};

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
    pub fn parse(list: &str) -> Result<Permissions, String> {
        let mut set = 0;
        for word in list.split(',').map(str::trim) {
            set |= Self::bit(match word {
                "create" => Permission::Create,
                "read" => Permission::Read,
                "update" => Permission::Update,
                "delete" => Permission::Delete,
                other => return Err(format!("unknown permission \"{other}\"")),
            });
        }
        Ok(Permissions(set))
    }
}

/// One caller key: the SHA-256 of the key (never the key itself) and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeKey {
    pub sha256: [u8; 32],
    pub permissions: Permissions,
}

/// Parses `EDGE_KEYS`: entries `<sha256 hex>:<permissions>` separated by `;` or new lines.
pub fn parse_edge_keys(text: &str) -> Result<Vec<EdgeKey>, String> {
    let mut keys = Vec::new();
    for (n, entry) in text.split([';', '\n']).map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        let (hash, permissions) = entry
            .split_once(':')
            .ok_or_else(|| format!("entry {} has no ':' between hash and permissions", n + 1))?;
        let sha256 = parse_hex32(hash.trim())
            .ok_or_else(|| format!("entry {} does not start with 64 hex digits", n + 1))?;
        let permissions =
            Permissions::parse(permissions).map_err(|e| format!("entry {}: {e}", n + 1))?;
        keys.push(EdgeKey {
            sha256,
            permissions,
        });
    }
    if keys.is_empty() {
        return Err("no entries".into());
    }
    Ok(keys)
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

/// Everything the edge reads from `env`, parsed once per isolate. A setting that is missing
/// or wrong is kept as the sentence the operator will see in a 500.
pub struct Settings {
    pub keys: Result<Vec<EdgeKey>, String>,
    pub client: Result<Client, String>,
    /// Only to redact it from WaAPI's bodies the edge passes on; never written anywhere.
    pub token: String,
    pub allowed_origins: Vec<String>,
    pub cache_ttl_ms: u64,
    /// Extra origins for the dashboard's CSP `connect-src`.
    pub connect_src: String,
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
        let keys = match var("EDGE_KEYS") {
            None => Err("EDGE_KEYS is not set.".to_owned()),
            Some(text) => parse_edge_keys(&text).map_err(|why| format!("EDGE_KEYS {why}.")),
        };
        let token = var("WAAPI_TOKEN").unwrap_or_default();
        let client = match var("WAAPI_TOKEN") {
            None => Err("WAAPI_TOKEN is not set.".to_owned()),
            Some(token) => {
                let client = Client::with_options(
                    token,
                    Options {
                        base_url: var("WAAPI_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.into()),
                        timeout_ms: number("UPSTREAM_TIMEOUT_MS")
                            .and_then(|n| u32::try_from(n).ok())
                            .unwrap_or(UPSTREAM_TIMEOUT_MS),
                        max_retries: UPSTREAM_RETRIES,
                        ..Options::default()
                    },
                );
                client
                    .validate()
                    .map(|()| client)
                    .map_err(|e| e.message().to_owned())
            }
        };
        Settings {
            keys,
            client,
            token,
            allowed_origins: parse_origins(&var("ALLOWED_ORIGINS").unwrap_or_default()),
            cache_ttl_ms: number("CACHE_TTL_MS").unwrap_or(DEFAULT_CACHE_TTL_MS),
            connect_src: var("CONNECT_SRC").unwrap_or_default(),
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
        let keys =
            parse_edge_keys(&format!(" {H1}:read ;\n{H2}:create, read,update,delete;")).unwrap();
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
    fn refuses_bad_entries() {
        for bad in [
            "",
            ";",
            "abc:read",
            H1,
            &format!("{H1}:write"),
            &format!("{H1}:"),
            &format!("{}:read", &H1[..63]),
        ] {
            assert!(parse_edge_keys(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn authorizes_only_an_exact_hash() {
        let keys = parse_edge_keys(&format!("{H1}:read;{H2}:delete")).unwrap();
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
        assert!(s.keys.is_err(), "an entry needs permissions");
        let client = s.client.unwrap();
        assert_eq!(client.options().base_url, DEFAULT_BASE_URL);
        assert_eq!(client.options().timeout_ms, 250);
        assert_eq!(s.cache_ttl_ms, 0);
        let empty = vars(&[]);
        assert_eq!(empty.keys.unwrap_err(), "EDGE_KEYS is not set.");
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
    fn origins() {
        assert_eq!(
            parse_origins(" https://a.example/, http://b.example:8080 "),
            ["https://a.example", "http://b.example:8080"]
        );
        assert!(parse_origins("").is_empty());
    }
}
