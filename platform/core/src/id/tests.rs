use super::*;

#[test]
fn ids_round_trip_through_text_and_json() {
    let id = TenantId::new();
    let text = id.to_string();
    assert!(text.starts_with("ten_"));
    assert_eq!(text.parse::<TenantId>(), Ok(id));
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(serde_json::from_str::<TenantId>(&json).unwrap(), id);
}

#[test]
fn ids_of_another_type_are_rejected() {
    let user = UserId::new().to_string();
    assert_eq!(
        user.parse::<TenantId>(),
        Err(IdError::WrongPrefix { expected: "ten" })
    );
    assert!(matches!(
        "ten_nope".parse::<TenantId>(),
        Err(IdError::BadUlid(_))
    ));
    assert!(matches!(
        format!("ten_{}", "x".repeat(10_000)).parse::<TenantId>(),
        Err(IdError::BadUlid(s)) if s.len() == 40
    ));
    assert!("".parse::<UserId>().is_err());
}

#[test]
fn voicemail_ids_have_their_own_prefix() {
    let vm = VoicemailId::new();
    assert!(vm.to_string().starts_with("vm_"));
    assert_eq!(vm.to_string().parse::<VoicemailId>(), Ok(vm));
    let call = CallId::new().to_string();
    assert_eq!(
        call.parse::<VoicemailId>(),
        Err(IdError::WrongPrefix { expected: "vm" })
    );
}

#[test]
fn ids_made_back_to_back_strictly_increase() {
    // 10,000 ids come out well inside a few milliseconds, so most share one with the previous.
    let ids: Vec<PluginInvocationId> = (0..10_000).map(|_| PluginInvocationId::new()).collect();
    for pair in ids.windows(2) {
        assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
        // The text form (what the database sorts) keeps the same order.
        assert!(pair[0].to_string() < pair[1].to_string());
    }
}

#[test]
fn ids_strictly_increase_within_each_thread_and_never_repeat_across_threads() {
    let threads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(|| (0..5_000).map(|_| next_ulid()).collect::<Vec<_>>()))
        .collect();
    let mut all = Vec::new();
    for thread in threads {
        let ids = thread.join().unwrap();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        all.extend(ids);
    }
    let made = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), made, "an id was handed out twice");
}

#[test]
fn the_successor_carries_into_the_timestamp_and_never_panics() {
    use super::monotonic::successor;
    let random_bits = (1u128 << 80) - 1;
    let ms = 1_700_000_000_000u128;
    // A fresh id later than the last one is taken as it is.
    assert_eq!(successor(ms << 80, (ms + 1) << 80 | 7), (ms + 1) << 80 | 7);
    // Same millisecond, or a clock that moved back: one more than the last.
    assert_eq!(successor(ms << 80 | 5, ms << 80 | 3), ms << 80 | 6);
    assert_eq!(successor(ms << 80 | 5, (ms - 9) << 80), ms << 80 | 6);
    // The random part full: the carry moves to the next millisecond instead of failing.
    assert_eq!(successor(ms << 80 | random_bits, ms << 80), (ms + 1) << 80);
    // The last possible id: no greater one exists, so a fresh one rather than a panic.
    assert_eq!(successor(u128::MAX, 42), 42);
}
