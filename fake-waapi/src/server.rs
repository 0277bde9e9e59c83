//! The accept loop. It is hand-rolled rather than `axum::serve` so a handler can close its own
//! TCP connection without writing a response (the `drop` fault).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Put into every request's extensions; `kill` closes the connection the request came on.
#[derive(Clone)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub fn kill(&self) {
        // `notify_one` stores a permit, so the kill holds even if the connection task is not
        // waiting at this instant.
        self.0.notify_one();
    }
}

/// Serves `app` on every connection `listener` accepts. It never finishes; dropping the future
/// stops the server and closes every open connection.
pub async fn run(listener: TcpListener, app: Router) -> Infallible {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone()));
                }
                // Usually out of file descriptors; give clients a moment to let go of some.
                Err(err) => {
                    eprintln!("fake-waapi: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, app: Router) {
    let kill = Arc::new(Notify::new());
    let handle = ConnectionKill(Arc::clone(&kill));
    let service = service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        let response = app.clone().oneshot(request.map(Body::new));
        async move { Ok::<_, Infallible>(response.await.unwrap_or_else(|e| match e {})) }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        // Errors here are clients hanging up mid-request; nothing to report.
        _ = connection => {}
        () = kill.notified() => {}
    }
}
