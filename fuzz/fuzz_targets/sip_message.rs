//! SIP messages as the edge meets them: datagram validation (which includes rsip's parse of the
//! canonical form), stream framing followed by stream validation, and SDP parsing plus answering
//! of an accepted request's body. Our own rejections must be parseable SIP.
#![no_main]

use kefu_sip::sdp::{self, LocalMedia, SdpLimits};
use kefu_sip::validate::{StreamFrame, TransportKind, ValidationConfig, Verdict, frame_stream, validate};
use libfuzzer_sys::fuzz_target;

fn sdp_round(body: &[u8]) {
    let local = LocalMedia {
        address: std::net::IpAddr::from([192, 0, 2, 1]),
        port: 4000,
        session_id: 1,
        session_version: 1,
    };
    if let Ok(offer) = sdp::parse(body, &SdpLimits::default()) {
        if let Ok(answer) = sdp::answer(&offer, &local) {
            // An answer we generate must always be valid SDP.
            assert!(sdp::parse(answer.sdp.as_bytes(), &SdpLimits::default()).is_ok());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let config = ValidationConfig::default();
    match validate(data, TransportKind::Udp, &config) {
        Verdict::Accept(accepted) => {
            if let rsipstack::sip::SipMessage::Request(req) = &accepted.message {
                sdp_round(&req.body);
            }
        }
        Verdict::Reject(rejection) => {
            // Our own responses must be parseable SIP.
            assert!(rsipstack::sip::SipMessage::try_from(rejection.response.as_slice()).is_ok());
        }
        Verdict::Drop(_) | Verdict::Keepalive => {}
    }
    let mut rest = data;
    for _ in 0..8 {
        match frame_stream(rest, &config.limits) {
            StreamFrame::Message(n) => {
                let _ = validate(&rest[..n], TransportKind::Tcp, &config);
                rest = &rest[n..];
            }
            StreamFrame::Ping(n) | StreamFrame::Skip(n) => rest = &rest[n..],
            StreamFrame::Incomplete | StreamFrame::UntilEof | StreamFrame::Unframeable => break,
        }
    }
    sdp_round(data);
});
