//! WAV files as admins upload them as prompts: reading the format and locating the audio never
//! panics and stays inside the file; a prompt built from it has whole samples; and a WAV we
//! write reads back as the samples we wrote.
#![no_main]

use kefu_media::Prompt;
use kefu_media::prompt::wav::{WavEncoding, WavReadOptions, read_wav, write_wav};
use libfuzzer_sys::fuzz_target;

const MAX: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    for streamed in [false, true] {
        if let Ok(audio) = read_wav(data, WavReadOptions { max_bytes: MAX, streamed }) {
            assert!(audio.data.len() <= data.len());
            assert!(audio.channels > 0);
        }
    }
    if let Ok(prompt) = Prompt::from_wav(data, MAX) {
        assert!(prompt.samples().len() <= data.len());
    }
    // Round trip of our writer: the input's bytes as 16-bit samples.
    let samples: Vec<i16> = data.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
    if samples.is_empty() {
        return;
    }
    let mut out = Vec::new();
    write_wav(&samples, 8000, &mut out);
    let audio = read_wav(&out, WavReadOptions { max_bytes: usize::MAX, streamed: false })
        .expect("a WAV we write reads back");
    assert_eq!((audio.encoding, audio.channels, audio.sample_rate), (WavEncoding::Pcm16, 1, 8000));
    assert_eq!(audio.data.len(), samples.len() * 2);
    assert!(audio.data.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).eq(samples.iter().copied()));
});
