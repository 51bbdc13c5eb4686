//! The SIP side of the driver: the caller's SDP answer and media leg at setup, re-INVITEs and
//! UPDATEs from the caller, our session refreshes, and outbound legs placed through the
//! tenant's trunk. SDP is built and read by `kefu_sip::sdp`.

use std::time::{SystemTime, UNIX_EPOCH};

use kefu_media::leg::RtpLegConfig;
use kefu_media::{G711, Gain, RtpLeg};
use kefu_sip::rsipstack::dialog::authenticate::Credential;
use kefu_sip::rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TransactionHandle};
use kefu_sip::rsipstack::dialog::invitation::InviteOption;
use kefu_sip::rsipstack::dialog::invite_dialog::InviteDialog;
use kefu_sip::rsipstack::sip::{
    Header, Method, Request, Response, StatusCode, StatusCodeKind, Uri,
};
use kefu_sip::sdp::{self, Codec, Direction, LocalMedia, SdpLimits};

use super::{CallDriver, Inbound, Outbound, Report};
use crate::machine::{Input, LegEnd, LegId, Member};

/// What an outbound INVITE came to.
pub(crate) type DialOutcome = Result<(InviteDialog, Option<Response>, DialogStateReceiver), String>;

/// The `o=` session id of a new SDP session.
pub(crate) fn session_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(1)
}

fn codec_of(codec: Codec) -> G711 {
    match codec {
        Codec::Pcmu => G711::Pcmu,
        Codec::Pcma => G711::Pcma,
    }
}

fn sdp_codec(codec: G711) -> Codec {
    match codec {
        G711::Pcmu => Codec::Pcmu,
        G711::Pcma => Codec::Pcma,
    }
}

impl CallDriver {
    /// Answers the caller's offer (codec first, then the leg, then the real answer) and loads
    /// the number's IVR. Failures are the status to refuse the INVITE with.
    pub(super) async fn setup(&mut self, inbound: &Inbound) -> Result<(), (StatusCode, String)> {
        let probe = sdp::answer(&inbound.offer, &self.local)
            .map_err(|e| (StatusCode::NotAcceptableHere, format!("SDP offer: {e}")))?;
        self.codec = codec_of(probe.codec);
        let mut leg = RtpLegConfig::new(self.codec, probe.remote, 0);
        leg.audio_payload_type = probe.payload_type;
        leg.telephone_event = probe.telephone_event;
        leg.cname = format!("kefu-{}", self.call);
        let (member, addr) = self
            .worker
            .add_rtp_leg(self.room, leg)
            .await
            .map_err(|e| (StatusCode::ServiceUnavailable, format!("media: {e}")))?;
        self.members.insert(Member::Leg(LegId::CALLER), member);
        self.local.port = addr.port();
        let answer = sdp::answer(&inbound.offer, &self.local)
            .map_err(|e| (StatusCode::NotAcceptableHere, format!("SDP offer: {e}")))?;
        self.answer_sdp = answer.sdp;
        if let crate::services::Entry::Ivr { installation } = &self.route.entry {
            let session = self
                .kit
                .services
                .ivr_session(self.tenant, installation)
                .await
                .map_err(|why| (StatusCode::ServiceUnavailable, format!("IVR: {why}")))?;
            self.session = Some(session);
        }
        Ok(())
    }

    /// Headers our 2xx responses carry for the session timer.
    pub(super) fn timer_headers(&self) -> Vec<Header> {
        let Some(timer) = &self.timer else {
            return Vec::new();
        };
        let mut headers = vec![
            Header::Other("Session-Expires".into(), timer.header_value()),
            Header::Other("Supported".into(), "timer".into()),
        ];
        if timer.require {
            headers.push(Header::Other("Require".into(), "timer".into()));
        }
        headers
    }

    /// A re-INVITE or UPDATE from the caller: hold/resume, a new offer, or a session refresh.
    /// Returns whether it was answered (every answered one refreshes the session).
    pub(super) async fn reinvite(&mut self, request: &Request, handle: TransactionHandle) -> bool {
        let mut headers = self.timer_headers();
        let body = if request.body.is_empty() {
            // An UPDATE without a body only refreshes; a re-INVITE without one asks for our
            // offer, which is the session as it stands.
            (request.method != Method::Update).then(|| self.answer_sdp.clone())
        } else {
            let answered = sdp::parse(&request.body, &SdpLimits::default()).and_then(|offer| {
                self.local.session_version += 1;
                sdp::answer(&offer, &self.local)
            });
            match answered {
                Ok(answer) => {
                    tracing::info!(call = %self.call, method = %request.method, direction = answer.direction.as_str(), "new offer answered");
                    self.answer_sdp = answer.sdp.clone();
                    Some(answer.sdp)
                }
                Err(e) => {
                    tracing::info!(call = %self.call, error = %e, "new offer refused");
                    let _ = handle.reply(StatusCode::NotAcceptableHere).await;
                    return false;
                }
            }
        };
        if body.is_some() {
            headers.push(Header::ContentType("application/sdp".into()));
        }
        handle
            .respond(StatusCode::OK, Some(headers), body.map(String::into_bytes))
            .await
            .is_ok()
    }

    /// Sends our refresh (UPDATE when the caller allows it, otherwise a re-INVITE with the
    /// session as it stands); its outcome comes back as a report.
    pub(super) fn start_refresh(&mut self) {
        let Some(timer) = self.timer else {
            return;
        };
        let dialog = self.dialog.clone();
        let mut headers = vec![
            Header::Other("Session-Expires".into(), timer.header_value()),
            Header::Other("Supported".into(), "timer".into()),
        ];
        let sdp = self.answer_sdp.clone();
        let reports = self.reports.clone();
        self.refreshing = Some(tokio::spawn(async move {
            let response = if timer.refresh_with_update {
                dialog.update(Some(headers), None).await
            } else {
                headers.push(Header::ContentType("application/sdp".into()));
                dialog.reinvite(Some(headers), Some(sdp.into_bytes())).await
            };
            let result = match response {
                Ok(Some(r)) if r.status_code.kind() == StatusCodeKind::Successful => Ok(()),
                Ok(Some(r)) => Err(format!("the caller answered {}", r.status_code)),
                Ok(None) => Err("the dialog is not established".into()),
                Err(e) => Err(e.to_string()),
            };
            let _ = reports.send(Report::Refreshed(result)).await;
        }));
    }

    /// Places an outbound leg to `number` through the tenant's trunk. Returns the machine's
    /// input when it fails at once.
    pub(super) async fn dial(&mut self, leg: LegId, number: &str) -> Option<Input> {
        let failed = Some(Input::LegEnded(leg, LegEnd::Failed(None)));
        let trunk = match self.kit.services.outbound_trunk(self.tenant).await {
            Ok(trunk) => trunk,
            Err(why) => {
                tracing::info!(call = %self.call, %why, "no outbound trunk for a transfer");
                return failed;
            }
        };
        let mut config = RtpLegConfig::new(self.codec, None, 0);
        config.cname = format!("kefu-{}-{}", self.call, leg.0);
        let Ok((member, addr)) = self.worker.add_rtp_leg(self.room, config).await else {
            return failed;
        };
        self.members.insert(Member::Leg(leg), member);
        let local = LocalMedia {
            address: self.kit.settings.media_address,
            port: addr.port(),
            session_id: session_id(),
            session_version: 1,
        };
        let parse = |text: String| Uri::try_from(text.as_str()).ok();
        let caller_id = trunk
            .caller_id
            .clone()
            .unwrap_or_else(|| self.route.number.clone());
        let (Some(callee), Some(caller)) = (
            parse(format!("sip:{number}@{}", trunk.proxy)),
            parse(format!("sip:{caller_id}@{}", self.local.address)),
        ) else {
            return failed;
        };
        let contact = self.contact.clone().unwrap_or_else(|| caller.clone());
        // Only the caller's law: the bridge copies audio, it does not transcode.
        let offer = sdp::offer_with(&local, &[sdp_codec(self.codec)], Direction::SendRecv);
        let option = InviteOption {
            caller,
            callee,
            contact,
            content_type: Some("application/sdp".to_owned()),
            offer: Some(offer.into_bytes()),
            credential: trunk
                .credentials
                .clone()
                .map(|(username, password)| Credential {
                    username,
                    password,
                    ..Credential::default()
                }),
            ..InviteOption::default()
        };
        let dialogs = self.dialogs.clone();
        let reports = self.reports.clone();
        let task = tokio::spawn(async move {
            let (state_tx, states) = dialogs.new_dialog_state_channel();
            let outcome = match dialogs.do_invite(option, state_tx).await {
                Ok((dialog, response)) => Ok((dialog, response, states)),
                Err(e) => Err(e.to_string()),
            };
            let _ = reports.send(Report::Dialled(leg, outcome)).await;
        });
        self.outbound.insert(
            leg,
            Outbound {
                task: Some(task),
                dialog: None,
                local,
            },
        );
        None
    }

    /// An outbound INVITE's outcome: answered legs get the far end's media address and a
    /// watcher for their BYE.
    pub(super) async fn dialled(&mut self, leg: LegId, outcome: DialOutcome) -> Option<Input> {
        let out = self.outbound.get_mut(&leg)?;
        out.task = None;
        match outcome {
            Ok((dialog, Some(response), mut states))
                if response.status_code.kind() == StatusCodeKind::Successful =>
            {
                let remote = sdp::parse(&response.body, &SdpLimits::default())
                    .ok()
                    .and_then(|answer| sdp::answer(&answer, &out.local).ok())
                    .and_then(|a| a.remote);
                out.dialog = Some(dialog);
                if let Some(&member) = self.members.get(&Member::Leg(leg)) {
                    let _ = self
                        .worker
                        .with_room(self.room, move |room| {
                            if let Ok(leg) = room.leg_mut(member)
                                && let Some(rtp) = leg.as_any_mut().downcast_mut::<RtpLeg>()
                            {
                                rtp.set_remote(remote);
                            }
                        })
                        .await;
                }
                let reports = self.reports.clone();
                tokio::spawn(async move {
                    while let Some(state) = states.recv().await {
                        if matches!(state, DialogState::Terminated(..)) {
                            break;
                        }
                    }
                    let _ = reports.send(Report::LegGone(leg)).await;
                });
                Some(Input::LegAnswered(leg))
            }
            Ok((_, Some(response), _)) => Some(Input::LegEnded(
                leg,
                LegEnd::Failed(Some(u16::from(response.status_code))),
            )),
            Ok((_, None, _)) => Some(Input::LegEnded(leg, LegEnd::Failed(None))),
            Err(why) => {
                tracing::info!(call = %self.call, %why, "outbound leg failed");
                Some(Input::LegEnded(leg, LegEnd::Failed(None)))
            }
        }
    }

    /// Ends a leg: BYE to an answered one, an abandoned INVITE for a ringing one.
    pub(super) async fn hang_up(&mut self, leg: LegId) {
        if leg == LegId::CALLER {
            if let Err(e) = self.dialog.bye().await {
                tracing::debug!(call = %self.call, error = %e, "BYE failed");
            }
            return;
        }
        let Some(out) = self.outbound.remove(&leg) else {
            return;
        };
        if let Some(task) = out.task {
            task.abort();
        }
        if let Some(dialog) = out.dialog
            && let Err(e) = dialog.bye().await
        {
            tracing::debug!(call = %self.call, error = %e, "BYE to the far end failed");
        }
    }

    pub(super) fn gain(volume: crate::machine::Volume) -> Gain {
        Gain::percent(u16::from(volume.0))
    }
}
