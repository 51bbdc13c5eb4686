//! The on-disk TTS cache: `<voice>-<fnv64 of text>.wav` (8 kHz PCM) beside a `.txt` holding the
//! text, compared on load so a hash collision can never play the wrong words.

use crate::frame::SAMPLE_RATE;
use crate::prompt::Prompt;
use crate::prompt::wav::{DEFAULT_MAX_WAV_BYTES, write_wav};
use std::path::{Path, PathBuf};

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

fn paths(dir: &Path, voice: &str, text: &str) -> (PathBuf, PathBuf) {
    let stem = format!("{voice}-{:016x}", fnv1a64(text.as_bytes()));
    (
        dir.join(format!("{stem}.wav")),
        dir.join(format!("{stem}.txt")),
    )
}

pub(super) async fn load(dir: &Path, voice: &str, text: &str) -> Option<Prompt> {
    let (wav, txt) = paths(dir, voice, text);
    let stored = tokio::fs::read_to_string(&txt).await.ok()?;
    if stored != text {
        return None;
    }
    let bytes = tokio::fs::read(&wav).await.ok()?;
    Prompt::from_wav(&bytes, DEFAULT_MAX_WAV_BYTES).ok()
}

pub(super) async fn store(
    dir: &Path,
    voice: &str,
    text: &str,
    prompt: &Prompt,
) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let (wav, txt) = paths(dir, voice, text);
    let mut bytes = Vec::with_capacity(44 + prompt.samples().len() * 2);
    write_wav(prompt.samples(), SAMPLE_RATE, &mut bytes);
    // Write-then-rename so a concurrent reader never sees half a file; the text goes last, as
    // it is what marks the entry valid.
    let tmp = wav.with_extension("wav.tmp");
    tokio::fs::write(&tmp, &bytes).await?;
    tokio::fs::rename(&tmp, &wav).await?;
    let tmp = txt.with_extension("txt.tmp");
    tokio::fs::write(&tmp, text).await?;
    tokio::fs::rename(&tmp, &txt).await
}
