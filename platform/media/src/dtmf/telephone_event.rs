//! The RFC 4733 §2.3 telephone-event payload: event, end bit, volume, duration.

use thiserror::Error;

/// A bad telephone-event payload.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TelephoneEventError {
    /// Shorter than the 4-byte event block.
    #[error("telephone-event payload of {0} bytes is shorter than 4")]
    TooShort(usize),
}

/// One telephone-event block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (0–15 are DTMF keys; others are tones and flash, ignored by DTMF users).
    pub event: u8,
    /// End bit: this is (a retransmission of) the final packet of the event.
    pub end: bool,
    /// Power level in −dBm0 (0–63).
    pub volume: u8,
    /// Duration so far in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event block of a payload (trailing bytes are ignored; RFC 4733 allows
    /// only one block per packet outside RFC 2198 redundancy).
    pub fn parse(payload: &[u8]) -> Result<Self, TelephoneEventError> {
        let [event, flags, d0, d1, ..] = *payload else {
            return Err(TelephoneEventError::TooShort(payload.len()));
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let [d0, d1] = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d0,
            d1,
        ]
    }
}
