//! Kefu's server: the HTTP API and web app, authentication, configuration and wiring, and the
//! `kefu` binary's commands.
//!
//! Requests enter through [`app::router`]; handlers live one resource per file in [`api`],
//! take an [`auth::Authed`] scope when they touch tenant data, and answer errors as
//! [`problem::Problem`] (RFC 7807). Everything a request can reach is in [`state::AppState`].
//! The call side is the `kefu-telephony` crate; [`telephony`] only builds what it runs on.
#![deny(missing_docs)]

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod event_hub;
pub mod event_log;
pub mod http_server;
pub mod identity;
pub mod json;
pub mod ops;
pub mod outbox;
pub mod problem;
pub mod routing;
pub mod serve;
pub mod state;
pub mod telephony;
pub mod web;

/// Install aws-lc-rs as the process's rustls crypto provider (the one provider used by every
/// TLS client in the process: S3, and later SIP/TLS and DTLS).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
