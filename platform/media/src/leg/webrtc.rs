//! The browser leg: WebRTC through str0m (sans-IO), ICE-lite with one host candidate, DTLS-SRTP,
//! G.711 and RFC 4733 telephone-events — the same audio the trunk carries, so nothing is
//! transcoded beyond the room's G.711 decode and encode.
//!
//! The leg answers the browser's offer ([`WebRtcLeg::accept_offer`]) with credentials the driver
//! chose, so the driver can find the leg from a STUN username ([`stun_username`]) or, once ICE
//! has run, from the browser's address, without asking every leg. str0m's own audio reordering
//! is off (the room's jitter buffer orders by sequence number). str0m documents that it panics
//! on internal bugs: every call into it is guarded, and a panic closes this leg only
//! ([`LegConnection::Failed`]) — the room and the other legs go on.

#[cfg(any(test, feature = "test-peer"))]
pub mod peer;
mod stun;

#[cfg(any(test, feature = "test-peer"))]
pub use peer::BrowserPeer;
pub use stun::stun_username;

use super::{Component, Datagram, DtmfVia, Leg, LegConnection, LegError, LegEvent, Transmit};
use crate::dtmf::{DtmfDigit, TelephoneEvent as WireEvent, TelephoneEventReceiver};
use crate::frame::{FRAME_SAMPLES, Frame, SAMPLE_RATE};
use crate::g711::G711;
use crate::jitter::{Insert, JitterBuffer, JitterConfig, MAX_PACKET_SAMPLES};
use crate::leg::LegStats;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};
use str0m::change::SdpOffer;
use str0m::crypto::CryptoProvider;
use str0m::crypto::dtls::DtlsCert;
use str0m::format::{Codec, CodecExtra, FormatParams};
use str0m::media::{Frequency, MediaData, MediaTime, Mid, Pt, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, IceCreds, Input, Output, Rtc, RtcError};
use thiserror::Error;

/// The largest SDP offer accepted (a browser's audio-only offer is 2–4 KiB).
pub const MAX_OFFER_BYTES: usize = 32 * 1024;

/// Keys waiting to be sent, at most.
const MAX_QUEUED_KEYS: usize = 32;

/// Gap RFC 4733 wants between two events (str0m refuses a new one sooner).
const INTER_KEY_GAP: Duration = Duration::from_millis(60);

/// The telephone-event payload type we offer in answers (browsers use 126 or 101; str0m maps).
const TELEPHONE_EVENT_PT: u8 = 101;

/// Why a browser offer was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebRtcError {
    /// Longer than [`MAX_OFFER_BYTES`].
    #[error("the SDP offer is {0} bytes; at most {MAX_OFFER_BYTES} are accepted")]
    OfferTooLarge(usize),
    /// Not SDP str0m can read.
    #[error("the SDP offer cannot be parsed: {0}")]
    Unparsable(String),
    /// No audio section, or no G.711 in it.
    #[error("the offer has no audio with PCMU or PCMA; enable G.711 in the browser")]
    NoG711,
    /// str0m refused the offer or failed inside.
    #[error("the offer was refused: {0}")]
    Refused(String),
}

/// What every WebRTC leg of a process shares: the crypto provider and one DTLS certificate (its
/// fingerprint goes in every answer; generating one per leg would cost a key pair per call).
#[derive(Clone)]
pub struct WebRtcIdentity {
    provider: Arc<CryptoProvider>,
    cert: DtlsCert,
}

impl std::fmt::Debug for WebRtcIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebRtcIdentity")
    }
}

impl WebRtcIdentity {
    /// aws-lc-rs (the process's one crypto provider) and a fresh self-signed certificate.
    pub fn generate() -> Result<Self, WebRtcError> {
        let provider = str0m::crypto::from_feature_flags();
        let cert = provider
            .dtls_provider
            .generate_certificate()
            .ok_or_else(|| WebRtcError::Refused("no DTLS certificate could be generated".into()))?;
        Ok(WebRtcIdentity {
            provider: Arc::new(provider),
            cert,
        })
    }
}

/// Everything a WebRTC leg needs from the driver.
#[derive(Debug, Clone)]
pub struct WebRtcLegConfig {
    /// The media address: the one host candidate of the answer and the socket media leaves from.
    pub local: SocketAddr,
    /// ICE username fragment (4–256 characters of `[A-Za-z0-9+/]`; unique per driver).
    pub ice_ufrag: String,
    /// ICE password (at least 22 characters of the same set).
    pub ice_pwd: String,
    /// Shared crypto identity.
    pub identity: WebRtcIdentity,
    /// Jitter buffer sizing.
    pub jitter: JitterConfig,
}

/// A browser's audio over WebRTC.
pub struct WebRtcLeg {
    rtc: Rtc,
    local: SocketAddr,
    ufrag: String,
    mid: Mid,
    send_pt: Pt,
    send_law: G711,
    pcmu: Option<Pt>,
    pcma: Option<Pt>,
    remote: Option<SocketAddr>,
    ice_connected: bool,
    state: LegConnection,
    next_timeout: Option<Instant>,
    out_timestamp: u64,
    keys: VecDeque<(DtmfDigit, Duration)>,
    next_key_at: Option<Instant>,
    jitter: JitterBuffer,
    received_events: TelephoneEventReceiver,
    transmits: VecDeque<Transmit>,
    events: VecDeque<LegEvent>,
    stats: LegStats,
    decoded: [i16; MAX_PACKET_SAMPLES],
    /// What one drain of str0m brought (kept between drains: no allocation per packet).
    drained: Drained,
}

/// Media and connection events from one drain, handled after str0m is left.
#[derive(Default)]
struct Drained {
    media: Vec<MediaData>,
    /// ICE state changes; `None` is str0m's `Connected` (ICE and DTLS up).
    states: Vec<Option<IceConnectionState>>,
}

impl WebRtcLeg {
    /// Answers a browser's offer; returns the leg and the SDP answer for the browser.
    pub fn accept_offer(
        config: WebRtcLegConfig,
        offer: &str,
        now: Instant,
    ) -> Result<(WebRtcLeg, String), WebRtcError> {
        if offer.len() > MAX_OFFER_BYTES {
            return Err(WebRtcError::OfferTooLarge(offer.len()));
        }
        let offer =
            SdpOffer::from_sdp_string(offer).map_err(|e| WebRtcError::Unparsable(e.to_string()))?;
        // The first audio section is the agent's microphone and headset.
        let mid = offer
            .media_lines
            .iter()
            .find(|m| m.typ.to_string() == "audio")
            .map(|m| m.mid())
            .ok_or(WebRtcError::NoG711)?;
        let mut rtc_config = Rtc::builder()
            .set_ice_lite(true)
            .set_crypto_provider(config.identity.provider.clone())
            .set_dtls_cert(config.identity.cert.clone())
            .set_local_ice_credentials(IceCreds {
                ufrag: config.ice_ufrag.clone(),
                pass: config.ice_pwd.clone(),
            })
            .clear_codecs()
            .enable_pcmu(true, false)
            .enable_pcma(true, false)
            .set_reordering_size_audio(0)
            .set_reordering_timeout_audio(None);
        rtc_config.codec_config().add_config(
            TELEPHONE_EVENT_PT.into(),
            None,
            Codec::Tele,
            Frequency::EIGHT_KHZ,
            None,
            FormatParams::parse_line("0-16"),
        );
        let (mut rtc, answer) = catch_unwind(AssertUnwindSafe(move || {
            let mut rtc = rtc_config.build(now);
            let candidate = Candidate::host(config.local, "udp")
                .map_err(|e| WebRtcError::Refused(e.to_string()))?;
            rtc.add_local_candidate(candidate);
            let answer = rtc
                .sdp_api()
                .accept_offer(offer)
                .map_err(|e| WebRtcError::Refused(e.to_string()))?;
            rtc.handle_input(Input::Timeout(now))
                .map_err(|e| WebRtcError::Refused(e.to_string()))?;
            Ok::<_, WebRtcError>((rtc, answer.to_sdp_string()))
        }))
        .map_err(|_| WebRtcError::Refused("internal fault while answering".into()))??;

        let mut transmits = VecDeque::new();
        let mut next_timeout = None;
        drain(&mut rtc, &mut transmits, &mut next_timeout, |_| {})
            .map_err(|e| WebRtcError::Refused(e.to_string()))?;
        let media = rtc.media(mid).ok_or(WebRtcError::NoG711)?;
        let find = |codec: Codec| {
            rtc.codec_config()
                .params()
                .iter()
                .find(|p| p.spec().codec == codec && media.remote_pts().contains(&p.pt()))
                .map(|p| p.pt())
        };
        let (pcmu, pcma) = (find(Codec::PCMU), find(Codec::PCMA));
        // Send what the browser listed first of the two.
        let first = media
            .remote_pts()
            .iter()
            .find(|pt| Some(**pt) == pcmu || Some(**pt) == pcma)
            .copied();
        let (send_pt, send_law) = match first {
            Some(pt) if Some(pt) == pcmu => (pt, G711::Pcmu),
            Some(pt) => (pt, G711::Pcma),
            None => return Err(WebRtcError::NoG711),
        };
        let seed = config
            .ice_ufrag
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        Ok((
            WebRtcLeg {
                rtc,
                local: config.local,
                ufrag: config.ice_ufrag,
                mid,
                send_pt,
                send_law,
                pcmu,
                pcma,
                remote: None,
                ice_connected: false,
                state: LegConnection::Connecting,
                next_timeout,
                out_timestamp: seed & 0xFFFF_FFFF,
                keys: VecDeque::new(),
                next_key_at: None,
                jitter: JitterBuffer::new(config.jitter),
                received_events: TelephoneEventReceiver::new(),
                transmits,
                events: VecDeque::new(),
                stats: LegStats::default(),
                decoded: [0; MAX_PACKET_SAMPLES],
                drained: Drained::default(),
            },
            answer,
        ))
    }

    /// The ICE username fragment the browser's checks carry (the driver's index key).
    pub fn ice_ufrag(&self) -> &str {
        &self.ufrag
    }

    /// The browser's address once a check from it was answered.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.remote
    }

    /// Where the connection stands.
    pub fn connection(&self) -> LegConnection {
        self.state
    }

    /// The G.711 law this leg sends.
    pub fn send_law(&self) -> G711 {
        self.send_law
    }

    /// Whether `source` is an address this leg talks to (the driver's fast path).
    pub fn accepts_from(&self, source: SocketAddr) -> bool {
        self.remote == Some(source)
    }

    /// Runs `f` on the str0m instance; a panic inside ends this leg only.
    fn guarded(&mut self, f: impl FnOnce(&mut Rtc) -> Result<(), RtcError>) -> bool {
        if self.state == LegConnection::Failed {
            return false;
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.rtc))) {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                self.stats.invalid += 1;
                tracing::debug!(error = %e, "webrtc input refused");
                false
            }
            Err(_) => {
                tracing::error!(ufrag = %self.ufrag, "str0m panicked; closing this WebRTC leg");
                self.set_state(LegConnection::Failed);
                false
            }
        }
    }

    fn set_state(&mut self, state: LegConnection) {
        if self.state != state && self.state != LegConnection::Failed {
            self.state = state;
            self.events.push_back(LegEvent::Connection(state));
        }
    }

    /// Drains str0m's outputs: datagrams, the next timeout, media and state events.
    fn pump(&mut self) {
        if self.state == LegConnection::Failed {
            return;
        }
        let mut drained = std::mem::take(&mut self.drained);
        let Drained { media, states } = &mut drained;
        let result = catch_unwind(AssertUnwindSafe(|| {
            drain(
                &mut self.rtc,
                &mut self.transmits,
                &mut self.next_timeout,
                |event| match event {
                    Event::MediaData(data) => media.push(data),
                    Event::IceConnectionStateChange(s) => states.push(Some(s)),
                    Event::Connected => states.push(None),
                    _ => {}
                },
            )
        }));
        for state in states.drain(..) {
            if let Some(ice) = state {
                self.ice_connected = ice.is_connected();
            }
            match state {
                None => self.set_state(LegConnection::Connected),
                Some(IceConnectionState::Disconnected) => {
                    self.set_state(LegConnection::Disconnected)
                }
                Some(IceConnectionState::Connected | IceConnectionState::Completed)
                    if self.state == LegConnection::Disconnected =>
                {
                    self.set_state(LegConnection::Connected)
                }
                Some(_) => {}
            }
        }
        for data in media.drain(..) {
            self.receive_media(data);
        }
        self.drained = drained;
        match result {
            Ok(Ok(())) if !self.rtc.is_alive() => self.set_state(LegConnection::Closed),
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, ufrag = %self.ufrag, "WebRTC leg failed");
                self.set_state(LegConnection::Failed);
            }
            Err(_) => {
                tracing::error!(ufrag = %self.ufrag, "str0m panicked; closing this WebRTC leg");
                self.set_state(LegConnection::Failed);
            }
        }
    }

    fn receive_media(&mut self, data: MediaData) {
        if let CodecExtra::Tele(event) = data.codec_extra {
            let wire = WireEvent {
                event: event.event,
                end: event.end,
                volume: event.volume,
                duration: (event.duration.as_millis() as u64 * u64::from(SAMPLE_RATE) / 1000)
                    .min(u64::from(u16::MAX)) as u16,
            };
            if let Some(received) = self.received_events.receive(data.time.numer() as u32, wire) {
                self.events.push_back(LegEvent::Dtmf {
                    digit: received.digit,
                    via: DtmfVia::TelephoneEvent,
                });
            }
            return;
        }
        let law = if Some(data.pt) == self.pcmu {
            G711::Pcmu
        } else if Some(data.pt) == self.pcma {
            G711::Pcma
        } else {
            self.stats.invalid += 1;
            return;
        };
        let n = data.data.len();
        if n == 0 || n > MAX_PACKET_SAMPLES {
            self.stats.invalid += 1;
            return;
        }
        self.stats.packets_in += 1;
        self.stats.bytes_in += n as u64;
        law.decode(&data.data, &mut self.decoded[..n]);
        match self
            .jitter
            .insert(**data.seq_range.start(), &self.decoded[..n])
        {
            Insert::Late => self.stats.late += 1,
            Insert::Duplicate => self.stats.duplicates += 1,
            Insert::Invalid => self.stats.invalid += 1,
            Insert::Buffered => {}
        }
    }

    fn timeout(&mut self, now: Instant) {
        if self.next_timeout.is_none_or(|t| t <= now) {
            self.guarded(|rtc| rtc.handle_input(Input::Timeout(now)));
            self.pump();
        }
    }
}

/// Polls str0m until it asks for time, queueing datagrams and passing events on.
fn drain(
    rtc: &mut Rtc,
    transmits: &mut VecDeque<Transmit>,
    next_timeout: &mut Option<Instant>,
    mut on_event: impl FnMut(Event),
) -> Result<(), RtcError> {
    loop {
        match rtc.poll_output()? {
            Output::Timeout(at) => {
                *next_timeout = Some(at);
                return Ok(());
            }
            Output::Transmit(t) => transmits.push_back(Transmit {
                component: Component::Rtp,
                destination: t.destination,
                payload: t.contents.into(),
            }),
            Output::Event(event) => on_event(event),
        }
    }
}

impl Leg for WebRtcLeg {
    fn handle_receive(&mut self, now: Instant, datagram: Datagram<'_>) {
        let Ok(contents) = datagram.payload.try_into() else {
            self.stats.invalid += 1;
            return;
        };
        let receive = Receive {
            proto: Protocol::Udp,
            source: datagram.source,
            destination: self.local,
            contents,
        };
        let input = Input::Receive(now, receive);
        if !self.rtc.accepts(&input) {
            self.stats.foreign_ignored += 1;
            return;
        }
        let source = datagram.source;
        let taken = self.guarded(|rtc| rtc.handle_input(input));
        self.pump();
        // A datagram str0m took once ICE has connected (STUN passed the password check, or
        // SRTP from the nominated pair) means this is the browser's address now.
        if taken && self.ice_connected && self.remote != Some(source) {
            self.remote = Some(source);
            self.events.push_back(LegEvent::Latched { remote: source });
        }
    }

    fn pull_frame(&mut self, now: Instant, out: &mut Frame) -> bool {
        self.timeout(now);
        self.jitter.pull(out)
    }

    fn push_frame(&mut self, now: Instant, frame: &Frame) {
        self.timeout(now);
        let rtp_time = MediaTime::new(self.out_timestamp, Frequency::EIGHT_KHZ);
        self.out_timestamp = (self.out_timestamp + FRAME_SAMPLES as u64) & 0xFFFF_FFFF;
        if self.state != LegConnection::Connected {
            self.stats.unsent += 1;
            return;
        }
        let mut payload = [0u8; FRAME_SAMPLES];
        self.send_law.encode(frame.samples(), &mut payload);
        let key = if self.next_key_at.is_none_or(|at| at <= now) {
            self.keys.pop_front()
        } else {
            None
        };
        let (mid, pt) = (self.mid, self.send_pt);
        let sent = self.guarded(|rtc| {
            let Some(mut writer) = rtc.writer(mid) else {
                return Ok(());
            };
            if let Some((digit, duration)) = key {
                writer = writer.telephone_event(TelephoneEvent {
                    event: digit.event_code(),
                    end: true,
                    volume: 10,
                    duration,
                });
            }
            writer.write(pt, now, rtp_time, payload.to_vec())
        });
        if let Some((_, duration)) = key {
            self.next_key_at = Some(now + duration + INTER_KEY_GAP);
        }
        if sent {
            self.stats.packets_out += 1;
            self.stats.bytes_out += payload.len() as u64;
        }
        self.pump();
    }

    fn send_dtmf(&mut self, digit: DtmfDigit, duration: Duration) -> Result<(), LegError> {
        if self.keys.len() >= MAX_QUEUED_KEYS {
            return Err(LegError::DtmfQueueFull);
        }
        let duration = duration.clamp(Duration::from_millis(40), Duration::from_secs(5));
        self.keys.push_back((digit, duration));
        Ok(())
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<LegEvent> {
        self.events.pop_front()
    }

    fn stats(&self) -> LegStats {
        let jitter = self.jitter.stats();
        LegStats {
            concealed: jitter.concealed,
            ..self.stats
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests;
