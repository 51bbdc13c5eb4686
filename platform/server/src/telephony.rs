//! Wiring telephony (the `kefu-telephony` crate) into the server: its settings from the
//! configuration, its parts from the state. Nothing of the call side lives here.

use std::time::Duration;

use anyhow::Context;
use kefu_telephony::{TelephonyConfig, TelephonyParts};

pub use kefu_telephony::Telephony;

use crate::config::Config;
use crate::state::AppState;

/// Starts the SIP edge on `sip_listen`, the call service and the carrier registrations, or
/// `None` when `sip_listen` is empty (telephony off). The agent desk goes into the state.
pub async fn start(state: &AppState) -> anyhow::Result<Option<Telephony>> {
    let Some(config) = telephony_config(&state.config)? else {
        return Ok(None);
    };
    let parts = TelephonyParts {
        store: state.store.clone(),
        objects: state.objects.clone(),
        events: state.events.clone(),
        runtime: state.runtime.clone(),
        registrations: state.registrations.clone(),
        speech: state.speech.clone(),
    };
    let listen = config.listen;
    let telephony = kefu_telephony::start(parts, config)
        .await
        .with_context(|| format!("starting telephony on {listen} (key `sip_listen`)"))?;
    // The agent channel reaches the call service through the state.
    let _ = state.desk.set(telephony.calls.desk().clone());
    Ok(Some(telephony))
}

/// The settings telephony runs with, or `None` when `sip_listen` is empty.
pub fn telephony_config(config: &Config) -> anyhow::Result<Option<TelephonyConfig>> {
    if config.sip_listen.is_empty() {
        return Ok(None);
    }
    let listen = config
        .sip_listen
        .parse()
        .context("configuration: key `sip_listen`: expected an address like 0.0.0.0:5060")?;
    let secs = |s: u32| Duration::from_secs(u64::from(s));
    Ok(Some(TelephonyConfig {
        listen,
        advertise: config.sip_advertise()?,
        media_address: config.media_address()?,
        rtp_ports: config.rtp_port_range()?,
        webrtc_listen: Some(config.webrtc_listen()?),
        invites_per_source_per_sec: config.sip_invites_per_source_per_sec,
        digest_nonce_lifetime: secs(config.sip_digest_nonce_secs),
        tcp_message_timeout: secs(config.sip_tcp_message_timeout_secs),
        max_tcp_connections_per_source: config.sip_tcp_max_connections_per_source as usize,
        tts_cache_dir: Some(config.data_dir.join("tts-cache")),
        tts_program: config.tts_program.clone().into(),
        ring_before_answer: Duration::from_millis(u64::from(config.ring_before_answer_ms)),
        early_media: config.early_media,
        session_min_se_secs: config.session_min_se_secs,
        session_expires_secs: config.session_expires_secs,
        node: config.node_name.clone(),
        queue_update_every: secs(config.queue_update_secs),
    }))
}
