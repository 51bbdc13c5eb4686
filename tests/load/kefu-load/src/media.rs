//! The media engine: ONE task per worker sends every established call's RTP and drains every
//! call's RTP socket. Calls are spread over four 5 ms sub-slots of the 20 ms packet interval so
//! the sends don't all land on the same millisecond. No per-call task, no per-call timer.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};

use crate::rtp::{self, RxStream, RxTotals, SAMPLES_PER_PACKET};

/// Sub-slots per 20 ms packet interval.
const SLOTS: usize = 4;
const SLOT_PERIOD: Duration = Duration::from_millis(5);
/// At most this many datagrams are read from one call's socket per drain (bounded work).
const MAX_DRAIN: usize = 64;
/// Audio packets between two DTMF digits (100 ms).
const DTMF_GAP_PACKETS: u8 = 5;
const DTMF_VOLUME: u8 = 10;

/// An established call handed to the engine.
pub struct MediaCall {
    pub sock: UdpSocket,
    pub remote: SocketAddr,
    /// 0 (PCMU) or 8 (PCMA).
    pub audio_pt: u8,
    pub dtmf_pt: u8,
    /// RFC 4733 event codes to send, in order.
    pub dtmf: Vec<u8>,
    /// When to start sending them (`None`: not yet, early media).
    pub dtmf_at: Option<Instant>,
    /// Seed for SSRC and initial sequence number/timestamp.
    pub seed: u64,
}

pub enum Cmd {
    Add(u64, Box<MediaCall>),
    /// The stream moved (answer after early media, re-INVITE) and/or DTMF got its start time.
    Retarget(u64, Option<SocketAddr>, Option<Instant>),
    Remove(u64),
    /// Flush everything and report.
    Stop(oneshot::Sender<Totals>),
}

/// What the engine did, summed over calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub sent: u64,
    pub dtmf_sent: u64,
    pub send_errors: u64,
    pub recv_errors: u64,
    pub rx: RxTotals,
    /// Send ticks that ran more than one period late (the engine fell behind).
    pub late_ticks: u64,
}

impl Totals {
    pub fn add(&mut self, o: &Totals) {
        self.sent += o.sent;
        self.dtmf_sent += o.dtmf_sent;
        self.send_errors += o.send_errors;
        self.recv_errors += o.recv_errors;
        self.rx.add(&o.rx);
        self.late_ticks += o.late_ticks;
    }
}

struct Slot {
    call: MediaCall,
    seq: u16,
    ts: u32,
    ssrc: u32,
    tone_pos: usize,
    first: bool,
    dtmf_idx: usize,
    dtmf_step: u8,
    dtmf_gap: u8,
    dtmf_ts: u32,
    rx: RxStream,
}

/// SplitMix64: spreads a seed into well-mixed bits (no rand crate needed).
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Slot {
    fn new(call: MediaCall) -> Slot {
        let r = mix(call.seed);
        Slot {
            seq: r as u16,
            ts: (r >> 16) as u32,
            ssrc: (r >> 32) as u32,
            call,
            tone_pos: 0,
            first: true,
            dtmf_idx: 0,
            dtmf_step: 0,
            dtmf_gap: 0,
            dtmf_ts: 0,
            rx: RxStream::default(),
        }
    }

    /// Build and send this call's packet for the current 20 ms.
    fn send(&mut self, now: Instant, buf: &mut [u8; 12 + 160], tones: &Tones, t: &mut Totals) {
        let mut len = rtp::HEADER_LEN + 160;
        let in_dtmf =
            self.dtmf_idx < self.call.dtmf.len() && self.call.dtmf_at.is_some_and(|at| now >= at);
        if in_dtmf && self.dtmf_gap == 0 {
            let step = self.dtmf_step;
            if step == 0 {
                self.dtmf_ts = self.ts;
            }
            let end = step >= 3;
            let duration = SAMPLES_PER_PACKET as u16 * u16::from(step.min(2) + 1);
            let ev = self.call.dtmf[self.dtmf_idx];
            rtp::write_header(
                &mut buf[..],
                step == 0,
                self.call.dtmf_pt,
                self.seq,
                self.dtmf_ts,
                self.ssrc,
            );
            buf[12..16].copy_from_slice(&rtp::dtmf_payload(ev, end, DTMF_VOLUME, duration));
            len = rtp::HEADER_LEN + 4;
            self.dtmf_step += 1;
            if self.dtmf_step == 6 {
                self.dtmf_step = 0;
                self.dtmf_idx += 1;
                self.dtmf_gap = DTMF_GAP_PACKETS;
            }
            t.dtmf_sent += 1;
        } else {
            if in_dtmf {
                self.dtmf_gap -= 1;
            }
            let table = if self.call.audio_pt == 8 {
                &tones.alaw
            } else {
                &tones.ulaw
            };
            rtp::write_header(
                &mut buf[..],
                self.first,
                self.call.audio_pt,
                self.seq,
                self.ts,
                self.ssrc,
            );
            buf[12..172].copy_from_slice(&table[self.tone_pos..self.tone_pos + 160]);
            self.tone_pos = (self.tone_pos + 160) % table.len();
            self.first = false;
        }
        match self.call.sock.try_send_to(&buf[..len], self.call.remote) {
            Ok(_) => t.sent += 1,
            Err(_) => t.send_errors += 1,
        }
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(SAMPLES_PER_PACKET);
    }

    /// Read what has arrived (no syscall when the socket isn't readable).
    fn drain(&mut self, arrival: u32, buf: &mut [u8], dtmf_pt: u8, t: &mut Totals) {
        for _ in 0..MAX_DRAIN {
            match self.call.sock.try_recv(buf) {
                Ok(n) => match rtp::parse_header(&buf[..n]) {
                    Some(h) => {
                        // Telephone-events hold their timestamp and comfort noise is sparse:
                        // jitter is measured on the audio packets only.
                        let audio = h.pt != dtmf_pt && h.pt != 101 && h.pt != 13;
                        self.rx.on_packet(&h, arrival, audio, &mut t.rx);
                    }
                    None => t.rx.invalid += 1,
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    t.recv_errors += 1;
                    break;
                }
            }
        }
    }
}

struct Tones {
    ulaw: Vec<u8>,
    alaw: Vec<u8>,
}

/// Run the engine until `Stop`. `rx_poll` is how often sockets are drained: arrival times (and
/// so jitter) are measured to that granularity.
pub async fn run(mut cmds: mpsc::UnboundedReceiver<Cmd>, rx_poll: Duration) {
    let tones = Tones {
        ulaw: rtp::tone_table(0),
        alaw: rtp::tone_table(8),
    };
    let epoch = Instant::now();
    let mut slab: Vec<Option<Slot>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut totals = Totals::default();
    let mut sbuf = [0u8; 12 + 160];
    let mut rbuf = vec![0u8; 2048];
    let mut send_tick = tokio::time::interval(SLOT_PERIOD);
    send_tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut rx_tick = tokio::time::interval(rx_poll);
    rx_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut slot_no = 0usize;
    let arrival_of = |now: Instant| -> u32 {
        // 8 kHz units since the engine started (wraps after ~6 days, harmlessly).
        (now.duration_since(epoch).as_micros() * 8 / 1000) as u32
    };
    loop {
        tokio::select! {
            biased;
            cmd = cmds.recv() => match cmd {
                Some(Cmd::Add(id, call)) => {
                    if index.is_empty() {
                        // The ticks were off while idle: restart them rather than burst.
                        send_tick.reset();
                        rx_tick.reset();
                    }
                    let s = Slot::new(*call);
                    let i = match free.pop() {
                        Some(i) => { slab[i] = Some(s); i }
                        None => { slab.push(Some(s)); slab.len() - 1 }
                    };
                    index.insert(id, i);
                }
                Some(Cmd::Retarget(id, remote, dtmf_at)) => {
                    if let Some(Some(s)) = index.get(&id).and_then(|&i| slab.get_mut(i)) {
                        if let Some(r) = remote {
                            s.call.remote = r;
                        }
                        if dtmf_at.is_some() {
                            s.call.dtmf_at = dtmf_at;
                        }
                    }
                }
                Some(Cmd::Remove(id)) => {
                    if let Some(i) = index.remove(&id)
                        && let Some(mut s) = slab.get_mut(i).and_then(Option::take)
                    {
                        let dpt = s.call.dtmf_pt;
                        s.drain(arrival_of(Instant::now()), &mut rbuf, dpt, &mut totals);
                        s.rx.flush(&mut totals.rx);
                        free.push(i);
                    }
                }
                Some(Cmd::Stop(reply)) => {
                    for mut s in slab.iter_mut().filter_map(Option::take) {
                        s.rx.flush(&mut totals.rx);
                    }
                    let _ = reply.send(totals);
                    return;
                }
                None => return,
            },
            // No calls, no ticks: an idle engine costs nothing.
            at = send_tick.tick(), if !index.is_empty() => {
                let now = Instant::now();
                if now.duration_since(at) > SLOT_PERIOD {
                    totals.late_ticks += 1;
                }
                slot_no = (slot_no + 1) % SLOTS;
                let mut i = slot_no;
                while i < slab.len() {
                    if let Some(s) = slab[i].as_mut() {
                        s.send(now, &mut sbuf, &tones, &mut totals);
                    }
                    i += SLOTS;
                }
            }
            _ = rx_tick.tick(), if !index.is_empty() => {
                let arrival = arrival_of(Instant::now());
                for s in slab.iter_mut().flatten() {
                    let dpt = s.call.dtmf_pt;
                    s.drain(arrival, &mut rbuf, dpt, &mut totals);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dtmf_digits_are_three_packets_and_three_end_packets_between_audio() {
        let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        // try_send_to needs the driver to have seen the socket writable once (as in a real call,
        // which has had an INVITE round trip by the time it has media).
        sock.writable().await.unwrap();
        let now = Instant::now();
        let mut slot = Slot::new(MediaCall {
            sock,
            remote: rx.local_addr().unwrap(),
            audio_pt: 0,
            dtmf_pt: 101,
            dtmf: vec![5, 11],
            dtmf_at: Some(now + Duration::from_millis(20)),
            seed: 1,
        });
        let tones = Tones {
            ulaw: rtp::tone_table(0),
            alaw: rtp::tone_table(8),
        };
        let mut t = Totals::default();
        let mut buf = [0u8; 172];
        // One audio packet before the digits are due, then 6 + 5 gap + 6 + 2 audio.
        slot.send(now, &mut buf, &tones, &mut t);
        for _ in 0..19 {
            slot.send(now + Duration::from_millis(40), &mut buf, &tones, &mut t);
        }
        assert_eq!((t.sent, t.dtmf_sent, t.send_errors), (20, 12, 0));
        let mut got = Vec::new();
        let mut r = [0u8; 2048];
        for _ in 0..20 {
            let n = rx.recv(&mut r).await.unwrap();
            got.push((rtp::parse_header(&r[..n]).unwrap(), r[..n].to_vec()));
        }
        let (first, p0) = &got[0];
        assert_eq!((first.pt, first.marker, p0.len()), (0, true, 172));
        for w in got.windows(2) {
            assert_eq!(w[1].0.seq, w[0].0.seq.wrapping_add(1));
            assert_eq!(w[1].0.ssrc, first.ssrc);
        }
        let digit = |from: usize, event: u8| {
            let ts = got[from].0.ts;
            assert_eq!(ts, first.ts.wrapping_add(160 * from as u32));
            for k in 0..6 {
                let (h, p) = &got[from + k];
                assert_eq!(
                    (h.pt, h.marker, h.ts, p.len()),
                    (101, k == 0, ts, 16),
                    "packet {k}"
                );
                let duration = u16::from_be_bytes([p[14], p[15]]);
                assert_eq!(p[12], event);
                assert_eq!(p[13] & 0x80 != 0, k >= 3, "end bit of packet {k}");
                assert_eq!(duration, [160, 320, 480, 480, 480, 480][k]);
            }
        };
        digit(1, 5);
        for (k, (h, _)) in got.iter().enumerate().take(12).skip(7) {
            assert_eq!(h.pt, 0, "gap packet {k}");
            assert_eq!(h.ts, first.ts.wrapping_add(160 * k as u32));
        }
        digit(12, 11);
        assert_eq!((got[18].0.pt, got[19].0.pt), (0, 0));
        assert!(!got[18].0.marker);
    }
}
