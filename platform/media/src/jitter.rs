//! Per-leg jitter buffer: reorders decoded packets by extended sequence number and plays out
//! exactly one 20 ms frame per room tick.
//!
//! Policy (see docs/decisions/0016): **fixed depth**. Playout starts once `depth` packets are
//! buffered (or the first has waited `depth` ticks), then advances one packet's worth of samples
//! per tick. Packets behind the playout point are *late* and dropped; a packet more than
//! `capacity` ahead pushes the playout point forward. A missing packet is *concealed*: the last
//! packet repeated at half level, then a quarter, then silence. After `depth` concealed packets
//! with nothing buffered the buffer returns to prefetching (the talker stopped or the stream
//! stalled). It owns samples and sequence arithmetic only: no codecs, no clocks, no sockets.

use crate::frame::{FRAME_SAMPLES, Frame};

/// The largest packet the buffer accepts: 60 ms at 8 kHz.
pub const MAX_PACKET_SAMPLES: usize = 480;

/// Jitter buffer sizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Packets held before playout starts (20 ms each with the usual packetisation).
    pub depth: u8,
    /// Slots in the reorder window; packets further ahead than this move playout forward.
    pub capacity: u8,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            depth: 3,
            capacity: 16,
        }
    }
}

/// What happened to a packet offered to the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// Stored for playout.
    Buffered,
    /// Behind the playout point: dropped.
    Late,
    /// Already buffered: dropped.
    Duplicate,
    /// Empty or longer than [`MAX_PACKET_SAMPLES`]: dropped.
    Invalid,
}

/// Counters kept by the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    /// Packets played out.
    pub played: u64,
    /// Packets concealed because they were missing at playout time.
    pub concealed: u64,
    /// Packets dropped as late.
    pub late: u64,
    /// Buffered packets discarded when a far-ahead packet moved playout forward.
    pub overflowed: u64,
}

#[derive(Clone)]
struct Slot {
    seq: Option<u64>,
    len: u16,
    samples: [i16; MAX_PACKET_SAMPLES],
}

/// Reorders packets and plays one frame per tick.
pub struct JitterBuffer {
    config: JitterConfig,
    slots: Vec<Slot>,
    /// Next sequence number to play; `None` while prefetching.
    next: Option<u64>,
    /// Anything below this is late even while prefetching.
    floor: u64,
    buffered: usize,
    prefetch_ticks: u32,
    carry: [i16; MAX_PACKET_SAMPLES + FRAME_SAMPLES],
    carry_len: usize,
    last: [i16; MAX_PACKET_SAMPLES],
    last_len: usize,
    conceal_run: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer (depth and capacity are clamped to 1..=64).
    pub fn new(config: JitterConfig) -> Self {
        let capacity = config.capacity.clamp(2, 64);
        let depth = config.depth.clamp(1, capacity - 1);
        let empty = Slot {
            seq: None,
            len: 0,
            samples: [0; MAX_PACKET_SAMPLES],
        };
        JitterBuffer {
            config: JitterConfig { depth, capacity },
            slots: vec![empty; usize::from(capacity)],
            next: None,
            floor: 0,
            buffered: 0,
            prefetch_ticks: 0,
            carry: [0; MAX_PACKET_SAMPLES + FRAME_SAMPLES],
            carry_len: 0,
            last: [0; MAX_PACKET_SAMPLES],
            last_len: FRAME_SAMPLES,
            conceal_run: 0,
            stats: JitterStats::default(),
        }
    }

    /// Offers a decoded packet with its extended sequence number.
    pub fn insert(&mut self, seq: u64, samples: &[i16]) -> Insert {
        if samples.is_empty() || samples.len() > MAX_PACKET_SAMPLES {
            return Insert::Invalid;
        }
        if seq < self.next.unwrap_or(self.floor) {
            self.stats.late += 1;
            return Insert::Late;
        }
        let cap = u64::from(self.config.capacity);
        let window_start = self.next.unwrap_or_else(|| self.lowest().unwrap_or(seq));
        if seq >= window_start + cap {
            // Far ahead: discard what can no longer fit and move playout up to the new window.
            let new_start = seq + 1 - cap;
            for slot in &mut self.slots {
                if slot.seq.is_some_and(|s| s < new_start) {
                    slot.seq = None;
                    self.buffered -= 1;
                    self.stats.overflowed += 1;
                }
            }
            if self.next.is_some() {
                self.next = Some(new_start);
            }
        }
        let slot = &mut self.slots[(seq % cap) as usize];
        if slot.seq == Some(seq) {
            return Insert::Duplicate;
        }
        if slot.seq.is_none() {
            self.buffered += 1;
        }
        slot.seq = Some(seq);
        slot.len = samples.len() as u16;
        slot.samples[..samples.len()].copy_from_slice(samples);
        Insert::Buffered
    }

    /// Writes the next 20 ms of audio into `out` and reports whether it was real audio.
    pub fn pull(&mut self, out: &mut Frame) -> bool {
        if self.next.is_none() {
            if self.buffered > 0 {
                self.prefetch_ticks += 1;
            }
            let ready = self.buffered >= usize::from(self.config.depth)
                || (self.buffered > 0 && self.prefetch_ticks >= u32::from(self.config.depth));
            match self.lowest().filter(|_| ready) {
                Some(lowest) => self.next = Some(lowest),
                None => {
                    *out = Frame::SILENCE;
                    return false;
                }
            }
        }
        let mut real = false;
        while self.carry_len < FRAME_SAMPLES {
            let Some(next) = self.next else { break };
            let cap = u64::from(self.config.capacity);
            let slot = &mut self.slots[(next % cap) as usize];
            if slot.seq == Some(next) {
                let len = usize::from(slot.len);
                self.carry[self.carry_len..self.carry_len + len]
                    .copy_from_slice(&slot.samples[..len]);
                self.last[..len].copy_from_slice(&slot.samples[..len]);
                self.last_len = len;
                self.carry_len += len;
                slot.seq = None;
                self.buffered -= 1;
                self.conceal_run = 0;
                self.stats.played += 1;
                real = true;
            } else {
                self.conceal();
            }
            self.next = Some(next + 1);
            if self.buffered == 0 && self.conceal_run >= u32::from(self.config.depth) {
                // Nothing is coming: go back to prefetching and let the carry drain as silence.
                self.floor = next + 1;
                self.next = None;
                self.prefetch_ticks = 0;
            }
        }
        let n = self.carry_len.min(FRAME_SAMPLES);
        out.0[..n].copy_from_slice(&self.carry[..n]);
        out.0[n..].fill(0);
        self.carry.copy_within(n..self.carry_len, 0);
        self.carry_len -= n;
        real
    }

    fn conceal(&mut self) {
        self.conceal_run += 1;
        self.stats.concealed += 1;
        let shift = self.conceal_run.min(15);
        let len = self.last_len;
        for i in 0..len {
            let s = if self.conceal_run <= 2 {
                self.last[i] >> shift
            } else {
                0
            };
            self.carry[self.carry_len + i] = s;
        }
        self.carry_len += len;
    }

    /// Drops everything and starts prefetching again (used on SSRC change).
    pub fn reset(&mut self) {
        for slot in &mut self.slots {
            slot.seq = None;
        }
        self.next = None;
        self.floor = 0;
        self.buffered = 0;
        self.prefetch_ticks = 0;
        self.carry_len = 0;
        self.conceal_run = 0;
    }

    /// Packets currently waiting for playout.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// The counters.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// The effective configuration after clamping.
    pub fn config(&self) -> JitterConfig {
        self.config
    }

    fn lowest(&self) -> Option<u64> {
        self.slots.iter().filter_map(|s| s.seq).min()
    }
}

#[cfg(test)]
mod tests;
