//! A native stand-in for the WaAPI WhatsApp REST API (`/api/v1`), faithful to the live
//! service's envelopes and quirks (or, on request, to the v1.6.0 spec's), with `/__fake` control
//! endpoints for seeding, scanning, inspecting requests and injecting faults.
//!
//! Start it inside a test and talk real HTTP to it:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base = format!("http://{}", listener.local_addr()?);
//! tokio::spawn(fake_waapi::serve(listener, fake_waapi::Config::default()));
//! // GET {base}/api/v1/instances with `Authorization: Bearer fake-admin-token` …
//! # Ok(()) }
//! ```

mod actions;
mod api;
pub mod catalogue;
mod control;
mod cors;
pub mod envelope;
mod events;
mod faults;
pub mod qr;
mod recorder;
mod server;
mod state;
mod store;
mod webhooks;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::middleware;
use axum::Router;
use tokio::net::TcpListener;

pub use envelope::Envelopes;
pub use state::{Permission, Permissions};

/// How many webhook deliveries of one instance may wait while one is under way; an event
/// beyond that is dropped and logged as dropped.
pub const WEBHOOK_QUEUE: usize = webhooks::QUEUE;

/// The admin token seeded when no `--token` is given; it holds all four permissions.
pub const ADMIN_TOKEN: &str = "fake-admin-token";
/// The viewer token seeded when no `--token` is given; it may only read.
pub const VIEWER_TOKEN: &str = "fake-viewer-token";

/// How the fake behaves; fixed for the life of a server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Bearer token → permissions.
    pub tokens: HashMap<String, Permissions>,
    /// Creating an instance beyond this many fails with 400.
    pub instance_limit: usize,
    /// How long each timed lifecycle step (booting, loading_screen, authenticated) lasts.
    pub boot: Duration,
    pub envelopes: Envelopes,
    /// Requests per second per token; `None` means unlimited.
    pub rate_limit: Option<u32>,
    /// How /me and actions answer on an instance that is not `ready`.
    pub not_ready: NotReady,
    /// The time between a sent message's `message_create` and its `message_ack` 1, and
    /// between acks 1, 2 and 3.
    pub ack_delay: Duration,
    /// Post webhooks to any host; by default only to loopback hosts (`localhost`, 127.0.0.0/8,
    /// `[::1]`), so the seeded example.com URLs never leave the machine.
    pub webhook_any_host: bool,
    /// How long one webhook delivery may take before it is logged as timed out.
    pub webhook_timeout: Duration,
}

/// The answer to /me or an action on an instance that is not `ready`; the body is
/// `{"status":"error","message":"Instance is not ready.","instanceId":"<id>"}` either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum NotReady {
    /// HTTP 200, as the live service answers (the vendor SDKs read the in-band status).
    #[default]
    #[value(name = "200")]
    Ok,
    /// HTTP 409 Conflict, as the v1.7.0 spec documents.
    #[value(name = "409")]
    Conflict,
}

impl Default for Config {
    /// What the binary runs with when given no flags: the admin and viewer tokens, 5 instances,
    /// a 3 s boot, live envelopes, no rate limit, acks 300 ms apart, webhooks to loopback only.
    fn default() -> Config {
        let read_only: Permissions = "read".parse().expect("\"read\" is a permission");
        Config {
            tokens: HashMap::from([
                (ADMIN_TOKEN.to_owned(), Permissions::ALL),
                (VIEWER_TOKEN.to_owned(), read_only),
            ]),
            instance_limit: 5,
            boot: Duration::from_millis(3000),
            envelopes: Envelopes::Live,
            rate_limit: None,
            not_ready: NotReady::Ok,
            ack_delay: Duration::from_millis(300),
            webhook_any_host: false,
            webhook_timeout: Duration::from_secs(5),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
struct AppState {
    config: Arc<Config>,
    world: Arc<Mutex<state::World>>,
    hooks: Arc<webhooks::Hooks>,
}

impl AppState {
    fn world(&self) -> MutexGuard<'_, state::World> {
        // A panicking handler cannot leave the world half-updated in a way later requests
        // would trip over, so a poisoned lock is still usable.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether a path belongs to the API proper, where requests are logged and faults apply.
fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Serves the fake on `listener`. It never finishes; drop (or abort) the future to stop the
/// server, which also closes its connections.
pub async fn serve(listener: TcpListener, config: Config) -> Infallible {
    server::run(listener, app(config)).await
}

fn app(config: Config) -> Router {
    let state = AppState {
        hooks: Arc::new(webhooks::Hooks::new(
            config.webhook_any_host,
            config.webhook_timeout,
        )),
        config: Arc::new(config),
        world: Arc::new(Mutex::new(state::World::seed())),
    };
    let routes = api::routes(state.clone())
        .merge(control::routes())
        .fallback(api::route_not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state.clone());
    // `Router::layer` wraps each route after routing; as the fallback service the whole router
    // sits inside the layers instead, so they see every request first. Outermost last:
    // CORS headers → request log → preflight → faults → routes.
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(state.clone(), faults::apply))
        .layer(middleware::from_fn(cors::preflight))
        .layer(middleware::from_fn_with_state(state, recorder::record))
        .layer(middleware::from_fn(cors::allow_any_origin))
}
