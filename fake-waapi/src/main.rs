//! `fake-waapi --port 8080`: runs the fake WaAPI server on 127.0.0.1.
//!
//! The first stdout line is `listening on http://127.0.0.1:PORT`, so a test that starts the
//! binary with `--port 0` can read the port it got.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fake_waapi::{Config, Envelopes, NotReady, Permissions, ADMIN_TOKEN, VIEWER_TOKEN};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(version, about = "A fake WaAPI (WhatsApp REST API) server for tests")]
struct Cli {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// A bearer token and its permissions, e.g. `--token t1=read,update`. Repeatable. Without
    /// any, `fake-admin-token` (all) and `fake-viewer-token` (read) are seeded and printed.
    #[arg(long = "token", value_name = "TOKEN=PERMISSIONS", value_parser = parse_token)]
    tokens: Vec<(String, Permissions)>,
    /// Creating more instances than this fails with 400.
    #[arg(long, default_value_t = 5)]
    instance_limit: usize,
    /// Milliseconds each lifecycle step (booting, loading_screen, authenticated) lasts.
    #[arg(long, default_value_t = 3000)]
    boot_ms: u64,
    /// `live`: what the running service sends; `spec`: the v1.6.0 OpenAPI file literally.
    #[arg(long, value_enum, default_value_t = Envelopes::Live)]
    envelopes: Envelopes,
    /// Requests per second per token; beyond it 429 with Retry-After. Off when absent.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: Option<u32>,
    /// How /me and actions answer on an instance that is not ready: `200` (an in-band error,
    /// as live) or `409` (Conflict, as the v1.7.0 spec).
    #[arg(long, value_enum, default_value_t = NotReady::Ok)]
    not_ready: NotReady,
    /// Milliseconds between a sent message's `message_create` webhook and its `message_ack` 1,
    /// and between acks 1, 2 and 3.
    #[arg(long, default_value_t = 300)]
    ack_delay_ms: u64,
    /// Post webhooks to any host; by default only to loopback hosts (localhost, 127.0.0.0/8, [::1]).
    #[arg(long)]
    webhook_any_host: bool,
}

/// `TOKEN=create,read,…`; the last `=` separates, so tokens may themselves contain `=`.
fn parse_token(spec: &str) -> Result<(String, Permissions), String> {
    let (token, permissions) = spec
        .rsplit_once('=')
        .ok_or("expected TOKEN=PERMISSIONS, e.g. t1=read,update")?;
    if token.is_empty() {
        return Err("the token must not be empty".to_owned());
    }
    Ok((token.to_owned(), permissions.parse()?))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let seeded = cli.tokens.is_empty();
    let defaults = Config::default();
    let config = Config {
        tokens: if seeded {
            defaults.tokens
        } else {
            cli.tokens.into_iter().collect::<HashMap<_, _>>()
        },
        instance_limit: cli.instance_limit,
        boot: Duration::from_millis(cli.boot_ms),
        envelopes: cli.envelopes,
        rate_limit: cli.rate_limit,
        not_ready: cli.not_ready,
        ack_delay: Duration::from_millis(cli.ack_delay_ms),
        webhook_any_host: cli.webhook_any_host,
        ..defaults
    };

    let listener = match TcpListener::bind(("127.0.0.1", cli.port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("fake-waapi: cannot bind 127.0.0.1:{}: {err}", cli.port);
            return ExitCode::FAILURE;
        }
    };
    let port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(err) => {
            eprintln!("fake-waapi: {err}");
            return ExitCode::FAILURE;
        }
    };

    let mut out = std::io::stdout().lock();
    let mut announce = writeln!(out, "listening on http://127.0.0.1:{port}");
    if seeded {
        announce = announce
            .and_then(|()| writeln!(out, "admin token: {ADMIN_TOKEN}"))
            .and_then(|()| writeln!(out, "viewer token: {VIEWER_TOKEN}"));
    }
    // A closed stdout (the test read its line and went away) must not stop the server.
    let _ = announce.and_then(|()| out.flush());
    drop(out);

    match fake_waapi::serve(listener, config).await {}
}
