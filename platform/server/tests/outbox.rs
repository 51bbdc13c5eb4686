//! Invitation e-mails leave through the outbox: over SMTP to a real SMTP server (aiosmtpd) when
//! configured, and a failed delivery stays queued with its error instead of being lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn invite(app: &TestApp, email: &str) {
    let (owner, _) = app.signup("Acme", "owner@acme.test").await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/users",
            Some(&owner),
            Some(json!({"email": email, "name": "New Agent", "role": "agent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn invitations_are_sent_over_smtp() {
    let port = free_port();
    let mut smtp = Command::new("python3")
        .args([
            "-u",
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("aiosmtpd (pip install aiosmtpd) must be installed for this test");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app = TestApp::with_config(common::Db::Sqlite, |c| {
        c.smtp_url = format!("smtp://127.0.0.1:{port}");
        c.smtp_from = "Kefu Test <no-reply@kefu.test>".into();
    })
    .await;
    invite(&app, "new.agent@acme.test").await;
    let token = app.invitation_token_for("new.agent@acme.test").await;
    let delivered = app
        .state
        .outbox
        .deliver_pending(&app.state.store)
        .await
        .unwrap();
    assert_eq!(delivered, 1);
    assert!(
        app.state.store.outbox_pending(10).await.unwrap().is_empty(),
        "marked sent"
    );

    smtp.kill().unwrap();
    let mut out = String::new();
    smtp.stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    smtp.wait().unwrap();
    assert!(out.contains("new.agent@acme.test"), "recipient: {out}");
    assert!(out.contains("no-reply@kefu.test"), "sender: {out}");
    // The body is quoted-printable (the link makes a long line): decode as a mail client would.
    let decoded = out
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        decoded.contains(&format!("invite?token={token}")),
        "the link reached the SMTP server: {out}"
    );
}

#[tokio::test]
async fn failed_deliveries_stay_queued_with_their_error() {
    let closed = free_port();
    let app = TestApp::with_config(common::Db::Sqlite, |c| {
        c.smtp_url = format!("smtp://127.0.0.1:{closed}");
    })
    .await;
    invite(&app, "new.agent@acme.test").await;
    assert_eq!(
        app.state
            .outbox
            .deliver_pending(&app.state.store)
            .await
            .unwrap(),
        0
    );
    let pending = app.state.store.outbox_pending(10).await.unwrap();
    assert_eq!(pending.len(), 1, "the message is kept for a retry");
    assert_eq!(pending[0].attempts, 1);
}

#[tokio::test]
async fn without_smtp_messages_are_delivered_to_the_log() {
    let app = TestApp::new(common::Db::Sqlite).await;
    invite(&app, "new.agent@acme.test").await;
    assert_eq!(
        app.state
            .outbox
            .deliver_pending(&app.state.store)
            .await
            .unwrap(),
        1
    );
    assert!(app.state.store.outbox_pending(10).await.unwrap().is_empty());
}
