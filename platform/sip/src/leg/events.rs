//! What happens in a leg's dialog, as Kefu's own events: the caller cancelled, the dialog
//! ended, or the far end made a new offer (re-INVITE, UPDATE) that the call answers through an
//! [`InDialogOffer`]. An in-dialog OPTIONS (a carrier's keep-alive ping) is answered 200 here
//! and never reported.

use rsipstack::dialog::dialog::{
    DialogState, DialogStateReceiver, TerminatedReason, TransactionHandle,
};
use rsipstack::sip::{Method, StatusCode};

use super::{HeaderField, LegError, sdp_content_type, sip_headers};

/// Something the call must act on.
#[derive(Debug)]
pub enum LegEvent {
    /// The caller cancelled its INVITE before the answer (the stack has answered 487).
    Cancelled,
    /// The dialog ended.
    Ended(Ending),
    /// A re-INVITE or UPDATE: answer it or refuse it.
    Offer(InDialogOffer),
}

/// How a dialog ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// A BYE (theirs or ours).
    Bye,
    /// A transaction timed out (no ACK, no answer).
    Timeout,
    /// A final failure status ended it.
    Status(u16),
    /// The stack dropped the dialog without saying why.
    Gone,
}

/// A leg's events, in order. After [`LegEvent::Cancelled`] or [`LegEvent::Ended`] nothing more
/// comes: [`LegEvents::next`] then never returns, so it can sit in a `select!` safely.
#[derive(Debug)]
pub struct LegEvents {
    states: DialogStateReceiver,
    ended: bool,
}

impl LegEvents {
    pub(super) fn new(states: DialogStateReceiver) -> LegEvents {
        LegEvents {
            states,
            ended: false,
        }
    }

    /// The next event.
    pub async fn next(&mut self) -> LegEvent {
        while !self.ended {
            let Some(state) = self.states.recv().await else {
                self.ended = true;
                return LegEvent::Ended(Ending::Gone);
            };
            match state {
                DialogState::Terminated(_, reason) => {
                    self.ended = true;
                    return match reason {
                        TerminatedReason::UacCancel => LegEvent::Cancelled,
                        other => LegEvent::Ended(ending_of(other)),
                    };
                }
                DialogState::Updated(_, request, handle) => {
                    let kind = if request.method == Method::Update {
                        OfferKind::Update
                    } else {
                        OfferKind::ReInvite
                    };
                    return LegEvent::Offer(InDialogOffer {
                        kind,
                        sdp: request.body,
                        handle,
                    });
                }
                DialogState::Options(_, _, handle) => {
                    let _ = handle.reply(StatusCode::OK).await;
                }
                _ => {}
            }
        }
        std::future::pending().await
    }
}

fn ending_of(reason: TerminatedReason) -> Ending {
    match reason {
        TerminatedReason::UacBye | TerminatedReason::UasBye => Ending::Bye,
        TerminatedReason::Timeout => Ending::Timeout,
        TerminatedReason::UacBusy | TerminatedReason::UasBusy => Ending::Status(486),
        TerminatedReason::UasDecline => Ending::Status(603),
        TerminatedReason::ProxyAuthRequired => Ending::Status(407),
        TerminatedReason::ProxyError(status)
        | TerminatedReason::UacOther(status)
        | TerminatedReason::UasOther(status) => Ending::Status(u16::from(status)),
        // A cancel is reported as such before this is reached.
        TerminatedReason::UacCancel => Ending::Status(487),
    }
}

/// Which request carried an in-dialog offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferKind {
    /// A re-INVITE: without a body it asks for our offer (the session as it stands).
    ReInvite,
    /// An UPDATE: without a body it only refreshes the session.
    Update,
}

impl std::fmt::Display for OfferKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OfferKind::ReInvite => "INVITE",
            OfferKind::Update => "UPDATE",
        })
    }
}

/// A re-INVITE or UPDATE waiting for our answer. Dropping it leaves the answer to the stack.
#[derive(Debug)]
pub struct InDialogOffer {
    kind: OfferKind,
    sdp: Vec<u8>,
    handle: TransactionHandle,
}

impl InDialogOffer {
    /// The request it came in.
    pub fn kind(&self) -> OfferKind {
        self.kind
    }

    /// The SDP offer (empty when none came).
    pub fn sdp(&self) -> &[u8] {
        &self.sdp
    }

    /// Answers 200 with extra headers and, when given, our SDP (an answer to the offer, or our
    /// offer when none came).
    pub async fn accept(
        self,
        sdp: Option<String>,
        headers: Vec<HeaderField>,
    ) -> Result<(), LegError> {
        let mut headers = sip_headers(headers);
        if sdp.is_some() {
            headers.push(sdp_content_type());
        }
        self.handle
            .respond(StatusCode::OK, Some(headers), sdp.map(String::into_bytes))
            .await
            .map_err(|_| LegError::NotEstablished)
    }

    /// Refuses it with a failure status (488 for an offer we cannot answer).
    pub async fn refuse(self, status: u16) -> Result<(), LegError> {
        self.handle
            .reply(StatusCode::from(status))
            .await
            .map_err(|_| LegError::NotEstablished)
    }
}
