//! The SIP side of the driver: the caller's SDP answer and media leg at setup, re-INVITEs and
//! UPDATEs from the caller, our session refreshes, and outbound legs placed through the
//! tenant's trunk. Dialogs are `kefu_sip::leg`'s; SDP is built and read by `kefu_sip::sdp`.

use std::time::{SystemTime, UNIX_EPOCH};

use kefu_media::leg::RtpLegConfig;
use kefu_media::{G711, Gain, RtpLeg};
use kefu_sip::leg::{
    DialOutcome, DialRequest, DigestCredentials, HeaderField, InDialogOffer, LegEvent, OfferKind,
    Refresh, status, timer_headers,
};
use kefu_sip::sdp::{self, Codec, Direction, LocalMedia, SdpLimits};

use super::{CallDriver, Inbound, Outbound, Report};
use crate::machine::{Input, LegEnd, LegId, Member};

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
    pub(super) async fn setup(&mut self, inbound: &Inbound) -> Result<(), (u16, String)> {
        let probe = sdp::answer(&inbound.offer, &self.local)
            .map_err(|e| (status::NOT_ACCEPTABLE_HERE, format!("SDP offer: {e}")))?;
        self.codec = codec_of(probe.codec);
        let mut leg = RtpLegConfig::new(self.codec, probe.remote, 0);
        leg.audio_payload_type = probe.payload_type;
        leg.telephone_event = probe.telephone_event;
        leg.cname = format!("kefu-{}", self.call);
        let (member, addr) = self
            .worker
            .add_rtp_leg(self.room, leg)
            .await
            .map_err(|e| (status::SERVICE_UNAVAILABLE, format!("media: {e}")))?;
        self.members.insert(Member::Leg(LegId::CALLER), member);
        self.local.port = addr.port();
        let answer = sdp::answer(&inbound.offer, &self.local)
            .map_err(|e| (status::NOT_ACCEPTABLE_HERE, format!("SDP offer: {e}")))?;
        self.answer_sdp = answer.sdp;
        if let crate::services::Entry::Ivr { installation } = &self.route.entry {
            let session = self
                .kit
                .services
                .ivr_session(&self.route.scope, installation)
                .await
                .map_err(|why| (status::SERVICE_UNAVAILABLE, format!("IVR: {why}")))?;
            self.session = Some(session);
        }
        Ok(())
    }

    /// Headers our 2xx responses carry for the session timer.
    pub(super) fn timer_headers(&self) -> Vec<HeaderField> {
        match &self.timer {
            Some(timer) => timer_headers(timer.header_value(), timer.require),
            None => Vec::new(),
        }
    }

    /// A re-INVITE or UPDATE from the caller: hold/resume, a new offer, or a session refresh.
    /// Returns whether it was answered (every answered one refreshes the session).
    pub(super) async fn reinvite(&mut self, offer: InDialogOffer) -> bool {
        let headers = self.timer_headers();
        let body = if offer.sdp().is_empty() {
            // An UPDATE without a body only refreshes; a re-INVITE without one asks for our
            // offer, which is the session as it stands.
            (offer.kind() != OfferKind::Update).then(|| self.answer_sdp.clone())
        } else {
            let answered = sdp::parse(offer.sdp(), &SdpLimits::default()).and_then(|parsed| {
                self.local.session_version += 1;
                sdp::answer(&parsed, &self.local)
            });
            match answered {
                Ok(answer) => {
                    tracing::info!(call = %self.call, method = %offer.kind(), direction = answer.direction.as_str(), "new offer answered");
                    self.answer_sdp = answer.sdp.clone();
                    Some(answer.sdp)
                }
                Err(e) => {
                    tracing::info!(call = %self.call, error = %e, "new offer refused");
                    let _ = offer.refuse(status::NOT_ACCEPTABLE_HERE).await;
                    return false;
                }
            }
        };
        offer.accept(body, headers).await.is_ok()
    }

    /// Sends our refresh (UPDATE when the caller allows it, otherwise a re-INVITE with the
    /// session as it stands); its outcome comes back as a report.
    pub(super) fn start_refresh(&mut self) {
        let Some(timer) = self.timer else {
            return;
        };
        let refresh = if timer.refresh_with_update {
            Refresh::Update
        } else {
            Refresh::ReInvite {
                sdp: self.answer_sdp.clone(),
            }
        };
        let refreshed = self
            .leg
            .refresh(refresh, timer_headers(timer.header_value(), false));
        let reports = self.reports.clone();
        self.refreshing = Some(tokio::spawn(async move {
            let _ = reports.send(Report::Refreshed(refreshed.await)).await;
        }));
    }

    /// Places an outbound leg to `number` through the tenant's trunk. Returns the machine's
    /// input when it fails at once.
    pub(super) async fn dial(&mut self, leg: LegId, number: &str) -> Option<Input> {
        let failed = Some(Input::LegEnded(leg, LegEnd::Failed(None)));
        let trunk = match self.kit.services.outbound_trunk(&self.route.scope).await {
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
        let caller_id = trunk
            .caller_id
            .clone()
            .unwrap_or_else(|| self.route.number.clone());
        // Only the caller's law: the bridge copies audio, it does not transcode.
        let offer = sdp::offer_with(&local, &[sdp_codec(self.codec)], Direction::SendRecv);
        let request = DialRequest {
            number: number.to_owned(),
            proxy: trunk.proxy.clone(),
            caller_id,
            from_host: self.local.address,
            contact: self.leg.contact(),
            offer,
            credentials: trunk
                .credentials
                .clone()
                .map(|(username, password)| DigestCredentials { username, password }),
        };
        let placing = match self.legs.dial(request) {
            Ok(placing) => placing,
            Err(e) => {
                tracing::info!(call = %self.call, error = %e, "outbound leg not placed");
                return failed;
            }
        };
        let reports = self.reports.clone();
        let task = tokio::spawn(async move {
            let outcome = placing.await;
            let _ = reports.send(Report::Dialled(leg, outcome)).await;
        });
        self.outbound.insert(
            leg,
            Outbound {
                task: Some(task),
                leg: None,
                local,
            },
        );
        None
    }

    /// An outbound INVITE's outcome: answered legs get the far end's media address and a
    /// watcher for their end.
    pub(super) async fn dialled(&mut self, leg: LegId, outcome: DialOutcome) -> Option<Input> {
        let out = self.outbound.get_mut(&leg)?;
        out.task = None;
        match outcome {
            DialOutcome::Answered {
                leg: answered,
                mut events,
                answer,
            } => {
                let remote = sdp::parse(&answer, &SdpLimits::default())
                    .ok()
                    .and_then(|answer| sdp::answer(&answer, &out.local).ok())
                    .and_then(|a| a.remote);
                out.leg = Some(answered);
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
                    // Offers from the far end are left to the stack, as before bridging
                    // learns to re-negotiate.
                    while let LegEvent::Offer(_) = events.next().await {}
                    let _ = reports.send(Report::LegGone(leg)).await;
                });
                Some(Input::LegAnswered(leg))
            }
            DialOutcome::Refused(status) => {
                Some(Input::LegEnded(leg, LegEnd::Failed(Some(status))))
            }
            DialOutcome::Failed(why) => {
                tracing::info!(call = %self.call, %why, "outbound leg failed");
                Some(Input::LegEnded(leg, LegEnd::Failed(None)))
            }
        }
    }

    /// Ends a leg: BYE to an answered one, an abandoned INVITE for a ringing one.
    pub(super) async fn hang_up(&mut self, leg: LegId) {
        if let Some(agent) = self.agent_legs.remove(&leg) {
            // The agent's audio goes home (it outlives the call); the agent wraps up.
            self.members.remove(&crate::machine::Member::Leg(leg));
            self.kit
                .desk
                .leave_call(self.tenant, agent, self.call)
                .await;
            self.kit.hub.call_ended(self.tenant, self.call).await;
            return;
        }
        if leg == LegId::CALLER {
            if let Err(e) = self.leg.hang_up().await {
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
        if let Some(far) = out.leg
            && let Err(e) = far.hang_up().await
        {
            tracing::debug!(call = %self.call, error = %e, "BYE to the far end failed");
        }
    }

    pub(super) fn gain(volume: crate::machine::Volume) -> Gain {
        Gain::percent(u16::from(volume.0))
    }
}
