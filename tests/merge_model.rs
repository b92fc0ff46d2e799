//! The merge against a model: random event streams applied one event at a time to a plain Rust
//! model of DESIGN.md's rules must give the same table as the flush engine, however the stream
//! is cut into batches (and with repeated keys inside a batch); also when each event is a
//! mapped `match_end` that fans out to several stats.

mod support;

use std::collections::BTreeMap;

use goalstream::catalog::{Catalog, Mode};
use goalstream::ingest::record::Body;
use goalstream::store::{FlushBatch, ProgressStore};
use goalstream::update::ProgressUpdate;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use support::fixtures::{catalog, catalog_json, event, put_row, rows, Clock};
use support::TestDb;

/// The model's view of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelRow {
    progress: i64,
    status: &'static str,
    is_active: bool,
    baseline: Option<i64>,
}

/// Applies one event's update to the model (all in one period).
fn apply(
    catalog: &Catalog,
    model: &mut BTreeMap<(String, String), ModelRow>,
    update: &ProgressUpdate,
) {
    let goal = catalog.goal(update.goal);
    let key = (update.user_id.to_string(), goal.goal_id.clone());
    let row = match model.get_mut(&key) {
        Some(row) => row,
        None if goal.default_assigned => model.entry(key).or_insert(ModelRow {
            progress: 0,
            status: "not_started",
            is_active: true,
            baseline: None,
        }),
        None => return,
    };
    if !row.is_active || row.status == "claimed" {
        return;
    }
    use goalstream::update::Change::*;
    let reached = match (goal.mode, update.change) {
        (Mode::Absolute, Absolute { last, .. }) => {
            row.progress = last;
            last >= goal.target
        }
        (Mode::Relative, Relative { first_value, first_delta, last, .. }) => {
            let baseline = *row.baseline.get_or_insert((first_value - first_delta).max(0));
            row.progress = (last - baseline).max(0);
            last - baseline >= goal.target
        }
        (Mode::Increment, Increment { sum }) => {
            row.progress += sum;
            row.progress >= goal.target
        }
        other => panic!("mode and change disagree: {other:?}"),
    };
    if row.status == "completed" || reached {
        row.status = "completed";
    } else {
        row.status = "in_progress";
    }
}

fn random_event(rng: &mut SmallRng, catalog: &Catalog) -> Vec<ProgressUpdate> {
    let user = format!("u{}", rng.random_range(0..4));
    let stat = ["level", "score", "kills"][rng.random_range(0..3)];
    let value = rng.random_bool(0.85).then(|| rng.random_range(0..60));
    let delta = rng.random_bool(0.7).then(|| rng.random_range(0..8));
    event(catalog, &user, stat, value, delta)
}

/// One match: up to four stat updates through the `matches` topic's mapping.
const MAPPING: &str = r#","mappings":[{"topic":"matches","player_id":"/player",
    "when":[{"path":"/type","equals":"match_end"}],
    "stats":[
      {"stat_code":"level","kind":"absolute","path":"/level","optional":true},
      {"stat_code":"score","kind":"absolute","path":"/score/now","optional":true},
      {"stat_code":"kills","kind":"delta","path":"/kills","optional":true},
      {"stat_code":"kills","kind":"delta","constant":1,"when":[{"path":"/result","equals":"win"}]}
    ]}]"#;

fn random_match(rng: &mut SmallRng, catalog: &Catalog) -> Vec<ProgressUpdate> {
    let mut event = serde_json::json!({"type": "match_end", "player": rng.random_range(0..4)});
    event["player"] = format!("u{}", event["player"]).into();
    if rng.random_bool(0.6) {
        event["level"] = rng.random_range(0..60).into();
    }
    if rng.random_bool(0.6) {
        event["score"] = serde_json::json!({"now": rng.random_range(0..60)});
    }
    if rng.random_bool(0.7) {
        event["kills"] = rng.random_range(0..8).into();
    }
    event["result"] = if rng.random_bool(0.5) { "win" } else { "loss" }.into();
    let payload = serde_json::to_vec(&event).unwrap();
    match Body::decode(catalog, "matches", None, &payload, 1 << 16) {
        Body::Event { user_id, stats, .. } => stats
            .iter()
            .flat_map(|s| event_updates(catalog, &user_id, s.stat, s.value, s.delta))
            .collect(),
        Body::UnknownStat => Vec::new(),
        Body::Malformed { reason, .. } => panic!("{event}: {reason}"),
    }
}

fn event_updates(
    catalog: &Catalog,
    user: &str,
    stat: u32,
    value: Option<i64>,
    delta: Option<i64>,
) -> Vec<ProgressUpdate> {
    event(catalog, user, catalog.stat_code(stat), value, delta)
}

#[tokio::test]
async fn flushed_state_matches_the_model_for_any_batching() {
    check_against_the_model(catalog(), random_event).await;
}

#[tokio::test]
async fn a_fan_out_mapping_matches_the_model_for_any_batching() {
    let catalog = Catalog::from_json(&catalog_json(MAPPING)).unwrap();
    // The mapping does fan out: some matches update three or four stats at once.
    let mut rng = SmallRng::seed_from_u64(99);
    let widest = (0..200).map(|_| random_match(&mut rng, &catalog).len()).max();
    assert!(widest >= Some(4), "{widest:?}");
    check_against_the_model(std::sync::Arc::new(catalog), random_match).await;
}

async fn check_against_the_model(
    catalog: std::sync::Arc<Catalog>,
    random_event: fn(&mut SmallRng, &Catalog) -> Vec<ProgressUpdate>,
) {
    let store = ProgressStore::new(catalog.clone());
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    let mut clock = Clock::new();
    for seed in 0..12u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let stream: Vec<ProgressUpdate> =
            (0..rng.random_range(5..80)).flat_map(|_| random_event(&mut rng, &catalog)).collect();
        let mut expected: Option<BTreeMap<(String, String), ModelRow>> = None;
        for cut in 0..3 {
            client.batch_execute("TRUNCATE user_goal_progress").await.unwrap();
            // Fixtures the API would create: one inactive row, one claimed row, one assigned
            // non-default goal.
            put_row(&db.pool, "u1", "kills-20", 0, "in_progress", false, None).await;
            put_row(&db.pool, "u2", "level-10", 3, "claimed", true, None).await;
            put_row(&db.pool, "u3", "kills-5-nd", 0, "not_started", true, None).await;
            let mut model: BTreeMap<(String, String), ModelRow> = BTreeMap::new();
            model.insert(("u1".into(), "kills-20".into()), row_of(0, "in_progress", false));
            model.insert(("u2".into(), "level-10".into()), row_of(3, "claimed", true));
            model.insert(("u3".into(), "kills-5-nd".into()), row_of(0, "not_started", true));
            for update in &stream {
                apply(&catalog, &mut model, update);
            }
            // cut 0: one batch; cut 1: one event per batch; cut 2: random cuts.
            let mut start = 0;
            while start < stream.len() {
                let len = match cut {
                    0 => stream.len(),
                    1 => 1,
                    _ => rng.random_range(1..=6),
                };
                let end = (start + len).min(stream.len());
                let batch = FlushBatch {
                    events: Default::default(),
                    now: clock.tick(),
                    updates: &stream[start..end],
                    group_id: "g",
                    offsets: &[],
                    dead_letters: &[],
                };
                store.flush(&mut client, &batch).await.unwrap();
                start = end;
            }
            let actual: BTreeMap<(String, String), ModelRow> = rows(&db.pool)
                .await
                .into_iter()
                .map(|(key, r)| {
                    let status: &'static str = match r.status.as_str() {
                        "not_started" => "not_started",
                        "in_progress" => "in_progress",
                        "completed" => "completed",
                        _ => "claimed",
                    };
                    (
                        key,
                        ModelRow {
                            progress: r.progress,
                            status,
                            is_active: r.is_active,
                            baseline: r.baseline,
                        },
                    )
                })
                .collect();
            assert_eq!(actual, model, "seed {seed}, cut {cut}: database differs from the model");
            if let Some(expected) = &expected {
                assert_eq!(&actual, expected, "seed {seed}: batching changed the result");
            }
            expected = Some(actual);
        }
    }
}

fn row_of(progress: i64, status: &'static str, is_active: bool) -> ModelRow {
    ModelRow { progress, status, is_active, baseline: None }
}
