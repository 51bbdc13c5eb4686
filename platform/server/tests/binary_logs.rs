//! The real `kefu` binary's log while it takes a call: written to a pipe it has no colour
//! codes, and no SIP message text (numbers, headers, SDP) even at `debug` — rsipstack's
//! per-message lines stay below `warn` unless the `log` filter names rsipstack.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_kefu");
/// The demo tenant's number; its trunk admits SIP from 127.0.0.1.
const DEMO_NUMBER: &str = "+15555550100";

struct Kefu {
    child: Child,
    lines: mpsc::Receiver<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Kefu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every line of a pipe, as it comes.
fn forward(pipe: impl Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
}

/// Starts `kefu serve` (demo tenant, SIP on a free port) with `log`; returns it, its SIP
/// address and the lines printed before it was ready.
fn start(log: &str) -> (Kefu, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .args(["--sip-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--web-dir")
        .arg(dir.path().join("no-web"))
        .env("KEFU_LOG", log)
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    forward(child.stdout.take().unwrap(), tx.clone());
    forward(child.stderr.take().unwrap(), tx);
    let mut output = Vec::new();
    let mut sip = None;
    loop {
        match lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("SIP trunks: udp ") {
                    sip = rest.split_whitespace().next().map(str::to_owned);
                }
                let ready = line.starts_with("Kefu is ready");
                output.push(line);
                if ready {
                    break;
                }
            }
            Err(_) => panic!("kefu did not become ready; output: {output:#?}"),
        }
    }
    let sip = sip.unwrap_or_else(|| panic!("no SIP address printed: {output:#?}"));
    let kefu = Kefu {
        child,
        lines,
        _dir: dir,
    };
    (kefu, sip, output)
}

/// A free even UDP port for SIPp's media (RTP) and the next one.
fn media_port() -> u16 {
    loop {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = s.local_addr().unwrap().port();
        if port.is_multiple_of(2)
            && port < 65_000
            && std::net::UdpSocket::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return port;
        }
    }
}

fn scenario(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/sipp")
        .join(name)
}

#[test]
fn a_call_leaves_no_sip_text_and_no_colour_codes_in_a_piped_log() {
    let (mut kefu, sip, mut log) = start("debug");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("sipp")
        .arg(&sip)
        .arg("-sf")
        .arg(scenario("short_call.xml"))
        .args(["-s", DEMO_NUMBER, "-i", "127.0.0.1", "-p", "0"])
        .args(["-mp", &media_port().to_string()])
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .current_dir(work.path())
        .output()
        .expect("sipp runs (install Debian's sip-tester)");
    assert!(
        out.status.success(),
        "the call: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Stop it so every line is written, then read them all.
    let pid = kefu.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = kefu.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    while let Ok(line) = kefu.lines.recv_timeout(Duration::from_secs(5)) {
        log.push(line);
    }
    let text = log.join("\n");
    // The log is there and covers the call (debug lines of our own crates).
    assert!(text.contains("SIP edge listening"), "{text}");
    assert!(text.contains("stopped"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in a piped log");
    for sip_text in [
        "INVITE sip:",
        "SIP/2.0 200",
        "SIP/2.0 100",
        "Call-ID:",
        "CSeq:",
        "raw_message",
    ] {
        assert!(
            !text.contains(sip_text),
            "SIP message text ({sip_text}) in the log"
        );
    }
}

#[test]
fn naming_rsipstack_in_the_filter_brings_its_lines_back() {
    // The filter is the user's to widen: asking for rsipstack at info shows its lines.
    let (mut kefu, sip, mut log) = start("warn,rsipstack=info");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("sipp")
        .arg(&sip)
        .arg("-sf")
        .arg(scenario("short_call.xml"))
        .args(["-s", DEMO_NUMBER, "-i", "127.0.0.1", "-p", "0"])
        .args(["-mp", &media_port().to_string()])
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .current_dir(work.path())
        .output()
        .expect("sipp runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = kefu.child.kill();
    let _ = kefu.child.wait();
    while let Ok(line) = kefu.lines.recv_timeout(Duration::from_secs(5)) {
        log.push(line);
    }
    let text = log.join("\n");
    // rsipstack's line for every message it sends (the 100 and 200 to the INVITE, …).
    assert!(text.contains("raw_message"), "{text}");
    assert!(text.contains("SIP/2.0 200"), "{text}");
}
