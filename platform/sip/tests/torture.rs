//! RFC 4475 at the parser: every torture message gets the outcome its manifest gives (see
//! `common::outcome` for the documented choices), and accepted ones reach rsip's model.

mod common;

use common::{Outcome, outcome, torture_messages};
use rsipstack::sip::SipMessage;
use kefu_sip::validate::{TransportKind, ValidationConfig, Verdict, validate};

#[test]
fn every_torture_message_gets_its_manifest_outcome_over_udp_rules() {
    let config = ValidationConfig::default();
    let messages = torture_messages();
    assert_eq!(messages.len(), 49);
    let mut failures = Vec::new();
    for m in &messages {
        let want = outcome(&m.file, &m.expected);
        let verdict = validate(&m.bytes, TransportKind::Udp, &config);
        let got = match &verdict {
            Verdict::Accept(_) => Outcome::Accept,
            Verdict::Reject(r) => Outcome::Reject(r.status()),
            Verdict::Drop(_) | Verdict::Keepalive => Outcome::Drop,
        };
        if got != want {
            failures.push(format!(
                "{}: manifest {:?} → want {want:?}, got {verdict:?}",
                m.file, m.expected
            ));
        }
        if let Verdict::Reject(r) = &verdict {
            // The response the edge would send is itself valid SIP.
            if let Err(e) = SipMessage::try_from(r.response.as_slice()) {
                failures.push(format!(
                    "{}: our {} response does not parse: {e}",
                    m.file,
                    r.status()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        messages.len(),
        failures.join("\n")
    );
}

#[test]
fn accepted_messages_keep_their_meaning_in_rsip() {
    let config = ValidationConfig::default();
    for m in torture_messages() {
        let Verdict::Accept(accepted) = validate(&m.bytes, TransportKind::Udp, &config) else {
            continue;
        };
        let text = String::from_utf8_lossy(&m.bytes);
        let first_line = text.lines().next().unwrap_or_default();
        match &accepted.message {
            SipMessage::Request(req) => {
                let method = first_line.split(' ').next().unwrap_or_default();
                assert_eq!(req.method.to_string(), method, "{}", m.file);
            }
            SipMessage::Response(resp) => {
                let code: u16 = first_line[8..11].parse().expect("code");
                assert_eq!(u16::from(resp.status_code.clone()), code, "{}", m.file);
            }
        }
    }
}

#[test]
fn dblreq_keeps_only_the_first_message_on_udp() {
    let m = torture_messages()
        .into_iter()
        .find(|m| m.file == "dblreq.dat")
        .expect("dblreq");
    let Verdict::Accept(accepted) =
        validate(&m.bytes, TransportKind::Udp, &ValidationConfig::default())
    else {
        panic!("accepted")
    };
    let SipMessage::Request(req) = &accepted.message else {
        panic!("request")
    };
    assert_eq!(req.method.to_string(), "REGISTER");
    assert!(req.body.is_empty());
}
