//! A browser, in memory: a str0m peer for the WebRTC leg's tests and benchmarks (and anyone
//! who needs a WebRTC peer without a browser), behind the `test-peer` feature: it panics on
//! misuse, it is test equipment.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::frame::{FRAME_SAMPLES, Frame};
use crate::g711::G711;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use str0m::change::SdpAnswer;
use str0m::format::{Codec, CodecExtra, FormatParams};
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("a socket address")
}

/// A str0m peer configured like Chromium (full ICE, then G.711 and telephone-event 126),
/// in memory at [`BrowserPeer::ADDR`]: it plays the agent's browser in tests and benchmarks.
pub struct BrowserPeer {
    rtc: Rtc,
    mid: Mid,
    pending: Option<str0m::change::SdpPendingOffer>,
    /// Audio received, decoded.
    pub received: Vec<i16>,
    /// Telephone-event codes received, each once.
    pub events: Vec<u8>,
    out_ts: u64,
    /// ICE and DTLS are up.
    pub connected: bool,
}

impl BrowserPeer {
    /// The address the peer claims (a test network; nothing is sent there).
    pub const ADDR: &str = "10.0.0.2:50000";

    /// A peer offering `codecs` (Opus, PCMU, PCMA); returns it and its SDP offer.
    pub fn offer(now: Instant, codecs: &[Codec]) -> (BrowserPeer, String) {
        let mut config = Rtc::builder()
            .clear_codecs()
            .enable_opus(codecs.contains(&Codec::Opus), false)
            .enable_pcmu(codecs.contains(&Codec::PCMU), false)
            .enable_pcma(codecs.contains(&Codec::PCMA), false);
        config.codec_config().add_config(
            126.into(),
            None,
            Codec::Tele,
            Frequency::EIGHT_KHZ,
            None,
            FormatParams::parse_line("0-16"),
        );
        let mut rtc = config.build(now);
        rtc.add_local_candidate(Candidate::host(addr(Self::ADDR), "udp").expect("candidate"));
        let mut change = rtc.sdp_api();
        let mid = change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let (offer, pending) = change.apply().expect("offer");
        let browser = BrowserPeer {
            rtc,
            mid,
            pending: Some(pending),
            received: Vec::new(),
            events: Vec::new(),
            out_ts: 0,
            connected: false,
        };
        (browser, offer.to_sdp_string())
    }

    /// Takes the leg's SDP answer.
    pub fn accept(&mut self, answer: &str) {
        let answer = SdpAnswer::from_sdp_string(answer).expect("answer parses");
        let pending = self.pending.take().expect("an offer is pending");
        self.rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .expect("answer accepted");
    }

    /// A datagram from the leg.
    pub fn receive(&mut self, now: Instant, from: SocketAddr, payload: &[u8]) {
        let input = Input::Receive(
            now,
            Receive {
                proto: Protocol::Udp,
                source: from,
                destination: addr(Self::ADDR),
                contents: payload.try_into().expect("datagram"),
            },
        );
        self.rtc.handle_input(input).expect("browser takes input");
    }

    /// Advances to `now`; returns datagrams for the leg.
    pub fn poll(&mut self, now: Instant) -> Vec<Vec<u8>> {
        self.rtc
            .handle_input(Input::Timeout(now))
            .expect("browser timeout");
        let mut out = Vec::new();
        loop {
            match self.rtc.poll_output().expect("browser output") {
                Output::Timeout(_) => return out,
                Output::Transmit(t) => out.push(t.contents.into()),
                Output::Event(Event::Connected) => self.connected = true,
                Output::Event(Event::MediaData(data)) => match data.codec_extra {
                    CodecExtra::Tele(e) if !self.events.contains(&e.event) => {
                        self.events.push(e.event)
                    }
                    CodecExtra::Tele(_) => {}
                    _ => {
                        let mut pcm = vec![0i16; data.data.len()];
                        let law = if data.params.spec().codec == Codec::PCMA {
                            G711::Pcma
                        } else {
                            G711::Pcmu
                        };
                        law.decode(&data.data, &mut pcm);
                        self.received.extend(pcm);
                    }
                },
                Output::Event(_) => {}
            }
        }
    }

    /// Sends one 20 ms PCMU frame (with a telephone-event when `key` is given) once connected.
    pub fn send(&mut self, now: Instant, frame: &Frame, key: Option<u8>) {
        if !self.connected {
            return;
        }
        let pt = self
            .rtc
            .codec_config()
            .params()
            .iter()
            .find(|p| p.spec().codec == Codec::PCMU)
            .map(|p| p.pt())
            .expect("PCMU configured");
        let mut payload = [0u8; FRAME_SAMPLES];
        G711::Pcmu.encode(frame.samples(), &mut payload);
        let time = MediaTime::new(self.out_ts, Frequency::EIGHT_KHZ);
        self.out_ts += FRAME_SAMPLES as u64;
        let mut writer = self.rtc.writer(self.mid).expect("writer");
        if let Some(event) = key {
            writer = writer.telephone_event(TelephoneEvent {
                event,
                end: true,
                volume: 10,
                duration: Duration::from_millis(100),
            });
        }
        writer
            .write(pt, now, time, payload.to_vec())
            .expect("browser writes");
    }
}
