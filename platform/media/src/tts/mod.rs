//! Text to speech with `espeak-ng`: English and Mandarin voices, output resampled to 8 kHz
//! mono 16-bit, cached per (text, voice) in a bounded in-memory LRU and optionally on disk.
//!
//! Owns running the synthesiser; it must never block an async worker (the process is awaited
//! with a timeout and killed on expiry, resampling runs on the blocking pool), never pass text
//! on a command line or through a shell (it goes to the process's stdin, markup off), and never
//! accept unbounded text or output.

mod cache;
mod disk;
mod espeak;
mod resample;

pub use cache::LruCache;
pub use resample::Resampler;

use crate::prompt::Prompt;
use crate::prompt::wav::WavError;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

/// A synthesis voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Voice {
    /// American English.
    English,
    /// Mandarin Chinese.
    Mandarin,
}

impl Voice {
    /// The espeak-ng voice name. Mandarin uses the `cmn` variant that reads Latin letters as
    /// pinyin: in espeak-ng 1.51 the plain `cmn` voice reads the tone digits of its own
    /// dictionary as English numbers (docs/decisions/0018).
    pub fn espeak_name(self) -> &'static str {
        match self {
            Voice::English => "en-us",
            Voice::Mandarin => "cmn-latn-pinyin",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Voice::English => "en",
            Voice::Mandarin => "cmn",
        }
    }
}

/// Text-to-speech settings.
#[derive(Debug, Clone)]
pub struct TtsConfig {
    /// The synthesiser binary.
    pub program: PathBuf,
    /// Longest a synthesis may take before the process is killed.
    pub timeout: Duration,
    /// Longest text accepted, in characters.
    pub max_text_chars: usize,
    /// Largest synthesiser output accepted, in bytes (22.05 kHz 16-bit: 1 MiB ≈ 24 s).
    pub max_output_bytes: usize,
    /// Speaking rate in words per minute.
    pub words_per_minute: u16,
    /// In-memory cache bound by entries.
    pub cache_entries: usize,
    /// In-memory cache bound by bytes of 8 kHz audio.
    pub cache_bytes: usize,
    /// Directory for the on-disk cache, if any.
    pub disk_cache: Option<PathBuf>,
}

impl Default for TtsConfig {
    fn default() -> Self {
        TtsConfig {
            program: PathBuf::from("espeak-ng"),
            timeout: Duration::from_secs(10),
            max_text_chars: 500,
            max_output_bytes: 8 * 1024 * 1024,
            words_per_minute: 160,
            cache_entries: 1_024,
            cache_bytes: 64 * 1024 * 1024,
            disk_cache: None,
        }
    }
}

/// Why speech could not be produced.
#[derive(Debug, Error)]
pub enum TtsError {
    /// Nothing to say.
    #[error("text to speak is empty")]
    EmptyText,
    /// Longer than the configured limit.
    #[error("text of {chars} characters exceeds the {max}-character limit")]
    TextTooLong {
        /// Its length.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Control characters are refused.
    #[error("text contains a control character (U+{0:04X})")]
    ControlCharacter(u32),
    /// The synthesiser could not be started or awaited.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The binary.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// It took too long and was killed.
    #[error("speech synthesis took longer than {0:?} and was stopped")]
    Timeout(Duration),
    /// It failed.
    #[error("the synthesiser failed ({status}): {stderr}")]
    Failed {
        /// Its exit status.
        status: String,
        /// The start of its error output.
        stderr: String,
    },
    /// It produced more than the configured limit.
    #[error("the synthesiser produced more than {0} bytes")]
    OutputTooLarge(usize),
    /// Its output was not usable audio.
    #[error("the synthesiser's output is not usable audio: {0}")]
    BadOutput(#[from] WavError),
    /// The disk cache could not be written.
    #[error("disk cache: {0}")]
    Disk(std::io::Error),
}

/// Cache counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TtsStats {
    /// Served from memory.
    pub memory_hits: u64,
    /// Served from disk.
    pub disk_hits: u64,
    /// Synthesised.
    pub synthesised: u64,
}

/// Requests by (voice, text).
type Key = (Voice, String);

/// The text-to-speech service with its caches. Share it behind an `Arc`.
pub struct Tts {
    config: TtsConfig,
    memory: Mutex<LruCache<Key, Prompt>>,
    /// Syntheses under way: concurrent requests for the same words wait for one process.
    in_flight: Mutex<HashMap<Key, Arc<tokio::sync::OnceCell<Prompt>>>>,
    memory_hits: AtomicU64,
    disk_hits: AtomicU64,
    synthesised: AtomicU64,
}

impl Tts {
    /// A service with empty caches.
    pub fn new(config: TtsConfig) -> Self {
        Tts {
            memory: Mutex::new(LruCache::new(config.cache_entries, config.cache_bytes)),
            in_flight: Mutex::new(HashMap::new()),
            config,
            memory_hits: AtomicU64::new(0),
            disk_hits: AtomicU64::new(0),
            synthesised: AtomicU64::new(0),
        }
    }

    /// Speaks `text` with `voice` as an 8 kHz prompt, from a cache when possible.
    pub async fn speak(&self, text: &str, voice: Voice) -> Result<Prompt, TtsError> {
        let text = self.validate(text)?;
        let key = (voice, text.to_owned());
        if let Some(hit) = self.memory.lock().ok().and_then(|mut c| c.get(&key)) {
            self.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        let cell = match self.in_flight.lock() {
            Ok(mut in_flight) => in_flight.entry(key.clone()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let result = cell
            .get_or_try_init(|| self.produce(text, voice))
            .await
            .cloned();
        // Into the memory cache first, then out of the in-flight map, so that no request in
        // between finds neither and synthesises again.
        if let Ok(prompt) = &result
            && let Ok(mut cache) = self.memory.lock()
        {
            cache.insert(key.clone(), prompt.clone(), prompt.samples().len() * 2);
        }
        if let Ok(mut in_flight) = self.in_flight.lock()
            && in_flight.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell))
        {
            in_flight.remove(&key);
        }
        result
    }

    /// Whether speech works at all: both voices synthesise a short word, bypassing the caches.
    /// Run at start-up, so a missing or broken synthesiser is said once, loudly, instead of
    /// every prompt being skipped in silence.
    pub async fn check(&self) -> Result<(), TtsError> {
        for voice in [Voice::English, Voice::Mandarin] {
            espeak::synthesise(&self.config, "ok", voice).await?;
        }
        Ok(())
    }

    /// Loads from disk or synthesises (and stores on disk).
    async fn produce(&self, text: &str, voice: Voice) -> Result<Prompt, TtsError> {
        if let Some(prompt) = self.load_from_disk(text, voice).await {
            self.disk_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(prompt);
        }
        let prompt = espeak::synthesise(&self.config, text, voice).await?;
        self.synthesised.fetch_add(1, Ordering::Relaxed);
        if let Some(dir) = &self.config.disk_cache {
            disk::store(dir, voice.tag(), text, &prompt)
                .await
                .map_err(TtsError::Disk)?;
        }
        Ok(prompt)
    }

    /// Cache counters.
    pub fn stats(&self) -> TtsStats {
        TtsStats {
            memory_hits: self.memory_hits.load(Ordering::Relaxed),
            disk_hits: self.disk_hits.load(Ordering::Relaxed),
            synthesised: self.synthesised.load(Ordering::Relaxed),
        }
    }

    async fn load_from_disk(&self, text: &str, voice: Voice) -> Option<Prompt> {
        let dir = self.config.disk_cache.as_ref()?;
        disk::load(dir, voice.tag(), text).await
    }

    fn validate<'t>(&self, text: &'t str) -> Result<&'t str, TtsError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TtsError::EmptyText);
        }
        let chars = text.chars().count();
        if chars > self.config.max_text_chars {
            return Err(TtsError::TextTooLong {
                chars,
                max: self.config.max_text_chars,
            });
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(TtsError::ControlCharacter(u32::from(c)));
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests;
