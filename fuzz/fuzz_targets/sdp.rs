//! SDP offers as a carrier sends them: parse under the edge's limits, answer, and the answer we
//! generate must itself parse and offer the codec we chose.
#![no_main]

use kefu_sip::sdp::{self, LocalMedia, SdpLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = SdpLimits::default();
    let Ok(offer) = sdp::parse(data, &limits) else {
        return;
    };
    let local = LocalMedia {
        address: std::net::IpAddr::from([192, 0, 2, 1]),
        port: 4000,
        session_id: 1,
        session_version: 1,
    };
    if let Ok(answer) = sdp::answer(&offer, &local) {
        let reparsed = sdp::parse(answer.sdp.as_bytes(), &limits).expect("our answer parses");
        assert_eq!(reparsed.media.len(), 1, "one audio section in our answer");
    }
});
