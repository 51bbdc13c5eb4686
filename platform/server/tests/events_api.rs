//! The tenant event log over HTTP and the live WebSocket stream, through the real router and a
//! real socket: paging and filters, roles, tenants kept apart, resync after retention, resume
//! by sequence number, and a slow consumer cut off without holding anyone back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use common::{Db, TestApp};
use futures::{SinkExt, StreamExt};
use kefu_core::event::{AgentPresence, AgentStateChanged};
use kefu_core::{AgentId, CallId, DomainEvent, Role, TenantId, TenantScope, UserId};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// A tenant: its owner's token and an event scope.
struct Tenant {
    token: String,
    id: TenantId,
    scope: TenantScope,
}

async fn tenant(app: &TestApp, company: &str, email: &str) -> Tenant {
    let (token, session) = app.signup(company, email).await;
    let id: TenantId = session["tenant"]["id"].as_str().unwrap().parse().unwrap();
    Tenant {
        token,
        id,
        scope: TenantScope::authenticated(id, UserId::new(), Role::Agent),
    }
}

async fn emit(app: &TestApp, scope: &TenantScope, events: Vec<DomainEvent>) {
    for e in events {
        app.state.events.emit(scope, e).await;
    }
    assert_eq!(app.state.events.drain(Duration::from_secs(30)).await, 0);
}

fn answered(n: usize) -> Vec<DomainEvent> {
    (0..n)
        .map(|_| DomainEvent::CallAnswered {
            call: CallId::new(),
        })
        .collect()
}

fn seqs(body: &Value) -> Vec<u64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

on_both_databases!(
    the_log_pages_filters_and_keeps_tenants_apart,
    |db| async move {
        let app = TestApp::new(db).await;
        let a = tenant(&app, "Alpha", "a@alpha.test").await;
        let b = tenant(&app, "Beta", "b@beta.test").await;
        let call = CallId::new();
        let mut events = answered(3);
        events.push(DomainEvent::CallQueued {
            call,
            queue: "Support".into(),
            priority: 0,
        });
        emit(&app, &a.scope, events).await;
        emit(&app, &b.scope, answered(2)).await;

        let page = app.get("/api/v1/events?limit=2", &a.token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(seqs(&page.body), [1, 2]);
        assert_eq!(page.body["next_after"], 2);
        assert_eq!(page.body["latest"], 4);
        assert_eq!(page.body["items"][0]["type"], "call.answered");
        assert_eq!(page.body["items"][0]["tenant"], a.id.to_string());
        let rest = app.get("/api/v1/events?after=2", &a.token).await;
        assert_eq!(seqs(&rest.body), [3, 4]);
        assert!(rest.body["next_after"].is_null());
        let queued = app.get("/api/v1/events?type=call.queued", &a.token).await;
        assert_eq!(seqs(&queued.body), [4]);
        assert_eq!(queued.body["items"][0]["data"]["queue"], "Support");
        let family = app.get("/api/v1/events?type=call.,agent.", &a.token).await;
        assert_eq!(seqs(&family.body), [1, 2, 3, 4]);
        let subject = app
            .get(&format!("/api/v1/events?subject={call}"), &a.token)
            .await;
        assert_eq!(seqs(&subject.body), [4]);

        // Tenant B sees its own two, never A's — whatever it asks for.
        let theirs = app.get("/api/v1/events", &b.token).await;
        assert_eq!(seqs(&theirs.body), [1, 2]);
        assert!(
            theirs.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["tenant"] == b.id.to_string())
        );
        let probe = app
            .get(&format!("/api/v1/events?subject={call}"), &b.token)
            .await;
        assert_eq!(seqs(&probe.body), Vec::<u64>::new());

        // Bad input says what is wrong.
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=5000", "limit"),
            ("type=DROP%20TABLE", "type"),
            ("after=-1", "after"),
            ("bogus=1", "bogus"),
        ] {
            let r = app.get(&format!("/api/v1/events?{query}"), &a.token).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{query}: {}",
                r.body
            );
            assert_eq!(r.field(), Some(field), "{query}: {}", r.body);
        }
        let r = app
            .call(axum::http::Method::GET, "/api/v1/events", None, None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
);

on_both_databases!(an_agent_sees_only_its_own_agent_events, |db| async move {
    let app = TestApp::new(db).await;
    let a = tenant(&app, "Alpha", "a@alpha.test").await;
    let (agent_token, agent_user) = app.add_user(&a.token, "agent@alpha.test", "agent").await;
    let me = AgentId::from_ulid(agent_user.parse::<UserId>().unwrap().ulid());
    let state = |agent| {
        DomainEvent::AgentStateChanged(AgentStateChanged {
            agent,
            from: AgentPresence::NotReady,
            to: AgentPresence::Ready,
            reason: None,
            in_previous_ms: None,
        })
    };
    let mut events = answered(1);
    events.push(state(me));
    events.push(state(AgentId::new()));
    emit(&app, &a.scope, events).await;
    let mine = app.get("/api/v1/events", &agent_token).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(seqs(&mine.body), [2]);
    let all = app.get("/api/v1/events", &a.token).await;
    assert_eq!(seqs(&all.body), [1, 2, 3]);
});

on_both_databases!(
    asking_for_events_past_retention_says_resync,
    |db| async move {
        let app = TestApp::new(db).await;
        let a = tenant(&app, "Alpha", "a@alpha.test").await;
        emit(&app, &a.scope, answered(3)).await;
        app.state
            .store
            .delete_events_before(chrono::Utc::now() + chrono::Duration::seconds(1))
            .await
            .unwrap();
        emit(&app, &a.scope, answered(1)).await;
        let r = app.get("/api/v1/events?after=1", &a.token).await;
        assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
        assert!(
            r.body["type"].as_str().unwrap().ends_with("resync"),
            "{}",
            r.body
        );
        assert!(
            r.body["detail"].as_str().unwrap().contains("starts at 4"),
            "{}",
            r.body
        );
        let ok = app.get("/api/v1/events?after=3", &a.token).await;
        assert_eq!(seqs(&ok.body), [4]);
    }
);

// --- the WebSocket stream, over a real socket -------------------------------------------

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = kefu_server::app::router(app.state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

async fn connect(addr: SocketAddr) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/events/stream"))
        .await
        .unwrap();
    ws
}

/// The next JSON message (skipping pings), within 10 s.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the stream is open")
            .unwrap();
        match msg {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Close(frame) => {
                return json!({"type": "closed", "code": frame.map(|f| u16::from(f.code))});
            }
            _ => {}
        }
    }
}

async fn auth(ws: &mut Ws, hello: Value) -> Value {
    ws.send(Message::Text(hello.to_string().into()))
        .await
        .unwrap();
    next(ws).await
}

#[tokio::test]
async fn the_stream_replays_then_streams_live_in_order_and_only_the_tenants_own() {
    let app = TestApp::new(Db::Sqlite).await;
    let a = tenant(&app, "Alpha", "a@alpha.test").await;
    let b = tenant(&app, "Beta", "b@beta.test").await;
    emit(&app, &a.scope, answered(5)).await;
    let addr = serve(&app).await;
    let mut ws = connect(addr).await;
    let ready = auth(
        &mut ws,
        json!({"type": "auth", "token": a.token, "after": 2}),
    )
    .await;
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(ready["latest"], 5);
    for want in 3..=5 {
        let m = next(&mut ws).await;
        assert_eq!(m["type"], "event", "{m}");
        assert_eq!(m["event"]["seq"], want, "{m}");
    }
    // Live: B's events never arrive; A's continue at 6.
    emit(&app, &b.scope, answered(3)).await;
    emit(&app, &a.scope, answered(2)).await;
    for want in 6..=7 {
        let m = next(&mut ws).await;
        assert_eq!(m["event"]["seq"], want, "{m}");
        assert_eq!(m["event"]["tenant"], a.id.to_string(), "{m}");
    }
    // A second client resuming after 6 gets exactly 7, then live.
    let mut again = connect(addr).await;
    let ready = auth(
        &mut again,
        json!({"type": "auth", "token": a.token, "after": 6, "types": ["call."]}),
    )
    .await;
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(next(&mut again).await["event"]["seq"], 7);
    emit(&app, &a.scope, answered(1)).await;
    assert_eq!(next(&mut again).await["event"]["seq"], 8);
    assert_eq!(next(&mut ws).await["event"]["seq"], 8);
}

#[tokio::test]
async fn the_stream_refuses_bad_authentication_and_says_resync_past_retention() {
    let app = TestApp::new(Db::Sqlite).await;
    let a = tenant(&app, "Alpha", "a@alpha.test").await;
    let addr = serve(&app).await;
    let mut ws = connect(addr).await;
    let err = auth(&mut ws, json!({"type": "auth", "token": "not-a-token"})).await;
    assert_eq!(err["type"], "error", "{err}");
    assert!(err["reason"].as_str().unwrap().contains("token"), "{err}");
    assert_eq!(next(&mut ws).await["code"], 4401);
    let mut ws = connect(addr).await;
    let err = auth(&mut ws, json!({"type": "subscribe"})).await;
    assert_eq!(err["type"], "error", "{err}");
    assert!(
        err["reason"].as_str().unwrap().contains("not valid"),
        "{err}"
    );

    emit(&app, &a.scope, answered(3)).await;
    app.state
        .store
        .delete_events_before(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    emit(&app, &a.scope, answered(1)).await;
    let mut ws = connect(addr).await;
    let resync = auth(
        &mut ws,
        json!({"type": "auth", "token": a.token, "after": 1}),
    )
    .await;
    assert_eq!(resync["type"], "resync", "{resync}");
    assert_eq!(resync["oldest"], 4);
    emit(&app, &a.scope, answered(1)).await;
    assert_eq!(
        next(&mut ws).await["event"]["seq"],
        5,
        "live after a resync"
    );
}

#[tokio::test]
async fn a_slow_consumer_is_cut_off_with_a_reason_and_others_keep_going() {
    let app = TestApp::new(Db::Sqlite).await;
    let a = tenant(&app, "Alpha", "a@alpha.test").await;
    let addr = serve(&app).await;
    let mut slow = connect(addr).await;
    assert_eq!(
        auth(&mut slow, json!({"type": "auth", "token": a.token})).await["type"],
        "ready"
    );
    let mut fast = connect(addr).await;
    assert_eq!(
        auth(&mut fast, json!({"type": "auth", "token": a.token})).await["type"],
        "ready"
    );
    // The fast client reads as events come; the slow one reads nothing until the end. Enough
    // events to fill the socket buffers and then the slow client's queue.
    let total = 60_000u64;
    let reader = tokio::spawn(async move {
        let mut last = 0;
        while last < total {
            let m = next(&mut fast).await;
            if m["type"] == "event" {
                last = m["event"]["seq"].as_u64().unwrap();
            }
        }
        last
    });
    let scope = a.scope.clone();
    let events = app.state.events.clone();
    for _ in 0..total {
        events
            .emit(
                &scope,
                DomainEvent::CallAnswered {
                    call: CallId::new(),
                },
            )
            .await;
    }
    assert_eq!(
        reader.await.unwrap(),
        total,
        "the fast client got everything"
    );
    let mut reason = None;
    let mut got = 0u64;
    loop {
        let m = next(&mut slow).await;
        match m["type"].as_str().unwrap() {
            "event" => got += 1,
            "error" => reason = m["reason"].as_str().map(str::to_owned),
            "closed" => {
                assert_eq!(m["code"], 1008, "{m}");
                break;
            }
            _ => {}
        }
    }
    let reason = reason.expect("a reason before the close");
    assert!(reason.contains("slow consumer"), "{reason}");
    assert!(
        got < total,
        "the slow client was cut off before the end ({got})"
    );
    for _ in 0..100 {
        if app.state.event_hub.connections() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.state.event_hub.connections(),
        0,
        "both connections are gone"
    );
}
