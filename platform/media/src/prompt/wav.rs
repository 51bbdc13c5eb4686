//! WAV (RIFF/WAVE) reading and writing, bounded and strict about what it accepts.

use thiserror::Error;

/// Default cap on a prompt file: 16 MiB (about 17 minutes of 8 kHz 16-bit audio).
pub const DEFAULT_MAX_WAV_BYTES: usize = 16 * 1024 * 1024;

/// What was wrong with a WAV file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WavError {
    /// Larger than the configured cap.
    #[error("WAV file of {size} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// The file size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// Does not start with `RIFF`.
    #[error("not a RIFF file (missing 'RIFF' magic)")]
    NotRiff,
    /// The RIFF form type is not `WAVE`.
    #[error("RIFF file is not WAVE")]
    NotWave,
    /// A chunk runs past the end of the file.
    #[error("the '{0}' chunk runs past the end of the file")]
    Truncated(String),
    /// No `fmt ` chunk before the data.
    #[error("no 'fmt ' chunk before the audio data")]
    MissingFormat,
    /// No `data` chunk.
    #[error("no 'data' chunk")]
    MissingData,
    /// The `fmt ` chunk is shorter than 16 bytes.
    #[error("'fmt ' chunk of {0} bytes is shorter than 16")]
    FormatTooShort(usize),
    /// An encoding other than PCM, A-law or µ-law.
    #[error("audio format {0:#06x} is not supported (use 16-bit PCM, A-law or µ-law)")]
    UnsupportedEncoding(u16),
    /// Not mono.
    #[error("{0} channels: prompts must be mono")]
    Channels(u16),
    /// Not 8 kHz.
    #[error("sample rate {0} Hz: prompts must be 8000 Hz")]
    SampleRate(u32),
    /// Bits per sample that do not match the encoding.
    #[error("{bits} bits per sample is not valid for {encoding}")]
    BitsPerSample {
        /// The encoding named by the file.
        encoding: &'static str,
        /// Its bits per sample.
        bits: u16,
    },
    /// The data length is not a whole number of samples, or is empty.
    #[error("audio data of {0} bytes is empty or not a whole number of samples")]
    DataLength(usize),
}

/// The sample encodings a WAV file may carry here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavEncoding {
    /// Signed 16-bit little-endian linear PCM.
    Pcm16,
    /// G.711 A-law.
    Alaw,
    /// G.711 µ-law.
    Ulaw,
}

/// The audio found in a WAV file, borrowing its data chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavAudio<'a> {
    /// Sample encoding.
    pub encoding: WavEncoding,
    /// Channel count.
    pub channels: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// The sample bytes.
    pub data: &'a [u8],
}

/// How strict the reader is about sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavReadOptions {
    /// Cap on the whole file.
    pub max_bytes: usize,
    /// Accept a data chunk whose size field runs past the end (writers that stream to a pipe,
    /// such as `espeak-ng --stdout`, cannot know the size); the data then ends at end of file.
    pub streamed: bool,
}

/// Reads the format and locates the audio of a WAV file.
pub fn read_wav(bytes: &[u8], options: WavReadOptions) -> Result<WavAudio<'_>, WavError> {
    if bytes.len() > options.max_bytes {
        return Err(WavError::TooLarge {
            size: bytes.len(),
            max: options.max_bytes,
        });
    }
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" {
        return Err(WavError::NotRiff);
    }
    if &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut format: Option<(WavEncoding, u16, u32)> = None;
    let mut offset = 12;
    while offset + 8 <= bytes.len() {
        let id = &bytes[offset..offset + 4];
        let size = u32::from_le_bytes([
            bytes[offset + 4],
            bytes[offset + 5],
            bytes[offset + 6],
            bytes[offset + 7],
        ]);
        let start = offset + 8;
        let declared_end = start.saturating_add(size as usize);
        let name = String::from_utf8_lossy(id).into_owned();
        if id == b"data" {
            let (encoding, channels, sample_rate) = format.ok_or(WavError::MissingFormat)?;
            let end = if declared_end <= bytes.len() {
                declared_end
            } else if options.streamed {
                bytes.len()
            } else {
                return Err(WavError::Truncated(name));
            };
            let data = &bytes[start..end];
            let width = usize::from(channels) * if encoding == WavEncoding::Pcm16 { 2 } else { 1 };
            if data.is_empty() || !data.len().is_multiple_of(width) {
                return Err(WavError::DataLength(data.len()));
            }
            return Ok(WavAudio {
                encoding,
                channels,
                sample_rate,
                data,
            });
        }
        if declared_end > bytes.len() {
            return Err(WavError::Truncated(name));
        }
        if id == b"fmt " {
            format = Some(parse_format(&bytes[start..declared_end])?);
        }
        // Chunks are padded to an even length.
        offset = declared_end + (size as usize & 1);
    }
    Err(if format.is_some() {
        WavError::MissingData
    } else {
        WavError::MissingFormat
    })
}

fn parse_format(chunk: &[u8]) -> Result<(WavEncoding, u16, u32), WavError> {
    if chunk.len() < 16 {
        return Err(WavError::FormatTooShort(chunk.len()));
    }
    let u16_at = |i: usize| u16::from_le_bytes([chunk[i], chunk[i + 1]]);
    let mut code = u16_at(0);
    if code == 0xFFFE && chunk.len() >= 26 {
        // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
        code = u16_at(24);
    }
    let channels = u16_at(2);
    let sample_rate = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
    let bits = u16_at(14);
    let (encoding, name, want_bits) = match code {
        1 => (WavEncoding::Pcm16, "PCM", 16),
        6 => (WavEncoding::Alaw, "A-law", 8),
        7 => (WavEncoding::Ulaw, "µ-law", 8),
        other => return Err(WavError::UnsupportedEncoding(other)),
    };
    if bits != want_bits {
        return Err(WavError::BitsPerSample {
            encoding: name,
            bits,
        });
    }
    if channels == 0 {
        return Err(WavError::Channels(0));
    }
    Ok((encoding, channels, sample_rate))
}

/// Appends a 16-bit mono PCM WAV file of `samples` at `sample_rate` to `out`.
pub fn write_wav(samples: &[i16], sample_rate: u32, out: &mut Vec<u8>) {
    let data_len = (samples.len() * 2) as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
}
