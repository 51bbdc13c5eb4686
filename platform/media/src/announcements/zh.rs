//! Mandarin wording: numerals read the way a person says them (23 → 二十三, 105 → 一百零五,
//! 10010 → 一万零一十), phone-style digits (1 → 幺), dates, money and the queue phrases.

use super::{Currency, Date};

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// A cardinal number below 10¹² (the caller checks the bound).
pub fn number(n: i64) -> String {
    if n < 0 {
        return format!("负{}", number(n.saturating_neg()));
    }
    if n == 0 {
        return DIGITS[0].into();
    }
    let groups = [
        (n / 100_000_000, "亿"),
        ((n / 10_000) % 10_000, "万"),
        (n % 10_000, ""),
    ];
    let mut out = String::new();
    let mut started = false;
    let mut gap = false;
    for (group, unit) in groups {
        if group == 0 {
            gap |= started;
            continue;
        }
        if started && (gap || group < 1_000) {
            out.push_str(DIGITS[0]);
        }
        out.push_str(&below_10000(group as usize, !started));
        out.push_str(unit);
        started = true;
        gap = false;
    }
    out
}

/// A count of things: 2 is 两 (两位, 两分钟), everything else as [`number`].
pub fn count(n: i64) -> String {
    if n == 2 { "两".into() } else { number(n) }
}

fn below_10000(n: usize, leading: bool) -> String {
    let digits = [n / 1_000, (n / 100) % 10, (n / 10) % 10, n % 10];
    let units = ["千", "百", "十", ""];
    let mut out = String::new();
    let mut started = false;
    let mut zero = false;
    for (i, &d) in digits.iter().enumerate() {
        if d == 0 {
            zero |= started;
            continue;
        }
        if zero {
            out.push_str(DIGITS[0]);
            zero = false;
        }
        // 十二, not 一十二, at the very start of a number; 一千零一十 elsewhere.
        if !(i == 2 && d == 1 && !started && leading) {
            out.push_str(DIGITS[d]);
        }
        out.push_str(units[i]);
        started = true;
    }
    out
}

/// Key by key, as phone numbers are read (1 is 幺 so it cannot be heard as 七).
pub fn digits(keys: &str) -> String {
    keys.chars()
        .map(|c| match c {
            '1' => "幺",
            '*' => "星号",
            '#' => "井号",
            c => c.to_digit(10).map_or("", |d| DIGITS[d as usize]),
        })
        .collect()
}

/// 二零二六年十一月二十二日.
pub fn date(d: Date) -> String {
    let year: String = d
        .year
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|v| DIGITS[v as usize])
        .collect();
    format!(
        "{year}年{}月{}日",
        number(i64::from(d.month)),
        number(i64::from(d.day))
    )
}

/// 一百零五元零七分, 三元整, 十二美元五十美分.
pub fn amount(currency: Currency, minor: i64) -> String {
    let sign = if minor < 0 { "负" } else { "" };
    let minor = minor.saturating_abs();
    let (major, cents) = (minor / 100, minor % 100);
    match currency {
        Currency::Cny => {
            let (jiao, fen) = (cents / 10, cents % 10);
            let mut out = String::from(sign);
            if major > 0 || cents == 0 {
                out.push_str(&count(major));
                out.push('元');
            }
            if jiao > 0 {
                out.push_str(&number(jiao));
                out.push('角');
            }
            if fen > 0 {
                if jiao == 0 && major > 0 {
                    out.push_str(DIGITS[0]);
                }
                out.push_str(&number(fen));
                out.push('分');
            }
            if cents == 0 && major > 0 {
                out.push('整');
            }
            out
        }
        Currency::Usd | Currency::Eur => {
            let (big, small) = if currency == Currency::Usd {
                ("美元", "美分")
            } else {
                ("欧元", "欧分")
            };
            let mut out = format!("{sign}{}{big}", count(major));
            if cents > 0 {
                out.push_str(&format!("{}{small}", count(cents)));
            }
            out
        }
    }
}

pub fn please_hold() -> String {
    "请稍候，您的来电对我们很重要。".into()
}

pub fn queue_position(position: u32) -> String {
    format!("您现在排在第{}位。", number(i64::from(position)))
}

pub fn expected_wait(minutes: u32) -> String {
    if minutes == 0 {
        "预计等待时间不到一分钟。".into()
    } else {
        format!("预计等待时间为{}分钟。", count(i64::from(minutes)))
    }
}
