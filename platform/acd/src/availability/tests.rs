use super::*;

fn key(agent: u32, idle: u64, busy: u64, level: u8) -> AvailableKey {
    AvailableKey {
        agent: AgentIx(agent),
        idle_since: Millis(idle),
        busy: Millis(busy),
        level: Level::new(level).expect("test level"),
    }
}

fn all() -> Orders {
    Orders {
        by_level: true,
        by_busy: true,
        by_slot: true,
    }
}

fn order(set: &AvailableAgents, s: RoutingStrategy, after: Option<u32>) -> Vec<u32> {
    set.in_order(s, after.map(AgentIx)).map(|a| a.0).collect()
}

#[test]
fn each_strategy_reads_its_own_order() {
    let mut set = AvailableAgents::new(all());
    set.insert(key(0, 300, 10, 5));
    set.insert(key(1, 100, 50, 9));
    set.insert(key(2, 200, 5, 9));
    assert_eq!(order(&set, RoutingStrategy::LongestIdle, None), [1, 2, 0]);
    // Level 9 first; among equals, longer idle first.
    assert_eq!(order(&set, RoutingStrategy::MostSkilled, None), [1, 2, 0]);
    assert_eq!(order(&set, RoutingStrategy::LeastOccupied, None), [2, 0, 1]);
    assert_eq!(order(&set, RoutingStrategy::RoundRobin, Some(0)), [1, 2, 0]);
    assert_eq!(order(&set, RoutingStrategy::RoundRobin, Some(1)), [2, 0, 1]);
}

#[test]
fn removal_needs_the_insert_key_and_empties_every_order() {
    let mut set = AvailableAgents::new(all());
    let k = key(7, 1, 2, 3);
    set.insert(k);
    set.remove(k);
    assert_eq!(set.len(), 0);
    for s in [
        RoutingStrategy::MostSkilled,
        RoutingStrategy::LeastOccupied,
        RoutingStrategy::RoundRobin,
    ] {
        assert!(order(&set, s, None).is_empty());
    }
}

#[test]
fn a_set_without_an_order_falls_back_to_longest_idle() {
    let mut set = AvailableAgents::new(Orders::default());
    set.insert(key(0, 20, 0, 9));
    set.insert(key(1, 10, 0, 1));
    assert!(!set.keeps(RoutingStrategy::MostSkilled));
    assert_eq!(order(&set, RoutingStrategy::MostSkilled, None), [1, 0]);
}
