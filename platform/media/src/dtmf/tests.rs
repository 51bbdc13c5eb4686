use super::*;
use crate::frame::Frame;
use crate::prompt::{MusicLoop, ToneGenerator, ToneSpec};
use crate::test_support::{signal, speech_like};

fn digit(c: char) -> DtmfDigit {
    DtmfDigit::from_char(c).unwrap()
}

#[test]
fn digits_map_to_events_chars_and_frequencies() {
    for (i, c) in "0123456789*#ABCD".chars().enumerate() {
        let d = DtmfDigit::from_event(i as u8).unwrap();
        assert_eq!(d.as_char(), c);
        assert_eq!(DtmfDigit::from_char(c), Some(d));
    }
    assert_eq!(DtmfDigit::from_char('a'), Some(digit('A')));
    assert_eq!(DtmfDigit::from_char('x'), None);
    assert_eq!(DtmfDigit::from_event(16), None);
    assert_eq!(digit('1').frequencies(), (697.0, 1209.0));
    assert_eq!(digit('0').frequencies(), (941.0, 1336.0));
    assert_eq!(digit('#').frequencies(), (941.0, 1477.0));
    assert_eq!(digit('D').frequencies(), (941.0, 1633.0));
}

#[test]
fn telephone_event_payload_round_trips() {
    let e = TelephoneEvent {
        event: 11,
        end: true,
        volume: 10,
        duration: 800,
    };
    assert_eq!(e.to_bytes(), [11, 0x8A, 0x03, 0x20]);
    assert_eq!(TelephoneEvent::parse(&e.to_bytes()), Ok(e));
    assert_eq!(
        TelephoneEvent::parse(&[1, 2, 3]),
        Err(TelephoneEventError::TooShort(3))
    );
}

#[test]
fn receiver_reports_each_event_once_across_updates_and_end_retransmits() {
    let mut r = TelephoneEventReceiver::new();
    let ev = |end, duration| TelephoneEvent {
        event: 5,
        end,
        volume: 10,
        duration,
    };
    assert_eq!(
        r.receive(1_000, ev(false, 160)).map(|d| d.digit),
        Some(digit('5'))
    );
    for d in [320, 480] {
        assert_eq!(r.receive(1_000, ev(false, d)), None);
    }
    for _ in 0..END_RETRANSMITS {
        assert_eq!(r.receive(1_000, ev(true, 480)), None);
    }
    // Only the end packets of the next event made it: still one digit.
    assert_eq!(
        r.receive(3_000, ev(true, 640)).map(|d| d.timestamp),
        Some(3_000)
    );
    assert_eq!(r.receive(3_000, ev(true, 640)), None);
    // A straggler of the first event does not repeat it.
    assert_eq!(r.receive(1_000, ev(true, 480)), None);
    // Flash (16) is not a key.
    assert_eq!(
        r.receive(
            5_000,
            TelephoneEvent {
                event: 16,
                end: false,
                volume: 0,
                duration: 160
            }
        ),
        None
    );
}

#[test]
fn sender_grows_duration_then_sends_three_ends_then_pauses() {
    let mut s = TelephoneEventSender::new();
    assert!(!s.is_busy());
    assert!(s.queue(digit('7'), 5));
    assert!(s.queue(digit('8'), 2));
    let mut packets = Vec::new();
    while s.is_busy() {
        packets.push(s.tick().unwrap());
    }
    assert_eq!(packets.len(), 5 + 3);
    let durations: Vec<u16> = packets.iter().map(|p| p.event.duration).collect();
    assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800, 800]);
    assert!(packets[0].marker && packets[1..].iter().all(|p| !p.marker));
    assert!(packets[..5].iter().all(|p| !p.event.end) && packets[5..].iter().all(|p| p.event.end));
    assert!(packets.iter().all(|p| p.event.event == 7));
    // Two silent ticks, then the next key.
    assert_eq!(s.tick(), None);
    assert_eq!(s.tick(), None);
    let next = s.tick().unwrap();
    assert!(next.marker && next.event.event == 8);
}

#[test]
fn sender_queue_is_bounded() {
    let mut s = TelephoneEventSender::new();
    let accepted = (0..40).filter(|_| s.queue(digit('1'), 5)).count();
    assert_eq!(accepted, 32);
}

fn detect_all(frames: &[Frame]) -> String {
    let mut d = DtmfDetector::new();
    frames
        .iter()
        .filter_map(|f| d.detect(f))
        .map(|k| k.as_char())
        .collect()
}

fn key_frames(c: char, amplitude: f32, noise: f32, frames: usize, seed: u64) -> Vec<Frame> {
    let (row, column) = digit(c).frequencies();
    signal(
        &[(row, amplitude), (column, amplitude)],
        noise,
        frames,
        seed,
    )
}

#[test]
fn detects_every_key_once_from_clean_tones() {
    for (i, c) in "0123456789*#ABCD".chars().enumerate() {
        let frames = key_frames(c, 6_000.0, 0.0, 5, i as u64);
        assert_eq!(detect_all(&frames), c.to_string(), "key {c}");
    }
}

#[test]
fn detects_keys_in_noise_and_at_low_level() {
    for (i, c) in "159#0".chars().enumerate() {
        // Noise at about −12 dB relative to the tones.
        let frames = key_frames(c, 4_000.0, 2_400.0, 5, 100 + i as u64);
        assert_eq!(detect_all(&frames), c.to_string(), "noisy key {c}");
        let quiet = key_frames(c, 700.0, 100.0, 5, 200 + i as u64);
        assert_eq!(detect_all(&quiet), c.to_string(), "quiet key {c}");
    }
}

#[test]
fn detects_generated_dtmf_tones_with_gaps_and_holds() {
    let mut frames = Vec::new();
    for c in "1212".chars() {
        let mut tone = ToneGenerator::new(ToneSpec::dtmf(digit(c), 100));
        let mut f = Frame::SILENCE;
        while tone.next_frame(&mut f) {
            frames.push(f);
        }
        frames.extend([Frame::SILENCE; 3]);
    }
    assert_eq!(detect_all(&frames), "1212");
    let held = key_frames('9', 5_000.0, 300.0, 100, 7);
    assert_eq!(detect_all(&held), "9", "a 2 s key is one key");
}

#[test]
fn ignores_short_blips_single_tones_music_and_speech() {
    assert_eq!(
        detect_all(&key_frames('5', 6_000.0, 0.0, 1, 1)),
        "",
        "20 ms is too short"
    );
    assert_eq!(
        detect_all(&signal(&[(1_000.0, 8_000.0)], 100.0, 50, 2)),
        "",
        "a beep"
    );
    assert_eq!(
        detect_all(&signal(&[(697.0, 8_000.0)], 100.0, 50, 3)),
        "",
        "half a key"
    );
    assert_eq!(detect_all(&signal(&[], 8_000.0, 200, 4)), "", "white noise");
    assert_eq!(detect_all(&speech_like(1_000, 5)), "", "speech-like audio");
    let mut music = MusicLoop::generated();
    let frames: Vec<Frame> = (0..800)
        .map(|_| {
            let mut f = Frame::SILENCE;
            music.next_frame(&mut f);
            f
        })
        .collect();
    assert_eq!(detect_all(&frames), "", "hold music");
    assert_eq!(detect_all(&[Frame::SILENCE; 20]), "");
}

#[test]
fn keys_never_show_in_debug_output() {
    let event = crate::leg::LegEvent::Dtmf {
        digit: digit('7'),
        via: crate::leg::DtmfVia::InBand,
    };
    assert!(!format!("{event:?}").contains('7'), "{event:?}");
}
