//! The isolation walk's second pass over list routes: their query filters given tenant B's ids.
//!
//! A list filtered by another tenant's id must answer exactly as it does for an id that exists
//! nowhere (same status, same body but for the id itself): otherwise the answer is an oracle
//! for B's data even when it prints none of it. Every query parameter in the OpenAPI document
//! needs a value here, so a new filter cannot skip the walk.

use serde_json::Value;

use super::{Beta, TestApp, assert_no_beta};

/// What the walk puts in one query parameter.
enum FilterValue {
    /// One of tenant B's ids (or cursors): compared with an id that exists nowhere.
    Beta(String),
    /// A value that is not an id (the same text may match A's rows and B's).
    Plain(&'static str),
}

/// The value for `param` of the list at `path`; `None` when the walk has none (a test bug).
fn value_for(beta: &Beta, path: &str, param: &str) -> Option<FilterValue> {
    use FilterValue::{Beta as B, Plain};
    Some(match (path, param) {
        (_, "limit") => Plain("200"),
        ("/api/v1/plugin-invocations", "installation_id") => B(beta.installation.clone()),
        ("/api/v1/plugin-invocations", "before") => B(beta.invocation.clone()),
        ("/api/v1/plugin-invocations", "outcome") => Plain("returned"),
        ("/api/v1/voicemails", "before") => B(beta.voicemail.clone()),
        ("/api/v1/voicemails", "mailbox") => Plain("sales"),
        ("/api/v1/voicemails", "heard") => Plain("false"),
        ("/api/v1/calls", "before") => B(beta.call.clone()),
        ("/api/v1/calls", "disposition") => Plain("voicemail"),
        // A's and B's calls come from the same caller: A must see only its own.
        ("/api/v1/calls", "caller") => Plain("%2B8613800138000"),
        ("/api/v1/audit", "before") => B(beta.audit.clone()),
        ("/api/v1/events", "after") => Plain("0"),
        ("/api/v1/events", "type") => Plain("call."),
        ("/api/v1/events", "subject") => B(beta.call.clone()),
        _ => return None,
    })
}

/// The same id with its lowest bit flipped: an id of the same type and millisecond (so a
/// cursor orders the same way) that names nothing.
fn nowhere(id: &str) -> String {
    let (prefix, ulid) = match id.rsplit_once('_') {
        Some((prefix, ulid)) => (format!("{prefix}_"), ulid),
        None => (String::new(), id),
    };
    let ulid: ulid::Ulid = ulid.parse().expect("tenant B's ids are ULIDs");
    format!("{prefix}{}", ulid::Ulid(ulid.0 ^ 1))
}

/// Asks the list at `path` once per query parameter the document gives it (`operation` is
/// the document's `get` entry), as tenant A's admin, with tenant B's ids; returns how many
/// parameters it tried.
pub async fn walk(app: &TestApp, token: &str, beta: &Beta, path: &str, operation: &Value) -> usize {
    let params = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let query: Vec<&Value> = params.iter().filter(|p| p["in"] == "query").collect();
    for param in &query {
        let name = param["name"].as_str().unwrap();
        let value = value_for(beta, path, name).unwrap_or_else(|| {
            panic!("GET {path}?{name}= has no tenant-B value in the isolation walk's filters")
        });
        match value {
            FilterValue::Plain(v) => {
                let r = app.get(&format!("{path}?{name}={v}"), token).await;
                assert!(r.status.is_success(), "GET {path}?{name}={v}: {:?}", r.body);
                assert_no_beta(beta, &r.body, "get", &format!("{path}?{name}={v}"));
            }
            FilterValue::Beta(id) => {
                let other = nowhere(&id);
                let theirs = app.get(&format!("{path}?{name}={id}"), token).await;
                let none = app.get(&format!("{path}?{name}={other}"), token).await;
                assert!(
                    !theirs.status.is_server_error(),
                    "GET {path}?{name}=<B's id>: {:?}",
                    theirs.body
                );
                assert_eq!(
                    (theirs.status, theirs.body.to_string()),
                    (none.status, none.body.to_string().replace(&other, &id)),
                    "GET {path}?{name}= answers differently for tenant B's id than for none"
                );
                assert_no_beta(beta, &none.body, "get", &format!("{path}?{name}=<nowhere>"));
            }
        }
    }
    query.len()
}

#[test]
fn nowhere_keeps_the_prefix_and_changes_the_id() {
    let id = format!("vm_{}", kefu_core::id::next_ulid());
    let other = nowhere(&id);
    assert!(other.starts_with("vm_") && other.len() == id.len() && other != id);
    assert_eq!(nowhere(&other), id);
    let bare = kefu_core::id::next_ulid().to_string();
    assert_ne!(nowhere(&bare), bare);
}
