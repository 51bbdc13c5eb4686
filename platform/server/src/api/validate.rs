//! Field validation shared by the resources: every message names the field.

use crate::problem::Problem;

/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL: usize = 254;

/// A display text: trimmed, 1..=`max` characters, no control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Problem::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if v.chars().count() > max {
        return Err(Problem::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(Problem::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// An e-mail address, lowercased. Deliberately simple: one `@`, a non-empty local part, a
/// domain with a dot, no spaces; deliverability is proven by the invitation e-mail.
pub fn email(field: &str, value: &str) -> Result<String, Problem> {
    let v = value.trim().to_lowercase();
    let bad = || {
        Problem::invalid(
            field,
            format!("{field} must be an e-mail address like name@example.com"),
        )
    };
    if v.len() > MAX_EMAIL || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !domain.contains("..");
    if local.is_empty() || !domain_ok {
        return Err(bad());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("email", " Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a@b",
            "a b@x.com",
            "a@x..com",
            "a@@x.com",
        ] {
            let p = email("email", bad).unwrap_err();
            assert_eq!(p.field.as_deref(), Some("email"), "{bad}");
        }
        assert!(email("email", &format!("{}@x.com", "a".repeat(260))).is_err());
    }

    #[test]
    fn texts() {
        assert_eq!(text("name", "  Ann  ", 10).unwrap(), "Ann");
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "a\u{0}b", 10).is_err());
        assert_eq!(text("name", "客服中心", 4).unwrap(), "客服中心");
    }
}
