//! Interop with SIPp (Debian `sip-tester`): its built-in UAC places calls to the edge over UDP
//! and over TCP — INVITE with SDP, 200 with our SDP answer from a UAS dialog, ACK, BYE, 200 —
//! and must count every call successful. This is the B2BUA's future inbound path: the consumer
//! of `IncomingRequest`s creates rsipstack server dialogs on the edge.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kefu_sip::edge::{SipEdge, SipEdgeConfig};
use rsipstack::dialog::dialog::{Dialog, DialogState, TerminatedReason};
use rsipstack::sip::{Header, Method, StatusCode, Uri};
use kefu_sip::sdp::{self, LocalMedia, SdpLimits};
use tokio::process::Command;

#[derive(Default)]
struct Counts {
    confirmed: AtomicUsize,
    ended_by_bye: AtomicUsize,
}

async fn start_uas() -> (SipEdge, Arc<Counts>) {
    let config = SipEdgeConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..SipEdgeConfig::default()
    };
    let mut edge = SipEdge::start(config).await.expect("edge");
    let mut requests = edge.take_requests().expect("requests");
    let dialogs = edge.dialogs().clone();
    let contact = Uri::try_from(format!("sip:kefu@{}", edge.udp_addr()).as_str()).expect("contact");
    let counts = Arc::new(Counts::default());
    let seen = counts.clone();
    tokio::spawn(async move {
        while let Some(request) = requests.recv().await {
            let method = *request.method();
            let mut tx = request.into_transaction();
            if method != Method::Invite {
                match dialogs.match_dialog(&tx) {
                    Some(Dialog::Invite(mut dialog)) => {
                        tokio::spawn(async move { dialog.handle(&mut tx).await });
                    }
                    _ => {
                        let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                    }
                }
                continue;
            }
            let (state_tx, mut states) = dialogs.new_dialog_state_channel();
            let counts = seen.clone();
            tokio::spawn(async move {
                while let Some(state) = states.recv().await {
                    match state {
                        DialogState::Confirmed(..) => {
                            counts.confirmed.fetch_add(1, Ordering::Relaxed)
                        }
                        DialogState::Terminated(_, TerminatedReason::UacBye) => {
                            counts.ended_by_bye.fetch_add(1, Ordering::Relaxed)
                        }
                        _ => 0,
                    };
                }
            });
            let mut dialog = match dialogs.get_or_create_server_invite(
                &tx,
                state_tx,
                None,
                Some(contact.clone()),
            ) {
                Ok(dialog) => dialog,
                Err(_) => continue,
            };
            let local = LocalMedia {
                address: [127, 0, 0, 1].into(),
                port: 30000,
                session_id: 1,
                session_version: 1,
            };
            let answer = sdp::parse(&tx.original.body, &SdpLimits::default())
                .ok()
                .and_then(|offer| sdp::answer(&offer, &local).ok());
            match answer {
                Some(answer) => {
                    let content_type = Header::ContentType("application/sdp".into());
                    let _ = dialog.accept(Some(vec![content_type]), Some(answer.sdp.into_bytes()));
                }
                None => {
                    let _ = dialog.reject(Some(StatusCode::NotAcceptableHere), None);
                }
            }
            tokio::spawn(async move { dialog.handle(&mut tx).await });
        }
    });
    (edge, counts)
}

async fn sipp(target: std::net::SocketAddr, transport: &str, calls: usize) -> std::process::Output {
    let output = Command::new("sipp")
        .args([
            "-sn",
            "uac",
            &target.to_string(),
            "-i",
            "127.0.0.1",
            "-p",
            "0",
            "-t",
            transport,
        ])
        .args([
            "-m",
            &calls.to_string(),
            "-r",
            "20",
            "-l",
            "5",
            "-timeout",
            "30s",
            "-timeout_error",
            "-nostdin",
        ])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await;
    output.expect("sipp runs (install Debian's sip-tester)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_calls_over_udp_and_tcp_complete() {
    let (edge, counts) = start_uas().await;
    for (transport, target, calls) in [("u1", edge.udp_addr(), 10), ("t1", edge.tcp_addr(), 5)] {
        let before = counts.confirmed.load(Ordering::Relaxed);
        let out = sipp(target, transport, calls).await;
        assert!(
            out.status.success(),
            "sipp over {transport} failed ({:?}):\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .join("\n"),
            String::from_utf8_lossy(&out.stderr)
        );
        // Every call reached Confirmed on our side (the ACK found its dialog).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while counts.confirmed.load(Ordering::Relaxed) < before + calls
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            counts.confirmed.load(Ordering::Relaxed),
            before + calls,
            "{transport}"
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while counts.ended_by_bye.load(Ordering::Relaxed) < 15 && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        counts.ended_by_bye.load(Ordering::Relaxed),
        15,
        "every call ended by the caller's BYE"
    );
}
