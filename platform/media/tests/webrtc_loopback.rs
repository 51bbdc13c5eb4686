//! The WebRTC leg on a real media worker over loopback UDP: a str0m peer plays the agent's
//! browser. It goes on-line into an idle room, is moved into a call room with a phone on plain
//! RTP without any renegotiation, and each side hears the other's tone; a key pressed in the
//! browser reaches the room.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use kefu_media::driver::{MediaWorker, PortPool, PortRange, WorkerConfig, WorkerOutput};
use kefu_media::leg::LegConnection;
use kefu_media::rtp::{RtpHeader, RtpPacket};
use kefu_media::{G711, Gain, RoomEvent, RtpLegConfig};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use str0m::change::SdpAnswer;
use str0m::format::{Codec, CodecExtra, FormatParams};
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

const PHONE_TONE: f32 = 700.0;
const BROWSER_TONE: f32 = 1_100.0;

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

/// A browser-like str0m peer on a real socket.
struct Browser {
    rtc: Rtc,
    mid: Mid,
    socket: UdpSocket,
    local: SocketAddr,
    received: Vec<i16>,
    connected: bool,
    frame: u64,
}

impl Browser {
    async fn offer() -> (Browser, String, str0m::change::SdpPendingOffer) {
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
        let browser = Browser {
            rtc,
            mid,
            socket,
            local,
            received: Vec::new(),
            connected: false,
            frame: 0,
        };
        (browser, offer.to_sdp_string(), pending)
    }

    /// One 20 ms step: read what arrived, send a tone frame (with a key if asked), flush.
    async fn step(&mut self, key: Option<u8>) {
        let mut buf = [0u8; 2_000];
        while let Ok((n, from)) = self.socket.try_recv_from(&mut buf) {
            let input = Input::Receive(
                Instant::now(),
                Receive {
                    proto: Protocol::Udp,
                    source: from,
                    destination: self.local,
                    contents: buf[..n].try_into().unwrap(),
                },
            );
            self.rtc.handle_input(input).unwrap();
        }
        let now = Instant::now();
        self.rtc.handle_input(Input::Timeout(now)).unwrap();
        if self.connected {
            let mut payload = [0u8; 160];
            G711::Pcmu.encode(&tone(BROWSER_TONE, self.frame), &mut payload);
            let time = MediaTime::new(self.frame * 160, Frequency::EIGHT_KHZ);
            self.frame += 1;
            let mut writer = self.rtc.writer(self.mid).unwrap();
            let pt = writer
                .payload_params()
                .find(|p| p.spec().codec == Codec::PCMU)
                .unwrap()
                .pt();
            if let Some(event) = key {
                writer = writer.telephone_event(TelephoneEvent {
                    event,
                    end: true,
                    volume: 10,
                    duration: Duration::from_millis(100),
                });
            }
            writer.write(pt, now, time, payload.to_vec()).unwrap();
        }
        loop {
            match self.rtc.poll_output().unwrap() {
                Output::Timeout(_) => break,
                Output::Transmit(t) => {
                    self.socket
                        .send_to(&t.contents, t.destination)
                        .await
                        .unwrap();
                }
                Output::Event(Event::Connected) => self.connected = true,
                Output::Event(Event::MediaData(d))
                    if !matches!(d.codec_extra, CodecExtra::Tele(_)) =>
                {
                    let mut pcm = vec![0i16; d.data.len()];
                    G711::Pcmu.decode(&d.data, &mut pcm);
                    self.received.extend(pcm);
                }
                Output::Event(_) => {}
            }
        }
    }
}

async fn events_until(
    outputs: &mut mpsc::Receiver<WorkerOutput>,
    seen: &mut Vec<RoomEvent>,
    mut done: impl FnMut(&RoomEvent) -> bool,
) -> bool {
    while let Ok(output) = outputs.try_recv() {
        if let WorkerOutput::Event { event, .. } = output {
            let hit = done(&event);
            seen.push(event);
            if hit {
                return true;
            }
        }
    }
    false
}

#[tokio::test]
async fn a_browser_goes_online_then_is_moved_into_a_call_and_talks_with_a_phone() {
    let ports = PortPool::new(
        Ipv4Addr::LOCALHOST.into(),
        PortRange::new(47_100, 47_199).unwrap(),
    );
    let (worker, mut outputs) = MediaWorker::spawn(WorkerConfig::default(), ports);
    let socket = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let candidate = worker.open_webrtc(socket, None).await.unwrap();

    // On-line: the browser negotiates once, into a room of its own.
    let idle = worker.create_room().await.unwrap();
    let (mut browser, offer, pending) = Browser::offer().await;
    let (agent, answer) = worker.add_webrtc_leg(idle, offer).await.unwrap();
    assert!(answer.contains(&format!("{} {} typ host", candidate.ip(), candidate.port())));
    browser
        .rtc
        .sdp_api()
        .accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap())
        .unwrap();
    let mut seen = Vec::new();
    let mut connected = false;
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        browser.step(None).await;
        connected |= events_until(&mut outputs, &mut seen, |e| {
            matches!(
                e,
                RoomEvent::Connection {
                    state: LegConnection::Connected,
                    ..
                }
            )
        })
        .await;
        if connected && browser.connected {
            break;
        }
    }
    assert!(connected && browser.connected, "no connection: {seen:?}");

    // A call: a phone on plain RTP in another room; the agent's leg moves in.
    let call = worker.create_room().await.unwrap();
    let phone = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let (caller, caller_addr) = worker
        .add_rtp_leg(
            call,
            RtpLegConfig::new(G711::Pcmu, Some(phone.local_addr().unwrap()), 0),
        )
        .await
        .unwrap();
    let agent = worker.move_participant(idle, agent, call).await.unwrap();
    worker
        .with_room(call, move |room| {
            room.set_hears(agent, caller, Gain::UNITY).unwrap();
            room.set_hears(caller, agent, Gain::UNITY).unwrap();
        })
        .await
        .unwrap();

    let mut heard_by_phone = Vec::new();
    let mut buf = [0u8; 1_500];
    browser.received.clear();
    let mut got_key = false;
    for seq in 0..100u16 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut payload = [0u8; 160];
        G711::Pcmu.encode(&tone(PHONE_TONE, u64::from(seq)), &mut payload);
        let mut packet = Vec::new();
        RtpHeader {
            marker: seq == 0,
            payload_type: 0,
            sequence: seq,
            timestamp: u32::from(seq) * 160,
            ssrc: 0xCA11,
        }
        .write(&payload, &mut packet);
        phone.send_to(&packet, caller_addr).await.unwrap();
        while let Ok((n, _)) = phone.try_recv_from(&mut buf) {
            if let Ok(p) = RtpPacket::parse(&buf[..n]) {
                let mut pcm = vec![0i16; p.payload.len()];
                G711::Pcmu.decode(p.payload, &mut pcm);
                heard_by_phone.extend(pcm);
            }
        }
        browser.step((seq == 50).then_some(7)).await;
        got_key |= events_until(&mut outputs, &mut seen, |e| {
            matches!(e, RoomEvent::Dtmf { participant, digit, .. }
                if *participant == agent && digit.as_char() == '7')
        })
        .await;
    }
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        browser.step(None).await;
        got_key |= events_until(&mut outputs, &mut seen, |e| {
            matches!(e, RoomEvent::Dtmf { .. })
        })
        .await;
    }
    // Skip the first half second (buffers filling), then compare the two tones.
    let tail = |v: &[i16]| v[v.len().min(4_000)..].to_vec();
    let at_browser = tail(&browser.received);
    let at_phone = tail(&heard_by_phone);
    assert!(
        at_browser.len() > 4_000,
        "browser got {} samples",
        browser.received.len()
    );
    assert!(
        at_phone.len() > 4_000,
        "phone got {} samples",
        heard_by_phone.len()
    );
    assert!(
        level_at(&at_browser, PHONE_TONE) > 10.0 * level_at(&at_browser, BROWSER_TONE),
        "browser hears {} at the phone's tone, {} at its own",
        level_at(&at_browser, PHONE_TONE),
        level_at(&at_browser, BROWSER_TONE)
    );
    assert!(
        level_at(&at_phone, BROWSER_TONE) > 10.0 * level_at(&at_phone, PHONE_TONE),
        "phone hears {} at the browser's tone, {} at its own",
        level_at(&at_phone, BROWSER_TONE),
        level_at(&at_phone, PHONE_TONE)
    );
    assert!(
        got_key,
        "the browser's key did not reach the room: {seen:?}"
    );
    let stats = worker.stats().await.unwrap();
    assert_eq!(stats.webrtc_legs, 1);
    // The idle room no longer holds the leg; closing it does not cut the call.
    worker.close_room(idle).await.unwrap();
    assert_eq!(worker.stats().await.unwrap().webrtc_legs, 1);
    worker.close_room(call).await.unwrap();
    assert_eq!(worker.stats().await.unwrap().webrtc_legs, 0);
}

#[tokio::test]
async fn offers_need_a_webrtc_port_and_garbage_on_the_port_is_counted() {
    let ports = PortPool::new(
        Ipv4Addr::LOCALHOST.into(),
        PortRange::new(47_200, 47_209).unwrap(),
    );
    let (worker, _outputs) = MediaWorker::spawn(WorkerConfig::default(), ports);
    let room = worker.create_room().await.unwrap();
    let (_, offer, _) = Browser::offer().await;
    let refused = worker.add_webrtc_leg(room, offer.clone()).await;
    assert!(matches!(
        refused,
        Err(kefu_media::driver::DriverError::NoWebRtcPort)
    ));
    let socket = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let wildcard = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
    assert!(worker.open_webrtc(wildcard, None).await.is_err());
    let candidate = worker.open_webrtc(socket, None).await.unwrap();
    let refused = worker.add_webrtc_leg(room, "v=0 garbage".into()).await;
    assert!(refused.unwrap_err().to_string().contains("SDP offer"));
    let stranger = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    for junk in [&b"hello"[..], &[0u8; 20][..], &[0x80; 172][..]] {
        stranger.send_to(junk, candidate).await.unwrap();
    }
    let start = Instant::now();
    while worker.stats().await.unwrap().webrtc_unrouted < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "datagrams not counted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The port still answers offers.
    worker.add_webrtc_leg(room, offer).await.unwrap();
}
