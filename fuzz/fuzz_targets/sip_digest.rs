//! The `Authorization` header of a trunk's digest answer: parsed strictly; what it accepts has
//! every required parameter, and written back (all values quoted) parses to the same thing.
#![no_main]

use kefu_sip::digest::parse_authorization;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(p) = parse_authorization(text) else {
        return;
    };
    for required in [&p.username, &p.realm, &p.nonce, &p.uri, &p.response] {
        assert!(!required.is_empty());
    }
    let mut fields = vec![
        ("username", p.username.clone()),
        ("realm", p.realm.clone()),
        ("nonce", p.nonce.clone()),
        ("uri", p.uri.clone()),
        ("response", p.response.clone()),
    ];
    for (name, v) in [("algorithm", &p.algorithm), ("qop", &p.qop), ("nc", &p.nc), ("cnonce", &p.cnonce)] {
        if let Some(v) = v {
            fields.push((name, v.clone()));
        }
    }
    // A quoted value cannot contain a quote; an unquoted one could, and does not round-trip.
    if fields.iter().any(|(_, v)| v.contains('"')) {
        return;
    }
    let header = format!(
        "Digest {}",
        fields.iter().map(|(n, v)| format!("{n}=\"{v}\"")).collect::<Vec<_>>().join(", ")
    );
    assert_eq!(parse_authorization(&header).as_ref(), Some(&p), "{header}");
});
