use super::*;

fn packet(value: i16) -> [i16; FRAME_SAMPLES] {
    [value; FRAME_SAMPLES]
}

fn pull(jb: &mut JitterBuffer) -> i16 {
    let mut f = Frame::SILENCE;
    jb.pull(&mut f);
    assert!(
        f.0.iter().all(|&s| s == f.0[0]),
        "frame mixes packets: {f:?}"
    );
    f.0[0]
}

fn buffer() -> JitterBuffer {
    JitterBuffer::new(JitterConfig {
        depth: 3,
        capacity: 8,
    })
}

#[test]
fn prefetches_then_plays_in_sequence_order() {
    let mut jb = buffer();
    assert_eq!(jb.insert(11, &packet(11)), Insert::Buffered);
    assert_eq!(pull(&mut jb), 0, "still prefetching");
    assert_eq!(jb.insert(10, &packet(10)), Insert::Buffered);
    assert_eq!(jb.insert(12, &packet(12)), Insert::Buffered);
    assert_eq!(pull(&mut jb), 10);
    assert_eq!(pull(&mut jb), 11);
    assert_eq!(jb.insert(13, &packet(13)), Insert::Buffered);
    assert_eq!(pull(&mut jb), 12);
    assert_eq!(pull(&mut jb), 13);
    assert_eq!(jb.stats().played, 4);
}

#[test]
fn late_and_duplicate_packets_are_dropped() {
    let mut jb = buffer();
    for s in 0..3 {
        jb.insert(s, &packet(s as i16 + 1));
    }
    assert_eq!(jb.insert(2, &packet(99)), Insert::Duplicate);
    assert_eq!(pull(&mut jb), 1);
    assert_eq!(jb.insert(0, &packet(99)), Insert::Late);
    assert_eq!(pull(&mut jb), 2);
    assert_eq!(pull(&mut jb), 3);
    assert_eq!(jb.stats().late, 1);
    assert_eq!(jb.insert(0, &[]), Insert::Invalid);
    assert_eq!(jb.insert(9, &[0; MAX_PACKET_SAMPLES + 1]), Insert::Invalid);
}

#[test]
fn a_missing_packet_is_concealed_by_fading_repeats() {
    let mut jb = buffer();
    for s in [0u64, 1, 2, 6, 7] {
        jb.insert(s, &packet(1_000));
    }
    for _ in 0..3 {
        assert_eq!(pull(&mut jb), 1_000);
    }
    assert_eq!(pull(&mut jb), 500, "first loss: half level");
    assert_eq!(pull(&mut jb), 250, "second loss: quarter level");
    assert_eq!(pull(&mut jb), 0, "then silence");
    assert_eq!(pull(&mut jb), 1_000);
    assert_eq!(jb.stats().concealed, 3);
}

#[test]
fn sequence_numbers_keep_order_across_the_16_bit_wrap() {
    // Extended numbers around a wrap: 65_535 + 65_536 then 65_536 * 2.
    let base = 65_536 + 65_534u64;
    let mut jb = buffer();
    for (i, seq) in [base + 2, base, base + 1, base + 3].into_iter().enumerate() {
        assert_eq!(
            jb.insert(seq, &packet((seq - base) as i16 + 1)),
            Insert::Buffered,
            "{i}"
        );
    }
    for expected in 1..=4 {
        assert_eq!(pull(&mut jb), expected);
    }
}

#[test]
fn a_stalled_stream_returns_to_prefetch_and_rejects_old_packets() {
    let mut jb = buffer();
    for s in 0..3 {
        jb.insert(s, &packet(7));
    }
    for _ in 0..3 {
        pull(&mut jb);
    }
    for _ in 0..5 {
        pull(&mut jb);
    }
    assert_eq!(
        jb.insert(4, &packet(1)),
        Insert::Late,
        "concealed while stalled"
    );
    // A new talkspurt prefetches again from its own first packet.
    assert_eq!(jb.insert(20, &packet(20)), Insert::Buffered);
    assert_eq!(pull(&mut jb), 0);
    jb.insert(21, &packet(21));
    jb.insert(22, &packet(22));
    assert_eq!(pull(&mut jb), 20);
}

#[test]
fn a_far_ahead_packet_moves_playout_forward() {
    let mut jb = buffer();
    for s in 0..3 {
        jb.insert(s, &packet(1));
    }
    pull(&mut jb);
    assert_eq!(jb.insert(40, &packet(40)), Insert::Buffered);
    assert_eq!(jb.stats().overflowed, 2);
    assert!(jb.buffered() == 1);
    // Playout jumped to 33: seven concealed packets then 40.
    let mut heard = Vec::new();
    for _ in 0..8 {
        heard.push(pull(&mut jb));
    }
    assert_eq!(heard.last(), Some(&40));
}

#[test]
fn ten_ms_packets_make_one_frame_per_two_packets() {
    let mut jb = buffer();
    for s in 0..6u64 {
        jb.insert(s, &[s as i16; 80]);
    }
    let mut f = Frame::SILENCE;
    assert!(jb.pull(&mut f));
    assert_eq!((f.0[0], f.0[79], f.0[80], f.0[159]), (0, 0, 1, 1));
    assert!(jb.pull(&mut f));
    assert_eq!((f.0[0], f.0[80]), (2, 3));
}

#[test]
fn reset_forgets_everything() {
    let mut jb = buffer();
    for s in 0..3 {
        jb.insert(s, &packet(5));
    }
    jb.reset();
    assert_eq!(jb.buffered(), 0);
    assert_eq!(pull(&mut jb), 0);
    assert_eq!(
        jb.insert(0, &packet(1)),
        Insert::Buffered,
        "old numbers are welcome after a reset"
    );
}

proptest::proptest! {
    #[test]
    fn random_arrivals_never_break_the_buffer(
        ops in proptest::collection::vec((0u64..200, 1usize..=MAX_PACKET_SAMPLES, proptest::prelude::any::<bool>()), 1..400),
    ) {
        let mut jb = JitterBuffer::new(JitterConfig { depth: 3, capacity: 8 });
        let mut f = Frame::SILENCE;
        let mut played_before = 0;
        for (seq, len, pull) in ops {
            jb.insert(seq, &vec![1; len]);
            proptest::prop_assert!(jb.buffered() <= 8);
            if pull {
                jb.pull(&mut f);
                let stats = jb.stats();
                proptest::prop_assert!(stats.played >= played_before);
                played_before = stats.played;
            }
        }
    }
}
