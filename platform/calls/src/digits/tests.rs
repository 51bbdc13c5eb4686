use super::*;

fn spec(
    min: u8,
    max: u8,
    timeout_ms: u32,
    terminator: Option<char>,
    barge_in: bool,
) -> CollectSpec {
    CollectSpec {
        tag: "menu".into(),
        min_digits: min,
        max_digits: max,
        timeout_ms,
        terminator,
        prompt: Vec::new(),
        barge_in,
    }
}

#[test]
fn max_digits_ends_collection() {
    let t0 = Instant::now();
    let mut c = DigitCollector::new(&spec(1, 2, 3_000, None, true), "", false, t0);
    assert!(c.key('4', t0));
    assert!(c.result().is_none());
    assert!(c.key('2', t0));
    let r = c.result().expect("ended");
    assert_eq!(
        (r.digits.as_str(), r.ended_by),
        ("42", CollectEnd::MaxDigits)
    );
    assert!(!c.key('9', t0), "keys after the end do not count");
}

#[test]
fn terminator_ends_and_is_not_included() {
    let t0 = Instant::now();
    let mut c = DigitCollector::new(&spec(1, 6, 3_000, Some('#'), true), "", false, t0);
    for k in "123#".chars() {
        c.key(k, t0);
    }
    let r = c.result().expect("ended");
    assert_eq!(
        (r.digits.as_str(), r.ended_by),
        ("123", CollectEnd::Terminator)
    );
}

#[test]
fn timeout_restarts_after_each_key_and_reports_what_was_entered() {
    let t0 = Instant::now();
    let mut c = DigitCollector::new(&spec(0, 6, 2_000, None, true), "", false, t0);
    assert_eq!(c.deadline(), Some(t0 + Duration::from_secs(2)));
    let t1 = t0 + Duration::from_millis(1_500);
    c.key('7', t1);
    c.timeout(t0 + Duration::from_secs(2));
    assert!(c.result().is_none(), "the key moved the deadline");
    assert_eq!(c.deadline(), Some(t1 + Duration::from_secs(2)));
    c.timeout(t1 + Duration::from_secs(2));
    let r = c.result().expect("ended");
    assert_eq!((r.digits.as_str(), r.ended_by), ("7", CollectEnd::Timeout));
}

#[test]
fn fewer_than_min_digits_is_a_timeout() {
    let t0 = Instant::now();
    let mut c = DigitCollector::new(&spec(4, 6, 3_000, Some('#'), true), "", false, t0);
    c.key('1', t0);
    c.key('#', t0);
    let r = c.result().expect("ended");
    assert_eq!((r.digits.as_str(), r.ended_by), ("1", CollectEnd::Timeout));
}

#[test]
fn no_deadline_while_the_prompt_plays_and_keys_need_barge_in() {
    let t0 = Instant::now();
    let mut c = DigitCollector::new(&spec(1, 1, 3_000, None, false), "", true, t0);
    assert_eq!(c.deadline(), None);
    assert!(
        !c.key('5', t0),
        "no barge-in: keys during the prompt are ignored"
    );
    let t1 = t0 + Duration::from_secs(4);
    c.prompt_finished(t1);
    assert_eq!(c.deadline(), Some(t1 + Duration::from_secs(3)));
    assert!(c.key('5', t1));
    assert_eq!(c.result().expect("ended").digits, "5");

    let mut b = DigitCollector::new(&spec(1, 2, 3_000, None, true), "", true, t0);
    assert!(
        b.key('3', t0),
        "barge-in: the key counts and stops the prompt"
    );
    assert!(b.deadline().is_some());
}

#[test]
fn preset_keys_from_the_previous_prompt_count_first() {
    let t0 = Instant::now();
    let c = DigitCollector::new(&spec(1, 1, 3_000, None, true), "2", true, t0);
    let r = c.result().expect("ended by the carried key");
    assert_eq!(
        (r.digits.as_str(), r.ended_by),
        ("2", CollectEnd::MaxDigits)
    );
}

#[test]
fn absurd_specs_are_bounded() {
    let t0 = Instant::now();
    let c = DigitCollector::new(&spec(200, 255, 0, None, true), "", false, t0);
    assert_eq!(c.deadline(), Some(t0 + MIN_TIMEOUT));
    let c = DigitCollector::new(&spec(0, 0, u32::MAX, None, true), "", false, t0);
    assert_eq!(c.deadline(), Some(t0 + MAX_TIMEOUT));
    let mut c = DigitCollector::new(&spec(0, 255, 1_000, None, true), "", false, t0);
    for _ in 0..MAX_DIGITS {
        c.key('1', t0);
    }
    assert_eq!(
        c.result().expect("capped").digits.len(),
        usize::from(MAX_DIGITS)
    );
}
