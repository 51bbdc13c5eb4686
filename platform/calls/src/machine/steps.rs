//! The steps of a running call: the IVR's commands carried out on legs, room and queue, and
//! what comes back (keys, plays ending, queue notices, outbound legs answering).

use std::time::Instant;

use kefu_core::DomainEvent;
use kefu_core::event::{Disposition, IvrActionKind};

use super::end::End;
use super::io::{Answering, LegId, Member, Output, PlayId, SourceId, SourceKind, Volume};
use super::{CallMachine, Phase, Playing, Purpose};
use crate::digits::DigitCollector;
use crate::flow::{Command, Ending, Input as FlowInput};
use crate::ivr::{
    EnqueueRequest, IvrAction, IvrError, IvrEvent, Playback, Prompt, VoicemailRequest,
};

impl CallMachine {
    pub(super) fn start(&mut self, now: Instant) {
        if self.phase != Phase::Setup {
            return;
        }
        let prompts = self.room.add_source(SourceKind::Prompts, &mut self.outputs);
        self.room.hear(
            LegId::CALLER,
            Member::Source(prompts),
            Volume::FULL,
            &mut self.outputs,
        );
        self.prompts = Some(prompts);
        let ring = self.settings.ring_before_answer;
        if ring.is_zero() {
            self.phase = Phase::Running;
            self.flow.start();
            return;
        }
        self.outputs.push_back(Output::Ring {
            leg: LegId::CALLER,
            early_media: self.settings.early_media,
        });
        if self.settings.early_media {
            self.ringback = Some(self.ringback_tone());
        }
        self.phase = Phase::Ringing { until: now + ring };
    }

    pub(super) fn ringing_over(&mut self, now: Instant) {
        if let Some(tone) = self.ringback.take() {
            self.room.remove(Member::Source(tone), &mut self.outputs);
        }
        self.phase = Phase::Running;
        self.flow.start();
        self.run_flow(now);
    }

    pub(super) fn ringback_tone(&mut self) -> SourceId {
        let tone = self.room.add_source(
            SourceKind::Ringback(self.settings.language),
            &mut self.outputs,
        );
        self.room.hear(
            LegId::CALLER,
            Member::Source(tone),
            Volume::FULL,
            &mut self.outputs,
        );
        tone
    }

    /// Carries out every command the IVR flow has ready.
    pub(super) fn run_flow(&mut self, now: Instant) {
        while self.phase == Phase::Running {
            let Some(command) = self.flow.poll() else {
                break;
            };
            self.command(now, command);
            self.check_collector(now);
        }
    }

    pub(super) fn command(&mut self, now: Instant, command: Command) {
        match command {
            Command::AskPlugin(event) => match &self.setup.entry {
                Answering::Ivr => {
                    self.asked.push_back(event.clone());
                    let view = Box::new(self.flow.view().clone());
                    self.outputs.push_back(Output::AskIvr(event, view));
                }
                Answering::Queue(queue) => {
                    let actions = builtin_queue_entry(&event, queue);
                    self.flow.handle(FlowInput::Actions(actions));
                }
            },
            Command::Answer => self.answer(now),
            Command::Play(playback) => {
                self.answer(now);
                let purpose = if self.queued.is_some() {
                    Purpose::Announcement
                } else {
                    Purpose::Play
                };
                self.play(playback, purpose);
            }
            Command::Collect { spec, preset } => {
                self.answer(now);
                let has_prompt = !spec.prompt.is_empty() && preset.is_empty();
                self.collector = Some(DigitCollector::new(&spec, &preset, has_prompt, now));
                if has_prompt {
                    let playback = Playback {
                        tag: spec.tag.clone(),
                        prompts: spec.prompt.clone(),
                        barge_in: spec.barge_in,
                    };
                    self.play(playback, Purpose::CollectPrompt);
                }
            }
            Command::Enqueue(request) => {
                self.answer(now);
                self.enqueue(now, request);
            }
            Command::Dequeue => self.leave_queue(now, "the IVR took the call back"),
            Command::Transfer(target) => {
                self.answer(now);
                self.start_transfer(now, target);
            }
            Command::Voicemail(voicemail) => {
                self.answer(now);
                self.start_voicemail(now, voicemail);
            }
            Command::HangUp(Ending::PluginHungUp) => {
                let disposition = self.disposition.unwrap_or(Disposition::EndedInIvr);
                self.end(now, End::System(disposition, None));
            }
            Command::HangUp(Ending::PluginFailed(why)) => {
                self.end(now, End::System(Disposition::Failed, Some(why)));
            }
        }
    }

    pub(super) fn answer(&mut self, now: Instant) {
        if self.answered_at.is_some() {
            return;
        }
        self.outputs.push_back(Output::Answer(LegId::CALLER));
        self.answered_at = Some(now);
        self.refreshed = now;
        self.emit(DomainEvent::CallAnswered {
            call: self.setup.call,
        });
    }

    pub(super) fn play(&mut self, playback: Playback, purpose: Purpose) {
        let Some(source) = self.prompts else {
            return;
        };
        let id = PlayId(self.next_play);
        self.next_play += 1;
        if matches!(purpose, Purpose::Announcement | Purpose::Position) {
            self.set_music(false);
        }
        self.playing = Some(Playing {
            id,
            tag: playback.tag.clone(),
            barge_in: playback.barge_in,
            key: None,
            purpose,
        });
        let language = self.flow.view().language;
        self.outputs.push_back(Output::Play {
            source,
            play: id,
            playback,
            language,
        });
    }

    pub(super) fn set_music(&mut self, on: bool) {
        let Some(music) = self.queued.as_ref().and_then(|q| q.music) else {
            return;
        };
        let volume = if on { Volume::MUSIC } else { Volume::OFF };
        self.room.hear(
            LegId::CALLER,
            Member::Source(music),
            volume,
            &mut self.outputs,
        );
    }

    pub(super) fn key(&mut self, now: Instant, leg: LegId, key: char) {
        if self.phase != Phase::Running {
            return;
        }
        if leg != LegId::CALLER {
            // The talking agent's keys go to the caller's side (an IVR or a far party).
            if self
                .agent
                .as_ref()
                .is_some_and(|a| a.leg == leg && a.joined && a.held.is_none())
            {
                self.outputs.push_back(Output::SendDtmf {
                    leg: LegId::CALLER,
                    key,
                });
            }
            return;
        }
        self.dtmf_keys += 1;
        if self.recording.is_some() {
            if key == '#' {
                self.finish_recording();
                self.end(now, End::System(Disposition::Voicemail, None));
            }
            return;
        }
        if let Some(collector) = &mut self.collector {
            let counted = collector.key(key, now);
            if counted
                && let Some(playing) = &self.playing
                && playing.purpose == Purpose::CollectPrompt
            {
                self.stop_plays();
            }
            return;
        }
        if let Some(playing) = &mut self.playing
            && playing.barge_in
            && playing.purpose == Purpose::Play
            && playing.key.is_none()
        {
            playing.key = Some(key);
            self.stop_plays();
        }
    }

    pub(super) fn stop_plays(&mut self) {
        if let Some(source) = self.prompts {
            self.outputs.push_back(Output::StopPlays(source));
        }
    }

    pub(super) fn play_finished(&mut self, now: Instant, play: PlayId) {
        let Some(playing) = self.playing.take_if(|p| p.id == play) else {
            return; // an older play
        };
        match playing.purpose {
            Purpose::Play | Purpose::Announcement => {
                if playing.purpose == Purpose::Announcement {
                    self.set_music(true);
                }
                self.flow.handle(FlowInput::PromptFinished {
                    tag: playing.tag,
                    key: playing.key,
                });
            }
            Purpose::CollectPrompt => {
                if let Some(c) = &mut self.collector {
                    c.prompt_finished(now);
                }
            }
            Purpose::VoicemailGreeting => self.begin_recording(now),
            Purpose::Position => self.set_music(true),
        }
    }

    /// A collection that ended goes to the IVR at once.
    pub(super) fn check_collector(&mut self, _now: Instant) {
        let Some(result) = self.collector.as_ref().and_then(DigitCollector::result) else {
            return;
        };
        self.collector = None;
        self.flow.handle(FlowInput::DigitsCollected(result));
    }

    pub(super) fn ivr_answered(&mut self, now: Instant, answer: Result<Vec<IvrAction>, IvrError>) {
        let Some(asked) = self.asked.pop_front() else {
            return;
        };
        if self.phase != Phase::Running {
            return;
        }
        match answer {
            Ok(actions) => {
                for action in &actions {
                    if let IvrAction::Visit(node) = action {
                        self.emit(DomainEvent::CallIvrAction {
                            call: self.setup.call,
                            action: IvrActionKind::Visit,
                            name: node.clone(),
                        });
                    }
                }
                // An IVR with nothing to say to a queue update: the platform announces the
                // position and the wait itself.
                if let IvrEvent::QueueUpdate {
                    position,
                    estimated_wait_secs,
                    ..
                } = asked
                    && actions.is_empty()
                    && self.playing.is_none()
                    && self.queued.is_some()
                {
                    let playback = Playback {
                        tag: "kefu:queue-position".into(),
                        prompts: vec![Prompt::QueuePosition {
                            position: position.max(1),
                            wait_secs: estimated_wait_secs,
                        }],
                        barge_in: false,
                    };
                    self.play(playback, Purpose::Position);
                }
                self.flow.handle(FlowInput::Actions(actions));
            }
            Err(error) => {
                self.emit(DomainEvent::CallIvrAction {
                    call: self.setup.call,
                    action: IvrActionKind::PluginFailed,
                    name: error.to_string(),
                });
                self.flow.handle(FlowInput::PluginFailed(error.to_string()));
            }
        }
        let _ = now;
    }
}

/// Whether `number` is E.164 (`+` and 8 to 15 digits).
pub(crate) fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// A number answered by a queue: "please hold", queue; when the queue lets go (or refuses
/// the call), voicemail in the queue's mailbox.
fn builtin_queue_entry(event: &IvrEvent, queue: &str) -> Vec<IvrAction> {
    match event {
        IvrEvent::CallStarted => vec![
            IvrAction::Answer,
            IvrAction::Play(Playback {
                tag: "please-hold".into(),
                prompts: vec![Prompt::System("please-hold".into())],
                barge_in: false,
            }),
            IvrAction::Enqueue(EnqueueRequest::to(queue)),
        ],
        IvrEvent::QueueTimeout { .. } | IvrEvent::EnqueueFailed { .. } => vec![
            IvrAction::Play(Playback {
                tag: "busy".into(),
                prompts: vec![Prompt::System("all-agents-busy".into())],
                barge_in: false,
            }),
            IvrAction::Voicemail(VoicemailRequest {
                mailbox: queue.to_owned(),
                greeting: Vec::new(),
            }),
        ],
        IvrEvent::TransferFailed { .. } => vec![IvrAction::HangUp],
        _ => Vec::new(),
    }
}
