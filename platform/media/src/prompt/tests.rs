use super::wav::*;
use super::*;
use crate::g711::linear_to_alaw;

fn pcm_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let mut out = Vec::new();
    write_wav(samples, rate, &mut out);
    out
}

/// A WAV with an arbitrary fmt chunk.
fn wav_with_format(code: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
    out.extend_from_slice(b"LIST\x03\0\0\0abc\0"); // an odd-sized chunk to skip, padded
    out.extend_from_slice(b"fmt \x10\0\0\0");
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(bits) / 8).to_le_bytes());
    out.extend_from_slice(&(bits / 8).to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn reads_pcm_alaw_and_ulaw_prompts() {
    let samples = [0i16, 1_000, -1_000, 32_000];
    let p = Prompt::from_wav(&pcm_wav(&samples, 8_000), DEFAULT_MAX_WAV_BYTES).unwrap();
    assert_eq!(p.samples(), &samples);
    let alaw: Vec<u8> = samples.iter().map(|&s| linear_to_alaw(s)).collect();
    let a = Prompt::from_wav(
        &wav_with_format(6, 1, 8_000, 8, &alaw),
        DEFAULT_MAX_WAV_BYTES,
    )
    .unwrap();
    assert_eq!(a.samples(), &[8, 1_008, -1_008, 32_256]);
    let u = Prompt::from_wav(
        &wav_with_format(7, 1, 8_000, 8, &[0xFF, 0x80]),
        DEFAULT_MAX_WAV_BYTES,
    )
    .unwrap();
    assert_eq!(u.samples(), &[0, 32_124]);
    assert_eq!(
        Prompt::from_samples(vec![0; 8_000]).duration(),
        std::time::Duration::from_secs(1)
    );
    assert_eq!(Prompt::from_samples(vec![0; 161]).frames(), 2);
}

#[test]
fn refuses_what_it_cannot_play_and_names_the_problem() {
    let max = DEFAULT_MAX_WAV_BYTES;
    let cases: Vec<(Vec<u8>, WavError)> = vec![
        (b"OggS....".to_vec(), WavError::NotRiff),
        (b"RIFF\0\0\0\0AVI ".to_vec(), WavError::NotWave),
        (pcm_wav(&[0; 10], 16_000), WavError::SampleRate(16_000)),
        (
            wav_with_format(1, 2, 8_000, 16, &[0; 8]),
            WavError::Channels(2),
        ),
        (
            wav_with_format(3, 1, 8_000, 32, &[0; 8]),
            WavError::UnsupportedEncoding(3),
        ),
        (
            wav_with_format(1, 1, 8_000, 8, &[0; 8]),
            WavError::BitsPerSample {
                encoding: "PCM",
                bits: 8,
            },
        ),
        (
            wav_with_format(1, 1, 8_000, 16, &[0; 3]),
            WavError::DataLength(3),
        ),
        (
            wav_with_format(1, 1, 8_000, 16, &[]),
            WavError::DataLength(0),
        ),
        (
            b"RIFF\0\0\0\0WAVEdata\x02\0\0\0\0\0".to_vec(),
            WavError::MissingFormat,
        ),
        (
            b"RIFF\0\0\0\0WAVEfmt \x04\0\0\0\x01\0\x01\0".to_vec(),
            WavError::FormatTooShort(4),
        ),
        (
            b"RIFF\0\0\0\0WAVEfmt \x40\0\0\0\x01\0".to_vec(),
            WavError::Truncated("fmt ".into()),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            Prompt::from_wav(&bytes, max),
            Err(expected.clone()),
            "{expected}"
        );
    }
    let mut no_data = wav_with_format(1, 1, 8_000, 16, &[0; 4]);
    no_data.truncate(no_data.len() - 12);
    assert_eq!(Prompt::from_wav(&no_data, max), Err(WavError::MissingData));
    let mut short = pcm_wav(&[1; 100], 8_000);
    short.truncate(100);
    assert_eq!(
        Prompt::from_wav(&short, max),
        Err(WavError::Truncated("data".into()))
    );
    let big = pcm_wav(&[0; 1_000], 8_000);
    assert_eq!(
        Prompt::from_wav(&big, 1_000),
        Err(WavError::TooLarge {
            size: 2_044,
            max: 1_000
        })
    );
    assert!(
        WavError::SampleRate(44_100)
            .to_string()
            .contains("44100 Hz")
    );
}

#[test]
fn streamed_sizes_are_accepted_only_when_asked() {
    let mut streamed = pcm_wav(&[5; 10], 22_050);
    let at = streamed.len() - 24;
    streamed[at..at + 4].copy_from_slice(&0x7FFF_F000u32.to_le_bytes());
    let lenient = WavReadOptions {
        max_bytes: 1 << 20,
        streamed: true,
    };
    let audio = read_wav(&streamed, lenient).unwrap();
    assert_eq!((audio.sample_rate, audio.data.len()), (22_050, 20));
    let strict = WavReadOptions {
        streamed: false,
        ..lenient
    };
    assert_eq!(
        read_wav(&streamed, strict),
        Err(WavError::Truncated("data".into()))
    );
}

#[test]
fn extensible_pcm_is_read_as_pcm() {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&8_000u32.to_le_bytes());
    fmt.extend_from_slice(&16_000u32.to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes());
    fmt.extend_from_slice(&[16, 0, 4, 0, 0, 0]);
    fmt.extend_from_slice(&1u16.to_le_bytes()); // sub-format GUID starts with PCM's code
    fmt.extend_from_slice(&[0; 14]);
    let mut bytes = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
    bytes.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&fmt);
    bytes.extend_from_slice(b"data\x02\0\0\0\x10\x00");
    assert_eq!(Prompt::from_wav(&bytes, 1 << 20).unwrap().samples(), &[16]);
}

proptest::proptest! {
    #[test]
    fn wav_reader_never_panics(mut bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        if bytes.len() >= 12 && bytes[0] % 2 == 0 {
            bytes[..4].copy_from_slice(b"RIFF");
            bytes[8..12].copy_from_slice(b"WAVE");
        }
        let _ = Prompt::from_wav(&bytes, 1 << 20);
        let _ = read_wav(&bytes, WavReadOptions { max_bytes: 1 << 20, streamed: true });
    }
}

#[test]
fn player_plays_queued_prompts_frame_aligned_and_reports_finishes() {
    let mut p = PromptPlayer::new();
    assert!(p.enqueue(PromptId(1), Prompt::from_samples(vec![7; 200]), false));
    assert!(p.enqueue(PromptId(2), Prompt::from_samples(vec![9; 160]), false));
    let mut f = Frame::SILENCE;
    assert!(p.next_frame(&mut f));
    assert!(f.0.iter().all(|&s| s == 7));
    assert_eq!(p.poll_finished(), None);
    assert!(p.next_frame(&mut f));
    assert_eq!(
        (f.0[39], f.0[40]),
        (7, 0),
        "prompt 1 ends, rest of the frame is silence"
    );
    assert_eq!(
        p.poll_finished(),
        Some(PromptFinished {
            prompt: PromptId(1),
            reason: FinishReason::Completed
        })
    );
    assert!(p.next_frame(&mut f));
    assert!(f.0.iter().all(|&s| s == 9));
    assert_eq!(p.poll_finished().map(|f| f.prompt), Some(PromptId(2)));
    assert!(!p.next_frame(&mut f));
    assert!(f.is_silent());
}

#[test]
fn barge_in_stops_only_interruptible_prompts() {
    let mut p = PromptPlayer::new();
    p.enqueue(PromptId(1), Prompt::from_samples(vec![1; 1_600]), true);
    p.enqueue(PromptId(2), Prompt::from_samples(vec![2; 1_600]), true);
    p.enqueue(PromptId(3), Prompt::from_samples(vec![3; 1_600]), false);
    assert!(p.interrupt(false));
    let reasons: Vec<_> = std::iter::from_fn(|| p.poll_finished()).collect();
    assert_eq!(
        reasons,
        vec![
            PromptFinished {
                prompt: PromptId(1),
                reason: FinishReason::Interrupted
            },
            PromptFinished {
                prompt: PromptId(2),
                reason: FinishReason::Interrupted
            },
        ]
    );
    assert!(!p.interrupt(false), "prompt 3 does not allow barge-in");
    let mut f = Frame::SILENCE;
    p.next_frame(&mut f);
    assert_eq!(f.0[0], 3);
    p.stop_all();
    assert_eq!(
        p.poll_finished().map(|f| f.reason),
        Some(FinishReason::Stopped)
    );
    assert!(!p.is_playing());
}

#[test]
fn tones_follow_their_cadence() {
    let mut busy = ToneGenerator::new(ToneSpec::BUSY_CN);
    let mut loud = Vec::new();
    for _ in 0..70 {
        let mut f = Frame::SILENCE;
        assert!(busy.next_frame(&mut f));
        loud.push(f.power() > 1_000_000.0);
    }
    // 350 ms on (17.5 frames), 350 ms off, repeating.
    assert!(loud[..17].iter().all(|&l| l));
    assert!(loud[18..35].iter().all(|&l| !l));
    assert!(loud[36..52].iter().all(|&l| l));
    let mut beep = ToneGenerator::new(ToneSpec::BEEP);
    let mut f = Frame::SILENCE;
    let frames = std::iter::from_fn(|| beep.next_frame(&mut f).then_some(())).count();
    assert_eq!(frames, 10);
    assert!(beep.is_done());
    let (row, col) = crate::dtmf::DtmfDigit::from_char('5')
        .unwrap()
        .frequencies();
    assert_eq!(
        ToneSpec::dtmf(crate::dtmf::DtmfDigit::from_char('5').unwrap(), 100).frequencies,
        [row, col]
    );
    let mut ring = ToneGenerator::new(ToneSpec::RINGBACK_US);
    ring.next_frame(&mut f);
    assert!(f.power() > 1_000_000.0);
}

#[test]
fn music_loops_forever() {
    let mut m = MusicLoop::generated();
    let mut f = Frame::SILENCE;
    let mut audible = 0;
    for _ in 0..1_000 {
        assert!(m.next_frame(&mut f));
        if f.power() > 10_000.0 {
            audible += 1;
        }
    }
    assert!(audible > 800, "{audible} of 1000 frames audible");
    // Every caller on hold shares one copy of the generated loop.
    let other = MusicLoop::generated();
    assert_eq!(other.audio().samples().len(), 8 * 8_000);
    assert!(std::ptr::eq(
        m.audio().samples().as_ptr(),
        other.audio().samples().as_ptr()
    ));
    let mut short = MusicLoop::new(Prompt::from_samples(vec![1, 2, 3]));
    short.next_frame(&mut f);
    assert_eq!(&f.0[..7], &[1, 2, 3, 1, 2, 3, 1]);
    assert!(!MusicLoop::new(Prompt::from_samples(vec![])).next_frame(&mut f));
}
