//! Receiving RFC 4733 telephone-events: one digit per event, however many packets carry it.

use super::{DtmfDigit, TelephoneEvent};

/// A digit reported by the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedDigit {
    /// The key.
    pub digit: DtmfDigit,
    /// RTP timestamp of the event start (its identity).
    pub timestamp: u32,
}

/// De-duplicates telephone-event packets: all packets of one event share its RTP timestamp
/// (updates, the end packet and its retransmits), so a digit is reported once, on the first
/// packet of a new timestamp that arrives, whether that is a start, an update or only an end.
#[derive(Debug, Clone, Default)]
pub struct TelephoneEventReceiver {
    /// Timestamps of the last few events (a late packet of an earlier event must not repeat it).
    recent: [Option<u32>; 4],
    cursor: usize,
}

impl TelephoneEventReceiver {
    /// Creates a receiver with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one telephone-event packet; returns the digit when it starts a new event.
    pub fn receive(&mut self, timestamp: u32, event: TelephoneEvent) -> Option<ReceivedDigit> {
        let digit = DtmfDigit::from_event(event.event)?;
        if self.recent.contains(&Some(timestamp)) {
            return None;
        }
        self.recent[self.cursor] = Some(timestamp);
        self.cursor = (self.cursor + 1) % self.recent.len();
        Some(ReceivedDigit { digit, timestamp })
    }

    /// Forgets history (new SSRC).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}
