//! G.711 µ-law (PCMU) and A-law (PCMA) conversion between 8-bit codewords and linear PCM.
//!
//! Owns the codec arithmetic only. Decoding uses 256-entry tables built at compile time;
//! encoding follows ITU-T G.711 segment search. It must never allocate on the per-sample path.

/// The two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711 {
    /// µ-law, RTP static payload type 0 (PCMU).
    Pcmu,
    /// A-law, RTP static payload type 8 (PCMA).
    Pcma,
}

impl G711 {
    /// The static RTP payload type of this law (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            G711::Pcmu => 0,
            G711::Pcma => 8,
        }
    }

    /// Decodes codewords into linear samples (`out` must be at least as long as `codes`).
    pub fn decode(self, codes: &[u8], out: &mut [i16]) {
        let table = match self {
            G711::Pcmu => &ULAW_TO_LINEAR,
            G711::Pcma => &ALAW_TO_LINEAR,
        };
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = table[usize::from(c)];
        }
    }

    /// Encodes linear samples into codewords (`out` must be at least as long as `samples`).
    pub fn encode(self, samples: &[i16], out: &mut [u8]) {
        match self {
            G711::Pcmu => out
                .iter_mut()
                .zip(samples)
                .for_each(|(o, &s)| *o = linear_to_ulaw(s)),
            G711::Pcma => out
                .iter_mut()
                .zip(samples)
                .for_each(|(o, &s)| *o = linear_to_alaw(s)),
        }
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32_635;

/// Encodes one linear sample as a µ-law codeword.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(ULAW_CLIP) + ULAW_BIAS;
    let exponent = segment(pcm >> 7);
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Decodes one µ-law codeword.
pub const fn ulaw_to_linear(code: u8) -> i16 {
    let code = !code;
    let exponent = ((code >> 4) & 0x07) as i32;
    let mantissa = (code & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if code & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Encodes one linear sample as an A-law codeword.
pub fn linear_to_alaw(sample: i16) -> u8 {
    // A-law works on 13-bit magnitudes; the sign bit is set for positive values.
    let pcm = i32::from(sample) >> 3;
    let (sign, magnitude) = if pcm >= 0 {
        (0x80, pcm)
    } else {
        (0x00, -pcm - 1)
    };
    let code = if magnitude < 32 {
        (magnitude >> 1) as u8
    } else {
        let exponent = segment(magnitude >> 5) + 1;
        let exponent = exponent.min(7);
        let mantissa = (magnitude >> exponent) & 0x0F;
        ((exponent << 4) as u8) | mantissa as u8
    };
    (sign | code) ^ 0x55
}

/// Decodes one A-law codeword.
pub const fn alaw_to_linear(code: u8) -> i16 {
    let code = code ^ 0x55;
    let exponent = ((code >> 4) & 0x07) as i32;
    let mantissa = (code & 0x0F) as i32;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if code & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// Floor of log2 of `value`, capped at 7 (0 for 0 and 1): the G.711 segment number.
fn segment(value: i32) -> i32 {
    (31 - (value | 1).leading_zeros() as i32).min(7)
}

const fn build_table(alaw: bool) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = if alaw {
            alaw_to_linear(i as u8)
        } else {
            ulaw_to_linear(i as u8)
        };
        i += 1;
    }
    table
}

static ULAW_TO_LINEAR: [i16; 256] = build_table(false);
static ALAW_TO_LINEAR: [i16; 256] = build_table(true);

#[cfg(test)]
mod tests;
