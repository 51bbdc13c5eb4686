//! Legs we place: an INVITE through a trunk's proxy, answering the carrier's digest challenge
//! (401/407) with the trunk's credentials, to an answered [`OutboundLeg`] or a failure.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{StatusCodeKind, Uri};

use super::events::LegEvents;
use super::{LegError, Legs};

/// Digest credentials for a trunk that challenges.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestCredentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for DigestCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// An outbound call through a trunk.
#[derive(Debug, Clone)]
pub struct DialRequest {
    /// The number called (the Request-URI's user part).
    pub number: String,
    /// The trunk's proxy, `host:port` (the Request-URI's host).
    pub proxy: String,
    /// The caller id presented (From's user part).
    pub caller_id: String,
    /// From's host.
    pub from_host: IpAddr,
    /// Our Contact (`sip:kefu@<contact>`).
    pub contact: SocketAddr,
    /// Our SDP offer.
    pub offer: String,
    /// For a trunk that challenges.
    pub credentials: Option<DigestCredentials>,
}

/// What an outbound INVITE came to.
#[derive(Debug)]
pub enum DialOutcome {
    /// 2xx: the leg, its events and the far end's SDP answer (empty when none came).
    Answered {
        /// The answered leg.
        leg: OutboundLeg,
        /// Its events (watch them for its end).
        events: LegEvents,
        /// The answer's body.
        answer: Vec<u8>,
    },
    /// A final failure status.
    Refused(u16),
    /// No final status: the INVITE failed (timeout, transport, the stack), and why.
    Failed(String),
}

/// An answered outbound leg; its dialog leaves the edge's table when it is dropped.
pub struct OutboundLeg {
    dialog: InviteDialog,
    dialogs: Arc<DialogLayer>,
}

impl std::fmt::Debug for OutboundLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundLeg")
            .field("call_id", &self.dialog.id().call_id)
            .finish()
    }
}

impl OutboundLeg {
    /// BYE.
    pub async fn hang_up(&self) -> Result<(), LegError> {
        Ok(self.dialog.bye().await?)
    }
}

impl Drop for OutboundLeg {
    fn drop(&mut self) {
        self.dialogs.remove_dialog(&self.dialog.id());
    }
}

fn uri(text: String) -> Result<Uri, LegError> {
    Uri::try_from(text.as_str()).map_err(|_| LegError::Address(text))
}

impl Legs {
    /// Checks the request's addresses and returns the INVITE to run (typically in its own
    /// task; dropping it abandons the INVITE).
    pub fn dial(
        &self,
        request: DialRequest,
    ) -> Result<impl Future<Output = DialOutcome> + Send + 'static, LegError> {
        let callee = uri(format!("sip:{}@{}", request.number, request.proxy))?;
        let caller = uri(format!("sip:{}@{}", request.caller_id, request.from_host))?;
        let contact =
            uri(format!("sip:kefu@{}", request.contact)).unwrap_or_else(|_| caller.clone());
        let option = InviteOption {
            caller,
            callee,
            contact,
            content_type: Some("application/sdp".to_owned()),
            offer: Some(request.offer.into_bytes()),
            credential: request.credentials.map(|c| Credential {
                username: c.username,
                password: c.password,
                ..Credential::default()
            }),
            ..InviteOption::default()
        };
        let dialogs = self.dialogs.clone();
        Ok(async move {
            let (state_tx, states) = dialogs.new_dialog_state_channel();
            match dialogs.do_invite(option, state_tx).await {
                Ok((dialog, Some(response)))
                    if response.status_code.kind() == StatusCodeKind::Successful =>
                {
                    DialOutcome::Answered {
                        leg: OutboundLeg { dialog, dialogs },
                        events: LegEvents::new(states),
                        answer: response.body,
                    }
                }
                Ok((_, Some(response))) => DialOutcome::Refused(u16::from(response.status_code)),
                Ok((_, None)) => DialOutcome::Failed("no final response".into()),
                Err(e) => DialOutcome::Failed(e.to_string()),
            }
        })
    }
}
