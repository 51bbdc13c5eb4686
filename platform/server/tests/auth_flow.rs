//! Sign-up, login, refresh rotation and reuse detection, logout, invitations, role changes and
//! disabling — through the HTTP router, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

on_both_databases!(signup_then_me, |db| async move {
    let app = TestApp::new(db).await;
    let (token, session) = app.signup("Acme Corp", "Owner@Acme.test").await;
    assert_eq!(session["tenant"]["slug"], "acme-corp");
    assert_eq!(session["user"]["role"], "owner");
    assert_eq!(
        session["user"]["email"], "owner@acme.test",
        "e-mails are lowercased"
    );
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["tenant"]["name"], "Acme Corp");
    assert_eq!(me.body["user"]["name"], "Owner Person");
    // A second company with the same name gets its own slug.
    let (_, second) = app.signup("Acme Corp", "other@acme.test").await;
    assert_eq!(second["tenant"]["slug"], "acme-corp-2");
    // The sign-up is in the audit log.
    let audit = app.get("/api/v1/audit", &token).await;
    assert_eq!(audit.body["items"][0]["action"], "session.started");
    assert_eq!(audit.body["items"][1]["action"], "tenant.created");
});

on_both_databases!(login_and_refresh_rotation, |db| async move {
    let app = TestApp::new(db).await;
    app.signup("Acme", "ann@acme.test").await;
    let bad = app
        .login(json!({"email": "ann@acme.test", "password": "wrong password here"}))
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.headers["content-type"], "application/problem+json");
    let unknown = app
        .login(json!({"email": "nobody@acme.test", "password": "correct horse battery staple"}))
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body["detail"], bad.body["detail"],
        "no hint which part was wrong"
    );

    let login = app
        .login(json!({"email": "ANN@acme.test", "password": "correct horse battery staple"}))
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    let r1 = login.body["refresh_token"].as_str().unwrap().to_owned();

    let refresh = |t: String| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/sessions/refresh",
                None,
                Some(json!({"refresh_token": t})),
            )
            .await
        }
    };
    let second = refresh(r1.clone()).await;
    assert_eq!(second.status, StatusCode::OK);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2, "refresh tokens rotate");
    let access2 = second.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &access2).await.status, StatusCode::OK);

    // Replaying the used token revokes the whole family, including the newest token.
    let replay = refresh(r1).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay.body["detail"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    assert_eq!(refresh(r2).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh("kefu_rt_nonsense".into()).await.status,
        StatusCode::UNAUTHORIZED
    );
});

on_both_databases!(logout_revokes_both_tokens, |db| async move {
    let app = TestApp::new(db).await;
    let (access, session) = app.signup("Acme", "ann@acme.test").await;
    let refresh = session["refresh_token"].as_str().unwrap();
    let out = app
        .call(
            Method::POST,
            "/api/v1/sessions/logout",
            Some(&access),
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .call(
            Method::POST,
            "/api/v1/sessions/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
});

on_both_databases!(same_email_in_two_companies, |db| async move {
    let app = TestApp::new(db).await;
    app.signup("Acme", "ann@example.test").await;
    app.signup("Globex", "ann@example.test").await;
    let body = json!({"email": "ann@example.test", "password": "correct horse battery staple"});
    let r = app.login(body.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["type"], "https://kefu.dev/problems/tenant-required");
    assert_eq!(r.field(), Some("tenant"));
    let mut with_tenant = body;
    with_tenant["tenant"] = json!("globex");
    let r = app.login(with_tenant).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["tenant"]["name"], "Globex");
});

on_both_databases!(invitations_roles_and_disabling, |db| async move {
    let app = TestApp::new(db).await;
    let (owner, _) = app.signup("Acme", "owner@acme.test").await;
    let (agent, agent_id) = app.add_user(&owner, "agent@acme.test", "agent").await;
    let me = app.get("/api/v1/me", &agent).await;
    assert_eq!(me.body["user"]["role"], "agent");
    assert_eq!(me.body["user"]["status"], "active");

    // The invitation link works once.
    let token = app.invitation_token_for("agent@acme.test").await;
    let reuse = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": token, "password": "yet another passphrase"})),
        )
        .await;
    assert_eq!(reuse.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reuse.field(), Some("token"));

    // Duplicate e-mail in the same company.
    let dup = app
        .call(
            Method::POST,
            "/api/v1/users",
            Some(&owner),
            Some(json!({"email": "agent@acme.test", "name": "X", "role": "agent"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.field(), Some("email"));

    // Promotion voids the agent's current token at once.
    let path = format!("/api/v1/users/{agent_id}");
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({"role": "supervisor"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["role"], "supervisor");
    assert_eq!(
        app.get("/api/v1/me", &agent).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .login(json!({"email": "agent@acme.test", "password": "another long passphrase"}))
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.body["user"]["role"], "supervisor");
    let sup = login.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/users", &sup).await.status, StatusCode::OK);

    // Disabling signs out and blocks login.
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.body["status"], "disabled");
    assert_eq!(
        app.get("/api/v1/me", &sup).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .login(json!({"email": "agent@acme.test", "password": "another long passphrase"}))
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);

    // Nobody disables or demotes themselves; admins cannot touch the owner.
    let owner_id = app.get("/api/v1/me", &owner).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{owner_id}"),
            Some(&owner),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (admin, _) = app.add_user(&owner, "admin@acme.test", "admin").await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{owner_id}"),
            Some(&admin),
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "o2@acme.test", "name": "O", "role": "owner"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only owners grant owner");

    // Every write is audited with its actor.
    let actions = app.audit_actions(&owner).await;
    for a in [
        "tenant.created",
        "user.invited",
        "user.invitation_accepted",
        "user.changed",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    let page = app.get("/api/v1/audit?limit=2", &owner).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    let before = page.body["items"][1]["id"].as_str().unwrap();
    let next = app
        .get(&format!("/api/v1/audit?limit=2&before={before}"), &owner)
        .await;
    assert_ne!(next.body["items"][0]["id"], page.body["items"][0]["id"]);
});

#[tokio::test]
async fn weak_passwords_are_refused_with_the_field_named() {
    let app = TestApp::new(common::Db::Sqlite).await;
    for pw in [
        "short",
        "password1234",
        "aaaaaaaaaaaaaaaa",
        "zhangwei1988",
        "1qaz2wsx3edc",
    ] {
        let r = app
            .call(
                Method::POST,
                "/api/v1/signup",
                None,
                Some(
                    json!({"company": "Acme", "name": "A", "email": "a@acme.test", "password": pw}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        assert_eq!(r.field(), Some("password"));
    }
    // The detail says why; the company's name is one of the estimator's user inputs.
    let r = app
        .call(Method::POST, "/api/v1/signup", None,
            Some(json!({"company": "Huaxia Tech", "name": "Li Na", "email": "li.na@huaxia.test", "password": "huaxiatech888"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field(), Some("password"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("too easy to guess") && detail.contains("your name, e-mail, company"),
        "{detail}"
    );
    let r = app
        .call(Method::POST, "/api/v1/signup", None,
            Some(json!({"company": "  ", "name": "A", "email": "a@acme.test", "password": "correct horse battery"})))
        .await;
    assert_eq!(r.field(), Some("company"));
    let r = app
        .call(Method::POST, "/api/v1/signup", None,
            Some(json!({"company": "Acme", "name": "A", "email": "not-an-email", "password": "correct horse battery"})))
        .await;
    assert_eq!(r.field(), Some("email"));
}

#[tokio::test]
async fn demo_tenant_is_seeded_once_with_working_logins() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let creds = kefu_server::demo::ensure(&app.state)
        .await
        .unwrap()
        .expect("created");
    assert!(
        kefu_server::demo::ensure(&app.state)
            .await
            .unwrap()
            .is_none(),
        "only once"
    );
    let file = app.state.config.data_dir.join("demo-credentials.json");
    let on_disk: kefu_server::demo::DemoCredentials =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(on_disk.users.len(), 4);
    // The demo number rings the demo queue for SIP from this machine, and from nowhere else.
    assert_eq!(on_disk.number, kefu_server::demo::NUMBER);
    let call = |source: &str| kefu_store::inbound_route::InboundCall {
        source: source.parse().unwrap(),
        digest: None,
        dialled: kefu_server::demo::NUMBER,
    };
    for local in ["127.0.0.1", "::1"] {
        let route = app.state.store.inbound_route(&call(local)).await.unwrap();
        assert!(matches!(
            route.entry,
            kefu_store::numbers::NumberEntry::Queue { .. }
        ));
    }
    let refused = app.state.store.inbound_route(&call("192.0.2.1")).await;
    assert_eq!(refused.unwrap_err().sip_status(), 403);
    let roles: Vec<String> = creds.users.iter().map(|u| u.role.to_string()).collect();
    assert_eq!(roles, ["admin", "supervisor", "agent", "agent"]);
    for u in &creds.users {
        let r = app
            .login(json!({"email": u.email, "password": u.password, "tenant": "demo"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", u.email);
        assert_eq!(r.body["user"]["role"], u.role.to_string());
    }
    // Agents have reasons to be not ready (that they can take the queue's calls, the browser
    // test shows: web/e2e/agent-call.test.mjs answers as the demo's agent1).
    let admin = app
        .login(json!({"email": creds.users[0].email, "password": creds.users[0].password, "tenant": "demo"}))
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let codes = app.get("/api/v1/reason-codes", &admin).await;
    let codes: Vec<&str> = codes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes, ["lunch", "training"]);
}

on_both_databases!(
    re_enabling_an_invited_user_keeps_the_invitation_usable,
    |db| async move {
        let app = TestApp::new(db).await;
        let (owner, _) = app.signup("Acme", "owner@acme.test").await;
        let r = app
            .call(
                Method::POST,
                "/api/v1/users",
                Some(&owner),
                Some(json!({"email": "new@acme.test", "name": "New", "role": "agent"})),
            )
            .await;
        let path = format!("/api/v1/users/{}", r.body["user"]["id"].as_str().unwrap());
        let r = app
            .call(
                Method::PATCH,
                &path,
                Some(&owner),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(r.body["status"], "disabled");
        let r = app
            .call(
                Method::PATCH,
                &path,
                Some(&owner),
                Some(json!({"disabled": false})),
            )
            .await;
        assert_eq!(
            r.body["status"], "invited",
            "no password yet: still invited"
        );
        let token = app.invitation_token_for("new@acme.test").await;
        let r = app
            .call(
                Method::POST,
                "/api/v1/invitations/accept",
                None,
                Some(json!({"token": token, "password": "a fine long passphrase"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
);

#[tokio::test]
async fn me_reflects_changes_at_once() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (owner, session) = app.signup("Acme", "owner@acme.test").await;
    assert_eq!(
        app.get("/api/v1/me", &owner).await.body["user"]["name"],
        "Owner Person"
    );
    let id = session["user"]["id"].as_str().unwrap();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&owner),
            Some(json!({"name": "Renamed Owner"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", &owner).await.body["user"]["name"],
        "Renamed Owner"
    );
}

on_both_databases!(admins_can_resend_invitations, |db| async move {
    let app = TestApp::new(db).await;
    let (owner, _) = app.signup("Acme", "owner@acme.test").await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/users",
            Some(&owner),
            Some(json!({"email": "late@acme.test", "name": "Late", "role": "agent"})),
        )
        .await;
    let id = r.body["user"]["id"].as_str().unwrap().to_owned();
    let first = app.invitation_token_for("late@acme.test").await;
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{id}/invitation"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let second = app.invitation_token_for("late@acme.test").await;
    assert_ne!(first, second, "a new link is sent");
    let accept = |token: String| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/invitations/accept",
                None,
                Some(json!({"token": token, "password": "a fine long passphrase"})),
            )
            .await
        }
    };
    assert_eq!(
        accept(first).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old link stops working"
    );
    assert_eq!(accept(second).await.status, StatusCode::OK);
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{id}/invitation"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("id")),
        "accepted already"
    );
    let actions = app.audit_actions(&owner).await;
    for a in ["user.reinvited", "session.started"] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
});
