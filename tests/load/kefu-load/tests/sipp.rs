//! kefu-load against SIPp as the server side (skipped when `sipp` isn't installed): calls are
//! answered and media echoed, failures counted, the server's BYE answered.

// Test helpers: a failed setup step should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

fn sipp_installed() -> bool {
    Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A SIPp UAS killed on drop.
struct Sipp(Child);

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sipp(scenario: &[&str], port: u16, media_port: u16) -> Sipp {
    let dir = std::env::temp_dir();
    let child = Command::new("sipp")
        .args(scenario)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-rtp_echo", "-mp", &media_port.to_string(), "-nostdin"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Sipp(child)
}

fn load(port: u16, extra: &[&str]) -> (Value, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_kefu-load"))
        .args(["--target", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (json, out.status.code().unwrap_or(-1))
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sipp")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn calls_with_media_and_dtmf_against_sipp_uas() {
    if !sipp_installed() {
        eprintln!("sipp not installed: skipped");
        return;
    }
    let (port, mp) = (free_udp_port(), free_udp_port());
    let _s = sipp(&["-sn", "uas"], port, mp);
    let (j, code) = load(
        port,
        &[
            "--calls",
            "10",
            "--rate",
            "20",
            "--hold-ms",
            "1200",
            "--dtmf",
            "1#",
            "--dtmf-after-ms",
            "200",
        ],
    );
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["calls"]["answered"], 10, "{j}");
    assert_eq!(j["calls"]["failed"], 0, "{j}");
    assert_eq!(j["calls"]["bye_ok"], 10, "{j}");
    // 1.2 s at 50 packets/s, the two digits as 12 telephone-event packets among them.
    let sent = j["media"]["packets_sent"].as_u64().unwrap();
    assert!((550..=650).contains(&sent), "{j}");
    assert_eq!(j["media"]["dtmf_packets_sent"], 120, "{j}");
    // SIPp echoes: most of what we sent comes back, in order.
    let received = j["media"]["packets_received"].as_u64().unwrap();
    assert!(received * 10 >= sent * 9, "{j}");
    assert_eq!(j["media"]["duplicates"], 0, "{j}");
    assert!(j["setup_latency_ms"]["p50"].as_f64().unwrap() > 0.0, "{j}");
}

#[test]
fn failures_are_counted_by_status() {
    if !sipp_installed() {
        eprintln!("sipp not installed: skipped");
        return;
    }
    let (port, mp) = (free_udp_port(), free_udp_port());
    let _s = sipp(&["-sf", &scenario("uas_busy.xml")], port, mp);
    let (j, code) = load(port, &["--calls", "5", "--rate", "50"]);
    assert_eq!(code, 1, "{j}");
    assert_eq!(j["calls"]["answered"], 0, "{j}");
    assert_eq!(j["calls"]["failed_by_status"]["486"], 5, "{j}");
}

#[test]
fn the_server_may_hang_up() {
    if !sipp_installed() {
        eprintln!("sipp not installed: skipped");
        return;
    }
    let (port, mp) = (free_udp_port(), free_udp_port());
    let _s = sipp(&["-sf", &scenario("uas_hangup.xml")], port, mp);
    let (j, code) = load(
        port,
        &["--calls", "3", "--rate", "20", "--hold-ms", "30000"],
    );
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["calls"]["answered"], 3, "{j}");
    assert_eq!(j["calls"]["ended_by_server"], 3, "{j}");
    assert!(j["generator"]["wall_s"].as_f64().unwrap() < 10.0, "{j}");
}

#[test]
fn garbage_from_the_server_is_counted_not_fatal() {
    // A "server" that answers the INVITE with three datagrams kefu-load can't use (not SIP,
    // SIP without a Call-ID, an impossible status code), then a real 486 so the call ends.
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    // A kefu-load that never sends (or never ACKs) fails the test instead of hanging it.
    server
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 65_536];
        let (n, from) = server.recv_from(&mut buf).unwrap();
        let invite = String::from_utf8_lossy(&buf[..n]).to_string();
        let header = |name: &str| {
            invite
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_default()
                .to_string()
        };
        for junk in [
            &b"\x00\x01\x02 not sip"[..],
            b"SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n",
            b"SIP/2.0 2000 OK\r\n\r\n",
        ] {
            server.send_to(junk, from).unwrap();
        }
        let busy = format!(
            "SIP/2.0 486 Busy Here\r\n{}\r\n{}\r\n{};tag=x\r\n{}\r\n{}\r\nContent-Length: 0\r\n\r\n",
            header("Via:"),
            header("From:"),
            header("To:"),
            header("Call-ID:"),
            header("CSeq:")
        );
        server.send_to(busy.as_bytes(), from).unwrap();
        // The ACK for the 486.
        let (n, _) = server.recv_from(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    });
    let (j, code) = load(port, &["--calls", "1"]);
    let ack = t.join().unwrap();
    assert_eq!(code, 1, "{j}");
    assert_eq!(j["calls"]["failed_by_status"]["486"], 1, "{j}");
    assert_eq!(j["sip"]["invalid_messages"], 3, "{j}");
    assert!(ack.starts_with("ACK "), "{ack}");
    assert!(ack.contains(";tag=x"), "{ack}");
}

#[test]
fn early_media_plays_until_the_answer_and_dtmf_waits_for_it() {
    if !sipp_installed() {
        eprintln!("sipp not installed: skipped");
        return;
    }
    let (port, mp) = (free_udp_port(), free_udp_port());
    let _s = sipp(&["-sf", &scenario("uas_early_media.xml")], port, mp);
    let (j, code) = load(
        port,
        &[
            "--calls",
            "3",
            "--rate",
            "20",
            "--hold-ms",
            "1000",
            "--dtmf",
            "5",
            "--dtmf-after-ms",
            "200",
        ],
    );
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["calls"]["answered"], 3, "{j}");
    assert_eq!(j["sip"]["early_media_calls"], 3, "{j}");
    // 1 s of early media + 1 s answered, 50 packets/s, per call; one digit each after the answer.
    let sent = j["media"]["packets_sent"].as_u64().unwrap();
    assert!((270..=330).contains(&sent), "{j}");
    assert_eq!(j["media"]["dtmf_packets_sent"], 18, "{j}");
    assert!(
        j["setup_latency_ms"]["p50"].as_f64().unwrap() >= 1000.0,
        "{j}"
    );
}
