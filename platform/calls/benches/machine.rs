//! Call machine benchmark: inputs per second on one core for a typical IVR call, and memory
//! per call machine mid-call.
//!
//! The scripted call: arrival, the IVR answering with a greeting and a menu, a key after the
//! prompt, the IVR queueing the call, 20 position updates answered by the IVR, the queue
//! letting go, voicemail with `#`, the room closing — 54 inputs and every output drained, as
//! the driver would. Criterion measures the mean per call; a plain loop afterwards prints
//! inputs per second and, from the resident set, the memory of 100,000 machines held mid-call
//! (waiting in a queue). Run: `cargo bench -p kefu-calls --bench machine` (release).

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use kefu_calls::ivr::{CollectSpec, EnqueueRequest, IvrAction, Playback, Prompt, VoicemailRequest};
use kefu_calls::machine::{
    Answering, CallMachine, CallSetup, Input, LegEnd, LegId, MachineSettings, Output, PlayId,
    QueueInput,
};
use kefu_core::event::{CallReceived, Direction, MediaSummary};
use kefu_core::{CallId, TenantId};

/// Resident memory of this process, from `/proc/self/statm` (0 where unavailable).
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn setup() -> CallSetup {
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
            sip_call_id: "bench".into(),
            node: "bench".into(),
        },
        started_at: SystemTime::now(),
        entry: Answering::Ivr,
        fallback_queue: None,
        session_timer: None,
    }
}

/// Feeds one input and drains; returns the last play started, if any.
fn feed(m: &mut CallMachine, now: Instant, input: Input, inputs: &mut u64) -> Option<PlayId> {
    *inputs += 1;
    m.handle_input(now, input);
    let mut play = None;
    while let Some(o) = m.poll_output() {
        if let Output::Play { play: id, .. } = o {
            play = Some(id);
        }
        black_box(&o);
    }
    play
}

/// The call up to waiting in the queue.
fn to_queue(t0: Instant, inputs: &mut u64) -> CallMachine {
    let mut m = CallMachine::new(setup(), MachineSettings::default(), t0);
    while m.poll_output().is_some() {}
    feed(&mut m, t0, Input::Start, inputs);
    let greeting = feed(
        &mut m,
        t0,
        Input::Ivr(Ok(vec![
            IvrAction::Answer,
            IvrAction::Visit("main".into()),
            IvrAction::Play(Playback {
                tag: "greeting".into(),
                prompts: vec![Prompt::Tenant("greeting".into())],
                barge_in: true,
            }),
            IvrAction::CollectDigits(CollectSpec {
                tag: "menu".into(),
                min_digits: 1,
                max_digits: 1,
                timeout_ms: 5_000,
                terminator: None,
                prompt: vec![Prompt::Tenant("menu".into())],
                barge_in: true,
            }),
        ])),
        inputs,
    )
    .expect("greeting");
    let t = t0 + Duration::from_secs(3);
    let menu = feed(&mut m, t, Input::PlayFinished(greeting), inputs).expect("menu");
    let t = t + Duration::from_secs(4);
    feed(&mut m, t, Input::PlayFinished(menu), inputs);
    feed(
        &mut m,
        t + Duration::from_secs(2),
        Input::Dtmf(LegId::CALLER, '2'),
        inputs,
    );
    feed(
        &mut m,
        t + Duration::from_secs(2),
        Input::Ivr(Ok(vec![IvrAction::Enqueue(EnqueueRequest::to("support"))])),
        inputs,
    );
    feed(
        &mut m,
        t + Duration::from_secs(2),
        Input::Queue(QueueInput::Waiting),
        inputs,
    );
    m
}

/// One whole call; returns the inputs fed.
fn one_call(t0: Instant) -> u64 {
    let mut inputs = 0;
    let mut m = to_queue(t0, &mut inputs);
    let mut t = t0 + Duration::from_secs(10);
    for position in (1..=20).rev() {
        t += Duration::from_secs(30);
        feed(
            &mut m,
            t,
            Input::Queue(QueueInput::Position {
                position,
                estimated_wait_secs: Some(position * 30),
            }),
            &mut inputs,
        );
        feed(&mut m, t, Input::Ivr(Ok(Vec::new())), &mut inputs);
    }
    feed(
        &mut m,
        t,
        Input::Queue(QueueInput::Released("TimedOut".into())),
        &mut inputs,
    );
    let greeting = feed(
        &mut m,
        t,
        Input::Ivr(Ok(vec![IvrAction::Voicemail(VoicemailRequest {
            mailbox: "support".into(),
            greeting: Vec::new(),
        })])),
        &mut inputs,
    );
    if let Some(play) = greeting {
        feed(&mut m, t, Input::PlayFinished(play), &mut inputs);
    }
    t += Duration::from_secs(20);
    feed(&mut m, t, Input::Dtmf(LegId::CALLER, '#'), &mut inputs);
    feed(
        &mut m,
        t,
        Input::VoicemailStored {
            duration_ms: 20_000,
        },
        &mut inputs,
    );
    feed(
        &mut m,
        t,
        Input::LegEnded(LegId::CALLER, LegEnd::Bye),
        &mut inputs,
    );
    feed(
        &mut m,
        t,
        Input::RoomClosed(MediaSummary::default()),
        &mut inputs,
    );
    assert!(m.is_finished());
    inputs
}

fn main() {
    let t0 = Instant::now();
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("call_machine/whole_ivr_call", |b| b.iter(|| one_call(t0)));
    c.final_summary();

    // Inputs per second, one core.
    let calls = 20_000;
    let start = Instant::now();
    let mut inputs = 0;
    for _ in 0..calls {
        inputs += one_call(t0);
    }
    let took = start.elapsed();
    let per_sec = inputs as f64 / took.as_secs_f64();
    println!(
        "call machine: {inputs} inputs over {calls} calls in {:.2} s = {:.0} inputs/s ({:.2} µs/input) on one core",
        took.as_secs_f64(),
        per_sec,
        took.as_secs_f64() * 1e6 / inputs as f64
    );

    // Heap per machine mid-call (waiting in a queue, after a menu).
    let held = 100_000;
    let before = resident_bytes();
    let mut machines = Vec::with_capacity(held);
    for _ in 0..held {
        let mut n = 0;
        machines.push(to_queue(t0, &mut n));
    }
    let after = resident_bytes();
    println!(
        "call machine: {:.0} bytes resident per machine mid-call ({} inline), {held} held",
        after.saturating_sub(before) as f64 / held as f64,
        std::mem::size_of::<CallMachine>(),
    );
    black_box(machines);
    println!(
        "conditions: release build, {} CPUs available, one thread",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
}
