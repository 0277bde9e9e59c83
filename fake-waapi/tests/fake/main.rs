//! End-to-end tests of fake-waapi over real HTTP. One test binary, so the shared support module
//! is compiled (and linked) once.

mod actions;
mod client;
mod control;
mod flows;
mod instances;
mod support;
mod webhooks;
