//! The canonical form of an accepted message that rsip parses, including the Via branch and
//! From tag derived for RFC 2543 requests that lack them.
//!
//! Owns the rewrite only; everything it writes was already checked by the grammar.

use super::cursor::trim_wsp;
use super::gather::{Facts, Field};
use super::head::Head;

/// RFC 2543 requests may also lack the From tag rsipstack keys transactions on: the stack gets
/// a derived one. [`crate::edge`] removes both from what it sends back (see
/// [`RFC2543_TAG_PREFIX`]).
pub(super) fn rfc2543_from_tag(facts: &Facts<'_>, index: usize) -> Option<(usize, Vec<u8>)> {
    let mut from = facts.canonical.get(index)?.as_ref()?.to_vec();
    let tag = fnv(&[facts.reply.from.as_deref(), facts.reply.call_id.as_deref()]);
    from.extend_from_slice(format!(";tag={RFC2543_TAG_PREFIX}{tag:016x}").as_bytes());
    Some((index, from))
}

/// Prefix of the From tag given to tag-less RFC 2543 requests.
pub const RFC2543_TAG_PREFIX: &str = "kf2543.";
/// Prefix of the Via branch given to branch-less RFC 2543 requests.
pub const RFC2543_BRANCH_PREFIX: &str = "z9hG4bK2543.";

fn fnv(parts: &[Option<&[u8]>]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts.iter().flatten() {
        for &b in *part {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
    }
    hash
}

/// RFC 2543 requests carry no Via branch, and rsipstack matches transactions by branch only.
/// The stack is given a branch derived from what RFC 3261 §17.2.3 compares for such requests
/// (Request-URI, From, Call-ID, CSeq number, top Via — the To tag is left out so the ACK of a
/// non-2xx response maps to its INVITE): retransmissions, ACK and CANCEL all get the same one.
pub(super) fn rfc2543_branch(
    facts: &Facts<'_>,
    index: usize,
    uri: &[u8],
) -> Option<(usize, Vec<u8>)> {
    let number = facts.cseq.map(|(n, _)| n.to_string()).unwrap_or_default();
    let reply = &facts.reply;
    let hash = fnv(&[
        Some(uri),
        reply.from.as_deref(),
        reply.call_id.as_deref(),
        Some(number.as_bytes()),
        reply.vias.first().map(Vec::as_slice),
    ]);
    let mut via = facts.canonical.get(index)?.as_ref()?.to_vec();
    let end = via
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(via.len());
    let branch = format!(";branch={RFC2543_BRANCH_PREFIX}{hash:016x}");
    via.splice(end..end, branch.bytes());
    Some((index, via))
}

/// The canonical message rsip parses.
pub(super) fn render(
    start_line: &[u8],
    head: &Head<'_>,
    facts: &Facts<'_>,
    body: &[u8],
    patches: [Option<(usize, Vec<u8>)>; 2],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(start_line.len() + head.headers.len() * 48 + body.len() + 64);
    out.extend_from_slice(start_line);
    out.extend_from_slice(b"\r\n");
    for (index, (header, canonical)) in head.headers.iter().zip(&facts.canonical).enumerate() {
        let patched = patches.iter().flatten().find(|(at, _)| *at == index);
        let value = match (patched, canonical) {
            (Some((_, value)), _) => value.as_slice(),
            (None, Some(value)) => value.as_ref(),
            (None, None) => continue,
        };
        let field = Field::of(header.name);
        match field {
            Field::Other(None) => out.extend_from_slice(trim_wsp(header.name)),
            _ => out.extend_from_slice(field.name().as_bytes()),
        }
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}
