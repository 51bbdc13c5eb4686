use super::*;

fn run(text: &str) -> Verdict {
    validate(
        text.as_bytes(),
        TransportKind::Udp,
        &ValidationConfig::default(),
    )
}

fn status(verdict: &Verdict) -> Option<u16> {
    match verdict {
        Verdict::Reject(r) => Some(r.status()),
        _ => None,
    }
}

const OPTIONS: &str = "OPTIONS sip:edge@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n\
Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:edge@example.com>\r\nCall-ID: abc@192.0.2.1\r\n\
CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

#[test]
fn a_plain_request_is_accepted_into_rsip() {
    let Verdict::Accept(accepted) = run(OPTIONS) else {
        panic!("accepted")
    };
    assert!(accepted.message.is_request());
    assert_eq!(
        accepted.reply.call_id.as_deref(),
        Some(&b"abc@192.0.2.1"[..])
    );
}

#[test]
fn reject_copies_headers_and_adds_a_stable_to_tag() {
    let text = OPTIONS
        .replace("OPTIONS sip", "FROB sip")
        .replace("1 OPTIONS", "1 FROB");
    let Verdict::Reject(r) = run(&text) else {
        panic!("rejected")
    };
    assert_eq!(r.status(), 501);
    let response = String::from_utf8(r.response.clone()).expect("text");
    assert!(
        response.starts_with("SIP/2.0 501 Not Implemented\r\n"),
        "{response}"
    );
    for line in [
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n",
        "From: <sip:a@example.com>;tag=1\r\n",
        "Call-ID: abc@192.0.2.1\r\n",
        "CSeq: 1 FROB\r\n",
        "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE\r\n",
        "Content-Length: 0\r\n\r\n",
    ] {
        assert!(response.contains(line), "{line:?} in {response}");
    }
    assert!(
        response.contains("To: <sip:edge@example.com>;tag=kf"),
        "{response}"
    );
    // A retransmission gets the same tag (stateless), and the response parses as SIP.
    let Verdict::Reject(again) = run(&text) else {
        panic!("rejected")
    };
    assert_eq!(again.response, r.response);
    assert!(rsipstack::sip::SipMessage::try_from(r.response.as_slice()).is_ok());
}

#[test]
fn policy_statuses() {
    let invite = OPTIONS
        .replace("OPTIONS sip", "INVITE sip")
        .replace("1 OPTIONS", "1 INVITE");
    let cases = [
        (invite.replace("Max-Forwards: 70", "Max-Forwards: 0"), 483),
        (OPTIONS.replace("Max-Forwards: 70", "Max-Forwards: 0"), 0),
        (
            invite.replace(
                "Content-Length: 0\r\n",
                "Require: 100rel\r\nContent-Length: 0\r\n",
            ),
            420,
        ),
        // Session timers are supported (the call actor negotiates them).
        (
            invite.replace(
                "Content-Length: 0\r\n",
                "Require: timer\r\nContent-Length: 0\r\n",
            ),
            0,
        ),
        (
            invite.replace(
                "Content-Length: 0\r\n\r\n",
                "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
            ),
            415,
        ),
        (
            invite.replace(
                "Content-Length: 0\r\n",
                "Accept: text/html\r\nContent-Length: 0\r\n",
            ),
            406,
        ),
        (
            invite.replace(
                "Content-Length: 0\r\n",
                "Accept: application/*\r\nContent-Length: 0\r\n",
            ),
            0,
        ),
        (
            invite.replace(
                "INVITE sip:edge@example.com",
                "INVITE mailto:edge@example.com",
            ),
            416,
        ),
        (
            invite
                .replace("INVITE sip:", "SUBSCRIBE sip:")
                .replace("1 INVITE", "1 SUBSCRIBE"),
            405,
        ),
        (invite.replace("SIP/2.0\r\n", "SIP/3.0\r\n"), 505),
        (invite.replace("1 INVITE", "1 BYE"), 400),
        (invite.replace("Max-Forwards: 70\r\n", ""), 400),
        (
            invite
                .replace("Max-Forwards: 70\r\n", "")
                .replace("branch=z9hG4bK1", "branch=2543"),
            0,
        ),
        (
            invite.replace(
                "Content-Length: 0\r\n\r\n",
                "Content-Length: 10\r\n\r\nshort",
            ),
            400,
        ),
        (
            invite.replace("Content-Length: 0\r\n\r\n", "\r\nbody without type"),
            400,
        ),
    ];
    for (text, expected) in cases {
        let verdict = run(&text);
        match expected {
            0 => assert!(matches!(verdict, Verdict::Accept(_)), "{text}: {verdict:?}"),
            code => assert_eq!(status(&verdict), Some(code), "{text}: {verdict:?}"),
        }
    }
}

#[test]
fn unsupported_require_lists_the_tags() {
    let text = OPTIONS.replace(
        "Content-Length: 0\r\n",
        "Require: foo, bar\r\nContent-Length: 0\r\n",
    );
    let Verdict::Reject(r) = run(&text) else {
        panic!("rejected")
    };
    assert_eq!(
        r.cause,
        Cause::BadExtension(vec!["foo".into(), "bar".into()])
    );
    assert!(String::from_utf8_lossy(&r.response).contains("Unsupported: foo, bar\r\n"));
}

#[test]
fn ack_is_never_answered() {
    let text = OPTIONS
        .replace("OPTIONS sip", "ACK sip")
        .replace("1 OPTIONS", "1 INVITE");
    assert!(matches!(
        run(&text),
        Verdict::Drop(DropReason::RefusedAck(_))
    ));
}

#[test]
fn drops_what_cannot_be_answered() {
    assert!(matches!(run(""), Verdict::Drop(DropReason::Empty)));
    assert!(matches!(run("   \t "), Verdict::Drop(DropReason::Empty)));
    assert!(matches!(run("\r\n\r\n"), Verdict::Keepalive));
    assert!(
        matches!(run("\r\n"), Verdict::Drop(DropReason::Empty)),
        "a pong is not answered"
    );
    assert!(matches!(
        run("hello world"),
        Verdict::Drop(DropReason::NoVia)
    ));
    assert!(matches!(
        run(&OPTIONS.replace("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n", "")),
        Verdict::Drop(DropReason::NoVia)
    ));
    let big = format!("{OPTIONS}{}", "x".repeat(9000));
    assert!(matches!(run(&big), Verdict::Drop(DropReason::Oversized)));
    let response =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";
    assert!(matches!(
        run(response),
        Verdict::Drop(DropReason::InvalidResponse(Violation::MissingHeader(_)))
    ));
}

#[test]
fn header_caps() {
    let many = OPTIONS.replace("Content-Length: 0\r\n", &"X-A: 1\r\n".repeat(70));
    assert_eq!(status(&run(&many)), Some(400));
    let long = OPTIONS.replace(
        "Content-Length: 0\r\n",
        &format!("X-A: {}\r\n", "a".repeat(3000)),
    );
    assert_eq!(status(&run(&long)), Some(400));
}

#[test]
fn stream_needs_content_length() {
    let config = ValidationConfig::default();
    let without = OPTIONS.replace("Content-Length: 0\r\n", "");
    assert!(matches!(
        validate(OPTIONS.as_bytes(), TransportKind::Tcp, &config),
        Verdict::Accept(_)
    ));
    assert_eq!(
        status(&validate(without.as_bytes(), TransportKind::Tcp, &config)),
        Some(400)
    );
}

#[test]
fn stream_framing() {
    let limits = Limits::default();
    let two = format!("{OPTIONS}{OPTIONS}");
    assert_eq!(
        frame_stream(two.as_bytes(), &limits),
        StreamFrame::Message(OPTIONS.len())
    );
    assert_eq!(
        frame_stream(&OPTIONS.as_bytes()[..40], &limits),
        StreamFrame::Incomplete
    );
    assert_eq!(
        frame_stream(b"\r\n\r\nOPTIONS", &limits),
        StreamFrame::Ping(4)
    );
    assert_eq!(frame_stream(b"\r\nOPTIONS", &limits), StreamFrame::Skip(2));
    let body = OPTIONS.replace(
        "Content-Length: 0\r\n\r\n",
        "Content-Type: a/b\r\nContent-Length: 4\r\n\r\nab",
    );
    assert_eq!(
        frame_stream(body.as_bytes(), &limits),
        StreamFrame::Incomplete
    );
    assert_eq!(
        frame_stream(format!("{body}cd").as_bytes(), &limits),
        StreamFrame::Message(body.len() + 2)
    );
    let none = OPTIONS.replace("Content-Length: 0\r\n", "");
    assert_eq!(
        frame_stream(none.as_bytes(), &limits),
        StreamFrame::UntilEof
    );
    for bad in [
        "Content-Length: -1\r\n",
        "Content-Length: 1\r\nl: 2\r\n",
        "Content-Length: 99999\r\n",
    ] {
        let text = OPTIONS.replace("Content-Length: 0\r\n", bad);
        assert_eq!(
            frame_stream(text.as_bytes(), &limits),
            StreamFrame::Unframeable,
            "{bad}"
        );
    }
    assert_eq!(
        frame_stream(&[b'a'; 9000], &limits),
        StreamFrame::Unframeable
    );
}

#[test]
fn rfc2543_requests_get_a_stable_derived_branch_and_from_tag() {
    use rsipstack::sip::prelude::HeadersExt;
    let invite = "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP gw.example.com\r\n\
From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\nCall-ID: old@gw\r\nCSeq: 5 INVITE\r\n\r\n";
    let ack = invite
        .replace("INVITE sip", "ACK sip")
        .replace("5 INVITE", "5 ACK")
        .replace(
            "<sip:b@example.com>\r\nCall",
            "<sip:b@example.com>;tag=x\r\nCall",
        );
    let branch_and_tag = |text: &str| {
        let Verdict::Accept(accepted) = run(text) else {
            panic!("accepted: {text}")
        };
        let rsipstack::sip::SipMessage::Request(req) = accepted.message else {
            panic!("request")
        };
        let via = req.via_header().expect("via").value().to_owned();
        let from = req.from_header().expect("from").value().to_owned();
        (via, from)
    };
    let (via, from) = branch_and_tag(invite);
    assert!(via.contains(";branch=z9hG4bK2543."), "{via}");
    assert!(from.contains(";tag=kf2543."), "{from}");
    assert_eq!(
        branch_and_tag(invite),
        (via.clone(), from.clone()),
        "a retransmission maps to the same transaction"
    );
    assert_eq!(
        branch_and_tag(&ack).0,
        via,
        "the ACK (To tag added) maps to the INVITE"
    );
    // A RFC 3261 request is left alone.
    let Verdict::Accept(accepted) = run(OPTIONS) else {
        panic!("accepted")
    };
    let text = accepted.message.to_string();
    assert!(!text.contains("2543."), "{text}");
}

mod properties {
    use proptest::prelude::*;

    use super::super::*;
    use super::OPTIONS;

    fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
        let config = ValidationConfig::default();
        for transport in [TransportKind::Udp, TransportKind::Tcp] {
            match validate(bytes, transport, &config) {
                Verdict::Reject(r) => {
                    prop_assert!(
                        rsipstack::sip::SipMessage::try_from(r.response.as_slice()).is_ok()
                    );
                    let status_line = format!("SIP/2.0 {} ", r.status());
                    prop_assert!(r.response.starts_with(status_line.as_bytes()));
                }
                Verdict::Accept(_) | Verdict::Drop(_) | Verdict::Keepalive => {}
            }
        }
        let _ = frame_stream(bytes, &config.limits);
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            check(&bytes)?;
        }

        #[test]
        fn mutated_requests_never_panic_and_refusals_parse(
            edits in proptest::collection::vec((0usize..400, any::<u8>()), 1..6),
        ) {
            let mut bytes = OPTIONS.as_bytes().to_vec();
            for (pos, byte) in edits {
                let at = pos % bytes.len();
                bytes[at] = byte;
            }
            check(&bytes)?;
        }
    }
}
