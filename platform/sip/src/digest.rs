//! The `Authorization` / `Proxy-Authorization` header of SIP digest authentication (RFC 3261
//! §22.4, RFC 8760): its parameters, parsed strictly and within bounds.
//!
//! Owns the header's grammar only. It must never verify a response or see a password (the
//! store holds HA1s and checks answers), and never panic or allocate without bound on any input.

/// Most parameters read from one header.
pub const MAX_PARAMS: usize = 16;

/// The parameters of a `Digest` credentials header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestParams {
    /// `username`.
    pub username: String,
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `uri`.
    pub uri: String,
    /// `response`.
    pub response: String,
    /// `algorithm`.
    pub algorithm: Option<String>,
    /// `qop`.
    pub qop: Option<String>,
    /// `nc`.
    pub nc: Option<String>,
    /// `cnonce`.
    pub cnonce: Option<String>,
}

/// Parses `Digest username="…", realm="…", …`; `None` when it is not a complete digest
/// answer (a required parameter missing, a parameter repeated, too many, bad quoting).
pub fn parse_authorization(value: &str) -> Option<DigestParams> {
    let rest = value.trim_start();
    let (scheme, rest) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("Digest") {
        return None;
    }
    let mut p = DigestParams::default();
    let mut seen = Vec::new();
    let mut chars = rest.trim();
    for _ in 0..MAX_PARAMS {
        chars = chars.trim_start_matches([',', ' ', '\t']);
        if chars.is_empty() {
            break;
        }
        let (name, after) = chars.split_once('=')?;
        let name = name.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (val, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        chars = tail;
        if seen.contains(&name) {
            return None;
        }
        seen.push(name.clone());
        let val = val.to_string();
        match name.as_str() {
            "username" => p.username = val,
            "realm" => p.realm = val,
            "nonce" => p.nonce = val,
            "uri" => p.uri = val,
            "response" => p.response = val,
            "algorithm" => p.algorithm = Some(val),
            "qop" => p.qop = Some(val),
            "nc" => p.nc = Some(val),
            "cnonce" => p.cnonce = Some(val),
            _ => {}
        }
    }
    if !chars.trim_start_matches([',', ' ', '\t']).is_empty() {
        return None;
    }
    let complete = [&p.username, &p.realm, &p.nonce, &p.uri, &p.response]
        .iter()
        .all(|v| !v.is_empty());
    complete.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_headers_parse_strictly() {
        let h = r#"Digest username="carrier", realm="kefu", nonce="abc.def", uri="sip:+15555550100@127.0.0.1:5060", response="0123", algorithm=MD5, qop=auth, nc=00000001, cnonce="xyz""#;
        let p = parse_authorization(h).expect("parses");
        assert_eq!(p.username, "carrier");
        assert_eq!(p.uri, "sip:+15555550100@127.0.0.1:5060");
        assert_eq!(p.qop.as_deref(), Some("auth"));
        assert_eq!(p.nc.as_deref(), Some("00000001"));
        assert_eq!(p.cnonce.as_deref(), Some("xyz"));

        assert!(parse_authorization("Basic dXNlcjpwYXNz").is_none());
        assert!(
            parse_authorization(r#"Digest username="a", realm="kefu""#).is_none(),
            "incomplete"
        );
        let twice =
            r#"Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x""#;
        assert!(parse_authorization(twice).is_none(), "repeated");
        assert!(parse_authorization(r#"Digest username="unterminated"#).is_none());
        let many = format!(
            "Digest {}",
            (0..40)
                .map(|i| format!("x{i}=1"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(parse_authorization(&many).is_none(), "too many parameters");
    }
}
