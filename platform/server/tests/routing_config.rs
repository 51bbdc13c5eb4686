//! Routing configuration through the API: skills, queues, agents' skills, reason codes and
//! calendars; invalid configuration answers 422 naming the field; nothing invalid is saved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::{Value, json};

fn queue_body(name: &str) -> Value {
    json!({
        "name": name,
        "strategy": "longest_idle",
        "service_level": {"percent": 80, "within": 20000},
        "ring_timeout": 15000,
        "after_call_work": 30000,
        "expected_handle_time": 180000
    })
}

async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.call(Method::POST, path, Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {:?}", r.body);
    r.body
}

on_both_databases!(queues_skills_and_agents, |db| async move {
    let app = TestApp::new(db).await;
    let (admin, _) = app.signup("Acme", "admin@acme.test").await;
    let (agent, agent_user) = app.add_user(&admin, "agent@acme.test", "agent").await;
    let mandarin = create(&app, &admin, "/api/v1/skills", json!({"name": "Mandarin"})).await;
    let billing = create(
        &app,
        &admin,
        "/api/v1/skills",
        json!({"name": "Billing", "description": "Invoices"}),
    )
    .await;
    let dup = app
        .call(
            Method::POST,
            "/api/v1/skills",
            Some(&admin),
            Some(json!({"name": "mandarin"})),
        )
        .await;
    assert_eq!(
        (dup.status, dup.field()),
        (StatusCode::CONFLICT, Some("name"))
    );

    let mut body = queue_body("Support");
    body["required_skills"] = json!([{"skill": mandarin["id"], "min_level": 5}]);
    let support = create(&app, &admin, "/api/v1/queues", body).await;
    let sales = create(&app, &admin, "/api/v1/queues", queue_body("Sales")).await;
    assert_eq!(support["required_skills"][0]["min_level"], 5);

    let billing_path = format!("/api/v1/skills/{}", billing["id"].as_str().unwrap());
    let renamed = app
        .call(
            Method::PATCH,
            &billing_path,
            Some(&admin),
            Some(json!({"name": "Invoices"})),
        )
        .await;
    assert_eq!(renamed.body["name"], "Invoices");
    assert_eq!(
        renamed.body["description"], "Invoices",
        "a rename keeps the description"
    );

    // Invalid queues: each names its field, nothing is saved.
    let ghost = kefu_core::SkillId::new().to_string();
    let cases = [
        (
            json!({"required_skills": [{"skill": ghost, "min_level": 5}]}),
            "required_skills[0].skill",
        ),
        (
            json!({"required_skills": [{"skill": mandarin["id"], "min_level": 11}]}),
            "required_skills[0].min_level",
        ),
        (
            json!({"service_level": {"percent": 180, "within": 20000}}),
            "service_level.percent",
        ),
        (json!({"strategy": "random"}), "strategy"),
        (json!({"colour": "blue"}), "colour"),
        (json!({"id": "que_x"}), "id"),
        (json!({"name": ""}), "name"),
    ];
    for (patch, field) in cases {
        let mut body = queue_body("Broken");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app
            .call(Method::POST, "/api/v1/queues", Some(&admin), Some(body))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {:?}",
            r.body
        );
        assert_eq!(r.field(), Some(field), "{:?}", r.body);
    }
    assert_eq!(
        app.get("/api/v1/queues", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Overflow loops are refused, naming the step.
    let mut s = queue_body("Support");
    s["overflow"] = json!([{"after": 60000, "action": "add_queue", "queue": sales["id"]}]);
    s["required_skills"] = support["required_skills"].clone();
    let path = format!("/api/v1/queues/{}", support["id"].as_str().unwrap());
    let r = app.call(Method::PUT, &path, Some(&admin), Some(s)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let mut back = queue_body("Sales");
    back["overflow"] = json!([{"after": 30000, "action": "add_queue", "queue": support["id"]}]);
    let sales_path = format!("/api/v1/queues/{}", sales["id"].as_str().unwrap());
    let r = app
        .call(Method::PUT, &sales_path, Some(&admin), Some(back))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.field(), Some("overflow[0].queue"), "{:?}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("loop"));
    // Sales is still the queue Support overflows into, so it cannot be deleted.
    let r = app
        .call(Method::DELETE, &sales_path, Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Agents who never had skills saved can still be named as backup agents.
    let agent_id = format!("agt_{}", &agent_user[4..]);
    let mut with_backup = queue_body("Backup test");
    with_backup["backup"] =
        json!({"agents": [agent_id], "activate_after": 60000, "release_below": 30000});
    let backup_queue = create(&app, &admin, "/api/v1/queues", with_backup).await;
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/queues/{}", backup_queue["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // Fields an overflow action does not have are refused, not dropped.
    let mut typo = queue_body("Typo");
    typo["overflow"] =
        json!([{"after": 1000, "action": "relax_skills", "levels": 2, "queue": sales["id"]}]);
    let r = app
        .call(Method::POST, "/api/v1/queues", Some(&admin), Some(typo))
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("overflow[0].queue")),
        "{:?}",
        r.body
    );

    // Agents' skills.
    let skills_path = format!("/api/v1/agents/{agent_user}/skills");
    let r = app
        .call(
            Method::PUT,
            &skills_path,
            Some(&admin),
            Some(json!({"skills": [{"skill": mandarin["id"], "level": 11}]})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("skills[0].level")),
        "{:?}",
        r.body
    );
    let r = app
        .call(
            Method::PUT,
            &skills_path,
            Some(&admin),
            Some(json!({"skills": [{"skill": ghost, "level": 3}]})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("skills[0].skill")),
        "{:?}",
        r.body
    );
    let r = app.call(Method::PUT, &skills_path, Some(&admin),
        Some(json!({"skills": [{"skill": mandarin["id"], "level": 8}, {"skill": billing["id"], "level": 3}]}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let agents = app.get("/api/v1/agents", &admin).await.body;
    assert_eq!(agents["items"][0]["skills"].as_array().unwrap().len(), 2);
    assert_eq!(agents["items"][0]["email"], "agent@acme.test");

    // A skill in use cannot be deleted; the answer says where it is used.
    let skill_path = format!("/api/v1/skills/{}", mandarin["id"].as_str().unwrap());
    let r = app
        .call(Method::DELETE, &skill_path, Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("queue \"Support\": required_skills[0].skill"),
        "the conflict names the queue: {detail}"
    );
    // Agents may read but not change routing configuration.
    assert_eq!(
        app.get("/api/v1/queues", &agent).await.status,
        StatusCode::OK
    );
    let r = app
        .call(
            Method::POST,
            "/api/v1/skills",
            Some(&agent),
            Some(json!({"name": "X"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/agents", &agent).await.status,
        StatusCode::FORBIDDEN
    );

    // Every change is audited.
    let actions = app.audit_actions(&admin).await;
    for a in [
        "skill.created",
        "queue.created",
        "queue.updated",
        "agent.skills_changed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
});

on_both_databases!(reason_codes_and_calendars, |db| async move {
    let app = TestApp::new(db).await;
    let (admin, _) = app.signup("Acme", "admin@acme.test").await;
    create(
        &app,
        &admin,
        "/api/v1/reason-codes",
        json!({"code": "lunch", "label": "Lunch break"}),
    )
    .await;
    for (body, status, field) in [
        (
            json!({"code": "lunch", "label": "Again"}),
            StatusCode::CONFLICT,
            "code",
        ),
        (
            json!({"code": "Lunch Break", "label": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
        ),
        (
            json!({"code": "missed", "label": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
        ),
        (
            json!({"code": "ok", "label": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "label",
        ),
    ] {
        let r = app
            .call(
                Method::POST,
                "/api/v1/reason-codes",
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!((r.status, r.field()), (status, Some(field)), "{:?}", r.body);
    }
    let r = app
        .call(
            Method::DELETE,
            "/api/v1/reason-codes/lunch",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .call(
            Method::DELETE,
            "/api/v1/reason-codes/lunch",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let all_week: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"day": d, "open": "00:00", "close": "24:00"}))
        .collect();
    let always = json!({"name": "Always open", "timezone": "Asia/Shanghai", "weekly": all_week});
    let cal = create(&app, &admin, "/api/v1/calendars", always).await;
    let path = format!("/api/v1/calendars/{}", cal["id"].as_str().unwrap());
    let got = app.get(&path, &admin).await.body;
    assert_eq!(got["open_now"], true);
    let closed = json!({"name": "Never", "timezone": "Europe/Berlin", "weekly": []});
    let r = app
        .call(Method::PUT, &path, Some(&admin), Some(closed))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.get(&path, &admin).await.body["open_now"], false);
    for (body, field) in [
        (json!({"name": "x", "timezone": "Mars/Base"}), "timezone"),
        (
            json!({"name": "x", "timezone": "UTC", "weekly": [{"day": "mon", "open": "18:00", "close": "09:00"}]}),
            "weekly[0].close",
        ),
        (
            json!({"name": "x", "timezone": "UTC", "holidays": [{"date": "2026-02-30", "name": "h"}]}),
            "holidays[0].date",
        ),
        (json!({"name": "x", "timezone": "UTC", "extra": 1}), "extra"),
        (
            json!({"name": "x", "timezone": "UTC", "holidays": [{"date": "2026-02-03", "name": " "}]}),
            "holidays[0].name",
        ),
    ] {
        let r = app
            .call(Method::POST, "/api/v1/calendars", Some(&admin), Some(body))
            .await;
        assert_eq!(
            (r.status, r.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{:?}",
            r.body
        );
    }
});

#[tokio::test]
async fn concurrent_edits_both_land() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (admin, _) = app.signup("Acme", "admin@acme.test").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (router, token) = (app.router.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::post("/api/v1/skills")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"name": format!("Skill {i}")}).to_string(),
                ))
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(
        app.get("/api/v1/skills", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
}
