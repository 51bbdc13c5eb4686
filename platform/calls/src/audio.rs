//! Turning the plugin's `prompt`s into audio: tenant prompts (uploaded WAV), system prompts
//! (fixed wording per language, synthesised once and cached), digits, numbers, dates and amounts
//! read out, and text-to-speech. A `play` concatenates them into one prompt.
//!
//! Bounded: at most [`MAX_PARTS`] parts and [`MAX_PLAY`] of audio per `play`; a part that
//! cannot be rendered (unknown system prompt, missing tenant prompt, refused text) is skipped
//! and reported, the rest still plays.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_core::TenantId;
use kefu_media::announcements::{Announcement, Currency, Date, Language as MediaLanguage};
use kefu_media::prompt::wav::DEFAULT_MAX_WAV_BYTES;
use kefu_media::tts::Tts;
use kefu_media::{Prompt, SAMPLE_RATE};

use crate::ivr::{Language, Prompt as PluginPrompt};
use crate::services::CallServices;

/// Most parts in one `play`.
pub const MAX_PARTS: usize = 32;
/// Longest audio one `play` may produce.
pub const MAX_PLAY: Duration = Duration::from_secs(300);

/// The platform's own prompts, by id, in English and Mandarin.
pub const SYSTEM_PROMPTS: &[(&str, &str, &str)] = &[
    ("welcome", "Welcome.", "欢迎致电。"),
    (
        "please-hold",
        "Please hold, your call is important to us.",
        "请稍候，您的来电对我们很重要。",
    ),
    (
        "goodbye",
        "Thank you for calling. Goodbye.",
        "感谢您的来电，再见。",
    ),
    (
        "invalid-option",
        "Sorry, that is not a valid option.",
        "对不起，您的输入无效。",
    ),
    (
        "no-input",
        "Sorry, we did not receive your selection.",
        "对不起，我们没有收到您的选择。",
    ),
    ("try-again", "Please try again.", "请重新输入。"),
    (
        "transferring",
        "Please wait while we transfer your call.",
        "正在为您转接，请稍候。",
    ),
    (
        "closed",
        "We are closed now. Please call again during business hours.",
        "现在是非工作时间，请在工作时间再次致电。",
    ),
    (
        "voicemail",
        "Please leave a message after the tone. Press the hash key when you are done.",
        "请在提示音后留言，结束请按井号键。",
    ),
    (
        "all-agents-busy",
        "All our agents are busy.",
        "所有坐席都在忙。",
    ),
    ("thank-you", "Thank you.", "谢谢。"),
    (
        "technical-difficulty",
        "We are sorry, we are having technical difficulties.",
        "很抱歉，系统出现故障。",
    ),
];

/// The wording of a system prompt.
pub fn system_text(id: &str, language: Language) -> Option<&'static str> {
    SYSTEM_PROMPTS
        .iter()
        .find(|(name, _, _)| *name == id)
        .map(|(_, en, zh)| match language {
            Language::English => *en,
            Language::Mandarin => *zh,
        })
}

fn media_language(language: Language) -> MediaLanguage {
    match language {
        Language::English => MediaLanguage::English,
        Language::Mandarin => MediaLanguage::Mandarin,
    }
}

/// A 1 kHz beep of 400 ms (before a voicemail recording).
fn beep() -> Vec<i16> {
    let n = SAMPLE_RATE as usize * 2 / 5;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(SAMPLE_RATE);
            ((t * 1_000.0 * std::f64::consts::TAU).sin() * 8_000.0) as i16
        })
        .collect()
}

/// How long a tenant prompt's audio is reused before it is read again (an upload reaches
/// new plays within this).
pub const TENANT_PROMPT_TTL: Duration = Duration::from_secs(5);
/// Most tenant prompts kept; beyond this the cache starts again empty.
const TENANT_PROMPTS_MAX: usize = 512;

/// Tenant prompts' audio by tenant and name, with when it was read.
type TenantPrompts = Mutex<HashMap<(TenantId, String), (Prompt, Instant)>>;

/// Renders prompts for one tenant's calls.
#[derive(Clone)]
pub struct Renderer {
    tts: Arc<Tts>,
    services: Arc<dyn CallServices>,
    /// Recently read tenant prompts: calls playing the same greeting share one copy.
    tenant_prompts: Arc<TenantPrompts>,
}

/// Why part of a play was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skipped {
    /// More parts than [`MAX_PARTS`].
    #[error("{0} parts beyond the first {MAX_PARTS}")]
    TooManyParts(usize),
    /// Audio beyond [`MAX_PLAY`].
    #[error("audio beyond {} s", MAX_PLAY.as_secs())]
    TooLong,
    /// No system prompt by that id.
    #[error("no system prompt named {0:?}")]
    UnknownSystemPrompt(String),
    /// The tenant has no prompt by that name.
    #[error("no tenant prompt named {0:?}")]
    UnknownTenantPrompt(String),
    /// The tenant's prompt is not usable audio.
    #[error("tenant prompt {name:?}: {error}")]
    BadTenantPrompt {
        /// The prompt.
        name: String,
        /// What is wrong with it.
        error: String,
    },
    /// Amounts in this currency cannot be read out.
    #[error("amounts in {0:?} cannot be read out")]
    Currency(String),
    /// Speech synthesis failed.
    #[error("speech: {0}")]
    Speech(String),
}

/// A rendered `play`, and the parts that could not be rendered.
#[derive(Debug)]
pub struct Rendered {
    /// The audio (possibly empty).
    pub prompt: Prompt,
    /// What was skipped and why.
    pub skipped: Vec<Skipped>,
}

impl Renderer {
    /// A renderer speaking through `tts` and fetching tenant prompts from `services`.
    pub fn new(tts: Arc<Tts>, services: Arc<dyn CallServices>) -> Self {
        Renderer {
            tts,
            services,
            tenant_prompts: Arc::default(),
        }
    }

    /// Concatenates `parts` into one prompt.
    pub async fn render(
        &self,
        tenant: TenantId,
        parts: &[PluginPrompt],
        language: Language,
    ) -> Rendered {
        let max_samples = MAX_PLAY.as_secs() as usize * SAMPLE_RATE as usize;
        // One part (the common case: a system prompt or one tenant prompt): play the cached
        // audio itself, shared with every other call, instead of a copy.
        if let [part] = parts {
            return match self.part(tenant, part, language).await {
                Ok(prompt) if prompt.samples().len() <= max_samples => Rendered {
                    prompt,
                    skipped: Vec::new(),
                },
                Ok(prompt) => Rendered {
                    prompt: Prompt::from_samples(prompt.samples()[..max_samples].to_vec()),
                    skipped: vec![Skipped::TooLong],
                },
                Err(why) => Rendered {
                    prompt: Prompt::from_samples(Vec::new()),
                    skipped: vec![why],
                },
            };
        }
        self.concatenate(tenant, parts, language, max_samples).await
    }

    async fn concatenate(
        &self,
        tenant: TenantId,
        parts: &[PluginPrompt],
        language: Language,
        max_samples: usize,
    ) -> Rendered {
        let mut samples: Vec<i16> = Vec::new();
        let mut skipped = Vec::new();
        if parts.len() > MAX_PARTS {
            skipped.push(Skipped::TooManyParts(parts.len() - MAX_PARTS));
        }
        for part in parts.iter().take(MAX_PARTS) {
            match self.part(tenant, part, language).await {
                Ok(prompt) => {
                    let room = max_samples.saturating_sub(samples.len());
                    if prompt.samples().len() > room {
                        skipped.push(Skipped::TooLong);
                    }
                    samples
                        .extend_from_slice(&prompt.samples()[..prompt.samples().len().min(room)]);
                }
                Err(why) => skipped.push(why),
            }
        }
        Rendered {
            prompt: Prompt::from_samples(samples),
            skipped,
        }
    }

    /// A tenant prompt's audio: recently read, or read and parsed now.
    async fn tenant_prompt(&self, tenant: TenantId, name: &str) -> Result<Prompt, Skipped> {
        let key = (tenant, name.to_owned());
        if let Ok(cache) = self.tenant_prompts.lock()
            && let Some((prompt, read)) = cache.get(&key)
            && read.elapsed() < TENANT_PROMPT_TTL
        {
            return Ok(prompt.clone());
        }
        let wav = self
            .services
            .tenant_prompt(tenant, name)
            .await
            .ok_or_else(|| Skipped::UnknownTenantPrompt(name.to_owned()))?;
        let prompt = Prompt::from_wav(&wav, DEFAULT_MAX_WAV_BYTES).map_err(|e| {
            Skipped::BadTenantPrompt {
                name: name.to_owned(),
                error: e.to_string(),
            }
        })?;
        if let Ok(mut cache) = self.tenant_prompts.lock() {
            if cache.len() >= TENANT_PROMPTS_MAX {
                cache.clear();
            }
            cache.insert(key, (prompt.clone(), Instant::now()));
        }
        Ok(prompt)
    }

    async fn part(
        &self,
        tenant: TenantId,
        part: &PluginPrompt,
        language: Language,
    ) -> Result<Prompt, Skipped> {
        let lang = media_language(language);
        let speak = |a: Announcement| async move {
            a.speak(&self.tts, lang)
                .await
                .map_err(|e| Skipped::Speech(e.to_string()))
        };
        match part {
            PluginPrompt::Tenant(name) => self.tenant_prompt(tenant, name).await,
            PluginPrompt::System(id) => {
                let text = system_text(id, language)
                    .ok_or_else(|| Skipped::UnknownSystemPrompt(id.clone()))?;
                self.tts
                    .speak(text, lang.voice())
                    .await
                    .map_err(|e| Skipped::Speech(e.to_string()))
            }
            PluginPrompt::Digits(keys) => speak(Announcement::Digits(keys.clone())).await,
            PluginPrompt::Number(n) => speak(Announcement::Number(*n)).await,
            PluginPrompt::Date { year, month, day } => {
                speak(Announcement::Date(Date {
                    year: i32::from(*year),
                    month: *month,
                    day: *day,
                }))
                .await
            }
            PluginPrompt::Amount {
                minor_units,
                currency,
            } => {
                let currency = match currency.to_ascii_uppercase().as_str() {
                    "CNY" | "RMB" => Currency::Cny,
                    "USD" => Currency::Usd,
                    "EUR" => Currency::Eur,
                    other => return Err(Skipped::Currency(other.to_owned())),
                };
                speak(Announcement::Amount {
                    currency,
                    minor: *minor_units,
                })
                .await
            }
            PluginPrompt::Text {
                text,
                language: spoken,
            } => {
                let voice = media_language(spoken.unwrap_or(language)).voice();
                self.tts
                    .speak(text, voice)
                    .await
                    .map_err(|e| Skipped::Speech(e.to_string()))
            }
            PluginPrompt::QueuePosition {
                position,
                wait_secs,
            } => {
                let mut samples = speak(Announcement::QueuePosition(*position))
                    .await?
                    .samples()
                    .to_vec();
                // The position alone still helps when the wait cannot be said.
                if let Some(secs) = wait_secs
                    && let Ok(wait) = speak(Announcement::ExpectedWait {
                        minutes: secs.div_ceil(60).max(1),
                    })
                    .await
                {
                    samples.extend_from_slice(wait.samples());
                }
                Ok(Prompt::from_samples(samples))
            }
            PluginPrompt::Beep => Ok(Prompt::from_samples(beep())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use kefu_media::tts::TtsConfig;

    use super::*;
    use crate::queues::Routing;
    use crate::services::{
        InboundRequest, IvrSession, NewVoicemail, OutboundTrunk, Refusal, Route, ServiceError,
    };

    /// Serves one tenant prompt (a second of 8 kHz audio) and counts the reads.
    #[derive(Default)]
    struct Prompts {
        reads: AtomicUsize,
    }

    fn wav(samples: &[i16]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&8_000u32.to_le_bytes());
        out.extend_from_slice(&16_000u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&data);
        out
    }

    #[async_trait]
    impl CallServices for Prompts {
        async fn route(&self, _: &InboundRequest) -> Result<Route, Refusal> {
            Err(Refusal {
                status: 404,
                reason: "none".into(),
                challenge: None,
            })
        }
        async fn ivr_session(
            &self,
            _: &kefu_core::TenantScope,
            _: &str,
        ) -> Result<Box<dyn IvrSession>, crate::ivr::IvrError> {
            Err(crate::ivr::IvrError::Unavailable("none".into()))
        }
        async fn outbound_trunk(
            &self,
            _: &kefu_core::TenantScope,
        ) -> Result<OutboundTrunk, ServiceError> {
            Err(ServiceError::NotConfigured("none".into()))
        }
        async fn tenant_prompt(&self, _: TenantId, name: &str) -> Option<Vec<u8>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            (name == "welcome").then(|| wav(&vec![1_000; 8_000]))
        }
        async fn routing(&self, _: TenantId) -> Result<Routing, ServiceError> {
            Err(ServiceError::NotConfigured("none".into()))
        }
        async fn store_voicemail(
            &self,
            _: &kefu_core::TenantScope,
            _: NewVoicemail,
        ) -> Result<(), ServiceError> {
            Err(ServiceError::NotConfigured("none".into()))
        }
        async fn emit(&self, _: &kefu_core::TenantScope, _: kefu_core::DomainEvent) {}
        async fn emit_for_tenant(&self, _: TenantId, _: kefu_core::DomainEvent) {}
    }

    #[tokio::test]
    async fn calls_playing_the_same_tenant_prompt_share_one_read_and_one_copy() {
        let services = Arc::new(Prompts::default());
        let renderer = Renderer::new(Arc::new(Tts::new(TtsConfig::default())), services.clone());
        let tenant = TenantId::new();
        let welcome = [PluginPrompt::Tenant("welcome".into())];
        let first = renderer.render(tenant, &welcome, Language::English).await;
        let second = renderer.render(tenant, &welcome, Language::English).await;
        assert!(first.skipped.is_empty(), "{:?}", first.skipped);
        assert_eq!(first.prompt.samples().len(), 8_000);
        assert_eq!(services.reads.load(Ordering::SeqCst), 1);
        assert!(std::ptr::eq(
            first.prompt.samples().as_ptr(),
            second.prompt.samples().as_ptr()
        ));
        // Another tenant's prompt of the same name is its own.
        renderer
            .render(TenantId::new(), &welcome, Language::English)
            .await;
        assert_eq!(services.reads.load(Ordering::SeqCst), 2);
        // Two parts are joined into a new prompt; a missing one is skipped with its name.
        let two = [
            PluginPrompt::Tenant("welcome".into()),
            PluginPrompt::Tenant("missing".into()),
        ];
        let joined = renderer.render(tenant, &two, Language::English).await;
        assert_eq!(joined.prompt.samples().len(), 8_000);
        assert_eq!(joined.skipped.len(), 1);
        assert_eq!(
            joined.skipped,
            [Skipped::UnknownTenantPrompt("missing".into())]
        );
        let alone = renderer
            .render(
                tenant,
                &[PluginPrompt::Tenant("missing".into())],
                Language::English,
            )
            .await;
        assert!(alone.prompt.samples().is_empty());
        assert_eq!(alone.skipped.len(), 1);
    }
}
