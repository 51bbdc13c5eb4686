use serde_json::json;

use super::*;

fn menu_schema() -> Value {
    json!({
        "type": "object",
        "required": ["greeting", "options"],
        "additionalProperties": false,
        "properties": {
            "greeting": {"type": "string", "minLength": 1, "maxLength": 200},
            "timeout_ms": {"type": "integer", "minimum": 1000, "maximum": 30000},
            "language": {"enum": ["mandarin", "english"]},
            "options": {
                "type": "array", "minItems": 1, "maxItems": 9,
                "items": {
                    "type": "object",
                    "required": ["key"],
                    "properties": {"key": {"type": "string", "pattern": "^[0-9*#]$"}}
                }
            }
        }
    })
}

#[test]
fn a_valid_configuration_has_no_violations() {
    let config = json!({"greeting": "hi", "timeout_ms": 5000, "language": "english",
        "options": [{"key": "1"}, {"key": "#"}]});
    assert_eq!(check_schema(&menu_schema()), Ok(()));
    assert_eq!(validate(&menu_schema(), &config), vec![]);
}

#[test]
fn every_violation_is_reported_with_its_path() {
    let config = json!({"timeout_ms": 5.5, "language": "klingon",
        "options": [{"key": "12"}, {}], "colour": "red"});
    let found = validate(&menu_schema(), &config);
    let paths: Vec<(&str, &str)> = found
        .iter()
        .map(|v| (v.path.as_str(), v.message.as_str()))
        .collect();
    assert!(paths.contains(&("/greeting", "is required")), "{paths:?}");
    assert!(
        paths.contains(&("/timeout_ms", "must be an integer")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|(p, m)| *p == "/language" && m.starts_with("must be one of")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&("/options/0/key", "must match the pattern ^[0-9*#]$")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&("/options/1/key", "is required")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&("/colour", "is not a setting of this plugin")),
        "{paths:?}"
    );
    assert_eq!(found.len(), 6, "{paths:?}");
}

#[test]
fn bounds_and_lengths_are_enforced() {
    let schema = menu_schema();
    let short = validate(
        &schema,
        &json!({"greeting": "", "options": [], "timeout_ms": 10}),
    );
    let messages: Vec<String> = short
        .iter()
        .map(|v| format!("{} {}", v.path, v.message))
        .collect();
    assert!(
        messages.contains(&"/greeting must be at least 1 characters".to_owned()),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"/options must have at least 1 items".to_owned()),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"/timeout_ms must be at least 1000".to_owned()),
        "{messages:?}"
    );
}

#[test]
fn the_whole_configuration_must_have_the_schema_type() {
    let found = validate(&json!({"type": "object"}), &json!([1, 2]));
    assert_eq!(
        found,
        vec![Violation {
            path: "".into(),
            message: "must be an object".into()
        }]
    );
}

#[test]
fn a_null_schema_accepts_anything() {
    assert_eq!(check_schema(&Value::Null), Ok(()));
    assert!(validate(&Value::Null, &json!({"anything": [1]})).is_empty());
}

#[test]
fn schemas_this_host_cannot_enforce_are_refused_with_the_place() {
    let unknown = check_schema(&json!({"properties": {"a": {"oneOf": []}}}));
    assert_eq!(
        unknown,
        Err("/properties/a: keyword `oneOf` is not supported".into())
    );
    let bad_type = check_schema(&json!({"type": "text"}));
    assert!(bad_type.is_err_and(|e| e.contains("not a JSON Schema type")));
    let bad_pattern = check_schema(&json!({"pattern": "(unclosed"}));
    assert!(bad_pattern.is_err_and(|e| e.contains("not a valid regular expression")));
    let not_object = check_schema(&json!(["type"]));
    assert!(not_object.is_err());
    let mut deep = json!({"type": "string"});
    for _ in 0..40 {
        deep = json!({"items": deep});
    }
    assert!(check_schema(&deep).is_err_and(|e| e.contains("deeper")));
}

#[test]
fn many_violations_are_capped() {
    let schema = json!({"type": "object", "additionalProperties": false});
    let config: Map<String, Value> = (0..500).map(|i| (format!("k{i}"), json!(i))).collect();
    assert_eq!(
        validate(&schema, &Value::Object(config)).len(),
        MAX_VIOLATIONS
    );
}
