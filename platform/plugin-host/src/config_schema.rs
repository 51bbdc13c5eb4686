//! The manifest's `config_schema`: a JSON Schema subset that the publishing API checks when a
//! version is published and the installation API applies to every configuration.
//!
//! Supported keywords: `type` (one or a list of `object`, `array`, `string`, `number`,
//! `integer`, `boolean`, `null`), `properties`, `required`, `additionalProperties` (boolean or
//! schema), `items`, `minItems`, `maxItems`, `enum`, `const`, `minimum`, `maximum`,
//! `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`, `pattern`, and the
//! annotations `title`, `description`, `default`, `examples`, `format`, `$comment`,
//! `$schema`. A schema using any other keyword is refused at publishing: silently not enforcing
//! a constraint the developer wrote would be worse than saying so. This module never panics on
//! any schema or value, and its recursion is bounded by [`MAX_DEPTH`].

use serde_json::{Map, Value};

/// Deepest schema (and value) nesting checked.
pub const MAX_DEPTH: usize = 32;
/// Most violations reported for one configuration.
const MAX_VIOLATIONS: usize = 50;
/// Longest `pattern` accepted (regexes are compiled with a size limit too).
const MAX_PATTERN: usize = 512;

const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "$comment",
    "$schema",
];
const TYPES: &[&str] = &[
    "object", "array", "string", "number", "integer", "boolean", "null",
];

/// One place where a configuration breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON Pointer to the offending value (`""` is the whole configuration).
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

/// Checks that `schema` is a schema this host can enforce; the error names where it is not.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    if schema.is_null() {
        return Ok(());
    }
    check_schema_at(schema, "", 0)
}

fn check_schema_at(schema: &Value, path: &str, depth: usize) -> Result<(), String> {
    let at = |what: String| {
        if path.is_empty() {
            what
        } else {
            format!("{path}: {what}")
        }
    };
    if depth > MAX_DEPTH {
        return Err(at(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let Value::Object(map) = schema else {
        return Err(at("a schema must be a JSON object".into()));
    };
    for (key, value) in map {
        if !KEYWORDS.contains(&key.as_str()) {
            return Err(at(format!("keyword `{key}` is not supported")));
        }
        let sub = format!("{path}/{key}");
        match key.as_str() {
            "type" => {
                let names: Vec<&Value> = match value {
                    Value::Array(list) => list.iter().collect(),
                    other => vec![other],
                };
                for name in names {
                    if !name.as_str().is_some_and(|n| TYPES.contains(&n)) {
                        return Err(at(format!("`type` {name} is not a JSON Schema type")));
                    }
                }
            }
            "properties" => {
                let Value::Object(props) = value else {
                    return Err(at("`properties` must be an object".into()));
                };
                for (name, prop) in props {
                    check_schema_at(prop, &format!("{sub}/{}", escape(name)), depth + 1)?;
                }
            }
            "required"
                if !value
                    .as_array()
                    .is_some_and(|list| list.iter().all(Value::is_string)) =>
            {
                return Err(at("`required` must be a list of property names".into()));
            }
            "additionalProperties" if !value.is_boolean() => {
                check_schema_at(value, &sub, depth + 1)?
            }
            "items" => check_schema_at(value, &sub, depth + 1)?,
            "enum" if !value.is_array() => return Err(at("`enum` must be a list".into())),
            "minItems" | "maxItems" | "minLength" | "maxLength" if value.as_u64().is_none() => {
                return Err(at(format!("`{key}` must be a non-negative integer")));
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum"
                if !value.is_number() =>
            {
                return Err(at(format!("`{key}` must be a number")));
            }
            "pattern" => {
                let Some(text) = value.as_str() else {
                    return Err(at("`pattern` must be a string".into()));
                };
                compile(text).map_err(at)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every place where `value` breaks `schema` (a `null` schema accepts any object). Call
/// [`check_schema`] first; a keyword this module does not know is ignored here.
pub fn validate(schema: &Value, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    if !schema.is_null() {
        validate_at(schema, value, "", 0, &mut out);
    }
    out
}

fn validate_at(schema: &Value, value: &Value, path: &str, depth: usize, out: &mut Vec<Violation>) {
    let Value::Object(schema) = schema else {
        return;
    };
    if depth > MAX_DEPTH || out.len() >= MAX_VIOLATIONS {
        return;
    }
    let mut fail = |message: String| {
        if out.len() < MAX_VIOLATIONS {
            out.push(Violation {
                path: path.to_owned(),
                message,
            });
        }
    };
    if let Some(expected) = schema.get("type")
        && !type_matches(expected, value)
    {
        fail(format!("must be {}", describe_type(expected)));
        return;
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        let listed: Vec<String> = options.iter().map(Value::to_string).collect();
        fail(format!("must be one of {}", listed.join(", ")));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        fail(format!("must be {constant}"));
    }
    match value {
        Value::Number(n) => check_number(schema, n.as_f64().unwrap_or(f64::NAN), &mut fail),
        Value::String(s) => check_string(schema, s, &mut fail),
        Value::Array(items) => {
            let len = items.len() as u64;
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && len < min
            {
                fail(format!("must have at least {min} items"));
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && len > max
            {
                fail(format!("must have at most {max} items"));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate_at(item_schema, item, &format!("{path}/{i}"), depth + 1, out);
                }
            }
        }
        Value::Object(map) => validate_object(schema, map, path, depth, out),
        _ => {}
    }
}

fn validate_object(
    schema: &Map<String, Value>,
    map: &Map<String, Value>,
    path: &str,
    depth: usize,
    out: &mut Vec<Violation>,
) {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(name) && out.len() < MAX_VIOLATIONS {
                out.push(Violation {
                    path: format!("{path}/{}", escape(name)),
                    message: "is required".into(),
                });
            }
        }
    }
    for (name, item) in map {
        let item_path = format!("{path}/{}", escape(name));
        if let Some(prop) = properties.get(name) {
            validate_at(prop, item, &item_path, depth + 1, out);
            continue;
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) if out.len() < MAX_VIOLATIONS => {
                out.push(Violation {
                    path: item_path,
                    message: "is not a setting of this plugin".into(),
                });
            }
            Some(extra @ Value::Object(_)) => validate_at(extra, item, &item_path, depth + 1, out),
            _ => {}
        }
    }
}

fn check_number(schema: &Map<String, Value>, n: f64, fail: &mut impl FnMut(String)) {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    if let Some(min) = bound("minimum")
        && n < min
    {
        fail(format!("must be at least {min}"));
    }
    if let Some(max) = bound("maximum")
        && n > max
    {
        fail(format!("must be at most {max}"));
    }
    if let Some(min) = bound("exclusiveMinimum")
        && n <= min
    {
        fail(format!("must be greater than {min}"));
    }
    if let Some(max) = bound("exclusiveMaximum")
        && n >= max
    {
        fail(format!("must be less than {max}"));
    }
}

fn check_string(schema: &Map<String, Value>, s: &str, fail: &mut impl FnMut(String)) {
    let chars = s.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && chars < min
    {
        fail(format!("must be at least {min} characters"));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && chars > max
    {
        fail(format!("must be at most {max} characters"));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
        && let Ok(regex) = compile(pattern)
        && !regex.is_match(s)
    {
        fail(format!("must match the pattern {pattern}"));
    }
}

fn type_matches(expected: &Value, value: &Value) -> bool {
    let one = |name: &Value| match name.as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("number") => value.is_number(),
        Some("integer") => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        Some("boolean") => value.is_boolean(),
        Some("null") => value.is_null(),
        _ => true,
    };
    match expected {
        Value::Array(names) => names.iter().any(one),
        name => one(name),
    }
}

fn describe_type(expected: &Value) -> String {
    let article = |name: &str| {
        let a = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{a} {name}")
    };
    match expected {
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .map(article)
            .collect::<Vec<_>>()
            .join(" or "),
        Value::String(name) => article(name),
        other => other.to_string(),
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN {
        return Err(format!("`pattern` is longer than {MAX_PATTERN} bytes"));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 16)
        .build()
        .map_err(|e| format!("`pattern` is not a valid regular expression: {e}"))
}

/// JSON Pointer escaping of one path segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
