//! Password strength: the one rule for a new password, shared with the web app.
//!
//! A password is accepted when it has [`MIN_LEN`]..=[`MAX_LEN`] characters and zxcvbn scores
//! it at least [`MIN_SCORE`] (of 0–4; 3 means about 10^8 guesses or more, "safely unguessable"
//! behind a slow hash such as our argon2id). The estimator is given, as user inputs, the words
//! of the user's e-mail, name and company ([`user_inputs`]) followed by words common in
//! Chinese users' passwords that zxcvbn's English dictionaries lack
//! (`web/src/auth/strength/common-words.json`). The web app (`web/src/auth/strength/`) runs
//! `@zxcvbn-ts/core` on the same inputs with the same rule, and a shared fixture
//! (`web/src/auth/strength/fixture.json`) is checked against both.
//!
//! It must never log, store or return the password; the verdict names only the kind of weakness.

use std::sync::OnceLock;

use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

/// Shortest password accepted.
pub const MIN_LEN: usize = 12;
/// Longest password accepted (bounds hashing and estimating work on hostile input).
pub const MAX_LEN: usize = 256;
/// Lowest zxcvbn score accepted (0–4).
pub const MIN_SCORE: u8 = 3;

/// Shortest token of an e-mail, name or company that is worth guessing on its own.
const MIN_TOKEN: usize = 3;

const COMMON_WORDS_JSON: &str = include_str!("../../../../web/src/auth/strength/common-words.json");

/// Who the password is for: its words make a password guessable.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    /// The user's e-mail.
    pub email: &'a str,
    /// The user's display name.
    pub name: &'a str,
    /// The company's name.
    pub company: &'a str,
}

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_LEN`].
    #[error("use at least {MIN_LEN} characters")]
    TooShort,
    /// Longer than [`MAX_LEN`].
    #[error("use at most {MAX_LEN} characters")]
    TooLong,
    /// zxcvbn scores it below [`MIN_SCORE`]; `warning` is the zxcvbn-ts feedback key naming
    /// the pattern that makes it guessable, when there is one.
    #[error("this password is too easy to guess{}; add a few more words or characters", describe(.warning))]
    Guessable {
        /// The feedback key (`userInputs`, `straightRow`, `common`, …), as the web app names it.
        warning: Option<&'static str>,
    },
}

fn describe(warning: &Option<&'static str>) -> String {
    let text = match warning {
        Some("userInputs") => "it contains your name, e-mail, company or a very common word",
        Some("straightRow") => "straight rows of keys are easy to guess",
        Some("keyPattern") => "short keyboard patterns are easy to guess",
        Some("simpleRepeat") => "repeats like \"aaa\" are easy to guess",
        Some("extendedRepeat") => "repeats like \"abcabc\" are easy to guess",
        Some("sequences") => "sequences like \"abc\" or \"1234\" are easy to guess",
        Some("recentYears") => "recent years are easy to guess",
        Some("dates") => "dates are easy to guess",
        Some("topTen" | "topHundred" | "common") => "it is a very common password",
        Some("similarToCommon") => "it is similar to a commonly used password",
        Some("wordByItself") => "a word by itself is easy to guess",
        Some("namesByThemselves" | "commonNames") => "names are easy to guess",
        _ => return String::new(),
    };
    format!(" ({text})")
}

/// The user inputs given to the estimator: the personal words first, then the common words.
/// Each of e-mail, name and company contributes itself (lowercased, trimmed), itself without
/// separators, and its alphanumeric tokens of at least three characters; the e-mail also its
/// local part and the first label of its domain. The web app derives the same list.
pub fn user_inputs(ctx: &PasswordContext<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let email = ctx.email.trim().to_lowercase();
    if !email.is_empty() {
        push(&mut out, &email);
        let (local, domain) = email.split_once('@').unwrap_or((&email, ""));
        push_value(&mut out, local);
        push_value(&mut out, domain.split('.').next().unwrap_or(""));
    }
    push_value(&mut out, ctx.name);
    push_value(&mut out, ctx.company);
    for word in common_words() {
        push(&mut out, word);
    }
    out
}

fn push(out: &mut Vec<String>, s: &str) {
    let s = s.trim().to_lowercase();
    if !s.is_empty() && !out.contains(&s) {
        out.push(s);
    }
}

/// A value, the value without separators, and its tokens long enough to guess on their own.
fn push_value(out: &mut Vec<String>, v: &str) {
    let v = v.trim().to_lowercase();
    if v.is_empty() {
        return;
    }
    push(out, &v);
    let squashed: String = v.chars().filter(|c| c.is_alphanumeric()).collect();
    push(out, &squashed);
    for token in v.split(|c: char| !c.is_alphanumeric()) {
        if token.chars().count() >= MIN_TOKEN {
            push(out, token);
        }
    }
}

fn common_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            words: Vec<String>,
        }
        // The file is part of the build and checked by a test; a broken one means no extra words
        // rather than a panic on a sign-up.
        serde_json::from_str::<File>(COMMON_WORDS_JSON)
            .map(|f| f.words)
            .unwrap_or_default()
    })
}

/// Check a new password against the rule (see the module doc).
pub fn check_password_policy(
    password: &str,
    ctx: &PasswordContext<'_>,
) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let inputs = user_inputs(ctx);
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &refs);
    if u8::from(estimate.score()) >= MIN_SCORE {
        return Ok(());
    }
    // The web app names user-input matches the same way, whatever zxcvbn's own warning. The
    // crate does not export its `DictionaryType`, so the variant is recognised by name.
    let personal = estimate.sequence().iter().any(|m| {
        matches!(&m.pattern, MatchPattern::Dictionary(d)
            if format!("{:?}", d.dictionary_name) == "UserInputs")
    });
    let warning = if personal {
        Some("userInputs")
    } else {
        estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(warning_key)
    };
    Err(PasswordError::Guessable { warning })
}

/// zxcvbn's warning as the key `@zxcvbn-ts/core` uses for it.
fn warning_key(w: Warning) -> &'static str {
    match w {
        Warning::StraightRowsOfKeysAreEasyToGuess => "straightRow",
        Warning::ShortKeyboardPatternsAreEasyToGuess => "keyPattern",
        Warning::RepeatsLikeAaaAreEasyToGuess => "simpleRepeat",
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => "extendedRepeat",
        Warning::ThisIsATop10Password => "topTen",
        Warning::ThisIsATop100Password => "topHundred",
        Warning::ThisIsACommonPassword => "common",
        Warning::ThisIsSimilarToACommonlyUsedPassword => "similarToCommon",
        Warning::SequencesLikeAbcAreEasyToGuess => "sequences",
        Warning::RecentYearsAreEasyToGuess => "recentYears",
        Warning::AWordByItselfIsEasyToGuess => "wordByItself",
        Warning::DatesAreOftenEasyToGuess => "dates",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => "namesByThemselves",
        Warning::CommonNamesAndSurnamesAreEasyToGuess => "commonNames",
    }
}

#[cfg(test)]
mod tests;
