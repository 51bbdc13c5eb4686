use serde_json::json;

use super::*;

#[test]
fn exact_match_wants_the_same_json() {
    let v = json!({"Ok": ["Answer", {"Play": {"tag": "menu", "barge_in": true}}]});
    assert_eq!(json_mismatch(&v, &v, MatchMode::Exact), None);
    let fewer = json!({"Ok": ["Answer"]});
    let m = json_mismatch(&fewer, &v, MatchMode::Exact).expect("differs");
    assert!(m.starts_with("$.Ok: expected 1 elements, got 2"), "{m}");
    let other_tag = json!({"Ok": ["Answer", {"Play": {"tag": "main", "barge_in": true}}]});
    let m = json_mismatch(&other_tag, &v, MatchMode::Exact).expect("differs");
    assert_eq!(m, r#"$.Ok[1].Play.tag: expected "main", got "menu""#);
    let extra_key = json!({"Ok": ["Answer", {"Play": {"tag": "menu"}}]});
    let m = json_mismatch(&extra_key, &v, MatchMode::Exact).expect("differs");
    assert!(m.contains("$.Ok[1].Play.barge_in: not expected"), "{m}");
}

#[test]
fn subset_match_allows_more_keys_and_elements_in_order() {
    let actual = json!({"Ok": ["Answer", {"Play": {"tag": "menu", "barge_in": true}}, "HangUp"]});
    let expected = json!({"Ok": [{"Play": {"tag": "menu"}}, "HangUp"]});
    assert_eq!(json_mismatch(&expected, &actual, MatchMode::Subset), None);
    // Order counts.
    let reversed = json!({"Ok": ["HangUp", {"Play": {"tag": "menu"}}]});
    let m = json_mismatch(&reversed, &actual, MatchMode::Subset).expect("differs");
    assert!(m.starts_with("$.Ok[1]:"), "{m}");
    // A missing key is still a mismatch.
    let missing = json!({"Err": {"kind": "Upstream"}});
    let m = json_mismatch(&missing, &actual, MatchMode::Subset).expect("differs");
    assert!(m.starts_with("$.Err: missing"), "{m}");
}
