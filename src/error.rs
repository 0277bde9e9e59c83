//! The one error type of the crate: what went wrong, in a form a caller can act on.
//!
//! Every message is a sentence for a person. No error ever holds the API token: errors built
//! from what a server said are redacted before they leave the client (see [`Error::redact`]).

use core::fmt;

use crate::prelude::*;
use crate::request::Permission;

/// Why a call failed. `kind()` names the variant as JavaScript's `error.kind` does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Refused before sending: a bad id, URL, token or option.
    InvalidInput {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// HTTP 401: the token was not accepted.
    Unauthorized {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// HTTP 403: the token lacks `permission`, which the operation needs.
    Forbidden {
        /// The permission the token lacks.
        permission: Permission,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// HTTP 404.
    NotFound {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// HTTP 409 on an instance: its WhatsApp client is not `ready` (v1.7.0 of the API).
    NotReady {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// HTTP 422, with the API's errors per field (`"webhook.url" → ["…"]`).
    Validation {
        /// What went wrong, as a sentence for a person.
        message: String,
        /// Each field the API refused, with its messages.
        errors: Vec<(String, Vec<String>)>,
    },
    /// HTTP 429. `retry_after` is in seconds, when the server said.
    RateLimited {
        /// Seconds to wait, when the server said.
        retry_after: Option<u64>,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// The API answered `status: "error"` (with HTTP 200 or 400).
    Api {
        /// The HTTP status.
        status: u16,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// HTTP 5xx.
    Server {
        /// The HTTP status.
        status: u16,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// No complete answer within the timeout.
    Timeout {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// The caller cancelled the call (in JavaScript: its `AbortSignal` fired).
    Aborted {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// The request could not be sent or its answer not read.
    Network {
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// The body is not the JSON the operation answers, or holds a value the client refuses
    /// to pass on (a QR code that is not a base64 PNG).
    Decode {
        /// The HTTP status.
        status: u16,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// The answer is larger than [`crate::Options::max_response_bytes`]: refused by its
    /// Content-Length, or its reading stopped at the limit.
    ResponseTooLarge {
        /// The HTTP status.
        status: u16,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
    /// WaAPI answered with a redirect (3xx), which the client never follows. `status` is 0
    /// when a browser hid it (an opaque redirect).
    Redirect {
        /// The HTTP status.
        status: u16,
        /// What went wrong, as a sentence for a person.
        message: String,
    },
}

/// The kind of an [`Error`], as a stable string for matching (`"not_found"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::InvalidInput`]: `invalid_input`.
    InvalidInput,
    /// [`Error::Unauthorized`]: `unauthorized`.
    Unauthorized,
    /// [`Error::Forbidden`]: `forbidden`.
    Forbidden,
    /// [`Error::NotFound`]: `not_found`.
    NotFound,
    /// [`Error::NotReady`]: `not_ready`.
    NotReady,
    /// [`Error::Validation`]: `validation`.
    Validation,
    /// [`Error::RateLimited`]: `rate_limited`.
    RateLimited,
    /// [`Error::Api`]: `api`.
    Api,
    /// [`Error::Server`]: `server`.
    Server,
    /// [`Error::Timeout`]: `timeout`.
    Timeout,
    /// [`Error::Aborted`]: `aborted`.
    Aborted,
    /// [`Error::Network`]: `network`.
    Network,
    /// [`Error::Decode`]: `decode`.
    Decode,
    /// [`Error::ResponseTooLarge`]: `response_too_large`.
    ResponseTooLarge,
    /// [`Error::Redirect`]: `redirect`.
    Redirect,
}

impl ErrorKind {
    /// The kind's name, as JavaScript's `error.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::NotReady => "not_ready",
            ErrorKind::Validation => "validation",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Api => "api",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Network => "network",
            ErrorKind::Decode => "decode",
            ErrorKind::ResponseTooLarge => "response_too_large",
            ErrorKind::Redirect => "redirect",
        }
    }
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidInput {
            message: message.into(),
        }
    }

    /// Which variant this is, without its data.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::NotReady { .. } => ErrorKind::NotReady,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Api { .. } => ErrorKind::Api,
            Error::Server { .. } => ErrorKind::Server,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Aborted { .. } => ErrorKind::Aborted,
            Error::Network { .. } => ErrorKind::Network,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Error::Redirect { .. } => ErrorKind::Redirect,
        }
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::NotReady { .. } => Some(409),
            Error::Validation { .. } => Some(422),
            Error::RateLimited { .. } => Some(429),
            Error::Api { status, .. } | Error::Server { status, .. } => Some(*status),
            Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Redirect { status, .. } => (*status != 0).then_some(*status),
            Error::InvalidInput { .. }
            | Error::Timeout { .. }
            | Error::Aborted { .. }
            | Error::Network { .. } => None,
        }
    }

    /// The sentence saying what went wrong.
    pub fn message(&self) -> &str {
        match self {
            Error::InvalidInput { message }
            | Error::Unauthorized { message }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message }
            | Error::NotReady { message }
            | Error::Validation { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Api { message, .. }
            | Error::Server { message, .. }
            | Error::Timeout { message }
            | Error::Aborted { message }
            | Error::Network { message }
            | Error::Decode { message, .. }
            | Error::ResponseTooLarge { message, .. }
            | Error::Redirect { message, .. } => message,
        }
    }

    /// Seconds to wait before trying again, for `RateLimited` when the server said.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Removes every occurrence of `secret` from the texts this error carries. The client
    /// calls it with the token on every error, so a server that echoes the token in a message
    /// cannot make it leak through an error.
    pub fn redact(mut self, secret: &str) -> Error {
        if secret.is_empty() {
            return self;
        }
        let clean = |s: &mut String| {
            if let Some(clean) = replace_all(s, secret, "[redacted]") {
                *s = clean;
            }
        };
        match &mut self {
            Error::Validation { message, errors } => {
                clean(message);
                for (field, texts) in errors {
                    clean(field);
                    texts.iter_mut().for_each(clean);
                }
            }
            Error::InvalidInput { message }
            | Error::Unauthorized { message }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message }
            | Error::NotReady { message }
            | Error::RateLimited { message, .. }
            | Error::Api { message, .. }
            | Error::Server { message, .. }
            | Error::Timeout { message }
            | Error::Aborted { message }
            | Error::Network { message }
            | Error::Decode { message, .. }
            | Error::ResponseTooLarge { message, .. }
            | Error::Redirect { message, .. } => clean(message),
        }
        self
    }
}

/// `s` with every occurrence of `from` (not empty) replaced by `to`, left to right as
/// `str::replace` does; `None` when there is none. Matches bytewise: in UTF-8 a match of a
/// whole string starts and ends on char boundaries, so the slices never fail. Knuth-Morris-
/// Pratt, so that a text of near-matches stays linear, as `str::replace` is.
fn replace_all(s: &str, from: &str, to: &str) -> Option<String> {
    let (hay, needle) = (s.as_bytes(), from.as_bytes());
    if needle.is_empty() {
        return None;
    }
    // `border[i]`: the length of the longest proper prefix of `needle[..=i]` that ends it too.
    let step = |mut k: usize, b: u8, border: &[usize]| {
        while k > 0 && needle.get(k) != Some(&b) {
            k = border.get(k - 1).copied().unwrap_or(0);
        }
        k + usize::from(needle.get(k) == Some(&b))
    };
    let mut border = Vec::with_capacity(needle.len());
    border.push(0);
    let mut k = 0;
    for &b in needle.iter().skip(1) {
        k = step(k, b, &border);
        border.push(k);
    }
    let mut out = String::new();
    let (mut copied, mut k) = (0, 0);
    for (i, &b) in hay.iter().enumerate() {
        k = step(k, b, &border);
        if k == needle.len() {
            // Never fails (see above); were it to, the piece is dropped rather than the whole
            // text kept with the secret in it.
            out.push_str(s.get(copied..i + 1 - k).unwrap_or_default());
            out.push_str(to);
            copied = i + 1;
            k = 0;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(s.get(copied..).unwrap_or_default());
    Some(out)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "sk-live-1234567890";

    #[test]
    fn redaction_reaches_every_text_display_and_debug() {
        let errors = [
            Error::Api {
                status: 200,
                message: format!("bad token {TOKEN}"),
            },
            Error::Validation {
                message: format!("{TOKEN} invalid"),
                errors: vec![(format!("f{TOKEN}"), vec![format!("x{TOKEN}y")])],
            },
            Error::Network {
                message: format!("Bearer {TOKEN}"),
            },
            Error::Forbidden {
                permission: Permission::Create,
                message: format!("lacks create ({TOKEN})"),
            },
        ];
        for e in errors {
            let e = e.redact(TOKEN);
            assert!(!e.to_string().contains(TOKEN), "{e}");
            assert!(!format!("{e:?}").contains(TOKEN), "{e:?}");
            assert!(format!("{e:?}").contains("[redacted]"));
        }
    }

    #[test]
    fn replace_all_matches_str_replace() {
        for (s, from) in [
            ("abcabc", "abc"),
            ("aaaa", "aa"),
            ("xaab", "ab"),
            ("no match", "zz"),
            ("tok", "tok"),
            ("é tok é", "tok"),
            ("ééé", "é"),
            ("", "a"),
            ("aaaaa", "aa"),
            ("abababc", "ababc"),
            ("aabaabaaab", "aabaaab"),
            ("abcabdabcabcabd", "abcabd"),
            ("xyxyxyz xyz", "xyz"),
        ] {
            let want = s.contains(from).then(|| s.replace(from, "[redacted]"));
            assert_eq!(replace_all(s, from, "[redacted]"), want, "{s} {from}");
        }
        assert_eq!(replace_all("abc", "", "x"), None);
        // Every text of up to 10 letters over "ab" against needles of up to 4 letters.
        let words = |max: usize| {
            (0..=max).flat_map(|len| {
                (0..1u32 << len).map(move |bits| {
                    (0..len)
                        .map(|i| if bits >> i & 1 == 1 { 'b' } else { 'a' })
                        .collect::<String>()
                })
            })
        };
        for from in words(4).filter(|w| !w.is_empty()) {
            for s in words(10) {
                let want = s.contains(&from).then(|| s.replace(&from, "[redacted]"));
                assert_eq!(replace_all(&s, &from, "[redacted]"), want, "{s} {from}");
            }
        }
    }

    #[test]
    fn kinds_and_statuses() {
        let e = Error::RateLimited {
            retry_after: Some(5),
            message: "slow down".into(),
        };
        assert_eq!(e.kind().as_str(), "rate_limited");
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.retry_after(), Some(5));
        assert_eq!(Error::invalid("x").status(), None);
        assert_eq!(
            Error::Decode {
                status: 200,
                message: "m".into()
            }
            .kind()
            .as_str(),
            "decode"
        );
        let large = Error::ResponseTooLarge {
            status: 200,
            message: "m".into(),
        };
        assert_eq!(
            (large.kind().as_str(), large.status()),
            ("response_too_large", Some(200))
        );
        let moved = |status| Error::Redirect {
            status,
            message: "m".into(),
        };
        assert_eq!(
            (moved(307).kind().as_str(), moved(307).status()),
            ("redirect", Some(307))
        );
        // A browser's opaque redirect has no status to report.
        assert_eq!(moved(0).status(), None);
        let aborted = Error::Aborted {
            message: "m".into(),
        };
        assert_eq!(
            (aborted.kind().as_str(), aborted.status()),
            ("aborted", None)
        );
    }
}
