//! The RTP leg's RTCP: reading reports from the far end, sending SR/RR every interval.

use super::rtp_leg::RtpLeg;
use super::{Component, Transmit};
use crate::rtp::{ReportBlock, RtcpPacket, RtcpPackets, SenderInfo, write_compound};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Seconds from 1900 (NTP era 0) to 1970.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// Send-side counters and report timing.
pub(super) struct RtcpState {
    next_report: Instant,
    interval: Duration,
    packets_sent: u32,
    octets_sent: u32,
    /// Middle 32 bits of the last SR's NTP time and when it arrived.
    last_sr: Option<(u32, Instant)>,
    /// The far end's RTCP address, learned from its first accepted RTCP packet.
    remote: Option<SocketAddr>,
}

impl RtcpState {
    pub(super) fn new(now: Instant, interval: Duration) -> Self {
        let interval = interval.max(Duration::from_secs(1));
        RtcpState {
            next_report: now + interval,
            interval,
            packets_sent: 0,
            octets_sent: 0,
            last_sr: None,
            remote: None,
        }
    }

    pub(super) fn count_sent(&mut self, payload_octets: usize) {
        self.packets_sent = self.packets_sent.wrapping_add(1);
        self.octets_sent = self.octets_sent.wrapping_add(payload_octets as u32);
    }
}

impl RtpLeg {
    pub(super) fn receive_rtcp(&mut self, now: Instant, source: SocketAddr, bytes: &[u8]) {
        // RTCP must come from the media peer's host; it may not latch anything by itself.
        let peer_ip = self.latched.or(self.config.remote).map(|a| a.ip());
        if peer_ip != Some(source.ip()) {
            self.stats.foreign_ignored += 1;
            return;
        }
        let mut any = false;
        for packet in RtcpPackets::new(bytes).take(16) {
            let Ok(packet) = packet else {
                self.stats.invalid += 1;
                return;
            };
            any = true;
            let blocks = match packet {
                RtcpPacket::SenderReport { info, blocks, .. } => {
                    self.rtcp.last_sr = Some(((info.ntp >> 16) as u32, now));
                    blocks
                }
                RtcpPacket::ReceiverReport { blocks, .. } => blocks,
                RtcpPacket::Goodbye | RtcpPacket::Other(_) => continue,
            };
            if let Some(ours) = blocks.iter().find(|b| b.ssrc == self.config.local_ssrc) {
                self.stats.remote_fraction_lost = ours.fraction_lost;
                self.stats.remote_cumulative_lost = ours.cumulative_lost;
            }
        }
        if any {
            self.stats.rtcp_in += 1;
            self.rtcp.remote.get_or_insert(source);
        }
    }

    pub(super) fn maybe_send_rtcp(&mut self, now: Instant) {
        if now < self.rtcp.next_report {
            return;
        }
        while self.rtcp.next_report <= now {
            self.rtcp.next_report += self.rtcp.interval;
        }
        let Some(destination) = self.rtcp_destination() else {
            return;
        };
        let sender = (self.rtcp.packets_sent > 0).then(|| SenderInfo {
            ntp: self.ntp_time(now),
            rtp_timestamp: self.out_timestamp,
            packet_count: self.rtcp.packets_sent,
            octet_count: self.rtcp.octets_sent,
        });
        let block = self.remote_ssrc.map(|ssrc| {
            let fraction_lost = self.sequence.take_fraction_lost();
            let stats = self.sequence.stats();
            let (last_sr, delay_since_last_sr) = match self.rtcp.last_sr {
                Some((lsr, at)) => (
                    lsr,
                    (now.saturating_duration_since(at).as_secs_f64() * 65_536.0) as u32,
                ),
                None => (0, 0),
            };
            ReportBlock {
                ssrc,
                fraction_lost,
                cumulative_lost: stats.lost().min(0x7F_FFFF) as i32,
                highest_sequence: self.sequence.highest_for_report(),
                jitter: stats.jitter,
                last_sr,
                delay_since_last_sr,
            }
        });
        let mut payload = Vec::with_capacity(80);
        write_compound(
            self.config.local_ssrc,
            sender,
            block,
            &self.config.cname,
            &mut payload,
        );
        let component = if self.config.rtcp_mux {
            Component::Rtp
        } else {
            Component::Rtcp
        };
        self.stats.rtcp_out += 1;
        self.transmits.push_back(Transmit {
            component,
            destination,
            payload,
        });
    }

    fn rtcp_destination(&self) -> Option<SocketAddr> {
        if let Some(learned) = self.rtcp.remote {
            return Some(learned);
        }
        let media = self.media_destination()?;
        if self.config.rtcp_mux {
            Some(media)
        } else {
            Some(SocketAddr::new(media.ip(), media.port().checked_add(1)?))
        }
    }

    fn ntp_time(&self, now: Instant) -> u64 {
        let since_unix = match self.config.wall_clock {
            Some(clock) => clock.unix + now.saturating_duration_since(clock.instant),
            None => now.saturating_duration_since(self.epoch),
        };
        let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
        let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
        (seconds << 32) | fraction
    }
}
