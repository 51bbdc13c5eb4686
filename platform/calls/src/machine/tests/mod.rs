//! The call machine with simulated time: no sockets, no sleeps. Each test drives a machine
//! through a [`Call`] harness that feeds inputs, advances the clock to exactly the machine's
//! timeouts and keeps what came out.

use std::time::{Duration, Instant, SystemTime};

use kefu_core::event::{
    CallEnded, CallReceived, ConnectedTo, Direction, Disposition, HangupBy, MediaSummary,
};
use kefu_core::{CallId, DomainEvent, TenantId};

use super::*;
use crate::ivr::{CollectSpec, IvrAction, IvrEvent, Playback, Prompt};

mod agent;
mod ending;
mod ivr;
mod properties;
mod queue;
mod transfer;

/// One simulated call.
pub(super) struct Call {
    pub m: CallMachine,
    pub now: Instant,
    pub t0: Instant,
    /// Everything that came out, in order.
    pub log: Vec<Output>,
}

pub(super) fn setup(
    entry: Answering,
    timer: Option<crate::session_timer::SessionTimer>,
) -> CallSetup {
    let call = CallId::new();
    CallSetup {
        call,
        tenant: TenantId::new(),
        received: CallReceived {
            call,
            direction: Direction::Inbound,
            caller: "+8613800138000".into(),
            dialled: "+862150000000".into(),
            did: None,
            trunk: None,
            entry: None,
            sip_call_id: "sip-1".into(),
            node: "test".into(),
        },
        started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        entry,
        fallback_queue: None,
        session_timer: timer,
    }
}

impl Call {
    /// An IVR call, started (the room is ready).
    pub fn ivr() -> Call {
        Call::with(MachineSettings::default(), Answering::Ivr, None)
    }

    pub fn with(
        settings: MachineSettings,
        entry: Answering,
        timer: Option<crate::session_timer::SessionTimer>,
    ) -> Call {
        Call::from_setup(settings, setup(entry, timer))
    }

    pub fn from_setup(settings: MachineSettings, setup: CallSetup) -> Call {
        let t0 = Instant::now();
        let m = CallMachine::new(setup, settings, t0);
        let mut call = Call {
            m,
            now: t0,
            t0,
            log: Vec::new(),
        };
        let first = call.drain();
        assert!(
            matches!(&first[..], [Output::Emit(DomainEvent::CallReceived(_))]),
            "{first:?}"
        );
        call.feed(Input::Start);
        call
    }

    pub fn drain(&mut self) -> Vec<Output> {
        let out: Vec<Output> = std::iter::from_fn(|| self.m.poll_output()).collect();
        self.log.extend(out.iter().cloned());
        out
    }

    /// Feeds `input` now; returns what came out.
    pub fn feed(&mut self, input: Input) -> Vec<Output> {
        self.m.handle_input(self.now, input);
        self.drain()
    }

    /// Lets `d` pass, firing each timeout at exactly its instant.
    pub fn after(&mut self, d: Duration) -> Vec<Output> {
        let target = self.now + d;
        let mut out = Vec::new();
        while let Some(at) = self.m.poll_timeout() {
            if at > target {
                break;
            }
            self.now = at.max(self.now);
            self.m.handle_timeout(self.now);
            out.extend(self.drain());
        }
        self.now = target;
        out
    }

    /// Seconds since the call arrived.
    pub fn secs(&self) -> f64 {
        (self.now - self.t0).as_secs_f64()
    }

    /// Answers the IVR's pending question with `actions`.
    pub fn ivr_says(&mut self, actions: Vec<IvrAction>) -> Vec<Output> {
        self.feed(Input::Ivr(Ok(actions)))
    }

    /// Finishes the closing: the room closes; returns the call's record.
    pub fn close(&mut self) -> CallEnded {
        assert!(
            self.log.contains(&Output::CloseRoom),
            "the room was never closed: {:?}",
            self.log
        );
        let out = self.feed(Input::RoomClosed(MediaSummary::default()));
        assert_eq!(out.last(), Some(&Output::Finished), "{out:?}");
        assert!(self.m.is_finished());
        ended(&out).expect("call.ended")
    }
}

pub(super) fn ended(out: &[Output]) -> Option<CallEnded> {
    out.iter().find_map(|o| match o {
        Output::Emit(DomainEvent::CallEnded(e)) => Some((**e).clone()),
        _ => None,
    })
}

/// The IVR events asked.
pub(super) fn asked(out: &[Output]) -> Vec<IvrEvent> {
    out.iter()
        .filter_map(|o| match o {
            Output::AskIvr(event, _) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// The plays started, with their ids.
pub(super) fn plays(out: &[Output]) -> Vec<(PlayId, Playback)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Play { play, playback, .. } => Some((*play, playback.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn play(tag: &str, barge_in: bool) -> IvrAction {
    IvrAction::Play(Playback {
        tag: tag.into(),
        prompts: vec![Prompt::System("welcome".into())],
        barge_in,
    })
}

pub(super) fn collect(tag: &str, prompt: bool, barge_in: bool) -> IvrAction {
    IvrAction::CollectDigits(CollectSpec {
        tag: tag.into(),
        min_digits: 1,
        max_digits: 1,
        timeout_ms: 5_000,
        terminator: None,
        prompt: if prompt {
            vec![Prompt::Tenant("menu".into())]
        } else {
            Vec::new()
        },
        barge_in,
    })
}

pub(super) fn disposition(e: &CallEnded) -> (Disposition, HangupBy) {
    (e.disposition, e.hangup_by)
}
