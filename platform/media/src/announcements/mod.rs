//! System announcements in Mandarin and English: a typed [`Announcement`] becomes words (with
//! numbers, dates and money read correctly for the language) and then audio through the TTS
//! cache.
//!
//! Queue position and wait announcements change for every caller and every minute, so they are
//! spoken from pieces — the fixed frame ("You are number", "in the queue.") and the number's
//! words one by one — each synthesised once and cached. A thousand callers at a thousand
//! positions cost a few dozen cached clips, not a thousand sentences (and no burst of
//! synthesis when a queue fills).
//!
//! Owns the wording; it must never build sentences from untrusted free text (custom wording is
//! the plugins' `say` action, which goes to [`Tts`] directly) and never speaks unbounded values.

mod en;
mod zh;

use crate::prompt::Prompt;
use crate::tts::{Tts, TtsError, Voice};
use thiserror::Error;

/// Largest number (in absolute value) that is announced: just under 10¹².
pub const MAX_NUMBER: i64 = 999_999_999_999;
/// Longest key sequence announced.
pub const MAX_DIGITS: usize = 64;

/// The language of an announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    English,
    /// Mandarin Chinese.
    Mandarin,
}

impl Language {
    /// The TTS voice for the language.
    pub fn voice(self) -> Voice {
        match self {
            Language::English => Voice::English,
            Language::Mandarin => Voice::Mandarin,
        }
    }
}

/// A currency for amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    /// Renminbi (元/角/分).
    Cny,
    /// US dollar.
    Usd,
    /// Euro.
    Eur,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    /// Year (1–9999).
    pub year: i32,
    /// Month (1–12).
    pub month: u8,
    /// Day of the month.
    pub day: u8,
}

/// Something the system says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Announcement {
    /// Keys one by one (`0`–`9`, `*`, `#`), e.g. an account number.
    Digits(String),
    /// A number as a whole.
    Number(i64),
    /// A date.
    Date(Date),
    /// Money, in minor units (cents, fen).
    Amount {
        /// The currency.
        currency: Currency,
        /// Amount in hundredths.
        minor: i64,
    },
    /// "Please hold."
    PleaseHold,
    /// "You are number N in the queue." (N ≥ 1)
    QueuePosition(u32),
    /// "The expected wait is N minutes."
    ExpectedWait {
        /// Whole minutes.
        minutes: u32,
    },
}

/// An announcement that cannot be spoken.
#[derive(Debug, Error)]
pub enum AnnouncementError {
    /// A value outside what is announced.
    #[error("{0}")]
    Invalid(String),
    /// Speech synthesis failed.
    #[error(transparent)]
    Tts(#[from] TtsError),
}

impl Announcement {
    /// The words to say, in `language`.
    pub fn text(&self, language: Language) -> Result<String, AnnouncementError> {
        self.validate()?;
        let mandarin = language == Language::Mandarin;
        Ok(match self {
            Announcement::Digits(keys) if mandarin => zh::digits(keys),
            Announcement::Digits(keys) => en::digits(keys),
            Announcement::Number(n) if mandarin => zh::number(*n),
            Announcement::Number(n) => en::number(*n),
            Announcement::Date(d) if mandarin => zh::date(*d),
            Announcement::Date(d) => en::date(*d),
            Announcement::Amount { currency, minor } if mandarin => zh::amount(*currency, *minor),
            Announcement::Amount { currency, minor } => en::amount(*currency, *minor),
            Announcement::PleaseHold if mandarin => zh::please_hold(),
            Announcement::PleaseHold => en::please_hold(),
            Announcement::QueuePosition(n) if mandarin => zh::queue_position(*n),
            Announcement::QueuePosition(n) => en::queue_position(*n),
            Announcement::ExpectedWait { minutes } if mandarin => zh::expected_wait(*minutes),
            Announcement::ExpectedWait { minutes } => en::expected_wait(*minutes),
        })
    }

    /// The announcement as audio, through the TTS cache.
    pub async fn speak(&self, tts: &Tts, language: Language) -> Result<Prompt, AnnouncementError> {
        let Some(pieces) = self.pieces(language)? else {
            let text = self.text(language)?;
            return Ok(tts.speak(&text, language.voice()).await?);
        };
        let mut clips = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            clips.push(tts.speak(piece, language.voice()).await?);
        }
        Ok(join(&clips))
    }

    /// The pieces a queue announcement is spoken from, in order, or `None` for an
    /// announcement spoken as one sentence. The pieces say what [`Announcement::text`] says.
    pub fn pieces(&self, language: Language) -> Result<Option<Vec<String>>, AnnouncementError> {
        self.validate()?;
        let framed = |before: &str, number: String, after: &str| {
            let words: Vec<String> = if language == Language::Mandarin {
                number.chars().map(String::from).collect()
            } else {
                number
                    .split([' ', '-'])
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let mut pieces = Vec::with_capacity(words.len() + 2);
            pieces.push(before.to_owned());
            pieces.extend(words);
            pieces.push(after.to_owned());
            Some(pieces)
        };
        let mandarin = language == Language::Mandarin;
        Ok(match *self {
            Announcement::QueuePosition(n) if mandarin => {
                framed("您现在排在第", zh::number(i64::from(n)), "位。")
            }
            Announcement::QueuePosition(n) if n > 1 => {
                framed("You are number", en::number(i64::from(n)), "in the queue.")
            }
            Announcement::ExpectedWait { minutes } if mandarin && minutes > 0 => {
                framed("预计等待时间为", zh::count(i64::from(minutes)), "分钟。")
            }
            Announcement::ExpectedWait { minutes } if !mandarin && minutes > 1 => framed(
                "The expected wait is",
                en::number(i64::from(minutes)),
                "minutes.",
            ),
            _ => None,
        })
    }

    fn validate(&self) -> Result<(), AnnouncementError> {
        let invalid = |m: String| Err(AnnouncementError::Invalid(m));
        match self {
            Announcement::Digits(keys) if keys.is_empty() || keys.chars().count() > MAX_DIGITS => {
                invalid(format!("a key sequence must have 1 to {MAX_DIGITS} keys"))
            }
            Announcement::Digits(keys)
                if !keys
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#') =>
            {
                invalid("keys must be 0-9, * or #".into())
            }
            Announcement::Number(n) if n.unsigned_abs() > MAX_NUMBER as u64 => {
                invalid(format!("number {n} is beyond ±{MAX_NUMBER}"))
            }
            Announcement::Amount { minor, .. }
                if minor.unsigned_abs() / 100 > MAX_NUMBER as u64 =>
            {
                invalid(format!("amount {minor} is too large to announce"))
            }
            Announcement::Date(d)
                if !(1..=9_999).contains(&d.year) || !(1..=12).contains(&d.month) =>
            {
                invalid(format!("{}-{}-{} is not a date", d.year, d.month, d.day))
            }
            Announcement::Date(d) if d.day == 0 || d.day > days_in_month(d.year, d.month) => {
                invalid(format!(
                    "{}-{:02}-{:02} is not a date",
                    d.year, d.month, d.day
                ))
            }
            Announcement::QueuePosition(0) => invalid("queue positions start at 1".into()),
            Announcement::ExpectedWait { minutes } if *minutes > 10_000 => {
                invalid(format!("a wait of {minutes} minutes is not announced"))
            }
            _ => Ok(()),
        }
    }
}

/// Below this level a sample counts as silence when clips are joined.
const SILENCE: i16 = 96;
/// Silence kept between joined clips: 60 ms.
const GAP_SAMPLES: usize = 480;

/// Clips one after another, each without the synthesiser's leading and trailing silence, with
/// a short even gap between them.
fn join(clips: &[Prompt]) -> Prompt {
    let mut out: Vec<i16> = Vec::new();
    for clip in clips {
        let samples = clip.samples();
        let loud = |s: &i16| s.unsigned_abs() >= SILENCE.unsigned_abs();
        let (Some(first), Some(last)) = (
            samples.iter().position(loud),
            samples.iter().rposition(loud),
        ) else {
            continue;
        };
        if !out.is_empty() {
            out.resize(out.len() + GAP_SAMPLES, 0);
        }
        out.extend_from_slice(&samples[first..=last]);
    }
    Prompt::from_samples(out)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests;
