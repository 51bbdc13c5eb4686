//! `kefu-plugin pin-hash`: the member PIN list for `ivr-menu`'s `verify.hmac_sha256`.
//!
//! Owns turning PINs into the keyed hashes the plugin compares against: hex HMAC-SHA256 of the
//! PIN's digits, keyed with the bytes of the installation secret `pin_key`. It must never print,
//! log or put in an error message a PIN or the key: errors name the line, not its content, and
//! PINs come from stdin (not arguments, which end up in shell history and `ps`).

use std::io::{BufRead, Read};

use aws_lc_rs::hmac;

/// Most PINs in one list (`ivr-menu` accepts up to 10,000 hashes per PIN node).
pub const MAX_PINS: usize = 10_000;
/// Shortest key `ivr-menu` accepts, in bytes.
pub const MIN_KEY_BYTES: usize = 16;
/// Longest key accepted (installation secrets are short strings).
const MAX_KEY_BYTES: usize = 4_096;
/// Longest PIN `ivr-menu` asks for.
const MAX_PIN_DIGITS: usize = 16;
/// Longest input line read; anything longer is not a PIN.
const MAX_LINE_BYTES: usize = 256;

/// Why no list could be made.
#[derive(Debug, thiserror::Error)]
pub enum PinHashError {
    /// The key is shorter than [`MIN_KEY_BYTES`] or longer than 4 KiB.
    #[error(
        "the key (KEFU_PIN_KEY, the installation secret `pin_key`) must be {MIN_KEY_BYTES} to \
         {MAX_KEY_BYTES} bytes; {0} bytes given (make one with `openssl rand -base64 32`)"
    )]
    BadKey(usize),
    /// A line is not a PIN of 1 to 16 digits.
    #[error("line {0} is not a PIN of 1 to {MAX_PIN_DIGITS} digits (0-9)")]
    NotAPin(usize),
    /// More than [`MAX_PINS`] PINs.
    #[error("more than {MAX_PINS} PINs; ivr-menu lists at most {MAX_PINS} per PIN node")]
    TooMany,
    /// No PIN at all.
    #[error("no PINs on stdin (one per line)")]
    Empty,
    /// Stdin could not be read.
    #[error("reading stdin: {0}")]
    Read(#[from] std::io::Error),
}

/// The hash `ivr-menu` lists for `pin` under `key`: lower-case hex HMAC-SHA256.
pub fn pin_hash(key: &[u8], pin: &str) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), pin.as_bytes());
    hex::encode(tag.as_ref())
}

/// The hashes of the PINs in `input` (one per line; blank lines and surrounding spaces are
/// ignored), in input order.
pub fn hash_pins(key: &str, input: impl BufRead) -> Result<Vec<String>, PinHashError> {
    if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
        return Err(PinHashError::BadKey(key.len()));
    }
    let mut hashes = Vec::new();
    // `take` bounds what one line can make us buffer; a longer line fails as "not a PIN".
    let mut input = input.take(((MAX_PINS + 1) * (MAX_LINE_BYTES + 1)) as u64);
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = (&mut input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        let text = std::str::from_utf8(&line).map_err(|_| PinHashError::NotAPin(number))?;
        let pin = text.trim();
        if pin.is_empty() {
            continue;
        }
        if line.len() > MAX_LINE_BYTES
            || pin.len() > MAX_PIN_DIGITS
            || !pin.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(PinHashError::NotAPin(number));
        }
        if hashes.len() == MAX_PINS {
            return Err(PinHashError::TooMany);
        }
        hashes.push(pin_hash(key.as_bytes(), pin));
    }
    if hashes.is_empty() {
        return Err(PinHashError::Empty);
    }
    Ok(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-pin-key-0123456789";

    #[test]
    fn hashes_are_hmac_sha256_of_the_digits() {
        // RFC 4231 test case 2.
        assert_eq!(
            pin_hash(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let hashes = hash_pins(KEY, &b"1234\n\n  567890 \r\n"[..]).unwrap();
        assert_eq!(
            hashes,
            [
                pin_hash(KEY.as_bytes(), "1234"),
                pin_hash(KEY.as_bytes(), "567890")
            ]
        );
    }

    #[test]
    fn bad_input_is_named_by_line_without_echoing_it() {
        let err = |key: &str, input: &[u8]| hash_pins(key, input).unwrap_err().to_string();
        assert!(err("short", b"1234\n").contains("5 bytes given"));
        let not_a_pin = err(KEY, b"1234\n12a4\n");
        assert!(
            not_a_pin.contains("line 2") && !not_a_pin.contains("12a4"),
            "{not_a_pin}"
        );
        assert!(err(KEY, &[b'1'; 17]).contains("line 1"));
        assert!(err(KEY, &[b'1'; 100_000]).contains("line 1"));
        assert!(err(KEY, b"\n\n").contains("no PINs"));
        let many = "1234\n".repeat(MAX_PINS + 1);
        assert!(err(KEY, many.as_bytes()).contains("more than"));
        assert!(err(KEY, b"\xff\xfe\n").contains("line 1"));
    }
}
