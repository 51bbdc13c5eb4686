//! Call legs: Kefu's interface to SIP dialogs, so call control never sees rsipstack.
//!
//! Owns the INVITE dialogs of calls — the caller's (an [`InboundLeg`], created from an
//! [`IncomingInvite`]) and those we place through a trunk ([`OutboundLeg`], from a
//! [`DialRequest`]) — and what happens inside them: ringing, answering, rejecting, BYE,
//! re-INVITE/UPDATE offers and our session refreshes. The API speaks Kefu's small types
//! (statuses as `u16`, [`HeaderField`]s, SDP as text built by [`crate::sdp`]); rsipstack's
//! dialog types stay inside this module.
//!
//! It decides nothing about a call: whether to ring, answer, refuse or refresh is the caller's
//! (the call machine's) decision. What it reads from an INVITE ([`InviteIntake`]) is pure and
//! tested from raw SIP text.
//!
//! # Use
//!
//! ```no_run
//! use kefu_sip::edge::SipEdge;
//! use kefu_sip::leg::{Incoming, Legs, status};
//!
//! # async fn serve(edge: &mut SipEdge) {
//! let legs = Legs::new(edge);
//! let mut requests = edge.take_requests().expect("taken once");
//! while let Some(request) = requests.recv().await {
//!     match Incoming::of(request) {
//!         Incoming::Invite(invite) if invite.intake().dialled != "100" => {
//!             let _ = invite.refuse(status::NOT_FOUND, Vec::new()).await;
//!         }
//!         Incoming::Invite(invite) => {
//!             let contact = edge.advertiser().toward(invite.source().ip());
//!             if let Ok((leg, _events)) = legs.accept(*invite, contact).await {
//!                 let _ = leg.reject(status::BUSY_HERE);
//!             }
//!         }
//!         Incoming::InDialog(request) => legs.dispatch(*request).await,
//!     }
//! }
//! # }
//! ```

mod events;
mod inbound;
mod intake;
mod outbound;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Header, Method, StatusCode};

use crate::edge::{IncomingRequest, SipEdge};

pub use events::{Ending, InDialogOffer, LegEvent, LegEvents, OfferKind};
pub use inbound::{InboundLeg, Refresh};
pub use intake::{
    Incoming, IncomingInvite, InviteIntake, MAX_AUTHORIZATION, MAX_TIMER_HEADER, TimerHeaders,
};
pub use outbound::{DialOutcome, DialRequest, DigestCredentials, OutboundLeg};

/// The SIP statuses call control sends, by name.
pub mod status {
    /// 400: a header we read is malformed.
    pub const BAD_REQUEST: u16 = 400;
    /// 401: a digest challenge follows.
    pub const UNAUTHORIZED: u16 = 401;
    /// 404: no such number.
    pub const NOT_FOUND: u16 = 404;
    /// 422: the session interval is below our minimum (RFC 4028).
    pub const SESSION_INTERVAL_TOO_SMALL: u16 = 422;
    /// 486: busy.
    pub const BUSY_HERE: u16 = 486;
    /// 488: no usable SDP offer.
    pub const NOT_ACCEPTABLE_HERE: u16 = 488;
    /// 500: our fault.
    pub const SERVER_INTERNAL_ERROR: u16 = 500;
    /// 503: no capacity (media, IVR).
    pub const SERVICE_UNAVAILABLE: u16 = 503;
}

/// A header Kefu adds to a response or request, as sent. `Content-Type` is never one: the leg
/// adds it with the SDP body it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    /// The header's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl HeaderField {
    /// Any header.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> HeaderField {
        HeaderField {
            name: name.into(),
            value: value.into(),
        }
    }

    /// `WWW-Authenticate` with a digest challenge (on a 401).
    pub fn www_authenticate(challenge: impl Into<String>) -> HeaderField {
        HeaderField::new("WWW-Authenticate", challenge)
    }

    /// `Min-SE` (on a 422, RFC 4028).
    pub fn min_se(seconds: u32) -> HeaderField {
        HeaderField::new("Min-SE", seconds.to_string())
    }

    /// `Warning: 399 kefu "<text>"` (on a 400 that names what was wrong).
    pub fn warning(text: &str) -> HeaderField {
        HeaderField::new("Warning", format!("399 kefu \"{text}\""))
    }

    fn into_header(self) -> Header {
        Header::Other(self.name, self.value)
    }
}

/// The session-timer headers (RFC 4028) of a 2xx or of a refresh: `Session-Expires` with its
/// value (`1800;refresher=uac`), `Supported: timer`, and `Require: timer` when `require`.
pub fn timer_headers(session_expires: String, require: bool) -> Vec<HeaderField> {
    let mut headers = vec![
        HeaderField::new("Session-Expires", session_expires),
        HeaderField::new("Supported", "timer"),
    ];
    if require {
        headers.push(HeaderField::new("Require", "timer"));
    }
    headers
}

fn sip_headers(headers: Vec<HeaderField>) -> Vec<Header> {
    headers.into_iter().map(HeaderField::into_header).collect()
}

fn sdp_content_type() -> Header {
    Header::ContentType("application/sdp".into())
}

/// Why a leg operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LegError {
    /// The far end answered a request of ours with a failure.
    #[error("the far end answered {}", StatusCode::from(*.0))]
    Refused(u16),
    /// The dialog is not (or no longer) established.
    #[error("the dialog is not established")]
    NotEstablished,
    /// An address made no SIP URI.
    #[error("not a SIP address: {0}")]
    Address(String),
    /// The stack refused or failed the operation.
    #[error("{0}")]
    Stack(String),
}

impl From<rsipstack::Error> for LegError {
    fn from(e: rsipstack::Error) -> Self {
        LegError::Stack(e.to_string())
    }
}

/// The dialogs of one SIP edge: accepts INVITEs as inbound legs, places outbound legs, and
/// hands in-dialog requests to the dialog they belong to. Cheap to clone.
#[derive(Clone)]
pub struct Legs {
    dialogs: Arc<DialogLayer>,
}

impl std::fmt::Debug for Legs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Legs")
            .field("dialogs", &self.dialogs.len())
            .finish()
    }
}

impl Legs {
    /// The legs of calls on `edge`.
    pub fn new(edge: &SipEdge) -> Legs {
        Legs {
            dialogs: edge.dialogs().clone(),
        }
    }

    /// A request inside a dialog (BYE, re-INVITE, UPDATE, INFO…) goes to its dialog, which
    /// answers it and reports it on its leg's events; one for no dialog we hold gets 481 (405
    /// for REGISTER: Kefu is no registrar for trunks).
    pub async fn dispatch(&self, request: IncomingRequest) {
        let method = *request.method();
        let mut tx = request.into_transaction();
        match self.dialogs.match_dialog(&tx) {
            Some(Dialog::Invite(mut dialog)) => {
                tokio::spawn(async move {
                    let _ = dialog.handle(&mut tx).await;
                });
            }
            _ => {
                let status = if method == Method::Register {
                    StatusCode::MethodNotAllowed
                } else {
                    StatusCode::CallTransactionDoesNotExist
                };
                let _ = tx.reply(status).await;
            }
        }
    }
}
