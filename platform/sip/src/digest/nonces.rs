//! The nonces of the edge's digest challenges: issuing them, checking they are ours and fresh,
//! and refusing a replayed answer. Owns the key and the table of used nonces; it never sees a
//! password or an HA1 (the store verifies responses) and never logs a nonce.
//!
//! A nonce is `<issued, seconds hex>.<sequence hex>.<HMAC-SHA256 of both, 16 bytes hex>` under
//! a key drawn at start-up: checking that it is ours and how old it is needs no state, and one
//! from before a restart, or forged, fails the MAC. The sequence makes every challenge's nonce
//! unique (two challenges in the same second must not share a nonce: each would count its
//! uses from 1).
//!
//! Replay protection needs state: the highest nonce-count (`nc`) accepted per nonce. The table
//! holds only nonces that carried a verified response (an unauthenticated sender cannot fill
//! it), forgets a nonce once it is too old to pass [`Nonces::check`] anyway, and at its
//! capacity refuses new nonces rather than grow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;

/// How long a nonce is accepted unless configured (`sip_digest_nonce_secs`).
pub const DEFAULT_NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Most nonces remembered at once unless configured: at the default lifetime, 600 freshly
/// challenged authenticated calls a second, sustained. About 40 bytes each.
pub const DEFAULT_USED_CAPACITY: usize = 200_000;
/// Clock skew tolerated for a nonce stamped in the future (another node's clock).
const FUTURE_SKEW_SECS: u64 = 5;
/// Bytes of the MAC kept in a nonce.
const MAC_LEN: usize = 16;

/// The key could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error(
    "the system random source failed while drawing the SIP digest nonce key; refusing to \
     start with a guessable key"
)]
pub struct NonceKeyError;

/// What a nonce turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    /// Ours and fresh.
    Fresh,
    /// Ours but too old (or stamped too far in the future): challenge again with `stale=true`.
    Stale,
    /// Not ours.
    Invalid,
}

/// How an answer counts its uses of a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCount {
    /// With `qop`: the client's `nc`, which must grow with every use.
    Counted(u32),
    /// Without `qop` there is no count: the nonce is good for one request.
    SingleUse,
}

impl NonceCount {
    fn value(self) -> u32 {
        match self {
            NonceCount::Counted(n) => n,
            // Above any count, so nothing can follow it.
            NonceCount::SingleUse => u32::MAX,
        }
    }
}

/// The outcome of recording a verified use of a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    /// First use of this count: accept.
    Accepted,
    /// The count is not above one already accepted: a replay.
    Replayed,
    /// The nonce went stale meanwhile.
    Stale,
    /// The table is full of live nonces.
    Full,
}

/// Issues and checks nonces; remembers their use.
pub struct Nonces {
    key: hmac::Key,
    lifetime_secs: u64,
    sequence: AtomicU64,
    used: Mutex<UsedNonces>,
}

struct UsedNonces {
    capacity: usize,
    /// MAC of the nonce → (issued, highest count accepted).
    entries: HashMap<[u8; MAC_LEN], (u64, u32)>,
    last_sweep: u64,
}

impl Nonces {
    /// Nonces fresh for `lifetime`, under a key drawn from the system random source.
    pub fn new(lifetime: Duration) -> Result<Nonces, NonceKeyError> {
        Nonces::with_random(lifetime, DEFAULT_USED_CAPACITY, |key| {
            aws_lc_rs::rand::fill(key).map_err(|_| NonceKeyError)
        })
    }

    /// As [`Nonces::new`], remembering at most `capacity` nonces and drawing the key with
    /// `fill`. A failing `fill` is an error: there is no fallback key (one derived from the
    /// clock could be guessed, and with it every nonce forged).
    pub fn with_random(
        lifetime: Duration,
        capacity: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), NonceKeyError>,
    ) -> Result<Nonces, NonceKeyError> {
        let mut key = [0u8; 32];
        fill(&mut key)?;
        Ok(Nonces {
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            lifetime_secs: lifetime.as_secs().max(1),
            sequence: AtomicU64::new(0),
            used: Mutex::new(UsedNonces {
                capacity,
                entries: HashMap::new(),
                last_sweep: 0,
            }),
        })
    }

    fn mac(&self, stamp: &str) -> [u8; MAC_LEN] {
        let tag = hmac::sign(&self.key, stamp.as_bytes());
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&tag.as_ref()[..MAC_LEN]);
        mac
    }

    /// A fresh nonce.
    pub fn issue(&self) -> String {
        self.issue_at(now_secs())
    }

    pub(super) fn issue_at(&self, secs: u64) -> String {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let stamp = format!("{secs:x}.{sequence:x}");
        let mac = hex::encode(self.mac(&stamp));
        format!("{stamp}.{mac}")
    }

    /// Whether `nonce` is one of ours and still fresh.
    pub fn check(&self, nonce: &str) -> NonceCheck {
        self.check_at(nonce, now_secs())
    }

    pub(super) fn check_at(&self, nonce: &str, now: u64) -> NonceCheck {
        match self.open(nonce) {
            Some((issued, _)) if self.expired(issued, now) => NonceCheck::Stale,
            Some(_) => NonceCheck::Fresh,
            None => NonceCheck::Invalid,
        }
    }

    /// The issue time and MAC of one of our nonces.
    fn open(&self, nonce: &str) -> Option<(u64, [u8; MAC_LEN])> {
        let (stamp, mac_hex) = nonce.rsplit_once('.')?;
        let (secs, sequence) = stamp.split_once('.')?;
        let hex_number = |s: &str| {
            (!s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u64::from_str_radix(s, 16).ok())
                .flatten()
        };
        let issued = hex_number(secs)?;
        hex_number(sequence)?;
        let mac = self.mac(stamp);
        let matches: bool = hex::encode(mac).as_bytes().ct_eq(mac_hex.as_bytes()).into();
        matches.then_some((issued, mac))
    }

    fn expired(&self, issued: u64, now: u64) -> bool {
        now.saturating_sub(issued) > self.lifetime_secs || issued > now + FUTURE_SKEW_SECS
    }

    /// Records a use of `nonce` by an answer whose response was verified. Accepts it only if
    /// its count is above every count accepted before for that nonce.
    pub fn record_use(&self, nonce: &str, count: NonceCount) -> NonceUse {
        self.record_use_at(nonce, count, now_secs())
    }

    pub(super) fn record_use_at(&self, nonce: &str, count: NonceCount, now: u64) -> NonceUse {
        let Some((issued, mac)) = self.open(nonce) else {
            return NonceUse::Stale;
        };
        // Checked again under the lock: the nonce may have aged since `check`, and a nonce
        // swept from the table must never be accepted as new.
        if self.expired(issued, now) {
            return NonceUse::Stale;
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, highest)) = used.entries.get_mut(&mac) {
            if count.value() <= *highest {
                return NonceUse::Replayed;
            }
            *highest = count.value();
            return NonceUse::Accepted;
        }
        let due = now >= used.last_sweep + self.lifetime_secs;
        if due || (used.entries.len() >= used.capacity && now > used.last_sweep) {
            used.entries
                .retain(|_, (issued, _)| !self.expired(*issued, now));
            used.last_sweep = now;
        }
        if used.entries.len() >= used.capacity {
            return NonceUse::Full;
        }
        used.entries.insert(mac, (issued, count.value()));
        NonceUse::Accepted
    }

    /// Nonces remembered now.
    pub fn remembered(&self) -> usize {
        self.used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entries
            .len()
    }

    /// The `WWW-Authenticate` value of a challenge in `realm` (the realm the stored HA1s
    /// were computed for).
    pub fn challenge(&self, realm: &str, stale: bool) -> String {
        let mut value = format!(
            "Digest realm=\"{realm}\", nonce=\"{}\", algorithm=MD5, qop=\"auth\"",
            self.issue()
        );
        if stale {
            value.push_str(", stale=true");
        }
        value
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
