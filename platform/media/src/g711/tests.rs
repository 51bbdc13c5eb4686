use super::*;

#[test]
fn ulaw_known_values() {
    assert_eq!(linear_to_ulaw(0), 0xFF);
    assert_eq!(ulaw_to_linear(0xFF), 0);
    assert_eq!(ulaw_to_linear(0x7F), 0);
    assert_eq!(ulaw_to_linear(0x00), -32_124);
    assert_eq!(ulaw_to_linear(0x80), 32_124);
    assert_eq!(linear_to_ulaw(32_767), 0x80);
    assert_eq!(linear_to_ulaw(-32_768), 0x00);
    // 1000 sits in segment 3: 1000 + 132 = 1132 → (1132 >> 6) & 0xF = 1 → !(0x31) = 0xCE.
    assert_eq!(linear_to_ulaw(1_000), 0xCE);
    assert_eq!(ulaw_to_linear(0xCE), 988);
}

#[test]
fn alaw_known_values() {
    assert_eq!(linear_to_alaw(0), 0xD5);
    assert_eq!(alaw_to_linear(0xD5), 8);
    assert_eq!(alaw_to_linear(0x55), -8);
    assert_eq!(linear_to_alaw(32_767), 0xAA);
    assert_eq!(alaw_to_linear(0xAA), 32_256);
    assert_eq!(linear_to_alaw(-32_768), 0x2A);
    assert_eq!(alaw_to_linear(0x2A), -32_256);
    assert_eq!(linear_to_alaw(1_000), 0xFA);
    assert_eq!(alaw_to_linear(0xFA), 1_008);
}

#[test]
fn every_codeword_round_trips_through_linear() {
    for code in 0..=255u8 {
        let u = ulaw_to_linear(code);
        // 0x7F and 0xFF are both zero in µ-law; zero encodes as 0xFF.
        let expected = if code == 0x7F { 0xFF } else { code };
        assert_eq!(linear_to_ulaw(u), expected, "µ-law code {code:#04x}");
        assert_eq!(
            linear_to_alaw(alaw_to_linear(code)),
            code,
            "A-law code {code:#04x}"
        );
    }
}

#[test]
fn quantisation_error_stays_within_the_segment_step() {
    for law in [G711::Pcmu, G711::Pcma] {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let mut code = [0u8];
            let mut back = [0i16];
            law.encode(&[s], &mut code);
            law.decode(&code, &mut back);
            let err = (i32::from(s) - i32::from(back[0])).abs();
            // The coarsest step of either law is 1024 (µ) / 1024 (A) at full scale.
            let bound = (i32::from(s).abs() / 16).max(16) + 8;
            assert!(err <= bound, "{law:?} {s} -> {} err {err}", back[0]);
        }
    }
}

#[test]
fn slices_encode_and_decode() {
    let samples = [0i16, 100, -100, 5_000, -5_000, 30_000];
    for law in [G711::Pcmu, G711::Pcma] {
        let mut codes = [0u8; 6];
        let mut back = [0i16; 6];
        law.encode(&samples, &mut codes);
        law.decode(&codes, &mut back);
        for (a, b) in samples.iter().zip(back) {
            assert!(
                (i32::from(*a) - i32::from(b)).abs() <= 512,
                "{law:?} {a} {b}"
            );
        }
    }
    assert_eq!(G711::Pcmu.payload_type(), 0);
    assert_eq!(G711::Pcma.payload_type(), 8);
}
