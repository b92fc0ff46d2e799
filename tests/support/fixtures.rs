//! Catalogs, updates and row fixtures shared by the store tests. Fixture SQL lives here, not in
//! the library: it sets up states (inactive, claimed, expired rows) that only the API creates.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{Client, Pool};
use goalstream::catalog::Catalog;
use goalstream::store::{DeadLetter, FlushBatch, FlushOutcome, OffsetMove, ProgressStore};
use goalstream::update::{Change, ProgressUpdate};

use super::TestDb;

/// A small catalog with every mode and both assignment kinds.
///   level-10   absolute  target 10  default, never rotates
///   score-50   relative  target 50  default, never rotates
///   kills-20   increment target 20  default, daily
///   kills-5-nd increment target 5   not default
///   level-30-w absolute  target 30  default, weekly
pub fn catalog() -> Arc<Catalog> {
    Arc::new(Catalog::from_json(&catalog_json("")).unwrap())
}

/// [`catalog`]'s JSON, with `extra` (e.g. `,"mappings":[...]`) after its challenges.
pub fn catalog_json(extra: &str) -> String {
    let goal = |id: &str, stat: &str, mode: &str, target: i64, default: bool, rotation: &str| {
        format!(
            r#"{{"goal_id":"{id}","name":"{id}","stat_code":"{stat}","mode":"{mode}","target":{target},
               "default_assigned":{default},"rotation":"{rotation}",
               "reward":{{"type":"currency","item_id":"gold","quantity":1}}}}"#
        )
    };
    let goals = [
        goal("level-10", "level", "absolute", 10, true, "none"),
        goal("score-50", "score", "relative", 50, true, "none"),
        goal("kills-20", "kills", "increment", 20, true, "daily"),
        goal("kills-5-nd", "kills", "increment", 5, false, "none"),
        goal("level-30-w", "level", "absolute", 30, true, "weekly"),
    ];
    format!(
        r#"{{"challenges":[{{"challenge_id":"test","name":"Test","goals":[{}]}}]{extra}}}"#,
        goals.join(",")
    )
}

/// The updates one event makes: one per goal fed by its stat that reads a field it carries.
pub fn event(
    catalog: &Catalog,
    user: &str,
    stat: &str,
    value: Option<i64>,
    delta: Option<i64>,
) -> Vec<ProgressUpdate> {
    catalog
        .goals_for_stat(stat)
        .iter()
        .filter_map(|goal| {
            let change = Change::from_event(catalog.goal(*goal).mode, value, delta)?;
            Some(ProgressUpdate { user_id: user.into(), goal: *goal, change })
        })
        .collect()
}

/// A row as the tests compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub progress: i64,
    pub status: String,
    pub is_active: bool,
    pub baseline: Option<i64>,
    pub completed_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Every row, keyed by (user, goal).
pub async fn rows(pool: &Pool) -> BTreeMap<(String, String), Row> {
    let client = pool.get().await.unwrap();
    client
        .query(
            "SELECT user_id, goal_id, progress, status, is_active, baseline, completed_at, \
             claimed_at, expires_at, updated_at FROM user_goal_progress",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let row = Row {
                progress: r.get(2),
                status: r.get(3),
                is_active: r.get(4),
                baseline: r.get(5),
                completed_at: r.get(6),
                claimed_at: r.get(7),
                expires_at: r.get(8),
                updated_at: r.get(9),
            };
            ((r.get(0), r.get(1)), row)
        })
        .collect()
}

/// One row, which must exist.
pub async fn row(pool: &Pool, user: &str, goal: &str) -> Row {
    rows(pool).await.remove(&(user.to_string(), goal.to_string())).expect("row exists")
}

/// Inserts a row in a given state (what the API's assign / claim would leave).
pub async fn put_row(
    pool: &Pool,
    user: &str,
    goal: &str,
    progress: i64,
    status: &str,
    is_active: bool,
    expires_at: Option<DateTime<Utc>>,
) {
    let client = pool.get().await.unwrap();
    let claimed_at = (status == "claimed").then(|| Utc::now() - Duration::hours(1));
    client
        .execute(
            "INSERT INTO user_goal_progress (user_id, goal_id, progress, status, is_active, \
             claimed_at, completed_at, expires_at, assigned_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, now())",
            &[&user, &goal, &progress, &status, &is_active, &claimed_at, &expires_at],
        )
        .await
        .unwrap();
}

/// Flush times that always move forward, one second apart, from a fixed Wednesday noon.
pub struct Clock(DateTime<Utc>);

impl Clock {
    pub fn new() -> Clock {
        Clock("2026-03-04T12:00:00Z".parse().unwrap())
    }

    pub fn tick(&mut self) -> DateTime<Utc> {
        self.0 += Duration::seconds(1);
        self.0
    }

    pub fn advance(&mut self, by: Duration) -> DateTime<Utc> {
        self.0 += by;
        self.0
    }
}

/// A batch of consumer group "g" at `now`, without events for de-duplication.
pub fn batch<'a>(
    now: DateTime<Utc>,
    updates: &'a [ProgressUpdate],
    offsets: &'a [OffsetMove],
    dead_letters: &'a [DeadLetter],
) -> FlushBatch<'a> {
    FlushBatch { events: Default::default(), now, updates, group_id: "g", offsets, dead_letters }
}

/// Flushes `updates` at `now` with no offsets, events or dead letters; panics on an error.
pub async fn flush(
    store: &ProgressStore,
    client: &mut Client,
    now: DateTime<Utc>,
    updates: &[ProgressUpdate],
) -> FlushOutcome {
    store.flush(client, &batch(now, updates, &[], &[])).await.unwrap()
}

/// A fresh schema, a flush engine over [`catalog`], one of its connections and a clock.
pub async fn merge_setup() -> (TestDb, ProgressStore, Client, Clock) {
    // Three connections: the flushing one, a second flusher, and one for fixture queries.
    let db = TestDb::new(3).await;
    let client = db.pool.get().await.unwrap();
    (db, ProgressStore::new(catalog()), client, Clock::new())
}
