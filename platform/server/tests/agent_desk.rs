//! The first answered call, end to end: an agent goes on-line on the agent channel
//! (WebSocket) with a str0m peer as the browser's audio, SIPp places a call to a number that
//! rings a queue (its audio is this test's own RTP socket), the agent is offered the call,
//! accepts, and each side hears the other's tone; the agent's key reaches the caller as an
//! RFC 4733 event; on hold the caller hears music and neither hears the other, until resume;
//! the agent hangs up and the record says answered, by the agent, with talk and hold time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::{Db, TestApp};
use futures::{SinkExt, StreamExt};
use kefu_media::G711;
use serde_json::{Value, json};
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::format::{Codec, CodecExtra, FormatParams};
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Message;

const NUMBER: &str = "+15555550199";
const PHONE_TONE: f32 = 700.0;
const BROWSER_TONE: f32 = 1_100.0;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Amplitude of the `hz` component of 8 kHz samples.
fn level_at(samples: &[i16], hz: f32) -> f32 {
    let (mut s, mut c) = (0f32, 0f32);
    for (i, &x) in samples.iter().enumerate() {
        let w = 2.0 * std::f32::consts::PI * hz * i as f32 / 8_000.0;
        s += f32::from(x) * w.sin();
        c += f32::from(x) * w.cos();
    }
    2.0 * (s * s + c * c).sqrt() / samples.len().max(1) as f32
}

fn tone(hz: f32, frame: u64) -> [i16; 160] {
    std::array::from_fn(|i| {
        let n = (frame * 160 + i as u64) as f32;
        (8_000.0 * (2.0 * std::f32::consts::PI * hz * n / 8_000.0).sin()) as i16
    })
}

/// What a side heard.
#[derive(Default)]
struct Heard {
    samples: Vec<i16>,
    keys: Vec<u8>,
}

/// What each side heard over 1.5 s, after 0.5 s to settle.
#[derive(Debug)]
struct Levels {
    agent_at_phone: f32,
    phone_at_browser: f32,
    phone_rms: f32,
}

async fn listen(browser: &Mutex<Heard>, phone: &Mutex<Heard>) -> Levels {
    tokio::time::sleep(Duration::from_millis(500)).await;
    browser.lock().unwrap().samples.clear();
    phone.lock().unwrap().samples.clear();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (b, p) = (browser.lock().unwrap(), phone.lock().unwrap());
    assert!(
        p.samples.len() > 8_000 && b.samples.len() > 8_000,
        "audio stopped"
    );
    let energy: f64 = p.samples.iter().map(|&x| f64::from(x).powi(2)).sum();
    Levels {
        agent_at_phone: level_at(&p.samples, BROWSER_TONE),
        phone_at_browser: level_at(&b.samples, PHONE_TONE),
        phone_rms: (energy / p.samples.len() as f64).sqrt() as f32,
    }
}

/// The agent's browser audio: a str0m peer stepped every 20 ms by its own task.
async fn browser(ws: &mut Ws) -> (Arc<Mutex<Heard>>, tokio::sync::mpsc::Sender<u8>) {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let local = socket.local_addr().unwrap();
    let mut config = Rtc::builder()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_pcmu(true, false);
    config.codec_config().add_config(
        126.into(),
        None,
        Codec::Tele,
        Frequency::EIGHT_KHZ,
        None,
        FormatParams::parse_line("0-16"),
    );
    let mut rtc = config.build(Instant::now());
    rtc.add_local_candidate(Candidate::host(local, "udp").unwrap());
    let mut change = rtc.sdp_api();
    let mid = change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
    let (offer, pending) = change.apply().unwrap();
    send(
        ws,
        json!({"type": "media_offer", "id": 1, "sdp": offer.to_sdp_string()}),
    )
    .await;
    let answer = until(ws, |m| m["type"] == "media_answer").await;
    assert_eq!(answer["id"], 1);
    accept(&mut rtc, pending, answer["sdp"].as_str().unwrap());
    let heard = Arc::new(Mutex::new(Heard::default()));
    let (keys, key_rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(run_browser(rtc, mid, socket, heard.clone(), key_rx));
    (heard, keys)
}

fn accept(rtc: &mut Rtc, pending: SdpPendingOffer, answer: &str) {
    rtc.sdp_api()
        .accept_answer(pending, SdpAnswer::from_sdp_string(answer).unwrap())
        .unwrap();
}

async fn run_browser(
    mut rtc: Rtc,
    mid: Mid,
    socket: UdpSocket,
    heard: Arc<Mutex<Heard>>,
    mut keys: tokio::sync::mpsc::Receiver<u8>,
) {
    let local = socket.local_addr().unwrap();
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    let (mut connected, mut frame) = (false, 0u64);
    let mut buf = [0u8; 2_000];
    loop {
        ticker.tick().await;
        while let Ok((n, from)) = socket.try_recv_from(&mut buf) {
            let receive = Receive {
                proto: Protocol::Udp,
                source: from,
                destination: local,
                contents: buf[..n].try_into().unwrap(),
            };
            let _ = rtc.handle_input(Input::Receive(Instant::now(), receive));
        }
        let now = Instant::now();
        if rtc.handle_input(Input::Timeout(now)).is_err() {
            return;
        }
        if connected {
            let mut payload = [0u8; 160];
            G711::Pcmu.encode(&tone(BROWSER_TONE, frame), &mut payload);
            let time = MediaTime::new(frame * 160, Frequency::EIGHT_KHZ);
            frame += 1;
            let mut writer = rtc.writer(mid).unwrap();
            let pt = writer
                .payload_params()
                .find(|p| p.spec().codec == Codec::PCMU)
                .unwrap()
                .pt();
            if let Ok(event) = keys.try_recv() {
                writer = writer.telephone_event(TelephoneEvent {
                    event,
                    end: true,
                    volume: 10,
                    duration: Duration::from_millis(120),
                });
            }
            let _ = writer.write(pt, now, time, payload.to_vec());
        }
        loop {
            match rtc.poll_output() {
                Ok(Output::Timeout(_)) | Err(_) => break,
                Ok(Output::Transmit(t)) => {
                    let _ = socket.send_to(&t.contents, t.destination).await;
                }
                Ok(Output::Event(Event::Connected)) => connected = true,
                Ok(Output::Event(Event::MediaData(d))) => {
                    if !matches!(d.codec_extra, CodecExtra::Tele(_)) {
                        let mut pcm = vec![0i16; d.data.len()];
                        G711::Pcmu.decode(&d.data, &mut pcm);
                        heard.lock().unwrap().samples.extend(pcm);
                    }
                }
                Ok(Output::Event(_)) => {}
            }
        }
    }
}

/// The caller's audio: a plain RTP socket on an even port, PCMU out, everything in kept. It
/// answers Kefu's address, learnt from Kefu's first packet (symmetric RTP).
async fn phone() -> (u16, Arc<Mutex<Heard>>) {
    let socket = loop {
        let s = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        if s.local_addr().unwrap().port().is_multiple_of(2) {
            break s;
        }
    };
    let port = socket.local_addr().unwrap().port();
    let heard = Arc::new(Mutex::new(Heard::default()));
    let kept = heard.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_millis(20));
        let (mut kefu, mut seq) = (None::<SocketAddr>, 0u16);
        let mut buf = [0u8; 1_500];
        loop {
            ticker.tick().await;
            while let Ok((n, from)) = socket.try_recv_from(&mut buf) {
                let Ok(p) = kefu_media::rtp::RtpPacket::parse(&buf[..n]) else {
                    continue;
                };
                kefu = Some(from);
                let mut heard = kept.lock().unwrap();
                match p.header.payload_type {
                    0 => {
                        let mut pcm = vec![0i16; p.payload.len()];
                        G711::Pcmu.decode(p.payload, &mut pcm);
                        heard.samples.extend(pcm);
                    }
                    101 if !p.payload.is_empty() && !heard.keys.contains(&p.payload[0]) => {
                        heard.keys.push(p.payload[0]);
                    }
                    _ => {}
                }
            }
            let Some(to) = kefu else { continue };
            let mut payload = [0u8; 160];
            G711::Pcmu.encode(&tone(PHONE_TONE, u64::from(seq)), &mut payload);
            let mut packet = Vec::new();
            kefu_media::rtp::RtpHeader {
                marker: seq == 0,
                payload_type: 0,
                sequence: seq,
                timestamp: u32::from(seq) * 160,
                ssrc: 0x0CA1_1E55,
            }
            .write(&payload, &mut packet);
            seq = seq.wrapping_add(1);
            let _ = socket.send_to(&packet, to).await;
        }
    });
    (port, heard)
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next channel message matching `wanted`, within 20 s (others are skipped).
async fn until(ws: &mut Ws, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the awaited message within 20 s")
            .expect("the channel is open")
            .unwrap();
        if let Message::Text(t) = msg {
            let value: Value = serde_json::from_str(t.as_str()).unwrap();
            assert_ne!(value["type"], "error", "{value}");
            if wanted(&value) {
                return value;
            }
        }
    }
}

async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = kefu_server::app::router(app.state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// The agent's channel, authenticated; returns it and the agent's id.
async fn channel(http: SocketAddr, token: &str) -> (Ws, String) {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/api/v1/agent/channel"))
        .await
        .unwrap();
    send(&mut ws, json!({"type": "auth", "token": token})).await;
    let ready = until(&mut ws, |m| m["type"] == "ready").await;
    (ws, ready["agent"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_answers_in_the_browser_and_both_sides_hear_each_other() {
    let app = TestApp::with_config(Db::Sqlite, |c| {
        c.sip_listen = "127.0.0.1:0".into();
        c.rtp_ports = "33000-33999".into();
    })
    .await;
    let telephony = kefu_server::telephony::start(&app.state)
        .await
        .unwrap()
        .expect("telephony on");
    let sip = telephony.edge.udp_addr();
    let (owner, _) = app.signup("Desk Co", "owner@desk.test").await;
    let post = |path: &'static str, body: Value| {
        let (app, owner) = (&app, owner.clone());
        async move {
            let r = app.call(Method::POST, path, Some(&owner), Some(body)).await;
            assert!(r.status.is_success(), "{path}: {:?}", r.body);
            r.body
        }
    };
    let queue = post(
        "/api/v1/queues",
        json!({"name": "Support", "service_level": {"percent": 80, "within": 20000},
            "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000,
            "max_wait": 60000}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        "/api/v1/inbound-trunks",
        json!({"name": "Carrier", "sources": ["127.0.0.1"]}),
    )
    .await;
    post(
        "/api/v1/numbers",
        json!({"number": NUMBER, "label": "Desk", "entry": {"kind": "queue", "queue": queue}}),
    )
    .await;
    let (agent_token, agent_user) = app.add_user(&owner, "agent@desk.test", "agent").await;
    let path = format!("/api/v1/agents/{agent_user}/skills");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&owner),
            Some(json!({"skills": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // On-line: the channel, the browser's audio, ready.
    let http = serve(&app).await;
    let (mut ws, agent) = channel(http, &agent_token).await;
    let (at_browser, browser_keys) = browser(&mut ws).await;
    send(&mut ws, json!({"type": "ready", "id": 2})).await;
    until(&mut ws, |m| m["type"] == "ack" && m["id"] == 2).await;
    until(&mut ws, |m| m["state"]["state"] == "available").await;

    // The call.
    let (rtp_port, at_phone) = phone().await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/sipp/agent_call.xml"),
    )
    .unwrap()
    .replace("@RTP_PORT@", &rtp_port.to_string());
    std::fs::write(dir.path().join("agent_call.xml"), scenario).unwrap();
    let sipp = Command::new("sipp")
        .arg(sip.to_string())
        .args(["-sf", "agent_call.xml", "-s", NUMBER, "-i", "127.0.0.1"])
        .args(["-bind_local", "-p", "0", "-m", "1", "-timeout", "90s"])
        .args(["-timeout_error", "-nostdin"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sipp runs (install Debian's sip-tester)");

    let offered = until(&mut ws, |m| m["type"] == "offered").await;
    assert_eq!(offered["caller"], "+8613800138000");
    assert_eq!(offered["queue"], "Support");
    assert!(offered["seq"].as_u64().unwrap() > 1, "{offered}");
    let call = offered["call"].as_str().unwrap().to_owned();
    send(&mut ws, json!({"type": "accept", "id": 3, "call": call})).await;
    until(&mut ws, |m| m["type"] == "ack" && m["id"] == 3).await;
    until(&mut ws, |m| m["state"]["state"] == "on_call").await;

    // Talk: forget what came before the answer (hold music), then listen for 3 s.
    tokio::time::sleep(Duration::from_millis(500)).await;
    at_browser.lock().unwrap().samples.clear();
    at_phone.lock().unwrap().samples.clear();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    browser_keys.send(5).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    {
        let heard = at_browser.lock().unwrap();
        let (phone_level, own) = (
            level_at(&heard.samples, PHONE_TONE),
            level_at(&heard.samples, BROWSER_TONE),
        );
        assert!(
            heard.samples.len() > 16_000,
            "the browser got {} samples",
            heard.samples.len()
        );
        assert!(
            phone_level > 10.0 * own,
            "the browser hears {phone_level} of the caller's tone, {own} of its own"
        );
    }
    {
        let heard = at_phone.lock().unwrap();
        let (agent_level, own) = (
            level_at(&heard.samples, BROWSER_TONE),
            level_at(&heard.samples, PHONE_TONE),
        );
        assert!(
            heard.samples.len() > 16_000,
            "the caller got {} samples",
            heard.samples.len()
        );
        assert!(
            agent_level > 10.0 * own,
            "the caller hears {agent_level} of the agent's tone, {own} of its own"
        );
        assert_eq!(
            heard.keys,
            [5],
            "the agent's key reaches the caller as an RFC 4733 event"
        );
    }

    // Hold: the caller hears music, not the agent; the agent hears nothing. Then resume.
    let talking = listen(&at_browser, &at_phone).await;
    send(&mut ws, json!({"type": "hold", "id": 5, "call": call})).await;
    until(&mut ws, |m| m["type"] == "ack" && m["id"] == 5).await;
    let held = listen(&at_browser, &at_phone).await;
    assert!(
        held.agent_at_phone < talking.agent_at_phone / 10.0,
        "the held caller still hears the agent: {held:?} vs {talking:?}"
    );
    assert!(
        held.phone_rms > 300.0,
        "the held caller hears no music: {held:?}"
    );
    assert!(
        held.phone_at_browser < talking.phone_at_browser / 10.0,
        "the agent still hears the held caller: {held:?} vs {talking:?}"
    );
    send(&mut ws, json!({"type": "resume", "id": 6, "call": call})).await;
    until(&mut ws, |m| m["type"] == "ack" && m["id"] == 6).await;
    let resumed = listen(&at_browser, &at_phone).await;
    assert!(
        resumed.agent_at_phone > talking.agent_at_phone / 2.0
            && resumed.phone_at_browser > talking.phone_at_browser / 2.0,
        "talk is back after resume: {resumed:?} vs {talking:?}"
    );

    // The agent hangs up: the caller gets Kefu's BYE, the agent wraps up.
    send(&mut ws, json!({"type": "hang_up", "id": 4, "call": call})).await;
    until(&mut ws, |m| m["type"] == "ack" && m["id"] == 4).await;
    until(&mut ws, |m| m["state"]["state"] == "after_call_work").await;
    let out = sipp.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "sipp: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut record = Value::Null;
    for _ in 0..100 {
        let r = app.get("/api/v1/calls", &owner).await;
        if let Some(first) = r.body["items"].as_array().and_then(|a| a.first()) {
            record = first.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(record["disposition"], "answered", "{record}");
    assert_eq!(record["hangup_by"], "agent", "{record}");
    assert_eq!(record["agents"], json!([agent]), "{record}");
    let talk = record["talk_ms"].as_i64().unwrap();
    assert!(
        (3_000..60_000).contains(&talk),
        "talked {talk} ms: {record}"
    );
    drop(telephony);
}

/// The frame that closes the channel: its code and reason.
async fn closed(ws: &mut Ws) -> (u16, String) {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a close within 20 s");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(_)) => continue,
            other => panic!("closed without a frame: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_channel_refuses_strangers_and_bad_commands_and_a_second_tab_takes_over() {
    let app = TestApp::with_config(Db::Sqlite, |c| {
        c.sip_listen = "127.0.0.1:0".into();
        c.rtp_ports = "34000-34099".into();
    })
    .await;
    let _telephony = kefu_server::telephony::start(&app.state)
        .await
        .unwrap()
        .expect("telephony on");
    let (owner, session) = app.signup("Tabs Co", "owner@tabs.test").await;
    let tenant: kefu_core::TenantId = session["tenant"]["id"].as_str().unwrap().parse().unwrap();
    let (agent_token, agent_user) = app.add_user(&owner, "agent@tabs.test", "agent").await;
    let (developer, _) = app.add_user(&owner, "dev@tabs.test", "developer").await;
    let http = serve(&app).await;
    let url = format!("ws://{http}/api/v1/agent/channel");

    // A bad token, a role that takes no calls, an agent without a routing profile.
    for (token, code) in [("not-a-token", 4401), (developer.as_str(), 4403)] {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        send(&mut ws, json!({"type": "auth", "token": token})).await;
        assert_eq!(closed(&mut ws).await.0, code);
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    send(&mut ws, json!({"type": "auth", "token": agent_token})).await;
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(code, 4403);
    assert!(reason.contains("not set up as an agent"), "{reason}");
    let path = format!("/api/v1/agents/{agent_user}/skills");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&owner),
            Some(json!({"skills": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // Commands that make no sense get an error that says why, and the session goes on.
    let (mut first, _) = channel(http, &agent_token).await;
    for (bad, words) in [
        (json!({"type": "dance", "id": 7}), "not a command"),
        (
            json!({"type": "accept", "id": 8, "call": "cal_01M99S2J3Z2B4YVFJ7TJJE32N5"}),
            "",
        ),
        (
            json!({"type": "not_ready", "id": 9, "reason": "no such code"}),
            "",
        ),
        (
            json!({"type": "not_ready", "id": 13, "reason": "x".repeat(5_000)}),
            "at most 64",
        ),
        (
            json!({"type": "media_offer", "id": 10, "sdp": "v=0 nonsense"}),
            "SDP offer",
        ),
    ] {
        send(&mut first, bad.clone()).await;
        let reply = loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), first.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "error" || v["type"] == "ack" {
                    break v;
                }
            }
        };
        assert_eq!(reply["type"], "error", "{bad} → {reply}");
        assert!(
            reply["reason"].as_str().unwrap().contains(words),
            "{bad} → {reply}"
        );
    }
    send(&mut first, json!({"type": "ready", "id": 11})).await;
    until(&mut first, |m| m["type"] == "ack" && m["id"] == 11).await;

    // A second tab: it starts from the agent's state and connects its own audio; the first is
    // told and closed, and its going away does not take the second tab's audio with it (the
    // first's clean-up usually runs before the second's offer; this guards the other order).
    let (mut second, agent) = channel(http, &agent_token).await;
    until(&mut second, |m| m["state"]["state"] == "available").await;
    let _second_audio = browser(&mut second).await;
    let replaced = loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), first.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == "replaced" {
                break v;
            }
        }
    };
    assert!(replaced["seq"].as_u64().is_some());
    assert_eq!(closed(&mut first).await.0, 4409);
    drop(first);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let desk = app.state.desk.get().unwrap();
    let agent: kefu_core::AgentId = agent.parse().unwrap();
    assert!(
        desk.has_media(tenant, agent),
        "the replaced tab took the new tab's audio away"
    );
    // The second tab still works; when it goes, its audio goes with it.
    send(&mut second, json!({"type": "heartbeat", "id": 12})).await;
    until(&mut second, |m| m["type"] == "ack" && m["id"] == 12).await;
    drop(second);
    for _ in 0..50 {
        if !desk.has_media(tenant, agent) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the closed tab's audio stayed parked");
}
