//! The fake's world: instances and their lifecycle, token permissions, the request log, the
//! armed faults and the rate-limit windows. One mutex guards all of it; every request holds it
//! for microseconds and never across an `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::faults::FaultBook;
use crate::store::Store;

/// The owner every instance belongs to; the fake models a single account.
pub const OWNER: &str = "admin@example.com";

/// The ids 1–3 are the seed, so created instances start here.
const FIRST_CREATED_ID: u64 = 4;

/// One of the four scopes a WaAPI token can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Create,
    Read,
    Update,
    Delete,
}

impl Permission {
    const ALL: [Permission; 4] = [
        Permission::Create,
        Permission::Read,
        Permission::Update,
        Permission::Delete,
    ];

    /// The word the API uses for this scope, as in "This token lacks the read permission.".
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Create => "create",
            Permission::Read => "read",
            Permission::Update => "update",
            Permission::Delete => "delete",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The set of scopes one token carries.
///
/// ```
/// use fake_waapi::Permissions;
/// let viewer: Permissions = "read".parse().unwrap();
/// assert!(viewer.allows(fake_waapi::Permission::Read));
/// assert!(!viewer.allows(fake_waapi::Permission::Update));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions(u8);

impl Permissions {
    /// All four scopes, as an admin token has.
    pub const ALL: Permissions = Permissions(0b1111);

    /// Whether a request needing `permission` may proceed.
    pub fn allows(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }
}

impl std::str::FromStr for Permissions {
    type Err = String;

    /// Parses a comma-separated, non-empty subset of `create,read,update,delete`.
    fn from_str(list: &str) -> Result<Self, String> {
        let mut bits = 0;
        for word in list.split(',').map(str::trim) {
            let permission = Permission::ALL
                .into_iter()
                .find(|p| p.as_str() == word)
                .ok_or_else(|| {
                    format!("unknown permission {word:?} (expected create, read, update or delete)")
                })?;
            bits |= permission.bit();
        }
        Ok(Permissions(bits))
    }
}

/// `InstanceStatus` from CONTRACT §2.2. The fake never produces `auth_failure`, so it has no
/// variant for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceStatus {
    Booting,
    LoadingScreen,
    Qr,
    Authenticated,
    Ready,
    Disconnected,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Booting => "booting",
            InstanceStatus::LoadingScreen => "loading_screen",
            InstanceStatus::Qr => "qr",
            InstanceStatus::Authenticated => "authenticated",
            InstanceStatus::Ready => "ready",
            InstanceStatus::Disconnected => "disconnected",
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an instance is in its lifecycle. Timed phases are resolved lazily from their start
/// time, so nothing has to tick in the background.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// booting → loading_screen → qr, one boot delay each. `resume` means the instance still
    /// holds a WhatsApp session, so it comes back `ready` instead of showing a QR code.
    Booting {
        since: Instant,
        resume: bool,
    },
    /// A scanned QR code: authenticated for one boot delay, then ready.
    Authenticated {
        since: Instant,
    },
    Settled(InstanceStatus),
}

/// The WhatsApp account an instance is logged in as (`/client/me`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub display_name: String,
    pub contact_id: String,
    pub formatted_number: String,
    pub profile_pic_url: String,
}

impl Me {
    /// The account a created instance gets when its QR code is scanned.
    fn generated(id: u64) -> Me {
        Me {
            display_name: format!("Instance {id}"),
            contact_id: format!("49151000000{id}@c.us"),
            formatted_number: format!("+49 151 000000{id}"),
            profile_pic_url: format!("https://pps.example.com/instance-{id}.jpg"),
        }
    }

    /// The phone-number part of the contact id, used as `_data.from.user` of sent messages.
    pub fn user(&self) -> &str {
        self.contact_id
            .split_once('@')
            .map_or(self.contact_id.as_str(), |(user, _)| user)
    }
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub id: u64,
    pub name: String,
    pub owner: String,
    pub webhook_url: Option<String>,
    pub webhook_events: Vec<String>,
    pub is_trial: bool,
    phase: Phase,
    /// Changes with every phase change, so a lifecycle timer can tell whether the phase it was
    /// started for is still the current one (across resets too: the counter is global).
    epoch: u64,
    me: Option<Me>,
    /// How many QR codes this instance has shown; part of the QR text so each one differs,
    /// like the rotating codes of WhatsApp Web.
    qr_shown: u64,
    /// Messages sent through the API, for `GET /__fake/instances/{id}/messages`.
    pub sent: Vec<Value>,
    /// The account's chats, contacts, groups, labels … (empty until seeded or used).
    pub wa: Store,
}

impl Instance {
    fn new(id: u64, name: &str, phase: Phase) -> Instance {
        Instance {
            id,
            name: name.to_owned(),
            owner: OWNER.to_owned(),
            webhook_url: None,
            webhook_events: Vec::new(),
            is_trial: false,
            phase,
            epoch: next_epoch(),
            me: None,
            qr_shown: 0,
            sent: Vec::new(),
            wa: Store::empty(),
        }
    }

    /// Identifies the current phase; see [`Instance::epoch`]'s field.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    fn set_phase(&mut self, phase: Phase) {
        self.phase = phase;
        self.epoch = next_epoch();
    }

    /// The status at `now`, given the configured boot delay.
    pub fn status(&self, now: Instant, boot: Duration) -> InstanceStatus {
        match self.phase {
            Phase::Booting { since, resume } => {
                let elapsed = now.saturating_duration_since(since);
                if elapsed < boot {
                    InstanceStatus::Booting
                } else if elapsed < boot * 2 {
                    InstanceStatus::LoadingScreen
                } else if resume {
                    InstanceStatus::Ready
                } else {
                    InstanceStatus::Qr
                }
            }
            Phase::Authenticated { since } => {
                if now.saturating_duration_since(since) < boot {
                    InstanceStatus::Authenticated
                } else {
                    InstanceStatus::Ready
                }
            }
            Phase::Settled(status) => status,
        }
    }

    /// The logged-in account, but only while the instance is `ready`: that is the one state in
    /// which the API answers `/client/me` and runs actions.
    pub fn ready_me(&self, now: Instant, boot: Duration) -> Option<&Me> {
        if self.status(now, boot) == InstanceStatus::Ready {
            self.me.as_ref()
        } else {
            None
        }
    }

    /// Whether the instance holds a WhatsApp session (it was linked and not logged out).
    pub fn has_session(&self) -> bool {
        self.me.is_some()
    }

    /// The logged-in account, to change it (set-display-name).
    pub fn me_mut(&mut self) -> Option<&mut Me> {
        self.me.as_mut()
    }

    /// The text encoded in the next QR code; each call yields a fresh one.
    pub fn next_qr_text(&mut self) -> String {
        self.qr_shown += 1;
        format!("2@fake-waapi:instance={}:{}", self.id, self.qr_shown)
    }

    /// Simulates the phone scanning the QR code. Fails with the current status unless it is `qr`.
    pub fn scan(&mut self, now: Instant, boot: Duration) -> Result<(), InstanceStatus> {
        match self.status(now, boot) {
            InstanceStatus::Qr => {
                self.set_phase(Phase::Authenticated { since: now });
                if self.me.is_none() {
                    self.me = Some(Me::generated(self.id));
                }
                Ok(())
            }
            other => Err(other),
        }
    }

    /// The logout action: the session is gone and WhatsApp Web shows a fresh QR code.
    pub fn logout(&mut self) {
        self.me = None;
        self.set_phase(Phase::Settled(InstanceStatus::Qr));
    }

    /// The reboot action: the lifecycle starts over. An instance that still holds a session
    /// (it had been authenticated and not logged out) resumes to `ready` instead of `qr`.
    pub fn reboot(&mut self, now: Instant) {
        self.set_phase(Phase::Booting {
            since: now,
            resume: self.me.is_some(),
        });
    }
}

fn next_epoch() -> u64 {
    static EPOCHS: AtomicU64 = AtomicU64::new(1);
    EPOCHS.fetch_add(1, Ordering::Relaxed)
}

/// One request seen under `/api`, as `GET /__fake/requests` returns it.
#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
}

/// Everything `POST /__fake/reset` restores.
pub struct World {
    pub instances: BTreeMap<u64, Instance>,
    next_id: u64,
    pub requests: Vec<LoggedRequest>,
    pub faults: FaultBook,
    /// Per token, the times of the requests admitted in the last second.
    rate_windows: HashMap<String, VecDeque<Instant>>,
}

impl World {
    /// The fixed seed that tests rely on (see the README).
    pub fn seed() -> World {
        let mut support = Instance::new(1, "Support", Phase::Settled(InstanceStatus::Ready));
        support.webhook_url = Some("https://hooks.example.com/waapi".to_owned());
        support.webhook_events = ["message", "message_ack", "ready"].map(String::from).into();
        support.me = Some(Me {
            display_name: "Support Desk".to_owned(),
            contact_id: "4915112345678@c.us".to_owned(),
            formatted_number: "+49 151 12345678".to_owned(),
            profile_pic_url: "https://pps.example.com/support.jpg".to_owned(),
        });
        support.wa = Store::seeded("4915112345678@c.us");

        let mut sales = Instance::new(2, "Sales", Phase::Settled(InstanceStatus::Qr));
        sales.is_trial = true;

        let mut marketing =
            Instance::new(3, "Marketing", Phase::Settled(InstanceStatus::Disconnected));
        marketing.webhook_url = Some("https://example.org/hooks/marketing".to_owned());
        marketing.webhook_events = vec!["message_create".to_owned()];

        World {
            instances: [support, sales, marketing]
                .into_iter()
                .map(|i| (i.id, i))
                .collect(),
            next_id: FIRST_CREATED_ID,
            requests: Vec::new(),
            faults: FaultBook::default(),
            rate_windows: HashMap::new(),
        }
    }

    /// The most instances `POST /__fake/seed` generates at once.
    pub const MAX_SEEDED: u64 = 100_000;

    /// Replaces every instance with `count` generated ones, ids `1..=count`, for benchmarks and
    /// large lists. They exist regardless of the instance limit (a create still checks it), and
    /// vary in name (some with non-ASCII and characters JSON escapes), webhook, events, trial
    /// flag and state. The next created id is `count + 1`; requests, faults and rate-limit
    /// windows are kept.
    pub fn seed_generated(&mut self, count: u64) {
        const NAMES: [&str; 6] = [
            "Support",
            "Sales",
            "Marketing",
            "Café Zürich",
            "Ops \"night\"",
            "Łódź → 東京",
        ];
        const EVENTS: [&str; 6] = [
            "message",
            "message_create",
            "message_ack",
            "ready",
            "qr",
            "disconnected",
        ];
        const STATES: [InstanceStatus; 3] = [
            InstanceStatus::Ready,
            InstanceStatus::Qr,
            InstanceStatus::Disconnected,
        ];
        self.instances = (1..=count)
            .map(|id| {
                let k = id as usize;
                let name = format!("{} {id}", NAMES[k % NAMES.len()]);
                let state = STATES[k % STATES.len()];
                let mut instance = Instance::new(id, &name, Phase::Settled(state));
                instance.webhook_url = match id % 3 {
                    0 => None,
                    1 => Some(format!("https://hooks.example.com/waapi/{id}")),
                    _ => Some(format!(
                        "https://example.org/hooks/{id}?src=waapi&n={}",
                        id % 97
                    )),
                };
                instance.webhook_events = (0..k % 5)
                    .map(|j| EVENTS[(k + j) % EVENTS.len()].to_owned())
                    .collect();
                instance.is_trial = id % 4 == 0;
                if state == InstanceStatus::Ready {
                    instance.me = Some(Me::generated(id));
                }
                (id, instance)
            })
            .collect();
        self.next_id = count + 1;
    }

    /// Creates a booting instance, or returns `None` when the account is at `limit`.
    pub fn create(&mut self, limit: usize, now: Instant) -> Option<&mut Instance> {
        if self.instances.len() >= limit {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        let name = format!("Instance {id}");
        let phase = Phase::Booting {
            since: now,
            resume: false,
        };
        Some(
            self.instances
                .entry(id)
                .or_insert(Instance::new(id, &name, phase)),
        )
    }

    /// Admits one request for `token` under a limit of `per_second`, or returns how many whole
    /// seconds (at least 1) until the oldest admitted request leaves the window.
    pub fn admit(&mut self, token: &str, per_second: u32, now: Instant) -> Result<(), u64> {
        const WINDOW: Duration = Duration::from_secs(1);
        let window = self.rate_windows.entry(token.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            window.pop_front();
        }
        if window.len() < per_second as usize {
            window.push_back(now);
            return Ok(());
        }
        let frees_in = window.front().map_or(WINDOW, |oldest| {
            (*oldest + WINDOW).saturating_duration_since(now)
        });
        Err(frees_in.as_secs_f64().ceil().max(1.0) as u64)
    }
}
