//! Receive-side accounting for one RTP source (RFC 3550 §6.4.1 and appendix A.1/A.3/A.8):
//! sequence extension across wrap-around, duplicates, loss and interarrival jitter.

use std::time::{Duration, Instant};

/// Sequence numbers are extended starting one cycle up, so that packets slightly older than the
/// first one never produce a negative extended number.
const FIRST_CYCLE: u64 = 1 << 16;

/// How a packet's sequence number relates to what was received before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// First time this sequence number is seen; carries the extended sequence number.
    New(u64),
    /// Seen before (within the last 64 packets): a duplicate to drop.
    Duplicate,
}

/// Reception counters of one source, as RTCP reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceptionStats {
    /// Unique packets received.
    pub received: u64,
    /// Packets expected from the first to the highest sequence number.
    pub expected: u64,
    /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1).
    pub jitter: u32,
}

impl ReceptionStats {
    /// Cumulative packets lost (expected − received; never negative here as duplicates are
    /// not counted as received).
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.received)
    }
}

/// Tracks one SSRC's sequence space, duplicates, loss and jitter.
#[derive(Debug, Clone)]
pub struct SequenceTracker {
    clock_rate: u32,
    epoch: Instant,
    base: u64,
    max: u64,
    /// Bit i set: extended sequence `max - i` was received.
    seen: u64,
    received: u64,
    started: bool,
    last_transit: Option<i64>,
    jitter: f64,
    expected_prior: u64,
    received_prior: u64,
}

impl SequenceTracker {
    /// A tracker for a stream with the given clock rate; `epoch` anchors arrival times.
    pub fn new(clock_rate: u32, epoch: Instant) -> Self {
        SequenceTracker {
            clock_rate,
            epoch,
            base: 0,
            max: 0,
            seen: 0,
            received: 0,
            started: false,
            last_transit: None,
            jitter: 0.0,
            expected_prior: 0,
            received_prior: 0,
        }
    }

    /// Records a packet's sequence number.
    pub fn record(&mut self, sequence: u16) -> Arrival {
        if !self.started {
            self.started = true;
            self.max = FIRST_CYCLE + u64::from(sequence);
            self.base = self.max;
            self.seen = 1;
            self.received = 1;
            return Arrival::New(self.max);
        }
        let delta = i64::from(sequence.wrapping_sub(self.max as u16) as i16);
        let ext = (self.max as i64 + delta).max(0) as u64;
        if ext > self.max {
            let shift = ext - self.max;
            self.seen = if shift >= 64 { 0 } else { self.seen << shift };
            self.seen |= 1;
            self.max = ext;
        } else {
            let back = self.max - ext;
            if back < 64 {
                if self.seen & (1 << back) != 0 {
                    return Arrival::Duplicate;
                }
                self.seen |= 1 << back;
            }
            if ext < self.base {
                self.base = ext;
            }
        }
        self.received += 1;
        Arrival::New(ext)
    }

    /// Updates the interarrival jitter with an audio packet's RTP timestamp and arrival time.
    pub fn record_timing(&mut self, rtp_timestamp: u32, arrival: Instant) {
        let since = arrival.saturating_duration_since(self.epoch);
        let arrival_units =
            (since.as_micros() as u64 * u64::from(self.clock_rate) / 1_000_000) as u32;
        let transit = i64::from(arrival_units.wrapping_sub(rtp_timestamp) as i32);
        if let Some(last) = self.last_transit {
            let d = (transit - last).unsigned_abs() as f64;
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.last_transit = Some(transit);
    }

    /// Current counters.
    pub fn stats(&self) -> ReceptionStats {
        ReceptionStats {
            received: self.received,
            expected: if self.started {
                self.max - self.base + 1
            } else {
                0
            },
            jitter: self.jitter as u32,
        }
    }

    /// Jitter as a duration.
    pub fn jitter(&self) -> Duration {
        Duration::from_secs_f64(self.jitter / f64::from(self.clock_rate))
    }

    /// Highest extended sequence number in the 32-bit form RTCP carries (cycles · 2¹⁶ + seq),
    /// counting cycles from the first packet.
    pub fn highest_for_report(&self) -> u32 {
        self.max.saturating_sub(FIRST_CYCLE) as u32
    }

    /// Fraction lost since the previous call, in 1/256 (RFC 3550 appendix A.3); resets the
    /// interval.
    pub fn take_fraction_lost(&mut self) -> u8 {
        let stats = self.stats();
        let expected = stats.expected - self.expected_prior;
        let received = stats.received - self.received_prior;
        self.expected_prior = stats.expected;
        self.received_prior = stats.received;
        if expected == 0 || received >= expected {
            0
        } else {
            (((expected - received) << 8) / expected).min(255) as u8
        }
    }
}
