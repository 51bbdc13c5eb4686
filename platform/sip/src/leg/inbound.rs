//! The caller's leg: the server side of an INVITE dialog. Rings, answers, rejects, hangs up
//! and refreshes the session; its dialog leaves the edge's table when the leg is dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{StatusCode, StatusCodeKind};

use super::{HeaderField, LegError, sdp_content_type, sip_headers};

/// How we refresh a session (RFC 4028).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// UPDATE without a body (when the caller allows UPDATE).
    Update,
    /// re-INVITE carrying the session as it stands.
    ReInvite {
        /// Our current SDP.
        sdp: String,
    },
}

/// An accepted INVITE's dialog. See the module docs.
pub struct InboundLeg {
    dialog: InviteDialog,
    dialogs: Arc<DialogLayer>,
    contact: SocketAddr,
}

impl std::fmt::Debug for InboundLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundLeg")
            .field("call_id", &self.dialog.id().call_id)
            .field("contact", &self.contact)
            .finish()
    }
}

impl InboundLeg {
    pub(super) fn new(
        dialog: InviteDialog,
        dialogs: Arc<DialogLayer>,
        contact: SocketAddr,
    ) -> InboundLeg {
        InboundLeg {
            dialog,
            dialogs,
            contact,
        }
    }

    /// The address in our Contact: where this caller reaches us.
    pub fn contact(&self) -> SocketAddr {
        self.contact
    }

    /// 180 Ringing, or 183 Session Progress with our SDP (early media).
    pub fn ring(&self, early_media_sdp: Option<&str>) -> Result<(), LegError> {
        match early_media_sdp {
            Some(sdp) => self.dialog.ringing(
                Some(vec![sdp_content_type()]),
                Some(sdp.as_bytes().to_vec()),
            )?,
            None => self.dialog.ringing(None, None)?,
        }
        Ok(())
    }

    /// 200 OK with our SDP answer and extra headers (the session timer's).
    pub fn answer(&self, sdp: &str, headers: Vec<HeaderField>) -> Result<(), LegError> {
        let mut all = vec![sdp_content_type()];
        all.extend(sip_headers(headers));
        self.dialog
            .accept(Some(all), Some(sdp.as_bytes().to_vec()))?;
        Ok(())
    }

    /// A final failure status to the unanswered INVITE.
    pub fn reject(&self, status: u16) -> Result<(), LegError> {
        self.dialog.reject(Some(StatusCode::from(status)), None)?;
        Ok(())
    }

    /// BYE.
    pub async fn hang_up(&self) -> Result<(), LegError> {
        Ok(self.dialog.bye().await?)
    }

    /// Sends a session refresh with extra headers (the session timer's); resolves once the
    /// caller answered: `Ok` for a 2xx, otherwise why not. Independent of the leg, so it can
    /// run in its own task.
    pub fn refresh(
        &self,
        refresh: Refresh,
        headers: Vec<HeaderField>,
    ) -> impl Future<Output = Result<(), LegError>> + Send + 'static {
        let dialog = self.dialog.clone();
        let mut headers = sip_headers(headers);
        async move {
            let response = match refresh {
                Refresh::Update => dialog.update(Some(headers), None).await,
                Refresh::ReInvite { sdp } => {
                    headers.push(sdp_content_type());
                    dialog.reinvite(Some(headers), Some(sdp.into_bytes())).await
                }
            };
            match response? {
                Some(r) if r.status_code.kind() == StatusCodeKind::Successful => Ok(()),
                Some(r) => Err(LegError::Refused(u16::from(r.status_code))),
                None => Err(LegError::NotEstablished),
            }
        }
    }
}

impl Drop for InboundLeg {
    fn drop(&mut self) {
        self.dialogs.remove_dialog(&self.dialog.id());
    }
}
