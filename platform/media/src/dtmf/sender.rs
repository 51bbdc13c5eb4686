//! Sending RFC 4733 telephone-events: one packet per 20 ms with the growing duration, the
//! marker on the first, then the end packet three times (RFC 4733 §2.5.1.4).

use super::{DtmfDigit, TelephoneEvent};
use crate::frame::FRAME_SAMPLES;
use std::collections::VecDeque;

/// How many times the final (end-bit) packet is sent.
pub const END_RETRANSMITS: u8 = 3;
/// Digits queued beyond this are refused.
const MAX_QUEUED: usize = 32;
/// Silent frames between two digits.
const GAP_FRAMES: u16 = 2;
/// Volume sent with every event, −dBm0.
const VOLUME: u8 = 10;

/// One packet the sender wants on the wire this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderPacket {
    /// The payload block.
    pub event: TelephoneEvent,
    /// Set on the first packet of an event: the RTP timestamp of this tick becomes the event's
    /// timestamp for all its packets.
    pub marker: bool,
}

#[derive(Debug, Clone, Copy)]
struct Active {
    digit: DtmfDigit,
    frames: u16,
    sent: u16,
    ends_sent: u8,
}

/// Queue of digits to send, one tick at a time.
#[derive(Debug, Clone, Default)]
pub struct TelephoneEventSender {
    queue: VecDeque<(DtmfDigit, u16)>,
    active: Option<Active>,
    gap: u16,
}

impl TelephoneEventSender {
    /// An idle sender.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a digit lasting `frames` × 20 ms (at least 2, at most 250); false when the queue is
    /// full.
    pub fn queue(&mut self, digit: DtmfDigit, frames: u16) -> bool {
        if self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.queue.push_back((digit, frames.clamp(2, 250)));
        true
    }

    /// Whether an event occupies this tick (audio must not be sent) — call before [`Self::tick`].
    pub fn is_busy(&self) -> bool {
        self.active.is_some() || (self.gap == 0 && !self.queue.is_empty())
    }

    /// Advances one 20 ms tick; returns the packet to send instead of audio, if any.
    pub fn tick(&mut self) -> Option<SenderPacket> {
        if self.active.is_none() {
            if self.gap > 0 {
                self.gap -= 1;
                return None;
            }
            let (digit, frames) = self.queue.pop_front()?;
            self.active = Some(Active {
                digit,
                frames,
                sent: 0,
                ends_sent: 0,
            });
        }
        let a = self.active.as_mut()?;
        let packet = if a.sent < a.frames {
            a.sent += 1;
            SenderPacket {
                event: TelephoneEvent {
                    event: a.digit.event_code(),
                    end: false,
                    volume: VOLUME,
                    duration: duration(a.sent),
                },
                marker: a.sent == 1,
            }
        } else {
            a.ends_sent += 1;
            SenderPacket {
                event: TelephoneEvent {
                    event: a.digit.event_code(),
                    end: true,
                    volume: VOLUME,
                    duration: duration(a.frames),
                },
                marker: false,
            }
        };
        if a.ends_sent >= END_RETRANSMITS {
            self.active = None;
            self.gap = GAP_FRAMES;
        }
        Some(packet)
    }
}

fn duration(frames: u16) -> u16 {
    (u32::from(frames) * FRAME_SAMPLES as u32).min(u32::from(u16::MAX)) as u16
}
