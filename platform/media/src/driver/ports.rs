//! RTP port allocation: even ports for RTP with the odd port above for RTCP, from a
//! configured range, released when the sockets are dropped.

use super::DriverError;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};

/// An inclusive range of local ports; RTP takes the even ones, RTCP the odd one above each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    /// A range whose first port is even, above 1023, and that holds at least one pair.
    pub fn new(first: u16, last: u16) -> Result<Self, DriverError> {
        if !first.is_multiple_of(2) || first < 1_024 || last <= first {
            return Err(DriverError::PortRange { first, last });
        }
        Ok(PortRange { first, last })
    }

    /// Number of RTP/RTCP pairs the range holds.
    pub fn pairs(&self) -> usize {
        usize::from(self.last - self.first).div_ceil(2)
    }

    fn candidates(&self) -> impl Iterator<Item = u16> + use<> {
        let last = self.last;
        (self.first..last).step_by(2)
    }
}

#[derive(Debug)]
struct PoolState {
    range: PortRange,
    next: u16,
    in_use: BTreeSet<u16>,
}

/// Hands out RTP/RTCP socket pairs from a [`PortRange`]. Cheap to clone; clones share the pool.
#[derive(Debug, Clone)]
pub struct PortPool {
    ip: IpAddr,
    state: Arc<Mutex<PoolState>>,
}

/// A bound RTP/RTCP socket pair; its ports return to the pool when it is dropped.
#[derive(Debug)]
pub struct RtpSocketPair {
    /// The even (RTP) socket, non-blocking.
    pub rtp: UdpSocket,
    /// The odd (RTCP) socket, non-blocking.
    pub rtcp: UdpSocket,
    lease: PortLease,
}

impl RtpSocketPair {
    /// The RTP port.
    pub fn port(&self) -> u16 {
        self.lease.port
    }

    /// Splits the pair into its sockets and the lease that keeps the ports reserved.
    pub fn into_parts(self) -> (UdpSocket, UdpSocket, PortLease) {
        (self.rtp, self.rtcp, self.lease)
    }
}

/// Keeps an RTP/RTCP port pair reserved until dropped.
#[derive(Debug)]
pub struct PortLease {
    port: u16,
    state: Arc<Mutex<PoolState>>,
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_use
            .remove(&self.port);
    }
}

impl PortPool {
    /// A pool binding on `ip`.
    pub fn new(ip: IpAddr, range: PortRange) -> Self {
        PortPool {
            ip,
            state: Arc::new(Mutex::new(PoolState {
                range,
                next: range.first,
                in_use: BTreeSet::new(),
            })),
        }
    }

    /// Pairs currently handed out.
    pub fn in_use(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_use
            .len()
    }

    /// Binds the next free pair, skipping ports another process holds; fails when every pair of
    /// the range is taken.
    pub fn allocate(&self) -> Result<RtpSocketPair, DriverError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let range = state.range;
        let start = state.next;
        let ordered = range
            .candidates()
            .filter(|&p| p >= start)
            .chain(range.candidates().filter(|&p| p < start));
        let mut chosen = None;
        for port in ordered {
            if state.in_use.contains(&port) {
                continue;
            }
            if let Ok(pair) = self.bind_pair(port) {
                chosen = Some((port, pair));
                break;
            }
        }
        let Some((port, (rtp, rtcp))) = chosen else {
            return Err(DriverError::PortsExhausted {
                first: range.first,
                last: range.last,
            });
        };
        state.in_use.insert(port);
        state.next = port
            .checked_add(2)
            .filter(|&p| p < range.last)
            .unwrap_or(range.first);
        drop(state);
        Ok(RtpSocketPair {
            rtp,
            rtcp,
            lease: PortLease {
                port,
                state: self.state.clone(),
            },
        })
    }

    fn bind_pair(&self, port: u16) -> std::io::Result<(UdpSocket, UdpSocket)> {
        let rtp = UdpSocket::bind(SocketAddr::new(self.ip, port))?;
        let rtcp = UdpSocket::bind(SocketAddr::new(self.ip, port + 1))?;
        rtp.set_nonblocking(true)?;
        rtcp.set_nonblocking(true)?;
        Ok((rtp, rtcp))
    }
}
