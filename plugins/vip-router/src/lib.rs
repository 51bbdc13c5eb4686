//! `vip-router`: a first-party router plugin. When the caller is one of the installation's VIP
//! numbers, the installation's senior agents are scored above every other candidate, so the
//! ACD offers the call to a senior agent when one is eligible. For any other caller it returns
//! no scores and the queue's own order stands.
//!
//! Configuration (capability `config`), one key `vip`:
//!
//! ```json
//! {"vip": {"callers": ["+8613800138000"], "senior_agents": ["agt_…"], "boost": 100}}
//! ```
//!
//! `boost` (default 100) is the score given to senior agents; other candidates get 0. Among
//! senior agents, the one who last served this caller gets one more point.

use kefu_plugin_sdk::router::kefu::plugin::config;
use kefu_plugin_sdk::router::kefu::plugin::router_types::{Call, Candidate, Score};
use kefu_plugin_sdk::router::kefu::plugin::types::{ErrorKind, PluginError};
use serde::Deserialize;

/// The installation's settings under `vip`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vip {
    /// VIP callers, E.164.
    callers: Vec<String>,
    /// Senior agents' ids (`agt_…`).
    senior_agents: Vec<String>,
    /// Score of a senior agent for a VIP caller.
    #[serde(default = "default_boost")]
    boost: i32,
}

fn default_boost() -> i32 {
    100
}

struct VipRouter;

impl kefu_plugin_sdk::router::Guest for VipRouter {
    fn score(call: Call, candidates: Vec<Candidate>) -> Result<Vec<Score>, PluginError> {
        let json = config::get("vip").ok_or_else(|| PluginError {
            kind: ErrorKind::InvalidConfig,
            message: "config `vip` is not set".into(),
        })?;
        let vip: Vip = serde_json::from_str(&json).map_err(|e| PluginError {
            kind: ErrorKind::InvalidConfig,
            message: format!("config `vip` is not valid: {e}"),
        })?;
        if !vip.callers.contains(&call.caller) {
            return Ok(Vec::new());
        }
        Ok(candidates
            .iter()
            .map(|candidate| {
                let senior = vip.senior_agents.contains(&candidate.agent_id);
                let score = match (senior, candidate.last_agent_for_caller) {
                    (false, _) => 0,
                    (true, false) => vip.boost,
                    (true, true) => vip.boost.saturating_add(1),
                };
                Score {
                    agent_id: candidate.agent_id.clone(),
                    score,
                }
            })
            .collect())
    }
}

kefu_plugin_sdk::router::export_router!(VipRouter);
