//! Turning the plugin's `prompt`s into audio: tenant prompts (uploaded WAV), system prompts
//! (fixed wording per language, synthesised once and cached), digits, numbers, dates and amounts
//! read out, and text-to-speech. A `play` concatenates them into one prompt.
//!
//! Bounded: at most [`MAX_PARTS`] parts and [`MAX_PLAY`] of audio per `play`; a part that
//! cannot be rendered (unknown system prompt, missing tenant prompt, refused text) is skipped
//! and reported, the rest still plays.

use std::sync::Arc;
use std::time::Duration;

use kefu_core::TenantId;
use kefu_media::announcements::{Announcement, Currency, Date, Language as MediaLanguage};
use kefu_media::prompt::wav::DEFAULT_MAX_WAV_BYTES;
use kefu_media::tts::Tts;
use kefu_media::{Prompt, SAMPLE_RATE};
use kefu_plugin_host::Language;
use kefu_plugin_host::ivr::Prompt as PluginPrompt;

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

/// Renders prompts for one tenant's calls.
#[derive(Clone)]
pub struct Renderer {
    tts: Arc<Tts>,
    services: Arc<dyn CallServices>,
}

/// A rendered `play`, and the parts that could not be rendered.
#[derive(Debug)]
pub struct Rendered {
    /// The audio (possibly empty).
    pub prompt: Prompt,
    /// What was skipped and why.
    pub skipped: Vec<String>,
}

impl Renderer {
    /// A renderer speaking through `tts` and fetching tenant prompts from `services`.
    pub fn new(tts: Arc<Tts>, services: Arc<dyn CallServices>) -> Self {
        Renderer { tts, services }
    }

    /// A system announcement (queue position, wait, please hold) as audio.
    pub async fn announcement(
        &self,
        announcement: &Announcement,
        language: Language,
    ) -> Result<Prompt, String> {
        announcement
            .speak(&self.tts, media_language(language))
            .await
            .map_err(|e| e.to_string())
    }

    /// Concatenates `parts` into one prompt.
    pub async fn render(
        &self,
        tenant: TenantId,
        parts: &[PluginPrompt],
        language: Language,
    ) -> Rendered {
        let mut samples: Vec<i16> = Vec::new();
        let mut skipped = Vec::new();
        let max_samples = MAX_PLAY.as_secs() as usize * SAMPLE_RATE as usize;
        if parts.len() > MAX_PARTS {
            skipped.push(format!(
                "{} parts beyond the first {MAX_PARTS}",
                parts.len() - MAX_PARTS
            ));
        }
        for part in parts.iter().take(MAX_PARTS) {
            match self.part(tenant, part, language).await {
                Ok(prompt) => {
                    let room = max_samples.saturating_sub(samples.len());
                    if prompt.samples().len() > room {
                        skipped.push(format!("audio beyond {} s", MAX_PLAY.as_secs()));
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

    async fn part(
        &self,
        tenant: TenantId,
        part: &PluginPrompt,
        language: Language,
    ) -> Result<Prompt, String> {
        let lang = media_language(language);
        let speak = |a: Announcement| async move {
            a.speak(&self.tts, lang).await.map_err(|e| e.to_string())
        };
        match part {
            PluginPrompt::Tenant(name) => {
                let wav = self
                    .services
                    .tenant_prompt(tenant, name)
                    .await
                    .ok_or_else(|| format!("no tenant prompt named {name:?}"))?;
                Prompt::from_wav(&wav, DEFAULT_MAX_WAV_BYTES)
                    .map_err(|e| format!("tenant prompt {name:?}: {e}"))
            }
            PluginPrompt::System(id) => {
                let text = system_text(id, language)
                    .ok_or_else(|| format!("no system prompt named {id:?}"))?;
                self.tts
                    .speak(text, lang.voice())
                    .await
                    .map_err(|e| e.to_string())
            }
            PluginPrompt::Digits(keys) => speak(Announcement::Digits(keys.clone())).await,
            PluginPrompt::Number(n) => speak(Announcement::Number(*n)).await,
            PluginPrompt::Date(d) => {
                speak(Announcement::Date(Date {
                    year: i32::from(d.year),
                    month: d.month,
                    day: d.day,
                }))
                .await
            }
            PluginPrompt::Amount(a) => {
                let currency = match a.currency.to_ascii_uppercase().as_str() {
                    "CNY" | "RMB" => Currency::Cny,
                    "USD" => Currency::Usd,
                    "EUR" => Currency::Eur,
                    other => return Err(format!("amounts in {other:?} cannot be read out")),
                };
                speak(Announcement::Amount {
                    currency,
                    minor: a.minor_units,
                })
                .await
            }
            PluginPrompt::Text(text) => {
                let voice = media_language(text.language.unwrap_or(language)).voice();
                self.tts
                    .speak(&text.text, voice)
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }
}
