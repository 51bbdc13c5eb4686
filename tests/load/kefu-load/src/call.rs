//! Signalling: one shared UDP SIP socket per worker, a receiver task that demultiplexes by
//! Call-ID, and a small task per call for the INVITE/ACK/BYE exchange (the call's media goes to
//! the worker's single media task).

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::media::{self, MediaCall};
use crate::sdp;
use crate::sip::{self, Dialog, Message, StartLine};

/// RFC 3261 T1, T2 and 64*T1.
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
const TIMER_B: Duration = Duration::from_secs(32);
/// Messages queued for one call before the receiver drops more (UDP semantics).
const CALL_QUEUE: usize = 16;

/// What every call of a worker needs.
pub struct Settings {
    pub target: SocketAddr,
    pub number: String,
    pub source_ip: IpAddr,
    pub hold: Duration,
    pub ring_timeout: Duration,
    pub dtmf: Vec<u8>,
    pub dtmf_after: Duration,
    /// Distinguishes runs (Call-IDs, tags, branches).
    pub run_id: u64,
}

/// Live counters shared by all workers (progress line, peaks).
#[derive(Default)]
pub struct Live {
    pub attempted: AtomicU64,
    pub active: AtomicU64,
    pub established: AtomicU64,
    pub answered: AtomicU64,
    pub failed: AtomicU64,
    pub peak_active: AtomicU64,
    pub peak_established: AtomicU64,
}

fn inc_peak(v: &AtomicU64, peak: &AtomicU64) {
    let now = v.fetch_add(1, Ordering::Relaxed) + 1;
    peak.fetch_max(now, Ordering::Relaxed);
}

/// One worker's call outcomes.
#[derive(Debug, Default, Clone)]
pub struct CallStats {
    pub answered: u64,
    pub failed: BTreeMap<String, u64>,
    /// INVITE → 200, microseconds.
    pub setup_us: Vec<u32>,
    pub ended_by_server: u64,
    pub bye_ok: u64,
    pub bye_failed: BTreeMap<String, u64>,
    pub invite_retransmits: u64,
    pub bye_retransmits: u64,
    pub sip_invalid: u64,
    pub sip_unmatched: u64,
    pub sip_send_errors: u64,
    pub server_requests: u64,
    /// Calls that got media in a provisional response (183 with SDP) before the answer.
    pub early_media: u64,
}

impl CallStats {
    pub fn merge(&mut self, o: CallStats) {
        self.answered += o.answered;
        for (k, v) in o.failed {
            *self.failed.entry(k).or_default() += v;
        }
        self.setup_us.extend(o.setup_us);
        self.ended_by_server += o.ended_by_server;
        self.bye_ok += o.bye_ok;
        for (k, v) in o.bye_failed {
            *self.bye_failed.entry(k).or_default() += v;
        }
        self.invite_retransmits += o.invite_retransmits;
        self.bye_retransmits += o.bye_retransmits;
        self.sip_invalid += o.sip_invalid;
        self.sip_unmatched += o.sip_unmatched;
        self.sip_send_errors += o.sip_send_errors;
        self.server_requests += o.server_requests;
        self.early_media += o.early_media;
    }
}

/// A worker's shared state.
pub struct Worker {
    pub settings: Arc<Settings>,
    pub live: Arc<Live>,
    pub sock: UdpSocket,
    pub local: SocketAddr,
    pub calls: Mutex<HashMap<String, mpsc::Sender<Message>>>,
    pub media: mpsc::UnboundedSender<media::Cmd>,
    pub stats: Mutex<CallStats>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not hide the figures: take the data as it is.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Worker {
    fn send(&self, msg: &str, to: SocketAddr) {
        if self.sock.try_send_to(msg.as_bytes(), to).is_err() {
            lock(&self.stats).sip_send_errors += 1;
        }
    }

    fn fail(&self, reason: impl Into<String>) {
        *lock(&self.stats).failed.entry(reason.into()).or_default() += 1;
        self.live.failed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Removes the call from the demultiplexer and the live counters however the task ends.
struct Registration<'a> {
    w: &'a Worker,
    call_id: String,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        lock(&self.w.calls).remove(&self.call_id);
        self.w.live.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Removes the call from the media engine when it ends.
struct InMedia<'a> {
    w: &'a Worker,
    id: u64,
}

impl Drop for InMedia<'_> {
    fn drop(&mut self) {
        let _ = self.w.media.send(media::Cmd::Remove(self.id));
        self.w.live.established.fetch_sub(1, Ordering::Relaxed);
    }
}

fn is_response_to(m: &Message, method: &str) -> bool {
    m.code().is_some() && m.cseq().is_some_and(|(_, meth)| meth == method)
}

/// Place one call: INVITE, wait for the answer, ACK, hold with media, BYE.
pub async fn call(w: Arc<Worker>, n: u64) {
    let s = &w.settings;
    inc_peak(&w.live.active, &w.live.peak_active);
    w.live.attempted.fetch_add(1, Ordering::Relaxed);
    let call_id = format!("{:x}-{n}@kefu-load", s.run_id);
    let (tx, mut rx) = mpsc::channel(CALL_QUEUE);
    lock(&w.calls).insert(call_id.clone(), tx);
    let _reg = Registration {
        w: &w,
        call_id: call_id.clone(),
    };

    let rtp = match UdpSocket::bind(SocketAddr::new(s.source_ip, 0)).await {
        Ok(r) => r,
        Err(_) => return w.fail("rtp-bind-error"),
    };
    let Ok(rtp_addr) = rtp.local_addr() else {
        return w.fail("rtp-bind-error");
    };
    let seed = s.run_id ^ n.wrapping_mul(0x9E37_79B9);
    let offer = sdp::offer(seed & 0xFFFF_FFFF, 1, rtp_addr);
    let mut rtp = Some(rtp);
    let mut media_guard: Option<InMedia<'_>> = None;
    let mut d = Dialog {
        local: w.local,
        call_id: call_id.clone(),
        from_uri: format!("sip:+1999{:07}@{}", n % 10_000_000, w.local),
        from_tag: format!("{:x}", media::mix(seed)),
        request_uri: format!("sip:{}@{}", s.number, s.target),
        to_tag: None,
        remote_target: None,
        route: Vec::new(),
    };
    let invite_branch = format!("z9hG4bK{:x}.{n}.i", s.run_id);
    let invite = d.invite(&invite_branch, &offer);
    let t0 = Instant::now();
    w.send(&invite, s.target);

    // INVITE client transaction.
    let mut retx_every = T1;
    let mut next_retx = t0 + T1;
    let mut provisional = false;
    let answer = loop {
        let wake = if provisional {
            t0 + s.ring_timeout
        } else {
            next_retx.min(t0 + TIMER_B)
        };
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { return w.fail("internal") };
                if !is_response_to(&m, "INVITE") {
                    continue;
                }
                let code = m.code().unwrap_or(0);
                if code < 200 {
                    provisional = true;
                    // Early media (183 with SDP): play and count it until the answer.
                    if code > 100
                        && media_guard.is_none()
                        && let Some(a) = sdp::parse_answer(&m.body)
                    {
                        media_guard = start_media(&w, n, &mut rtp, &a, None, seed);
                        lock(&w.stats).early_media += 1;
                    }
                } else if code < 300 {
                    break m;
                } else {
                    let to = m.header("to").unwrap_or("");
                    w.send(&d.ack_non_2xx(&invite_branch, to), s.target);
                    return w.fail(code.to_string());
                }
            }
            () = sleep_until(wake) => {
                let now = Instant::now();
                if provisional {
                    w.send(&d.cancel(&invite_branch), s.target);
                    return w.fail("no-answer-cancelled");
                }
                if now >= t0 + TIMER_B {
                    return w.fail("timeout");
                }
                w.send(&invite, s.target);
                lock(&w.stats).invite_retransmits += 1;
                retx_every *= 2;
                next_retx = now + retx_every;
            }
        }
    };
    let answered_at = Instant::now();
    let setup_us = u32::try_from(answered_at.duration_since(t0).as_micros()).unwrap_or(u32::MAX);
    d.learn_from_2xx(&answer);
    let hop = d.next_hop(s.target);
    let ack = d.ack_2xx(&format!("z9hG4bK{:x}.{n}.a", s.run_id));
    w.send(&ack, hop);

    let sdp_answer = sdp::parse_answer(&answer.body);
    let dtmf_at = answered_at + s.dtmf_after;
    match (&sdp_answer, &media_guard) {
        (Some(a), Some(_)) => {
            let _ = w
                .media
                .send(media::Cmd::Retarget(n, Some(a.remote), Some(dtmf_at)));
        }
        (Some(a), None) => media_guard = start_media(&w, n, &mut rtp, a, Some(dtmf_at), seed),
        // Early media goes on as the call's media.
        (None, Some(_)) => {
            let _ = w.media.send(media::Cmd::Retarget(n, None, Some(dtmf_at)));
        }
        (None, None) => {}
    }
    if media_guard.is_some() {
        {
            let mut st = lock(&w.stats);
            st.answered += 1;
            st.setup_us.push(setup_us);
        }
        w.live.answered.fetch_add(1, Ordering::Relaxed);
    } else {
        w.fail("200-without-usable-sdp");
    }

    // Established: hold, answering retransmitted 200s and the server's requests.
    let hold_end = if media_guard.is_some() {
        answered_at + s.hold
    } else {
        answered_at
    };
    loop {
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { return };
                match m.start {
                    StartLine::Request { ref method, .. } if method == "BYE" => {
                        lock(&w.stats).ended_by_server += 1;
                        return;
                    }
                    StartLine::Request { ref method, .. } if method == "INVITE" => {
                        reinvite(&w, &m, n, &offer);
                    }
                    _ if is_response_to(&m, "INVITE") && m.code().is_some_and(|c| (200..300).contains(&c)) => {
                        w.send(&ack, hop);
                    }
                    _ => {}
                }
            }
            () = sleep_until(hold_end) => break,
        }
    }

    // Hanging up: media stops with the BYE.
    drop(media_guard);
    // BYE non-INVITE client transaction: retransmit at T1 doubling up to T2, give up at 64*T1.
    let bye = d.bye(&format!("z9hG4bK{:x}.{n}.b", s.run_id), 2);
    let b0 = Instant::now();
    w.send(&bye, hop);
    let mut retx_every = T1;
    let mut next_retx = b0 + T1;
    loop {
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { return };
                if m.method() == Some("BYE") {
                    // The server hung up at the same moment: our BYE may get a 481; done either way.
                    lock(&w.stats).ended_by_server += 1;
                    return;
                }
                if is_response_to(&m, "INVITE") && m.code().is_some_and(|c| (200..300).contains(&c)) {
                    w.send(&ack, hop);
                    continue;
                }
                if !is_response_to(&m, "BYE") {
                    continue;
                }
                match m.code() {
                    Some(c) if (200..300).contains(&c) => {
                        lock(&w.stats).bye_ok += 1;
                        return;
                    }
                    Some(c) if c >= 300 => {
                        *lock(&w.stats).bye_failed.entry(c.to_string()).or_default() += 1;
                        return;
                    }
                    _ => {}
                }
            }
            () = sleep_until(next_retx.min(b0 + TIMER_B)) => {
                let now = Instant::now();
                if now >= b0 + TIMER_B {
                    *lock(&w.stats).bye_failed.entry("timeout".into()).or_default() += 1;
                    return;
                }
                w.send(&bye, hop);
                lock(&w.stats).bye_retransmits += 1;
                retx_every = (retx_every * 2).min(T2);
                next_retx = now + retx_every;
            }
        }
    }
}

/// Hand the call's RTP socket to the media engine (once). `dtmf_at: None` holds DTMF back
/// (early media: digits start after the answer).
fn start_media<'a>(
    w: &'a Worker,
    id: u64,
    rtp: &mut Option<UdpSocket>,
    a: &sdp::Answer,
    dtmf_at: Option<Instant>,
    seed: u64,
) -> Option<InMedia<'a>> {
    let sock = rtp.take()?;
    inc_peak(&w.live.established, &w.live.peak_established);
    let call = MediaCall {
        sock,
        remote: a.remote,
        audio_pt: a.audio_pt,
        dtmf_pt: a.dtmf_pt.unwrap_or(101),
        dtmf: w.settings.dtmf.clone(),
        dtmf_at,
        seed,
    };
    let _ = w.media.send(media::Cmd::Add(id, Box::new(call)));
    Some(InMedia { w, id })
}

/// Answer a re-INVITE with our (unchanged) offer and follow the stream if it moved.
fn reinvite(w: &Worker, req: &Message, id: u64, offer: &str) {
    let Some(from) = req.header("via").and_then(via_source) else {
        return;
    };
    let offer = offer.replacen(" 1 IN ", " 2 IN ", 1);
    let contact = format!("Contact: <sip:kefu-load@{}>\r\n", w.local);
    w.send(
        &sip::response_to(req, 200, "OK", &contact, Some(&offer)),
        from,
    );
    if let Some(a) = sdp::parse_answer(&req.body) {
        let _ = w.media.send(media::Cmd::Retarget(id, Some(a.remote), None));
    }
}

/// The sent-by address of a Via value when it is an IP literal (received/rport honoured).
fn via_source(via: &str) -> Option<SocketAddr> {
    let first = sip::split_list(via).into_iter().next()?;
    let mut parts = first.split(';');
    let sent_by = parts.next()?.split_whitespace().nth(1)?;
    let mut addr = sip::uri_socket_addr(&format!("sip:{sent_by}"))?;
    for p in parts {
        match p.trim().split_once('=') {
            Some(("received", v)) => {
                if let Ok(ip) = v.parse() {
                    addr.set_ip(ip);
                }
            }
            Some(("rport", v)) => {
                if let Ok(port) = v.parse() {
                    addr.set_port(port);
                }
            }
            _ => {}
        }
    }
    Some(addr)
}

/// Read the shared SIP socket forever: responses go to their call, the server's requests are
/// answered here (and BYE/re-INVITE also handed to their call).
pub async fn receiver(w: Arc<Worker>) {
    let mut buf = vec![0u8; sip::MAX_MESSAGE];
    loop {
        let (n, from) = match w.sock.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(_) => {
                // e.g. ICMP port unreachable reported on the socket: keep going.
                tokio::task::yield_now().await;
                continue;
            }
        };
        let Some(m) = Message::parse(&buf[..n]) else {
            lock(&w.stats).sip_invalid += 1;
            continue;
        };
        let Some(call_id) = m.call_id().map(str::to_string) else {
            lock(&w.stats).sip_invalid += 1;
            continue;
        };
        let tx = lock(&w.calls).get(&call_id).cloned();
        match &m.start {
            StartLine::Response { code, .. } => match tx {
                Some(tx) => {
                    let _ = tx.try_send(m);
                }
                None => {
                    lock(&w.stats).sip_unmatched += 1;
                    // A retransmitted failure for a call that's gone: ACK it statelessly so the
                    // server's transaction ends.
                    if *code >= 300
                        && is_response_to(&m, "INVITE")
                        && let Some(ack) = stateless_ack(&m)
                    {
                        w.send(&ack, from);
                    }
                }
            },
            StartLine::Request { method, .. } => {
                lock(&w.stats).server_requests += 1;
                let known = tx.is_some();
                let tag = format!("{:x}", media::mix(w.settings.run_id));
                let reply = |code: u16, reason: &str| {
                    let mut r = sip::response_to(&m, code, reason, "", None);
                    if let Some(to) = m.header("to") {
                        r = r.replacen(
                            &format!("To: {to}\r\n"),
                            &format!("To: {}\r\n", sip::with_to_tag(to, &tag)),
                            1,
                        );
                    }
                    r
                };
                match method.as_str() {
                    "ACK" => {}
                    "INVITE" if known => {
                        if let Some(tx) = tx {
                            let _ = tx.try_send(m);
                        }
                    }
                    "BYE" if known => {
                        w.send(&reply(200, "OK"), from);
                        if let Some(tx) = tx {
                            let _ = tx.try_send(m);
                        }
                    }
                    "OPTIONS" => w.send(&reply(200, "OK"), from),
                    "INFO" | "UPDATE" | "NOTIFY" | "CANCEL" | "PRACK" | "MESSAGE" if known => {
                        w.send(&reply(200, "OK"), from);
                    }
                    "INVITE" | "BYE" | "INFO" | "UPDATE" | "NOTIFY" | "CANCEL" | "PRACK"
                    | "MESSAGE" => {
                        w.send(&reply(481, "Call/Transaction Does Not Exist"), from);
                    }
                    _ => w.send(&reply(405, "Method Not Allowed"), from),
                }
            }
        }
    }
}

/// ACK a final failure response from its own headers (the To URI is our Request-URI).
fn stateless_ack(resp: &Message) -> Option<String> {
    let (num, _) = resp.cseq()?;
    let via = resp.header("via")?;
    let to = resp.header("to")?;
    let uri = sip::uri_of(to)?;
    Some(format!(
        "ACK {uri} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {num} ACK\r\nContent-Length: 0\r\n\r\n",
        resp.header("from")?,
        resp.call_id()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_source_honours_received_and_rport() {
        assert_eq!(
            via_source("SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx"),
            Some("127.0.0.1:5070".parse().unwrap())
        );
        assert_eq!(
            via_source(
                "SIP/2.0/UDP 10.0.0.1:5070;branch=z9;received=127.0.0.2;rport=6000, SIP/2.0/UDP 1.1.1.1"
            ),
            Some("127.0.0.2:6000".parse().unwrap())
        );
        assert_eq!(via_source("SIP/2.0/UDP host.example;branch=z9"), None);
        assert_eq!(via_source("garbage"), None);
    }

    #[test]
    fn stateless_ack_of_a_stray_failure() {
        let r = Message::parse(
            b"SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKq\r\nFrom: <sip:a@127.0.0.1>;tag=f\r\n\
              To: <sip:+15555550100@127.0.0.1:5060>;tag=t\r\nCall-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n",
        )
        .unwrap();
        let ack = stateless_ack(&r).unwrap();
        assert!(ack.starts_with("ACK sip:+15555550100@127.0.0.1:5060 SIP/2.0\r\n"));
        assert!(ack.contains("branch=z9hG4bKq\r\n"));
        assert!(ack.contains("CSeq: 1 ACK\r\n"));
        let no_via =
            Message::parse(b"SIP/2.0 486 Busy\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n").unwrap();
        assert!(stateless_ack(&no_via).is_none());
    }
}
