//! English wording: cardinal and ordinal numbers in words, years as people say them, money and
//! the queue phrases.

use super::{Currency, Date};

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A cardinal number below 10¹² in words (the caller checks the bound).
pub fn number(n: i64) -> String {
    if n < 0 {
        return format!("minus {}", number(n.saturating_neg()));
    }
    if n < 1_000 {
        return below_1000(n as usize);
    }
    let mut parts = Vec::new();
    for (scale, name) in [
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
        (1, ""),
    ] {
        let group = (n / scale) % 1_000;
        if group > 0 {
            let words = below_1000(group as usize);
            parts.push(if name.is_empty() {
                words
            } else {
                format!("{words} {name}")
            });
        }
    }
    parts.join(" ")
}

fn below_1000(n: usize) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let tail = if rest < 20 {
        ONES[rest].to_string()
    } else if rest % 10 == 0 {
        TENS[rest / 10].to_string()
    } else {
        format!("{}-{}", TENS[rest / 10], ONES[rest % 10])
    };
    match (hundreds, rest) {
        (0, _) => tail,
        (h, 0) => format!("{} hundred", ONES[h]),
        (h, _) => format!("{} hundred {tail}", ONES[h]),
    }
}

/// First, second, twenty-second…
pub fn ordinal(n: u32) -> String {
    let words = number(i64::from(n));
    let (head, last) = match words.rfind([' ', '-']) {
        Some(i) => words.split_at(i + 1),
        None => ("", words.as_str()),
    };
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    format!("{head}{last}")
}

/// Years as spoken: 2026 → twenty twenty-six, 2005 → two thousand five, 1905 → nineteen oh five.
fn year(y: i32) -> String {
    let (hi, lo) = (y / 100, y % 100);
    if !(1_000..10_000).contains(&y) || (hi % 10 == 0 && lo < 10) {
        return number(i64::from(y));
    }
    let hi = number(i64::from(hi));
    match lo {
        0 => format!("{hi} hundred"),
        1..=9 => format!("{hi} oh {}", ONES[lo as usize]),
        _ => format!("{hi} {}", number(i64::from(lo))),
    }
}

/// Key by key.
pub fn digits(keys: &str) -> String {
    keys.chars()
        .filter_map(|c| match c {
            '*' => Some("star"),
            '#' => Some("pound"),
            c => c.to_digit(10).map(|d| ONES[d as usize]),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// November twenty-second, twenty twenty-six.
pub fn date(d: Date) -> String {
    format!(
        "{} {}, {}",
        MONTHS[usize::from(d.month - 1)],
        ordinal(u32::from(d.day)),
        year(d.year)
    )
}

/// Twelve dollars and fifty cents.
pub fn amount(currency: Currency, minor: i64) -> String {
    let sign = if minor < 0 { "minus " } else { "" };
    let minor = minor.saturating_abs();
    let (major, cents) = (minor / 100, minor % 100);
    let (one_big, many_big, one_small, many_small) = match currency {
        Currency::Cny => ("yuan", "yuan", "fen", "fen"),
        Currency::Usd => ("dollar", "dollars", "cent", "cents"),
        Currency::Eur => ("euro", "euros", "cent", "cents"),
    };
    let big = format!(
        "{} {}",
        number(major),
        if major == 1 { one_big } else { many_big }
    );
    if cents == 0 {
        return format!("{sign}{big}");
    }
    let small = format!(
        "{} {}",
        number(cents),
        if cents == 1 { one_small } else { many_small }
    );
    if major == 0 {
        format!("{sign}{small}")
    } else {
        format!("{sign}{big} and {small}")
    }
}

pub fn please_hold() -> String {
    "Please hold. Your call is important to us.".into()
}

pub fn queue_position(position: u32) -> String {
    if position == 1 {
        "You are next in the queue.".into()
    } else {
        format!(
            "You are number {} in the queue.",
            number(i64::from(position))
        )
    }
}

pub fn expected_wait(minutes: u32) -> String {
    match minutes {
        0 => "The expected wait is less than one minute.".into(),
        1 => "The expected wait is one minute.".into(),
        n => format!("The expected wait is {} minutes.", number(i64::from(n))),
    }
}
