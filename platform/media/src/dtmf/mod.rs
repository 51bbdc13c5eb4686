//! DTMF: digits, RFC 4733 telephone-events (receive with de-duplication, send with proper
//! durations and end retransmits), in-band detection with the Goertzel algorithm and in-band
//! sending as dual tones.
//!
//! Owns DTMF semantics only; it must never know about sockets or rooms, and must never log the
//! digits themselves (they may be card numbers).

mod detector;
mod inband_sender;
mod receiver;
mod sender;
mod telephone_event;

pub use detector::{DETECTOR_MIN_FRAMES, DtmfDetector};
pub use inband_sender::InbandKeySender;
pub use receiver::{ReceivedDigit, TelephoneEventReceiver};
pub use sender::{END_RETRANSMITS, SenderPacket, TelephoneEventSender};
pub use telephone_event::{TelephoneEvent, TelephoneEventError};

/// One DTMF key (RFC 4733 events 0–15).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfDigit(u8);

const KEYS: &[u8; 16] = b"0123456789*#ABCD";
/// Row (low group) frequencies in Hz.
pub const ROW_HZ: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// Column (high group) frequencies in Hz.
pub const COLUMN_HZ: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
/// Keypad layout by (row, column).
const KEYPAD: [[u8; 4]; 4] = [*b"123A", *b"456B", *b"789C", *b"*0#D"];

impl DtmfDigit {
    /// The digit for an RFC 4733 event code (0–15).
    pub fn from_event(code: u8) -> Option<Self> {
        (code < 16).then_some(DtmfDigit(code))
    }

    /// The digit for a key character (`0`–`9`, `*`, `#`, `A`–`D`, case-insensitive).
    pub fn from_char(c: char) -> Option<Self> {
        let c = c.to_ascii_uppercase();
        KEYS.iter()
            .position(|&k| char::from(k) == c)
            .map(|i| DtmfDigit(i as u8))
    }

    /// The RFC 4733 event code.
    pub fn event_code(self) -> u8 {
        self.0
    }

    /// The key character.
    pub fn as_char(self) -> char {
        char::from(KEYS[usize::from(self.0)])
    }

    /// The (row, column) frequencies of the key in Hz.
    pub fn frequencies(self) -> (f32, f32) {
        let key = KEYS[usize::from(self.0)];
        for (r, row) in KEYPAD.iter().enumerate() {
            if let Some(c) = row.iter().position(|&k| k == key) {
                return (ROW_HZ[r], COLUMN_HZ[c]);
            }
        }
        (ROW_HZ[3], COLUMN_HZ[1])
    }

    fn from_grid(row: usize, column: usize) -> Option<Self> {
        let key = *KEYPAD.get(row)?.get(column)?;
        DtmfDigit::from_char(char::from(key))
    }
}

/// Redacted, and there is no `Display`: events carrying keys end up in logs, and keys may be
/// card numbers. Use [`DtmfDigit::as_char`] where the key itself is needed.
impl std::fmt::Debug for DtmfDigit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DtmfDigit(<redacted>)")
    }
}

#[cfg(test)]
mod tests;
