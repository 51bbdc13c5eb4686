//! The edge over the wire on 127.0.0.1: every RFC 4475 message over UDP and over TCP gets its
//! manifest outcome, the edge keeps answering OPTIONS afterwards, policy refusals, garbage and
//! oversized input, per-source rate limits, and what the consumer of requests sees.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Outcome, branch_of, call_id_of, outcome, status_of, torture_messages};
use kefu_sip::edge::{IncomingRequest, SipEdge, SipEdgeConfig};
use kefu_sip::limits::{BucketConfig, RateLimitConfig};
use rsipstack::sip::{Method, StatusCode};
use kefu_sip::validate::TransportKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout};

const WAIT: Duration = Duration::from_secs(5);

type Seen = Arc<Mutex<Vec<(String, SocketAddr, TransportKind)>>>;

fn generous_limits() -> RateLimitConfig {
    let bucket = BucketConfig {
        per_second: 1000.0,
        burst: 1000.0,
        drop_after: 1000.0,
    };
    RateLimitConfig {
        invite: bucket,
        register: bucket,
        ..RateLimitConfig::default()
    }
}

/// Starts an edge on 127.0.0.1 and a stand-in consumer: a registrar that challenges every
/// REGISTER (401) and a callee that is away for every INVITE (480); other requests get 200.
async fn start(rate_limits: RateLimitConfig) -> (SipEdge, Seen) {
    let config = SipEdgeConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        rate_limits,
        ..SipEdgeConfig::default()
    };
    let mut edge = SipEdge::start(config).await.expect("edge starts");
    let mut requests = edge.take_requests().expect("requests");
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Some(mut request) = requests.recv().await {
            let status = stand_in_status(&request);
            record.lock().expect("lock").push((
                request.method().to_string(),
                request.source(),
                request.transport(),
            ));
            let _ = request.reply(status).await;
        }
    });
    (edge, seen)
}

fn stand_in_status(request: &IncomingRequest) -> StatusCode {
    match request.method() {
        Method::Register => StatusCode::Unauthorized,
        Method::Invite => StatusCode::TemporarilyUnavailable,
        _ => StatusCode::OK,
    }
}

/// What the wire shows for a message: the status of the final response, or nothing.
fn wire_expectation(file: &str, expected: &str, bytes: &[u8]) -> Option<u16> {
    match outcome(file, expected) {
        Outcome::Reject(code) => Some(code),
        Outcome::Drop => None,
        Outcome::Accept if bytes.starts_with(b"SIP/") => None,
        Outcome::Accept => match String::from_utf8_lossy(bytes).split(' ').next() {
            Some("OPTIONS") => Some(200),
            Some("REGISTER") => Some(401),
            Some("INVITE") => Some(480),
            other => panic!("{file}: no stand-in answer for {other:?}"),
        },
    }
}

/// How a response is recognised as belonging to a message.
fn key_of(bytes: &[u8]) -> String {
    call_id_of(bytes)
        .or_else(|| branch_of(bytes))
        .expect("a Call-ID or a Via branch")
}

fn options(call_id: &str, via_transport: &str, extra: &str) -> Vec<u8> {
    format!(
        "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{via_transport} 127.0.0.1:9;branch=z9hG4bK{call_id}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: {call_id}\r\n\
         CSeq: 1 OPTIONS\r\n{extra}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn request(method: &str, call_id: &str, uri: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{call_id}\r\nMax-Forwards: 70\r\n\
         From: <sip:caller@127.0.0.1>;tag=c\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: {call_id}\r\nCSeq: 1 {method}\r\n\
         {extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads datagrams until a final response containing `key` arrives; returns its status.
async fn udp_final(socket: &UdpSocket, key: &str) -> Option<u16> {
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0u8; 65_536];
    while let Ok(Ok((n, _))) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
        let text = String::from_utf8_lossy(&buf[..n]);
        if let Some(status) = status_of(&buf[..n]).filter(|s| *s >= 200)
            && text.contains(key)
        {
            return Some(status);
        }
    }
    None
}

/// Sends a message, then an OPTIONS probe, and returns the final status for the message (or
/// None when the probe's answer came and nothing for the message did).
async fn udp_exchange(
    socket: &UdpSocket,
    edge: SocketAddr,
    bytes: &[u8],
    probe: &str,
    expect_reply: bool,
) -> Option<u16> {
    let key = key_of(bytes);
    socket.send_to(bytes, edge).await.expect("send");
    if expect_reply {
        return udp_final(socket, &key).await;
    }
    socket
        .send_to(&options(probe, "UDP", ""), edge)
        .await
        .expect("send probe");
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0u8; 65_536];
    let mut got = None;
    while let Ok(Ok((n, _))) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if text.contains(&key) && got.is_none() {
            got = status_of(&buf[..n]);
        }
        if text.contains(probe) && status_of(&buf[..n]) == Some(200) {
            return got;
        }
    }
    panic!("the probe {probe} was not answered")
}

/// One message on a fresh TCP connection, half-closed after writing: the final status
/// of the response belonging to it, or None when the edge closes without one.
async fn tcp_exchange(edge: SocketAddr, bytes: &[u8]) -> Option<u16> {
    let key = key_of(bytes);
    let mut stream = TcpStream::connect(edge).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    stream.shutdown().await.expect("half-close");
    let mut received = Vec::new();
    let deadline = Instant::now() + WAIT;
    let mut chunk = [0u8; 4096];
    loop {
        for message in String::from_utf8_lossy(&received).split("SIP/2.0 ").skip(1) {
            let status: Option<u16> = message.get(..3).and_then(|s| s.parse().ok());
            if status.is_some_and(|s| s >= 200) && message.contains(&key) {
                return status;
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn assert_options_answered(edge: &SipEdge, tag: &str) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket
        .send_to(&options(tag, "UDP", ""), edge.udp_addr())
        .await
        .expect("send");
    assert_eq!(
        udp_final(&socket, tag).await,
        Some(200),
        "OPTIONS over UDP after {tag}"
    );
    let tcp = tcp_exchange(edge.tcp_addr(), &options(&format!("{tag}-tcp"), "TCP", "")).await;
    assert_eq!(tcp, Some(200), "OPTIONS over TCP after {tag}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torture_battery_over_udp() {
    let (edge, _) = start(generous_limits()).await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let mut failures = Vec::new();
    for m in torture_messages() {
        let want = wire_expectation(&m.file, &m.expected, &m.bytes);
        let probe = format!("probe-udp-{}", m.file);
        let got = udp_exchange(&socket, edge.udp_addr(), &m.bytes, &probe, want.is_some()).await;
        if got != want {
            failures.push(format!(
                "{} ({}): want {want:?}, got {got:?}",
                m.file, m.expected
            ));
        }
    }
    assert!(failures.is_empty(), "over UDP:\n{}", failures.join("\n"));
    assert_options_answered(&edge, "after-udp-battery").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torture_battery_over_tcp() {
    let (edge, _) = start(generous_limits()).await;
    let mut failures = Vec::new();
    for m in torture_messages() {
        let want = wire_expectation(&m.file, &m.expected, &m.bytes);
        let got = tcp_exchange(edge.tcp_addr(), &m.bytes).await;
        if got != want {
            failures.push(format!(
                "{} ({}): want {want:?}, got {got:?}",
                m.file, m.expected
            ));
        }
    }
    assert!(failures.is_empty(), "over TCP:\n{}", failures.join("\n"));
    assert_options_answered(&edge, "after-tcp-battery").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_answer_lists_allow_accept_supported() {
    let (edge, _) = start(generous_limits()).await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket
        .send_to(&options("opt-headers", "UDP", ""), edge.udp_addr())
        .await
        .expect("send");
    let mut buf = vec![0u8; 8192];
    let (n, _) = timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("answer")
        .expect("recv");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("SIP/2.0 200"), "{text}");
    assert!(
        text.contains("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE\r\n"),
        "{text}"
    );
    assert!(text.contains("Accept: application/sdp\r\n"), "{text}");
    assert!(text.contains("Supported:"), "{text}");
    assert!(text.contains("To: <sip:edge@127.0.0.1>;tag="), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_refusals_over_udp() {
    let (edge, seen) = start(generous_limits()).await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let sdp = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
    let cases: Vec<(Vec<u8>, u16, Option<&str>)> = vec![
        (
            request("FROB", "p-501", "sip:edge@127.0.0.1", "", ""),
            501,
            Some("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE"),
        ),
        (
            request(
                "INVITE",
                "p-420",
                "sip:edge@127.0.0.1",
                "Require: foo\r\n",
                "",
            ),
            420,
            Some("Unsupported: foo"),
        ),
        (
            request("INVITE", "p-416", "mailto:edge@127.0.0.1", "", ""),
            416,
            None,
        ),
        (
            request(
                "INVITE",
                "p-415",
                "sip:edge@127.0.0.1",
                "Content-Type: text/plain\r\n",
                "hi",
            ),
            415,
            Some("Accept: application/sdp"),
        ),
        (
            request("INVITE", "p-483", "sip:edge@127.0.0.1", "", "")
                .into_iter()
                .collect::<Vec<u8>>()
                .replace_max_forwards(),
            483,
            None,
        ),
        (
            request(
                "INVITE",
                "p-ok",
                "sip:edge@127.0.0.1",
                "Content-Type: application/sdp\r\n",
                sdp,
            ),
            480,
            None,
        ),
    ];
    for (bytes, status, header) in cases {
        let key = key_of(&bytes);
        socket.send_to(&bytes, edge.udp_addr()).await.expect("send");
        let deadline = Instant::now() + WAIT;
        let mut buf = vec![0u8; 8192];
        let text = loop {
            let (n, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
                .await
                .expect(&key)
                .expect("recv");
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.contains(&key) && status_of(&buf[..n]).is_some_and(|s| s >= 200) {
                break text;
            }
        };
        assert_eq!(status_of(text.as_bytes()), Some(status), "{key}: {text}");
        if let Some(header) = header {
            assert!(text.contains(header), "{key}: {text}");
        }
    }
    // Only the acceptable INVITE reached the consumer, with its real source and transport.
    let seen = seen.lock().expect("lock").clone();
    let local = socket.local_addr().expect("addr");
    assert_eq!(seen, vec![("INVITE".to_owned(), local, TransportKind::Udp)]);
}

trait ReplaceMaxForwards {
    fn replace_max_forwards(self) -> Vec<u8>;
}

impl ReplaceMaxForwards for Vec<u8> {
    fn replace_max_forwards(self) -> Vec<u8> {
        String::from_utf8(self)
            .expect("text")
            .replace("Max-Forwards: 70", "Max-Forwards: 0")
            .into_bytes()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_input_get_nothing_and_the_edge_keeps_working() {
    let (edge, _) = start(generous_limits()).await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let mut oversized = options("big", "UDP", "");
    oversized.splice(
        oversized.len() - 4..oversized.len() - 4,
        std::iter::repeat_n(b'x', 9000),
    );
    let mut noise = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..1500 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        noise.push((x >> 16) as u8);
    }
    for (i, bytes) in [
        oversized.clone(),
        noise.clone(),
        b"\0\0\0\0".to_vec(),
        b"INVITE\r\n\r\n".to_vec(),
    ]
    .iter()
    .enumerate()
    {
        let got = udp_exchange(
            &socket,
            edge.udp_addr(),
            &[bytes.as_slice(), b"\r\nCall-ID: zzgarbage\r\n"].concat(),
            &format!("junk-probe-{i}"),
            false,
        )
        .await;
        assert_eq!(got, None, "datagram {i}");
    }
    // TCP: a stream that never ends its head is cut at the cap; noise is dropped.
    let mut stream = TcpStream::connect(edge.tcp_addr()).await.expect("connect");
    let _ = stream.write_all(&vec![b'a'; 20_000]).await;
    let mut sink = Vec::new();
    let closed = timeout(WAIT, stream.read_to_end(&mut sink)).await;
    assert!(
        closed.is_ok(),
        "the edge closes a connection whose message exceeds the cap"
    );
    assert!(sink.is_empty());
    assert_eq!(
        tcp_exchange(
            edge.tcp_addr(),
            &[noise.as_slice(), b"\r\nCall-ID: zzgarbage\r\n"].concat()
        )
        .await,
        None
    );
    assert_options_answered(&edge, "after-garbage").await;
    assert!(kefu_sip::edge::EdgeStats::get(&edge.stats().dropped) >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_flood_from_one_source_is_limited_while_another_source_gets_through() {
    let limits = RateLimitConfig {
        invite: BucketConfig {
            per_second: 0.01,
            burst: 2.0,
            drop_after: 1.5,
        },
        ..generous_limits()
    };
    let (edge, seen) = start(limits).await;
    let flooder = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let mut statuses = Vec::new();
    for i in 0..6 {
        let bytes = request(
            "INVITE",
            &format!("flood-{i}"),
            "sip:edge@127.0.0.1",
            "",
            "",
        );
        let want_reply = i < 4;
        statuses.push(
            udp_exchange(
                &flooder,
                edge.udp_addr(),
                &bytes,
                &format!("flood-probe-{i}"),
                want_reply,
            )
            .await,
        );
    }
    assert_eq!(
        statuses,
        [Some(480), Some(480), Some(503), Some(503), None, None]
    );
    // Another source address (127.0.0.2 is loopback too) is not affected.
    let other = UdpSocket::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let bytes = request("INVITE", "other-source", "sip:edge@127.0.0.1", "", "");
    assert_eq!(
        udp_exchange(&other, edge.udp_addr(), &bytes, "other-probe", true).await,
        Some(480)
    );
    let invites = seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|(m, _, _)| m == "INVITE")
        .count();
    assert_eq!(invites, 3);
    assert_eq!(
        kefu_sip::edge::EdgeStats::get(&edge.stats().rate_limited),
        2
    );
    assert_eq!(
        kefu_sip::edge::EdgeStats::get(&edge.stats().rate_dropped),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_answer_carries_retry_after() {
    let limits = RateLimitConfig {
        register: BucketConfig {
            per_second: 0.01,
            burst: 1.0,
            drop_after: 5.0,
        },
        retry_after_secs: 9,
        ..generous_limits()
    };
    let (edge, _) = start(limits).await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket
        .send_to(
            &request("REGISTER", "reg-1", "sip:127.0.0.1", "", ""),
            edge.udp_addr(),
        )
        .await
        .expect("send");
    assert_eq!(udp_final(&socket, "reg-1").await, Some(401));
    socket
        .send_to(
            &request("REGISTER", "reg-2", "sip:127.0.0.1", "", ""),
            edge.udp_addr(),
        )
        .await
        .expect("send");
    let mut buf = vec![0u8; 8192];
    let (n, _) = timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("answer")
        .expect("recv");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(
        text.starts_with("SIP/2.0 503 Service Unavailable\r\n"),
        "{text}"
    );
    assert!(
        text.contains("Retry-After: 9\r\n") && text.contains("Call-ID: reg-2\r\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_requests_reach_the_consumer_with_their_peer_and_pipelined_messages_are_framed() {
    let (edge, seen) = start(generous_limits()).await;
    let mut stream = TcpStream::connect(edge.tcp_addr()).await.expect("connect");
    let local = stream.local_addr().expect("addr");
    let first = request("INVITE", "tcp-1", "sip:edge@127.0.0.1", "", "").replace_via_tcp();
    let second = options("tcp-2", "TCP", "");
    stream
        .write_all(&[first, b"\r\n\r\n".to_vec(), second].concat())
        .await
        .expect("write");
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + WAIT;
    while !(String::from_utf8_lossy(&received).contains("480")
        && String::from_utf8_lossy(&received).contains("200 OK"))
    {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
            .await
            .expect("responses")
            .expect("read");
        assert!(n > 0, "connection closed early");
        received.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.starts_with("\r\n") || text.contains("\r\n\r\n"),
        "the keep-alive ping is answered: {text:?}"
    );
    assert_eq!(
        seen.lock().expect("lock").clone(),
        vec![("INVITE".to_owned(), local, TransportKind::Tcp)]
    );
}

trait ReplaceVia {
    fn replace_via_tcp(self) -> Vec<u8>;
}

impl ReplaceVia for Vec<u8> {
    fn replace_via_tcp(self) -> Vec<u8> {
        String::from_utf8(self)
            .expect("text")
            .replace("SIP/2.0/UDP", "SIP/2.0/TCP")
            .into_bytes()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc2543_peer_gets_back_its_via_and_from_unchanged() {
    let (edge, _) = start(generous_limits()).await;
    let m = torture_messages()
        .into_iter()
        .find(|m| m.file == "inv2543.dat")
        .expect("inv2543");
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket
        .send_to(&m.bytes, edge.udp_addr())
        .await
        .expect("send");
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0u8; 8192];
    let text = loop {
        let (n, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .expect("answer")
            .expect("recv");
        if status_of(&buf[..n]).is_some_and(|s| s >= 200) {
            break String::from_utf8_lossy(&buf[..n]).into_owned();
        }
    };
    assert!(text.starts_with("SIP/2.0 480"), "{text}");
    assert!(
        !text.contains("z9hG4bK2543.") && !text.contains("kf2543."),
        "derived branch/tag leaked: {text}"
    );
    assert!(
        text.contains("From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_reaches_the_pending_invite_transaction() {
    let config = SipEdgeConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..SipEdgeConfig::default()
    };
    let mut edge = SipEdge::start(config).await.expect("edge");
    let mut requests = edge.take_requests().expect("requests");
    let consumer = tokio::spawn(async move {
        let mut invite = requests.recv().await.expect("the INVITE");
        assert_eq!(*invite.method(), Method::Invite);
        invite.reply(StatusCode::Ringing).await.expect("180");
        // The CANCEL is matched to this transaction by the stack; it never comes as a request.
        let cancel = invite
            .transaction_mut()
            .receive()
            .await
            .expect("the CANCEL");
        let rsipstack::sip::SipMessage::Request(cancel) = cancel else {
            panic!("request")
        };
        assert_eq!(cancel.method, Method::Cancel);
        invite
            .reply(StatusCode::RequestTerminated)
            .await
            .expect("487");
        requests.try_recv().is_err()
    });
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let invite = request("INVITE", "cancel-me", "sip:edge@127.0.0.1", "", "");
    socket
        .send_to(&invite, edge.udp_addr())
        .await
        .expect("send");
    let mut buf = vec![0u8; 8192];
    let deadline = Instant::now() + WAIT;
    loop {
        let (n, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .expect("180")
            .expect("recv");
        if status_of(&buf[..n]) == Some(180) {
            break;
        }
    }
    let cancel = String::from_utf8(invite)
        .expect("text")
        .replace("INVITE sip:", "CANCEL sip:")
        .replace("1 INVITE", "1 CANCEL");
    socket
        .send_to(cancel.as_bytes(), edge.udp_addr())
        .await
        .expect("send CANCEL");
    let mut finals = Vec::new();
    while finals.len() < 2 {
        let (n, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .expect("finals")
            .expect("recv");
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if let Some(status) = status_of(&buf[..n]).filter(|s| *s >= 200) {
            finals.push((status, text.contains("CSeq: 1 CANCEL")));
        }
    }
    finals.sort();
    assert_eq!(finals, [(200, true), (487, false)]);
    assert!(
        consumer.await.expect("consumer"),
        "nothing else reached the consumer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_cannot_take_every_tcp_slot() {
    let config = SipEdgeConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        max_tcp_connections_per_source: 2,
        ..SipEdgeConfig::default()
    };
    let edge = SipEdge::start(config).await.expect("edge");
    let held = [
        TcpStream::connect(edge.tcp_addr()).await.expect("first"),
        TcpStream::connect(edge.tcp_addr()).await.expect("second"),
    ];
    // The edge accepts the third connection from the same address and closes it at once.
    let mut third = TcpStream::connect(edge.tcp_addr()).await.expect("third");
    let mut sink = Vec::new();
    let read = timeout(WAIT, third.read_to_end(&mut sink))
        .await
        .expect("closed by the edge");
    assert!(read.is_ok_and(|n| n == 0), "no bytes, just the close");
    // Another source still gets through, and so do the held connections.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.2:0".parse().expect("addr"))
        .expect("bind 127.0.0.2");
    let mut other = socket.connect(edge.tcp_addr()).await.expect("other source");
    other
        .write_all(&options("other-tcp", "TCP", ""))
        .await
        .expect("write");
    let mut reply = [0u8; 2048];
    let n = timeout(WAIT, other.read(&mut reply))
        .await
        .expect("answer")
        .expect("read");
    assert_eq!(status_of(&reply[..n]), Some(200));
    let [mut first, _second] = held;
    first
        .write_all(&options("held-tcp", "TCP", ""))
        .await
        .expect("write");
    let n = timeout(WAIT, first.read(&mut reply))
        .await
        .expect("answer")
        .expect("read");
    assert_eq!(status_of(&reply[..n]), Some(200));
}
