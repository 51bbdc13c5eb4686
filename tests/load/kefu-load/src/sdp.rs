//! The SDP offer we send and the few facts we need from an answer (RFC 4566 / 3264).

use std::net::{IpAddr, SocketAddr};

/// Our offer: PCMU, PCMA and telephone-event at the call's own RTP socket.
pub fn offer(session_id: u64, version: u32, rtp: SocketAddr) -> String {
    let (family, ip) = match rtp.ip() {
        IpAddr::V4(ip) => ("IP4", ip.to_string()),
        IpAddr::V6(ip) => ("IP6", ip.to_string()),
    };
    format!(
        "v=0\r\n\
         o=kefu-load {session_id} {version} IN {family} {ip}\r\n\
         s=kefu-load\r\n\
         c=IN {family} {ip}\r\n\
         t=0 0\r\n\
         m=audio {port} RTP/AVP 0 8 101\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\n\
         a=fmtp:101 0-16\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n",
        port = rtp.port()
    )
}

/// What the answer says about the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Where to send RTP.
    pub remote: SocketAddr,
    /// Audio payload type to send: 0 (PCMU) or 8 (PCMA), the first of the answer's formats we know.
    pub audio_pt: u8,
    /// Payload type the answer gave telephone-event, if any.
    pub dtmf_pt: Option<u8>,
}

/// Parse an SDP answer. `None` when there is no usable audio stream (no c=, port 0, no G.711).
pub fn parse_answer(sdp: &str) -> Option<Answer> {
    let mut session_ip: Option<IpAddr> = None;
    let mut media_ip: Option<IpAddr> = None;
    let mut in_audio = false;
    let mut seen_audio = false;
    let mut port: u16 = 0;
    let mut fmts: Vec<u8> = Vec::new();
    let mut dtmf_pt = None;
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            if seen_audio {
                // Only the first audio stream matters.
                in_audio = false;
                if m.starts_with("audio") {
                    break;
                }
                continue;
            }
            let mut it = m.split_whitespace();
            in_audio = it.next() == Some("audio");
            if in_audio {
                seen_audio = true;
                port = it.next()?.split('/').next()?.parse().ok()?;
                let _proto = it.next()?;
                fmts = it.filter_map(|f| f.parse().ok()).take(32).collect();
            }
        } else if let Some(c) = line.strip_prefix("c=") {
            let mut it = c.split_whitespace();
            let (_net, _family, addr) = (it.next(), it.next(), it.next());
            // Multicast TTL suffix (`/127`) is ignored.
            let ip = addr
                .and_then(|a| a.split('/').next())
                .and_then(|a| a.parse().ok());
            if in_audio {
                media_ip = ip;
            } else if !seen_audio {
                session_ip = ip;
            }
        } else if let Some(a) = line.strip_prefix("a=rtpmap:")
            && in_audio
            && let Some((pt, enc)) = a.split_once(' ')
            && enc.to_ascii_lowercase().starts_with("telephone-event/8000")
        {
            dtmf_pt = pt.trim().parse().ok();
        }
    }
    let ip = media_ip.or(session_ip)?;
    if port == 0 || ip.is_unspecified() {
        return None;
    }
    let audio_pt = fmts.iter().copied().find(|f| *f == 0 || *f == 8)?;
    Some(Answer {
        remote: SocketAddr::new(ip, port),
        audio_pt,
        dtmf_pt: dtmf_pt.filter(|pt| fmts.contains(pt)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_points_at_the_rtp_socket() {
        let o = offer(42, 1, "127.0.0.1:31000".parse().unwrap());
        assert!(o.contains("c=IN IP4 127.0.0.1\r\n"));
        assert!(o.contains("m=audio 31000 RTP/AVP 0 8 101\r\n"));
        assert!(o.contains("a=rtpmap:101 telephone-event/8000\r\n"));
        // Our own offer is a valid answer for the parser too.
        let a = parse_answer(&o).unwrap();
        assert_eq!(a.remote, "127.0.0.1:31000".parse().unwrap());
        assert_eq!(a.audio_pt, 0);
        assert_eq!(a.dtmf_pt, Some(101));
    }

    #[test]
    fn sipp_style_answer() {
        let sdp = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 16000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        let a = parse_answer(sdp).unwrap();
        assert_eq!(a.remote, "127.0.0.1:16000".parse().unwrap());
        assert_eq!(a.audio_pt, 0);
        assert_eq!(a.dtmf_pt, None);
    }

    #[test]
    fn media_level_connection_overrides_and_pcma_and_other_dtmf_pt() {
        let sdp = "v=0\nc=IN IP4 10.0.0.1\nm=video 5000 RTP/AVP 96\nc=IN IP4 10.9.9.9\nm=audio 7000 RTP/AVP 8 96\nc=IN IP4 127.0.0.2\na=rtpmap:96 telephone-event/8000\nm=audio 9 RTP/AVP 0\n";
        let a = parse_answer(sdp).unwrap();
        assert_eq!(a.remote, "127.0.0.2:7000".parse().unwrap());
        assert_eq!(a.audio_pt, 8);
        assert_eq!(a.dtmf_pt, Some(96));
    }

    #[test]
    fn unusable_answers() {
        for sdp in [
            "",
            "v=0\r\nm=audio 7000 RTP/AVP 0\r\n", // no c=
            "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n", // rejected stream
            "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 7000 RTP/AVP 18\r\n", // no G.711
            "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 7000 RTP/AVP 0\r\n", // hold-style address
            "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 99999 RTP/AVP 0\r\n", // bad port
            "v=0\r\nc=IN IP4 nonsense\r\nm=audio 7000\r\n",
        ] {
            assert_eq!(parse_answer(sdp), None, "{sdp:?}");
        }
    }
}
