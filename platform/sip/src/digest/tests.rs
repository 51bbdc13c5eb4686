use std::time::Duration;

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
    let twice = r#"Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x""#;
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

const LIFETIME: Duration = Duration::from_secs(300);

fn nonces() -> Nonces {
    Nonces::new(LIFETIME).expect("the system random source works")
}

#[test]
fn nonces_are_ours_fresh_then_stale_and_forgeries_fail() {
    let n = nonces();
    let t = 1_800_000_000;
    let nonce = n.issue_at(t);
    assert_eq!(n.check_at(&nonce, t + 10), NonceCheck::Fresh);
    assert_eq!(n.check_at(&nonce, t + 300), NonceCheck::Fresh);
    assert_eq!(n.check_at(&nonce, t + 301), NonceCheck::Stale);
    assert_eq!(
        n.check_at(&nonce, t - 6),
        NonceCheck::Stale,
        "from the future"
    );
    let other = nonces().issue_at(t);
    assert_eq!(n.check_at(&other, t), NonceCheck::Invalid, "another key");
    let (stamp, mac) = nonce.rsplit_once('.').unwrap();
    let (_, sequence) = stamp.split_once('.').unwrap();
    let later = format!("{:x}.{sequence}.{mac}", t + 1);
    assert_eq!(n.check_at(&later, t), NonceCheck::Invalid, "stamp changed");
    let signed_plus = format!("+{stamp}.{mac}");
    assert_eq!(n.check_at(&signed_plus, t), NonceCheck::Invalid);
    assert_eq!(n.check_at(stamp, t), NonceCheck::Invalid);
    assert_eq!(n.check_at("", t), NonceCheck::Invalid);
    assert_eq!(n.check_at("zz.zz.zz", t), NonceCheck::Invalid);
}

#[test]
fn every_challenge_gets_its_own_nonce() {
    let n = nonces();
    let t = 1_800_000_000;
    let (a, b) = (n.issue_at(t), n.issue_at(t));
    assert_ne!(a, b, "same second, different nonces");
    assert_eq!(n.check_at(&a, t), NonceCheck::Fresh);
    assert_eq!(n.check_at(&b, t), NonceCheck::Fresh);
}

#[test]
fn a_nonce_count_is_accepted_once_and_must_grow() {
    let n = nonces();
    let t = 1_800_000_000;
    let nonce = n.issue_at(t);
    let use_ = |count, at| n.record_use_at(&nonce, count, at);
    assert_eq!(use_(NonceCount::Counted(1), t), NonceUse::Accepted);
    assert_eq!(use_(NonceCount::Counted(1), t + 1), NonceUse::Replayed);
    assert_eq!(use_(NonceCount::Counted(3), t + 1), NonceUse::Accepted);
    assert_eq!(use_(NonceCount::Counted(2), t + 1), NonceUse::Replayed);
    assert_eq!(use_(NonceCount::Counted(4), t + 301), NonceUse::Stale);
    // Without qop a nonce is good once, and nothing counted can follow it.
    let single = n.issue_at(t);
    assert_eq!(
        n.record_use_at(&single, NonceCount::SingleUse, t),
        NonceUse::Accepted
    );
    assert_eq!(
        n.record_use_at(&single, NonceCount::SingleUse, t),
        NonceUse::Replayed
    );
    assert_eq!(
        n.record_use_at(&single, NonceCount::Counted(u32::MAX), t),
        NonceUse::Replayed
    );
    assert_eq!(
        n.record_use_at("forged.0.00", NonceCount::SingleUse, t),
        NonceUse::Stale
    );
}

#[test]
fn the_table_of_used_nonces_is_bounded_and_forgets_stale_ones() {
    let n = Nonces::with_random(LIFETIME, 3, |key| {
        key.fill(7);
        Ok(())
    })
    .unwrap();
    let t = 1_800_000_000;
    for i in 0..3 {
        let nonce = n.issue_at(t + i);
        assert_eq!(
            n.record_use_at(&nonce, NonceCount::SingleUse, t + i),
            NonceUse::Accepted
        );
    }
    // Full of live nonces: a new one is refused, not added.
    let fourth = n.issue_at(t + 3);
    assert_eq!(
        n.record_use_at(&fourth, NonceCount::Counted(1), t + 3),
        NonceUse::Full
    );
    assert_eq!(n.remembered(), 3);
    // Once the first has gone stale it is forgotten and there is room again.
    let later = t + 301;
    let fifth = n.issue_at(later);
    assert_eq!(
        n.record_use_at(&fifth, NonceCount::Counted(1), later),
        NonceUse::Accepted
    );
    assert_eq!(n.remembered(), 3);
}

#[test]
fn a_failing_random_source_is_an_error_not_a_clock_key() {
    let failed = Nonces::with_random(LIFETIME, 10, |_| Err(NonceKeyError));
    let err = failed.err().expect("no key, no nonces");
    assert!(err.to_string().contains("random source"), "{err}");
}

#[test]
fn nonce_counts_are_eight_hex_digits_with_qop() {
    let mut p = parse_authorization(
        r#"Digest username="u", realm="kefu", nonce="n", uri="sip:a@b", response="r""#,
    )
    .unwrap();
    assert_eq!(p.nonce_count(), Some(NonceCount::SingleUse));
    p.qop = Some("auth".into());
    assert_eq!(p.nonce_count(), None, "qop without nc");
    for (nc, want) in [
        ("00000001", Some(NonceCount::Counted(1))),
        ("0000000a", Some(NonceCount::Counted(10))),
        ("FFFFFFFF", Some(NonceCount::Counted(u32::MAX))),
        ("00000000", None),
        ("1", None),
        ("+0000001", None),
        ("000000001", None),
        ("0000000g", None),
    ] {
        p.nc = Some(nc.into());
        assert_eq!(p.nonce_count(), want, "nc={nc}");
    }
}

#[test]
fn an_answer_is_only_for_its_request_uri() {
    let p = parse_authorization(
        r#"Digest username="u", realm="kefu", nonce="n", uri="sip:+15555550100@127.0.0.1:5060", response="r""#,
    )
    .unwrap();
    assert!(p.is_for("sip:+15555550100@127.0.0.1:5060"));
    assert!(p.is_for("SIP:+15555550100@127.0.0.1:5060"), "scheme case");
    assert!(
        !p.is_for("sip:+15555550199@127.0.0.1:5060"),
        "another number"
    );
    assert!(!p.is_for("sip:+15555550100@127.0.0.1:5070"), "another port");
    assert!(!p.is_for("sip:+15555550100@127.0.0.1"), "port dropped");
    assert!(!p.is_for(""));
}

#[test]
fn challenge_names_the_realm_and_a_checkable_nonce() {
    let n = nonces();
    let c = n.challenge("kefu", true);
    assert!(c.starts_with("Digest realm=\"kefu\""));
    assert!(c.ends_with("stale=true"));
    let nonce = c
        .split("nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(n.check(nonce), NonceCheck::Fresh);
}
