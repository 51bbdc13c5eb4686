//! Which of our addresses a peer can reach, for Via, Contact and SDP. An edge listening on a
//! wildcard (`0.0.0.0`) has no single address of its own: the right one is the one the peer
//! reached us at, which on a host with several networks differs from peer to peer.
//!
//! Owns that choice only. It never sends a packet: a route lookup connects a UDP socket, which
//! asks the kernel's routing table for the source address it would use and transmits nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Addresses that are never assigned (RFC 5737 TEST-NET-1, RFC 3849): the route to them is
/// the default route, so its source is the address the wider network knows us by.
const DOCUMENTATION_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const DOCUMENTATION_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

/// How the edge names itself to peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advertiser {
    /// Configured, or the specific address the edge listens on: used for every peer.
    fixed: Option<IpAddr>,
    /// When nothing better is known (no route to the peer).
    fallback: IpAddr,
    /// The advertised port.
    port: u16,
}

impl Advertiser {
    /// For an edge bound to `bound` that was told to advertise `configured` (an address, and a
    /// port unless 0). Returns it and whether only loopback is known (worth a warning: peers
    /// on other machines cannot reach us at it).
    pub(crate) fn new(bound: SocketAddr, configured: Option<SocketAddr>) -> (Advertiser, bool) {
        let port = match configured {
            Some(c) if c.port() != 0 => c.port(),
            _ => bound.port(),
        };
        let fixed = match configured {
            Some(c) if !c.ip().is_unspecified() => Some(c.ip()),
            _ if !bound.ip().is_unspecified() => Some(bound.ip()),
            _ => None,
        };
        let fallback = fixed.unwrap_or_else(|| default_route_source(bound.ip()));
        let only_loopback = fallback.is_loopback();
        (
            Advertiser {
                fixed,
                fallback,
                port,
            },
            only_loopback,
        )
    }

    /// The address for requests the edge starts itself (Via), and for peers with no route.
    pub fn default_addr(&self) -> SocketAddr {
        SocketAddr::new(self.fallback, self.port)
    }

    /// Our address as `peer` should see it (Contact of a dialog with it, SDP towards it).
    pub fn toward(&self, peer: IpAddr) -> SocketAddr {
        let ip = self
            .fixed
            .or_else(|| route_source(peer))
            .unwrap_or(self.fallback);
        SocketAddr::new(ip, self.port)
    }

    /// Whether every peer gets the same address (configured or a specific listen address).
    pub fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }
}

/// The source address the kernel would use to reach `peer`; `None` without a route.
pub fn route_source(peer: IpAddr) -> Option<IpAddr> {
    let any: IpAddr = match peer {
        IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let socket = std::net::UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
    // Port 9 (discard); nothing is sent, connect only fixes the route.
    socket.connect(SocketAddr::new(peer, 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

/// The default route's source address of `listen`'s family, else loopback.
fn default_route_source(listen: IpAddr) -> IpAddr {
    match listen {
        IpAddr::V4(_) => {
            route_source(IpAddr::V4(DOCUMENTATION_V4)).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        }
        IpAddr::V6(_) => {
            route_source(IpAddr::V6(DOCUMENTATION_V6)).unwrap_or(IpAddr::V6(Ipv6Addr::LOCALHOST))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("address")
    }

    #[test]
    fn a_configured_or_specific_address_is_used_for_everyone() {
        let (a, _) = Advertiser::new(addr("0.0.0.0:5060"), Some(addr("203.0.113.7:0")));
        assert_eq!(
            a.toward("127.0.0.1".parse().expect("ip")),
            addr("203.0.113.7:5060")
        );
        assert_eq!(a.default_addr(), addr("203.0.113.7:5060"));
        let (a, _) = Advertiser::new(addr("0.0.0.0:5060"), Some(addr("203.0.113.7:5070")));
        assert_eq!(a.default_addr(), addr("203.0.113.7:5070"));
        let (a, loopback) = Advertiser::new(addr("127.0.0.1:5080"), None);
        assert!(a.is_fixed() && loopback);
        assert_eq!(
            a.toward("192.0.2.9".parse().expect("ip")),
            addr("127.0.0.1:5080")
        );
    }

    #[test]
    fn on_a_wildcard_each_peer_gets_the_address_that_reaches_it() {
        let (a, _) = Advertiser::new(addr("0.0.0.0:5060"), None);
        assert!(!a.is_fixed());
        // A caller on this machine is answered on loopback, whatever the default route is.
        assert_eq!(
            a.toward("127.0.0.1".parse().expect("ip")),
            addr("127.0.0.1:5060")
        );
        assert_eq!(a.toward("127.0.0.9".parse().expect("ip")).port(), 5060);
        assert!(!a.default_addr().ip().is_unspecified());
    }
}
