//! Gives RFC 2543 peers back what they sent: the validation hands rsipstack a derived Via
//! branch and From tag for requests that lack them (rsipstack keys transactions on both);
//! this inspector removes those two parameters from every message the stack sends.
//!
//! Owns only that rewrite; must never change any other header.

use rsipstack::sip::headers::{From, Via};
use rsipstack::sip::{HasHeaders, Header, SipMessage};
use rsipstack::transaction::endpoint::MessageInspector;
use rsipstack::transport::SipAddr;

use crate::validate::{RFC2543_BRANCH_PREFIX, RFC2543_TAG_PREFIX};

pub(crate) struct Rfc2543Shim;

/// Removes `;name=<prefix>…` from a header value.
fn strip_param(value: &str, name: &str, prefix: &str) -> Option<String> {
    let needle = format!(";{name}={prefix}");
    let start = value.find(&needle)?;
    let rest = &value[start + 1..];
    let end = rest.find([';', ',']).map_or(value.len(), |i| start + 1 + i);
    Some(format!("{}{}", &value[..start], &value[end..]))
}

impl MessageInspector for Rfc2543Shim {
    fn before_send(&self, mut msg: SipMessage, _dest: Option<&SipAddr>) -> SipMessage {
        let headers = match &mut msg {
            SipMessage::Request(req) => req.headers_mut(),
            SipMessage::Response(resp) => resp.headers_mut(),
        };
        let mut first_via = true;
        for header in headers.iter_mut() {
            match header {
                Header::Via(via) if first_via => {
                    first_via = false;
                    if let Some(value) = strip_param(via.value(), "branch", RFC2543_BRANCH_PREFIX) {
                        *via = Via::new(value);
                    }
                }
                Header::From(from) => {
                    if let Some(value) = strip_param(from.value(), "tag", RFC2543_TAG_PREFIX) {
                        *from = From::new(value);
                    }
                }
                _ => {}
            }
        }
        msg
    }

    fn after_received(&self, msg: SipMessage, _from: Option<&SipAddr>) -> SipMessage {
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::strip_param;

    #[test]
    fn strips_only_the_derived_parameter() {
        assert_eq!(
            strip_param(
                "SIP/2.0/UDP h;branch=z9hG4bK2543.ab;received=1.2.3.4",
                "branch",
                "z9hG4bK2543."
            )
            .as_deref(),
            Some("SIP/2.0/UDP h;received=1.2.3.4")
        );
        assert_eq!(
            strip_param("<sip:a@b>;tag=kf2543.0f", "tag", "kf2543.").as_deref(),
            Some("<sip:a@b>")
        );
        assert_eq!(strip_param("<sip:a@b>;tag=real", "tag", "kf2543."), None);
    }
}
