//! URL templates: `{caller}`, `{caller_digits}` and `{call_id}` replaced by percent-encoded
//! values. Pure; unknown placeholders are refused when the setting is read.

/// The values a template may use.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    /// The caller, E.164 (`+8613800138000`).
    pub caller: &'a str,
    /// The call's id.
    pub call_id: &'a str,
}

/// Checks that every `{…}` names a known placeholder and braces are balanced.
pub fn check(template: &str) -> Result<(), String> {
    expand(
        template,
        Values {
            caller: "",
            call_id: "",
        },
    )
    .map(|_| ())
}

/// The template with its placeholders replaced.
pub fn expand(template: &str, values: Values<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err("a `}` without its `{`".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "a `{` without its `}`".to_owned())?;
        let value = match &after[..close] {
            "caller" => values.caller.to_owned(),
            "caller_digits" => values.caller.chars().filter(char::is_ascii_digit).collect(),
            "call_id" => values.call_id.to_owned(),
            other => {
                return Err(format!(
                    "unknown placeholder `{{{other}}}` (use {{caller}}, {{caller_digits}} or {{call_id}})"
                ));
            }
        };
        out.push_str(&encode(&value));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so `+` becomes `%2B`).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
