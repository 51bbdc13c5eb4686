//! Business-hours calendars: weekly opening hours in a time zone, plus holidays. The routing
//! configuration stores them and the IVR asks [`BusinessHours::is_open`] on every call.
//! Pure: the time to check is passed in.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::CalendarId;

/// A named calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// Its id.
    pub id: CalendarId,
    /// A name for people ("Support hours").
    pub name: String,
    /// IANA time zone the hours are in (`Asia/Shanghai`, `Europe/Berlin`, `UTC`).
    pub timezone: String,
    /// Opening ranges; several per day are allowed (lunch breaks).
    #[serde(default)]
    pub weekly: Vec<OpeningRange>,
    /// Dates with different hours: closed all day, or open only in `open`/`close`.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

/// Open from `open` to `close` (local time, `HH:MM`, close exclusive) on `day`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningRange {
    /// `mon` … `sun`.
    pub day: String,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM` (`24:00` for midnight).
    pub close: String,
}

/// A date with its own hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The date, `YYYY-MM-DD`, local.
    pub date: String,
    /// What it is ("Spring Festival").
    pub name: String,
    /// Opening time that day (`HH:MM`); absent: closed all day.
    #[serde(default)]
    pub open: Option<String>,
    /// Closing time that day.
    #[serde(default)]
    pub close: Option<String>,
}

/// A calendar field that is wrong; `field` is its path (`weekly[2].close`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CalendarError {
    /// Path of the field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn err(field: String, message: &str) -> CalendarError {
    CalendarError {
        field,
        message: message.to_owned(),
    }
}

fn parse_day(s: &str) -> Option<Weekday> {
    Some(match s {
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

/// Minutes since midnight for `HH:MM` (`24:00` allowed as the end of the day).
fn parse_minutes(s: &str) -> Option<u32> {
    if s == "24:00" {
        return Some(24 * 60);
    }
    if s.len() != 5 {
        return None;
    }
    let t = NaiveTime::parse_from_str(s, "%H:%M").ok()?;
    Some(t.hour() * 60 + t.minute())
}

fn check_range(field: &str, open: &str, close: &str) -> Result<(u32, u32), CalendarError> {
    let o = parse_minutes(open).ok_or_else(|| err(format!("{field}.open"), "expected HH:MM"))?;
    let c = parse_minutes(close).ok_or_else(|| err(format!("{field}.close"), "expected HH:MM"))?;
    if c <= o {
        return Err(err(format!("{field}.close"), "must be after `open`"));
    }
    Ok((o, c))
}

impl BusinessHours {
    /// Check every field; the first problem found is returned, naming its field.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(err("name".into(), "1 to 100 characters"));
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(err(
                "timezone".into(),
                "not an IANA time zone such as Asia/Shanghai",
            ));
        }
        if self.weekly.len() > 100 || self.holidays.len() > 1000 {
            return Err(err("weekly".into(), "too many entries"));
        }
        for (i, r) in self.weekly.iter().enumerate() {
            let field = format!("weekly[{i}]");
            parse_day(&r.day).ok_or_else(|| err(format!("{field}.day"), "expected mon…sun"))?;
            check_range(&field, &r.open, &r.close)?;
        }
        for (i, h) in self.holidays.iter().enumerate() {
            let field = format!("holidays[{i}]");
            if h.name.trim().is_empty() || h.name.chars().count() > 100 {
                return Err(err(format!("{field}.name"), "1 to 100 characters"));
            }
            NaiveDate::parse_from_str(&h.date, "%Y-%m-%d")
                .map_err(|_| err(format!("{field}.date"), "expected YYYY-MM-DD"))?;
            match (&h.open, &h.close) {
                (None, None) => {}
                (Some(o), Some(c)) => {
                    check_range(&field, o, c)?;
                }
                _ => {
                    return Err(err(
                        format!("{field}.close"),
                        "give both open and close, or neither",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Is the calendar open at `at`? A calendar that does not validate is treated as closed.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let Ok(tz) = self.timezone.parse::<chrono_tz::Tz>() else {
            return false;
        };
        let local = at.with_timezone(&tz);
        let minute = local.hour() * 60 + local.minute();
        let date = local.date_naive().format("%Y-%m-%d").to_string();
        let within = |open: &str, close: &str| match (parse_minutes(open), parse_minutes(close)) {
            (Some(o), Some(c)) => o <= minute && minute < c,
            _ => false,
        };
        if let Some(h) = self.holidays.iter().find(|h| h.date == date) {
            return match (&h.open, &h.close) {
                (Some(o), Some(c)) => within(o, c),
                _ => false,
            };
        }
        let today = local.weekday();
        self.weekly
            .iter()
            .filter(|r| parse_day(&r.day) == Some(today))
            .any(|r| within(&r.open, &r.close))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shanghai() -> BusinessHours {
        BusinessHours {
            id: CalendarId::new(),
            name: "Support".into(),
            timezone: "Asia/Shanghai".into(),
            weekly: ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .flat_map(|d| {
                    [("09:00", "12:00"), ("13:00", "18:00")].map(|(o, c)| OpeningRange {
                        day: (*d).into(),
                        open: o.into(),
                        close: c.into(),
                    })
                })
                .collect(),
            holidays: vec![
                Holiday {
                    date: "2026-10-01".into(),
                    name: "National Day".into(),
                    open: None,
                    close: None,
                },
                Holiday {
                    date: "2026-10-10".into(),
                    name: "Half day".into(),
                    open: Some("10:00".into()),
                    close: Some("12:00".into()),
                },
            ],
        }
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn opening_hours_follow_the_local_time_zone() {
        let c = shanghai();
        c.validate().unwrap();
        // Monday 2026-11-23 09:30 in Shanghai is 01:30 UTC.
        assert!(c.is_open(utc(2026, 11, 23, 1, 30)));
        assert!(!c.is_open(utc(2026, 11, 23, 0, 59)), "08:59 local");
        assert!(!c.is_open(utc(2026, 11, 23, 4, 30)), "lunch 12:30 local");
        assert!(
            !c.is_open(utc(2026, 11, 23, 10, 0)),
            "18:00 local is closed (exclusive)"
        );
        assert!(!c.is_open(utc(2026, 11, 22, 2, 0)), "Sunday");
        assert!(!c.is_open(utc(2026, 10, 1, 2, 0)), "holiday closed all day");
        assert!(
            c.is_open(utc(2026, 10, 10, 2, 30)),
            "holiday hours 10:30 local (a Saturday)"
        );
        assert!(!c.is_open(utc(2026, 10, 10, 5, 0)), "after holiday hours");
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = shanghai();
        c.timezone = "Mars/Olympus".into();
        assert_eq!(c.validate().unwrap_err().field, "timezone");
        let mut c = shanghai();
        c.weekly[3].close = "08:00".into();
        assert_eq!(c.validate().unwrap_err().field, "weekly[3].close");
        let mut c = shanghai();
        c.weekly[0].day = "funday".into();
        assert_eq!(c.validate().unwrap_err().field, "weekly[0].day");
        let mut c = shanghai();
        c.weekly[1].open = "9am".into();
        assert_eq!(c.validate().unwrap_err().field, "weekly[1].open");
        let mut c = shanghai();
        c.holidays[0].date = "2026-13-01".into();
        assert_eq!(c.validate().unwrap_err().field, "holidays[0].date");
        let mut c = shanghai();
        c.holidays[1].close = None;
        assert_eq!(c.validate().unwrap_err().field, "holidays[1].close");
    }
}
