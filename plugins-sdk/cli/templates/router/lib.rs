//! `{{name}}`: a routing plugin for Kefu (the `router` world).
//!
//! Scores each eligible agent by their level in the call's required skills (10 points a
//! level), plus one point per full minute idle, up to 9: the most skilled agent wins, and
//! among equals the one who waited longest. Needs no capabilities.

use kefu_plugin_sdk::router::kefu::plugin::router_types::{Call, Candidate, Score};
use kefu_plugin_sdk::router::kefu::plugin::types::PluginError;

struct Plugin;

impl kefu_plugin_sdk::router::Guest for Plugin {
    fn score(call: Call, candidates: Vec<Candidate>) -> Result<Vec<Score>, PluginError> {
        Ok(candidates
            .iter()
            .map(|candidate| {
                let levels: i32 = call
                    .required_skills
                    .iter()
                    .filter_map(|required| {
                        candidate
                            .skills
                            .iter()
                            .find(|s| s.skill == required.skill)
                            .map(|s| i32::from(s.level))
                    })
                    .sum();
                let idle_minutes = (candidate.idle_ms / 60_000).min(9) as i32;
                Score {
                    agent_id: candidate.agent_id.clone(),
                    score: levels * 10 + idle_minutes,
                }
            })
            .collect())
    }
}

kefu_plugin_sdk::router::export_router!(Plugin);
