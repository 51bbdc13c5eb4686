//! Offer/answer (RFC 3264) for G.711 with RFC 4733 telephone-events: the answer to an offer and
//! the offer of an outbound leg.
//!
//! Owns the codec choice (PCMU or PCMA, whichever the offer lists first), keeping the offer's
//! telephone-event payload type, and the hold directions. Never invents media the offer did not
//! ask for; refused streams are answered with port 0, as RFC 3264 §6 requires.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use super::{Direction, MediaDescription, SdpError, SessionDescription};

/// The G.711 codecs a trunk leg carries end to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// G.711 µ-law (static payload type 0).
    Pcmu,
    /// G.711 A-law (static payload type 8).
    Pcma,
}

impl Codec {
    /// The rtpmap encoding name.
    pub fn encoding(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    fn static_payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }
}

/// Our side of the media: where we receive RTP, and the `o=` identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMedia {
    /// Address put in `c=` and `o=`.
    pub address: IpAddr,
    /// RTP port.
    pub port: u16,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version (increment on every new offer/answer in a dialog).
    pub session_version: u64,
}

/// The negotiated result and its SDP text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer body.
    pub sdp: String,
    /// The chosen codec.
    pub codec: Codec,
    /// Its payload type (the offer's, for a dynamic mapping of PCMU/PCMA).
    pub payload_type: u8,
    /// The offer's telephone-event payload type, if it offered one.
    pub telephone_event: Option<u8>,
    /// Our direction in the answer.
    pub direction: Direction,
    /// Where to send RTP (`None` when the offer holds with 0.0.0.0 or port 0).
    pub remote: Option<SocketAddr>,
    /// The offer's packet time, if given.
    pub ptime: Option<u16>,
}

fn rtpmap_of(m: &MediaDescription, pt: u8) -> Option<&super::RtpMap> {
    m.rtpmaps.iter().find(|r| r.payload_type == pt)
}

/// The codec a payload type stands for in this section, if it is one of ours.
fn codec_of(m: &MediaDescription, pt: u8) -> Option<Codec> {
    match rtpmap_of(m, pt) {
        Some(map) if map.clock_rate == 8000 && map.channels.is_none_or(|c| c == 1) => {
            if map.encoding.eq_ignore_ascii_case("PCMU") {
                Some(Codec::Pcmu)
            } else if map.encoding.eq_ignore_ascii_case("PCMA") {
                Some(Codec::Pcma)
            } else {
                None
            }
        }
        Some(_) => None,
        None if pt == 0 => Some(Codec::Pcmu),
        None if pt == 8 => Some(Codec::Pcma),
        None => None,
    }
}

fn family(addr: IpAddr) -> &'static str {
    if addr.is_ipv4() { "IP4" } else { "IP6" }
}

fn header(out: &mut String, local: &LocalMedia) {
    let (addr, fam) = (local.address, family(local.address));
    let _ = write!(
        out,
        "v=0\r\no=kefu {} {} IN {fam} {addr}\r\ns=kefu\r\nc=IN {fam} {addr}\r\nt=0 0\r\n",
        local.session_id, local.session_version
    );
}

/// Answers `offer`: the first usable audio section gets PCMU or PCMA (offer order) plus the
/// offer's telephone-event; every other section is refused with port 0.
pub fn answer(offer: &SessionDescription, local: &LocalMedia) -> Result<Answer, SdpError> {
    let mut chosen: Option<(usize, Codec, u8)> = None;
    for (index, m) in offer.media.iter().enumerate() {
        if m.kind != "audio" || m.protocol != "RTP/AVP" || m.port == 0 {
            continue;
        }
        let pick = m
            .formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            .find_map(|pt| codec_of(m, pt).map(|c| (c, pt)));
        if let Some((codec, pt)) = pick {
            chosen = Some((index, codec, pt));
            break;
        }
    }
    let (index, codec, payload_type) = chosen.ok_or(SdpError::NoCommonCodec)?;
    let audio = &offer.media[index];
    let telephone_event = audio.rtpmaps.iter().find(|r| {
        r.encoding.eq_ignore_ascii_case("telephone-event")
            && r.clock_rate == 8000
            && audio
                .formats
                .iter()
                .any(|f| f.parse::<u8>() == Ok(r.payload_type))
    });
    let telephone_event = telephone_event.map(|r| r.payload_type);
    let direction = audio.direction.unwrap_or(offer.direction).answer();
    let remote_ip = audio
        .connection
        .or(offer.connection)
        .filter(|ip| !ip.is_unspecified());
    let remote = remote_ip.map(|ip| SocketAddr::new(ip, audio.port));
    let mut sdp = String::with_capacity(256);
    header(&mut sdp, local);
    for (i, m) in offer.media.iter().enumerate() {
        if i != index {
            let _ = write!(
                sdp,
                "m={} 0 {} {}\r\n",
                m.kind,
                m.protocol,
                m.formats.join(" ")
            );
            continue;
        }
        let _ = write!(sdp, "m=audio {} RTP/AVP {payload_type}", local.port);
        if let Some(te) = telephone_event {
            let _ = write!(sdp, " {te}");
        }
        let _ = write!(
            sdp,
            "\r\na=rtpmap:{payload_type} {}/8000\r\n",
            codec.encoding()
        );
        if let Some(te) = telephone_event {
            let _ = write!(
                sdp,
                "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-16\r\n"
            );
        }
        let _ = write!(sdp, "a=ptime:20\r\na={}\r\n", direction.as_str());
    }
    Ok(Answer {
        sdp,
        codec,
        payload_type,
        telephone_event,
        direction,
        remote,
        ptime: audio.ptime,
    })
}

/// An offer for an outbound leg: PCMU, PCMA, telephone-event 101, 20 ms, with `direction`.
pub fn offer(local: &LocalMedia, direction: Direction) -> String {
    offer_with(local, &[Codec::Pcmu, Codec::Pcma], direction)
}

/// An offer of `codecs` only, in that order (a leg bridged to another must get the other's
/// law, so the answer cannot pick a different one), with telephone-event 101 and 20 ms.
/// An empty list offers both G.711 laws.
pub fn offer_with(local: &LocalMedia, codecs: &[Codec], direction: Direction) -> String {
    let codecs = if codecs.is_empty() {
        &[Codec::Pcmu, Codec::Pcma][..]
    } else {
        codecs
    };
    let mut sdp = String::with_capacity(256);
    header(&mut sdp, local);
    let _ = write!(sdp, "m=audio {} RTP/AVP", local.port);
    for codec in codecs {
        let _ = write!(sdp, " {}", codec.static_payload_type());
    }
    sdp.push_str(" 101\r\n");
    for codec in codecs {
        let _ = write!(
            sdp,
            "a=rtpmap:{} {}/8000\r\n",
            codec.static_payload_type(),
            codec.encoding()
        );
    }
    let _ = write!(
        sdp,
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na={}\r\n",
        direction.as_str()
    );
    sdp
}
