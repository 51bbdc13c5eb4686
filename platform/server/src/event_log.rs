//! The event log's upkeep: retention deletes events older than `event_retention_days`, once
//! at start and then hourly. Numbers are never reused, so a stream asked to resume from a
//! deleted number is told to resync.

use std::time::Duration;

use kefu_store::Store;

/// Starts the retention task.
pub fn spawn_retention(store: Store, days: u32) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
            match store.delete_events_before(cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, days, "event log retention"),
                Err(e) => tracing::warn!(error = %e, "event log retention failed; will retry"),
            }
        }
    });
}
