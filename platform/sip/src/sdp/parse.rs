//! Parsing of an SDP body into [`SessionDescription`], keeping only what a call needs.
//!
//! Owns the line grammar and the caps; unknown lines and attributes are skipped, never stored.

use std::net::IpAddr;

use super::{Direction, MediaDescription, RtpMap, SdpError, SdpLimits, SessionDescription};

fn malformed(line: usize, what: &'static str) -> SdpError {
    SdpError::Malformed { line, what }
}

/// Parses `body` within `limits`.
pub fn parse(body: &[u8], limits: &SdpLimits) -> Result<SessionDescription, SdpError> {
    if body.len() > limits.max_bytes {
        return Err(SdpError::TooLarge("bytes"));
    }
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotText)?;
    let mut session = SessionDescription {
        connection: None,
        direction: Direction::SendRecv,
        media: Vec::new(),
    };
    let mut seen_version = false;
    for (index, raw) in text.split('\n').enumerate() {
        let n = index + 1;
        if n > limits.max_lines {
            return Err(SdpError::TooLarge("lines"));
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_lowercase() {
            return Err(malformed(n, "expected <type>=<value>"));
        }
        let (kind, value) = (bytes[0], &line[2..]);
        if !seen_version {
            if kind != b'v' || value != "0" {
                return Err(SdpError::BadVersion);
            }
            seen_version = true;
            continue;
        }
        match kind {
            b'c' => {
                let addr =
                    connection(value).ok_or(malformed(n, "c= must be IN IP4|IP6 <address>"))?;
                match session.media.last_mut() {
                    Some(m) => m.connection = Some(addr),
                    None => session.connection = Some(addr),
                }
            }
            b'm' => {
                if session.media.len() >= limits.max_media {
                    return Err(SdpError::TooLarge("media sections"));
                }
                session.media.push(media(value, n, limits)?);
            }
            b'a' => attribute(value, n, &mut session)?,
            _ => {}
        }
    }
    if !seen_version {
        return Err(SdpError::BadVersion);
    }
    Ok(session)
}

fn connection(value: &str) -> Option<IpAddr> {
    let mut parts = value.split(' ');
    let (net, family, addr) = (parts.next()?, parts.next()?, parts.next()?);
    if net != "IN" || parts.next().is_some() {
        return None;
    }
    // Multicast TTL / count suffixes (`/127`) are not for us; the address is what matters.
    let addr: IpAddr = addr.split('/').next()?.parse().ok()?;
    match (family, addr) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Some(addr),
        _ => None,
    }
}

fn media(value: &str, n: usize, limits: &SdpLimits) -> Result<MediaDescription, SdpError> {
    let mut parts = value.split(' ');
    let kind = parts
        .next()
        .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()));
    let kind = kind.ok_or(malformed(n, "m= media type"))?;
    let port = parts
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse::<u16>().ok());
    let port = port.ok_or(malformed(n, "m= port"))?;
    let protocol = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or(malformed(n, "m= protocol"))?;
    let mut formats = Vec::new();
    for format in parts {
        if format.is_empty() || !format.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(malformed(n, "m= format"));
        }
        if formats.len() >= limits.max_formats {
            return Err(SdpError::TooLarge("formats"));
        }
        formats.push(format.to_owned());
    }
    if formats.is_empty() {
        return Err(malformed(n, "m= without formats"));
    }
    let rtp = protocol.starts_with("RTP/");
    if rtp
        && formats
            .iter()
            .any(|f| f.parse::<u8>().map_or(true, |pt| pt > 127))
    {
        return Err(malformed(n, "RTP payload types are 0-127"));
    }
    Ok(MediaDescription {
        kind: kind.to_owned(),
        port,
        protocol: protocol.to_owned(),
        formats,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        direction: None,
        ptime: None,
        connection: None,
    })
}

fn attribute(value: &str, n: usize, session: &mut SessionDescription) -> Result<(), SdpError> {
    let (name, arg) = match value.split_once(':') {
        Some((name, arg)) => (name, Some(arg)),
        None => (value, None),
    };
    let direction = match name {
        "sendrecv" => Some(Direction::SendRecv),
        "sendonly" => Some(Direction::SendOnly),
        "recvonly" => Some(Direction::RecvOnly),
        "inactive" => Some(Direction::Inactive),
        _ => None,
    };
    if let Some(direction) = direction {
        match session.media.last_mut() {
            Some(m) => m.direction = Some(direction),
            None => session.direction = direction,
        }
        return Ok(());
    }
    let Some(media) = session.media.last_mut() else {
        return Ok(());
    };
    match (name, arg) {
        ("rtpmap", Some(arg)) => {
            let map = rtpmap(arg).ok_or(malformed(
                n,
                "a=rtpmap:<pt> <encoding>/<clock>[/<channels>]",
            ))?;
            if media.rtpmaps.len() < 64 {
                media.rtpmaps.push(map);
            }
        }
        ("fmtp", Some(arg)) => {
            let (pt, params) = arg
                .split_once(' ')
                .ok_or(malformed(n, "a=fmtp:<pt> <parameters>"))?;
            let pt = pt
                .parse::<u8>()
                .ok()
                .filter(|&pt| pt <= 127)
                .ok_or(malformed(n, "a=fmtp payload type"))?;
            if media.fmtps.len() < 64 {
                media.fmtps.push((pt, params.trim().to_owned()));
            }
        }
        ("ptime", Some(arg)) => {
            let ptime = arg
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|&p| (1..=1000).contains(&p));
            media.ptime = Some(ptime.ok_or(malformed(n, "a=ptime"))?);
        }
        _ => {}
    }
    Ok(())
}

fn rtpmap(arg: &str) -> Option<RtpMap> {
    let (pt, spec) = arg.split_once(' ')?;
    let payload_type = pt.parse::<u8>().ok().filter(|&pt| pt <= 127)?;
    let mut parts = spec.trim().split('/');
    let encoding = parts.next().filter(|e| !e.is_empty() && e.len() <= 32)?;
    let clock_rate = parts.next()?.parse::<u32>().ok().filter(|&c| c > 0)?;
    let channels = match parts.next() {
        Some(c) => Some(c.parse::<u8>().ok()?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(RtpMap {
        payload_type,
        encoding: encoding.to_owned(),
        clock_rate,
        channels,
    })
}
