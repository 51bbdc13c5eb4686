//! One pass over the header fields: what a response copies, each known field's grammar and
//! multiplicity, and its canonical form for the stack.
//!
//! Owns the header-name table (compact forms included); never judges policy.

use std::borrow::Cow;

use super::Violation;
use super::fields::{self, NameAddr};
use super::head::{Head, RawHeader};
use super::reply::ReplyHeaders;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Via,
    From,
    To,
    CallId,
    CSeq,
    MaxForwards,
    ContentLength,
    ContentType,
    Contact,
    Route,
    RecordRoute,
    Require,
    Accept,
    Other(Option<&'static str>),
}

impl Field {
    pub(super) fn of(name: &[u8]) -> Field {
        let is = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
        if is("via") || is("v") {
            Field::Via
        } else if is("from") || is("f") {
            Field::From
        } else if is("to") || is("t") {
            Field::To
        } else if is("call-id") || is("i") {
            Field::CallId
        } else if is("cseq") {
            Field::CSeq
        } else if is("max-forwards") {
            Field::MaxForwards
        } else if is("content-length") || is("l") {
            Field::ContentLength
        } else if is("content-type") || is("c") {
            Field::ContentType
        } else if is("contact") || is("m") {
            Field::Contact
        } else if is("route") {
            Field::Route
        } else if is("record-route") {
            Field::RecordRoute
        } else if is("require") {
            Field::Require
        } else if is("accept") {
            Field::Accept
        } else if is("e") {
            Field::Other(Some("Content-Encoding"))
        } else if is("s") {
            Field::Other(Some("Subject"))
        } else if is("k") {
            Field::Other(Some("Supported"))
        } else {
            Field::Other(None)
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Field::Via => "Via",
            Field::From => "From",
            Field::To => "To",
            Field::CallId => "Call-ID",
            Field::CSeq => "CSeq",
            Field::MaxForwards => "Max-Forwards",
            Field::ContentLength => "Content-Length",
            Field::ContentType => "Content-Type",
            Field::Contact => "Contact",
            Field::Route => "Route",
            Field::RecordRoute => "Record-Route",
            Field::Require => "Require",
            Field::Accept => "Accept",
            Field::Other(name) => name.unwrap_or(""),
        }
    }

    fn single(self) -> bool {
        matches!(
            self,
            Field::From
                | Field::To
                | Field::CallId
                | Field::CSeq
                | Field::MaxForwards
                | Field::ContentLength
                | Field::ContentType
        )
    }
}

/// Facts gathered from the header fields in one pass.
#[derive(Default)]
pub(super) struct Facts<'a> {
    pub(super) reply: ReplyHeaders,
    pub(super) cseq: Option<(u32, &'a [u8])>,
    pub(super) max_forwards: Option<u64>,
    pub(super) content_length: Option<u64>,
    pub(super) content_type: Option<String>,
    pub(super) require: Vec<&'a [u8]>,
    pub(super) accept: Option<Vec<String>>,
    pub(super) top_branch_is_3261: bool,
    /// Index of the first Via header and whether its first entry has a branch.
    pub(super) top_via: Option<(usize, bool)>,
    /// Index of a From header without a tag.
    pub(super) from_tagless: Option<usize>,
    /// Canonical value per header (None: drop the header, e.g. Content-Length).
    pub(super) canonical: Vec<Option<Cow<'a, [u8]>>>,
}

/// One pass over the header fields: copies what a response needs, checks each known field's
/// grammar and multiplicity, and prepares its canonical form. Returns the first error.
pub(super) fn gather<'a>(head: &'a Head<'a>) -> (Facts<'a>, Option<Violation>) {
    let mut facts = Facts::default();
    let mut error: Option<Violation> = None;
    let mut seen: Vec<Field> = Vec::new();
    for RawHeader { name, value } in &head.headers {
        let field = Field::of(name);
        let value: &'a [u8] = value.as_ref();
        let malformed = Violation::MalformedHeader(field.name());
        if field.single() {
            if seen.contains(&field) {
                error.get_or_insert(Violation::DuplicateHeader(field.name()));
            }
            seen.push(field);
        }
        let canonical: Option<Cow<'a, [u8]>> = match field {
            Field::Via => {
                facts.reply.vias.push(value.to_vec());
                match fields::via_list(value) {
                    Some(list) => {
                        if facts.reply.vias.len() == 1 {
                            let branch = list.first().and_then(|v| {
                                v.params
                                    .iter()
                                    .find(|p| p.name.eq_ignore_ascii_case(b"branch"))
                            });
                            facts.top_branch_is_3261 = branch
                                .and_then(|p| p.value)
                                .is_some_and(|b| b.starts_with(b"z9hG4bK"));
                            facts.top_via = Some((facts.canonical.len(), branch.is_some()));
                        }
                        let mut out = Vec::with_capacity(value.len());
                        for (i, via) in list.iter().enumerate() {
                            if i > 0 {
                                out.extend_from_slice(b"\r\nVia: ");
                            }
                            fields::render_via(&mut out, via);
                        }
                        Some(Cow::Owned(out))
                    }
                    None => {
                        error.get_or_insert(malformed);
                        None
                    }
                }
            }
            Field::From | Field::To => {
                if field == Field::From {
                    facts.reply.from.get_or_insert_with(|| value.to_vec());
                } else if facts.reply.to.is_none() {
                    facts.reply.to = Some(value.to_vec());
                }
                match fields::single_name_addr(value) {
                    Some(na) => {
                        if field == Field::To {
                            facts.reply.to_has_tag |= na.param("tag").is_some();
                        } else if na.param("tag").is_none() {
                            facts.from_tagless = Some(facts.canonical.len());
                        }
                        Some(Cow::Owned(render_one(&na)))
                    }
                    None => {
                        error.get_or_insert(malformed);
                        None
                    }
                }
            }
            Field::CallId => {
                facts.reply.call_id.get_or_insert_with(|| value.to_vec());
                if !fields::call_id(value) {
                    error.get_or_insert(malformed);
                }
                Some(Cow::Borrowed(value))
            }
            Field::CSeq => {
                facts.reply.cseq.get_or_insert_with(|| value.to_vec());
                match fields::cseq(value) {
                    Some((n, m)) => {
                        facts.cseq.get_or_insert((n, m));
                        let mut out = format!("{n} ").into_bytes();
                        out.extend_from_slice(m);
                        Some(Cow::Owned(out))
                    }
                    None => {
                        error.get_or_insert(malformed);
                        None
                    }
                }
            }
            Field::MaxForwards => match fields::bounded_number(value, 255) {
                Some(n) => {
                    facts.max_forwards.get_or_insert(n);
                    Some(Cow::Owned(n.to_string().into_bytes()))
                }
                None => {
                    error.get_or_insert(malformed);
                    None
                }
            },
            Field::ContentLength => {
                match fields::bounded_number(value, u64::from(u32::MAX)) {
                    Some(n) => {
                        facts.content_length.get_or_insert(n);
                    }
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                None
            }
            Field::ContentType => {
                match fields::media_type(value) {
                    Some(kind) => {
                        facts.content_type.get_or_insert(kind);
                    }
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                Some(Cow::Borrowed(value))
            }
            Field::Contact | Field::Route | Field::RecordRoute => {
                if field == Field::Contact && value == b"*" {
                    Some(Cow::Borrowed(value))
                } else {
                    match fields::name_addr_list(value) {
                        Some(list) => {
                            let mut out = Vec::with_capacity(value.len());
                            for (i, na) in list.iter().enumerate() {
                                if i > 0 {
                                    out.extend_from_slice(b", ");
                                }
                                fields::render_name_addr(&mut out, na);
                            }
                            Some(Cow::Owned(out))
                        }
                        None => {
                            error.get_or_insert(malformed);
                            None
                        }
                    }
                }
            }
            Field::Require => {
                match fields::token_list(value) {
                    Some(tags) => facts.require.extend(tags),
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                Some(Cow::Borrowed(value))
            }
            Field::Accept => {
                match fields::accept_list(value) {
                    Some(ranges) => facts.accept.get_or_insert_with(Vec::new).extend(ranges),
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                Some(Cow::Borrowed(value))
            }
            Field::Other(_) => Some(Cow::Borrowed(value)),
        };
        facts.canonical.push(canonical);
    }
    (facts, error)
}

fn render_one(na: &NameAddr<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(na.uri.len() + 32);
    fields::render_name_addr(&mut out, na);
    out
}
