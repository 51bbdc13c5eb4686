//! The ACD engine's agent events as the tenant's domain events (`agent.*`): what the event log
//! keeps and reports are built from. Pure: the tenant's ACD task feeds each engine event and
//! emits what comes out, in order.

use std::collections::HashMap;

use kefu_acd::{AcdEvent, AcdEventKind, AgentState, Millis, RequeueReason, StateChangeCause};
use kefu_core::event::{AgentPresence, AgentStateChanged, MissReason};
use kefu_core::{AgentId, DomainEvent, QueueId};

/// Turns engine events into `agent.*` events, remembering when each agent's state last
/// changed (for the time spent in it).
#[derive(Debug, Default)]
pub(crate) struct AgentEvents {
    since: HashMap<AgentId, Millis>,
}

fn presence(state: &AgentState) -> AgentPresence {
    match state {
        AgentState::LoggedOut => AgentPresence::Offline,
        AgentState::Available => AgentPresence::Ready,
        AgentState::Reserved { .. } => AgentPresence::Offered,
        AgentState::OnCall { .. } => AgentPresence::Busy,
        AgentState::AfterCallWork { .. } => AgentPresence::WrapUp,
        AgentState::NotReady { .. } => AgentPresence::NotReady,
    }
}

impl AgentEvents {
    /// The domain events for one engine event; `queue_name` names a queue by id.
    pub(crate) fn of(
        &mut self,
        event: &AcdEvent,
        queue_name: impl Fn(QueueId) -> Option<String>,
    ) -> Vec<DomainEvent> {
        match &event.kind {
            AcdEventKind::AgentStateChanged {
                agent,
                from,
                to,
                cause,
            } => {
                let agent = *agent;
                let since = self.since.insert(agent, event.at);
                let mut out = Vec::with_capacity(3);
                if *from == AgentState::LoggedOut {
                    out.push(DomainEvent::AgentLoggedIn { agent });
                }
                if let AgentState::AfterCallWork { call } = from {
                    out.push(DomainEvent::AgentWrapUpEnded {
                        agent,
                        call: *call,
                        code: None,
                    });
                }
                let reason = match (to, cause) {
                    (AgentState::NotReady { reason }, _) => Some(reason.to_string()),
                    (_, StateChangeCause::ConnectionLost) => Some("connection lost".into()),
                    (_, StateChangeCause::Supervisor) => Some("supervisor".into()),
                    _ => None,
                };
                out.push(DomainEvent::AgentStateChanged(AgentStateChanged {
                    agent,
                    from: presence(from),
                    to: presence(to),
                    reason: reason.clone(),
                    in_previous_ms: since
                        .map(|at| event.at.as_millis().saturating_sub(at.as_millis())),
                }));
                if let AgentState::AfterCallWork { call } = to {
                    out.push(DomainEvent::AgentWrapUpStarted { agent, call: *call });
                }
                if *to == AgentState::LoggedOut {
                    self.since.remove(&agent);
                    out.push(DomainEvent::AgentLoggedOut { agent, reason });
                }
                out
            }
            AcdEventKind::CallOffered { call, queue, agent } => vec![DomainEvent::AgentOffered {
                agent: *agent,
                call: *call,
                queue: queue_name(*queue).unwrap_or_else(|| queue.to_string()),
            }],
            AcdEventKind::AgentOfferMissed {
                agent,
                call,
                reason,
            } => vec![DomainEvent::AgentMissed {
                agent: *agent,
                call: *call,
                reason: match reason {
                    RequeueReason::RingTimeout => MissReason::NoAnswer,
                    RequeueReason::Declined => MissReason::Declined,
                    RequeueReason::AgentLost => MissReason::ConnectionLost,
                },
            }],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_acd::ReasonCode;
    use kefu_core::{CallId, TenantId};

    fn changed(at: u64, agent: AgentId, from: AgentState, to: AgentState) -> AcdEvent {
        AcdEvent {
            tenant: TenantId::new(),
            at: Millis(at),
            kind: AcdEventKind::AgentStateChanged {
                agent,
                from,
                to,
                cause: StateChangeCause::Agent,
            },
        }
    }

    #[test]
    fn a_working_day_becomes_agent_events_with_reasons_and_time_in_state() {
        let (agent, call) = (AgentId::new(), CallId::new());
        let mut events = AgentEvents::default();
        let none = |_| None;
        let e = events.of(
            &changed(1_000, agent, AgentState::LoggedOut, AgentState::Available),
            none,
        );
        assert_eq!(e[0], DomainEvent::AgentLoggedIn { agent });
        assert!(matches!(&e[1], DomainEvent::AgentStateChanged(s)
            if s.to == AgentPresence::Ready && s.in_previous_ms.is_none()));
        let e = events.of(
            &changed(
                61_000,
                agent,
                AgentState::Available,
                AgentState::AfterCallWork { call },
            ),
            none,
        );
        assert!(
            matches!(&e[0], DomainEvent::AgentStateChanged(s) if s.in_previous_ms == Some(60_000))
        );
        assert_eq!(e[1], DomainEvent::AgentWrapUpStarted { agent, call });
        let lunch = AgentState::NotReady {
            reason: ReasonCode::new("lunch"),
        };
        let e = events.of(
            &changed(
                91_000,
                agent,
                AgentState::AfterCallWork { call },
                lunch.clone(),
            ),
            none,
        );
        assert_eq!(
            e[0],
            DomainEvent::AgentWrapUpEnded {
                agent,
                call,
                code: None
            }
        );
        assert!(matches!(&e[1], DomainEvent::AgentStateChanged(s)
            if s.reason.as_deref() == Some("lunch") && s.in_previous_ms == Some(30_000)));
        let e = events.of(&changed(95_000, agent, lunch, AgentState::LoggedOut), none);
        assert_eq!(
            e.last(),
            Some(&DomainEvent::AgentLoggedOut {
                agent,
                reason: None
            })
        );
    }

    #[test]
    fn offers_and_misses_name_the_queue_and_the_reason() {
        let (agent, call, queue) = (AgentId::new(), CallId::new(), QueueId::new());
        let mut events = AgentEvents::default();
        let offered = AcdEvent {
            tenant: TenantId::new(),
            at: Millis(5),
            kind: AcdEventKind::CallOffered { call, queue, agent },
        };
        let named = |q| (q == queue).then(|| "Support".to_string());
        assert_eq!(
            events.of(&offered, named),
            [DomainEvent::AgentOffered {
                agent,
                call,
                queue: "Support".into()
            }]
        );
        let missed = AcdEvent {
            tenant: TenantId::new(),
            at: Millis(15_005),
            kind: AcdEventKind::AgentOfferMissed {
                agent,
                call,
                reason: RequeueReason::RingTimeout,
            },
        };
        assert_eq!(
            events.of(&missed, named),
            [DomainEvent::AgentMissed {
                agent,
                call,
                reason: MissReason::NoAnswer
            }]
        );
    }
}
