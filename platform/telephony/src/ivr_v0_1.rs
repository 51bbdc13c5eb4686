//! The `kefu:plugin@0.1.0` IVR interface adapter: an installed IVR plugin as a call's
//! [`IvrSession`], converting the call's own types to the plugin bindings and back.
//!
//! Call control never sees the bindings; a later interface version is a second adapter beside
//! this one, chosen by the plugin's manifest.

use std::sync::Arc;

use async_trait::async_trait;
use kefu_calls::IvrSession;
use kefu_calls::ivr::{
    CallView, CollectEnd, CollectSpec, EnqueueFailure, EnqueueRequest, IvrAction, IvrError,
    IvrEvent, Language, Playback, Prompt, SkillNeed, TransferFailure, TransferTarget,
    VoicemailRequest,
};
use kefu_plugin_host::ivr as abi;
use kefu_plugin_host::{CallContext, Installation, Outcome, Plugin, PluginHost};

/// One call's IVR plugin (the version loaded when the call started).
pub(crate) struct PluginSession {
    pub(crate) host: PluginHost,
    pub(crate) plugin: Arc<Plugin>,
    pub(crate) installation: Arc<Installation>,
}

#[async_trait]
impl IvrSession for PluginSession {
    async fn on_event(
        &mut self,
        view: &CallView,
        event: &IvrEvent,
    ) -> Result<Vec<IvrAction>, IvrError> {
        let context = context_of(view);
        let call = self
            .host
            .ivr_on_event(&self.plugin, &self.installation, &context, &event_of(event))
            .await;
        match call.output {
            Some(Ok(actions)) => Ok(actions.into_iter().map(action_of).collect()),
            Some(Err(e)) => Err(IvrError::Plugin(e.message)),
            None => Err(match &call.invocation.outcome {
                Outcome::Trapped(trap) => IvrError::Trapped(format!("{trap:?}")),
                Outcome::Rejected(rejection) => IvrError::Refused(format!("{rejection:?}")),
                Outcome::Returned(_) => IvrError::Refused("the plugin's answer was refused".into()),
            }),
        }
    }
}

fn language_to(language: Language) -> kefu_plugin_host::Language {
    match language {
        Language::Mandarin => kefu_plugin_host::Language::Mandarin,
        Language::English => kefu_plugin_host::Language::English,
    }
}

fn language_of(language: kefu_plugin_host::Language) -> Language {
    match language {
        kefu_plugin_host::Language::Mandarin => Language::Mandarin,
        kefu_plugin_host::Language::English => Language::English,
    }
}

/// The call as the 0.1.0 interface shows it.
pub(crate) fn context_of(view: &CallView) -> CallContext {
    CallContext {
        call_id: view.call.to_string(),
        tenant_id: view.tenant.to_string(),
        caller: view.caller.clone(),
        dialled: view.dialled.clone(),
        data: view.data.clone(),
        ivr_path: view.ivr_path.clone(),
        language: language_to(view.language),
        started_at_ms: view.started_at_ms,
    }
}

fn target_to(target: &TransferTarget) -> abi::TransferTarget {
    match target {
        TransferTarget::Number(n) => abi::TransferTarget::Number(n.clone()),
        TransferTarget::Agent(a) => abi::TransferTarget::Agent(a.clone()),
    }
}

/// A call event in the 0.1.0 interface.
pub(crate) fn event_of(event: &IvrEvent) -> abi::Event {
    match event {
        IvrEvent::CallStarted => abi::Event::CallStarted,
        IvrEvent::DigitsCollected(d) => abi::Event::DigitsCollected(abi::CollectedDigits {
            tag: d.tag.clone(),
            digits: d.digits.clone(),
            ended_by: match d.ended_by {
                CollectEnd::MaxDigits => abi::CollectEnd::MaxDigits,
                CollectEnd::Terminator => abi::CollectEnd::Terminator,
                CollectEnd::Timeout => abi::CollectEnd::Timeout,
            },
        }),
        IvrEvent::PromptFinished { tag, interrupted } => {
            abi::Event::PromptFinished(abi::PromptFinished {
                tag: tag.clone(),
                interrupted: *interrupted,
            })
        }
        IvrEvent::QueueUpdate {
            queue,
            position,
            estimated_wait_secs,
        } => abi::Event::QueueUpdate(abi::QueueUpdate {
            queue: queue.clone(),
            position: *position,
            estimated_wait_secs: *estimated_wait_secs,
        }),
        IvrEvent::QueueTimeout { queue, waited_secs } => {
            abi::Event::QueueTimeout(abi::QueueTimeout {
                queue: queue.clone(),
                waited_secs: *waited_secs,
            })
        }
        IvrEvent::EnqueueFailed { queue, reason } => {
            abi::Event::EnqueueFailed(abi::EnqueueFailed {
                queue: queue.clone(),
                reason: match reason {
                    EnqueueFailure::UnknownQueue => abi::EnqueueFailure::UnknownQueue,
                    EnqueueFailure::UnknownSkill(_) => abi::EnqueueFailure::UnknownSkill,
                    EnqueueFailure::Routing(_) => abi::EnqueueFailure::Unavailable,
                },
                detail: reason.to_string(),
            })
        }
        IvrEvent::TransferFailed { target, reason } => {
            abi::Event::TransferFailed(abi::TransferFailed {
                target: target_to(target),
                reason: match reason {
                    TransferFailure::Busy => abi::TransferFailure::Busy,
                    TransferFailure::NoAnswer => abi::TransferFailure::NoAnswer,
                    TransferFailure::Rejected => abi::TransferFailure::Rejected,
                    TransferFailure::Unreachable => abi::TransferFailure::Unreachable,
                },
            })
        }
    }
}

fn prompt_of(prompt: abi::Prompt) -> Prompt {
    match prompt {
        abi::Prompt::Tenant(name) => Prompt::Tenant(name),
        abi::Prompt::System(id) => Prompt::System(id),
        abi::Prompt::Digits(d) => Prompt::Digits(d),
        abi::Prompt::Number(n) => Prompt::Number(n),
        abi::Prompt::Date(d) => Prompt::Date {
            year: d.year,
            month: d.month,
            day: d.day,
        },
        abi::Prompt::Amount(a) => Prompt::Amount {
            minor_units: a.minor_units,
            currency: a.currency,
        },
        abi::Prompt::Text(t) => Prompt::Text {
            text: t.text,
            language: t.language.map(language_of),
        },
    }
}

fn prompts_of(prompts: Vec<abi::Prompt>) -> Vec<Prompt> {
    prompts.into_iter().map(prompt_of).collect()
}

/// A 0.1.0 action as the call's own.
pub(crate) fn action_of(action: abi::Action) -> IvrAction {
    match action {
        abi::Action::Answer => IvrAction::Answer,
        abi::Action::Play(p) => IvrAction::Play(Playback {
            tag: p.tag,
            prompts: prompts_of(p.prompts),
            barge_in: p.barge_in,
        }),
        abi::Action::CollectDigits(c) => IvrAction::CollectDigits(CollectSpec {
            tag: c.tag,
            min_digits: c.min_digits,
            max_digits: c.max_digits,
            timeout_ms: c.timeout_ms,
            terminator: c.terminator,
            prompt: prompts_of(c.prompt),
            barge_in: c.barge_in,
        }),
        abi::Action::SetCallData(pairs) => IvrAction::SetCallData(pairs),
        abi::Action::Visit(node) => IvrAction::Visit(node),
        abi::Action::Enqueue(e) => IvrAction::Enqueue(EnqueueRequest {
            queue: e.queue,
            priority: e.priority,
            required_skills: e
                .required_skills
                .into_iter()
                .map(|s| SkillNeed {
                    skill: s.skill,
                    min_level: s.min_level,
                })
                .collect(),
            data: e.data,
        }),
        abi::Action::Transfer(t) => IvrAction::Transfer(match t {
            abi::TransferTarget::Number(n) => TransferTarget::Number(n),
            abi::TransferTarget::Agent(a) => TransferTarget::Agent(a),
        }),
        abi::Action::Voicemail(v) => IvrAction::Voicemail(VoicemailRequest {
            mailbox: v.mailbox,
            greeting: prompts_of(v.greeting),
        }),
        abi::Action::HangUp => IvrAction::HangUp,
    }
}

#[cfg(test)]
mod tests {
    use kefu_calls::ivr::CollectedDigits;
    use kefu_core::{CallId, TenantId};

    use super::*;

    #[test]
    fn events_and_actions_cross_the_interface_unchanged() {
        let view = CallView {
            call: CallId::new(),
            tenant: TenantId::new(),
            caller: "+8613800138000".into(),
            dialled: "+862150000000".into(),
            data: vec![("vip".into(), "yes".into())],
            ivr_path: vec!["main".into()],
            language: Language::Mandarin,
            started_at_ms: 42,
        };
        let context = context_of(&view);
        assert_eq!(context.call_id, view.call.to_string());
        assert_eq!(context.language, kefu_plugin_host::Language::Mandarin);
        assert_eq!(context.data, view.data);

        let failed = event_of(&IvrEvent::EnqueueFailed {
            queue: "sales".into(),
            reason: EnqueueFailure::UnknownSkill("Mandarin".into()),
        });
        match failed {
            abi::Event::EnqueueFailed(f) => {
                assert_eq!(f.queue, "sales");
                assert_eq!(f.reason, abi::EnqueueFailure::UnknownSkill);
                assert!(f.detail.contains("Mandarin"), "{}", f.detail);
            }
            other => panic!("{other:?}"),
        }
        let digits = event_of(&IvrEvent::DigitsCollected(CollectedDigits {
            tag: "menu".into(),
            digits: "12".into(),
            ended_by: CollectEnd::Terminator,
        }));
        assert!(
            matches!(digits, abi::Event::DigitsCollected(d) if d.digits == "12" && d.ended_by == abi::CollectEnd::Terminator)
        );

        let action = action_of(abi::Action::Play(abi::Playback {
            tag: "t".into(),
            prompts: vec![
                abi::Prompt::Amount(abi::Amount {
                    minor_units: 12345,
                    currency: "CNY".into(),
                }),
                abi::Prompt::Text(abi::SpokenText {
                    text: "你好".into(),
                    language: Some(kefu_plugin_host::Language::Mandarin),
                }),
            ],
            barge_in: true,
        }));
        assert_eq!(
            action,
            IvrAction::Play(Playback {
                tag: "t".into(),
                prompts: vec![
                    Prompt::Amount {
                        minor_units: 12345,
                        currency: "CNY".into()
                    },
                    Prompt::Text {
                        text: "你好".into(),
                        language: Some(Language::Mandarin)
                    },
                ],
                barge_in: true,
            })
        );
    }
}
