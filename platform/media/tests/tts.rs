//! Text to speech and announcements with the real espeak-ng (Debian package `espeak-ng`).

use kefu_media::announcements::{Announcement, Language};
use kefu_media::dtmf::DtmfDetector;
use kefu_media::tts::{Tts, TtsConfig, Voice};
use kefu_media::{FRAME_SAMPLES, Frame, Prompt};
use std::time::Duration;

fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64)
        .sqrt()
}

fn frames(prompt: &Prompt) -> Vec<Frame> {
    prompt
        .samples()
        .chunks(FRAME_SAMPLES)
        .map(|chunk| {
            let mut f = Frame::SILENCE;
            f.0[..chunk.len()].copy_from_slice(chunk);
            f
        })
        .collect()
}

fn assert_speech(prompt: &Prompt, what: &str) {
    let d = prompt.duration();
    assert!(
        d > Duration::from_millis(500) && d < Duration::from_secs(10),
        "{what}: {d:?}"
    );
    assert!(
        rms(prompt.samples()) > 500.0,
        "{what}: rms {}",
        rms(prompt.samples())
    );
}

#[tokio::test]
async fn english_and_mandarin_speech_at_8_khz_with_memory_and_disk_caches() {
    let dir = tempfile::tempdir().unwrap();
    let config = TtsConfig {
        disk_cache: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let tts = Tts::new(config.clone());
    let english = tts
        .speak("You are number twenty-three in the queue.", Voice::English)
        .await
        .unwrap();
    assert_speech(&english, "English");
    let mandarin = tts
        .speak("您现在排在第二十三位。", Voice::Mandarin)
        .await
        .unwrap();
    assert_speech(&mandarin, "Mandarin");
    assert_ne!(english, mandarin);

    let again = tts
        .speak("You are number twenty-three in the queue.", Voice::English)
        .await
        .unwrap();
    assert_eq!(again, english);
    let stats = tts.stats();
    assert_eq!(
        (stats.synthesised, stats.memory_hits, stats.disk_hits),
        (2, 1, 0)
    );

    // A fresh service (another process, a restart) finds both on disk.
    let restarted = Tts::new(config);
    assert_eq!(
        restarted
            .speak("您现在排在第二十三位。", Voice::Mandarin)
            .await
            .unwrap(),
        mandarin
    );
    assert_eq!(
        (restarted.stats().disk_hits, restarted.stats().synthesised),
        (1, 0)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        4,
        "a WAV and a text file per entry"
    );
}

#[tokio::test]
async fn announcements_become_audio_in_both_languages() {
    let tts = Tts::new(TtsConfig::default());
    for language in [Language::English, Language::Mandarin] {
        for a in [
            Announcement::PleaseHold,
            Announcement::QueuePosition(105),
            Announcement::ExpectedWait { minutes: 2 },
            Announcement::Amount {
                currency: kefu_media::announcements::Currency::Cny,
                minor: 10_507,
            },
        ] {
            let prompt = a.speak(&tts, language).await.unwrap();
            assert_speech(&prompt, &format!("{a:?} in {language:?}"));
        }
    }
    assert!(
        Announcement::QueuePosition(0)
            .speak(&tts, Language::English)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_inband_detector_does_not_trigger_on_speech() {
    let tts = Tts::new(TtsConfig::default());
    let texts = [
        (
            "Thank you for calling. For sales, press one. For support, press two. To hear these options again, press star.",
            Voice::English,
        ),
        (
            "您好，欢迎致电客服中心。查询账单请按一，人工服务请按零，重听请按星号键。",
            Voice::Mandarin,
        ),
        (
            "Your account balance is one hundred and five dollars and seven cents.",
            Voice::English,
        ),
    ];
    for (text, voice) in texts {
        let prompt = tts.speak(text, voice).await.unwrap();
        let mut detector = DtmfDetector::new();
        let keys: Vec<char> = frames(&prompt)
            .iter()
            .filter_map(|f| detector.detect(f))
            .map(|d| d.as_char())
            .collect();
        assert!(keys.is_empty(), "false keys {keys:?} in {text:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_for_the_same_words_share_one_synthesis() {
    let tts = std::sync::Arc::new(Tts::new(TtsConfig::default()));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let tts = tts.clone();
            tokio::spawn(async move {
                tts.speak("Please hold the line.", Voice::English)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut prompts = Vec::new();
    for t in tasks {
        prompts.push(t.await.unwrap());
    }
    assert!(prompts.windows(2).all(|w| w[0] == w[1]));
    let stats = tts.stats();
    // Late arrivals may be served by the memory cache instead; either way one process ran.
    assert_eq!(stats.synthesised, 1, "{stats:?}");
}

#[tokio::test]
async fn queue_announcements_for_many_callers_come_from_a_few_cached_words() {
    let tts = Tts::new(TtsConfig::default());
    let mut lengths = Vec::new();
    for position in 2..=400u32 {
        let prompt = Announcement::QueuePosition(position)
            .speak(&tts, Language::English)
            .await
            .unwrap();
        lengths.push(prompt.samples().len());
        if position == 23 || position == 377 {
            assert_speech(&prompt, &format!("position {position}"));
        }
    }
    let english = tts.stats().synthesised;
    // One sentence per position would be 399 syntheses: the frame and the number words
    // (two … nineteen, the tens, hundred, and) are about forty.
    assert!(
        english <= 45,
        "English positions synthesised {english} clips"
    );
    // Longer numbers say more words.
    assert!(lengths[377 - 2] > lengths[2 - 2], "{lengths:?}");
    for position in 1..=400u32 {
        Announcement::QueuePosition(position)
            .speak(&tts, Language::Mandarin)
            .await
            .unwrap();
    }
    for minutes in 0..=90u32 {
        for language in [Language::English, Language::Mandarin] {
            Announcement::ExpectedWait { minutes }
                .speak(&tts, language)
                .await
                .unwrap();
        }
    }
    let all = tts.stats().synthesised;
    assert!(
        all - english <= 40,
        "Mandarin positions and both languages' waits added {} clips",
        all - english
    );
}

#[tokio::test]
async fn the_start_up_check_passes_with_espeak_and_names_a_missing_synthesiser() {
    let tts = Tts::new(TtsConfig::default());
    tts.check().await.expect("espeak-ng speaks both voices");
    assert_eq!(tts.stats().synthesised, 0, "the check bypasses the caches");
    let missing = Tts::new(TtsConfig {
        program: "/nonexistent/espeak-ng".into(),
        ..TtsConfig::default()
    });
    let why = missing.check().await.unwrap_err().to_string();
    assert!(why.contains("/nonexistent/espeak-ng"), "{why}");
}
