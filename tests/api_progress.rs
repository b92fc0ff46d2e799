//! Players' progress over HTTP: the challenges listing, initialize, assign / unassign, and
//! how the flush treats what they write.

mod support;

use chrono::{Duration, Utc};
use goalstream::store::{FlushBatch, ProgressStore};
use serde_json::{json, Value};
use support::api::TestApi;

fn goal<'a>(listing: &'a Value, goal_id: &str) -> &'a Value {
    listing["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["goals"].as_array().unwrap())
        .find(|g| g["goal_id"] == goal_id)
        .unwrap_or_else(|| panic!("goal {goal_id} listed"))
}

async fn flush(api: &TestApi, user: &str, stat: &str, value: Option<i64>, delta: Option<i64>) {
    let store = ProgressStore::new(api.catalog.clone());
    let updates = support::fixtures::event(&api.catalog, user, stat, value, delta);
    let batch = FlushBatch {
        events: Default::default(),
        now: Utc::now(),
        updates: &updates,
        group_id: "g",
        offsets: &[],
        dead_letters: &[],
    };
    store.flush(&mut api.db.pool.get().await.unwrap(), &batch).await.unwrap();
}

#[tokio::test]
async fn initialize_creates_the_default_rows_once() {
    let api = TestApi::start(2).await;
    let reply = api.call("GET", "/v1/users/u1/challenges", None).await;
    assert_eq!((reply.status, reply.code()), (404, "user_not_found"));

    let first = api.call("POST", "/v1/users/u1/initialize", None).await;
    assert_eq!(first.status, 200, "{first:?}");
    let defaults: Vec<&str> = api
        .catalog
        .goals()
        .iter()
        .filter(|g| g.default_assigned)
        .map(|g| g.goal_id.as_str())
        .collect();
    assert_eq!(defaults.len(), 9);
    assert_eq!(first.body["created"].as_array().unwrap().len(), 9);
    assert_eq!(first.body["default_goals"].as_array().unwrap().len(), 9);
    let second = api.call("POST", "/v1/users/u1/initialize", None).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body["created"], json!([]), "idempotent");
    assert_eq!(api.count("SELECT count(*) FROM user_goal_progress").await, 9);
    let rotating = "SELECT count(*) FROM user_goal_progress WHERE goal_id = 'daily-login' \
                    AND expires_at > now() AND expires_at <= now() + interval '1 day'";
    assert_eq!(api.count(rotating).await, 1, "rows carry their period's end");

    // The flush updates initialized rows like any other.
    flush(&api, "u1", "kills", None, Some(30)).await;
    let listing = api.call("GET", "/v1/users/u1/challenges", None).await;
    let kills = goal(&listing.body, "daily-kills-25");
    assert_eq!(
        (kills["progress"].as_i64(), kills["status"].as_str()),
        (Some(30), Some("completed"))
    );
    assert_eq!(kills["claimable"], true);
    assert_eq!(goal(&listing.body, "monthly-kills-1000")["status"], "in_progress");
}

#[tokio::test]
async fn the_listing_joins_the_catalog_with_the_rows_of_the_current_period() {
    let api = TestApi::start(2).await;
    api.put_row("u1", "reach-level-10", 12, "completed", true, None).await;
    api.put_row("u1", "daily-login", 1, "claimed", true, Some(Utc::now() - Duration::hours(2)))
        .await;
    let reply = api.call("GET", "/v1/users/u1/challenges", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["user_id"], "u1");
    let challenges = reply.body["challenges"].as_array().unwrap();
    let ids: Vec<&str> = challenges.iter().map(|c| c["challenge_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["first-steps", "daily-grind", "weekly-climb", "season-hunter"]);
    let goals: usize = challenges.iter().map(|c| c["goals"].as_array().unwrap().len()).sum();
    assert_eq!(goals, api.catalog.goals().len(), "every goal listed, rows or not");

    let level = goal(&reply.body, "reach-level-10");
    assert_eq!(level["progress"], 12);
    assert_eq!(level["status"], "completed");
    assert_eq!(level["claimable"], true);
    assert_eq!(level["target"], 10);
    assert_eq!(level["mode"], "absolute");
    assert_eq!(level["reward"]["item_id"], "starter-chest");
    assert_eq!(level["expires_at"], Value::Null);

    // No row: not started; active only when default-assigned.
    let first_login = goal(&reply.body, "first-login");
    assert_eq!(
        (first_login["status"].as_str(), first_login["progress"].as_i64()),
        (Some("not_started"), Some(0))
    );
    assert_eq!(first_login["is_active"], true);
    let level_50 = goal(&reply.body, "reach-level-50");
    assert_eq!(level_50["is_active"], false);
    assert_eq!(level_50["claimable"], false);
    assert_eq!(level_50["prerequisites"], json!(["reach-level-10"]));

    // A claimed row of an ended period shows the new period.
    let daily = goal(&reply.body, "daily-login");
    assert_eq!(daily["status"], "not_started");
    assert_eq!(daily["claimed_at"], Value::Null);
    let expires: chrono::DateTime<Utc> = daily["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > Utc::now() && expires <= Utc::now() + Duration::days(1));
}

#[tokio::test]
async fn unassigned_goals_are_left_alone_by_the_flush_and_reassigned_ones_progress() {
    let api = TestApi::start(2).await;
    // Opting a player out of a default goal before any event creates an inactive row.
    let off = api
        .call("PUT", "/v1/users/u1/goals/daily-kills-25/active", Some(json!({"active": false})))
        .await;
    assert_eq!(off.status, 200, "{off:?}");
    assert_eq!(off.body["is_active"], false);
    assert_eq!(off.body["status"], "not_started");
    flush(&api, "u1", "kills", None, Some(5)).await;
    let row = support::fixtures::row(&api.db.pool, "u1", "daily-kills-25").await;
    assert_eq!((row.progress, row.is_active), (0, false), "the flush skipped the inactive row");
    let monthly = support::fixtures::row(&api.db.pool, "u1", "monthly-kills-1000").await;
    assert_eq!(monthly.progress, 5, "other goals of the stat still count");

    let on = api
        .call("PUT", "/v1/users/u1/goals/daily-kills-25/active", Some(json!({"active": true})))
        .await;
    assert_eq!(on.status, 200);
    assert_eq!(on.body["is_active"], true);
    assert!(on.body["assigned_at"].is_string());
    flush(&api, "u1", "kills", None, Some(4)).await;
    let row = support::fixtures::row(&api.db.pool, "u1", "daily-kills-25").await;
    assert_eq!((row.progress, row.status.as_str()), (4, "in_progress"));

    // Assigning a goal that is not default-assigned lets events feed it.
    let assign = api
        .call("PUT", "/v1/users/u2/goals/reach-level-50/active", Some(json!({"active": true})))
        .await;
    assert_eq!(assign.status, 200);
    flush(&api, "u2", "level", Some(51), None).await;
    let row = support::fixtures::row(&api.db.pool, "u2", "reach-level-50").await;
    assert_eq!((row.progress, row.status.as_str()), (51, "completed"));

    // Deactivating keeps the progress.
    let off = api
        .call("PUT", "/v1/users/u2/goals/reach-level-50/active", Some(json!({"active": false})))
        .await;
    assert_eq!(
        (off.body["progress"].as_i64(), off.body["status"].as_str()),
        (Some(51), Some("completed"))
    );
}

#[tokio::test]
async fn assignment_rejects_bad_input_with_a_code() {
    let api = TestApi::start(2).await;
    let path = "/v1/users/u1/goals/first-login/active";
    let reply =
        api.call("PUT", "/v1/users/u1/goals/nope/active", Some(json!({"active": true}))).await;
    assert_eq!((reply.status, reply.code()), (404, "goal_not_found"));
    let reply = api.call("PUT", path, Some(json!({"active": "yes"}))).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_body"), "{reply:?}");
    let reply = api.call("PUT", path, Some(json!({}))).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_body"));
    assert!(reply.body["message"].as_str().unwrap().contains("active"), "{reply:?}");
    let reply = api.call("PUT", path, Some(json!({"active": true, "extra": 1}))).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_body"));
    assert_eq!(api.count("SELECT count(*) FROM user_goal_progress").await, 0);
}
