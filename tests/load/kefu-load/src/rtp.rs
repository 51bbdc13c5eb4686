//! RTP (RFC 3550): packets we send (G.711 tone, RFC 4733 telephone-events) and the receive-side
//! statistics (sequence gaps, duplicates, interarrival jitter).

/// Samples per 20 ms packet at 8 kHz.
pub const SAMPLES_PER_PACKET: u32 = 160;
pub const HEADER_LEN: usize = 12;

/// G.711 µ-law encoding of a 16-bit linear sample.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && s & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// G.711 A-law encoding of a 16-bit linear sample.
pub fn linear_to_alaw(sample: i16) -> u8 {
    const SEG_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let mut v = i32::from(sample) >> 3;
    let mask: u8 = if v >= 0 {
        0xD5
    } else {
        v = -v - 1;
        0x55
    };
    let Some(seg) = SEG_END.iter().position(|&end| v <= end) else {
        return 0x7F ^ mask;
    };
    let mut aval = (seg as u8) << 4;
    aval |= if seg < 2 {
        ((v >> 1) & 0x0F) as u8
    } else {
        ((v >> seg) & 0x0F) as u8
    };
    aval ^ mask
}

/// One second (8000 samples) of a 440 Hz tone at about -10 dBFS, encoded. 440 whole cycles fit in
/// a second, so the table loops without a click; 50 packets of 160 samples cover it exactly.
pub fn tone_table(pt: u8) -> Vec<u8> {
    (0..8000)
        .map(|n| {
            let x = (2.0 * std::f64::consts::PI * 440.0 * f64::from(n) / 8000.0).sin();
            let s = (x * 10_000.0).round() as i16;
            if pt == 8 {
                linear_to_alaw(s)
            } else {
                linear_to_ulaw(s)
            }
        })
        .collect()
}

/// Write an RTP header into `out[..12]`.
pub fn write_header(out: &mut [u8], marker: bool, pt: u8, seq: u16, ts: u32, ssrc: u32) {
    out[0] = 0x80;
    out[1] = (u8::from(marker) << 7) | (pt & 0x7F);
    out[2..4].copy_from_slice(&seq.to_be_bytes());
    out[4..8].copy_from_slice(&ts.to_be_bytes());
    out[8..12].copy_from_slice(&ssrc.to_be_bytes());
}

/// RFC 4733 telephone-event code for a DTMF key.
pub fn dtmf_event(key: char) -> Option<u8> {
    match key.to_ascii_uppercase() {
        c @ '0'..='9' => Some(c as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        c @ 'A'..='D' => Some(c as u8 - b'A' + 12),
        _ => None,
    }
}

/// RFC 4733 payload: event, E bit + volume, duration.
pub fn dtmf_payload(event: u8, end: bool, volume: u8, duration: u16) -> [u8; 4] {
    let d = duration.to_be_bytes();
    [event, (u8::from(end) << 7) | (volume & 0x3F), d[0], d[1]]
}

/// The fields of a received RTP header we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub pt: u8,
    pub marker: bool,
    pub seq: u16,
    pub ts: u32,
    pub ssrc: u32,
}

/// Parse an RTP header; `None` for anything that isn't RTP version 2 with a consistent length.
pub fn parse_header(pkt: &[u8]) -> Option<Header> {
    if pkt.len() < HEADER_LEN || pkt[0] >> 6 != 2 {
        return None;
    }
    let cc = usize::from(pkt[0] & 0x0F);
    let mut len = HEADER_LEN + 4 * cc;
    if pkt[0] & 0x10 != 0 {
        let ext = pkt.get(len..len + 4)?;
        len += 4 + 4 * usize::from(u16::from_be_bytes([ext[2], ext[3]]));
    }
    if len > pkt.len() {
        return None;
    }
    Some(Header {
        pt: pkt[1] & 0x7F,
        marker: pkt[1] & 0x80 != 0,
        seq: u16::from_be_bytes([pkt[2], pkt[3]]),
        ts: u32::from_be_bytes([pkt[4], pkt[5], pkt[6], pkt[7]]),
        ssrc: u32::from_be_bytes([pkt[8], pkt[9], pkt[10], pkt[11]]),
    })
}

/// Receive totals, summed over streams and calls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RxTotals {
    /// Packets that arrived (duplicates included).
    pub packets: u64,
    /// Distinct sequence numbers expected from first to highest seen.
    pub expected: u64,
    /// Distinct sequence numbers that arrived.
    pub unique: u64,
    pub duplicates: u64,
    /// Arrived behind a later packet (not duplicates).
    pub reordered: u64,
    /// Forward jumps of more than one sequence number.
    pub gap_events: u64,
    /// Packets that aren't RTP v2.
    pub invalid: u64,
    /// Sum and count of the running jitter estimate over every audio packet (RTP units).
    pub jitter_sum: f64,
    pub jitter_samples: u64,
    pub jitter_max: f64,
}

impl RxTotals {
    pub fn add(&mut self, o: &RxTotals) {
        self.packets += o.packets;
        self.expected += o.expected;
        self.unique += o.unique;
        self.duplicates += o.duplicates;
        self.reordered += o.reordered;
        self.gap_events += o.gap_events;
        self.invalid += o.invalid;
        self.jitter_sum += o.jitter_sum;
        self.jitter_samples += o.jitter_samples;
        self.jitter_max = self.jitter_max.max(o.jitter_max);
    }

    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.unique)
    }
}

/// Sequence numbers further than this from the highest seen start a new stream (RFC 3550 A.1's
/// MAX_DROPOUT, simplified).
const MAX_JUMP: i32 = 3000;

/// One received stream (one SSRC) of one call.
#[derive(Debug, Clone, Default)]
pub struct RxStream {
    ssrc: Option<u32>,
    base_ext: u64,
    max_ext: u64,
    /// Bit k set: sequence `max_ext - k` arrived (k < 128).
    window: u128,
    last_transit: Option<u32>,
    /// RFC 3550 interarrival jitter, RTP timestamp units.
    jitter: f64,
    stats: RxTotals,
}

impl RxStream {
    /// Account one packet. `arrival` is the arrival time in 8 kHz units (any epoch, wrapping);
    /// `audio` says whether it counts for jitter (telephone-events hold their timestamp).
    /// Totals of a finished stream (SSRC change, large jump) are moved to `done`.
    pub fn on_packet(&mut self, h: &Header, arrival: u32, audio: bool, done: &mut RxTotals) {
        if self.ssrc != Some(h.ssrc) {
            self.restart(h, done);
        } else {
            let delta = i32::from(h.seq.wrapping_sub(self.max_ext as u16) as i16);
            if !(-MAX_JUMP..=MAX_JUMP).contains(&delta) {
                self.restart(h, done);
            } else if delta > 0 {
                if delta > 1 {
                    self.stats.gap_events += 1;
                }
                self.max_ext += delta as u64;
                self.window = if delta >= 128 {
                    0
                } else {
                    self.window << delta
                };
                self.window |= 1;
            } else {
                let k = (-delta) as u32;
                // max_ext starts at 2^16 + seq and k <= MAX_JUMP: no underflow.
                let ext = self.max_ext.saturating_sub(u64::from(k));
                let seen = k < 128 && self.window & (1u128 << k) != 0;
                if seen && ext >= self.base_ext {
                    self.stats.packets += 1;
                    self.stats.duplicates += 1;
                    return;
                }
                if k < 128 {
                    self.window |= 1u128 << k;
                }
                // Before the first packet we saw, it extends the stream backwards.
                self.base_ext = self.base_ext.min(ext);
                self.stats.reordered += 1;
            }
        }
        self.stats.packets += 1;
        self.stats.unique += 1;
        if audio {
            let transit = arrival.wrapping_sub(h.ts);
            if let Some(last) = self.last_transit {
                let d = f64::from(transit.wrapping_sub(last) as i32).abs();
                self.jitter += (d - self.jitter) / 16.0;
                self.stats.jitter_sum += self.jitter;
                self.stats.jitter_samples += 1;
                self.stats.jitter_max = self.stats.jitter_max.max(self.jitter);
            }
            self.last_transit = Some(transit);
        }
    }

    fn restart(&mut self, h: &Header, done: &mut RxTotals) {
        self.flush(done);
        // Extended numbers start at 2^16 so that reordered packets before the first stay positive.
        let ext = 65_536 + u64::from(h.seq);
        *self = RxStream {
            ssrc: Some(h.ssrc),
            base_ext: ext,
            max_ext: ext,
            window: 1,
            ..RxStream::default()
        };
    }

    /// Move this stream's totals into `done` (the stream then starts from zero).
    pub fn flush(&mut self, done: &mut RxTotals) {
        if self.ssrc.is_some() {
            self.stats.expected = self.max_ext - self.base_ext + 1;
        }
        done.add(&self.stats);
        self.stats = RxTotals::default();
        self.base_ext = self.max_ext + 1;
        self.ssrc = None;
    }

    /// Current RFC 3550 jitter estimate in RTP timestamp units.
    #[cfg(test)]
    pub fn jitter(&self) -> f64 {
        self.jitter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulaw_to_linear(u: u8) -> i16 {
        let u = !u;
        let t = ((i32::from(u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
        (if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 }) as i16
    }

    #[test]
    fn g711_reference_points() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_ulaw(-1), 0x7F);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        for s in [-30000i16, -1000, -100, 100, 1000, 30000] {
            let back = i32::from(ulaw_to_linear(linear_to_ulaw(s)));
            assert!(
                (back - i32::from(s)).abs() <= i32::from(s).abs() / 16 + 8,
                "{s} -> {back}"
            );
        }
    }

    #[test]
    fn tone_loops_and_has_energy() {
        let t = tone_table(0);
        assert_eq!(t.len(), 8000);
        let peak = t
            .iter()
            .map(|&u| ulaw_to_linear(u).unsigned_abs())
            .max()
            .unwrap();
        assert!((9000..=10_500).contains(&peak), "{peak}");
        // First sample of the next second continues the sine: the table starts at zero.
        assert!(ulaw_to_linear(t[0]).unsigned_abs() < 100);
    }

    #[test]
    fn header_roundtrip_and_rejects() {
        let mut p = [0u8; 172];
        write_header(&mut p, true, 101, 65535, 0xDEAD_BEEF, 0x1234_5678);
        let h = parse_header(&p).unwrap();
        assert_eq!(
            h,
            Header {
                pt: 101,
                marker: true,
                seq: 65535,
                ts: 0xDEAD_BEEF,
                ssrc: 0x1234_5678
            }
        );
        assert_eq!(parse_header(&p[..11]), None);
        let mut v1 = p;
        v1[0] = 0x40;
        assert_eq!(parse_header(&v1), None);
        let mut csrc = p;
        csrc[0] = 0x8F; // 15 CSRCs = 72 bytes of header
        assert!(parse_header(&csrc[..80]).is_some());
        assert_eq!(parse_header(&csrc[..60]), None);
        let mut ext = p;
        ext[0] = 0x90;
        ext[14] = 0xFF;
        ext[15] = 0xFF;
        assert_eq!(parse_header(&ext), None, "extension longer than the packet");
    }

    #[test]
    fn dtmf_encoding() {
        assert_eq!(dtmf_event('5'), Some(5));
        assert_eq!(dtmf_event('*'), Some(10));
        assert_eq!(dtmf_event('#'), Some(11));
        assert_eq!(dtmf_event('d'), Some(15));
        assert_eq!(dtmf_event('x'), None);
        assert_eq!(dtmf_payload(11, true, 10, 480), [11, 0x8A, 0x01, 0xE0]);
        assert_eq!(dtmf_payload(1, false, 10, 160), [1, 0x0A, 0x00, 0xA0]);
    }

    fn hdr(seq: u16, ts: u32) -> Header {
        Header {
            pt: 0,
            marker: false,
            seq,
            ts,
            ssrc: 7,
        }
    }

    fn feed(seqs: &[u16]) -> RxTotals {
        let mut s = RxStream::default();
        let mut done = RxTotals::default();
        for (i, &q) in seqs.iter().enumerate() {
            s.on_packet(&hdr(q, u32::from(q) * 160), i as u32 * 160, true, &mut done);
        }
        s.flush(&mut done);
        done
    }

    #[test]
    fn loss_duplicates_reorder_and_wrap() {
        let t = feed(&[1, 2, 3, 4, 5]);
        assert_eq!(
            (t.packets, t.expected, t.unique, t.lost(), t.duplicates),
            (5, 5, 5, 0, 0)
        );
        let t = feed(&[1, 2, 5, 6]);
        assert_eq!((t.expected, t.lost(), t.gap_events), (6, 2, 1));
        let t = feed(&[1, 2, 2, 3, 1]);
        assert_eq!((t.packets, t.unique, t.duplicates, t.lost()), (5, 3, 2, 0));
        let t = feed(&[1, 3, 2, 4]);
        assert_eq!(
            (t.unique, t.lost(), t.reordered, t.gap_events),
            (4, 0, 1, 1)
        );
        let t = feed(&[65534, 65535, 0, 1]);
        assert_eq!((t.expected, t.lost()), (4, 0));
        let t = feed(&[10, 9, 8, 11]);
        assert_eq!((t.expected, t.unique, t.lost()), (4, 4, 0));
        // A jump far away is a new stream: both parts count on their own, nothing is "lost".
        let t = feed(&[1, 2, 30000, 30001]);
        assert_eq!((t.expected, t.lost()), (4, 0));
    }

    #[test]
    fn ssrc_change_starts_a_new_stream() {
        let mut s = RxStream::default();
        let mut done = RxTotals::default();
        s.on_packet(&hdr(100, 0), 0, true, &mut done);
        s.on_packet(&hdr(101, 160), 160, true, &mut done);
        let other = Header {
            ssrc: 8,
            ..hdr(5000, 99)
        };
        s.on_packet(&other, 320, true, &mut done);
        assert_eq!(done.unique, 2);
        s.flush(&mut done);
        assert_eq!((done.unique, done.expected, done.lost()), (3, 3, 0));
    }

    #[test]
    fn jitter_follows_rfc3550() {
        // Perfectly paced: zero.
        let mut s = RxStream::default();
        let mut done = RxTotals::default();
        for i in 0..100u32 {
            s.on_packet(&hdr(i as u16, i * 160), 1000 + i * 160, true, &mut done);
        }
        assert_eq!(s.jitter(), 0.0);
        // Every packet alternately 80 units (10 ms) late: |D| = 80 each time after the first;
        // J converges to 80.
        let mut s = RxStream::default();
        for i in 0..400u32 {
            let late = if i % 2 == 1 { 80 } else { 0 };
            s.on_packet(&hdr(i as u16, i * 160), i * 160 + late, true, &mut done);
        }
        assert!((s.jitter() - 80.0).abs() < 0.01, "{}", s.jitter());
        // One step: J = D/16 after one sample.
        let mut s = RxStream::default();
        s.on_packet(&hdr(0, 0), 0, true, &mut done);
        s.on_packet(&hdr(1, 160), 160 + 32, true, &mut done);
        assert_eq!(s.jitter(), 2.0);
        // Arrival clock wrapping doesn't matter.
        let mut s = RxStream::default();
        s.on_packet(&hdr(0, 0), u32::MAX - 10, true, &mut done);
        s.on_packet(
            &hdr(1, 160),
            (u32::MAX - 10).wrapping_add(160),
            true,
            &mut done,
        );
        assert_eq!(s.jitter(), 0.0);
        // Non-audio packets don't move it.
        s.on_packet(&hdr(2, 160), 5000, false, &mut done);
        assert_eq!(s.jitter(), 0.0);
    }
}
