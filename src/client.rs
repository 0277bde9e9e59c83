//! The client: a token, options, and one resource handler per part of the API.

use core::fmt;

use crate::envelope::{http_error, Body};
use crate::error::Error;
use crate::json::write_u64;
use crate::models::{ClientStatus, Instance, Me, QrCode};
use crate::prelude::*;
use crate::request::{check_http_url, InstanceUpdate, Request};
use crate::retry::{decide, parse_retry_after, Decision, Outcome};
use crate::text::cat;
use crate::transport::{self, Failure};

/// WaAPI's API root.
pub const DEFAULT_BASE_URL: &str = "https://waapi.app/api/v1";
/// 30 s per attempt, the body read included.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;
/// Two retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// setTimeout's largest delay; a longer timeout would fire at once.
pub const MAX_TIMEOUT_MS: u32 = 2_147_483_647;
/// The most retries an [`Options`] may ask for.
pub const MAX_MAX_RETRIES: u32 = 10;
/// 8 MiB. WaAPI's instance answers are far smaller (an instance is about 200 bytes, so 8 MiB
/// is a list of some 40 000; a QR code is a few KB), and so are actions without media. Media
/// comes back as base64 (a third larger than the file): raise the limit for `download-media`
/// or `includeMedia` on files of more than about 6 MB. The limit bounds the memory one call
/// can take (the chunks read, then one copy in wasm), whatever the server sends.
pub const DEFAULT_MAX_RESPONSE_BYTES: u32 = 8 << 20;
/// 1 GiB: more would not fit wasm's memory next to its copy anyway.
pub const MAX_MAX_RESPONSE_BYTES: u32 = 1 << 30;

/// How a [`Client`] reaches WaAPI. Start from `Options::default()` and change what you need
/// (new options may come, so it cannot be built field by field outside this crate):
///
/// ```
/// let options = waapi_wasm::Options::default()
///     .base_url("http://127.0.0.1:8080/api/v1")
///     .timeout_ms(5_000)
///     .max_retries(0);
/// let client = waapi_wasm::Client::with_options("my-api-token", options);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Absolute http(s) URL of the API, e.g. `https://waapi.app/api/v1`.
    pub base_url: String,
    /// Bounds each attempt, the body read included.
    pub timeout_ms: u32,
    /// Retries after the first attempt: of calls that may be sent twice (GET, PUT, DELETE,
    /// read-only actions), after a timeout, a network error, 408, 429 or a 5xx; with backoff
    /// and jitter, or after the server's Retry-After.
    pub max_retries: u32,
    /// The largest answer read, in bytes (default [`DEFAULT_MAX_RESPONSE_BYTES`]). A larger
    /// Content-Length is refused before reading, a longer body stops being read at the limit:
    /// both are [`Error::ResponseTooLarge`].
    pub max_response_bytes: u32,
    /// Lets an instance update's webhook URL name a loopback, private or internal host
    /// (`127.0.0.1`, `10.0.0.0/8`, `localhost`, …), e.g. a local receiver or a test fake. Off
    /// by default; link-local and cloud metadata hosts stay refused (see
    /// [`crate::request::check_webhook_url`]).
    pub allow_private_webhook_hosts: bool,
}

impl Options {
    /// Sets [`Options::base_url`].
    pub fn base_url(mut self, base_url: impl Into<String>) -> Options {
        self.base_url = base_url.into();
        self
    }

    /// Sets [`Options::timeout_ms`].
    pub fn timeout_ms(mut self, timeout_ms: u32) -> Options {
        self.timeout_ms = timeout_ms;
        self
    }

    /// Sets [`Options::max_retries`].
    pub fn max_retries(mut self, max_retries: u32) -> Options {
        self.max_retries = max_retries;
        self
    }

    /// Sets [`Options::max_response_bytes`].
    pub fn max_response_bytes(mut self, max_response_bytes: u32) -> Options {
        self.max_response_bytes = max_response_bytes;
        self
    }

    /// Sets [`Options::allow_private_webhook_hosts`].
    pub fn allow_private_webhook_hosts(mut self, allow: bool) -> Options {
        self.allow_private_webhook_hosts = allow;
        self
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            base_url: DEFAULT_BASE_URL.into(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_retries: DEFAULT_MAX_RETRIES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_private_webhook_hosts: false,
        }
    }
}

/// A WaAPI client. Cheap to keep; every call checks its token and options first.
///
/// ```no_run
/// # async fn demo() -> Result<(), waapi_wasm::Error> {
/// let client = waapi_wasm::Client::new("my-api-token");
/// for i in client.instances().list(None).await? {
///     println!("{} {:?} {}", i.id, i.name, i.owner);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    token: String,
    options: Options,
}

/// The token is never printed.
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("token", &"[redacted]")
            .field("options", &self.options)
            .finish()
    }
}

impl Client {
    /// A client for `https://waapi.app/api/v1` with the default timeout and retries.
    pub fn new(token: impl Into<String>) -> Client {
        Client::with_options(token, Options::default())
    }

    /// A client with `options`; a trailing `/` on the base URL is dropped.
    pub fn with_options(token: impl Into<String>, mut options: Options) -> Client {
        while options.base_url.ends_with('/') {
            options.base_url.pop();
        }
        Client {
            token: token.into(),
            options,
        }
    }

    /// The options it was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The token, for the JS client's `Authorization` header.
    #[cfg(feature = "js")]
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Checks the token and options; every call does so before sending.
    pub fn validate(&self) -> Result<(), Error> {
        let t = &self.token;
        if t.is_empty() {
            return Err(Error::invalid("The API token is empty."));
        }
        if t.len() > 4096 || !t.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Error::invalid(
                "The API token must be visible ASCII characters without spaces, at most 4096 of them.",
            ));
        }
        check_http_url(&self.options.base_url, "The base URL")?;
        if self.options.timeout_ms == 0 || self.options.timeout_ms > MAX_TIMEOUT_MS {
            return Err(Error::invalid(cat!(
                "The timeout must be from 1 to ",
                MAX_TIMEOUT_MS,
                " ms."
            )));
        }
        if self.options.max_retries > MAX_MAX_RETRIES {
            return Err(Error::invalid(cat!(
                "maxRetries must be from 0 to ",
                MAX_MAX_RETRIES,
                "."
            )));
        }
        if !(1..=MAX_MAX_RESPONSE_BYTES).contains(&self.options.max_response_bytes) {
            return Err(Error::invalid(
                "maxResponseBytes must be from 1 to 1073741824 (1 GiB).",
            ));
        }
        Ok(())
    }

    /// The instances of the account: list, create, read, update, delete.
    pub fn instances(&self) -> Instances<'_> {
        Instances { client: self }
    }

    /// The WhatsApp client of instance `id`: status, QR code, account.
    pub fn instance(&self, id: u64) -> InstanceClient<'_> {
        InstanceClient { client: self, id }
    }

    /// Sends `request`, retrying as [`decide`] says, and hands back the 2xx body; the typed
    /// methods parse and read it through [`Client::finish`]. Not generic, so its code exists once.
    /// Hidden, with [`Request`]: the edge crate forwards requests through it.
    #[doc(hidden)]
    pub async fn send(&self, request: &Request) -> Result<Body, Error> {
        self.validate()?;
        let raw = self
            .exchange(request)
            .await
            .map_err(|e| e.redact(&self.token))?;
        Ok(Body {
            action: request.action.clone(),
            status: raw.status,
            text: raw.body,
        })
    }

    /// Passes a result on, with the token redacted from its error: the server's words, or a
    /// caller's input quoted back (a key the validator refused), may hold it.
    #[doc(hidden)]
    pub fn finish<T>(&self, decoded: Result<T, Error>) -> Result<T, Error> {
        decoded.map_err(|e| e.redact(&self.token))
    }

    /// Attempts until a 2xx (returned) or an error to keep.
    async fn exchange(&self, request: &Request) -> Result<transport::RawResponse, Error> {
        let url = request.url(&self.options.base_url);
        let timeout_ms = self.options.timeout_ms;
        let mut retries = 0;
        loop {
            let sent = transport::send(
                request.method,
                &url,
                &self.token,
                request.body.as_deref(),
                timeout_ms,
                self.options.max_response_bytes,
            )
            .await;
            match self.next(request, sent, retries, timeout_ms) {
                Next::RetryIn(ms) => {
                    retries += 1;
                    transport::sleep(ms).await;
                }
                Next::Done(answer) => return answer,
            }
        }
    }

    /// What follows an attempt that came to `sent` after `retries` retries, as [`decide`] says:
    /// another attempt, or the 2xx answer or the error to keep. The JS client's calls
    /// (src/call.js) take the same steps.
    pub(crate) fn next(
        &self,
        request: &Request,
        sent: Result<transport::RawResponse, Failure>,
        retries: u32,
        timeout_ms: u32,
    ) -> Next {
        let (outcome, retry_after_ms) = match &sent {
            Ok(r) => (
                Outcome::Status(r.status),
                r.retry_after
                    .as_deref()
                    .and_then(|v| parse_retry_after(v, transport::now_ms())),
            ),
            Err(Failure::Timeout) => (Outcome::Timeout, None),
            Err(Failure::Network(_)) => (Outcome::Network, None),
            // The client's own refusals and the caller's abort: another attempt would meet the same.
            Err(_) => (Outcome::Status(0), None),
        };
        let decision = decide(
            request.idempotent,
            outcome,
            retries,
            self.options.max_retries,
            retry_after_ms,
            transport::random(),
        );
        Next::Done(match (decision, sent) {
            (Decision::RetryIn(ms), _) => return Next::RetryIn(ms),
            (_, Ok(r)) if (200..300).contains(&r.status) => Ok(r),
            (_, Ok(r)) => {
                let seconds = retry_after_ms.map(|ms| ms.div_ceil(1000));
                Err(http_error(request, r.status, seconds, &r.body))
            }
            (_, Err(failure)) => Err(self.failed(request, failure, timeout_ms)),
        })
    }

    /// The error for an attempt that brought no HTTP answer to pass on.
    fn failed(&self, request: &Request, failure: Failure, timeout_ms: u32) -> Error {
        match failure {
            Failure::Timeout => Error::Timeout {
                message: cat!(
                    "WaAPI did not answer within ",
                    timeout_ms,
                    " ms (tried to ",
                    request.action,
                    ")."
                ),
            },
            Failure::Aborted => Error::Aborted {
                message: cat!(
                    "The call to ",
                    request.action,
                    " was aborted by its signal."
                ),
            },
            Failure::Network(why) => {
                // The runtime's words may end a sentence already (Bun's do: "…the url?").
                let stop = if why.ends_with(['.', '?', '!']) {
                    ""
                } else {
                    "."
                };
                Error::Network {
                    message: cat!("Could not reach WaAPI to ", request.action, ": ", why, stop),
                }
            }
            Failure::TooLarge(status) => self.too_large(request, status),
            Failure::Redirect(status, origin) => redirect(request, status, origin.as_deref()),
        }
    }

    fn too_large(&self, request: &Request, status: u16) -> Error {
        let mut message = String::from("WaAPI's answer to ");
        message.push_str(&request.action);
        message.push_str(" is larger than maxResponseBytes (");
        write_u64(&mut message, self.options.max_response_bytes.into());
        message.push_str(" bytes); the client stopped before reading it all.");
        Error::ResponseTooLarge { status, message }
    }
}

/// What [`Client::next`] says follows an attempt.
pub(crate) enum Next {
    RetryIn(u64),
    Done(Result<transport::RawResponse, Error>),
}

/// A 3xx, which the client never follows: it names the status and where it led, when known.
fn redirect(request: &Request, status: u16, origin: Option<&str>) -> Error {
    let mut message = String::from("WaAPI answered with a redirect");
    if status != 0 {
        message.push_str(" (HTTP ");
        write_u64(&mut message, status.into());
        message.push(')');
    }
    if let Some(origin) = origin {
        message.push_str(" to ");
        message.push_str(origin);
    }
    message.push_str(" when asked to ");
    message.push_str(&request.action);
    message.push_str("; the client does not follow redirects.");
    Error::Redirect { status, message }
}

/// `client.instances()`: the account's instances.
///
/// A handler is a small `Copy` value holding the client's reference: keep it, pass it on, and
/// make futures from it; each method takes it by value, so a future made from a temporary
/// handler is fine too.
///
/// ```no_run
/// # async fn demo(client: waapi_wasm::Client) -> Result<(), waapi_wasm::Error> {
/// let list = client.instances();
/// let fut = list.list(None);
/// let shops = list.list(Some("shop"));
/// let (all, shops) = (fut.await?, shops.await?);
/// let one = client.instances().get(1);
/// one.await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Instances<'a> {
    client: &'a Client,
}

impl Instances<'_> {
    /// Lists the instances, or those whose id or name matches `filter`.
    ///
    /// ```no_run
    /// # async fn demo(client: waapi_wasm::Client) -> Result<(), waapi_wasm::Error> {
    /// let shops = client.instances().list(Some("shop")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn list(self, filter: Option<&str>) -> Result<Vec<Instance>, Error> {
        let req = Request::list_instances(filter);
        let body = self.client.send(&req).await?;
        self.client
            .finish(body.reply().and_then(|r| r.instance_list()))
    }

    /// Creates an instance (the token needs the create permission).
    pub async fn create(self) -> Result<Instance, Error> {
        let req = Request::create_instance();
        let body = self.client.send(&req).await?;
        self.client.finish(body.reply().and_then(|r| r.instance()))
    }

    /// Reads one instance.
    pub async fn get(self, id: u64) -> Result<Instance, Error> {
        let req = Request::get_instance(id)?;
        let body = self.client.send(&req).await?;
        self.client.finish(body.reply().and_then(|r| r.instance()))
    }

    /// Renames an instance or changes its webhook; answers the instance's client status. A
    /// webhook URL on a loopback or private host is refused unless
    /// [`Options::allow_private_webhook_hosts`]; link-local and metadata hosts always are.
    ///
    /// ```no_run
    /// # async fn demo(client: waapi_wasm::Client) -> Result<(), waapi_wasm::Error> {
    /// use waapi_wasm::{InstanceUpdate, WebhookEvent};
    /// let update = InstanceUpdate::new().webhook_events(vec![WebhookEvent::Message]);
    /// let status = client.instances().update(1, &update).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(self, id: u64, update: &InstanceUpdate) -> Result<ClientStatus, Error> {
        let allow_private = self.client.options.allow_private_webhook_hosts;
        let req = Request::update_instance_with(id, update, allow_private)?;
        let body = self.client.send(&req).await?;
        self.client
            .finish(body.reply().and_then(|r| r.client_status()))
    }

    /// Deletes an instance (the token needs the delete permission).
    pub async fn delete(self, id: u64) -> Result<(), Error> {
        let req = Request::delete_instance(id)?;
        let body = self.client.send(&req).await?;
        self.client.finish(body.reply().and_then(|r| r.nothing()))
    }
}

/// `client.instance(id)`: the WhatsApp client running in one instance.
/// A `Copy` value, like [`Instances`].
#[derive(Clone, Copy, Debug)]
pub struct InstanceClient<'a> {
    pub(crate) client: &'a Client,
    pub(crate) id: u64,
}

impl InstanceClient<'_> {
    /// Where the client is: booting, qr, ready, …
    pub async fn status(self) -> Result<ClientStatus, Error> {
        let req = Request::client_status(self.id)?;
        let body = self.client.send(&req).await?;
        self.client
            .finish(body.reply().and_then(|r| r.client_status()))
    }

    /// The QR code to scan while the status is `qr`; otherwise an `Api` error.
    pub async fn qr_code(self) -> Result<QrCode, Error> {
        let req = Request::qr_code(self.id)?;
        let body = self.client.send(&req).await?;
        self.client.finish(body.reply().and_then(|r| r.qr_code()))
    }

    /// The account the client is logged in as, once `ready`.
    pub async fn me(self) -> Result<Me, Error> {
        let req = Request::me(self.id)?;
        let body = self.client.send(&req).await?;
        self.client.finish(body.reply().and_then(|r| r.me()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_token() {
        let c = Client::new("secret-token-123");
        assert!(!format!("{c:?}").contains("secret-token-123"));
        assert!(format!("{c:?}").contains("[redacted]"));
    }

    #[test]
    fn a_network_message_ends_one_sentence_once() {
        let c = Client::new("tok");
        let request = Request::list_instances(None);
        let message = |why: &str| {
            c.failed(&request, Failure::Network(why.into()), 1)
                .to_string()
        };
        assert!(message("connection refused").ends_with("to list instances: connection refused."));
        assert!(message("Is the computer able to access the url?").ends_with("the url?"));
        assert!(message("Network connection lost.").ends_with("connection lost."));
        assert!(!message("Network connection lost.").ends_with(".."));
    }

    #[test]
    fn validation_of_token_and_options() {
        assert!(Client::new("tok").validate().is_ok());
        for bad in ["", "has space", "tab\t", "é", "new\nline"] {
            assert_eq!(
                Client::new(bad).validate().unwrap_err().kind().as_str(),
                "invalid_input"
            );
        }
        let with = |base_url: &str, timeout_ms, max_retries| {
            Client::with_options(
                "t",
                Options {
                    base_url: base_url.into(),
                    timeout_ms,
                    max_retries,
                    ..Options::default()
                },
            )
            .validate()
        };
        assert!(with("http://127.0.0.1:1/api/v1/", 1, 0).is_ok());
        assert_eq!(
            Client::with_options(
                "t",
                Options {
                    base_url: "https://x.example//".into(),
                    ..Options::default()
                }
            )
            .options()
            .base_url,
            "https://x.example"
        );
        assert!(with("waapi.app", 1000, 2).is_err());
        assert!(with("https://waapi.app", 0, 2).is_err());
        assert!(with("https://waapi.app", 1000, 11).is_err());
        let limit = |max_response_bytes| {
            Client::with_options(
                "t",
                Options {
                    max_response_bytes,
                    ..Options::default()
                },
            )
            .validate()
        };
        assert!(limit(1).is_ok() && limit(MAX_MAX_RESPONSE_BYTES).is_ok());
        assert!(limit(0).is_err() && limit(MAX_MAX_RESPONSE_BYTES + 1).is_err());
        assert_eq!(Options::default().max_response_bytes, 8 * 1024 * 1024);
        assert!(!Options::default().allow_private_webhook_hosts);
    }
}
