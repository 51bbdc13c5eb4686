//! Re-running a recorded [`Invocation`]: its input, on the same compiled version, with host
//! calls answered live or from the answers kept in the record ([`HostAnswers`]). Also the
//! entry point that runs any world's function from its logged JSON input, which replays and
//! `kefu-plugin test` fixtures share ([`PluginHost::invoke_json`]).
//!
//! This module must never answer a replayed secret with anything the record holds: records
//! keep only that a secret was present.

use std::sync::Arc;
use std::time::Duration;

use crate::bindings::crm::kefu::plugin::crm_types::CallSummary;
use crate::bindings::integration::kefu::plugin::integration_types::DomainEvent;
use crate::bindings::router::kefu::plugin::router_types::{Call, Candidate};
use crate::error::ReplayError;
use crate::host::{Installation, Plugin, PluginHost};
use crate::invocation::Invocation;
use crate::kv::KvStore;
use crate::manifest::World;
use crate::recorded::Recording;
use crate::scripted::ScriptedHttp;
use crate::{CallContext, Event};

/// Where a replay's host calls get their answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAnswers {
    /// From the live capabilities: HTTP goes out, kv is the host's store, config and secrets
    /// are the given installation's. A plugin whose answer depends on them may differ.
    Live,
    /// From the record: HTTP requests are answered by the recorded responses (matched by
    /// method and URL, in order), kv starts with the values the guest read, config settings
    /// are the recorded ones. Secrets are never recorded: the installation's are used, and a
    /// secret that was present but is not given is answered with a placeholder.
    Recorded,
}

/// A replay and how it compares with the original.
#[derive(Debug)]
pub struct Replay {
    /// The new run (the record the sink also got).
    pub invocation: Arc<Invocation>,
    /// Same outcome as recorded (output, or trap kind); against recorded answers also the
    /// same host calls (interface, function, summary) and log lines.
    pub identical: bool,
    /// HTTP requests of the replay the record had no answer for (`GET http://…`); always
    /// empty for a live replay.
    pub unanswered: Vec<String>,
}

/// What a replayed secret that was present but not supplied reads as.
pub fn secret_placeholder(key: &str) -> String {
    format!("<secret {key} is not replayed>")
}

impl PluginHost {
    /// Re-runs a recorded invocation's input against the same plugin version (same content
    /// hash) and compares outcomes. Host calls are made again, live: a plugin whose answers
    /// depend on HTTP or kv may legitimately differ. See [`PluginHost::replay_with`].
    pub async fn replay(
        &self,
        installation: &Arc<Installation>,
        recorded: &Invocation,
    ) -> Result<Replay, ReplayError> {
        self.replay_with(installation, recorded, HostAnswers::Live)
            .await
    }

    /// Re-runs a recorded invocation's input against the same plugin version (same content
    /// hash), with host calls answered as `answers` says, and compares.
    pub async fn replay_with(
        &self,
        installation: &Arc<Installation>,
        recorded: &Invocation,
        answers: HostAnswers,
    ) -> Result<Replay, ReplayError> {
        let not_loaded = || ReplayError::NotLoaded {
            name: recorded.plugin.clone(),
            version: recorded.version.clone(),
            content_hash: recorded.content_hash.clone(),
        };
        let input = recorded.input.value();
        if input.get(crate::host::REDACTED) == Some(&serde_json::Value::Bool(true)) {
            return Err(ReplayError::Redacted);
        }
        let plugin = self
            .plugin(&recorded.content_hash, &recorded.plugin, &recorded.version)
            .ok_or_else(not_loaded)?;
        let (world, function) = (recorded.world, recorded.function.as_str());
        if answers == HostAnswers::Live {
            let invocation = self
                .invoke_json(&plugin, installation, world, function, input)
                .await?;
            let identical = invocation.outcome == recorded.outcome;
            return Ok(Replay {
                invocation,
                identical,
                unanswered: Vec::new(),
            });
        }
        let recording = Recording::from_host_calls(&recorded.host_calls)?;
        let http = Arc::new(ScriptedHttp::new(recording.http));
        let kv = Arc::new(KvStore::default());
        kv.seed(
            &installation.tenant.to_string(),
            &recorded.plugin,
            recording.kv,
        );
        let mut replayed = (**installation).clone();
        for (key, value) in recording.config {
            match value {
                Some(value) => replayed.config.insert(key, value),
                None => replayed.config.remove(&key),
            };
        }
        for key in recording.secrets {
            let placeholder = secret_placeholder(&key);
            replayed.secrets.entry(key).or_insert(placeholder);
        }
        let host = self.with_services(http.clone(), kv);
        let invocation = host
            .invoke_json(&plugin, &Arc::new(replayed), world, function, input)
            .await?;
        let same_calls = invocation.host_calls.len() == recorded.host_calls.len()
            && invocation
                .host_calls
                .iter()
                .zip(&recorded.host_calls)
                .all(|(a, b)| {
                    (&a.interface, &a.function, &a.detail) == (&b.interface, &b.function, &b.detail)
                });
        let identical = invocation.outcome == recorded.outcome
            && same_calls
            && invocation.logs == recorded.logs;
        Ok(Replay {
            invocation,
            identical,
            unanswered: http.unmatched(),
        })
    }

    /// Calls `function` of `world` with `input` in the JSON form the invocation log keeps
    /// (`Invocation::input`), and returns the new record. A plugin of another world is refused
    /// as usual ([`Rejection::WrongWorld`](crate::Rejection::WrongWorld)).
    pub async fn invoke_json(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        world: World,
        function: &str,
        input: serde_json::Value,
    ) -> Result<Arc<Invocation>, ReplayError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct IvrInput {
            context: CallContext,
            event: Event,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ScoreInput {
            call: Call,
            candidates: Vec<Candidate>,
            deadline_us: u64,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct LookupInput {
            caller: String,
            context: CallContext,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct EndedInput {
            summary: CallSummary,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct DomainInput {
            event: DomainEvent,
        }
        Ok(match (world, function) {
            (World::Ivr, "on-event") => {
                let i: IvrInput = serde_json::from_value(input)?;
                self.ivr_on_event(plugin, installation, &i.context, &i.event)
                    .await
                    .invocation
            }
            (World::Router, "score") => {
                let i: ScoreInput = serde_json::from_value(input)?;
                let deadline = Duration::from_micros(i.deadline_us);
                self.router_score(plugin, installation, &i.call, &i.candidates, deadline)
                    .await
                    .invocation
            }
            (World::Crm, "lookup") => {
                let i: LookupInput = serde_json::from_value(input)?;
                self.crm_lookup(plugin, installation, &i.caller, &i.context)
                    .await
                    .invocation
            }
            (World::Crm, "on-call-ended") => {
                let i: EndedInput = serde_json::from_value(input)?;
                self.crm_on_call_ended(plugin, installation, &i.summary)
                    .await
                    .invocation
            }
            (World::Integration, "on-event") => {
                let i: DomainInput = serde_json::from_value(input)?;
                self.integration_on_event(plugin, installation, &i.event)
                    .await
                    .invocation
            }
            (world, function) => {
                return Err(ReplayError::UnknownFunction {
                    world: world.wit_name(),
                    function: function.to_owned(),
                });
            }
        })
    }
}
