//! Phone numbers in E.164 form (`+` then 8–15 digits, no leading zero in the country code).
//!
//! Numbers typed by admins are parsed strictly ([`E164::parse`]); numbers dialled by a trunk
//! (the user part of a request-URI) are normalised first ([`E164::from_dialled`]), because
//! carriers send `+15555550100`, `15555550100`, `0015555550100` or `+1-555-555-0100` for the same
//! number. Pure and bounded: input longer than [`MAX_DIALLED`] is refused before any work.

use std::fmt;

/// Longest dialled text considered (a request-URI user part with separators and parameters).
pub const MAX_DIALLED: usize = 64;

/// Why a text is not an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a phone number must be + then 8 to 15 digits, the first not 0 (like +15555550100)")]
pub struct E164Error;

/// A phone number in E.164 form, always `+` and 8–15 digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Parse an E.164 number exactly: `+`, then 8–15 ASCII digits, the first not `0`.
    pub fn parse(text: &str) -> Result<E164, E164Error> {
        let digits = text.strip_prefix('+').ok_or(E164Error)?;
        if !(8..=15).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(E164Error);
        }
        Ok(E164(text.to_owned()))
    }

    /// Normalise what a trunk dialled (a request-URI user part): drop URI parameters
    /// (`;npdi`), visual separators (`-`, `.`, `(`, `)`, spaces), and an international
    /// prefix `00`; a bare digit string is taken as international. The result must be E.164.
    pub fn from_dialled(dialled: &str) -> Result<E164, E164Error> {
        if dialled.len() > MAX_DIALLED {
            return Err(E164Error);
        }
        let user = dialled.split(';').next().unwrap_or_default();
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for (i, c) in user.chars().enumerate() {
            match c {
                '+' if i == 0 => plus = true,
                '0'..='9' => digits.push(c),
                '-' | '.' | '(' | ')' | ' ' => {}
                _ => return Err(E164Error),
            }
        }
        let digits = match (plus, digits.strip_prefix("00")) {
            (false, Some(rest)) => rest.to_owned(),
            _ => digits,
        };
        E164::parse(&format!("+{digits}"))
    }

    /// The number as text (`+15555550100`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parse() {
        for good in [
            "+15555550100",
            "+861085550100",
            "+12345678",
            "+123456789012345",
        ] {
            assert_eq!(E164::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "+",
            "15555550100",
            "+1234567",
            "+1234567890123456",
            "+05555550100",
            "+1555555010a",
            "+1 555 555 0100",
            "++15555550100",
            "+１５５５５５５０１００",
        ] {
            assert_eq!(E164::parse(bad), Err(E164Error), "{bad}");
        }
    }

    #[test]
    fn dialled_forms_normalise() {
        for dialled in [
            "+15555550100",
            "15555550100",
            "0015555550100",
            "+1-555-555-0100",
            "+1 (555) 555.0100",
            "+15555550100;npdi;rn=+15555550000",
        ] {
            assert_eq!(
                E164::from_dialled(dialled).unwrap().as_str(),
                "+15555550100",
                "{dialled}"
            );
        }
        for bad in [
            "",
            "alice",
            "1+5555550100",
            "+0015555550100",
            "*98",
            "12",
            &"1".repeat(65),
        ] {
            assert_eq!(E164::from_dialled(bad), Err(E164Error), "{bad}");
        }
    }
}
