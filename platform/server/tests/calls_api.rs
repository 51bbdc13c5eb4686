//! Call records and voicemails through the API (both databases). The call actor writes them
//! through the store; here the tests do the same, then read, page, filter, play, mark heard and
//! delete them as supervisors and admins — and check agents and other tenants get nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use bytes::Bytes;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestApp;
use kefu_core::{CallId, Role, TenantScope, UserId, VoicemailId};
use kefu_store::call_records::NewCallRecord;
use kefu_store::objects::ObjectKey;
use kefu_store::voicemails::{NewVoicemail, voicemail_key};
use serde_json::{Value, json};

/// A company with an owner, a supervisor and an agent, and the scope its calls run with.
struct Company {
    owner: String,
    supervisor: String,
    agent: String,
    calls: TenantScope,
}

async fn company(app: &TestApp, name: &str) -> Company {
    let domain = name.to_lowercase();
    let (owner, session) = app.signup(name, &format!("owner@{domain}.test")).await;
    let (supervisor, _) = app
        .add_user(&owner, &format!("sup@{domain}.test"), "supervisor")
        .await;
    let (agent, _) = app
        .add_user(&owner, &format!("agent@{domain}.test"), "agent")
        .await;
    let tenant = session["tenant"]["id"].as_str().unwrap().parse().unwrap();
    // Minted as the inbound route does for a call from one of the company's trunks.
    #[allow(clippy::disallowed_methods)]
    let calls = TenantScope::authenticated(tenant, UserId::new(), Role::Agent);
    Company {
        owner,
        supervisor,
        agent,
        calls,
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

fn call(minute: i64, disposition: &str, caller: &str) -> NewCallRecord {
    let started_at = t0() + Duration::minutes(minute);
    NewCallRecord {
        id: CallId::new(),
        direction: "inbound".into(),
        caller: caller.into(),
        dialled: "+862150000000".into(),
        did: None,
        trunk: None,
        entry: Some(json!({"kind": "queue", "queue": "que_x"})),
        sip_call_id: "abc@carrier".into(),
        started_at,
        answered_at: Some(started_at + Duration::seconds(1)),
        ended_at: started_at + Duration::seconds(61),
        disposition: disposition.into(),
        hangup_by: "caller".into(),
        ivr_path: vec!["main".into(), "2".into()],
        queue: Some("que_x".into()),
        queue_wait_ms: Some(5_000),
        call_data: vec![
            ("zeta".into(), "last".into()),
            ("alpha".into(), "first".into()),
        ],
        media: json!({"codec": "PCMA"}),
        agents: vec![],
        talk_ms: None,
        hold_ms: None,
        holds: 0,
        reason: None,
    }
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both_databases!(call_records_list_page_filter_and_read, |db| async move {
    let app = TestApp::new(db).await;
    let alpha = company(&app, "Alpha").await;
    let beta = company(&app, "Beta").await;
    let mut written = Vec::new();
    for (minute, disposition, caller) in [
        (0, "completed", "+8613800000001"),
        (1, "abandoned", "+8613800000002"),
        (2, "completed", "+8613800000001"),
        (3, "voicemail", "+8613800000003"),
        (4, "completed", "+8613800000002"),
    ] {
        let r = app
            .state
            .store
            .record_call(&alpha.calls, &call(minute, disposition, caller))
            .await
            .unwrap();
        written.push(r.id.to_string());
    }
    let b_call = app
        .state
        .store
        .record_call(&beta.calls, &call(9, "completed", "+8613800000009"))
        .await
        .unwrap();
    let newest_first: Vec<String> = written.iter().rev().cloned().collect();

    let r = app.get("/api/v1/calls", &alpha.owner).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(ids(&r.body), newest_first, "only Alpha's, newest first");
    assert!(r.body["next"].is_null());
    let first = &r.body["items"][0];
    assert_eq!(first["caller"], "+8613800000002");
    assert_eq!(first["duration_ms"], 61_000);
    assert_eq!(first["queue_wait_ms"], 5_000);
    assert_eq!(first["ivr_path"], json!(["main", "2"]));
    assert_eq!(first["entry"], json!({"kind": "queue", "queue": "que_x"}));
    assert_eq!(first["media"], json!({"codec": "PCMA"}));
    assert_eq!(first["started_at"], "2026-11-22T09:04:00Z");
    // Call data is an object in the order the call set it.
    let raw = String::from_utf8_lossy(&r.raw);
    assert!(
        raw.contains(r#""call_data":{"zeta":"last","alpha":"first"}"#),
        "{raw}"
    );

    // Pages of two, following `next`.
    let mut listed = Vec::new();
    let mut path = "/api/v1/calls?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let r = app.get(&path, &alpha.supervisor).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        listed.extend(ids(&r.body));
        pages += 1;
        match r.body["next"].as_str() {
            Some(next) => path = format!("/api/v1/calls?limit=2&before={next}"),
            None => break,
        }
    }
    assert_eq!(listed, newest_first);
    assert_eq!(pages, 3);

    // Filters, alone and together ('+' must be escaped in a query string).
    let r = app
        .get("/api/v1/calls?disposition=completed", &alpha.owner)
        .await;
    assert_eq!(
        ids(&r.body),
        [
            written[4].as_str(),
            written[2].as_str(),
            written[0].as_str()
        ]
    );
    let r = app
        .get(
            "/api/v1/calls?caller=%2B8613800000002&disposition=abandoned",
            &alpha.owner,
        )
        .await;
    assert_eq!(ids(&r.body), [written[1].as_str()]);
    let r = app
        .get("/api/v1/calls?caller=%2B8613800000009", &alpha.owner)
        .await;
    assert_eq!(
        ids(&r.body),
        Vec::<String>::new(),
        "Beta's caller is not Alpha's"
    );

    // One record; unknown, malformed and Beta's ids are all simply not found.
    let r = app
        .get(&format!("/api/v1/calls/{}", written[3]), &alpha.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["disposition"], "voicemail");
    assert_eq!(r.body["id"], written[3].as_str());
    for id in [
        CallId::new().to_string(),
        "cal_nope".to_owned(),
        b_call.id.to_string(),
    ] {
        let r = app.get(&format!("/api/v1/calls/{id}"), &alpha.owner).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {:?}", r.body);
    }
    let r = app
        .get(&format!("/api/v1/calls/{}", b_call.id), &beta.owner)
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Bad paging input names its field.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("before=vm_x", "before"),
        ("colour=red", "colour"),
        ("limit=many", "limit"),
    ] {
        let r = app
            .get(&format!("/api/v1/calls?{query}"), &alpha.owner)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(r.field(), Some(field), "{query}");
    }

    // Agents read no call records.
    let r = app.get("/api/v1/calls", &alpha.agent).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get(&format!("/api/v1/calls/{}", written[0]), &alpha.agent)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
});

/// Store a voicemail as the call actor does: the WAV first, then the row.
async fn leave_voicemail(app: &TestApp, scope: &TenantScope, mailbox: &str, wav: &[u8]) -> String {
    let id = VoicemailId::new();
    let key = voicemail_key(scope, &id).unwrap();
    app.state
        .objects
        .put(&key, Bytes::copy_from_slice(wav), "audio/wav")
        .await
        .unwrap();
    app.state
        .store
        .create_voicemail(
            scope,
            &NewVoicemail {
                id,
                call: CallId::new(),
                mailbox: mailbox.into(),
                caller: "+8613800000001".into(),
                dialled: "+862150000000".into(),
                duration_ms: 3_000,
                size_bytes: wav.len() as i64,
                blob_key: key.as_str().to_owned(),
            },
        )
        .await
        .unwrap();
    id.to_string()
}

/// A WAV-looking body with every byte value, so a download that mangles bytes shows.
fn wav(tag: u8) -> Vec<u8> {
    let mut data = b"RIFF\x24\x08\x00\x00WAVEfmt ".to_vec();
    data.extend((0..=255u8).cycle().take(2_000));
    data.push(tag);
    data
}

on_both_databases!(voicemails_play_mark_heard_and_delete, |db| async move {
    let app = TestApp::new(db).await;
    let alpha = company(&app, "Alpha").await;
    let beta = company(&app, "Beta").await;
    let sales = leave_voicemail(&app, &alpha.calls, "sales", &wav(1)).await;
    let support = leave_voicemail(&app, &alpha.calls, "support", &wav(2)).await;
    let sales2 = leave_voicemail(&app, &alpha.calls, "sales", &wav(3)).await;
    let b_vm = leave_voicemail(&app, &beta.calls, "sales", &wav(9)).await;

    let r = app.get("/api/v1/voicemails", &alpha.supervisor).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let mut all = ids(&r.body);
    all.sort();
    let mut expected = vec![sales.clone(), support.clone(), sales2.clone()];
    expected.sort();
    assert_eq!(all, expected, "only Alpha's");
    let item = &r.body["items"][0];
    assert!(
        item.get("blob_key").is_none(),
        "the storage key stays private"
    );
    assert_eq!(item["heard"], false);
    assert_eq!(
        item["audio_url"],
        format!("/api/v1/voicemails/{}/audio", item["id"].as_str().unwrap())
    );
    let r = app
        .get("/api/v1/voicemails?mailbox=sales", &alpha.owner)
        .await;
    let mut in_sales = ids(&r.body);
    in_sales.sort();
    let mut want = vec![sales.clone(), sales2.clone()];
    want.sort();
    assert_eq!(in_sales, want);
    // Pages of one cover all three.
    let r = app.get("/api/v1/voicemails?limit=1", &alpha.owner).await;
    let next = r.body["next"].as_str().unwrap().to_owned();
    let r2 = app
        .get(
            &format!("/api/v1/voicemails?limit=2&before={next}"),
            &alpha.owner,
        )
        .await;
    assert_eq!(ids(&r.body).len() + ids(&r2.body).len(), 3);
    assert!(!ids(&r2.body).contains(&next));

    // The audio comes back byte for byte, as a WAV.
    let r = app
        .get(
            &format!("/api/v1/voicemails/{support}/audio"),
            &alpha.supervisor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "audio/wav");
    assert_eq!(r.raw.as_ref(), wav(2).as_slice());

    // Mark heard, then filter on it.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/voicemails/{sales}"),
            Some(&alpha.supervisor),
            Some(json!({"heard": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["heard"], true);
    let r = app
        .get(&format!("/api/v1/voicemails/{sales}"), &alpha.owner)
        .await;
    assert_eq!(r.body["heard"], true);
    let r = app
        .get("/api/v1/voicemails?heard=false&mailbox=sales", &alpha.owner)
        .await;
    assert_eq!(ids(&r.body), [sales2.as_str()]);
    let r = app.get("/api/v1/voicemails?heard=true", &alpha.owner).await;
    assert_eq!(ids(&r.body), [sales.as_str()]);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/voicemails/{sales}"),
            Some(&alpha.owner),
            Some(json!({"heard": "yes"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.field(), Some("heard"));

    // Agents: 403 on every voicemail route.
    for (method, path) in [
        (Method::GET, "/api/v1/voicemails".to_owned()),
        (Method::GET, format!("/api/v1/voicemails/{sales}")),
        (Method::GET, format!("/api/v1/voicemails/{sales}/audio")),
        (Method::PATCH, format!("/api/v1/voicemails/{sales}")),
        (Method::DELETE, format!("/api/v1/voicemails/{sales}")),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"heard": false}));
        let r = app
            .call(method.clone(), &path, Some(&alpha.agent), body)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path}");
    }

    // Beta's message is not Alpha's to play, change or delete.
    for (method, path) in [
        (Method::GET, format!("/api/v1/voicemails/{b_vm}")),
        (Method::GET, format!("/api/v1/voicemails/{b_vm}/audio")),
        (Method::PATCH, format!("/api/v1/voicemails/{b_vm}")),
        (Method::DELETE, format!("/api/v1/voicemails/{b_vm}")),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"heard": true}));
        let r = app
            .call(method.clone(), &path, Some(&alpha.owner), body)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let r = app
        .get(&format!("/api/v1/voicemails/{b_vm}/audio"), &beta.owner)
        .await;
    assert_eq!(r.raw.as_ref(), wav(9).as_slice());
    let r = app
        .get(&format!("/api/v1/voicemails/{b_vm}"), &beta.owner)
        .await;
    assert_eq!(r.body["heard"], false);

    // Delete: the row and the audio go.
    let key = ObjectKey::new(
        app.state
            .store
            .voicemail_blob_key(&admin_scope_of(&alpha), &support.parse().unwrap())
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(app.state.objects.get(&key).await.unwrap().is_some());
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/voicemails/{support}"),
            Some(&alpha.supervisor),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert!(app.state.objects.get(&key).await.unwrap().is_none());
    for path in [
        format!("/api/v1/voicemails/{support}"),
        format!("/api/v1/voicemails/{support}/audio"),
    ] {
        let r = app.get(&path, &alpha.owner).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/voicemails/{support}"),
            Some(&alpha.owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        app.audit_actions(&alpha.owner)
            .await
            .contains(&"voicemail.deleted".to_owned())
    );

    // A row whose audio went missing is a 404 for the audio, not a 500.
    let lost = VoicemailId::new();
    app.state
        .store
        .create_voicemail(
            &alpha.calls,
            &NewVoicemail {
                id: lost,
                call: CallId::new(),
                mailbox: "sales".into(),
                caller: "+1".into(),
                dialled: "+2".into(),
                duration_ms: 0,
                size_bytes: 0,
                blob_key: voicemail_key(&alpha.calls, &lost)
                    .unwrap()
                    .as_str()
                    .to_owned(),
            },
        )
        .await
        .unwrap();
    let r = app
        .get(&format!("/api/v1/voicemails/{lost}/audio"), &alpha.owner)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});

/// An admin scope of the company's tenant, to read what the API hides (blob keys).
#[allow(clippy::disallowed_methods)]
fn admin_scope_of(company: &Company) -> TenantScope {
    TenantScope::authenticated(company.calls.tenant(), UserId::new(), Role::Admin)
}
