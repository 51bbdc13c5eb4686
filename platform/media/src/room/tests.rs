use super::*;
use crate::dtmf::TelephoneEvent;
use crate::g711::G711;
use crate::leg::{Component, DtmfVia, LegError, RtpLeg, RtpLegConfig, Transmit};
use crate::prompt::FinishReason;
use crate::prompt::{MusicLoop, PromptPlayer};
use crate::rtp::RtpHeader;
use std::sync::{Arc, Mutex};

/// A second, transport-free implementation of [`Leg`]: speaks a constant level and remembers
/// what the room gave it. The room must work with it exactly as with an RTP leg.
struct ScriptedLeg {
    level: i16,
    heard: Arc<Mutex<Vec<Frame>>>,
}

impl Leg for ScriptedLeg {
    fn handle_receive(&mut self, _: Instant, _: Datagram<'_>) {}
    fn pull_frame(&mut self, _: Instant, out: &mut Frame) -> bool {
        out.0.fill(self.level);
        true
    }
    fn push_frame(&mut self, _: Instant, frame: &Frame) {
        self.heard.lock().unwrap().push(*frame);
    }
    fn send_dtmf(&mut self, _: DtmfDigit, _: Duration) -> Result<(), LegError> {
        Err(LegError::DtmfQueueFull)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        None
    }
    fn poll_event(&mut self) -> Option<LegEvent> {
        None
    }
    fn stats(&self) -> LegStats {
        LegStats::default()
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

struct Party {
    id: MemberId,
    heard: Arc<Mutex<Vec<Frame>>>,
}

impl Party {
    fn last(&self) -> Frame {
        *self.heard.lock().unwrap().last().expect("heard something")
    }
    fn level(&self) -> i16 {
        let f = self.last();
        assert!(f.0.iter().all(|&s| s == f.0[0]), "uneven frame {f:?}");
        f.0[0]
    }
}

fn party(room: &mut MediaRoom, level: i16) -> Party {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let id = room
        .add_participant(Box::new(ScriptedLeg {
            level,
            heard: heard.clone(),
        }))
        .unwrap();
    Party { id, heard }
}

fn tick(room: &mut MediaRoom) -> Vec<RoomOutput> {
    room.tick(Instant::now());
    std::iter::from_fn(|| room.poll_output()).collect()
}

#[test]
fn two_party_bridge() {
    let mut room = MediaRoom::new();
    let (a, b) = (party(&mut room, 1_000), party(&mut room, -2_000));
    tick(&mut room);
    assert_eq!(
        (a.level(), b.level()),
        (0, 0),
        "nobody hears anybody until linked"
    );
    room.bridge(a.id, b.id).unwrap();
    tick(&mut room);
    assert_eq!((a.level(), b.level()), (-2_000, 1_000));
    assert_eq!(room.hears(a.id, b.id), Gain::UNITY);
}

#[test]
fn hold_gives_the_caller_music_and_the_agent_silence() {
    let mut room = MediaRoom::new();
    let (caller, agent) = (party(&mut room, 1_000), party(&mut room, 2_000));
    let music = room
        .add_source(Source::Music(MusicLoop::new(Prompt::from_samples(vec![
            300;
            320
        ]))))
        .unwrap();
    room.bridge(caller.id, agent.id).unwrap();
    room.hold(caller.id, agent.id, music).unwrap();
    tick(&mut room);
    assert_eq!((caller.level(), agent.level()), (300, 0));
    room.bridge(caller.id, agent.id).unwrap();
    room.set_hears(caller.id, music, Gain::MUTE).unwrap();
    tick(&mut room);
    assert_eq!((caller.level(), agent.level()), (2_000, 1_000), "resumed");
}

#[test]
fn conference_is_mix_minus() {
    let mut room = MediaRoom::new();
    let parties: Vec<Party> = [100, 200, 300, 400]
        .into_iter()
        .map(|l| party(&mut room, l))
        .collect();
    let ids: Vec<MemberId> = parties.iter().map(|p| p.id).collect();
    room.conference(&ids).unwrap();
    tick(&mut room);
    let heard: Vec<i16> = parties.iter().map(Party::level).collect();
    assert_eq!(heard, vec![900, 800, 700, 600]);
    assert_eq!(
        room.set_hears(ids[0], ids[0], Gain::UNITY),
        Err(RoomError::SelfLink(ids[0]))
    );
}

#[test]
fn mixing_saturates_instead_of_wrapping() {
    let mut room = MediaRoom::new();
    let (loud, louder, listener) = (
        party(&mut room, 30_000),
        party(&mut room, 30_000),
        party(&mut room, 0),
    );
    let (neg1, neg2, listener2) = (
        party(&mut room, -30_000),
        party(&mut room, -30_000),
        party(&mut room, 0),
    );
    room.set_hears(listener.id, loud.id, Gain::UNITY).unwrap();
    room.set_hears(listener.id, louder.id, Gain::UNITY).unwrap();
    room.set_hears(listener2.id, neg1.id, Gain::UNITY).unwrap();
    room.set_hears(listener2.id, neg2.id, Gain::UNITY).unwrap();
    tick(&mut room);
    assert_eq!((listener.level(), listener2.level()), (i16::MAX, i16::MIN));
}

#[test]
fn listen_only_supervisor_is_heard_by_nobody() {
    let mut room = MediaRoom::new();
    let (caller, agent, supervisor) = (
        party(&mut room, 1_000),
        party(&mut room, 2_000),
        party(&mut room, 4_000),
    );
    room.bridge(caller.id, agent.id).unwrap();
    room.set_hears(caller.id, supervisor.id, Gain::UNITY)
        .unwrap(); // will be cleared
    room.listen(supervisor.id, &[caller.id, agent.id]).unwrap();
    tick(&mut room);
    assert_eq!(
        (caller.level(), agent.level(), supervisor.level()),
        (2_000, 1_000, 3_000)
    );
}

#[test]
fn whisper_reaches_the_agent_only() {
    let mut room = MediaRoom::new();
    let (caller, agent, supervisor) = (
        party(&mut room, 1_000),
        party(&mut room, 2_000),
        party(&mut room, 4_000),
    );
    room.bridge(caller.id, agent.id).unwrap();
    room.whisper(supervisor.id, agent.id, caller.id).unwrap();
    tick(&mut room);
    assert_eq!(
        caller.level(),
        2_000,
        "the caller does not hear the supervisor"
    );
    assert_eq!(
        agent.level(),
        5_000,
        "the agent hears caller and supervisor"
    );
    assert_eq!(supervisor.level(), 3_000);
    // Barge: everyone hears everyone.
    room.conference(&[caller.id, agent.id, supervisor.id])
        .unwrap();
    tick(&mut room);
    assert_eq!(
        (caller.level(), agent.level(), supervisor.level()),
        (6_000, 5_000, 3_000)
    );
}

#[test]
fn gains_scale_and_removal_forgets_links() {
    let mut room = MediaRoom::new();
    let (a, b, c) = (
        party(&mut room, 1_000),
        party(&mut room, 2_000),
        party(&mut room, 0),
    );
    room.set_hears(c.id, a.id, Gain::percent(50)).unwrap();
    room.set_hears(c.id, b.id, Gain::percent(200)).unwrap();
    tick(&mut room);
    assert_eq!(c.level(), 500 + 4_000);
    assert_eq!(Gain::percent(1_000), Gain::MAX);
    assert!(room.remove(b.id).unwrap().is_some());
    tick(&mut room);
    assert_eq!(c.level(), 500);
    assert_eq!(room.hears(c.id, b.id), Gain::MUTE);
    assert_eq!(
        room.set_hears(c.id, b.id, Gain::UNITY),
        Err(RoomError::UnknownMember(b.id))
    );
    let music = room
        .add_source(Source::Music(MusicLoop::generated()))
        .unwrap();
    assert_eq!(
        room.set_hears(music, a.id, Gain::UNITY),
        Err(RoomError::SourceCannotListen(music))
    );
    assert_eq!(room.leg_stats(music), Err(RoomError::NotParticipant(music)));
    assert!(matches!(
        room.play(a.id, PromptId(1), Prompt::from_samples(vec![1]), false),
        Err(RoomError::NotPromptPlayer(_))
    ));
}

#[test]
fn rooms_are_bounded() {
    let mut room = MediaRoom::new();
    for _ in 0..MAX_MEMBERS {
        room.add_source(Source::Music(MusicLoop::new(Prompt::from_samples(vec![]))))
            .unwrap();
    }
    assert_eq!(
        room.add_source(Source::Music(MusicLoop::generated())).err(),
        Some(RoomError::Full)
    );
    assert_eq!(room.len(), MAX_MEMBERS);
}

#[test]
fn recorder_tap_gives_each_participant_its_own_channel() {
    let mut room = MediaRoom::new();
    let (caller, agent) = (party(&mut room, 1_000), party(&mut room, 2_000));
    room.add_source(Source::Music(MusicLoop::generated()))
        .unwrap();
    room.bridge(caller.id, agent.id).unwrap();
    assert!(tick(&mut room).is_empty(), "no tap while not recording");
    room.set_recording(true);
    let outputs = tick(&mut room);
    let [RoomOutput::Tap(tap)] = outputs.as_slice() else {
        panic!("{outputs:?}")
    };
    assert_eq!(tap.tick, 2);
    let channels: Vec<(MemberId, i16)> = tap.channels.iter().map(|(id, f)| (*id, f.0[0])).collect();
    assert_eq!(channels, vec![(caller.id, 1_000), (agent.id, 2_000)]);
}

#[test]
fn prompts_finish_and_a_key_barges_in() {
    let t0 = Instant::now();
    let phone: std::net::SocketAddr = "192.0.2.1:5000".parse().unwrap();
    let mut room = MediaRoom::new();
    let caller = room
        .add_participant(Box::new(
            RtpLeg::new(RtpLegConfig::new(G711::Pcmu, Some(phone), 5), t0).unwrap(),
        ))
        .unwrap();
    let player = room
        .add_source(Source::Prompts(PromptPlayer::new()))
        .unwrap();
    room.set_hears(caller, player, Gain::UNITY).unwrap();
    room.play(
        player,
        PromptId(1),
        Prompt::from_samples(vec![100; 320]),
        false,
    )
    .unwrap();
    room.play(
        player,
        PromptId(2),
        Prompt::from_samples(vec![200; 16_000]),
        true,
    )
    .unwrap();
    let mut events = Vec::new();
    for _ in 0..3 {
        events.extend(tick(&mut room).into_iter().filter_map(|o| match o {
            RoomOutput::Event(e) => Some(e),
            _ => None,
        }));
    }
    assert_eq!(
        events,
        vec![RoomEvent::PromptFinished {
            source: player,
            prompt: PromptId(1),
            reason: FinishReason::Completed
        }]
    );
    // The caller presses 5 (RFC 4733) while prompt 2 plays.
    let mut packet = Vec::new();
    RtpHeader {
        marker: true,
        payload_type: 101,
        sequence: 1,
        timestamp: 0,
        ssrc: 9,
    }
    .write(
        &TelephoneEvent {
            event: 5,
            end: false,
            volume: 10,
            duration: 160,
        }
        .to_bytes(),
        &mut packet,
    );
    room.handle_receive(
        t0,
        caller,
        Datagram {
            component: Component::Rtp,
            source: phone,
            payload: &packet,
        },
    )
    .unwrap();
    let events: Vec<RoomEvent> = std::iter::from_fn(|| room.poll_output())
        .filter_map(|o| match o {
            RoomOutput::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        vec![
            RoomEvent::Latched {
                participant: caller,
                remote: phone
            },
            RoomEvent::Dtmf {
                participant: caller,
                digit: DtmfDigit::from_char('5').unwrap(),
                via: DtmfVia::TelephoneEvent
            },
            RoomEvent::PromptFinished {
                source: player,
                prompt: PromptId(2),
                reason: FinishReason::Interrupted
            },
        ]
    );
}

#[test]
fn rtp_legs_exchange_audio_through_the_room_without_sockets() {
    let t0 = Instant::now();
    let (pa, pb): (std::net::SocketAddr, std::net::SocketAddr) = (
        "192.0.2.1:5000".parse().unwrap(),
        "192.0.2.2:6000".parse().unwrap(),
    );
    let mut room = MediaRoom::new();
    let a = room
        .add_participant(Box::new(
            RtpLeg::new(RtpLegConfig::new(G711::Pcma, Some(pa), 1), t0).unwrap(),
        ))
        .unwrap();
    let b = room
        .add_participant(Box::new(
            RtpLeg::new(RtpLegConfig::new(G711::Pcmu, Some(pb), 2), t0).unwrap(),
        ))
        .unwrap();
    room.bridge(a, b).unwrap();
    let mut to_b = Vec::new();
    for n in 0..10u16 {
        let now = t0 + Duration::from_millis(20 * u64::from(n));
        let mut packet = Vec::new();
        RtpHeader {
            marker: false,
            payload_type: 8,
            sequence: n,
            timestamp: u32::from(n) * 160,
            ssrc: 77,
        }
        .write(&[crate::g711::linear_to_alaw(4_000); 160], &mut packet);
        room.handle_receive(
            now,
            a,
            Datagram {
                component: Component::Rtp,
                source: pa,
                payload: &packet,
            },
        )
        .unwrap();
        room.tick(now);
        while let Some(o) = room.poll_output() {
            if let RoomOutput::Transmit {
                participant,
                transmit,
            } = o
                && participant == b
            {
                to_b.push(transmit);
            }
        }
    }
    assert_eq!(to_b.len(), 10);
    assert!(to_b.iter().all(|t| t.destination == pb));
    // Transcoded A-law → linear → µ-law: B receives A's level once the jitter buffer fills.
    let last = crate::rtp::RtpPacket::parse(&to_b[9].payload).unwrap();
    assert_eq!(last.header.payload_type, 0);
    let mut decoded = [0i16; 160];
    G711::Pcmu.decode(last.payload, &mut decoded);
    assert!(
        decoded.iter().all(|&s| (s - 4_000).abs() < 150),
        "{:?}",
        &decoded[..4]
    );
    assert_eq!(room.leg_stats(a).unwrap().packets_in, 10);
}

#[test]
fn the_creator_can_reach_its_rtp_leg_for_a_re_invite() {
    let t0 = Instant::now();
    let old: std::net::SocketAddr = "192.0.2.1:5000".parse().unwrap();
    let new: std::net::SocketAddr = "192.0.2.9:7000".parse().unwrap();
    let mut room = MediaRoom::new();
    let id = room
        .add_participant(Box::new(
            RtpLeg::new(RtpLegConfig::new(G711::Pcmu, Some(old), 5), t0).unwrap(),
        ))
        .unwrap();
    let leg = room
        .leg_mut(id)
        .unwrap()
        .as_any_mut()
        .downcast_mut::<RtpLeg>()
        .unwrap();
    leg.set_remote(Some(new));
    let outputs = tick(&mut room);
    let [RoomOutput::Transmit { transmit, .. }] = outputs.as_slice() else {
        panic!("{outputs:?}")
    };
    assert_eq!(transmit.destination, new);
}

#[test]
fn one_shot_tones_report_their_end_once_and_prompts_can_be_stopped() {
    use crate::prompt::{ToneGenerator, ToneSpec};
    let mut room = MediaRoom::new();
    let caller = party(&mut room, 0);
    let beep = room
        .add_source(Source::Tone(ToneGenerator::new(ToneSpec::BEEP)))
        .unwrap();
    room.set_hears(caller.id, beep, Gain::UNITY).unwrap();
    let mut finished = 0;
    let mut loud_ticks = 0;
    for _ in 0..30 {
        finished += tick(&mut room)
            .iter()
            .filter(|o| **o == RoomOutput::Event(RoomEvent::ToneFinished { source: beep }))
            .count();
        if caller.last().power() > 1_000_000.0 {
            loud_ticks += 1;
        }
    }
    assert_eq!(
        (finished, loud_ticks),
        (1, 10),
        "a 200 ms beep, reported once"
    );

    let player = room
        .add_source(Source::Prompts(PromptPlayer::new()))
        .unwrap();
    room.play(
        player,
        PromptId(7),
        Prompt::from_samples(vec![1; 8_000]),
        false,
    )
    .unwrap();
    assert_eq!(
        room.interrupt_prompts(player, false),
        Ok(false),
        "not interruptible by barge-in"
    );
    assert_eq!(room.interrupt_prompts(player, true), Ok(true));
    let outputs: Vec<RoomOutput> = std::iter::from_fn(|| room.poll_output()).collect();
    assert_eq!(
        outputs,
        vec![RoomOutput::Event(RoomEvent::PromptFinished {
            source: player,
            prompt: PromptId(7),
            reason: FinishReason::Interrupted,
        })]
    );
}
