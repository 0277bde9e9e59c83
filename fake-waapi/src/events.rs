//! Which webhook events the fake sends, and when (CONTRACT §5): lifecycle changes,
//! `message_create` and later `message_ack` 1, 2, 3 for every message the API sends, and
//! `message` + `message_create` for an injected inbound message. Whether an event is delivered
//! is decided when it happens, by the instance's webhook settings at that moment.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::state::{Instance, InstanceStatus};
use crate::store::Msg;
use crate::webhooks::Hooks;
use crate::AppState;

/// A lifecycle event that follows a timed phase.
#[derive(Clone, Copy)]
enum Next {
    /// The instance shows a (fresh) QR code.
    Qr,
    /// A stored session is restored: `authenticated`, then `ready`.
    Restored,
    /// A scanned QR code has become a session.
    Ready,
}

impl Next {
    fn status(self) -> InstanceStatus {
        match self {
            Next::Qr => InstanceStatus::Qr,
            Next::Restored | Next::Ready => InstanceStatus::Ready,
        }
    }
}

/// An instance started booting (created or rebooted): after booting and loading_screen it shows
/// a QR code, or, holding a session, is ready again.
pub fn booting(app: &AppState, instance: &mut Instance, now: Instant) {
    let next = if instance.has_session() {
        Next::Restored
    } else {
        Next::Qr
    };
    after(app, instance, now, app.config.boot * 2, next);
}

/// The QR code was scanned: `authenticated` now, `ready` one boot step later.
pub fn scanned(app: &AppState, instance: &mut Instance, now: Instant) {
    app.hooks.emit(instance, "authenticated", json!({}));
    after(app, instance, now, app.config.boot, Next::Ready);
}

/// The logout action: the session ends and a fresh QR code shows at once.
pub fn logged_out(app: &AppState, instance: &mut Instance) {
    app.hooks
        .emit(instance, "disconnected", json!({"reason": "LOGOUT"}));
    happen(app, instance, Next::Qr);
}

/// Sends `next` once `delay` after `since` has passed, unless the instance has changed phase
/// by then (rebooted, logged out, deleted, the fake reset). With no delay it is sent right away,
/// in order with whatever the caller sends next.
fn after(app: &AppState, instance: &mut Instance, since: Instant, delay: Duration, next: Next) {
    if delay.is_zero() {
        happen(app, instance, next);
        return;
    }
    let (app, id, epoch) = (app.clone(), instance.id, instance.epoch());
    tokio::spawn(async move {
        tokio::time::sleep_until((since + delay).into()).await;
        let mut world = app.world();
        let Some(instance) = world.instances.get_mut(&id) else {
            return;
        };
        if instance.epoch() == epoch
            && instance.status(Instant::now(), app.config.boot) == next.status()
        {
            happen(&app, instance, next);
        }
    });
}

fn happen(app: &AppState, instance: &mut Instance, next: Next) {
    match next {
        Next::Qr => {
            // Only a delivered event shows a QR code, so the next /qr fetch counts on from it.
            if Hooks::wants(instance, "qr") {
                let qr = instance.next_qr_text();
                app.hooks.emit(instance, "qr", json!({"qr": qr}));
            }
        }
        Next::Restored => {
            app.hooks.emit(instance, "authenticated", json!({}));
            app.hooks
                .emit(instance, "ready", json!({"status": "ready"}));
        }
        Next::Ready => app
            .hooks
            .emit(instance, "ready", json!({"status": "ready"})),
    }
}

/// The API sent the messages `instance.sent[first..]`: `message_create` for each now, then its
/// acks 1 (server), 2 (device) and 3 (read), `--ack-delay-ms` apart.
pub fn sent(app: &AppState, instance: &mut Instance, first: usize, now: Instant) {
    let Some(me) = instance
        .ready_me(now, app.config.boot)
        .map(|m| m.contact_id.clone())
    else {
        return;
    };
    let ids: Vec<String> = instance
        .sent
        .get(first..)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| entry["id"].as_str().map(str::to_owned))
        .collect();
    for id in ids {
        let Some(message) = instance.wa.find(&id).map(|m| m.to_json(&me)) else {
            continue;
        };
        app.hooks
            .emit(instance, "message_create", json!({"message": message}));
        acks(app, instance.id, id);
    }
}

fn acks(app: &AppState, instance_id: u64, message_id: String) {
    let app = app.clone();
    let generation = app.hooks.generation();
    tokio::spawn(async move {
        for ack in 1..=3 {
            tokio::time::sleep(app.config.ack_delay).await;
            let mut world = app.world();
            if app.hooks.generation() != generation {
                return;
            }
            let Some(instance) = world.instances.get_mut(&instance_id) else {
                return;
            };
            // A logged-out or rebooting instance receives no receipts.
            let Some(me) = instance
                .ready_me(Instant::now(), app.config.boot)
                .map(|m| m.contact_id.clone())
            else {
                return;
            };
            let Some(m) = instance.wa.find_mut(&message_id) else {
                return;
            };
            m.ack = m.ack.max(ack);
            let message = m.to_json(&me);
            app.hooks.emit(
                instance,
                "message_ack",
                json!({"ack": ack, "message": message}),
            );
        }
    });
}

/// An inbound message arrived (already stored): `message`, then `message_create`.
pub fn received(app: &AppState, instance: &Instance, m: &Msg, me: &str) {
    let message = m.to_json(me);
    app.hooks
        .emit(instance, "message", json!({"message": message.clone()}));
    app.hooks
        .emit(instance, "message_create", json!({"message": message}));
}
