//! Reward integrity and input hygiene (issue 19), one test per trick a hostile client tried:
//! forged, swapped and denied rewards; NUL and control characters in ids; unbounded numbers;
//! unknown kinds. Each failed on the code before the issue.

mod support;

use chrono::{Duration, Utc};
use goalstream::store::jobs;
use goalstream::types::{reward, QueueSettings};
use serde_json::json;
use support::api::TestApi;

const GRANTS: &str = "SELECT count(*) FROM reward_grants";

fn claim_path(user: &str, goal: &str) -> String {
    format!("/v1/users/{user}/goals/{goal}/claim")
}

/// The reward the catalog gives for `goal_id` (type, item, quantity).
fn catalog_reward(api: &TestApi, goal_id: &str) -> (String, String, i64) {
    let goal = api.catalog.goal(api.catalog.goal_ref(goal_id).unwrap());
    (goal.reward.kind.clone(), goal.reward.item_id.clone(), goal.reward.quantity)
}

/// The single grant of a player's goal.
async fn grant_of(api: &TestApi, user: &str, goal: &str) -> Vec<(String, String, i64)> {
    let client = api.db.pool.get().await.unwrap();
    client
        .query(
            "SELECT reward_type, item_id, quantity FROM reward_grants \
             WHERE user_id = $1 AND goal_id = $2",
            &[&user, &goal],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

fn forged_reward(user: &str, goal: &str, quantity: i64) -> serde_json::Value {
    json!({
        "kind": reward::KIND,
        "queue": reward::QUEUE,
        "args": {
            "user_id": user, "goal_id": goal, "challenge_id": "onboarding", "period_end": null,
            "reward": {"type": "currency", "item_id": "gold", "quantity": quantity}
        }
    })
}

#[tokio::test]
async fn a_forged_reward_job_is_refused() {
    let api = TestApi::start(2).await;
    let reply = api.call("POST", "/v1/jobs", Some(forged_reward("u1", "first-login", 999_999_999)));
    let reply = reply.await;
    assert_eq!((reply.status, reply.code()), (403, "reserved_job_kind"), "{reply:?}");
    // Whatever the kind is allowed to be, the pipeline's queue is not for callers either.
    let reply = api.call("POST", "/v1/jobs", Some(json!({"kind": "k", "queue": "rewards"}))).await;
    assert_eq!((reply.status, reply.code()), (403, "reserved_queue"), "{reply:?}");
    // Even when an operator lists the kind as enqueueable.
    let lax = TestApi::start_with(2, |s| s.config.job_kinds.push(reward::KIND.into())).await;
    let reply = lax.call("POST", "/v1/jobs", Some(forged_reward("u1", "first-login", 5))).await;
    assert_eq!((reply.status, reply.code()), (403, "reserved_job_kind"), "{reply:?}");
    assert_eq!(api.count("SELECT count(*) FROM jobs").await, 0);
    assert_eq!(lax.count("SELECT count(*) FROM jobs").await, 0);
}

#[tokio::test]
async fn a_swapped_reward_cannot_lower_the_grant() {
    let api = TestApi::start(2).await;
    // The trick: a goal.completed job with quantity 1 before the player completes the goal.
    let forged = api.call("POST", "/v1/jobs", Some(forged_reward("u1", "first-login", 1))).await;
    assert_eq!(forged.status, 403, "{forged:?}");
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let claim = api.call("POST", &claim_path("u1", "first-login"), None).await;
    assert_eq!(claim.status, 200, "{claim:?}");
    let expected = catalog_reward(&api, "first-login");
    assert_eq!(claim.body["reward"]["quantity"], expected.2);
    assert_eq!(grant_of(&api, "u1", "first-login").await, vec![expected]);
}

#[tokio::test]
async fn a_reward_cannot_be_denied_by_cancel_or_a_squatted_unique_key() {
    let api = TestApi::start(2).await;
    let goal = api.catalog.goal(api.catalog.goal_ref("first-login").unwrap()).clone();
    // The flush completed the goal and enqueued its reward job (as the pipeline does).
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let client = api.db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let flush_job = reward::job("u1", &goal, None);
    let id = jobs::enqueue(&client, &settings, &[flush_job]).await.unwrap()[0].unwrap();

    // Trick 1: cancel the flush's reward job.
    let cancel = api.call("POST", &format!("/v1/jobs/{id}/cancel"), None).await;
    assert_eq!((cancel.status, cancel.code()), (403, "reserved_job_kind"), "{cancel:?}");
    let state: String =
        client.query_one("SELECT state FROM jobs WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(state, "available");

    // Trick 2: take the claim's unique key under another kind, far in the future.
    let key = reward::claim_job("u1", &goal, None).unique_key.unwrap();
    let later = (Utc::now() + Duration::days(300)).to_rfc3339();
    let squat = json!({"kind": "k", "unique_key": key, "run_at": later});
    let squat = api.call("POST", "/v1/jobs", Some(squat)).await;
    assert_eq!(squat.status, 201, "another kind's key is another key: {squat:?}");

    let claim = api.call("POST", &claim_path("u1", "first-login"), None).await;
    assert_eq!(claim.status, 200, "{claim:?}");
    // The claim granted the catalog's reward in its transaction, before any worker ran.
    assert_eq!(
        grant_of(&api, "u1", "first-login").await,
        vec![catalog_reward(&api, "first-login")]
    );
    // And its own reward job exists beside the squatter (keys are scoped by kind).
    let claim_jobs = api
        .count("SELECT count(*) FROM jobs WHERE kind = 'goal.completed' AND unique_key IS NOT NULL")
        .await;
    assert_eq!(claim_jobs, 1);
    // A second claim grants nothing more.
    let again = api.call("POST", &claim_path("u1", "first-login"), None).await;
    assert_eq!(again.body, claim.body);
    assert_eq!(api.count(GRANTS).await, 1);
}

#[tokio::test]
async fn nul_and_control_characters_in_ids_are_400() {
    let api = TestApi::start(2).await;
    for (path, code) in [
        ("/v1/users/u%00x/challenges", "invalid_user_id"),
        ("/v1/users/u%0Ax/challenges", "invalid_user_id"),
        ("/v1/users/u%1B%5B31m/initialize", "invalid_user_id"),
        ("/v1/users/u1/goals/first%00login/claim", "invalid_goal_id"),
        ("/v1/users/u%7F/goals/first-login/claim", "invalid_user_id"),
    ] {
        let method = if path.ends_with("challenges") { "GET" } else { "POST" };
        let reply = api.call(method, path, None).await;
        assert_eq!((reply.status, reply.code()), (400, code), "{path}: {reply:?}");
    }
    for field in ["kind", "queue", "tenant", "unique_key"] {
        let mut body = json!({"kind": "k"});
        body[field] = json!("a\u{0}b");
        let reply = api.call("POST", "/v1/jobs", Some(body.clone())).await;
        assert_eq!((reply.status, reply.code()), (400, "invalid_job"), "{body}: {reply:?}");
        assert!(reply.body["message"].as_str().unwrap().contains("control character"));
        body[field] = json!("a\nb");
        let reply = api.call("POST", "/v1/jobs", Some(body.clone())).await;
        assert_eq!((reply.status, reply.code()), (400, "invalid_job"), "{body}: {reply:?}");
    }
    assert_eq!(api.count("SELECT count(*) FROM jobs").await, 0);
    assert_eq!(api.count("SELECT count(*) FROM user_goal_progress").await, 0);
}

#[tokio::test]
async fn numbers_kinds_and_args_are_bounded() {
    let api = TestApi::start(2).await;
    let far = (Utc::now() + Duration::days(400)).to_rfc3339();
    let big_args = json!({"blob": "x".repeat(20 * 1024)});
    for (body, code) in [
        (json!({"kind": "k", "max_attempts": 2_147_483_647}), "invalid_job"),
        (json!({"kind": "k", "max_attempts": 26}), "invalid_job"),
        (json!({"kind": "k", "run_at": "0001-01-01T00:00:00Z"}), "invalid_job"),
        (json!({"kind": "k", "run_at": "9999-12-31T00:00:00Z"}), "invalid_job"),
        (json!({"kind": "k", "run_at": far}), "invalid_job"),
        (json!({"kind": "k", "args": big_args}), "invalid_job"),
        (json!({"kind": "no-such-handler"}), "unknown_job_kind"),
    ] {
        let reply = api.call("POST", "/v1/jobs", Some(body.clone())).await;
        assert_eq!((reply.status, reply.code()), (400, code), "{body} -> {reply:?}");
    }
    assert_eq!(api.count("SELECT count(*) FROM jobs").await, 0);
    // The bounds themselves are fine.
    let soon = (Utc::now() + Duration::days(30)).to_rfc3339();
    let ok = json!({"kind": "k", "max_attempts": 25, "run_at": soon});
    assert_eq!(api.call("POST", "/v1/jobs", Some(ok)).await.status, 201);
}

#[tokio::test]
async fn without_registered_kinds_nothing_is_enqueueable() {
    let api = TestApi::start_with(2, |s| s.config.job_kinds.clear()).await;
    let reply = api.call("POST", "/v1/jobs", Some(json!({"kind": "email"}))).await;
    assert_eq!((reply.status, reply.code()), (400, "unknown_job_kind"), "{reply:?}");
    assert!(reply.body["message"].as_str().unwrap().contains("none is registered"));
}
