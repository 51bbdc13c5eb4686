//! Server transactions coming out of rsipstack: OPTIONS is answered here (200 with Allow,
//! Accept, Supported); every other request goes to the edge's consumer as an
//! [`IncomingRequest`], or gets 503 when the consumer's queue is full.
//!
//! Owns no call state and never blocks on the consumer.

use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::sip::headers::{Accept, Allow, Supported};
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, Method, Request, StatusCode};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipConnection;
use tokio::sync::mpsc;

use super::{EdgeError, EdgeStats, SipEdgeConfig};
use crate::validate::TransportKind;

/// A validated request the edge's consumer must answer (or turn into a dialog).
pub struct IncomingRequest {
    source: SocketAddr,
    transport: TransportKind,
    transaction: Transaction,
}

impl std::fmt::Debug for IncomingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingRequest")
            .field("method", &self.method())
            .field("source", &self.source)
            .field("transport", &self.transport)
            .finish()
    }
}

impl IncomingRequest {
    /// The address the request came from (packet source / TCP peer).
    pub fn source(&self) -> SocketAddr {
        self.source
    }

    /// The transport it came on.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.transaction.original.method
    }

    /// The request, in rsip's model.
    pub fn request(&self) -> &Request {
        &self.transaction.original
    }

    /// Answers with a status and no extra headers.
    pub async fn reply(&mut self, status: StatusCode) -> Result<(), EdgeError> {
        Ok(self.transaction.reply(status).await?)
    }

    /// Answers with a status, extra headers and an optional body.
    pub async fn reply_with(
        &mut self,
        status: StatusCode,
        headers: Vec<Header>,
        body: Option<Vec<u8>>,
    ) -> Result<(), EdgeError> {
        Ok(self.transaction.reply_with(status, headers, body).await?)
    }

    /// The rsipstack server transaction, e.g. for `DialogLayer::get_or_create_server_invite`
    /// or to receive the CANCEL/ACK of an INVITE.
    pub fn transaction_mut(&mut self) -> &mut Transaction {
        &mut self.transaction
    }

    /// Gives up the wrapper and keeps the transaction.
    pub fn into_transaction(self) -> Transaction {
        self.transaction
    }
}

/// Where a request came from: the TCP peer, or for UDP the top Via as the transport marked it
/// (`received`/`rport` whenever the sent-by differs from the packet's source).
fn source_of(transaction: &Transaction) -> Option<(SocketAddr, TransportKind)> {
    match transaction.connection.as_ref()? {
        SipConnection::Tcp(tcp) => Some((
            tcp.inner.remote_addr.get_socketaddr().ok()?,
            TransportKind::Tcp,
        )),
        SipConnection::Udp(_) => {
            let via = transaction.original.via_header().ok()?.typed().ok()?;
            let ip = match via.received() {
                Some(received) => received.ok()?,
                None => match via.uri.host_with_port.host {
                    rsipstack::sip::Host::IpAddr(ip) => ip,
                    rsipstack::sip::Host::Domain(_) => return None,
                },
            };
            let port = match via.rport() {
                Some(Some(port)) => port,
                _ => via
                    .uri
                    .host_with_port
                    .port
                    .map_or(5060, |p| p.value().to_owned()),
            };
            Some((SocketAddr::new(ip, port), TransportKind::Udp))
        }
        _ => None,
    }
}

pub(crate) async fn dispatch(
    mut transactions: TransactionReceiver,
    requests: mpsc::Sender<IncomingRequest>,
    config: SipEdgeConfig,
    stats: Arc<EdgeStats>,
) {
    let policy = config.validation.policy;
    while let Some(mut transaction) = transactions.recv().await {
        if transaction.original.method == Method::Options {
            let headers = vec![
                Header::Allow(Allow::new(policy.allow.join(", "))),
                Header::Accept(Accept::new(policy.accept.join(", "))),
                Header::Supported(Supported::new(policy.supported.join(", "))),
            ];
            if let Err(e) = transaction.reply_with(StatusCode::OK, headers, None).await {
                tracing::debug!(error = %e, "OPTIONS answer failed");
            }
            continue;
        }
        let Some((source, transport)) = source_of(&transaction) else {
            tracing::warn!(method = %transaction.original.method, "request without a known source; refused");
            let _ = transaction.reply(StatusCode::ServerInternalError).await;
            continue;
        };
        match requests.try_send(IncomingRequest {
            source,
            transport,
            transaction,
        }) {
            Ok(()) => {}
            Err(
                mpsc::error::TrySendError::Full(mut request)
                | mpsc::error::TrySendError::Closed(mut request),
            ) => {
                stats.overloaded();
                let retry = Header::RetryAfter(rsipstack::sip::headers::RetryAfter::new("5"));
                let _ = request
                    .transaction
                    .reply_with(StatusCode::ServiceUnavailable, vec![retry], None)
                    .await;
            }
        }
    }
}
