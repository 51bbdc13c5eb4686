//! The TCP side: accepts connections (bounded), frames each stream with
//! [`crate::validate::frame_stream`], judges every message, and injects accepted ones into
//! rsipstack with a connection rsipstack can write responses and in-dialog requests to.
//!
//! The read half stays here; rsipstack only ever holds the write half, so it can never read
//! unvalidated bytes. A message without Content-Length can only end at end of stream: the
//! connection is read until the peer half-closes (or the size cap / idle timeout), and the rest
//! is judged by datagram rules. Framing errors are answered, then the connection is closed.
//!
//! Two clocks bound what a peer holds: the idle timeout (nothing received at all, between
//! messages) and the message timeout (a message begun must be complete in time, however its
//! bytes trickle in), so a slow sender cannot keep a connection by sending a byte now and then.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::platform::CancellationToken;
use rsipstack::sip::Transport;
use rsipstack::transport::stream::StreamConnectionInner;
use rsipstack::transport::tcp::TcpConnection;
use rsipstack::transport::{SipAddr, SipConnection, TransportEvent};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::SipEdgeConfig;
use super::intake::{Action, Intake};
use crate::validate::{StreamFrame, TransportKind, frame_stream};

/// Open connections per source IP; an entry lives only while its connections do, so the map
/// never holds more than `max_tcp_connections` entries.
#[derive(Default)]
struct PerSource(Mutex<HashMap<IpAddr, usize>>);

impl PerSource {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<SourceSlot> {
        let mut open = self.0.lock().ok()?;
        let count = open.entry(ip).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(SourceSlot {
            table: self.clone(),
            ip,
        })
    }
}

struct SourceSlot {
    table: Arc<PerSource>,
    ip: IpAddr,
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.table.0.lock()
            && let Some(count) = open.get_mut(&self.ip)
        {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    intake: Arc<Intake>,
    config: SipEdgeConfig,
    cancel: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(config.max_tcp_connections.max(1)));
    let per_source = Arc::new(PerSource::default());
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::debug!(error = %e, "TCP accept failed");
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many TCP connections; closing the new one");
            continue;
        };
        let Some(source_slot) =
            per_source.enter(peer.ip(), config.max_tcp_connections_per_source.max(1))
        else {
            tracing::warn!(%peer, "too many TCP connections from this source; closing the new one");
            continue;
        };
        let intake = intake.clone();
        let cancel = cancel.child_token();
        let clocks = Clocks {
            idle: config.tcp_idle_timeout,
            message: config.tcp_message_timeout,
        };
        tokio::spawn(async move {
            connection(stream, peer, intake, clocks, cancel).await;
            drop((slot, source_slot));
        });
    }
}

/// How long a connection may wait for bytes.
#[derive(Debug, Clone, Copy)]
struct Clocks {
    idle: Duration,
    message: Duration,
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    intake: Arc<Intake>,
    clocks: Clocks,
    cancel: CancellationToken,
) {
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let sip_addr = |addr: SocketAddr| SipAddr {
        r#type: Some(Transport::Tcp),
        addr: addr.into(),
    };
    let (read_half, write_half) = tokio::io::split(stream);
    let inner = StreamConnectionInner::new(sip_addr(local), sip_addr(peer), read_half, write_half);
    let Some(mut reader) = inner.read_half.lock().await.take() else {
        return;
    };
    // The stack gets a connection whose read half is gone: it can only write.
    let flow = cancel.child_token();
    let writer = TcpConnection {
        inner: Arc::new(inner),
        cancel_token: Some(flow.clone()),
    };
    let limits = intake.validation().limits;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 4096];
    // When the message now in `buf` began (None between messages).
    let mut message_began: Option<Instant> = None;
    'read: loop {
        loop {
            match frame_stream(&buf, &limits) {
                StreamFrame::Incomplete | StreamFrame::UntilEof => break,
                StreamFrame::Ping(n) => {
                    let _ = writer.inner.send_raw(b"\r\n").await;
                    buf.drain(..n);
                }
                StreamFrame::Skip(n) => {
                    buf.drain(..n);
                }
                StreamFrame::Message(n) => {
                    act(&intake, &writer, &buf[..n], peer, TransportKind::Tcp).await;
                    buf.drain(..n);
                }
                StreamFrame::Unframeable => {
                    act(&intake, &writer, &buf, peer, TransportKind::Udp).await;
                    let _ = writer.inner.close().await;
                    break 'read;
                }
            }
        }
        if buf.len() > limits.max_message_bytes {
            // A head without Content-Length that keeps growing: judge it and stop.
            act(&intake, &writer, &buf, peer, TransportKind::Udp).await;
            let _ = writer.inner.close().await;
            break;
        }
        let pending = buf.iter().any(|b| !b.is_ascii_whitespace());
        let deadline = if pending {
            let began = *message_began.get_or_insert_with(Instant::now);
            began + clocks.message
        } else {
            message_began = None;
            Instant::now() + clocks.idle
        };
        let read = tokio::select! {
            () = cancel.cancelled() => break,
            read = tokio::time::timeout_at(deadline, reader.read(&mut chunk)) => read,
        };
        match read {
            Ok(Ok(0)) => {
                // End of stream: whatever is left is one last message framed by the EOF.
                if buf.iter().any(|b| !b.is_ascii_whitespace()) {
                    act(&intake, &writer, &buf, peer, TransportKind::Udp).await;
                }
                break;
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "TCP read failed");
                break;
            }
            Err(_) if pending => {
                tracing::debug!(%peer, "TCP message incomplete in time; closing");
                let _ = writer.inner.close().await;
                break;
            }
            Err(_) => {
                tracing::debug!(%peer, "TCP connection idle; closing");
                let _ = writer.inner.close().await;
                break;
            }
        }
    }
    // The flow is over for new requests; transactions still holding the writer may answer on
    // the half-closed connection until they finish.
    flow.cancel();
}

async fn act(
    intake: &Intake,
    writer: &TcpConnection,
    bytes: &[u8],
    peer: SocketAddr,
    rules: TransportKind,
) {
    match intake.judge(bytes, peer, rules) {
        Action::Send(response) => {
            if let Err(e) = writer.inner.send_raw(&response).await {
                tracing::debug!(%peer, error = %e, "TCP send failed");
            }
        }
        Action::Deliver(message) => {
            match SipConnection::update_msg_received(message, peer, Transport::Tcp) {
                Ok(message) => {
                    let from = SipAddr {
                        r#type: Some(Transport::Tcp),
                        addr: peer.into(),
                    };
                    intake.inject(TransportEvent::Incoming(
                        message,
                        SipConnection::Tcp(writer.clone()),
                        from,
                    ));
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "Via could not be marked with the source")
                }
            }
        }
        Action::Nothing => {}
    }
}
