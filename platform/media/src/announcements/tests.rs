use super::*;

fn zh(a: Announcement) -> String {
    a.text(Language::Mandarin).unwrap()
}

fn en(a: Announcement) -> String {
    a.text(Language::English).unwrap()
}

#[test]
fn mandarin_numerals_read_as_people_say_them() {
    let cases: &[(i64, &str)] = &[
        (0, "零"),
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (23, "二十三"),
        (100, "一百"),
        (101, "一百零一"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1_000, "一千"),
        (1_001, "一千零一"),
        (1_010, "一千零一十"),
        (1_100, "一千一百"),
        (10_000, "一万"),
        (10_010, "一万零一十"),
        (10_100, "一万零一百"),
        (100_000, "十万"),
        (110_000, "十一万"),
        (120_034, "十二万零三十四"),
        (1_000_000, "一百万"),
        (10_001_000, "一千万一千"),
        (100_000_000, "一亿"),
        (100_000_001, "一亿零一"),
        (100_001_000, "一亿零一千"),
        (
            999_999_999_999,
            "九千九百九十九亿九千九百九十九万九千九百九十九",
        ),
        (-5, "负五"),
    ];
    for &(n, words) in cases {
        assert_eq!(zh(Announcement::Number(n)), words, "{n}");
    }
}

#[test]
fn english_numbers_and_ordinals() {
    let cases: &[(i64, &str)] = &[
        (0, "zero"),
        (13, "thirteen"),
        (21, "twenty-one"),
        (105, "one hundred five"),
        (1_000, "one thousand"),
        (1_000_105, "one million one hundred five"),
        (-40, "minus forty"),
        (2_000_000_013, "two billion thirteen"),
    ];
    for &(n, words) in cases {
        assert_eq!(en(Announcement::Number(n)), words, "{n}");
    }
    let ordinals: Vec<String> = [1, 2, 3, 11, 12, 20, 22, 31]
        .into_iter()
        .map(en::ordinal)
        .collect();
    assert_eq!(
        ordinals,
        [
            "first",
            "second",
            "third",
            "eleventh",
            "twelfth",
            "twentieth",
            "twenty-second",
            "thirty-first"
        ]
    );
}

#[test]
fn dates_in_both_languages() {
    let d = |year, month, day| Announcement::Date(Date { year, month, day });
    assert_eq!(zh(d(2026, 11, 22)), "二零二六年十一月二十二日");
    assert_eq!(zh(d(2005, 1, 1)), "二零零五年一月一日");
    assert_eq!(
        en(d(2026, 11, 22)),
        "November twenty-second, twenty twenty-six"
    );
    assert_eq!(en(d(2005, 3, 1)), "March first, two thousand five");
    assert_eq!(en(d(1905, 7, 4)), "July fourth, nineteen oh five");
    assert_eq!(
        en(d(1900, 12, 31)),
        "December thirty-first, nineteen hundred"
    );
    assert_eq!(en(d(2010, 6, 30)), "June thirtieth, twenty ten");
    assert_eq!(
        en(d(2024, 2, 29)),
        "February twenty-ninth, twenty twenty-four"
    );
}

#[test]
fn amounts_in_both_languages() {
    let cny = |minor| Announcement::Amount {
        currency: Currency::Cny,
        minor,
    };
    let usd = |minor| Announcement::Amount {
        currency: Currency::Usd,
        minor,
    };
    assert_eq!(zh(cny(1_250)), "十二元五角");
    assert_eq!(zh(cny(10_507)), "一百零五元零七分");
    assert_eq!(zh(cny(1_205)), "十二元零五分");
    assert_eq!(zh(cny(300)), "三元整");
    assert_eq!(zh(cny(200)), "两元整");
    assert_eq!(zh(cny(5)), "五分");
    assert_eq!(zh(cny(0)), "零元");
    assert_eq!(zh(usd(1_250)), "十二美元五十美分");
    assert_eq!(en(usd(1_250)), "twelve dollars and fifty cents");
    assert_eq!(en(usd(101)), "one dollar and one cent");
    assert_eq!(en(usd(5)), "five cents");
    assert_eq!(en(usd(-300)), "minus three dollars");
    assert_eq!(en(cny(300)), "three yuan");
    assert_eq!(
        en(Announcement::Amount {
            currency: Currency::Eur,
            minor: 199
        }),
        "one euro and ninety-nine cents"
    );
}

#[test]
fn digits_and_queue_phrases() {
    assert_eq!(
        zh(Announcement::Digits("1086*#".into())),
        "幺零八六星号井号"
    );
    assert_eq!(en(Announcement::Digits("10#".into())), "one zero pound");
    assert_eq!(zh(Announcement::QueuePosition(2)), "您现在排在第二位。");
    assert_eq!(
        en(Announcement::QueuePosition(23)),
        "You are number twenty-three in the queue."
    );
    assert_eq!(
        en(Announcement::QueuePosition(1)),
        "You are next in the queue."
    );
    assert_eq!(
        zh(Announcement::ExpectedWait { minutes: 2 }),
        "预计等待时间为两分钟。"
    );
    assert_eq!(
        zh(Announcement::ExpectedWait { minutes: 15 }),
        "预计等待时间为十五分钟。"
    );
    assert_eq!(
        en(Announcement::ExpectedWait { minutes: 5 }),
        "The expected wait is five minutes."
    );
    assert_eq!(
        en(Announcement::ExpectedWait { minutes: 0 }),
        "The expected wait is less than one minute."
    );
    assert!(zh(Announcement::PleaseHold).starts_with("请稍候"));
    assert!(en(Announcement::PleaseHold).starts_with("Please hold"));
}

#[test]
fn out_of_range_values_are_refused_with_a_reason() {
    let bad = [
        Announcement::Digits("12a".into()),
        Announcement::Digits(String::new()),
        Announcement::Digits("1".repeat(65)),
        Announcement::Number(1_000_000_000_000),
        Announcement::Number(i64::MIN),
        Announcement::Amount {
            currency: Currency::Cny,
            minor: i64::MAX,
        },
        Announcement::Date(Date {
            year: 2026,
            month: 2,
            day: 29,
        }),
        Announcement::Date(Date {
            year: 2026,
            month: 13,
            day: 1,
        }),
        Announcement::Date(Date {
            year: 2026,
            month: 4,
            day: 31,
        }),
        Announcement::QueuePosition(0),
        Announcement::ExpectedWait { minutes: 100_000 },
    ];
    for a in bad {
        for lang in [Language::English, Language::Mandarin] {
            let err = a.text(lang).unwrap_err();
            assert!(matches!(err, AnnouncementError::Invalid(_)), "{a:?}: {err}");
        }
    }
    assert!(
        Announcement::Date(Date {
            year: 2000,
            month: 2,
            day: 29
        })
        .text(Language::English)
        .is_ok()
    );
}

#[test]
fn queue_announcements_are_pieces_that_say_the_same_words() {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect::<String>()
    };
    for n in (1..=120u32).chain([999, 1_000, 12_345, 100_001]) {
        for language in [Language::English, Language::Mandarin] {
            for a in [
                Announcement::QueuePosition(n),
                Announcement::ExpectedWait {
                    minutes: n.min(10_000),
                },
            ] {
                let text = a.text(language).unwrap();
                match a.pieces(language).unwrap() {
                    Some(pieces) => {
                        assert!(pieces.iter().all(|p| !p.trim().is_empty()), "{pieces:?}");
                        assert_eq!(squash(&pieces.concat()), squash(&text), "{a:?}");
                    }
                    // Only the fixed sentences are spoken whole.
                    None => assert!(
                        matches!(
                            (&a, language),
                            (Announcement::QueuePosition(1), Language::English)
                                | (
                                    Announcement::ExpectedWait { minutes: 0 | 1 },
                                    Language::English
                                )
                                | (
                                    Announcement::ExpectedWait { minutes: 0 },
                                    Language::Mandarin
                                )
                        ),
                        "{a:?} in {language:?} is spoken whole"
                    ),
                }
            }
        }
    }
    // The vocabulary stays small whatever the position.
    let mut words = std::collections::BTreeSet::new();
    for n in 2..=10_000u32 {
        words.extend(
            Announcement::QueuePosition(n)
                .pieces(Language::English)
                .unwrap()
                .unwrap(),
        );
    }
    assert!(words.len() < 40, "{} words: {words:?}", words.len());
    assert!(
        Announcement::QueuePosition(0)
            .pieces(Language::English)
            .is_err()
    );
}
