use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use proptest::prelude::*;

use super::*;

const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

fn local() -> LocalMedia {
    LocalMedia {
        address: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)),
        port: 30000,
        session_id: 42,
        session_version: 1,
    }
}

fn parsed(text: &str) -> SessionDescription {
    parse(text.as_bytes(), &SdpLimits::default()).expect("valid SDP")
}

#[test]
fn parses_what_a_call_needs() {
    let sdp = parsed(OFFER);
    assert_eq!(
        sdp.connection,
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)))
    );
    let audio = &sdp.media[0];
    assert_eq!(
        (audio.kind.as_str(), audio.port, audio.protocol.as_str()),
        ("audio", 40000, "RTP/AVP")
    );
    assert_eq!(audio.formats, ["8", "0", "101"]);
    assert_eq!(audio.rtpmaps.len(), 3);
    assert_eq!(audio.fmtps, [(101, "0-15".to_owned())]);
    assert_eq!(audio.ptime, Some(20));
    assert_eq!(audio.direction, Some(Direction::SendRecv));
}

#[test]
fn answer_takes_the_first_g711_in_offer_order_and_keeps_the_event_type() {
    let answer = answer(&parsed(OFFER), &local()).expect("answer");
    assert_eq!(
        (answer.codec, answer.payload_type, answer.telephone_event),
        (Codec::Pcma, 8, Some(101))
    );
    assert_eq!(
        answer.remote,
        Some(SocketAddr::from(([192, 0, 2, 10], 40000)))
    );
    assert_eq!(answer.direction, Direction::SendRecv);
    assert!(
        answer.sdp.contains("m=audio 30000 RTP/AVP 8 101\r\n"),
        "{}",
        answer.sdp
    );
    assert!(answer.sdp.contains("a=rtpmap:8 PCMA/8000\r\n"));
    assert!(answer.sdp.contains("a=rtpmap:101 telephone-event/8000\r\n"));
    assert!(answer.sdp.contains("c=IN IP4 203.0.113.5\r\n"));
    // The answer is itself valid SDP.
    let back = parsed(&answer.sdp);
    assert_eq!(back.media[0].formats, ["8", "101"]);
}

#[test]
fn pcmu_first_without_events() {
    let offer = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/AVP 18 0 8\r\n";
    let answer = answer(&parsed(offer), &local()).expect("answer");
    assert_eq!((answer.codec, answer.telephone_event), (Codec::Pcmu, None));
    assert!(answer.sdp.contains("m=audio 30000 RTP/AVP 0\r\n"));
}

#[test]
fn hold_directions() {
    for (offered, answered) in [
        ("sendonly", Direction::RecvOnly),
        ("inactive", Direction::Inactive),
        ("recvonly", Direction::SendOnly),
        ("sendrecv", Direction::SendRecv),
    ] {
        let offer =
            format!("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/AVP 0\r\na={offered}\r\n");
        let answer = answer(&parsed(&offer), &local()).expect("answer");
        assert_eq!(answer.direction, answered);
        assert!(answer.sdp.contains(&format!("a={}\r\n", answered.as_str())));
    }
    // Session-level direction applies when the section has none.
    let offer = "v=0\r\nc=IN IP4 192.0.2.1\r\na=sendonly\r\nm=audio 5004 RTP/AVP 0\r\n";
    assert_eq!(
        answer(&parsed(offer), &local()).expect("answer").direction,
        Direction::RecvOnly
    );
    // RFC 2543 hold: c=0.0.0.0 leaves no remote address.
    let offer = "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 5004 RTP/AVP 0\r\n";
    assert_eq!(
        answer(&parsed(offer), &local()).expect("answer").remote,
        None
    );
}

#[test]
fn other_streams_are_refused_with_port_zero() {
    let offer =
        "v=0\r\nc=IN IP4 192.0.2.1\r\nm=video 6000 RTP/AVP 31\r\nm=audio 5004 RTP/AVP 0\r\n";
    let answer = answer(&parsed(offer), &local()).expect("answer");
    assert!(answer.sdp.contains("m=video 0 RTP/AVP 31\r\n"));
    let video = answer.sdp.find("m=video").expect("video");
    let audio = answer.sdp.find("m=audio").expect("audio");
    assert!(video < audio, "sections keep the offer's order");
}

#[test]
fn no_common_codec_is_an_error_for_488() {
    for offer in [
        "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/AVP 18 9\r\n",
        "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/SAVP 0\r\n",
        "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 0\r\n",
        "v=0\r\nc=IN IP4 192.0.2.1\r\nm=video 5004 RTP/AVP 0\r\n",
        "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96 PCMU/16000\r\n",
    ] {
        assert_eq!(
            answer(&parsed(offer), &local()),
            Err(SdpError::NoCommonCodec),
            "{offer}"
        );
    }
}

#[test]
fn dynamic_g711_mapping_keeps_its_payload_type() {
    let offer = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96 pcmu/8000\r\n";
    let answer = answer(&parsed(offer), &local()).expect("answer");
    assert_eq!((answer.codec, answer.payload_type), (Codec::Pcmu, 96));
    assert!(answer.sdp.contains("a=rtpmap:96 PCMU/8000"));
}

#[test]
fn outbound_offer_is_valid_and_answerable() {
    let text = offer(&local(), Direction::SendRecv);
    let sdp = parsed(&text);
    assert_eq!(sdp.media[0].formats, ["0", "8", "101"]);
    let answer = answer(&sdp, &local()).expect("answer");
    assert_eq!(
        (answer.codec, answer.telephone_event),
        (Codec::Pcmu, Some(101))
    );
}

#[test]
fn single_codec_offer_leaves_the_answer_no_other_law() {
    let text = offer_with(&local(), &[Codec::Pcma], Direction::SendRecv);
    let sdp = parsed(&text);
    assert_eq!(sdp.media[0].formats, ["8", "101"]);
    assert!(!text.contains("PCMU"), "{text}");
    let answer = answer(&sdp, &local()).expect("answer");
    assert_eq!(
        (answer.codec, answer.telephone_event),
        (Codec::Pcma, Some(101))
    );
}

#[test]
fn malformed_input_is_refused_with_the_line() {
    let limits = SdpLimits::default();
    let cases: &[(&[u8], &str)] = &[
        (b"", "v=0"),
        (b"v=1\r\n", "v=0"),
        (b"o=x\r\nv=0\r\n", "v=0"),
        (b"v=0\r\nm=audio x RTP/AVP 0\r\n", "line 2"),
        (b"v=0\r\nm=audio 70000 RTP/AVP 0\r\n", "line 2"),
        (b"v=0\r\nm=audio 5004 RTP/AVP\r\n", "line 2"),
        (b"v=0\r\nm=audio 5004 RTP/AVP 300\r\n", "line 2"),
        (b"v=0\r\nc=IN IP4 not-an-ip\r\n", "line 2"),
        (b"v=0\r\nc=IN IP6 192.0.2.1\r\n", "line 2"),
        (b"v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0\r\n", "line 3"),
        (b"v=0\r\nm=audio 1 RTP/AVP 0\r\na=ptime:0\r\n", "line 3"),
        (b"v=0\r\nbogus\r\n", "line 2"),
        (b"v=0\r\n\xff=\r\n", "UTF-8"),
    ];
    for (input, needle) in cases {
        let err = parse(input, &limits)
            .expect_err("must be refused")
            .to_string();
        assert!(
            err.contains(needle),
            "{:?}: {err}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn caps_are_enforced() {
    let limits = SdpLimits {
        max_bytes: 64,
        max_lines: 4,
        max_media: 1,
        max_formats: 2,
    };
    assert_eq!(
        parse(&[b'a'; 65], &limits),
        Err(SdpError::TooLarge("bytes"))
    );
    assert_eq!(
        parse(b"v=0\r\ns=-\r\ns=-\r\ns=-\r\ns=-\r\n", &limits),
        Err(SdpError::TooLarge("lines"))
    );
    assert_eq!(
        parse(
            b"v=0\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n",
            &limits
        ),
        Err(SdpError::TooLarge("media sections"))
    );
    assert_eq!(
        parse(b"v=0\r\nm=audio 1 RTP/AVP 0 8 9\r\n", &limits),
        Err(SdpError::TooLarge("formats"))
    );
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse(&bytes, &SdpLimits::default());
    }

    #[test]
    fn mutated_offers_never_panic_and_answers_reparse(pos in 0usize..400, byte in any::<u8>()) {
        let mut bytes = OFFER.as_bytes().to_vec();
        let at = pos % bytes.len();
        bytes[at] = byte;
        if let Ok(sdp) = parse(&bytes, &SdpLimits::default())
            && let Ok(answer) = answer(&sdp, &local())
        {
            prop_assert!(parse(answer.sdp.as_bytes(), &SdpLimits::default()).is_ok());
        }
    }
}
