//! What a browser sends the WebRTC side: the SDP offer (API body) and datagrams on the WebRTC
//! port. The STUN router must stay within the datagram; an offer is answered or refused with
//! a reason; a leg fed arbitrary datagrams counts them and keeps working.
#![no_main]

use kefu_media::JitterConfig;
use kefu_media::leg::{
    Component, Datagram, Leg, WebRtcIdentity, WebRtcLeg, WebRtcLegConfig, stun_username,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A browser's audio offer (str0m's, shaped like Chromium's).
const OFFER: &str = "v=0\r\no=- 4528250843240103729 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0\r\na=msid-semantic: WMS s\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126\r\n\
c=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 2130706175 10.0.0.2 50000 typ host\r\n\
a=ice-ufrag:1qZvpIpB7pIoeEdZ\r\na=ice-pwd:DbqVjeXz1JhsUzCeRD8EAO\r\n\
a=fingerprint:sha-256 5F:19:6D:87:72:47:47:AC:13:F4:A5:90:07:09:91:5C:E8:F4:00:11:85:63:75:4B:2D:73:7F:1E:59:FA:AD:0E\r\n\
a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=msid:s t\r\na=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:126 telephone-event/8000\r\na=fmtp:126 0-16\r\na=ssrc:2796047140 cname:c\r\n";

fn config() -> WebRtcLegConfig {
    static IDENTITY: OnceLock<WebRtcIdentity> = OnceLock::new();
    WebRtcLegConfig {
        local: "10.0.0.1:40000".parse().expect("address"),
        ice_ufrag: "kefuFuzz".into(),
        ice_pwd: "kefuFuzzPassword0123456789".into(),
        identity: IDENTITY
            .get_or_init(|| WebRtcIdentity::generate().expect("identity"))
            .clone(),
        jitter: JitterConfig::default(),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(ufrag) = stun_username(data) {
        assert!(!ufrag.is_empty() && ufrag.len() < data.len());
    }
    let now = Instant::now();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = WebRtcLeg::accept_offer(config(), text, now);
    }
    let (mut leg, _) = WebRtcLeg::accept_offer(config(), OFFER, now).expect("the canned offer");
    for (i, chunk) in data.chunks(200).enumerate() {
        let at = now + Duration::from_millis(20 * i as u64);
        leg.handle_receive(
            at,
            Datagram {
                component: Component::Rtp,
                source: "10.0.0.2:50000".parse().expect("address"),
                payload: chunk,
            },
        );
        leg.push_frame(at, &kefu_media::Frame::SILENCE);
        while leg.poll_transmit().is_some() {}
        while leg.poll_event().is_some() {}
    }
});
