//! Whether callers hear speech. Greetings, menus and queue positions are spoken by espeak-ng;
//! without it every spoken prompt is skipped and callers hear only tones and music. So the
//! synthesiser is tried once at start-up: a failure is a loud warning naming the fix, and
//! `/readyz` shows it until the next start.

use std::sync::{Arc, RwLock};

use kefu_media::tts::Tts;

/// Where speech stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speech {
    /// The start-up check is running.
    Checking,
    /// Both voices speak.
    Ready,
    /// It does not work: why, and what to do.
    Unavailable(String),
}

/// The start-up check's outcome, shared with the server (`None`: telephony is not running).
#[derive(Debug, Clone, Default)]
pub struct SpeechStatus(Arc<RwLock<Option<Speech>>>);

impl SpeechStatus {
    /// Where speech stands; `None` when telephony has not started.
    pub fn get(&self) -> Option<Speech> {
        self.0.read().map(|s| s.clone()).unwrap_or(None)
    }

    fn set(&self, speech: Speech) {
        if let Ok(mut current) = self.0.write() {
            *current = Some(speech);
        }
    }
}

/// Tries the synthesiser in the background and records the outcome in `status`.
pub(crate) fn spawn_check(tts: Arc<Tts>, status: SpeechStatus) {
    status.set(Speech::Checking);
    tokio::spawn(async move {
        let outcome = tts.check().await;
        status.set(match outcome {
            Ok(()) => {
                tracing::info!("speech synthesis works (espeak-ng, English and Mandarin)");
                Speech::Ready
            }
            Err(e) => {
                let why = format!(
                    "{e}; callers hear no spoken prompts (greetings, menus, queue positions) \
                     until it works: install espeak-ng (Debian and Ubuntu: apt-get install \
                     espeak-ng) or point the key `tts_program` at it"
                );
                tracing::warn!(%why, "speech synthesis is unavailable");
                Speech::Unavailable(why)
            }
        });
    });
}
