//! Validation + rsip parse of a typical trunk INVITE with SDP (what every new call costs the
//! edge before the stack sees it), beside rsip's parse alone and an SDP offer/answer.
//!
//! `cargo bench -p kefu-sip --bench validate`; criterion prints time per message, and this
//! prints messages per second per core from a plain loop.
// criterion_group!/criterion_main! generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use rsipstack::sip::SipMessage;
use kefu_sip::sdp::{self, LocalMedia, SdpLimits};
use kefu_sip::validate::{TransportKind, ValidationConfig, Verdict, validate};

const SDP: &str = "v=0\r\no=- 3890123 3890123 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
m=audio 16384 RTP/AVP 0 8 18 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\n\
a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

fn invite() -> Vec<u8> {
    format!(
        "INVITE sip:+14155550123@edge.kefu.example:5060;user=phone SIP/2.0\r\n\
         Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---7b2c1f0a9d3e;rport\r\n\
         Max-Forwards: 69\r\n\
         Contact: <sip:+12125550199@198.51.100.7:5060;transport=udp>\r\n\
         To: <sip:+14155550123@edge.kefu.example;user=phone>\r\n\
         From: \"Caller Name\" <sip:+12125550199@carrier.example;user=phone>;tag=3f2a9c71\r\n\
         Call-ID: 7d1e6b0c2f5a4e8b9c3d@198.51.100.7\r\n\
         CSeq: 1 INVITE\r\n\
         Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE\r\n\
         Supported: timer\r\n\
         User-Agent: CarrierSBC/4.2\r\n\
         P-Asserted-Identity: <sip:+12125550199@carrier.example;user=phone>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{SDP}",
        SDP.len()
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let invite = invite();
    let config = ValidationConfig::default();
    assert!(matches!(
        validate(&invite, TransportKind::Udp, &config),
        Verdict::Accept(_)
    ));
    let mut group = c.benchmark_group("sip_edge");
    group.bench_function("validate_and_parse_invite", |b| {
        b.iter(|| validate(black_box(&invite), TransportKind::Udp, &config))
    });
    group.bench_function("rsip_parse_only", |b| {
        b.iter(|| SipMessage::try_from(black_box(invite.as_slice())))
    });
    let local = LocalMedia {
        address: [203, 0, 113, 5].into(),
        port: 30000,
        session_id: 1,
        session_version: 1,
    };
    group.bench_function("sdp_parse_and_answer", |b| {
        b.iter(|| {
            let offer = sdp::parse(black_box(SDP.as_bytes()), &SdpLimits::default()).expect("sdp");
            sdp::answer(&offer, &local).expect("answer")
        })
    });
    group.finish();

    // A plain figure for docs/benchmarks.md: messages per second on one core.
    let rounds = 100_000;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(validate(black_box(&invite), TransportKind::Udp, &config));
    }
    let per_sec = f64::from(rounds) / start.elapsed().as_secs_f64();
    println!(
        "validate+parse of a {}-byte INVITE: {per_sec:.0} messages/s on one core",
        invite.len()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
