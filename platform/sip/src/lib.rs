//! Kefu's SIP edge: every SIP message from a trunk passes a strict, bounded validation before
//! rsipstack (transactions, dialogs) sees it.
//!
//! (crate docs are completed with the edge.)
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod edge;
pub mod limits;
pub mod sdp;
pub mod validate;

pub use rsipstack;
