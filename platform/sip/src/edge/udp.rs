//! The UDP side: one reader owns the socket, judges each datagram, answers refusals itself and
//! injects accepted messages into rsipstack; rsipstack sends through [`SendOnly`].
//!
//! Never lets rsipstack read the socket (that would bypass validation).

use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::platform::CancellationToken;
use rsipstack::sip::Transport;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipAddr, SipConnection, TransportEvent};
use tokio::net::UdpSocket;

use super::intake::{Action, Intake};
use crate::validate::TransportKind;

/// The socket as rsipstack sees it: sending works, receiving waits forever.
pub(crate) struct SendOnly(pub(crate) Arc<UdpSocket>);

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for SendOnly {
    async fn recv_from(&self, _buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        std::future::pending().await
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        Ok(self.0.send_to(buf, addr).await?)
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.0.local_addr()?)
    }
}

pub(crate) async fn serve(
    socket: Arc<UdpSocket>,
    connection: UdpConnection,
    intake: Arc<Intake>,
    cancel: CancellationToken,
) {
    // One byte more than the cap, so an oversized datagram is seen as such, not truncated.
    let mut buf = vec![0u8; intake.validation().limits.max_message_bytes + 1];
    loop {
        let received = tokio::select! {
            () = cancel.cancelled() => return,
            received = socket.recv_from(&mut buf) => received,
        };
        let (len, source) = match received {
            Ok(received) => received,
            Err(e) => {
                // ICMP errors from earlier sends surface here; the socket stays usable.
                tracing::debug!(error = %e, "UDP receive error");
                continue;
            }
        };
        match intake.judge(&buf[..len], source, TransportKind::Udp) {
            Action::Send(bytes) => {
                if let Err(e) = socket.send_to(&bytes, source).await {
                    tracing::debug!(%source, error = %e, "UDP send failed");
                }
            }
            Action::Deliver(message) => {
                match SipConnection::update_msg_received(message, source, Transport::Udp) {
                    Ok(message) => {
                        let from = SipAddr {
                            r#type: Some(Transport::Udp),
                            addr: source.into(),
                        };
                        intake.inject(TransportEvent::Incoming(
                            message,
                            SipConnection::Udp(connection.clone()),
                            from,
                        ));
                    }
                    Err(e) => {
                        tracing::debug!(%source, error = %e, "Via could not be marked with the source")
                    }
                }
            }
            Action::Nothing => {}
        }
    }
}
