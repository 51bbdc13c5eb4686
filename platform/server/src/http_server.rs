//! The HTTP listener: accepts TCP connections and serves the router on each with hyper
//! (HTTP/1.1 and HTTP/2, upgrades kept), bounding what one client can hold: a request head
//! must arrive within the header-read timeout, a connection with no byte read or written for
//! the idle timeout is closed, and one source may hold only so many connections at once.
//!
//! Owns the accept loop, the per-source connection counts and graceful shutdown. It must never
//! wait on a client inside the accept loop (one slow peer would stall every other), and it
//! holds no request state: handlers see each request with the peer's address as
//! `ConnectInfo<SocketAddr>`, as with `axum::serve`.
//!
//! Why not `axum::serve`: it sets no hyper timer, so no header-read timeout applies, and it
//! has no idle timeout or per-source cap; a client that sends half a request head and stops
//! holds its descriptor for ever.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt;

/// What one client may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request head (request line and headers) must be complete this long after the
    /// connection starts waiting for it — also the longest an HTTP/1 connection stays open
    /// between requests.
    pub header_read_timeout: Duration,
    /// A connection with no byte read or written for this long is closed (a stalled body, a
    /// client that stops reading its response). Longer than any handler may take.
    pub idle_timeout: Duration,
    /// Connections open at once from one source: an IPv4 address, or an IPv6 /64 (one host
    /// usually has a whole /64). The next one is closed on accept.
    pub max_per_source: usize,
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets
/// requests in flight finish and returns once every connection has closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (closed_tx, closed_rx) = watch::channel(());
    let sources = Arc::new(PerSource::default());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let Some(slot) = sources.enter(peer.ip(), limits.max_per_source) else {
            // Dropped unanswered: an answer would cost what the cap is there to save.
            metrics::counter!("kefu_http_connections_refused_total").increment(1);
            tracing::debug!(%peer, "too many HTTP connections from this source; closing the new one");
            continue;
        };
        let activity = Arc::new(Activity::new());
        let io = Tracked {
            io: stream,
            activity: activity.clone(),
            _slot: slot,
        };
        tokio::spawn(connection(
            io,
            peer,
            router.clone(),
            limits,
            activity,
            stop_rx.clone(),
            closed_rx.clone(),
        ));
    }
    drop(listener);
    tracing::debug!("HTTP listener closed; waiting for open connections");
    let _ = stop_tx.send(true);
    drop(closed_rx);
    closed_tx.closed().await;
}

/// Accept fails for the whole listener (no descriptors left) or for one connection that was
/// reset before we took it. Only the first kind is worth a pause: retrying at once would spin.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "accepting an HTTP connection failed; pausing 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn connection(
    io: Tracked,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    activity: Arc<Activity>,
    mut stop: watch::Receiver<bool>,
    closed: watch::Receiver<()>,
) {
    let service = router.map_request(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req.map(axum::body::Body::new)
    });
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // The CONNECT protocol carries WebSockets over HTTP/2 (as axum::serve enables it).
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol();
    let conn =
        builder.serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service));
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    loop {
        // Before its first byte a connection is still waiting for a request head: hyper's
        // header timer starts only once bytes arrive (the protocol is sniffed first), so the
        // header-read timeout is applied here until then.
        let limit = if activity.has_read() {
            limits.idle_timeout
        } else {
            limits.idle_timeout.min(limits.header_read_timeout)
        };
        let wait = limit.saturating_sub(activity.idle());
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
                }
                break;
            }
            () = tokio::time::sleep(wait) => {
                if activity.idle() >= limit {
                    metrics::counter!("kefu_http_connections_idle_closed_total").increment(1);
                    tracing::debug!(%peer, "HTTP connection idle; closing");
                    break;
                }
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
    // An upgraded connection (WebSocket) lives on in its handler, which owns the IO and with
    // it the source slot; the idle timeout no longer applies to it.
    drop(closed);
}

/// When a connection last moved a byte, as milliseconds since it opened.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
    read_any: AtomicBool,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            read_any: AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn read(&self) {
        self.read_any.store(true, Ordering::Relaxed);
        self.touch();
    }

    fn has_read(&self) -> bool {
        self.read_any.load(Ordering::Relaxed)
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// The connection's socket, noting every byte that moves, and holding its source slot until
/// the connection is gone (also after an upgrade).
struct Tracked {
    io: TcpStream,
    activity: Arc<Activity>,
    _slot: SourceSlot,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Open connections per source; an entry lives only while its connections do, so the map
/// never holds more entries than there are open connections.
#[derive(Default)]
struct PerSource(Mutex<HashMap<IpAddr, usize>>);

impl PerSource {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<SourceSlot> {
        let source = source_of(ip);
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(source).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(SourceSlot {
            table: self.clone(),
            source,
        })
    }
}

/// The unit a per-source cap counts: an IPv4 address (also when mapped into IPv6), or the /64
/// of an IPv6 address.
fn source_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

struct SourceSlot {
    table: Arc<PerSource>,
    source: IpAddr,
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        let mut open = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.source) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.source);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_addresses_or_ipv6_slash_64s() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(source_of(v4), v4);
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(source_of(mapped), v4);
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(source_of(a), source_of(b));
        assert_ne!(source_of(a), source_of(other));
    }

    #[test]
    fn a_source_holds_at_most_its_cap_and_slots_come_back() {
        let table = Arc::new(PerSource::default());
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let first = table.enter(ip, 2).expect("first");
        let second = table.enter(ip, 2).expect("second");
        assert!(table.enter(ip, 2).is_none(), "third refused");
        assert!(table.enter("198.51.100.2".parse().unwrap(), 2).is_some());
        drop(first);
        let third = table.enter(ip, 2).expect("room again");
        drop((second, third));
        assert!(
            table.0.lock().unwrap().is_empty(),
            "no entry outlives its connections"
        );
    }
}
