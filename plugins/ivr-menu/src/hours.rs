//! Business hours and holidays (config `menu.hours`): whether the tenant is open when a call
//! starts, in the tenant's IANA time zone, and the after-hours branch. The same shape as the
//! platform's calendars (`kefu-core`'s `BusinessHours`). Pure: the time comes from the call
//! context, never from a clock.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::config::{Choice, PromptConfig};

/// Most weekly ranges accepted.
const MAX_RANGES: usize = 100;
/// Most holidays accepted.
const MAX_HOLIDAYS: usize = 1_000;

/// Opening hours and what happens outside them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// IANA time zone the hours are in (`Asia/Shanghai`, `Europe/Berlin`, `UTC`).
    pub timezone: String,
    /// Opening ranges; several per day are allowed (lunch breaks).
    pub weekly: Vec<OpeningRange>,
    /// Dates with their own hours: closed all day, or open only from `open` to `close`.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    /// What a call outside the hours gets.
    pub after_hours: AfterHours,
}

/// Open from `open` to `close` (local `HH:MM`, close exclusive, `24:00` for midnight) on `day`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningRange {
    /// `mon` … `sun`.
    pub day: String,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`.
    pub close: String,
}

/// A date with its own hours.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// What it is ("Spring Festival"); for people only.
    #[serde(default)]
    pub name: String,
    /// Opening time that day; absent (with `close`): closed all day.
    #[serde(default)]
    pub open: Option<String>,
    /// Closing time that day.
    #[serde(default)]
    pub close: Option<String>,
}

/// The after-hours branch: a message, then a menu or an action (voicemail, hang up, …).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterHours {
    /// Played first ("we are closed, our hours are …").
    #[serde(default)]
    pub message: Vec<PromptConfig>,
    /// Then this.
    pub then: Choice,
}

impl Hours {
    /// Checks every field; the error names it (`menu.hours.weekly[2].close`).
    pub fn check(&self) -> Result<(), String> {
        let field = |f: &str| format!("config `menu.hours.{f}`");
        self.timezone.parse::<Tz>().map_err(|_| {
            format!(
                "{}: `{}` is not an IANA time zone such as Asia/Shanghai",
                field("timezone"),
                self.timezone
            )
        })?;
        if self.weekly.len() > MAX_RANGES || self.holidays.len() > MAX_HOLIDAYS {
            return Err(format!(
                "{}: at most {MAX_RANGES} weekly ranges and {MAX_HOLIDAYS} holidays",
                field("weekly")
            ));
        }
        for (i, range) in self.weekly.iter().enumerate() {
            weekday(&range.day).ok_or_else(|| {
                format!("{}: expected mon…sun", field(&format!("weekly[{i}].day")))
            })?;
            minutes_range(&range.open, &range.close)
                .map_err(|(part, e)| format!("{}: {e}", field(&format!("weekly[{i}].{part}"))))?;
        }
        for (i, holiday) in self.holidays.iter().enumerate() {
            NaiveDate::parse_from_str(&holiday.date, "%Y-%m-%d").map_err(|_| {
                format!(
                    "{}: expected YYYY-MM-DD",
                    field(&format!("holidays[{i}].date"))
                )
            })?;
            match (&holiday.open, &holiday.close) {
                (None, None) => {}
                (Some(open), Some(close)) => {
                    minutes_range(open, close).map_err(|(part, e)| {
                        format!("{}: {e}", field(&format!("holidays[{i}].{part}")))
                    })?;
                }
                _ => {
                    return Err(format!(
                        "{}: give both open and close, or neither",
                        field(&format!("holidays[{i}].close"))
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the tenant is open at `at_ms` (milliseconds since the Unix epoch, UTC). Hours
    /// that do not check are treated as closed.
    pub fn is_open(&self, at_ms: u64) -> bool {
        let (Ok(tz), Some(at)) = (
            self.timezone.parse::<Tz>(),
            i64::try_from(at_ms)
                .ok()
                .and_then(DateTime::from_timestamp_millis),
        ) else {
            return false;
        };
        let local = at.with_timezone(&tz);
        let minute = local.hour() * 60 + local.minute();
        let within = |open: &str, close: &str| {
            minutes_range(open, close).is_ok_and(|(o, c)| o <= minute && minute < c)
        };
        let date = local.date_naive();
        let holiday = self
            .holidays
            .iter()
            .find(|h| NaiveDate::parse_from_str(&h.date, "%Y-%m-%d") == Ok(date));
        if let Some(holiday) = holiday {
            return match (&holiday.open, &holiday.close) {
                (Some(open), Some(close)) => within(open, close),
                _ => false,
            };
        }
        let today = local.weekday();
        self.weekly
            .iter()
            .filter(|r| weekday(&r.day) == Some(today))
            .any(|r| within(&r.open, &r.close))
    }
}

fn weekday(day: &str) -> Option<Weekday> {
    Some(match day {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// `(open, close)` in minutes since midnight; the error names the part that is wrong.
fn minutes_range(open: &str, close: &str) -> Result<(u32, u32), (&'static str, &'static str)> {
    let o = minutes(open).ok_or(("open", "expected HH:MM"))?;
    let c = minutes(close).ok_or(("close", "expected HH:MM"))?;
    if c <= o {
        return Err(("close", "must be after `open`"));
    }
    Ok((o, c))
}

/// Minutes since midnight for `HH:MM` (`24:00` allowed as the end of the day).
fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}
