//! Kefu's SIP edge: every SIP message from a trunk passes a strict, bounded validation before
//! rsipstack (transactions, dialogs) sees it.
//!
//! # Model
//!
//! - [`validate`] is sans-IO: [`validate::validate`] turns the bytes of one message (a datagram,
//!   or a stream message framed by [`validate::frame_stream`]) into a [`validate::Verdict`] —
//!   accept (parsed into rsip's model from a canonical rewrite), reject (with the complete
//!   response: Via/From/To/Call-ID/CSeq copied, To tag added), drop, or keep-alive. It checks
//!   size, header-count and header-size caps, Content-Length rules per transport, the mandatory
//!   headers and their grammar (RFC 3261 §25, RFC 4475), then policy: 505, 501/405 with Allow,
//!   416, 483, 420 with Unsupported, 415 with Accept, 406.
//! - [`limits`] is sans-IO too: per-source token buckets for INVITE and REGISTER in a fixed-size
//!   table (503 with Retry-After, then silence).
//! - [`sdp`] parses offers within caps and builds answers (PCMU/PCMA in offer order,
//!   telephone-event kept, hold directions) and offers; no common codec is an error → 488.
//! - [`edge`] is the thin tokio driver: it owns the UDP socket and the TCP connections, runs the
//!   limits and the validation on every message, answers refusals itself and injects accepted
//!   messages into rsipstack. OPTIONS is answered by the edge; INVITE, BYE, CANCEL and REGISTER
//!   come out as [`edge::IncomingRequest`]s; [`edge::SipEdge::dialogs`] gives UAS dialogs and UAC
//!   INVITEs with digest auth.
//! - [`leg`] is call control's interface to dialogs: an INVITE read into Kefu's types
//!   ([`leg::InviteIntake`]), refused or accepted as an [`leg::InboundLeg`] (ring, answer,
//!   reject, BYE, session refreshes, its [`leg::LegEvents`]: cancel, end, re-INVITE/UPDATE
//!   offers), and [`leg::OutboundLeg`]s placed through a trunk with digest credentials.
//!
//! The crate knows nothing of media beyond SDP and never touches the database.
//!
//! rsipstack logs every message it sends or receives in full at `info` (Authorization headers
//! included): run with a `rsipstack=warn` tracing filter outside debugging (the `kefu` binary
//! adds it unless its `log` filter names rsipstack). The edge's own logs carry the source
//! address and the refusal cause, never message contents.
//!
//! On a wildcard listen address the edge names itself to each peer by the local address that
//! routes to it ([`edge::Advertiser`]); a configured external address overrides that.
//!
//! Digest authentication's mechanics live in [`digest`]: the header's grammar, what an answer
//! is for (its Request-URI, its nonce count) and the nonces of the edge's challenges (issued
//! under a key, checked, replays refused). Whether a trunk must authenticate, and verifying a
//! response against a stored HA1, belong to the caller. [`registration`] keeps carrier
//! bindings; which trunks register is the caller's too.
//!
//! # Example
//!
//! ```no_run
//! use kefu_sip::edge::{SipEdge, SipEdgeConfig};
//! use rsipstack::sip::{Method, StatusCode};
//!
//! # async fn run() -> Result<(), kefu_sip::edge::EdgeError> {
//! let config = SipEdgeConfig { listen: "127.0.0.1:5060".parse().expect("address"), ..Default::default() };
//! let mut edge = SipEdge::start(config).await?;
//! let mut requests = edge.take_requests().expect("taken once");
//! while let Some(mut request) = requests.recv().await {
//!     // Trunk and DID matching go here; unknown sources get 403, unknown numbers 404.
//!     let status = if *request.method() == Method::Invite { StatusCode::NotFound } else { StatusCode::OK };
//!     request.reply(status).await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The validation alone, without sockets:
//!
//! ```
//! use kefu_sip::validate::{validate, TransportKind, ValidationConfig, Verdict};
//!
//! let bytes = b"INVITE sip:a@b SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
//! match validate(bytes, TransportKind::Udp, &ValidationConfig::default()) {
//!     Verdict::Reject(rejection) => assert_eq!(rejection.status(), 505),
//!     other => panic!("{other:?}"),
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod digest;
pub mod edge;
pub mod leg;
pub mod limits;
pub mod registration;
pub mod sdp;
mod stop;
pub mod validate;

pub use stop::Stop;
