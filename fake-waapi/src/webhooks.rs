//! Delivering webhooks: one bounded queue and one worker task per instance, so one instance's
//! events arrive in order and a slow receiver holds up only its own instance, never the API.
//! Every outcome lands in the log of `GET /__fake/webhooks`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::mpsc::{self, error::TrySendError};
use url::Host;

use crate::state::Instance;

/// Events waiting per instance; beyond this an event is dropped (and logged as dropped), so a
/// hanging receiver cannot make the fake hoard memory or block the API.
pub const QUEUE: usize = 1024;
/// Deliveries kept in the log; older ones are forgotten first.
pub const LOG_LIMIT: usize = 10_000;

const USER_AGENT: &str = concat!("fake-waapi/", env!("CARGO_PKG_VERSION"), " (webhooks)");

/// One entry of `GET /__fake/webhooks`.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub url: String,
    pub event: String,
    #[serde(rename = "instanceId")]
    pub instance_id: u64,
    /// The JSON object posted.
    pub body: Value,
    /// The receiver's HTTP status; `None` when no response came.
    pub status: Option<u16>,
    /// Why no response came (refused, timed out, dropped, …).
    pub error: Option<String>,
    /// How long the delivery took.
    pub ms: u64,
}

struct Job {
    generation: u64,
    url: String,
    event: String,
    instance_id: u64,
    body: Value,
}

impl Job {
    fn outcome(self, status: Option<u16>, error: Option<String>, ms: u64) -> Delivery {
        Delivery {
            url: self.url,
            event: self.event,
            instance_id: self.instance_id,
            body: self.body,
            status,
            error,
            ms,
        }
    }
}

struct Book {
    /// Bumped by a reset: queued jobs and in-flight deliveries of an older generation are not
    /// sent or logged any more.
    generation: u64,
    log: VecDeque<Delivery>,
    queues: HashMap<u64, mpsc::Sender<Job>>,
}

impl Book {
    fn record(&mut self, delivery: Delivery) {
        if self.log.len() == LOG_LIMIT {
            self.log.pop_front();
        }
        self.log.push_back(delivery);
    }
}

/// The webhook sender of one fake server.
pub struct Hooks {
    /// `Err` only if the HTTP client could not be built; each delivery then logs why.
    client: Result<reqwest::Client, String>,
    /// Post to any host, not only to this machine (`--webhook-any-host`).
    any_host: bool,
    /// How long one delivery may take, connecting included; there are no retries.
    timeout: Duration,
    book: Mutex<Book>,
}

impl Hooks {
    pub fn new(any_host: bool, timeout: Duration) -> Hooks {
        // No redirects: a receiver's 3xx is its answer, as with a webhook service that does not
        // follow them. No proxy either (reqwest's system-proxy feature is off).
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .map_err(|err| format!("no HTTP client: {}", describe(err, timeout)));
        Hooks {
            client,
            any_host,
            timeout,
            book: Mutex::new(Book {
                generation: 0,
                log: VecDeque::new(),
                queues: HashMap::new(),
            }),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `instance` has a webhook URL and subscribes to `event`.
    pub fn wants(instance: &Instance, event: &str) -> bool {
        instance.webhook_url.is_some() && instance.webhook_events.iter().any(|e| e == event)
    }

    /// Queues `{"event", "instanceId", "data"}` for the instance's webhook if it subscribes to
    /// `event`. Never waits: when the instance's queue is full the event is dropped and logged.
    pub fn emit(self: &Arc<Self>, instance: &Instance, event: &str, data: Value) {
        let Some(url) = instance.webhook_url.as_ref() else {
            return;
        };
        if !Hooks::wants(instance, event) {
            return;
        }
        let mut book = self.book();
        let job = Job {
            generation: book.generation,
            url: url.clone(),
            event: event.to_owned(),
            instance_id: instance.id,
            body: json!({"event": event, "instanceId": instance.id, "data": data}),
        };
        let queue = book
            .queues
            .entry(instance.id)
            .or_insert_with(|| self.start_worker());
        let job = match queue.try_send(job) {
            Ok(()) => return,
            Err(TrySendError::Full(job)) => {
                eprintln!(
                    "fake-waapi: webhook {event} of instance {} dropped: {QUEUE} deliveries are waiting",
                    instance.id
                );
                let error = format!("dropped: {QUEUE} deliveries of this instance are waiting");
                book.record(job.outcome(None, Some(error), 0));
                return;
            }
            // The worker is gone (it cannot be while `self` lives, but a new one costs nothing).
            Err(TrySendError::Closed(job)) => job,
        };
        let queue = self.start_worker();
        if queue.try_send(job).is_ok() {
            book.queues.insert(instance.id, queue);
        }
    }

    fn start_worker(self: &Arc<Self>) -> mpsc::Sender<Job> {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(work(Arc::downgrade(self), receiver));
        sender
    }

    /// The deliveries so far, oldest first.
    pub fn log(&self) -> Vec<Delivery> {
        self.book().log.iter().cloned().collect()
    }

    pub fn clear_log(&self) {
        self.book().log.clear();
    }

    /// Forgets the log and everything queued or in flight (`POST /__fake/reset`).
    pub fn reset(&self) {
        let mut book = self.book();
        book.generation += 1;
        book.log.clear();
        // Dropping the senders ends the workers once they have skipped what they hold.
        book.queues.clear();
    }

    /// The current generation; a task that outlives a reset compares it to the one it started in.
    pub fn generation(&self) -> u64 {
        self.book().generation
    }

    async fn deliver(&self, job: Job) -> Delivery {
        let started = Instant::now();
        let result = self.post(&job).await;
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(status) => job.outcome(Some(status), None, ms),
            Err(error) => job.outcome(None, Some(error), ms),
        }
    }

    async fn post(&self, job: &Job) -> Result<u16, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        if !self.any_host {
            on_this_machine(&job.url)?;
        }
        let response = client
            .post(&job.url)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(job.body.to_string())
            .send()
            .await
            .map_err(|err| describe(err.without_url(), self.timeout))?;
        // The receiver's body is not read: its status is its whole answer.
        Ok(response.status().as_u16())
    }
}

/// Sends one instance's jobs one after the other. It holds the hooks only weakly, so it ends
/// with the server that owns them.
async fn work(hooks: Weak<Hooks>, mut jobs: mpsc::Receiver<Job>) {
    while let Some(job) = jobs.recv().await {
        let Some(hooks) = hooks.upgrade() else {
            return;
        };
        if job.generation != hooks.generation() {
            continue;
        }
        let generation = job.generation;
        let delivery = hooks.deliver(job).await;
        let mut book = hooks.book();
        if book.generation == generation {
            book.record(delivery);
        }
    }
}

/// Deliveries go to loopback hosts only unless `--webhook-any-host` is given: the seeded
/// webhook URLs name example.com hosts, and a test tool should not post to the internet by
/// default. Checked before any DNS lookup, so such a delivery fails at once.
fn on_this_machine(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|err| format!("invalid URL: {err}"))?;
    let local = match parsed.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if local {
        Ok(())
    } else {
        Err(format!(
            "not sent: {} is not a loopback host (start the fake with --webhook-any-host to post anywhere)",
            parsed.host_str().unwrap_or_default()
        ))
    }
}

/// A reqwest error with its causes, e.g. `error sending request: … Connection refused`.
fn describe(err: reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {} ms", timeout.as_millis());
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
