//! Each [`Output`] of the machine carried out on the call's IO handles. An action whose outcome
//! is known at once returns it as the machine's next input.

use kefu_core::event::MediaSummary;
use kefu_media::prompt::{PromptPlayer, ToneGenerator, ToneSpec};
use kefu_media::{MusicLoop, PromptId, SAMPLE_RATE, Source};
use tokio::sync::mpsc;

use super::CallDriver;
use crate::ivr::Language;
use crate::machine::{Input, LegEnd, LegId, Member, Output, QueueInput, SourceKind};
use crate::services::NewVoicemail;

impl CallDriver {
    pub(super) async fn execute(&mut self, output: Output) -> Option<Input> {
        match output {
            Output::Ring { early_media, .. } => {
                // Early media: 183 with our SDP; otherwise 180.
                let sdp = early_media.then_some(self.answer_sdp.as_str());
                if let Err(e) = self.leg.ring(sdp) {
                    tracing::debug!(call = %self.call, error = %e, "ringing failed");
                }
                None
            }
            Output::Answer(_) => match self.leg.answer(&self.answer_sdp, self.timer_headers()) {
                Ok(()) => None,
                Err(e) => Some(Input::LegEnded(
                    LegId::CALLER,
                    LegEnd::Lost(format!("answering failed: {e}")),
                )),
            },
            Output::Reject(_, status) => {
                let _ = self.leg.reject(status);
                None
            }
            Output::HangUp(leg) => {
                self.hang_up(leg).await;
                None
            }
            Output::Refresh(_) => {
                self.start_refresh();
                None
            }
            Output::Dial { leg, number } => self.dial(leg, &number).await,
            Output::AddSource(id, kind) => self.add_source(id, kind).await,
            Output::ConnectAgent { leg, agent } => Some(self.connect_agent(leg, agent).await),
            Output::SendDtmf { leg, key } => {
                if let (Some(&member), Some(digit)) = (
                    self.members.get(&Member::Leg(leg)),
                    kefu_media::DtmfDigit::from_char(key),
                ) {
                    let _ = self
                        .worker
                        .with_room(self.room, move |room| {
                            room.send_dtmf(member, digit, std::time::Duration::from_millis(100))
                        })
                        .await;
                }
                None
            }
            Output::Remove(member) => {
                if let Some(id) = self.members.remove(&member) {
                    let _ = self.worker.remove(self.room, id).await;
                }
                None
            }
            Output::Hear {
                listener,
                speaker,
                volume,
            } => {
                let (Some(&l), Some(&s)) = (
                    self.members.get(&Member::Leg(listener)),
                    self.members.get(&speaker),
                ) else {
                    return None;
                };
                let gain = Self::gain(volume);
                let _ = self
                    .worker
                    .with_room(self.room, move |room| room.set_hears(l, s, gain))
                    .await;
                None
            }
            Output::Play {
                source,
                play,
                playback,
                language,
            } => {
                let rendered = self
                    .kit
                    .renderer
                    .render(self.tenant, &playback.prompts, language)
                    .await;
                for why in &rendered.skipped {
                    tracing::info!(call = %self.call, %why, "part of a prompt was skipped");
                }
                let finished = Some(Input::PlayFinished(play));
                let Some(&player) = self.members.get(&Member::Source(source)) else {
                    return finished;
                };
                if rendered.prompt.samples().is_empty() {
                    return finished; // nothing to play: it finished at once
                }
                let barge_in = playback.barge_in;
                let prompt = rendered.prompt;
                let id = PromptId(play.0);
                match self
                    .worker
                    .with_room(self.room, move |room| {
                        room.play(player, id, prompt, barge_in)
                    })
                    .await
                {
                    Ok(Ok(())) => None,
                    _ => finished,
                }
            }
            Output::StopPlays(source) => {
                if let Some(&player) = self.members.get(&Member::Source(source)) {
                    let _ = self
                        .worker
                        .with_room(self.room, move |room| room.interrupt_prompts(player, false))
                        .await;
                }
                None
            }
            Output::Record { on, .. } => {
                if on {
                    self.recording = Some(Vec::new());
                }
                let _ = self
                    .worker
                    .with_room(self.room, move |room| room.set_recording(on))
                    .await;
                None
            }
            Output::AskIvr(event, view) => {
                let session = self.session.as_mut()?;
                Some(Input::Ivr(session.on_event(&view, &event).await))
            }
            Output::Enqueue(request) => {
                let (tx, notices) = mpsc::channel(16);
                match self
                    .kit
                    .hub
                    .enqueue(self.tenant, self.call, self.caller.clone(), request, tx)
                    .await
                {
                    Ok(()) => {
                        self.notices = Some(notices);
                        Some(Input::Queue(QueueInput::Waiting))
                    }
                    Err(why) => {
                        tracing::warn!(call = %self.call, %why, "enqueue failed");
                        Some(Input::Queue(QueueInput::Refused(why)))
                    }
                }
            }
            Output::LeaveQueue => {
                if self.notices.take().is_some() {
                    self.kit.hub.leave(self.tenant, self.call).await;
                }
                None
            }
            Output::StoreVoicemail { mailbox } => Some(self.store_voicemail(mailbox).await),
            Output::CloseRoom => Some(Input::RoomClosed(self.close_room().await)),
            Output::Emit(event) => {
                tracing::debug!(event = event.name(), "call event");
                self.kit.services.emit(&self.route.scope, event).await;
                None
            }
            Output::Finished => None,
        }
    }

    /// Brings the agent's parked audio into the room.
    async fn connect_agent(&mut self, leg: LegId, agent: kefu_core::AgentId) -> Input {
        let joined = self
            .kit
            .desk
            .join_call(self.tenant, agent, self.call, self.worker_index, self.room)
            .await;
        match joined {
            Ok(member) => {
                self.members.insert(Member::Leg(leg), member);
                self.agent_legs.insert(leg, agent);
                Input::LegAnswered(leg)
            }
            Err(why) => {
                tracing::warn!(call = %self.call, %agent, %why, "the agent's audio could not join");
                // The agent accepted: release them to wrap-up rather than leave them on a call.
                self.kit.hub.call_ended(self.tenant, self.call).await;
                Input::LegEnded(leg, LegEnd::Lost(why.to_string()))
            }
        }
    }

    async fn add_source(
        &mut self,
        id: crate::machine::SourceId,
        kind: SourceKind,
    ) -> Option<Input> {
        let source = match kind {
            SourceKind::Prompts => Source::Prompts(PromptPlayer::new()),
            SourceKind::Music => Source::Music(MusicLoop::generated()),
            SourceKind::Ringback(language) => Source::Tone(ToneGenerator::new(match language {
                Language::Mandarin => ToneSpec::RINGBACK_CN,
                Language::English => ToneSpec::RINGBACK_US,
            })),
        };
        match self.worker.add_source(self.room, source).await {
            Ok(member) => {
                self.members.insert(Member::Source(id), member);
                None
            }
            // Without its prompt player the call cannot run; music and tones are optional.
            Err(e) if kind == SourceKind::Prompts => {
                Some(Input::MediaFailed(format!("media: {e}")))
            }
            Err(e) => {
                tracing::info!(call = %self.call, error = %e, ?kind, "a media source could not be added");
                None
            }
        }
    }

    async fn store_voicemail(&mut self, mailbox: String) -> Input {
        let samples = self.recording.take().unwrap_or_default();
        let duration_ms = samples.len() as u64 * 1_000 / u64::from(SAMPLE_RATE);
        let mut wav = Vec::with_capacity(44 + samples.len() * 2);
        kefu_media::prompt::wav::write_wav(&samples, SAMPLE_RATE, &mut wav);
        let stored = self
            .kit
            .services
            .store_voicemail(
                &self.route.scope,
                NewVoicemail {
                    call: self.call,
                    mailbox,
                    caller: self.caller.clone(),
                    dialled: self.route.number.clone(),
                    wav,
                    duration_ms,
                },
            )
            .await;
        match stored {
            Ok(()) => Input::VoicemailStored { duration_ms },
            Err(why) => {
                tracing::error!(call = %self.call, %why, "storing a voicemail failed");
                Input::VoicemailFailed(why.to_string())
            }
        }
    }

    /// Reads what the caller's leg carried, then closes the room.
    async fn close_room(&mut self) -> MediaSummary {
        let stats = match self.members.get(&Member::Leg(LegId::CALLER)).copied() {
            Some(leg) => self
                .worker
                .with_room(self.room, move |room| room.leg_stats(leg).ok())
                .await
                .ok()
                .flatten(),
            None => None,
        };
        let _ = self.worker.close_room(self.room).await;
        self.members.clear();
        stats
            .map(|s| MediaSummary {
                packets_received: s.packets_in,
                packets_sent: s.packets_out,
                packets_lost: s.lost,
                jitter_ms: u32::try_from(s.jitter.as_millis()).unwrap_or(u32::MAX),
                dtmf_keys: 0,
            })
            .unwrap_or_default()
    }
}
