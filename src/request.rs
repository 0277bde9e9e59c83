//! A request as a value: method, path, query and body, checked before anything is sent.
//! Nothing here does I/O, so all of it runs under `cargo test` on the host.

use alloc::borrow::Cow;

use crate::error::Error;
use crate::json::write_str;
use crate::models::WebhookEvent;
use crate::prelude::*;
use crate::text::cat;

/// The largest integer JavaScript holds exactly (2^53 − 1); ids above it are refused.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// The permissions a WaAPI token carries over instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Create,
    Read,
    Update,
    Delete,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Create => "create",
            Permission::Read => "read",
            Permission::Update => "update",
            Permission::Delete => "delete",
        }
    }
}

/// What an operation's answer holds; it picks the envelope decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    InstanceList,
    Instance,
    ClientStatus,
    QrCode,
    Me,
    Nothing,
    /// A client action's payload, whatever its shape.
    Payload,
}

/// One API call, before it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Below the base URL, starting with `/`.
    pub path: String,
    /// Already encoded, without the `?`.
    pub query: Option<String>,
    pub body: Option<String>,
    /// What the token needs; named in a 403's message.
    pub permission: Permission,
    /// The operation in words, for messages ("list instances", "run send-message").
    pub action: Cow<'static, str>,
    /// The instance the call is about, named in a 404's message.
    pub instance: Option<u64>,
    pub answer: Answer,
    /// Whether sending it twice has the effect of sending it once, so that a failed attempt
    /// may be repeated: GET, PUT, DELETE and the read-only actions.
    pub idempotent: bool,
}

impl Request {
    fn new(
        method: Method,
        path: String,
        permission: Permission,
        action: &'static str,
        answer: Answer,
    ) -> Request {
        Request {
            method,
            path,
            query: None,
            body: None,
            permission,
            action: Cow::Borrowed(action),
            instance: None,
            answer,
            idempotent: method.is_idempotent(),
        }
    }

    /// `POST /instances/{id}/client/action/{name}` with `body`, a JSON object already checked
    /// (see [`crate::action`]). Read-only actions need the read permission and are retried
    /// like a GET; every other action needs update and is never sent twice.
    pub fn action(id: u64, name: &str, body: String) -> Result<Request, Error> {
        crate::action::check_name(name)?;
        let read_only = crate::action::is_read_only(name);
        let mut r = Request::new(
            Method::Post,
            cat!("/instances/", check_id(id)?, "/client/action/", name),
            if read_only {
                Permission::Read
            } else {
                Permission::Update
            },
            "",
            Answer::Payload,
        )
        .on(id);
        r.action = Cow::Owned(String::from("run ") + name);
        r.body = Some(body);
        r.idempotent = read_only;
        Ok(r)
    }

    fn on(mut self, id: u64) -> Request {
        self.instance = Some(id);
        self
    }

    pub fn list_instances(filter: Option<&str>) -> Request {
        let mut r = Request::new(
            Method::Get,
            "/instances".into(),
            Permission::Read,
            "list instances",
            Answer::InstanceList,
        );
        r.query = filter
            .filter(|f| !f.is_empty())
            .map(|f| String::from("filter=") + &encode_component(f));
        r
    }

    pub fn create_instance() -> Request {
        Request::new(
            Method::Post,
            "/instances".into(),
            Permission::Create,
            "create an instance",
            Answer::Instance,
        )
    }

    pub fn get_instance(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            cat!("/instances/", check_id(id)?),
            Permission::Read,
            "read an instance",
            Answer::Instance,
        )
        .on(id))
    }

    /// `PUT /instances/{id}`; a webhook URL may not name a loopback or private host (see
    /// [`check_webhook_url`]; [`Request::update_instance_with`] can allow them).
    pub fn update_instance(id: u64, update: &InstanceUpdate) -> Result<Request, Error> {
        Request::update_instance_with(id, update, false)
    }

    /// `PUT /instances/{id}`, a webhook URL on a loopback or private host allowed when
    /// `allow_private_webhook_hosts` (as [`crate::Options::allow_private_webhook_hosts`]).
    pub fn update_instance_with(
        id: u64,
        update: &InstanceUpdate,
        allow_private_webhook_hosts: bool,
    ) -> Result<Request, Error> {
        let mut r = Request::new(
            Method::Put,
            cat!("/instances/", check_id(id)?),
            Permission::Update,
            "update an instance",
            Answer::ClientStatus,
        )
        .on(id);
        r.body = Some(update.to_body_with(allow_private_webhook_hosts)?);
        Ok(r)
    }

    pub fn delete_instance(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Delete,
            cat!("/instances/", check_id(id)?),
            Permission::Delete,
            "delete an instance",
            Answer::Nothing,
        )
        .on(id))
    }

    pub fn client_status(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            cat!("/instances/", check_id(id)?, "/client/status"),
            Permission::Read,
            "read an instance's status",
            Answer::ClientStatus,
        )
        .on(id))
    }

    pub fn qr_code(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            cat!("/instances/", check_id(id)?, "/client/qr"),
            Permission::Read,
            "read an instance's QR code",
            Answer::QrCode,
        )
        .on(id))
    }

    pub fn me(id: u64) -> Result<Request, Error> {
        Ok(Request::new(
            Method::Get,
            cat!("/instances/", check_id(id)?, "/client/me"),
            Permission::Read,
            "read an instance's account",
            Answer::Me,
        )
        .on(id))
    }

    /// The full URL below `base_url` (which has no trailing `/`).
    pub fn url(&self, base_url: &str) -> String {
        let mut url = String::from(base_url);
        url.push_str(&self.path);
        if let Some(q) = &self.query {
            url.push('?');
            url.push_str(q);
        }
        url
    }
}

/// A change to an instance: only what is set is sent.
///
/// ```
/// use waapi_wasm::{InstanceUpdate, WebhookEvent};
/// let update = InstanceUpdate::new()
///     .name("Support")
///     .webhook_url(Some("https://example.com/hook"))
///     .webhook_events(vec![WebhookEvent::Message]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceUpdate {
    pub(crate) name: Option<String>,
    pub(crate) webhook_url: Option<Option<String>>,
    pub(crate) webhook_events: Option<Vec<WebhookEvent>>,
}

impl InstanceUpdate {
    pub fn new() -> InstanceUpdate {
        InstanceUpdate::default()
    }

    pub fn name(mut self, name: impl Into<String>) -> InstanceUpdate {
        self.name = Some(name.into());
        self
    }

    /// `None` removes the webhook URL.
    pub fn webhook_url(mut self, url: Option<&str>) -> InstanceUpdate {
        self.webhook_url = Some(url.map(str::to_owned));
        self
    }

    /// An empty list unsubscribes from every event.
    pub fn webhook_events(mut self, events: Vec<WebhookEvent>) -> InstanceUpdate {
        self.webhook_events = Some(events);
        self
    }

    /// The JSON body, after checking every field; the webhook URL may not name a loopback or
    /// private host (see [`check_webhook_url`]).
    pub fn to_body(&self) -> Result<String, Error> {
        self.to_body_with(false)
    }

    /// [`InstanceUpdate::to_body`], a webhook URL on a loopback or private host allowed when
    /// `allow_private_hosts`. Link-local and cloud metadata hosts are refused either way.
    pub fn to_body_with(&self, allow_private_hosts: bool) -> Result<String, Error> {
        if self.name.is_none() && self.webhook_url.is_none() && self.webhook_events.is_none() {
            return Err(Error::invalid(
                "An instance update needs a name, a webhook URL or webhook events.",
            ));
        }
        let mut out = String::from("{");
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                return Err(Error::invalid("An instance name cannot be empty."));
            }
            out.push_str("\"name\":");
            write_str(&mut out, name);
        }
        if self.webhook_url.is_some() || self.webhook_events.is_some() {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str("\"webhook\":{");
            if let Some(url) = &self.webhook_url {
                out.push_str("\"url\":");
                match url {
                    Some(url) => {
                        check_webhook_url(url, allow_private_hosts)?;
                        write_str(&mut out, url);
                    }
                    None => out.push_str("null"),
                }
            }
            if let Some(events) = &self.webhook_events {
                if self.webhook_url.is_some() {
                    out.push(',');
                }
                out.push_str("\"events\":[");
                for (n, e) in events.iter().enumerate() {
                    check_event_name(e.as_str())?;
                    if n > 0 {
                        out.push(',');
                    }
                    write_str(&mut out, e.as_str());
                }
                out.push(']');
            }
            out.push('}');
        }
        out.push('}');
        Ok(out)
    }
}

/// Ids are positive and fit a JavaScript number exactly.
pub fn check_id(id: u64) -> Result<u64, Error> {
    if (1..=MAX_SAFE_INTEGER).contains(&id) {
        Ok(id)
    } else {
        Err(Error::invalid(cat!(
            "An instance id must be a positive integer no larger than 2^53 - 1 (got ",
            id,
            ")."
        )))
    }
}

/// Event names the crate does not know are sent as they are (the server judges them), but
/// they must look like one: lowercase letters, digits and underscores.
fn check_event_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "A webhook event must be an event name such as \"message\" (lowercase letters, digits and _).",
        ))
    }
}

/// Accepts an absolute `http://` or `https://` URL with a host; `what` starts the message.
pub fn check_http_url(url: &str, what: &str) -> Result<(), Error> {
    http_host(url)
        .map(|_| ())
        .map_err(|why| Error::invalid(cat!(what, " must be an absolute http(s) URL: ", why, ".")))
}

/// The host of an http(s) URL, read as a WHATWG URL parser (a browser's, Node's, workerd's)
/// would read it, so that a check on it sees the address the URL reaches: `0x7f000001`,
/// `2130706433`, `0177.1` and `127.1` are all `V4(127.0.0.1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Host<'a> {
    /// A domain name as written (any case, maybe a trailing dot, maybe non-ASCII).
    Name(&'a str),
    V4(u32),
    V6(u128),
}

/// The host of an absolute http(s) URL, or why the URL is not one.
// `contains` on bytes would link `memchr`, which nothing else in the wasm needs.
#[allow(clippy::manual_contains)]
pub(crate) fn http_host(url: &str) -> Result<Host<'_>, &'static str> {
    // Read as bytes: every cut below is next to an ASCII byte, and only a name goes back to
    // `&str` (by the same positions, so `get` finds char boundaries).
    let bytes = url.as_bytes();
    if bytes.len() > 2048 {
        return Err("it is longer than 2048 characters");
    }
    if bytes.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err("it contains spaces or control characters");
    }
    let start = if starts_with_ignore_case(bytes, b"https://") {
        8
    } else if starts_with_ignore_case(bytes, b"http://") {
        7
    } else {
        return Err("it does not start with http:// or https://");
    };
    let rest = bytes.get(start..).unwrap_or_default();
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or_default();
    if authority.iter().any(|&b| b == b'@') {
        return Err("it carries a user name or password");
    }
    let (host, port) = match authority.iter().rposition(|&b| b == b':') {
        Some(colon) => {
            // `get`, not `split_at`: no panic path.
            let h = authority.get(..colon).unwrap_or_default();
            let p = authority.get(colon..).unwrap_or_default();
            // "[::1]" splits inside the brackets: no port there.
            if h.starts_with(b"[") && !h.ends_with(b"]") {
                (authority, None)
            } else {
                (h, p.get(1..))
            }
        }
        None => (authority, None),
    };
    if host.is_empty() || host.starts_with(b".") || host.ends_with(b"..") {
        return Err("it has no host");
    }
    if let Some(p) = port {
        if !p.is_empty() && (p.len() > 5 || digits(p, 10).map_or(true, |n| n > 65535)) {
            return Err("its port is not a number from 0 to 65535");
        }
    }
    let not_host = "its host is not a host name or address";
    // Slice patterns, not `strip_suffix`: no panic path.
    if let [b'[', rest @ ..] = host {
        return match rest {
            [v6 @ .., b']'] => ipv6(v6).map(Host::V6).ok_or(not_host),
            _ => Err(not_host),
        };
    }
    let name_ok = host
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b >= 0x80);
    match ipv4(host) {
        _ if !name_ok => Err(not_host),
        // The host starts right after the scheme.
        None => Ok(Host::Name(
            url.get(start..start + host.len()).unwrap_or_default(),
        )),
        Some(Some(ip)) => Ok(Host::V4(ip)),
        // It ends in a number but is no address: a URL parser refuses it.
        Some(None) => Err(not_host),
    }
}

/// Whether `s` starts with `prefix` in any case.
fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// WHATWG's IPv4 parser: `None` for a domain name; for a host that ends in a number, the
/// address, or `Some(None)` when it is none (`1.2.3.256`, `foo.1`).
fn ipv4(host: &[u8]) -> Option<Option<u32>> {
    let host = match host {
        [name @ .., b'.'] => name,
        _ => host,
    };
    let last = host.rsplit(|&b| b == b'.').next().unwrap_or_default();
    if last.is_empty() || !(last.iter().all(u8::is_ascii_digit) || ipv4_number(last).is_some()) {
        return None;
    }
    let mut parts = [0u64; 4];
    let mut n = 0;
    for part in host.split(|&b| b == b'.') {
        if n == 4 {
            return Some(None);
        }
        match (ipv4_number(part), parts.get_mut(n)) {
            (Some(v), Some(slot)) => *slot = v,
            _ => return Some(None),
        }
        n += 1;
    }
    // Every part but the last is one byte; the last fills the bytes left.
    let Some((&last, init)) = parts.get(..n).and_then(<[u64]>::split_last) else {
        return Some(None);
    };
    if init.iter().any(|&p| p > 255) || last >= 1 << (8 * (5 - n)) {
        return Some(None);
    }
    let high = init
        .iter()
        .enumerate()
        .fold(0, |ip, (i, &p)| ip | p << (24 - 8 * i));
    Some(Some((high | last) as u32))
}

/// One part of an IPv4 address: decimal, `0x` hexadecimal or `0` octal; `0x` alone is 0.
fn ipv4_number(part: &[u8]) -> Option<u64> {
    match part {
        [] => None,
        [b'0', b'x' | b'X', hex @ ..] => digits(hex, 16),
        [b'0', octal @ ..] if !octal.is_empty() => digits(octal, 8),
        decimal => digits(decimal, 10),
    }
}

/// The value of `s` in `radix` (up to 16); too large saturates (callers refuse it anyway).
fn digits(s: &[u8], radix: u64) -> Option<u64> {
    s.iter().try_fold(0u64, |v, &b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        (u64::from(d) < radix).then(|| v.saturating_mul(radix).saturating_add(u64::from(d)))
    })
}

/// An IPv6 address without its brackets (`::1`, `::ffff:169.254.169.254`), as a number.
fn ipv6(s: &[u8]) -> Option<u128> {
    let (head, tail) = match s.windows(2).position(|w| w == b"::") {
        Some(i) => (s.get(..i)?, Some(s.get(i + 2..)?)),
        None => (s, None),
    };
    let mut front = [0u16; 8];
    let mut back = [0u16; 8];
    let nf = ipv6_pieces(head, &mut front, tail.is_none())?;
    let nb = match tail {
        Some(t) => ipv6_pieces(t, &mut back, true)?,
        None => 0,
    };
    // Without `::` all eight pieces are written; with it, it stands for one or more.
    let written = if tail.is_some() {
        nf + nb <= 7
    } else {
        nf == 8
    };
    if !written {
        return None;
    }
    // The written pieces before `::`, the zero pieces it stands for, the pieces after it.
    let mut ip = 0u128;
    for &piece in front.iter().take(nf) {
        ip = ip << 16 | u128::from(piece);
    }
    for _ in nf + nb..8 {
        ip <<= 16;
    }
    for &piece in back.iter().take(nb) {
        ip = ip << 16 | u128::from(piece);
    }
    Some(ip)
}

/// Colon-separated hex pieces into `out`, the last maybe a dotted IPv4 address (two pieces).
// `contains` on bytes would link `memchr`, which nothing else in the wasm needs.
#[allow(clippy::manual_contains)]
fn ipv6_pieces(s: &[u8], out: &mut [u16; 8], dotted_last: bool) -> Option<usize> {
    if s.is_empty() {
        return Some(0);
    }
    let mut n = 0;
    let mut parts = s.split(|&b| b == b':').peekable();
    while let Some(p) = parts.next() {
        if dotted_last && parts.peek().is_none() && p.iter().any(|&b| b == b'.') {
            let v4 = dotted_quad(p)?;
            *out.get_mut(n + 1)? = v4 as u16;
            *out.get_mut(n)? = (v4 >> 16) as u16;
            n += 2;
        } else {
            if p.is_empty() || p.len() > 4 {
                return None;
            }
            *out.get_mut(n)? = digits(p, 16)? as u16;
            n += 1;
        }
    }
    Some(n)
}

/// `a.b.c.d` in plain decimal, as IPv6 embeds it (no leading zeros, no other forms).
fn dotted_quad(s: &[u8]) -> Option<u32> {
    let mut ip = 0u32;
    let mut n = 0;
    for part in s.split(|&b| b == b'.') {
        if n == 4 || part.is_empty() || part.len() > 3 || (part.len() > 1 && part.starts_with(b"0"))
        {
            return None;
        }
        let v = digits(part, 10).filter(|&v| v <= 255)?;
        ip = ip << 8 | v as u32;
        n += 1;
    }
    (n == 4).then_some(ip)
}

/// IPv4 ranges a webhook may not name: first address, prefix length, and whether it stays
/// refused when private hosts are allowed (link-local and cloud metadata do).
const V4_REFUSED: &[(u32, u32, bool)] = &[
    (0xa9fe_0000, 16, true), // 169.254.0.0/16 link-local: 169.254.169.254 is every cloud's metadata
    (0x6464_64c8, 32, true), // 100.100.100.200, Alibaba Cloud's metadata
    (0x7f00_0000, 8, false), // 127.0.0.0/8 loopback
    (0x0000_0000, 8, false), // 0.0.0.0/8: connecting to 0.0.0.0 reaches the host itself
    (0x0a00_0000, 8, false), // 10.0.0.0/8
    (0xac10_0000, 12, false), // 172.16.0.0/12
    (0xc0a8_0000, 16, false), // 192.168.0.0/16
    (0x6440_0000, 10, false), // 100.64.0.0/10 carrier-grade NAT
    (0xc000_0000, 24, false), // 192.0.0.0/24 IETF protocol assignments
];

/// The same for IPv6 (addresses that embed an IPv4 one are judged by it first).
const V6_REFUSED: &[(u128, u32, bool)] = &[
    (0xfe80 << 112, 10, true), // fe80::/10 link-local
    (0xfd00_0ec2_0000_0000_0000_0000_0000_0254, 128, true), // fd00:ec2::254, AWS's metadata
    (0xfc00 << 112, 7, false), // fc00::/7 unique local
    (0xfec0 << 112, 10, false), // fec0::/10 site-local (deprecated)
];

/// Host names that reach cloud metadata services (GCP, AWS), refused whatever the options.
const METADATA_NAMES: &[&str] = &[
    "metadata",
    "metadata.google.internal",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Names that only resolve inside a network; a name without a dot does too.
const PRIVATE_SUFFIXES: &[&str] = &[".localhost", ".local", ".internal", ".home.arpa"];

/// Why a webhook may not go to `url`: a refused host, or a URL that is no http(s) URL.
/// Link-local and cloud metadata hosts are refused always; loopback, private and internal
/// ones unless `allow_private`. A name is judged as written: a public name that resolves to
/// a private address is WaAPI's to refuse when it calls it.
pub fn check_webhook_url(url: &str, allow_private: bool) -> Result<(), Error> {
    const METADATA: &str = "A webhook URL cannot point to a link-local or cloud metadata host.";
    const PRIVATE: &str = "A webhook URL cannot point to a loopback, private or internal host \
        unless allowPrivateWebhookHosts is set.";
    const NON_ASCII: &str = "A webhook URL's host must be ASCII (xn-- for international names).";
    let host = http_host(url).map_err(|why| {
        Error::invalid(cat!(
            "A webhook URL must be an absolute http(s) URL: ",
            why,
            "."
        ))
    })?;
    let (refused, always) = match host {
        Host::Name(name) if !name.is_ascii() => return Err(Error::invalid(NON_ASCII)),
        Host::Name(name) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            if METADATA_NAMES.iter().any(|m| m.eq_ignore_ascii_case(name)) {
                (true, true)
            } else {
                let ends = |s: &str| {
                    name.len() > s.len()
                        && name
                            .as_bytes()
                            .get(name.len() - s.len()..)
                            .is_some_and(|tail| tail.eq_ignore_ascii_case(s.as_bytes()))
                };
                (
                    !name.bytes().any(|b| b == b'.') || PRIVATE_SUFFIXES.iter().any(|s| ends(s)),
                    false,
                )
            }
        }
        Host::V4(ip) => v4_refused(ip),
        Host::V6(ip) => match embedded_v4(ip) {
            Some(v4) => v4_refused(v4),
            None => V6_REFUSED
                .iter()
                .find(|&&(net, len, _)| (ip ^ net) >> (128 - len) == 0)
                .map_or((false, false), |&(_, _, always)| (true, always)),
        },
    };
    match (refused, always) {
        (false, _) => Ok(()),
        (true, true) => Err(Error::invalid(METADATA)),
        (true, false) if allow_private => Ok(()),
        (true, false) => Err(Error::invalid(PRIVATE)),
    }
}

/// (refused, refused always) for an IPv4 address.
fn v4_refused(ip: u32) -> (bool, bool) {
    V4_REFUSED
        .iter()
        .find(|&&(net, len, _)| (ip ^ net) >> (32 - len) == 0)
        .map_or((false, false), |&(_, _, always)| (true, always))
}

/// The IPv4 address an IPv6 one carries: mapped (`::ffff:a.b.c.d`), translated
/// (`::ffff:0:a.b.c.d`), compatible (`::a.b.c.d`, also `::` and `::1`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`).
fn embedded_v4(ip: u128) -> Option<u32> {
    match ip >> 32 {
        0 | 0xffff | 0xffff_0000 | 0x0064_ff9b_0000_0000_0000_0000 => Some(ip as u32),
        _ if ip >> 112 == 0x2002 => Some((ip >> 80) as u32),
        _ => None,
    }
}

/// Percent-encodes like JavaScript's `encodeURIComponent`.
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
        {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive_safe_integers() {
        assert!(check_id(1).is_ok());
        assert!(check_id(MAX_SAFE_INTEGER).is_ok());
        for bad in [0, MAX_SAFE_INTEGER + 1, u64::MAX] {
            let e = check_id(bad).unwrap_err();
            assert_eq!(e.kind().as_str(), "invalid_input");
        }
    }

    #[test]
    fn urls() {
        for good in [
            "http://example.com",
            "https://example.com/hook?x=1#y",
            "HTTPS://Example.com:8443/a",
            "http://127.0.0.1:8080/api/v1",
            "http://[::1]:9000/",
            "https://bücher.example/",
            "http://localhost",
        ] {
            assert!(check_http_url(good, "U").is_ok(), "{good}");
        }
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
            "http://",
            "https:///path",
            "http://exa mple.com",
            "http://user:pw@example.com",
            "http://example.com:99999",
            "http://example.com:8o",
            "http://ex<ample>.com",
            "/relative/path",
            "http://[::1/",
        ] {
            assert!(check_http_url(bad, "U").is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(check_http_url(&long, "U").is_err());
    }

    /// What `new URL(url).hostname` gives in Node 20 / Chromium, for the spellings we parse.
    #[test]
    fn hosts_are_read_as_a_whatwg_url_parser_reads_them() {
        let v4 = |a: u8, b: u8, c: u8, d: u8| Host::V4(u32::from_be_bytes([a, b, c, d]));
        for (url, host) in [
            ("http://127.0.0.1/", v4(127, 0, 0, 1)),
            ("http://0x7f000001/", v4(127, 0, 0, 1)),
            ("http://0X7F.1/", v4(127, 0, 0, 1)),
            ("http://2130706433/", v4(127, 0, 0, 1)),
            ("http://017700000001/", v4(127, 0, 0, 1)),
            ("http://0177.0.0.1/", v4(127, 0, 0, 1)),
            ("http://127.1/", v4(127, 0, 0, 1)),
            ("http://127.0.1/", v4(127, 0, 0, 1)),
            ("http://127.0.0.1./", v4(127, 0, 0, 1)),
            ("http://2852039166/", v4(169, 254, 169, 254)),
            ("http://0xa9fea9fe/", v4(169, 254, 169, 254)),
            ("http://0251.0376.0251.0376/", v4(169, 254, 169, 254)),
            ("http://169.254.43518/", v4(169, 254, 169, 254)),
            ("http://0xa9.0xfe.0xa9.0xfe/", v4(169, 254, 169, 254)),
            ("http://0/", v4(0, 0, 0, 0)),
            ("http://0x/", v4(0, 0, 0, 0)),
            ("http://4294967295/", v4(255, 255, 255, 255)),
            ("http://[::1]/", Host::V6(1)),
            ("http://[::]/", Host::V6(0)),
            (
                "http://[::ffff:169.254.169.254]/",
                Host::V6(0xffff_a9fe_a9fe),
            ),
            ("http://[::ffff:a9fe:a9fe]:80/", Host::V6(0xffff_a9fe_a9fe)),
            ("http://[FE80::1]/", Host::V6(0xfe80 << 112 | 1)),
            (
                "http://[1:2:3:4:5:6:7::]/",
                Host::V6(0x0001_0002_0003_0004_0005_0006_0007_0000),
            ),
            (
                "http://[1:2:3:4:5:6:7:8]/",
                Host::V6(0x0001_0002_0003_0004_0005_0006_0007_0008),
            ),
            ("http://1.2.3.example/", Host::Name("1.2.3.example")),
            ("http://0x7f.example/", Host::Name("0x7f.example")),
            ("http://0x1g/", Host::Name("0x1g")),
            (
                "http://Metadata.Google.Internal/",
                Host::Name("Metadata.Google.Internal"),
            ),
        ] {
            assert_eq!(http_host(url), Ok(host), "{url}");
        }
        // What a WHATWG parser refuses: a host that ends in a number but is no address, and
        // malformed IPv6.
        for url in [
            "http://4294967296/",
            "http://1.2.3.256/",
            "http://1.2.65536/",
            "http://1.2.3.4.5/",
            "http://09/",
            "http://foo.1/",
            "http://1..1/",
            "http://[1:2:3]/",
            "http://[1::2::3]/",
            "http://[12345::]/",
            "http://[1:2:3:4:5:6:7:8::]/",
            "http://[::1.2.3]/",
            "http://[::01.2.3.4]/",
            "http://[::1.2.3.4:5]/",
            "http://[:1]/",
            "http://[1:]/",
            "http://[]/",
        ] {
            assert!(http_host(url).is_err(), "{url}");
        }
    }

    #[test]
    fn webhook_urls_never_reach_link_local_or_metadata_hosts() {
        for url in [
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "http://169.254.0.1/",
            "http://2852039166/",
            "http://0xa9fea9fe/",
            "http://0251.0376.0251.0376/",
            "http://169.254.43518/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::169.254.169.254]/",
            "http://[2002:a9fe:a9fe::]/",
            "http://[fe80::1]/",
            "http://[febf:ffff::1]/",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://METADATA.google.internal./",
            "http://metadata/",
            "http://instance-data/latest/",
        ] {
            for allow in [false, true] {
                let e = check_webhook_url(url, allow).unwrap_err();
                assert_eq!(e.kind().as_str(), "invalid_input", "{url}");
                assert!(e.message().contains("metadata"), "{url}: {e}");
            }
        }
    }

    #[test]
    fn webhook_urls_reach_private_hosts_only_when_allowed() {
        for url in [
            "http://127.0.0.1:22/",
            "http://127.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0/",
            "http://0.0.0.0:8080/",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://printer.local/",
            "http://hooks.corp.internal/",
            "http://router.home.arpa/",
            "http://receiver:8080/hook",
            "http://[::1]/",
            "http://[::]/",
            "http://[::127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://10.0.0.1/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://[fc00::1]/",
            "http://[fdab:cdef::1]/",
        ] {
            let e = check_webhook_url(url, false).unwrap_err();
            assert_eq!(e.kind().as_str(), "invalid_input", "{url}");
            assert!(
                e.message().contains("allowPrivateWebhookHosts"),
                "{url}: {e}"
            );
            assert!(check_webhook_url(url, true).is_ok(), "{url}");
        }
        for url in [
            "https://hooks.example.com/waapi",
            "http://93.184.216.34/",
            "http://172.32.0.1/",
            "http://172.15.255.255/",
            "http://100.128.0.1/",
            "http://169.253.255.255/",
            "http://[2001:db8::1]/",
            "http://[::ffff:8.8.8.8]/",
            "https://xn--bcher-kva.example/",
            "https://localhost.example.com/",
            "https://metadata.example.com/",
        ] {
            assert!(check_webhook_url(url, false).is_ok(), "{url}");
        }
        // Full-width or mathematical digits and ideographic dots become 127.0.0.1 in a URL
        // parser (IDNA): hosts must be ASCII, international names written as xn-- names.
        for url in [
            "http://１２７.０.０.１/",
            "http://𝟏𝟐𝟕.0.0.1/",
            "http://127。0。0。1/",
            "http://ｌｏｃａｌｈｏｓｔ/",
            "https://bücher.example/",
        ] {
            let e = check_webhook_url(url, true).unwrap_err();
            assert_eq!(e.kind().as_str(), "invalid_input", "{url}");
        }
        let idn = check_webhook_url("https://bücher.example/", false).unwrap_err();
        assert!(idn.message().contains("xn--"), "{idn}");
        assert!(check_webhook_url("ftp://x.example/", true).is_err());
    }

    #[test]
    fn updates_check_the_webhook_host_before_sending() {
        let update = InstanceUpdate::new().webhook_url(Some("http://127.0.0.1:9/hook"));
        assert!(update.to_body().is_err());
        assert!(Request::update_instance(1, &update).is_err());
        assert!(Request::update_instance_with(1, &update, true).is_ok());
        let metadata = InstanceUpdate::new().webhook_url(Some("http://169.254.169.254/"));
        assert!(Request::update_instance_with(1, &metadata, true).is_err());
    }

    #[test]
    fn query_is_encoded_like_encode_uri_component() {
        assert_eq!(
            encode_component("a b&c=d/é?#"),
            "a%20b%26c%3Dd%2F%C3%A9%3F%23"
        );
        assert_eq!(encode_component("safe-_.!~*'()"), "safe-_.!~*'()");
        let r = Request::list_instances(Some("shop & co"));
        assert_eq!(
            r.url("https://waapi.app/api/v1"),
            "https://waapi.app/api/v1/instances?filter=shop%20%26%20co"
        );
        assert_eq!(Request::list_instances(Some("")).query, None);
        assert_eq!(Request::list_instances(None).query, None);
    }

    #[test]
    fn requests_know_method_path_and_permission() {
        let r = Request::delete_instance(7).unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.permission),
            (Method::Delete, "/instances/7", Permission::Delete)
        );
        assert_eq!(Request::qr_code(3).unwrap().path, "/instances/3/client/qr");
        assert_eq!(Request::me(3).unwrap().path, "/instances/3/client/me");
        assert_eq!(
            Request::client_status(3).unwrap().path,
            "/instances/3/client/status"
        );
        assert_eq!(Request::create_instance().permission, Permission::Create);
        assert!(Request::get_instance(0).is_err());
    }

    #[test]
    fn update_bodies_send_only_what_is_set() {
        let body = |u: InstanceUpdate| u.to_body().map_err(|e| e.to_string());
        assert_eq!(
            body(InstanceUpdate::new().name("A \"b\"")).unwrap(),
            r#"{"name":"A \"b\""}"#
        );
        assert_eq!(
            body(
                InstanceUpdate::new()
                    .webhook_url(None)
                    .webhook_events(vec![])
            )
            .unwrap(),
            r#"{"webhook":{"url":null,"events":[]}}"#
        );
        assert_eq!(
            body(
                InstanceUpdate::new()
                    .name("x")
                    .webhook_url(Some("https://h.example/w"))
                    .webhook_events(vec![
                        WebhookEvent::Message,
                        WebhookEvent::parse("future_event")
                    ])
            )
            .unwrap(),
            r#"{"name":"x","webhook":{"url":"https://h.example/w","events":["message","future_event"]}}"#
        );
        assert_eq!(
            body(InstanceUpdate::new().webhook_events(vec![WebhookEvent::Ready])).unwrap(),
            r#"{"webhook":{"events":["ready"]}}"#
        );
        assert!(body(InstanceUpdate::new()).is_err());
        assert!(body(InstanceUpdate::new().name("  ")).is_err());
        assert!(body(InstanceUpdate::new().webhook_url(Some("not a url"))).is_err());
        assert!(
            body(InstanceUpdate::new().webhook_events(vec![WebhookEvent::parse("Bad Event")]))
                .is_err()
        );
        assert!(body(InstanceUpdate::new().webhook_events(vec![WebhookEvent::parse("")])).is_err());
    }
}
