//! Starts a fake in-process on a free port and talks to it with reqwest.

use std::convert::Infallible;
use std::time::Duration;

use fake_waapi::{Config, ADMIN_TOKEN};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const ADMIN: Option<&str> = Some(ADMIN_TOKEN);
pub const VIEWER: Option<&str> = Some(fake_waapi::VIEWER_TOKEN);

/// The default configuration with instant lifecycle steps, as most tests want.
pub fn instant() -> Config {
    Config {
        boot: Duration::ZERO,
        ..Config::default()
    }
}

/// A running fake; dropping it stops the server and closes its connections.
pub struct Fake {
    pub base: String,
    pub http: reqwest::Client,
    task: JoinHandle<Infallible>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP exchange, kept whole so tests can assert on anything in it.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Fake {
    pub async fn start(config: Config) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        Fake {
            base,
            http: reqwest::Client::new(),
            task: tokio::spawn(fake_waapi::serve(listener, config)),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Option<&str>) -> Reply {
        self.call(Method::POST, path, token, body).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &str) -> Reply {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    /// Arms a fault and returns its id.
    pub async fn fault(&self, spec: Value) -> u64 {
        let reply = self
            .post("/__fake/faults", None, Some(&spec.to_string()))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()["id"].as_u64().unwrap()
    }
}
