use super::*;
use std::os::unix::fs::PermissionsExt;

fn level_at(samples: &[i16], hz: f32) -> f32 {
    // Correlate with a sine and cosine at `hz`: the amplitude of that component.
    let (mut s, mut c) = (0f32, 0f32);
    for (i, &x) in samples.iter().enumerate() {
        let w = 2.0 * std::f32::consts::PI * hz * i as f32 / 8_000.0;
        s += f32::from(x) * w.sin();
        c += f32::from(x) * w.cos();
    }
    2.0 * (s * s + c * c).sqrt() / samples.len() as f32
}

fn at_rate(hz: f32, rate: u32, seconds: f32) -> Vec<i16> {
    let n = (rate as f32 * seconds) as usize;
    (0..n)
        .map(|i| {
            (10_000.0 * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin()) as i16
        })
        .collect()
}

#[test]
fn resampler_keeps_the_band_and_removes_what_would_alias() {
    let r = Resampler::to_8k(22_050).unwrap();
    let input = at_rate(1_000.0, 22_050, 1.0);
    let out = r.process(&input);
    assert_eq!(out.len(), 8_000);
    let kept = level_at(&out[200..7_800], 1_000.0);
    assert!((kept - 10_000.0).abs() < 300.0, "1 kHz passes at {kept}");
    // 6 kHz would fold to 2 kHz in a naive decimator.
    let high = r.process(&at_rate(6_000.0, 22_050, 1.0));
    let folded = level_at(&high[200..7_800], 2_000.0);
    assert!(folded < 30.0, "6 kHz must not alias to 2 kHz: {folded}");
    let rms = (high[200..7_800]
        .iter()
        .map(|&s| f64::from(s).powi(2))
        .sum::<f64>()
        / 7_600.0)
        .sqrt();
    assert!(rms < 30.0, "6 kHz is filtered out: rms {rms}");
}

#[test]
fn resampler_rates() {
    assert_eq!(
        Resampler::to_8k(8_000).unwrap().process(&[1, 2, 3]),
        vec![1, 2, 3]
    );
    let r16 = Resampler::to_8k(16_000).unwrap();
    assert_eq!(r16.process(&at_rate(500.0, 16_000, 0.5)).len(), 4_000);
    assert!(Resampler::to_8k(4_000).is_none());
    assert!(Resampler::to_8k(200_000).is_none());
    assert!(Resampler::to_8k(22_051).is_none(), "needs 8000 phases");
    let silence = Resampler::to_8k(44_100).unwrap().process(&vec![0; 4_410]);
    assert!(silence.iter().all(|&s| s == 0) && silence.len() == 800);
}

#[test]
fn lru_is_bounded_by_entries_and_bytes() {
    let mut c = LruCache::new(3, 100);
    c.insert("a", 1, 10);
    c.insert("b", 2, 10);
    c.insert("c", 3, 10);
    assert_eq!(c.get(&"a"), Some(1)); // a is now the most recent
    c.insert("d", 4, 10);
    assert_eq!(
        (c.get(&"b"), c.len()),
        (None, 3),
        "b was least recently used"
    );
    c.insert("e", 5, 90);
    assert_eq!(
        c.bytes(),
        100,
        "c and a evicted, oldest first, until 100 bytes fit"
    );
    assert_eq!(
        (c.get(&"a"), c.get(&"d"), c.get(&"e")),
        (None, Some(4), Some(5))
    );
    c.insert("huge", 6, 101);
    assert_eq!(c.get(&"huge"), None, "heavier than the cache");
    c.insert("e", 7, 20);
    assert_eq!(
        (c.get(&"e"), c.bytes()),
        (Some(7), 30),
        "replacing re-weighs: d (10) + e (20)"
    );
}

#[tokio::test]
async fn text_is_validated_before_any_process_runs() {
    let tts = Tts::new(TtsConfig {
        program: "/nonexistent/espeak".into(),
        max_text_chars: 10,
        ..Default::default()
    });
    assert!(matches!(
        tts.speak("   ", Voice::English).await,
        Err(TtsError::EmptyText)
    ));
    assert!(matches!(
        tts.speak("eleven chars", Voice::English).await,
        Err(TtsError::TextTooLong { chars: 12, max: 10 })
    ));
    assert!(matches!(
        tts.speak("a\u{7}b", Voice::English).await,
        Err(TtsError::ControlCharacter(7))
    ));
    let err = tts.speak("hello", Voice::English).await.unwrap_err();
    assert!(matches!(err, TtsError::Spawn { .. }), "{err}");
}

fn script(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test]
async fn a_hung_failing_or_garbage_synthesiser_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let hung = Tts::new(TtsConfig {
        program: script(dir.path(), "hang", "exec sleep 30"),
        timeout: Duration::from_millis(300),
        ..Default::default()
    });
    assert!(matches!(
        hung.speak("hi", Voice::English).await,
        Err(TtsError::Timeout(_))
    ));
    let failing = Tts::new(TtsConfig {
        program: script(dir.path(), "fail", "echo no voice >&2; exit 3"),
        ..Default::default()
    });
    let err = failing.speak("hi", Voice::Mandarin).await.unwrap_err();
    assert!(
        matches!(&err, TtsError::Failed { stderr, .. } if stderr.contains("no voice")),
        "{err}"
    );
    let garbage = Tts::new(TtsConfig {
        program: script(dir.path(), "garbage", "cat >/dev/null; echo not a wav"),
        ..Default::default()
    });
    assert!(matches!(
        garbage.speak("hi", Voice::English).await,
        Err(TtsError::BadOutput(_))
    ));
    let flood = Tts::new(TtsConfig {
        program: script(dir.path(), "flood", "exec cat /dev/zero"),
        max_output_bytes: 100_000,
        ..Default::default()
    });
    assert!(matches!(
        flood.speak("hi", Voice::English).await,
        Err(TtsError::OutputTooLarge(100_000))
    ));
}
