use std::collections::HashMap;

use super::players::{self, ScaleStream, Skew};
use super::server_cpu;
use crate::catalog::Catalog;
use crate::harness::producer::EventSource;

fn catalog() -> Catalog {
    Catalog::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/challenges.json")).unwrap()
}

#[test]
fn player_ids_sort_as_their_numbers() {
    assert_eq!(players::player_id(42), "player-000000042");
    assert!(players::player_id(999_999) < players::player_id(1_000_000));
}

/// Rows of a binary COPY stream, each checked to have `fields` fields.
fn copy_rows(payload: &[u8], fields: i16) -> usize {
    let mut at = 19; // signature (11), flags (4), header extension length (4)
    let mut rows = 0;
    loop {
        let count = i16::from_be_bytes([payload[at], payload[at + 1]]);
        at += 2;
        if count == -1 {
            assert_eq!(at, payload.len(), "nothing after the trailer");
            return rows;
        }
        assert_eq!(count, fields);
        for _ in 0..count {
            let len = i32::from_be_bytes(payload[at..at + 4].try_into().unwrap());
            at += 4 + len.max(0) as usize;
        }
        rows += 1;
    }
}

#[test]
fn a_population_writes_every_default_goal_of_every_player() {
    let catalog = catalog();
    let goals = players::default_goals(&catalog).len();
    assert_eq!(goals, 9, "the example catalog has 9 default goals");
    let players = players::PLAYERS_PER_COPY as u64 + 10;
    let payloads: Vec<_> =
        players::population_payloads(&catalog, players, chrono::Utc::now()).collect();
    assert_eq!(payloads.len(), 2, "one COPY payload per {} players", players::PLAYERS_PER_COPY);
    let rows: usize = payloads.iter().map(|p| copy_rows(p, 9)).sum();
    assert_eq!(rows, players as usize * goals);
}

#[test]
fn events_feed_default_increment_goals_and_have_distinct_ids() {
    let catalog = catalog();
    let mut stream = ScaleStream::new(&catalog, 1_000, Skew::Uniform, 1, "t");
    let mut ids = std::collections::HashSet::new();
    for _ in 0..1_000 {
        let event = stream.next_event();
        let json: serde_json::Value = serde_json::from_slice(&event.payload).unwrap();
        assert_eq!(json["user_id"], event.key.as_str());
        assert_eq!(json["delta"], 1);
        let stat = json["stat_code"].as_str().unwrap();
        assert!(catalog
            .goals()
            .iter()
            .any(|g| g.default_assigned && g.stat_code == stat && !g.mode.reads_value()));
        assert!(ids.insert(json["event_id"].as_str().unwrap().to_string()));
    }
}

/// Share of draws that land on the 1 % most drawn players.
fn top_share(skew: Skew) -> f64 {
    let catalog = catalog();
    let mut stream = ScaleStream::new(&catalog, 100_000, skew, 7, "t");
    let draws = 200_000;
    let mut counts: HashMap<u64, u64> = HashMap::new();
    for _ in 0..draws {
        let player = stream.next_player();
        assert!(player < 100_000);
        *counts.entry(player).or_default() += 1;
    }
    let mut sorted: Vec<u64> = counts.into_values().collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.iter().take(1_000).sum::<u64>() as f64 / draws as f64
}

#[test]
fn zipf_puts_a_large_share_on_few_players_and_uniform_does_not() {
    let zipf = top_share(Skew::Zipf);
    let uniform = top_share(Skew::Uniform);
    // Zipf 0.99 over 100k players: the top 1 % get about half the draws.
    assert!(zipf > 0.4, "zipf top 1 %: {zipf}");
    // Uniform: 2 draws per player on average; the top 1 % hold a few percent.
    assert!(uniform < 0.05, "uniform top 1 %: {uniform}");
}

#[test]
fn cpu_time_is_read_after_the_command_name() {
    // A command name with spaces and a parenthesis; utime 250 and stime 50 ticks.
    let stat = "1234 (postgres: 15/main: a (b)) S 1 2 3 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
    assert_eq!(server_cpu::parse_stat(stat), Some(3.0));
    assert_eq!(server_cpu::parse_stat("garbage"), None);
    let own = server_cpu::cpu_seconds(&[std::process::id() as i32]);
    assert_eq!(own.len(), 1, "this process's own /proc entry is readable");
}

#[test]
fn cpu_spent_counts_new_processes_whole_and_ignores_ended_ones() {
    let before = HashMap::from([(1, 10.0), (2, 5.0)]);
    let after = HashMap::from([(1, 12.5), (3, 1.0)]);
    assert_eq!(server_cpu::spent(&before, &after), 3.5);
}
