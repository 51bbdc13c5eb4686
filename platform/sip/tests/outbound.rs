//! The outbound side over the wire: a UAC INVITE through rsipstack's dialog layer on the edge,
//! answered by a stand-in trunk on a raw UDP socket that challenges with digest auth (RFC 2617
//! MD5) and then answers 200 with SDP. The trunk's responses enter through the edge's
//! validation like any other message.

use std::net::SocketAddr;
use std::time::Duration;

use kefu_sip::edge::{SipEdge, SipEdgeConfig};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::invitation::InviteOption;
use kefu_sip::sdp::{self, Direction, LocalMedia};
use md5::{Digest, Md5};
use tokio::net::UdpSocket;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Receives the next request (skipping nothing) and returns its text.
async fn next_request(trunk: &UdpSocket) -> (String, SocketAddr) {
    let mut buf = vec![0u8; 8192];
    let (n, from) = timeout(WAIT, trunk.recv_from(&mut buf))
        .await
        .expect("a request")
        .expect("recv");
    (String::from_utf8_lossy(&buf[..n]).into_owned(), from)
}

fn header<'a>(text: &'a str, name: &str) -> &'a str {
    text.split("\r\n")
        .find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or_else(|| panic!("{name} in {text}"))
}

fn response(request: &str, status: &str, extra: &str, body: &str) -> String {
    let vias: String = request
        .split("\r\n")
        .filter(|l| l.to_ascii_lowercase().starts_with("via:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    format!(
        "SIP/2.0 {status}\r\n{vias}From: {}\r\nTo: {};tag=trunk1\r\nCall-ID: {}\r\nCSeq: {}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        header(request, "From"),
        header(request, "To"),
        header(request, "Call-ID"),
        header(request, "CSeq"),
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_invite_answers_a_digest_challenge_and_gets_200() {
    let config = SipEdgeConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..SipEdgeConfig::default()
    };
    let edge = SipEdge::start(config).await.expect("edge");
    let trunk = UdpSocket::bind("127.0.0.1:0").await.expect("trunk");
    let trunk_addr = trunk.local_addr().expect("addr");
    let local = LocalMedia {
        address: [127, 0, 0, 1].into(),
        port: 40000,
        session_id: 7,
        session_version: 1,
    };
    let uri = |s: String| rsipstack::sip::Uri::try_from(s.as_str()).expect("uri");
    let option = InviteOption {
        caller: uri(format!("sip:kefu@{}", edge.udp_addr())),
        callee: uri(format!("sip:+14155550123@{trunk_addr}")),
        contact: uri(format!("sip:kefu@{}", edge.udp_addr())),
        content_type: Some("application/sdp".to_owned()),
        offer: Some(sdp::offer(&local, Direction::SendRecv).into_bytes()),
        credential: Some(Credential {
            username: "acct".into(),
            password: "s3cret".into(),
            ..Credential::default()
        }),
        ..InviteOption::default()
    };
    let dialogs = edge.dialogs().clone();
    let (state_tx, _state_rx) = dialogs.new_dialog_state_channel();
    let call = tokio::spawn(async move { dialogs.do_invite(option, state_tx).await });

    let (invite, from) = next_request(&trunk).await;
    assert!(invite.starts_with("INVITE sip:+14155550123@"), "{invite}");
    assert_eq!(
        from,
        edge.udp_addr(),
        "requests leave from the edge's socket"
    );
    let challenge =
        "WWW-Authenticate: Digest realm=\"trunk.example\", nonce=\"n0nce\", algorithm=MD5\r\n";
    trunk
        .send_to(
            response(&invite, "401 Unauthorized", challenge, "").as_bytes(),
            from,
        )
        .await
        .expect("send 401");

    // The 401 is ACKed, then the INVITE is sent again with credentials.
    let mut authed = None;
    for _ in 0..4 {
        let (request, _) = next_request(&trunk).await;
        if request.starts_with("INVITE ") && request.contains("Authorization:") {
            authed = Some(request);
            break;
        }
    }
    let authed = authed.expect("an INVITE with Authorization");
    let auth = header(&authed, "Authorization");
    let field = |name: &str| {
        let start = auth
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("{name} in {auth}"))
            + name.len()
            + 2;
        auth[start..].split('"').next().expect("value").to_owned()
    };
    assert_eq!(field("username"), "acct");
    assert_eq!(field("realm"), "trunk.example");
    let expected = md5_hex(&format!(
        "{}:n0nce:{}",
        md5_hex("acct:trunk.example:s3cret"),
        md5_hex(&format!("INVITE:{}", field("uri")))
    ));
    assert_eq!(field("response"), expected, "digest response");

    let answer = sdp::answer(
        &sdp::parse(
            authed.split("\r\n\r\n").nth(1).expect("body").as_bytes(),
            &Default::default(),
        )
        .expect("offer"),
        &local,
    )
    .expect("answer");
    let contact = format!("Contact: <sip:trunk@{trunk_addr}>\r\nContent-Type: application/sdp\r\n");
    trunk
        .send_to(
            response(&authed, "200 OK", &contact, &answer.sdp).as_bytes(),
            from,
        )
        .await
        .expect("send 200");
    let (ack, _) = next_request(&trunk).await;
    assert!(ack.starts_with("ACK "), "the 200 is ACKed: {ack}");

    let (_dialog, final_response) = timeout(WAIT, call)
        .await
        .expect("call finishes")
        .expect("task")
        .expect("invite");
    let final_response = final_response.expect("a final response");
    assert_eq!(u16::from(final_response.status_code.clone()), 200);
    assert!(String::from_utf8_lossy(&final_response.body).contains("m=audio 40000 RTP/AVP 0 101"));
}
