//! A typed WaAPI (WhatsApp API) client for WebAssembly in browsers, Node and Cloudflare
//! Workers (over `fetch`), and for native Rust services (over reqwest, with the `native`
//! feature).
//!
//! ```no_run
//! # async fn demo() -> Result<(), waapi_wasm::Error> {
//! use waapi_wasm::{Client, InstanceUpdate, WebhookEvent};
//!
//! let client = Client::new("my-api-token");
//! let instances = client.instances().list(None).await?;
//! let status = client.instance(instances[0].id).status().await?;
//! client
//!     .instances()
//!     .update(1, &InstanceUpdate::new().webhook_events(vec![WebhookEvent::Message]))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The requests, envelope decoding and retry policy are plain Rust (tested on the host); only
//! the transport touches the network. [`webhook`] parses the events WaAPI posts to an
//! instance's webhook URL into [`WebhookPayload`]; [`actions`] types every client action.
//!
//! # Features
//! - `native`: the HTTP transport for non-wasm targets (reqwest with rustls; needs a Tokio
//!   runtime with time and I/O enabled, as `#[tokio::main]` gives). The futures are then
//!   `Send`. On wasm32 the transport is always the global `fetch`, and the futures are not
//!   `Send` (they hold JavaScript values). A non-wasm build without `native` has no transport:
//!   every call fails with an [`Error::Network`] that says so.
//! - `serde`: `Serialize` and `Deserialize` on the models, the requests, the action answers and
//!   the webhook events, with the wire's field names. Deserializing reads as the client does
//!   (with the same checks), so it needs a self-describing format such as JSON.
//! - `js`: the `WaapiClient` class and `parseWebhookEvent` for JavaScript (wasm-bindgen).
//! - `std` (default): Rust's standard library on wasm32. Without it the crate is `no_std` there
//!   (with `alloc`); native builds always have std. The npm package is built without it.
#![deny(missing_docs)]
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

/// What std's prelude would bring, for the modules to import whether or not std is there.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod action;
pub mod actions;
mod client;
// Not part of the stable API: the edge (worker/) and fuzz (fuzz/) crates use them.
#[doc(hidden)]
pub mod envelope;
mod error;
pub mod json;
pub mod models;
#[doc(hidden)]
pub mod request;
#[doc(hidden)]
pub mod retry;
#[cfg(feature = "serde")]
mod serde_impl;
mod text;
pub mod webhook;

// The transport, picked by target: `fetch` in wasm, reqwest natively with `native`, else none.
// Hidden: the wasm tests call it for the fake's control endpoints, the edge for its list lane.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod transport;
#[cfg(all(not(target_arch = "wasm32"), feature = "native"))]
#[doc(hidden)]
#[path = "native.rs"]
pub mod transport;
#[cfg(all(not(target_arch = "wasm32"), not(feature = "native")))]
#[doc(hidden)]
#[path = "no_transport.rs"]
pub mod transport;

#[cfg(feature = "js")]
mod js;

// The npm package's allocator: talc is 2.6 KB gzip smaller in this wasm than Rust's default
// dlmalloc (and faster). Only with `js`, the package's own build: a library must not choose the
// allocator of a Rust program that depends on it (the edge handler sets the same one itself).
#[cfg(all(feature = "js", target_arch = "wasm32"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// The npm package's panic handler, for the same reason and only where std brings none: a trap.
// The crate does not panic (its entry points return errors; `make fuzz` holds them to it), so
// std's handler, which formats the message for a hook that has nowhere to print it in wasm, was
// 1 KB of code that also kept `core::fmt` in the binary.
#[cfg(all(feature = "js", target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

pub use client::{
    Client, InstanceClient, Instances, Options, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_MAX_RESPONSE_BYTES, MAX_MAX_RETRIES,
    MAX_TIMEOUT_MS,
};
pub use error::{Error, ErrorKind};
pub use models::{ClientStatus, Instance, InstanceStatus, Me, QrCode, WebhookEvent};
pub use request::{InstanceUpdate, Permission};
pub use webhook::WebhookPayload;

/// The README's Rust example compiles as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
