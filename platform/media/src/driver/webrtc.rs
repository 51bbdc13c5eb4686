//! The worker's WebRTC port: one UDP socket for every browser leg of the worker, and the index
//! that finds a datagram's leg without asking each one — by the browser's address once ICE has
//! run, else by the ufrag in a STUN binding request's USERNAME.

use super::worker::RoomId;
use crate::leg::{WebRtcIdentity, stun_username};
use crate::room::MemberId;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use tokio::net::UdpSocket;

/// A leg's place: its room and its member id there.
pub(super) type Place = (RoomId, MemberId);

/// Characters ICE allows in credentials (RFC 8445 §5.3: ice-char).
const ICE_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) struct WebRtcPort {
    pub socket: UdpSocket,
    /// The host candidate put in answers (the bound address, or the advertised one).
    pub candidate: SocketAddr,
    pub identity: WebRtcIdentity,
    by_ufrag: HashMap<String, Place>,
    by_remote: HashMap<SocketAddr, Place>,
    seed: RandomState,
    counter: u64,
}

impl WebRtcPort {
    pub fn new(socket: UdpSocket, candidate: SocketAddr, identity: WebRtcIdentity) -> Self {
        WebRtcPort {
            socket,
            candidate,
            identity,
            by_ufrag: HashMap::new(),
            by_remote: HashMap::new(),
            seed: RandomState::new(),
            counter: 0,
        }
    }

    /// Fresh credentials: a ufrag unique on this port and a 24-character password, both from
    /// the process's random hasher keys (SipHash over a counter).
    pub fn credentials(&mut self) -> (String, String) {
        loop {
            self.counter += 1;
            let ufrag = format!("k{}", self.ice_string(8));
            let pwd = self.ice_string(24);
            if !self.by_ufrag.contains_key(&ufrag) {
                return (ufrag, pwd);
            }
        }
    }

    fn ice_string(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            self.counter += 1;
            let mut bits = self.seed.hash_one(self.counter);
            for _ in 0..10 {
                if out.len() == len {
                    break;
                }
                out.push(char::from(ICE_CHARS[(bits & 63) as usize]));
                bits >>= 6;
            }
        }
        out
    }

    pub fn register(&mut self, ufrag: String, place: Place) {
        self.by_ufrag.insert(ufrag, place);
    }

    /// The browser was answered from `remote`: later datagrams from there skip STUN parsing.
    /// (Rare: once per connection and network change, so the scan is fine.)
    pub fn latched(&mut self, place: Place, remote: SocketAddr) {
        self.by_remote.retain(|_, p| *p != place);
        self.by_remote.insert(remote, place);
    }

    /// Where a datagram from `source` goes.
    pub fn route(&self, source: SocketAddr, payload: &[u8]) -> Option<Place> {
        if let Some(place) = self.by_remote.get(&source) {
            return Some(*place);
        }
        self.by_ufrag.get(stun_username(payload)?).copied()
    }

    /// A leg moved rooms.
    pub fn moved(&mut self, from: Place, to: Place) {
        for place in self
            .by_ufrag
            .values_mut()
            .chain(self.by_remote.values_mut())
        {
            if *place == from {
                *place = to;
            }
        }
    }

    /// Legs gone with their room or removed: forget them.
    pub fn forget(&mut self, gone: impl Fn(&Place) -> bool) {
        self.by_ufrag.retain(|_, p| !gone(p));
        self.by_remote.retain(|_, p| !gone(p));
    }

    pub fn legs(&self) -> usize {
        self.by_ufrag.len()
    }
}
