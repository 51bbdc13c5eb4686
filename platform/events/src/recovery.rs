//! Closing the calls a node left open when it stopped without ending them (a crash, `kill -9`,
//! power loss). At start-up, every call this node received and never ended gets a `call.ended`
//! with disposition `interrupted`, ended at its last logged event, built from its story in the
//! log; the log then writes its record as for any other ending.

use std::sync::Arc;

use kefu_core::event::{CallEnded, Disposition, HangupBy, IvrActionKind, MediaSummary};
use kefu_core::{DomainEvent, Event};
use kefu_store::{Store, StoreError};

use crate::bus::EventBus;

/// The ending of an interrupted call, from its events in log order (`None` when the story does
/// not start with its `call.received`, e.g. retention removed it).
pub fn interrupted_ending(story: &[Event]) -> Option<CallEnded> {
    let first = story.first()?;
    let DomainEvent::CallReceived(received) = &first.event else {
        return None;
    };
    let mut ended = CallEnded {
        received: (**received).clone(),
        started_at: first.at,
        answered_at: None,
        ended_at: first.at,
        disposition: Disposition::Interrupted,
        hangup_by: HangupBy::System,
        ivr_path: Vec::new(),
        queue: None,
        queue_wait_ms: None,
        call_data: Vec::new(),
        agents: Vec::new(),
        talk_ms: None,
        hold_ms: None,
        holds: 0,
        media: MediaSummary::default(),
        reason: Some("the node handling the call stopped before the call ended".into()),
    };
    let mut queued_at = None;
    let mut waited = 0u64;
    for event in story {
        ended.ended_at = ended.ended_at.max(event.at);
        match &event.event {
            DomainEvent::CallAnswered { .. } if ended.answered_at.is_none() => {
                ended.answered_at = Some(event.at);
            }
            DomainEvent::CallIvrAction {
                action: IvrActionKind::Visit,
                name,
                ..
            } => ended.ivr_path.push(name.clone()),
            DomainEvent::CallQueued { queue, .. } => {
                ended.queue = Some(queue.clone());
                queued_at = Some(event.at);
            }
            DomainEvent::CallDequeued { waited_ms, .. } => {
                waited = waited.saturating_add(*waited_ms);
                queued_at = None;
            }
            _ => {}
        }
    }
    // Still queued when the node stopped: it waited until the last thing we know of.
    if let Some(since) = queued_at {
        let ms = (ended.ended_at - since).num_milliseconds().max(0);
        waited = waited.saturating_add(u64::try_from(ms).unwrap_or_default());
    }
    if ended.queue.is_some() {
        ended.queue_wait_ms = Some(waited);
    }
    Some(ended)
}

/// Closes every call `node` left open; publishes each `call.ended` and returns how many were
/// closed. A call whose story is gone is closed from its open-call row alone.
pub async fn close_open_calls(
    store: &Store,
    bus: &dyn EventBus,
    node: &str,
) -> Result<usize, StoreError> {
    let open = store.open_calls(node).await?;
    let mut closed = 0;
    for call in &open {
        let story = store.call_story(call).await?;
        let Some(ended) = interrupted_ending(&story) else {
            tracing::warn!(tenant_id = %call.tenant, call_id = %call.call, "an open call without its call.received in the log; closing it without a record");
            store.forget_open_call(call).await?;
            continue;
        };
        let at = ended.ended_at;
        let event = store.close_open_call(call, ended, at).await?;
        tracing::info!(tenant_id = %call.tenant, call_id = %call.call, "closed a call left open by a stop (disposition interrupted)");
        if let Err(e) = bus.publish(&[Arc::new(event)]).await {
            tracing::warn!(error = %e, "publishing a recovered call.ended failed");
        }
        closed += 1;
    }
    Ok(closed)
}

#[cfg(test)]
mod tests;
