//! The plain-RTP leg (SIP trunks): G.711 with RFC 4733 events, latching, SSRC changes.
//!
//! Latching (docs/decisions/0017): before latching, media is accepted only from a source the
//! [`LatchPolicy`] allows, and only with a negotiated payload type; the first such packet latches
//! the leg and from then on every datagram from another address is counted and ignored — no
//! media hijack. Outgoing media goes to the latched address (symmetric RTP), or to the
//! signalled address before latching. Only [`RtpLeg::set_remote`] (a re-INVITE) unlatches.

use super::rtp_rtcp::RtcpState;
use super::{Component, Datagram, DtmfVia, Leg, LegError, LegEvent, LegStats, Transmit};
use crate::dtmf::{
    DtmfDetector, DtmfDigit, InbandKeySender, TelephoneEvent, TelephoneEventReceiver,
    TelephoneEventSender,
};
use crate::frame::{FRAME_MS, FRAME_SAMPLES, Frame, SAMPLE_RATE};
use crate::g711::G711;
use crate::jitter::{Insert, JitterBuffer, JitterConfig, MAX_PACKET_SAMPLES};
use crate::rtp::{Arrival, RtpHeader, RtpPacket, SequenceTracker, looks_like_rtcp};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Who may latch the leg before it has latched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchPolicy {
    /// Only the signalled address (IP and port).
    ExpectedAddress,
    /// The signalled IP from any port (NATs that rewrite ports). The default.
    ExpectedHost,
    /// Whoever sends valid media first (symmetric RTP behind NATs whose signalled address is
    /// unusable). Before the first packet, any sender could win the race.
    FirstPacket,
}

/// When in-band DTMF detection runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InbandDtmf {
    /// Only when telephone-event was not negotiated (avoids reporting a key twice).
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// Anchors the monotonic clock to wall-clock time for RTCP sender reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    /// A monotonic instant...
    pub instant: Instant,
    /// ...and the time since the Unix epoch at that instant.
    pub unix: Duration,
}

/// Everything an RTP leg needs to know, from the SDP offer/answer and the driver.
#[derive(Debug, Clone)]
pub struct RtpLegConfig {
    /// The negotiated G.711 law.
    pub codec: G711,
    /// Its payload type (normally 0 or 8).
    pub audio_payload_type: u8,
    /// The telephone-event payload type, when negotiated.
    pub telephone_event: Option<u8>,
    /// The remote media address from the SDP, when known.
    pub remote: Option<SocketAddr>,
    /// Latching policy.
    pub latch: LatchPolicy,
    /// RTCP shares the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    /// Our SSRC (chosen randomly by the driver).
    pub local_ssrc: u32,
    /// Jitter buffer sizing.
    pub jitter: JitterConfig,
    /// In-band DTMF detection.
    pub inband_dtmf: InbandDtmf,
    /// Time between RTCP reports.
    pub rtcp_interval: Duration,
    /// RTCP CNAME.
    pub cname: String,
    /// Wall-clock anchor for sender reports (elapsed time is used without one).
    pub wall_clock: Option<WallClock>,
}

impl RtpLegConfig {
    /// A configuration with the usual defaults: static payload type, telephone-event 101,
    /// [`LatchPolicy::ExpectedHost`], RTCP on port + 1 every 5 s, fixed 60 ms jitter buffer.
    pub fn new(codec: G711, remote: Option<SocketAddr>, local_ssrc: u32) -> Self {
        RtpLegConfig {
            codec,
            audio_payload_type: codec.payload_type(),
            telephone_event: Some(101),
            remote,
            latch: if remote.is_some() {
                LatchPolicy::ExpectedHost
            } else {
                LatchPolicy::FirstPacket
            },
            rtcp_mux: false,
            local_ssrc,
            jitter: JitterConfig::default(),
            inband_dtmf: InbandDtmf::Auto,
            rtcp_interval: Duration::from_secs(5),
            cname: "kefu".into(),
            wall_clock: None,
        }
    }
}

/// A G.711 leg over plain RTP.
pub struct RtpLeg {
    pub(super) config: RtpLegConfig,
    pub(super) epoch: Instant,
    pub(super) latched: Option<SocketAddr>,
    pub(super) remote_ssrc: Option<u32>,
    pub(super) sequence: SequenceTracker,
    lost_before: u64,
    jitter: JitterBuffer,
    received_events: TelephoneEventReceiver,
    detector: Option<DtmfDetector>,
    sending_events: TelephoneEventSender,
    sending_tones: InbandKeySender,
    out_sequence: u16,
    pub(super) out_timestamp: u32,
    event_timestamp: u32,
    first_packet_sent: bool,
    pub(super) rtcp: RtcpState,
    pub(super) transmits: VecDeque<Transmit>,
    events: VecDeque<LegEvent>,
    pub(super) stats: LegStats,
    decoded: [i16; MAX_PACKET_SAMPLES],
}

impl RtpLeg {
    /// A leg that has not latched yet; `now` anchors its clocks. Refuses payload types that
    /// RTP cannot carry (above 127) or an audio and event type that collide.
    pub fn new(config: RtpLegConfig, now: Instant) -> Result<Self, LegError> {
        if config.audio_payload_type > 127 || config.telephone_event.is_some_and(|pt| pt > 127) {
            return Err(LegError::InvalidConfig("payload types must be 0-127"));
        }
        if config.telephone_event == Some(config.audio_payload_type) {
            return Err(LegError::InvalidConfig(
                "audio and telephone-event need different payload types",
            ));
        }
        let detector = match config.inband_dtmf {
            InbandDtmf::On => Some(DtmfDetector::new()),
            InbandDtmf::Auto if config.telephone_event.is_none() => Some(DtmfDetector::new()),
            _ => None,
        };
        let ssrc = config.local_ssrc;
        Ok(RtpLeg {
            jitter: JitterBuffer::new(config.jitter),
            rtcp: RtcpState::new(now, config.rtcp_interval),
            config,
            epoch: now,
            latched: None,
            remote_ssrc: None,
            sequence: SequenceTracker::new(SAMPLE_RATE, now),
            lost_before: 0,
            received_events: TelephoneEventReceiver::new(),
            detector,
            sending_events: TelephoneEventSender::new(),
            sending_tones: InbandKeySender::new(),
            // RFC 3550 wants random initial values; the SSRC already is random.
            out_sequence: (ssrc >> 16) as u16 ^ 0x5A5A,
            out_timestamp: ssrc.rotate_left(11),
            event_timestamp: 0,
            first_packet_sent: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: LegStats::default(),
            decoded: [0; MAX_PACKET_SAMPLES],
        })
    }

    /// The address media is latched to, if any.
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// A new remote address from signalling (re-INVITE): unlatches and expects media from it.
    pub fn set_remote(&mut self, remote: Option<SocketAddr>) {
        self.config.remote = remote;
        self.latched = None;
    }

    /// Where media goes: the latched address, else the signalled one.
    pub(super) fn media_destination(&self) -> Option<SocketAddr> {
        self.latched.or(self.config.remote)
    }

    fn may_latch(&self, source: SocketAddr) -> bool {
        match (self.config.latch, self.config.remote) {
            (LatchPolicy::FirstPacket, _) => true,
            (LatchPolicy::ExpectedAddress, Some(expected)) => source == expected,
            (LatchPolicy::ExpectedHost, Some(expected)) => source.ip() == expected.ip(),
            (_, None) => false,
        }
    }

    fn receive_rtp(&mut self, now: Instant, source: SocketAddr, bytes: &[u8]) {
        let Ok(packet) = RtpPacket::parse(bytes) else {
            self.stats.invalid += 1;
            return;
        };
        let pt = packet.header.payload_type;
        if pt != self.config.audio_payload_type && Some(pt) != self.config.telephone_event {
            self.stats.invalid += 1;
            return;
        }
        match self.latched {
            Some(latched) if latched != source => {
                self.stats.foreign_ignored += 1;
                return;
            }
            Some(_) => {}
            None if self.may_latch(source) => {
                self.latched = Some(source);
                self.events.push_back(LegEvent::Latched { remote: source });
            }
            None => {
                self.stats.foreign_ignored += 1;
                return;
            }
        }
        let ssrc = packet.header.ssrc;
        if self.remote_ssrc != Some(ssrc) {
            if self.remote_ssrc.is_some() {
                self.stats.ssrc_changes += 1;
                self.lost_before += self.sequence.stats().lost();
                self.sequence = SequenceTracker::new(SAMPLE_RATE, self.epoch);
                self.jitter.reset();
                self.received_events.reset();
                self.events.push_back(LegEvent::SsrcChanged { ssrc });
            }
            self.remote_ssrc = Some(ssrc);
        }
        self.stats.packets_in += 1;
        self.stats.bytes_in += bytes.len() as u64;
        let Arrival::New(extended) = self.sequence.record(packet.header.sequence) else {
            self.stats.duplicates += 1;
            return;
        };
        if Some(pt) == self.config.telephone_event {
            if let Ok(event) = TelephoneEvent::parse(packet.payload)
                && let Some(received) = self.received_events.receive(packet.header.timestamp, event)
            {
                self.events.push_back(LegEvent::Dtmf {
                    digit: received.digit,
                    via: DtmfVia::TelephoneEvent,
                });
            }
            return;
        }
        self.sequence.record_timing(packet.header.timestamp, now);
        let n = packet.payload.len();
        if n == 0 || n > MAX_PACKET_SAMPLES {
            self.stats.invalid += 1;
            return;
        }
        self.config
            .codec
            .decode(packet.payload, &mut self.decoded[..n]);
        match self.jitter.insert(extended, &self.decoded[..n]) {
            Insert::Late => self.stats.late += 1,
            Insert::Duplicate => self.stats.duplicates += 1,
            Insert::Invalid => self.stats.invalid += 1,
            Insert::Buffered => {}
        }
    }

    fn send_packet(&mut self, destination: SocketAddr, header: RtpHeader, payload: &[u8]) {
        let mut bytes = Vec::with_capacity(12 + payload.len());
        header.write(payload, &mut bytes);
        self.stats.packets_out += 1;
        self.stats.bytes_out += bytes.len() as u64;
        self.rtcp.count_sent(payload.len());
        self.transmits.push_back(Transmit {
            component: Component::Rtp,
            destination,
            payload: bytes,
        });
    }

    fn header(&mut self, payload_type: u8, marker: bool, timestamp: u32) -> RtpHeader {
        let sequence = self.out_sequence;
        self.out_sequence = self.out_sequence.wrapping_add(1);
        RtpHeader {
            marker,
            payload_type,
            sequence,
            timestamp,
            ssrc: self.config.local_ssrc,
        }
    }
}

impl Leg for RtpLeg {
    fn handle_receive(&mut self, now: Instant, datagram: Datagram<'_>) {
        if datagram.component == Component::Rtcp || looks_like_rtcp(datagram.payload) {
            self.receive_rtcp(now, datagram.source, datagram.payload);
        } else {
            self.receive_rtp(now, datagram.source, datagram.payload);
        }
    }

    fn pull_frame(&mut self, _now: Instant, out: &mut Frame) -> bool {
        let real = self.jitter.pull(out);
        if real
            && let Some(detector) = &mut self.detector
            && let Some(digit) = detector.detect(out)
        {
            self.events.push_back(LegEvent::Dtmf {
                digit,
                via: DtmfVia::InBand,
            });
        }
        real
    }

    fn push_frame(&mut self, now: Instant, frame: &Frame) {
        self.maybe_send_rtcp(now);
        let timestamp = self.out_timestamp;
        self.out_timestamp = self.out_timestamp.wrapping_add(FRAME_SAMPLES as u32);
        let Some(destination) = self.media_destination() else {
            self.stats.unsent += 1;
            return;
        };
        if let (Some(pt), Some(packet)) = (self.config.telephone_event, self.sending_events.tick())
        {
            if packet.marker {
                self.event_timestamp = timestamp;
            }
            let header = self.header(pt, packet.marker, self.event_timestamp);
            self.send_packet(destination, header, &packet.event.to_bytes());
            return;
        }
        let mut keyed = *frame;
        let frame = if self.sending_tones.overlay(&mut keyed) {
            &keyed
        } else {
            frame
        };
        let mut payload = [0u8; FRAME_SAMPLES];
        self.config.codec.encode(frame.samples(), &mut payload);
        let marker = !self.first_packet_sent;
        self.first_packet_sent = true;
        let header = self.header(self.config.audio_payload_type, marker, timestamp);
        self.send_packet(destination, header, &payload);
    }

    fn send_dtmf(&mut self, digit: DtmfDigit, duration: Duration) -> Result<(), LegError> {
        let frames = (duration.as_millis() as u64)
            .div_ceil(FRAME_MS)
            .min(u64::from(u16::MAX)) as u16;
        // Without telephone-event the key goes in the audio, as a phone would send it.
        let queued = if self.config.telephone_event.is_some() {
            self.sending_events.queue(digit, frames)
        } else {
            self.sending_tones.queue(digit, frames)
        };
        if queued {
            Ok(())
        } else {
            Err(LegError::DtmfQueueFull)
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<LegEvent> {
        self.events.pop_front()
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn stats(&self) -> LegStats {
        let jitter = self.jitter.stats();
        LegStats {
            lost: self.lost_before + self.sequence.stats().lost(),
            concealed: jitter.concealed,
            jitter: self.sequence.jitter(),
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests;
