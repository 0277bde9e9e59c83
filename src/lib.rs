//! A typed WaAPI (WhatsApp API) client over `fetch`, for WebAssembly in browsers, Node and
//! Cloudflare Workers.
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
//! The requests, envelope decoding and retry policy are plain Rust (tested on the host);
//! only [`transport`] touches `fetch`. [`webhook`] parses the events WaAPI posts to an
//! instance's webhook URL into [`WebhookPayload`]. With the `js` feature the crate also exports
//! the `WaapiClient` class and `parseWebhookEvent` for JavaScript.

pub mod action;
pub mod actions;
pub mod client;
pub mod envelope;
pub mod error;
pub mod json;
pub mod models;
pub mod request;
pub mod retry;
pub mod transport;
pub mod webhook;

#[cfg(feature = "js")]
mod js;

pub use client::{Client, InstanceClient, Instances, Options};
pub use error::{Error, ErrorKind};
pub use models::{ClientStatus, Instance, InstanceStatus, Me, QrCode, WebhookEvent};
pub use request::{InstanceUpdate, Permission};
pub use webhook::WebhookPayload;

/// The README's Rust example compiles as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
