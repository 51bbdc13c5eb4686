//! The edge driver (tokio): UDP and TCP listeners that run every message through
//! [`crate::validate`] and the per-source [`crate::limits`], answer what they refuse themselves,
//! and hand what they accept to rsipstack (transactions, dialogs).
//!
//! Owns the sockets and the hand-off into rsipstack; it must never let an unvalidated inbound
//! message reach the stack, and it holds no call state (that belongs to the call actors that
//! consume [`IncomingRequest`]s). See `docs/decisions/0010-sip-edge-feeds-rsipstack.md` for how
//! the hand-off uses rsipstack's transport seams.

mod advertise;
mod config;
mod incoming;
mod intake;
mod rfc2543;
mod tcp;
mod udp;

use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::platform::CancellationToken;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::channel::ChannelConnection;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipAddr, SipConnection, TransportLayer};
use rsipstack::{EndpointBuilder, sip::Transport};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use advertise::{Advertiser, route_source};
pub use config::SipEdgeConfig;
pub use incoming::IncomingRequest;
pub use intake::EdgeStats;

use intake::Intake;

/// Why the edge could not start or a reply could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// Binding or reading a socket failed.
    #[error("SIP edge socket error: {0}")]
    Io(#[from] std::io::Error),
    /// rsipstack refused an operation.
    #[error("SIP stack error: {0}")]
    Stack(#[from] rsipstack::Error),
}

/// A running SIP edge. Dropping it stops its listeners and the stack.
pub struct SipEdge {
    endpoint: EndpointInnerRef,
    dialogs: Arc<DialogLayer>,
    requests: Option<mpsc::Receiver<IncomingRequest>>,
    udp_addr: SocketAddr,
    tcp_addr: SocketAddr,
    advertiser: Advertiser,
    stats: Arc<EdgeStats>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl SipEdge {
    /// Binds UDP and TCP on `config.listen` (TCP on the port UDP got when the port is 0) and
    /// starts serving.
    pub async fn start(config: SipEdgeConfig) -> Result<SipEdge, EdgeError> {
        let (udp_socket, tcp_listener) = config::bind(config.listen).await?;
        let udp_socket = Arc::new(udp_socket);
        let udp_addr = udp_socket.local_addr()?;
        let tcp_addr = tcp_listener.local_addr()?;
        let cancel = CancellationToken::new();
        let (advertiser, only_loopback) = Advertiser::new(udp_addr, config.external);
        if only_loopback && config.listen.ip().is_unspecified() {
            tracing::warn!(
                advertised = %advertiser.default_addr(),
                "SIP listens on every interface but only a loopback address is known: peers on \
                 other machines cannot reach the address put in Via/Contact; set `sip_advertise`"
            );
        }

        let transport_layer = TransportLayer::new(cancel.child_token());
        let send_only: Arc<dyn rsipstack::platform::net::UdpSocket> =
            Arc::new(udp::SendOnly(udp_socket.clone()));
        let udp_connection = UdpConnection::from_socket(
            send_only,
            Some(advertiser.default_addr()),
            Some(cancel.child_token()),
        )
        .await?;
        // Registered as the UDP listener so the stack sends through it and puts its address in
        // Via; its receive side never yields, because our reader owns the socket.
        transport_layer.add_transport(SipConnection::Udp(udp_connection.clone()));
        let endpoint = EndpointBuilder::new()
            .with_user_agent(&config.user_agent)
            .with_transport_layer(transport_layer)
            .with_cancel_token(cancel.clone())
            .with_allows(config.allow_methods())
            .with_inspector(Box::new(rfc2543::Rfc2543Shim))
            .build();
        let transactions = endpoint.incoming_transactions()?;
        let endpoint = endpoint.inner;

        // Accepted messages enter the stack through one in-memory channel connection: its
        // serve loop forwards our events to the transport layer unchanged.
        let (inject, injected) = mpsc::unbounded_channel();
        let (unused_tx, _unused_rx) = mpsc::unbounded_channel();
        let injector_addr = SipAddr {
            r#type: Some(Transport::Udp),
            addr: udp_addr.into(),
        };
        let injector = ChannelConnection::create_connection(
            injected,
            unused_tx,
            injector_addr,
            Some(cancel.child_token()),
        )
        .await?;
        endpoint
            .transport_layer
            .inner
            .serve_connection(SipConnection::Channel(injector));

        let stats = Arc::new(EdgeStats::default());
        let intake = Arc::new(Intake::new(&config, stats.clone(), inject));
        let (requests_tx, requests) = mpsc::channel(config.incoming_queue.max(1));
        let mut tasks = Vec::new();
        let serving = endpoint.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = serving.serve().await {
                tracing::warn!(error = %e, "SIP endpoint stopped");
            }
        }));
        tasks.push(tokio::spawn(udp::serve(
            udp_socket,
            udp_connection,
            intake.clone(),
            cancel.clone(),
        )));
        tasks.push(tokio::spawn(tcp::serve(
            tcp_listener,
            intake,
            config.clone(),
            cancel.clone(),
        )));
        tasks.push(tokio::spawn(incoming::dispatch(
            transactions,
            requests_tx,
            config.clone(),
            stats.clone(),
        )));
        tracing::info!(%udp_addr, %tcp_addr, "SIP edge listening");
        Ok(SipEdge {
            dialogs: Arc::new(DialogLayer::new(endpoint.clone())),
            endpoint,
            requests: Some(requests),
            udp_addr,
            tcp_addr,
            advertiser,
            stats,
            cancel,
            tasks,
        })
    }

    /// The stream of accepted requests that start a server transaction: INVITE, BYE, REGISTER
    /// (and any other allowed method). OPTIONS is answered by the edge. CANCEL and ACK never
    /// come here: the stack matches them to their INVITE transaction (read them with
    /// `transaction_mut().receive()`) or dialog, and answers a CANCEL that matches nothing with
    /// 481. Can be taken once.
    pub fn take_requests(&mut self) -> Option<mpsc::Receiver<IncomingRequest>> {
        self.requests.take()
    }

    /// The bound UDP address.
    pub fn udp_addr(&self) -> SocketAddr {
        self.udp_addr
    }

    /// The bound TCP address.
    pub fn tcp_addr(&self) -> SocketAddr {
        self.tcp_addr
    }

    /// How the edge names itself to peers (Via, Contact; SDP by its users).
    pub fn advertiser(&self) -> Advertiser {
        self.advertiser
    }

    /// rsipstack's dialog layer on this edge: UAS dialogs for incoming INVITEs
    /// (`get_or_create_server_invite`) and UAC INVITEs with digest auth (`do_invite`).
    pub fn dialogs(&self) -> &Arc<DialogLayer> {
        &self.dialogs
    }

    /// rsipstack's endpoint (client transactions for requests outside dialogs).
    pub fn endpoint(&self) -> &EndpointInnerRef {
        &self.endpoint
    }

    /// Carrier registration through this edge's transactions (see [`crate::registration`]).
    pub fn registrar(&self) -> crate::registration::Registrar {
        crate::registration::Registrar::new(self.endpoint.clone())
    }

    /// Counters of what the edge did with the messages it received.
    pub fn stats(&self) -> &EdgeStats {
        &self.stats
    }

    /// Stops the listeners and the stack.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}

impl Drop for SipEdge {
    fn drop(&mut self) {
        self.cancel.cancel();
        for task in &self.tasks {
            task.abort();
        }
    }
}
