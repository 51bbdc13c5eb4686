//! Just enough STUN (RFC 8489) to route a binding request to its leg: the USERNAME attribute.

/// STUN's magic cookie.
const MAGIC_COOKIE: [u8; 4] = [0x21, 0x12, 0xA4, 0x42];
/// A binding request.
const BINDING_REQUEST: u16 = 0x0001;
/// The USERNAME attribute.
const USERNAME: u16 = 0x0006;
/// RFC 8489 §14.3: fewer than 509 bytes.
const MAX_USERNAME: usize = 508;

/// The local ufrag of a STUN binding request (`USERNAME` is `"<ours>:<theirs>"`), or `None` for
/// anything else: other packets, other STUN methods, a malformed message. Reads at most the
/// message's own declared length and never allocates.
pub fn stun_username(datagram: &[u8]) -> Option<&str> {
    let header = datagram.get(..20)?;
    let kind = u16::from_be_bytes([header[0], header[1]]);
    let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if kind != BINDING_REQUEST || header[4..8] != MAGIC_COOKIE || length % 4 != 0 {
        return None;
    }
    let mut attributes = datagram.get(20..20 + length)?;
    while attributes.len() >= 4 {
        let kind = u16::from_be_bytes([attributes[0], attributes[1]]);
        let len = usize::from(u16::from_be_bytes([attributes[2], attributes[3]]));
        let value = attributes.get(4..4 + len)?;
        if kind == USERNAME {
            if len > MAX_USERNAME {
                return None;
            }
            let username = std::str::from_utf8(value).ok()?;
            let (ours, _) = username.split_once(':')?;
            return (!ours.is_empty()).then_some(ours);
        }
        attributes = attributes.get(4 + len.next_multiple_of(4)..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(attributes: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (kind, value) in attributes {
            body.extend_from_slice(&kind.to_be_bytes());
            body.extend_from_slice(&(value.len() as u16).to_be_bytes());
            body.extend_from_slice(value);
            body.resize(body.len().next_multiple_of(4), 0);
        }
        let mut message = vec![0x00, 0x01];
        message.extend_from_slice(&(body.len() as u16).to_be_bytes());
        message.extend_from_slice(&MAGIC_COOKIE);
        message.extend_from_slice(&[7; 12]);
        message.extend_from_slice(&body);
        message
    }

    #[test]
    fn finds_the_local_ufrag_after_other_attributes() {
        let m = request(&[(0x0024, &[0, 0, 0, 1]), (USERNAME, b"kefuAbc:brow")]);
        assert_eq!(stun_username(&m), Some("kefuAbc"));
        // Padding: a 5-byte username followed by another attribute.
        let m = request(&[(USERNAME, b"ab:cd"), (0x8029, &[1; 8])]);
        assert_eq!(stun_username(&m), Some("ab"));
    }

    #[test]
    fn refuses_everything_else() {
        let good = request(&[(USERNAME, b"a:b")]);
        let mut response = good.clone();
        response[1] = 0x01;
        response[0] = 0x01; // binding success response
        assert_eq!(stun_username(&response), None);
        let mut no_cookie = good.clone();
        no_cookie[4] = 0;
        assert_eq!(stun_username(&no_cookie), None);
        assert_eq!(stun_username(&good[..good.len() - 1]), None);
        assert_eq!(stun_username(&request(&[(USERNAME, b"nocolon")])), None);
        assert_eq!(stun_username(&request(&[(USERNAME, b":theirs")])), None);
        assert_eq!(
            stun_username(&request(&[(USERNAME, &[0xFF, b':', b'x'])])),
            None
        );
        assert_eq!(stun_username(&request(&[(0x0024, &[0; 4])])), None);
        assert_eq!(stun_username(&[0x80, 0, 0, 0]), None); // RTP-ish
        assert_eq!(stun_username(&[]), None);
        // An attribute claiming more than the message holds.
        let mut lying = request(&[(USERNAME, b"a:b")]);
        lying[23] = 200;
        assert_eq!(stun_username(&lying), None);
    }
}
