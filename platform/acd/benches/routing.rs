//! Routing benchmark: decision latency, decisions per second, agent state events per second and
//! memory for a 10,000-agent tenant (see `support/scenario.rs`), against a naive full-scan
//! router on the same scenario.
//!
//! Criterion measures means; a plain loop afterwards records every decision's latency and
//! prints p50/p99/p99.9, throughputs, resident memory and the naive/indexed ratios, with the
//! conditions it ran under. Run: `cargo bench -p kefu-acd` (release).

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use kefu_acd::{Acd, Input, Output, ReasonCode, RequestedState};
use support::naive::NaiveRouter;
use support::scenario::{self, *};
use support::{Lcg, percentile, resident_bytes};

/// The engine under load, and the work that keeps the scenario steady between decisions.
struct Load {
    acd: Acd,
    next_call: u32,
    rng: Lcg,
}

impl Load {
    fn drain(&mut self) -> Option<kefu_core::CallId> {
        let mut offered = None;
        while let Some(o) = self.acd.poll_output() {
            if let Output::Offer { call, .. } = o {
                offered = Some(call);
            }
        }
        offered
    }

    /// A call arrives in an available team's queue and is offered at once. Timed: that input.
    /// Untimed: the caller hangs up, freeing the agent with its idle time intact.
    fn call_arrives(&mut self) -> Duration {
        let q = BUSY_TEAMS * QUEUES_PER_TEAM
            + self
                .rng
                .below(u64::from(QUEUES - BUSY_TEAMS * QUEUES_PER_TEAM)) as u32;
        let c = call(self.next_call);
        self.next_call += 1;
        let e = kefu_acd::EnqueueCall {
            call: c,
            queue: queue(q),
            priority: None,
            required_skills: vec![],
            attributes: Default::default(),
            last_agent: None,
        };
        let start = Instant::now();
        let r = self.acd.handle_input(NOW, Input::Enqueue(e));
        let took = start.elapsed();
        r.expect("enqueue");
        assert_eq!(
            self.drain(),
            Some(c),
            "an available agent must be offered the call"
        );
        self.acd
            .handle_input(NOW, Input::Abandon { call: c })
            .expect("abandon");
        self.drain();
        took
    }

    /// A busy agent finishes wrap-up and is offered the best of ~100 calls waiting in its
    /// team's queues. Timed: that input. Untimed: the agent answers, talks, starts wrap-up, and
    /// a new call replaces the answered one so 5,000 keep waiting.
    fn agent_frees(&mut self) -> Duration {
        let a = self.rng.below(u64::from(BUSY_TEAMS * TEAM)) as u32;
        let start = Instant::now();
        let r = self
            .acd
            .handle_input(NOW, Input::WrapUpDone { agent: agent(a) });
        let took = start.elapsed();
        r.expect("wrap-up done");
        let c = self
            .drain()
            .expect("a waiting call must be offered to the freed agent");
        let q = self.acd.call(c).expect("ringing").queue;
        self.acd
            .handle_input(
                NOW,
                Input::Accept {
                    call: c,
                    agent: agent(a),
                },
            )
            .expect("accept");
        self.acd
            .handle_input(NOW, Input::CallEnded { call: c })
            .expect("end");
        let replacement = call(self.next_call);
        self.next_call += 1;
        let e = kefu_acd::EnqueueCall {
            call: replacement,
            queue: q,
            priority: kefu_acd::Priority::new((self.next_call % 10 + 1) as u8),
            required_skills: vec![],
            attributes: Default::default(),
            last_agent: None,
        };
        self.acd
            .handle_input(NOW, Input::Enqueue(e))
            .expect("enqueue");
        self.drain();
        took
    }

    /// An available agent goes not ready, or back to available (which runs a decision step).
    fn state_event(&mut self) -> Duration {
        let a = BUSY_TEAMS * TEAM + self.rng.below(u64::from(AGENTS - BUSY_TEAMS * TEAM)) as u32;
        let state = match self.acd.agent_state(agent(a)) {
            Some(kefu_acd::AgentState::Available) => RequestedState::NotReady {
                reason: ReasonCode::new("lunch"),
            },
            _ => RequestedState::Available,
        };
        let start = Instant::now();
        let r = self.acd.handle_input(
            NOW,
            Input::SetAgentState {
                agent: agent(a),
                state,
            },
        );
        let took = start.elapsed();
        r.expect("state");
        self.drain();
        took
    }
}

fn naive_call_arrives(naive: &NaiveRouter, rng: &mut Lcg) -> Duration {
    let q = BUSY_TEAMS * QUEUES_PER_TEAM
        + rng.below(u64::from(QUEUES - BUSY_TEAMS * QUEUES_PER_TEAM)) as u32;
    let start = Instant::now();
    let chosen = naive.agent_for(q);
    let took = start.elapsed();
    assert!(black_box(chosen).is_some());
    took
}

fn naive_agent_frees(naive: &NaiveRouter, rng: &mut Lcg) -> Duration {
    let a = rng.below(u64::from(BUSY_TEAMS * TEAM)) as usize;
    let start = Instant::now();
    let chosen = naive.call_for(a);
    let took = start.elapsed();
    assert!(black_box(chosen).is_some());
    took
}

fn summary(name: &str, mut ns: Vec<u64>) -> (u64, u64, f64) {
    ns.sort_unstable();
    let mean = ns.iter().sum::<u64>() as f64 / ns.len().max(1) as f64;
    let (p50, p99, p999) = (
        percentile(&ns, 50.0),
        percentile(&ns, 99.0),
        percentile(&ns, 99.9),
    );
    let max = ns.last().copied().unwrap_or(0);
    println!(
        "{name:<34} n={:<6} mean={:>9.2}µs p50={:>8.2}µs p99={:>8.2}µs p99.9={:>8.2}µs max={:>8.2}µs",
        ns.len(),
        mean / 1e3,
        p50 as f64 / 1e3,
        p99 as f64 / 1e3,
        p999 as f64 / 1e3,
        max as f64 / 1e3
    );
    (p50, p99, mean)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn main() {
    let rss_before = resident_bytes();
    let started = Instant::now();
    let (acd, next_call) = scenario::engine();
    let build = started.elapsed();
    let rss_after = resident_bytes();
    let waiting: u32 = (0..QUEUES)
        .filter_map(|q| acd.queue_stats(queue(q)))
        .map(|s| s.waiting)
        .sum();
    assert_eq!(
        waiting,
        BUSY_TEAMS * QUEUES_PER_TEAM * WAITING_PER_BUSY_QUEUE
    );
    let mut load = Load {
        acd,
        next_call,
        rng: Lcg(0x5eed),
    };
    let naive = NaiveRouter::new();
    let mut naive_rng = Lcg(0x5eed);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("acd");
        group.bench_function("indexed/call_arrives", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| load.call_arrives()).sum())
        });
        group.bench_function("indexed/agent_frees", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| load.agent_frees()).sum())
        });
        group.bench_function("indexed/agent_state_event", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| load.state_event()).sum())
        });
        group.bench_function("naive/call_arrives", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| naive_call_arrives(&naive, &mut naive_rng))
                    .sum()
            })
        });
        group.bench_function("naive/agent_frees", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| naive_agent_frees(&naive, &mut naive_rng))
                    .sum()
            })
        });
        group.finish();
    }
    criterion.final_summary();

    println!("\n== ACD routing engine: per-decision latencies (plain loop, same process) ==");
    println!(
        "scenario: {AGENTS} agents ({} available), {QUEUES} queues, {SKILLS} skills, 20 skills/agent, {waiting} waiting calls",
        AGENTS - BUSY_TEAMS * TEAM
    );
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "conditions: {cores} cores visible, single-threaded, {profile} build, scenario built in {build:.2?}"
    );
    let n = 20_000;
    let calls: Vec<u64> = (0..n).map(|_| nanos(load.call_arrives())).collect();
    let agents: Vec<u64> = (0..n).map(|_| nanos(load.agent_frees())).collect();
    let (c50, c99, cmean) = summary("indexed: call arrives → offer", calls);
    let (a50, a99, amean) = summary("indexed: agent frees → offer", agents);
    let naive_n = 2_000;
    let ncalls: Vec<u64> = (0..naive_n)
        .map(|_| nanos(naive_call_arrives(&naive, &mut naive_rng)))
        .collect();
    let nagents: Vec<u64> = (0..naive_n)
        .map(|_| nanos(naive_agent_frees(&naive, &mut naive_rng)))
        .collect();
    let (nc50, nc99, ncmean) = summary("naive scan: call arrives → agent", ncalls);
    let (na50, na99, namean) = summary("naive scan: agent frees → call", nagents);
    println!(
        "naive/indexed: call arrives mean ×{:.0} p99 ×{:.0}; agent frees mean ×{:.0} p99 ×{:.0}",
        ncmean / cmean,
        nc99 as f64 / c99.max(1) as f64,
        namean / amean,
        na99 as f64 / a99.max(1) as f64
    );
    let _ = (c50, a50, nc50, na50);

    // Sustained throughput on one core, everything included: each round is one call-driven
    // and one agent-driven decision plus the hang-ups, answers, wrap-ups and enqueues around them.
    let rounds = 20_000u64;
    let t = Instant::now();
    for _ in 0..rounds {
        load.call_arrives();
        load.agent_frees();
    }
    let whole = t.elapsed().as_secs_f64();
    println!(
        "decisions/s (decision inputs only, from means): {:.0}; sustained with full call lifecycles: {:.0} decisions/s ({:.0} inputs/s)",
        2e9 / (cmean + amean),
        (2 * rounds) as f64 / whole,
        (9 * rounds) as f64 / whole
    );
    let events = 200_000u64;
    let t = Instant::now();
    for _ in 0..events {
        load.state_event();
    }
    println!(
        "agent state events/s (not ready ↔ available, each with its decision step): {:.0}",
        events as f64 / t.elapsed().as_secs_f64()
    );
    match (rss_before, rss_after) {
        (Some(b), Some(a)) => println!(
            "memory: resident set grew {:.1} MiB building the scenario (VmRSS, includes allocator slack)",
            a.saturating_sub(b) as f64 / (1024.0 * 1024.0)
        ),
        _ => println!("memory: /proc/self/status not readable here"),
    }
    println!("pending timers: {}", load.acd.pending_timers());
}
