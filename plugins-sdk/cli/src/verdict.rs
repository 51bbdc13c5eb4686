//! Judging a run against a fixture's expectations, and describing how two JSON values or two
//! invocations differ. Pure functions: no IO, nothing runs here.

use std::collections::BTreeMap;

use kefu_plugin_host::{HostCall, Invocation, LogLine, Outcome, Rejection};
use serde_json::Value;

use crate::fixture::{ExpectedHostCall, ExpectedLog, Fixture, MatchMode, trap_kind};

/// Where `actual` departs from `expected` (a JSON path and what differs), or `None` when it
/// matches under `mode`.
pub fn json_mismatch(expected: &Value, actual: &Value, mode: MatchMode) -> Option<String> {
    mismatch_at("$", expected, actual, mode)
}

fn mismatch_at(path: &str, expected: &Value, actual: &Value, mode: MatchMode) -> Option<String> {
    match (expected, actual, mode) {
        (Value::Object(e), Value::Object(a), _) => {
            for (key, e_value) in e {
                let here = format!("{path}.{key}");
                match a.get(key) {
                    None => return Some(format!("{here}: missing (expected {e_value})")),
                    Some(a_value) => {
                        if let Some(m) = mismatch_at(&here, e_value, a_value, mode) {
                            return Some(m);
                        }
                    }
                }
            }
            if mode == MatchMode::Exact
                && let Some(extra) = a.keys().find(|k| !e.contains_key(*k))
            {
                return Some(format!("{path}.{extra}: not expected (got {})", a[extra]));
            }
            None
        }
        (Value::Array(e), Value::Array(a), MatchMode::Exact) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{path}: expected {} elements, got {}: {}",
                    e.len(),
                    a.len(),
                    Value::Array(a.clone())
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (e, a))| mismatch_at(&format!("{path}[{i}]"), e, a, mode))
        }
        (Value::Array(e), Value::Array(a), MatchMode::Subset) => {
            // Each expected element matches a later actual element than the previous one.
            let mut from = 0;
            for (i, e_item) in e.iter().enumerate() {
                match (from..a.len()).find(|&j| mismatch_at("", e_item, &a[j], mode).is_none()) {
                    Some(j) => from = j + 1,
                    None => {
                        return Some(format!(
                            "{path}[{i}]: {e_item} not found (in order) in {}",
                            Value::Array(a.clone())
                        ));
                    }
                }
            }
            None
        }
        (e, a, _) if e == a => None,
        (e, a, _) => Some(format!("{path}: expected {e}, got {a}")),
    }
}

/// What kind of outcome, for messages: `returned …`, `trapped (cpu_limit)`, `rejected (…)`.
pub fn describe_outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returned(value) => format!("returned {value}"),
        Outcome::Trapped(trap) => format!("trapped ({}): {trap:?}", trap_kind(trap)),
        Outcome::Rejected(rejection) => {
            format!("rejected ({}): {rejection:?}", rejection_kind(rejection))
        }
    }
}

/// The log's spelling of a rejection's kind.
pub fn rejection_kind(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::OutputTooLarge { .. } => "output_too_large",
        Rejection::TenantMismatch { .. } => "tenant_mismatch",
        Rejection::WrongWorld { .. } => "wrong_world",
    }
}

/// Everything that went against `fixture`'s expectations; empty when the case passes.
/// `unmatched` are HTTP requests the script had no answer for; `kv_after` the store's
/// contents after the call.
pub fn judge(
    fixture: &Fixture,
    invocation: &Invocation,
    unmatched: &[String],
    kv_after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let expect = &fixture.expect;
    let mode = expect.mode;
    let mut failures: Vec<String> = unmatched
        .iter()
        .map(|r| format!("unmatched HTTP request {r}: script it in the fixture's `http`"))
        .collect();
    let outcome = &invocation.outcome;
    if let Some(expected) = &expect.output {
        match outcome {
            Outcome::Returned(actual) => {
                if let Some(m) = json_mismatch(expected, &actual.value(), mode) {
                    failures.push(format!("output differs at {m}"));
                }
            }
            other => failures.push(format!(
                "expected a returned output, but it {}",
                describe_outcome(other)
            )),
        }
    }
    if let Some(kind) = &expect.trap {
        match outcome {
            Outcome::Trapped(trap) if trap_kind(trap) == kind => {}
            other => failures.push(format!(
                "expected trap `{kind}`, but it {}",
                describe_outcome(other)
            )),
        }
    }
    if let Some(kind) = &expect.rejected {
        match outcome {
            Outcome::Rejected(r) if rejection_kind(r) == kind => {}
            other => failures.push(format!(
                "expected rejection `{kind}`, but it {}",
                describe_outcome(other)
            )),
        }
    }
    if let Some(expected) = &expect.host_calls
        && let Some(m) = list_mismatch(expected, &invocation.host_calls, mode, host_call_fits)
    {
        failures.push(format!("host calls: {m}"));
    }
    if let Some(expected) = &expect.logs
        && let Some(m) = list_mismatch(expected, &invocation.logs, mode, log_fits)
    {
        failures.push(format!("logs: {m}"));
    }
    if let Some(expected) = &expect.kv {
        for (key, value) in expected {
            let actual = kv_after
                .get(key)
                .map(|v| String::from_utf8_lossy(v).into_owned());
            if &actual != value {
                failures.push(format!(
                    "kv `{key}`: expected {}, got {}",
                    show_opt(value),
                    show_opt(&actual)
                ));
            }
        }
        if mode == MatchMode::Exact
            && let Some(extra) = kv_after.keys().find(|k| !expected.contains_key(*k))
        {
            failures.push(format!("kv `{extra}`: set but not expected"));
        }
    }
    failures
}

fn show_opt(value: &Option<String>) -> String {
    value
        .as_ref()
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|| "absent".into())
}

fn host_call_fits(expected: &ExpectedHostCall, actual: &HostCall) -> bool {
    expected.interface == actual.interface
        && expected.function == actual.function
        && expected
            .detail
            .as_ref()
            .is_none_or(|d| actual.detail.contains(d.as_str()))
}

fn log_fits(expected: &ExpectedLog, actual: &LogLine) -> bool {
    expected.level.as_ref().is_none_or(|l| *l == actual.level)
        && actual.message.contains(&expected.message)
}

/// Exact: same length and each fits in place. Subset: each expected one fits a later actual
/// one than the previous.
fn list_mismatch<E: std::fmt::Debug, A: std::fmt::Debug>(
    expected: &[E],
    actual: &[A],
    mode: MatchMode,
    fits: fn(&E, &A) -> bool,
) -> Option<String> {
    match mode {
        MatchMode::Exact => {
            if expected.len() != actual.len() {
                return Some(format!(
                    "expected {} entries, got {}: {actual:?}",
                    expected.len(),
                    actual.len()
                ));
            }
            expected
                .iter()
                .zip(actual)
                .enumerate()
                .find(|(_, (e, a))| !fits(e, a))
                .map(|(i, (e, a))| format!("#{i}: expected {e:?}, got {a:?}"))
        }
        MatchMode::Subset => {
            let mut from = 0;
            for e in expected {
                match (from..actual.len()).find(|&j| fits(e, &actual[j])) {
                    Some(j) => from = j + 1,
                    None => return Some(format!("{e:?} not found (in order) in {actual:?}")),
                }
            }
            None
        }
    }
}

/// How a replay differs from the record: outcome, host calls, logs. Empty when identical.
pub fn invocation_differences(recorded: &Invocation, replayed: &Invocation) -> Vec<String> {
    let mut differences = Vec::new();
    if recorded.outcome != replayed.outcome {
        let (r, n) = (
            serde_json::to_value(&recorded.outcome).unwrap_or(Value::Null),
            serde_json::to_value(&replayed.outcome).unwrap_or(Value::Null),
        );
        let at = json_mismatch(&r, &n, MatchMode::Exact).unwrap_or_default();
        differences.push(format!(
            "outcome: recorded {}, replayed {} (first difference at {at})",
            describe_outcome(&recorded.outcome),
            describe_outcome(&replayed.outcome)
        ));
    }
    let calls = |i: &Invocation| -> Vec<String> {
        i.host_calls
            .iter()
            .map(|c| format!("{}.{} {}", c.interface, c.function, c.detail))
            .collect()
    };
    let (r, n) = (calls(recorded), calls(replayed));
    if r != n {
        differences.push(format!("host calls: recorded {r:?}, replayed {n:?}"));
    }
    if recorded.logs != replayed.logs {
        differences.push(format!(
            "logs: recorded {:?}, replayed {:?}",
            recorded.logs, replayed.logs
        ));
    }
    differences
}

#[cfg(test)]
mod tests;
