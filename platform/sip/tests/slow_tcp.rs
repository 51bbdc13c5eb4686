//! Slow SIP peers on TCP cannot hold the edge: a connection that sends part of a message and
//! stalls, or trickles it a byte at a time, is closed once the message timeout passes, while a
//! quiet connection between messages and other peers are served as before.

mod common;

use std::time::Duration;

use common::status_of;
use kefu_sip::edge::{SipEdge, SipEdgeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// How long a test waits for something that must happen (generous: a loaded machine).
const WAIT: Duration = Duration::from_secs(30);

fn options(call_id: &str) -> Vec<u8> {
    format!(
        "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK{call_id}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: {call_id}\r\n\
         CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// An edge whose messages must be complete within 1 s; the idle timeout stays long.
async fn edge() -> SipEdge {
    SipEdge::start(SipEdgeConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        tcp_message_timeout: Duration::from_secs(1),
        tcp_idle_timeout: Duration::from_secs(300),
        ..SipEdgeConfig::default()
    })
    .await
    .expect("edge starts")
}

/// Reads until the edge closes the connection (end of stream or reset); panics after [`WAIT`].
async fn closed_by_edge(stream: &mut TcpStream, what: &str) {
    let mut sink = Vec::new();
    match timeout(WAIT, stream.read_to_end(&mut sink)).await {
        Ok(_) => assert!(
            status_of(&sink).is_none(),
            "{what}: closed without an answer, got {}",
            String::from_utf8_lossy(&sink)
        ),
        Err(_) => panic!("{what}: still open after {WAIT:?}"),
    }
}

async fn options_answered(stream: &mut TcpStream, call_id: &str) -> Option<u16> {
    stream.write_all(&options(call_id)).await.ok()?;
    let mut reply = [0u8; 4096];
    let n = timeout(WAIT, stream.read(&mut reply)).await.ok()?.ok()?;
    status_of(&reply[..n])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_message_is_cut_off_and_others_are_served() {
    let edge = edge().await;
    // Ten peers each send half a request head and stop.
    let mut stalled = Vec::new();
    for i in 0..10 {
        let mut stream = TcpStream::connect(edge.tcp_addr()).await.expect("connect");
        let message = options(&format!("half-{i}"));
        stream
            .write_all(&message[..message.len() / 2])
            .await
            .expect("write half");
        stalled.push(stream);
    }
    // A quiet connection (nothing begun) is not touched by the message clock: it is used
    // after the stalled ones were cut off.
    let mut quiet = TcpStream::connect(edge.tcp_addr()).await.expect("connect");
    for (i, stream) in stalled.iter_mut().enumerate() {
        closed_by_edge(stream, &format!("stalled peer {i}")).await;
    }
    assert_eq!(options_answered(&mut quiet, "quiet").await, Some(200));
    let mut fresh = TcpStream::connect(edge.tcp_addr()).await.expect("connect");
    assert_eq!(options_answered(&mut fresh, "fresh").await, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickling_a_message_does_not_keep_the_connection() {
    let edge = edge().await;
    let mut stream = TcpStream::connect(edge.tcp_addr()).await.expect("connect");
    let message = options("trickle");
    let (mut reader, mut writer) = stream.split();
    // One byte every 200 ms: each byte would reset an idle clock; the message clock runs on.
    let trickle = async {
        for byte in &message[..message.len() - 4] {
            if writer.write_all(std::slice::from_ref(byte)).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    };
    let mut sink = Vec::new();
    tokio::select! {
        cut = trickle => assert!(cut, "the whole trickle was accepted"),
        read = timeout(WAIT, reader.read_to_end(&mut sink)) => {
            assert!(read.is_ok(), "still open after {WAIT:?}");
            assert!(status_of(&sink).is_none(), "{}", String::from_utf8_lossy(&sink));
        }
    }
}
