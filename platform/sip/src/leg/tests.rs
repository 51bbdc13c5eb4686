//! The pure parts of the leg interface: what is read from an INVITE (from raw SIP text parsed
//! by rsip, as the edge hands it over) and the headers the leg writes.

use rsipstack::sip::{Request, SipMessage};

use super::*;

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

/// An INVITE with the given extra header lines (each ending in CRLF) and body.
fn invite(from: &str, to: &str, extra: &str, body: &str) -> Request {
    let text = format!(
        "INVITE sip:+8613800138000@kefu.example SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n\
         Max-Forwards: 70\r\n\
         From: {from}\r\n\
         To: {to}\r\n\
         Call-ID: a84b4c76e66710@192.0.2.10\r\n\
         CSeq: 314159 INVITE\r\n\
         Contact: <sip:carrier@192.0.2.10:5060>\r\n\
         {extra}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    match SipMessage::try_from(text.as_str()) {
        Ok(SipMessage::Request(request)) => request,
        other => panic!("not a request: {other:?}"),
    }
}

fn plain(extra: &str) -> InviteIntake {
    InviteIntake::read(&invite(
        "<sip:+8610555@carrier.example>;tag=1928301774",
        "<sip:+8613800138000@kefu.example>",
        extra,
        "",
    ))
}

#[test]
fn reads_the_dialled_number_the_caller_and_the_call_id() {
    let intake = InviteIntake::read(&invite(
        "\"Li Lei\" <sip:+8610555@carrier.example>;tag=1928301774",
        "<sip:+8613800138000@kefu.example>",
        "Content-Type: application/sdp\r\n",
        SDP,
    ));
    assert_eq!(intake.dialled, "+8613800138000");
    assert_eq!(intake.request_uri, "sip:+8613800138000@kefu.example");
    assert_eq!(intake.caller, "+8610555");
    assert_eq!(intake.call_id, "a84b4c76e66710@192.0.2.10");
    assert!(!intake.reinvite);
    assert_eq!(intake.authorization, None);
    assert_eq!(intake.sdp, SDP.as_bytes());
}

#[test]
fn a_caller_without_a_user_part_is_anonymous() {
    let intake = InviteIntake::read(&invite(
        "<sip:carrier.example>;tag=1",
        "<sip:+8613800138000@kefu.example>",
        "",
        "",
    ));
    assert_eq!(intake.caller, "anonymous");
    assert!(intake.sdp.is_empty());
}

#[test]
fn a_to_tag_makes_it_a_re_invite() {
    let intake = InviteIntake::read(&invite(
        "<sip:+8610555@carrier.example>;tag=1",
        "<sip:+8613800138000@kefu.example>;tag=kefu42",
        "",
        "",
    ));
    assert!(intake.reinvite);
}

#[test]
fn credentials_come_from_either_authorization_header() {
    let answer = "Digest username=\"trunk\", realm=\"kefu\", nonce=\"n\", uri=\"sip:+8613800138000@kefu.example\", response=\"0123456789abcdef0123456789abcdef\"";
    let intake = plain(&format!("Authorization: {answer}\r\n"));
    assert_eq!(intake.authorization.as_deref(), Some(answer));
    let intake = plain(&format!("Proxy-Authorization: {answer}\r\n"));
    assert_eq!(intake.authorization.as_deref(), Some(answer));
}

#[test]
fn credentials_longer_than_the_bound_are_not_passed_on() {
    let at_bound = format!("Digest username=\"{}\"", "u".repeat(MAX_AUTHORIZATION - 18));
    assert_eq!(at_bound.len(), MAX_AUTHORIZATION);
    let intake = plain(&format!("Authorization: {at_bound}\r\n"));
    assert_eq!(intake.authorization.as_deref(), Some(at_bound.as_str()));
    let over = format!("{at_bound}x");
    assert_eq!(
        plain(&format!("Authorization: {over}\r\n")).authorization,
        None
    );
}

#[test]
fn no_timer_headers_read_as_none() {
    assert_eq!(plain("").timers, TimerHeaders::default());
}

#[test]
fn timer_headers_are_read_with_their_tokens() {
    let intake = plain(
        "Session-Expires: 1800;refresher=uac\r\nMin-SE: 90\r\nSupported: 100rel, Timer\r\n\
         Allow: INVITE, ACK, CANCEL, BYE, update\r\n",
    );
    assert_eq!(
        intake.timers,
        TimerHeaders {
            session_expires: Some("1800;refresher=uac".into()),
            min_se: Some("90".into()),
            supports_timer: true,
            allows_update: true,
        }
    );
}

#[test]
fn timer_tokens_must_be_whole() {
    let intake = plain("Supported: timers, 100rel\r\nAllow: INVITE, UPDATES\r\n");
    assert!(!intake.timers.supports_timer);
    assert!(!intake.timers.allows_update);
}

#[test]
fn compact_timer_headers_count() {
    let intake = plain("x: 600\r\nk: timer\r\n");
    assert_eq!(intake.timers.session_expires.as_deref(), Some("600"));
    assert!(intake.timers.supports_timer);
}

#[test]
fn an_overlong_timer_header_is_cut() {
    let long = "9".repeat(MAX_TIMER_HEADER * 4);
    let intake = plain(&format!("Session-Expires: {long}\r\n"));
    let kept = intake.timers.session_expires.unwrap_or_default();
    assert_eq!(kept.len(), MAX_TIMER_HEADER);
}

#[test]
fn timer_headers_of_a_response_name_the_refresher_and_require_only_when_asked() {
    let names = |headers: Vec<HeaderField>| {
        headers
            .into_iter()
            .map(|h| format!("{}: {}", h.name, h.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(timer_headers("1800;refresher=uas".into(), true)),
        [
            "Session-Expires: 1800;refresher=uas",
            "Supported: timer",
            "Require: timer"
        ]
    );
    assert_eq!(
        names(timer_headers("90;refresher=uac".into(), false)),
        ["Session-Expires: 90;refresher=uac", "Supported: timer"]
    );
}

#[test]
fn refusal_headers_are_spelled_as_rfcs_say() {
    assert_eq!(HeaderField::min_se(90), HeaderField::new("Min-SE", "90"));
    assert_eq!(
        HeaderField::warning("Session-Expires is not a number"),
        HeaderField::new("Warning", "399 kefu \"Session-Expires is not a number\"")
    );
    assert_eq!(
        HeaderField::www_authenticate("Digest realm=\"kefu\"").name,
        "WWW-Authenticate"
    );
}

#[test]
fn a_refused_request_names_the_status() {
    let why = LegError::Refused(503).to_string();
    assert!(why.contains("503"), "{why}");
}
