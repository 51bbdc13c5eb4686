#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

fn document() -> Value {
    let (_, doc) = crate::api::router_and_document();
    serde_json::to_value(&doc).unwrap()
}

fn statuses(doc: &Value, method: &str, path: &str) -> Vec<String> {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is in the document");
    op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn every_operation_gets_the_responses_its_kind_can_give() {
    let doc = document();
    let ops = operations(&doc);
    assert!(ops.len() > 60, "the whole API is covered: {}", ops.len());
    for (method, path, op) in &ops {
        let has = |s: &str| op["responses"].get(s).is_some();
        assert!(has("500") && has("503"), "{method} {path}");
        if op.get("security").is_some() {
            assert!(has("401") && has("403"), "{method} {path} is secured");
        }
        if path.contains('{') {
            assert!(has("404"), "{method} {path} has path ids");
        }
        if op.get("requestBody").is_some() {
            for s in ["413", "415", "422"] {
                assert!(has(s), "{method} {path} has a body: {s}");
            }
        }
    }
}

#[test]
fn declarations_follow_what_the_operation_is() {
    let doc = document();
    let create_queue = statuses(&doc, "post", "/api/v1/queues");
    for s in [
        "201", "400", "401", "403", "409", "413", "415", "422", "500",
    ] {
        assert!(create_queue.contains(&s.to_owned()), "POST /queues: {s}");
    }
    // A read without path ids or body: no 404, 409, 413 or 415.
    let me = statuses(&doc, "get", "/api/v1/me");
    for s in ["404", "409", "413", "415", "400"] {
        assert!(!me.contains(&s.to_owned()), "GET /me must not declare {s}");
    }
    // Public routes: their own 401 (wrong password) stays, but no 403.
    let login = statuses(&doc, "post", "/api/v1/sessions");
    assert!(login.contains(&"429".to_owned()));
    assert!(!login.contains(&"403".to_owned()));
    // A WAV upload is not JSON: no shared "malformed JSON" 400 (the route declares its own,
    // for a body that cannot be read).
    let prompt = &doc["paths"]["/api/v1/prompts/{name}"]["put"];
    assert!(prompt["responses"]["413"].is_object() && prompt["responses"]["415"].is_object());
    assert!(prompt["responses"]["400"].get("$ref").is_none());
    // Raw bytes, not a JSON array of integers.
    let binary = serde_json::json!({"type": "string", "format": "binary"});
    assert_eq!(
        prompt["requestBody"]["content"]["audio/wav"]["schema"],
        binary
    );
    let audio = &doc["paths"]["/api/v1/prompts/{name}"]["get"]["responses"]["200"];
    assert_eq!(audio["content"]["audio/wav"]["schema"], binary);
}

#[test]
fn a_routes_own_description_is_kept() {
    let doc = document();
    let login = &doc["paths"]["/api/v1/sessions"]["post"]["responses"]["429"];
    assert_eq!(login["description"], "Too many attempts");
}

#[test]
fn problem_bodies_are_declared_as_problem_json() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                let json_problem = content
                    .get("application/json")
                    .is_some_and(|c| c["schema"]["$ref"] == "#/components/schemas/Problem");
                assert!(!json_problem, "{method} {path} {status}");
            }
        }
    }
    let shared = &doc["components"]["responses"]["Unauthorized"];
    assert_eq!(
        shared["content"][super::PROBLEM_JSON]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}
