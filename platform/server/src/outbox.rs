//! Outbox delivery: messages committed with their cause are delivered here, retried on failure.
//!
//! Without SMTP configured (the embedded default) a message is "delivered" to the log, so an
//! admin running the demo can copy the invitation link from the server output. SMTP delivery
//! plugs in here as another channel.

use std::time::Duration;

use crate::state::AppState;

/// Ask the worker to look at the outbox now rather than at its next tick.
pub fn wake(state: &AppState) {
    state.outbox_wake.notify_one();
}

/// Deliver pending messages until the process stops.
pub async fn run(state: AppState) {
    loop {
        if let Err(e) = deliver_pending(&state).await {
            tracing::warn!(error = %e, "outbox delivery failed; will retry");
        }
        tokio::select! {
            _ = state.outbox_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
    }
}

/// One pass over the pending messages; returns how many were delivered.
pub async fn deliver_pending(state: &AppState) -> Result<usize, kefu_store::StoreError> {
    let pending = state.store.outbox_pending(50).await?;
    let mut delivered = 0;
    for msg in pending {
        // The log is the delivery channel here; the body carries the invitation link.
        tracing::info!(
            target: "kefu::outbox",
            tenant_id = %msg.tenant,
            to = %msg.recipient,
            subject = %msg.subject,
            "e-mail (no SMTP configured, delivered to the log):\n{}",
            msg.body
        );
        state.store.outbox_attempted(&msg.id, None).await?;
        delivered += 1;
    }
    Ok(delivered)
}
