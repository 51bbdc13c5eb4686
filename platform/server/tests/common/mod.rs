//! Test harness: a real Kefu app (router + state) on SQLite or a fresh PostgreSQL database,
//! driven through the router exactly as HTTP requests arrive.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use kefu_server::config::Config;
use kefu_server::state::AppState;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    /// The body's bytes as received.
    pub raw: bytes::Bytes,
}

impl Reply {
    /// The problem+json `field` of an error reply.
    pub fn field(&self) -> Option<&str> {
        self.body.get("field").and_then(Value::as_str)
    }
}

pub fn test_config(dir: &std::path::Path) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        web_dir: dir.join("no-web"),
        // Tests make many logins from one address; the limiter has its own tests.
        auth_rate_per_ip_per_min: 10_000,
        auth_rate_per_account_per_min: 10_000,
        ..Config::default()
    }
}

impl TestApp {
    pub async fn new(db: Db) -> TestApp {
        Self::with_config(db, |_| {}).await
    }

    pub async fn with_config(db: Db, tweak: impl FnOnce(&mut Config)) -> TestApp {
        kefu_server::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(dir.path());
        if let Db::Postgres = db {
            config.database_url = kefu_store::testing::fresh_postgres().await;
        }
        tweak(&mut config);
        let state = kefu_server::app::build_state(config, None).await.unwrap();
        let router = kefu_server::app::router(state.clone())
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        TestApp {
            router,
            state,
            _dir: dir,
        }
    }

    pub async fn raw(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
            raw: bytes,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.raw(req.unwrap()).await
    }

    /// `POST /api/v1/sessions` with this body.
    pub async fn login(&self, body: Value) -> Reply {
        self.call(Method::POST, "/api/v1/sessions", None, Some(body))
            .await
    }

    /// The actions in the tenant's audit log, newest first.
    pub async fn audit_actions(&self, token: &str) -> Vec<String> {
        let audit = self.get("/api/v1/audit?limit=200", token).await;
        audit.body["items"]
            .as_array()
            .expect("audit items")
            .iter()
            .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Sign up a company; returns (access token, session body).
    pub async fn signup(&self, company: &str, email: &str) -> (String, Value) {
        let r = self
            .call(
                Method::POST,
                "/api/v1/signup",
                None,
                Some(json!({
                    "company": company,
                    "name": "Owner Person",
                    "email": email,
                    "password": "correct horse battery staple",
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        (r.body["access_token"].as_str().unwrap().to_owned(), r.body)
    }

    /// Invite a user with `role` and accept the invitation; returns their access token and id.
    pub async fn add_user(&self, admin: &str, email: &str, role: &str) -> (String, String) {
        let r = self
            .call(
                Method::POST,
                "/api/v1/users",
                Some(admin),
                Some(json!({"email": email, "name": "Some One", "role": role})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let id = r.body["user"]["id"].as_str().unwrap().to_owned();
        let token = self.invitation_token_for(email).await;
        let r = self
            .call(
                Method::POST,
                "/api/v1/invitations/accept",
                None,
                Some(json!({"token": token, "password": "another long passphrase"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        (r.body["access_token"].as_str().unwrap().to_owned(), id)
    }

    /// The invitation token from the outbox message sent to `email` (as the invitee would
    /// read it in their e-mail).
    pub async fn invitation_token_for(&self, email: &str) -> String {
        let msgs = self.state.store.outbox_pending(1000).await.unwrap();
        let msg = msgs
            .iter()
            .rev()
            .find(|m| m.recipient == email)
            .expect("an invitation e-mail in the outbox");
        let start = msg.body.find("token=").expect("link with token") + "token=".len();
        msg.body[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }
}

/// Run an async test body once per database.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                ($body)(common::Db::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                ($body)(common::Db::Postgres).await
            }
        }
    };
}

/// A guest component built by `plugins/build.sh` (`$KEFU_PLUGIN_WASM_DIR` or its default).
pub fn component(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("KEFU_PLUGIN_WASM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/kefu/target-wasm/plugins")
        });
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): run plugins/build.sh first (or set KEFU_PLUGIN_WASM_DIR)",
            path.display()
        )
    })
}
