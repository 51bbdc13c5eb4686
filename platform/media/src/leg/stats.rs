//! Per-leg counters.

use std::time::Duration;

/// What a leg has seen and done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LegStats {
    /// Media packets accepted from the latched remote.
    pub packets_in: u64,
    /// Bytes of those packets.
    pub bytes_in: u64,
    /// Media packets sent (audio and telephone-events).
    pub packets_out: u64,
    /// Bytes of those packets.
    pub bytes_out: u64,
    /// Packets lost (RFC 3550: expected − received), summed over every SSRC seen.
    pub lost: u64,
    /// Packets that arrived after their playout time.
    pub late: u64,
    /// Packets received twice.
    pub duplicates: u64,
    /// Frames filled by loss concealment.
    pub concealed: u64,
    /// Interarrival jitter of the current stream (RFC 3550 §6.4.1).
    pub jitter: Duration,
    /// Times the far end changed SSRC.
    pub ssrc_changes: u64,
    /// Datagrams ignored because they came from an address other than the latched one.
    pub foreign_ignored: u64,
    /// Datagrams that were not valid RTP/RTCP or carried an unexpected payload type.
    pub invalid: u64,
    /// RTCP packets accepted.
    pub rtcp_in: u64,
    /// RTCP packets sent.
    pub rtcp_out: u64,
    /// Frames that could not be sent because no remote address is known yet.
    pub unsent: u64,
    /// Loss fraction (1/256) the far end last reported about our stream.
    pub remote_fraction_lost: u8,
    /// Cumulative loss the far end last reported about our stream.
    pub remote_cumulative_lost: i32,
}
