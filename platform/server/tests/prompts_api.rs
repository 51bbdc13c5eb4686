//! Tenant prompts: upload an 8 kHz WAV, list, fetch the same bytes, delete; bad audio and wrong
//! media types are refused with the reason; agents may not write; tenants never see each
//! other's prompts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Db, Reply, TestApp};

fn wav(samples: usize, rate: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let tone: Vec<i16> = (0..samples).map(|i| ((i % 16) as i16 - 8) * 500).collect();
    kefu_media::prompt::wav::write_wav(&tone, rate, &mut out);
    out
}

async fn put(app: &TestApp, token: &str, name: &str, content_type: &str, body: Vec<u8>) -> Reply {
    app.raw(
        Request::put(format!("/api/v1/prompts/{name}"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn prompts_round_trip(db: Db) {
    let app = TestApp::new(db).await;
    let (admin, _) = app.signup("Prompt Co", "owner@prompt.test").await;
    let (agent, _) = app.add_user(&admin, "agent@prompt.test", "agent").await;
    let audio = wav(16_000, 8_000);

    let r = put(&app, &admin, "welcome", "audio/wav", audio.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["duration_ms"], 2_000);
    let list = app.get("/api/v1/prompts", &admin).await;
    assert_eq!(list.body["items"][0]["name"], "welcome", "{:?}", list.body);
    let got = app.get("/api/v1/prompts/welcome", &admin).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.raw.as_ref(), audio.as_slice(), "the same bytes back");

    // Refusals say what is wrong and store nothing.
    let r = put(&app, &admin, "cd-quality", "audio/wav", wav(4_410, 44_100)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("8 kHz"),
        "{:?}",
        r.body
    );
    let r = put(
        &app,
        &admin,
        "garbage",
        "audio/wav",
        b"RIFFnot really".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = put(&app, &admin, "json", "application/json", b"{}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", r.body);
    let r = put(&app, &admin, "Bad.Name", "audio/wav", audio.clone()).await;
    assert!(r.status.is_client_error(), "{:?}", r.body);
    let r = put(&app, &agent, "sneaky", "audio/wav", audio.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/prompts", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Another tenant sees none of it.
    let (other, _) = app.signup("Other Co", "owner@other.test").await;
    assert_eq!(
        app.get("/api/v1/prompts", &other).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get("/api/v1/prompts/welcome", &other).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .call(
            Method::DELETE,
            "/api/v1/prompts/welcome",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = app
        .call(
            Method::DELETE,
            "/api/v1/prompts/welcome",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/prompts/welcome", &admin).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn prompts_round_trip_sqlite() {
    prompts_round_trip(Db::Sqlite).await;
}

#[tokio::test]
async fn prompts_round_trip_postgres() {
    prompts_round_trip(Db::Postgres).await;
}
