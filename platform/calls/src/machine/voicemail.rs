//! Voicemail: the greeting and beep, recording the caller, keeping the message.

use std::time::Instant;

use super::io::{LegId, Output};
use super::{CallMachine, Purpose, Recording};
use crate::ivr::{Playback, Prompt, VoicemailRequest};

impl CallMachine {
    pub(super) fn start_voicemail(&mut self, now: Instant, voicemail: VoicemailRequest) {
        self.leave_queue(now, "the IVR sent the call to voicemail");
        let mut prompts = if voicemail.greeting.is_empty() {
            vec![Prompt::System("voicemail".into())]
        } else {
            voicemail.greeting.clone()
        };
        prompts.push(Prompt::Beep);
        self.voicemail = Some(voicemail);
        let playback = Playback {
            tag: "kefu:voicemail".into(),
            prompts,
            barge_in: false,
        };
        self.play(playback, Purpose::VoicemailGreeting);
    }

    pub(super) fn begin_recording(&mut self, now: Instant) {
        let Some(voicemail) = self.voicemail.take() else {
            return;
        };
        self.outputs.push_back(Output::Record {
            leg: LegId::CALLER,
            on: true,
        });
        self.recording = Some(Recording {
            mailbox: voicemail.mailbox,
            until: now + self.settings.max_voicemail,
        });
    }

    /// Stops the recording and asks for it to be kept; the answer arrives while the call
    /// closes.
    pub(super) fn finish_recording(&mut self) -> bool {
        let Some(recording) = self.recording.take() else {
            return false;
        };
        self.outputs.push_back(Output::Record {
            leg: LegId::CALLER,
            on: false,
        });
        self.outputs.push_back(Output::StoreVoicemail {
            mailbox: recording.mailbox.clone(),
        });
        self.storing = Some(recording.mailbox);
        true
    }
}
