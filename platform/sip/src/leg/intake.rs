//! What call control needs from an INVITE outside a dialog, read once when it arrives: the
//! dialled number, the caller, the credentials, the session-timer headers and the SDP offer;
//! and the INVITE's refusal or its acceptance as an [`InboundLeg`].
//!
//! The reading ([`InviteIntake::read`]) is pure and bounded: a credentials header longer than
//! [`MAX_AUTHORIZATION`] is not passed on, a timer header is cut at [`MAX_TIMER_HEADER`].

use std::net::SocketAddr;

use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Method, Request, StatusCode, Uri};

use super::events::LegEvents;
use super::inbound::InboundLeg;
use super::{HeaderField, LegError, Legs, sip_headers};
use crate::edge::IncomingRequest;

/// Longest credentials header (`Authorization`, `Proxy-Authorization`) passed on.
pub const MAX_AUTHORIZATION: usize = 2_048;

/// Longest header value kept for session timers; a longer one is cut (and fails parsing).
pub const MAX_TIMER_HEADER: usize = 256;

/// A request from the edge, sorted for call control (boxed: each carries its transaction).
#[derive(Debug)]
pub enum Incoming {
    /// An INVITE that starts a call.
    Invite(Box<IncomingInvite>),
    /// Anything for an existing dialog (a re-INVITE carries a To tag), or for none: give it
    /// to [`Legs::dispatch`].
    InDialog(Box<IncomingRequest>),
}

impl Incoming {
    /// Sorts one request.
    pub fn of(request: IncomingRequest) -> Incoming {
        if *request.method() != Method::Invite {
            return Incoming::InDialog(Box::new(request));
        }
        let intake = InviteIntake::read(request.request());
        if intake.reinvite {
            return Incoming::InDialog(Box::new(request));
        }
        Incoming::Invite(Box::new(IncomingInvite { request, intake }))
    }
}

/// An INVITE that starts a call: read, waiting to be refused or accepted.
pub struct IncomingInvite {
    request: IncomingRequest,
    intake: InviteIntake,
}

impl std::fmt::Debug for IncomingInvite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials stay out of logs.
        f.debug_struct("IncomingInvite")
            .field("source", &self.request.source())
            .field("dialled", &self.intake.dialled)
            .field("call_id", &self.intake.call_id)
            .finish()
    }
}

impl IncomingInvite {
    /// The address it came from.
    pub fn source(&self) -> SocketAddr {
        self.request.source()
    }

    /// What was read from it.
    pub fn intake(&self) -> &InviteIntake {
        &self.intake
    }

    /// Refuses it with a final status and extra headers (`WWW-Authenticate` on a 401,
    /// `Min-SE` on a 422, `Warning` on a 400).
    pub async fn refuse(mut self, status: u16, headers: Vec<HeaderField>) -> Result<(), LegError> {
        let status = StatusCode::from(status);
        let sent = if headers.is_empty() {
            self.request.reply(status).await
        } else {
            self.request
                .reply_with(status, sip_headers(headers), None)
                .await
        };
        sent.map_err(|e| LegError::Stack(e.to_string()))
    }
}

impl Legs {
    /// Accepts an INVITE as a leg: creates its dialog with our Contact (`sip:kefu@<contact>`,
    /// the address this caller reached us at) and runs its transaction (ACK, CANCEL,
    /// retransmissions) beside the call. Nothing is sent yet: ring, answer or reject the leg.
    /// When the dialog cannot be created the INVITE is answered 500 here.
    pub async fn accept(
        &self,
        invite: IncomingInvite,
        contact: SocketAddr,
    ) -> Result<(InboundLeg, LegEvents), LegError> {
        let contact_uri = Uri::try_from(format!("sip:kefu@{contact}").as_str()).ok();
        let mut tx = invite.request.into_transaction();
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let dialog =
            match self
                .dialogs
                .get_or_create_server_invite(&tx, state_tx, None, contact_uri)
            {
                Ok(dialog) => dialog,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot create a dialog");
                    let _ = tx.reply(StatusCode::ServerInternalError).await;
                    return Err(e.into());
                }
            };
        let mut handler = dialog.clone();
        tokio::spawn(async move {
            let _ = handler.handle(&mut tx).await;
        });
        let leg = InboundLeg::new(dialog, self.dialogs.clone(), contact);
        Ok((leg, LegEvents::new(states)))
    }
}

/// What call control reads from an INVITE, copied out of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteIntake {
    /// The Request-URI's user part: the number dialled (empty when there is none).
    pub dialled: String,
    /// The whole Request-URI (what a digest answer covers).
    pub request_uri: String,
    /// The From URI's user part, `anonymous` when there is none.
    pub caller: String,
    /// The Call-ID.
    pub call_id: String,
    /// The `Authorization` or `Proxy-Authorization` value, when one of at most
    /// [`MAX_AUTHORIZATION`] bytes came.
    pub authorization: Option<String>,
    /// The session-timer headers.
    pub timers: TimerHeaders,
    /// Whether the To header has a tag: the INVITE belongs to a dialog (a re-INVITE).
    pub reinvite: bool,
    /// The body: the SDP offer (empty when the INVITE carries none).
    pub sdp: Vec<u8>,
}

impl InviteIntake {
    /// Reads an INVITE. Never fails: what is missing is empty.
    pub fn read(req: &Request) -> InviteIntake {
        let reinvite = req
            .to_header()
            .ok()
            .and_then(|to| to.tag().ok().flatten())
            .is_some();
        let caller = req
            .from_header()
            .ok()
            .and_then(|from| from.uri().ok())
            .and_then(|uri| uri.user().map(str::to_string))
            .unwrap_or_else(|| "anonymous".into());
        let authorization = req
            .headers
            .iter()
            .find(|h| {
                h.name().eq_ignore_ascii_case("Authorization")
                    || h.name().eq_ignore_ascii_case("Proxy-Authorization")
            })
            .map(|h| h.value().to_string())
            .filter(|v| v.len() <= MAX_AUTHORIZATION);
        InviteIntake {
            dialled: req.uri.user().map(str::to_string).unwrap_or_default(),
            request_uri: req.uri.to_string(),
            caller,
            call_id: req
                .call_id_header()
                .map(|h| h.value().to_string())
                .unwrap_or_default(),
            authorization,
            timers: TimerHeaders::read(req),
            reinvite,
            sdp: req.body.clone(),
        }
    }
}

/// The INVITE headers session timers are negotiated from (RFC 4028), as they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerHeaders {
    /// `Session-Expires` (or its compact form `x`).
    pub session_expires: Option<String>,
    /// `Min-SE`.
    pub min_se: Option<String>,
    /// Whether `Supported` (or `k`) names `timer`.
    pub supports_timer: bool,
    /// Whether `Allow` names UPDATE.
    pub allows_update: bool,
}

impl TimerHeaders {
    /// Reads them from a request.
    pub fn read(req: &Request) -> TimerHeaders {
        let mut out = TimerHeaders::default();
        let has_token = |value: &str, token: &str| {
            value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        for h in req.headers.iter() {
            let name = h.name();
            let value = h.value().to_string();
            let value = if value.len() > MAX_TIMER_HEADER {
                // Not a timer value anyone sends: keep a bounded piece, which fails parsing.
                value.chars().take(MAX_TIMER_HEADER).collect()
            } else {
                value
            };
            if name.eq_ignore_ascii_case("Session-Expires") || name.eq_ignore_ascii_case("x") {
                out.session_expires = Some(value);
            } else if name.eq_ignore_ascii_case("Min-SE") {
                out.min_se = Some(value);
            } else if name.eq_ignore_ascii_case("Supported") || name.eq_ignore_ascii_case("k") {
                out.supports_timer |= has_token(&value, "timer");
            } else if name.eq_ignore_ascii_case("Allow") {
                out.allows_update |= has_token(&value, "UPDATE");
            }
        }
        out
    }
}
