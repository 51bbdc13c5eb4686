//! Running espeak-ng once: text on stdin, a streamed WAV on stdout.

use super::resample::Resampler;
use super::{TtsConfig, TtsError, Voice};
use crate::prompt::Prompt;
use crate::prompt::wav::{WavEncoding, WavError, WavReadOptions, read_wav};
use std::process::Stdio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// Synthesises `text` and returns it at 8 kHz.
pub(super) async fn synthesise(
    config: &TtsConfig,
    text: &str,
    voice: Voice,
) -> Result<Prompt, TtsError> {
    let program = config.program.display().to_string();
    let spawn_error = |source| TtsError::Spawn {
        program: program.clone(),
        source,
    };
    let mut child = Command::new(&config.program)
        .args([
            "-v",
            voice.espeak_name(),
            "-s",
            &config.words_per_minute.clamp(80, 400).to_string(),
        ])
        .args(["-b", "1", "--stdin", "--stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(spawn_error)?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(spawn_error(std::io::Error::other("missing pipe")));
    };
    let limit = config.max_output_bytes;
    let work = async {
        let written = async {
            stdin.write_all(text.as_bytes()).await?;
            stdin.write_all(b"\n").await
        };
        // A synthesiser that exits early (bad voice, crash) closes its stdin; what it said on
        // stderr and its exit status explain more than the broken pipe.
        if let Err(e) = written.await
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e);
        }
        drop(stdin);
        let mut output = Vec::new();
        stdout
            .take(limit as u64 + 1)
            .read_to_end(&mut output)
            .await?;
        if output.len() > limit {
            // Stop here: the process may be blocked writing more; dropping it kills it.
            return Ok(None);
        }
        // espeak-ng writes little to stderr, so it cannot block on it while we read stdout.
        let mut errors = Vec::new();
        stderr.take(4_096).read_to_end(&mut errors).await?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>(Some((status, output, errors)))
    };
    // On timeout or oversize we return early and `child` is dropped: kill_on_drop ends it.
    let (status, output, errors) = tokio::time::timeout(config.timeout, work)
        .await
        .map_err(|_| TtsError::Timeout(config.timeout))?
        .map_err(spawn_error)?
        .ok_or(TtsError::OutputTooLarge(limit))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&errors).chars().take(200).collect();
        return Err(TtsError::Failed {
            status: status.to_string(),
            stderr,
        });
    }
    tokio::task::spawn_blocking(move || to_8k(&output, limit))
        .await
        .map_err(|e| spawn_error(std::io::Error::other(e)))?
}

fn to_8k(wav: &[u8], limit: usize) -> Result<Prompt, TtsError> {
    let audio = read_wav(
        wav,
        WavReadOptions {
            max_bytes: limit,
            streamed: true,
        },
    )?;
    if audio.encoding != WavEncoding::Pcm16 || audio.channels != 1 {
        return Err(WavError::Channels(audio.channels).into());
    }
    let resampler =
        Resampler::to_8k(audio.sample_rate).ok_or(WavError::SampleRate(audio.sample_rate))?;
    let samples: Vec<i16> = audio
        .data
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    Ok(Prompt::from_samples(resampler.process(&samples)))
}
