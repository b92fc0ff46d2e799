//! `POST /v1/users/{user_id}/goals/{goal_id}/claim` on a real server and real Postgres: every
//! rule, idempotence, concurrency, and the reward job in the claim's transaction.

mod support;

use chrono::{Duration, Utc};
use goalstream::jobs::handler::Handler;
use goalstream::jobs::reward::RewardGrantHandler;
use goalstream::store::{jobs, ProgressStore};
use support::api::TestApi;

const REWARD_JOBS: &str = "SELECT count(*) FROM jobs WHERE kind = 'goal.completed'";

fn claim_path(user: &str, goal: &str) -> String {
    format!("/v1/users/{user}/goals/{goal}/claim")
}

#[tokio::test]
async fn refuses_goals_that_are_not_completed_or_not_assigned() {
    let api = TestApi::start(2).await;
    api.put_row("u1", "reach-level-10", 7, "in_progress", true, None).await;
    let reply = api.call("POST", &claim_path("u1", "reach-level-10"), None).await;
    assert_eq!((reply.status, reply.code()), (409, "goal_not_completed"), "{reply:?}");
    assert!(reply.body["message"].as_str().unwrap().contains("7 of 10"), "{reply:?}");

    // A known player, a goal without a row: not started.
    let reply = api.call("POST", &claim_path("u1", "first-login"), None).await;
    assert_eq!((reply.status, reply.code()), (409, "goal_not_completed"));

    api.put_row("u1", "first-login", 1, "completed", false, None).await;
    let reply = api.call("POST", &claim_path("u1", "first-login"), None).await;
    assert_eq!((reply.status, reply.code()), (409, "goal_inactive"));

    assert_eq!(api.count(REWARD_JOBS).await, 0, "a refused claim enqueues nothing");
    let claimed = api.count("SELECT count(*) FROM user_goal_progress WHERE status = 'claimed'");
    assert_eq!(claimed.await, 0);
}

#[tokio::test]
async fn unknown_players_and_goals_are_404() {
    let api = TestApi::start(2).await;
    let reply = api.call("POST", &claim_path("nobody", "first-login"), None).await;
    assert_eq!((reply.status, reply.code()), (404, "user_not_found"));
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let reply = api.call("POST", &claim_path("u1", "no-such-goal"), None).await;
    assert_eq!((reply.status, reply.code()), (404, "goal_not_found"));
    let long = "x".repeat(101);
    let reply = api.call("POST", &claim_path(&long, "first-login"), None).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_user_id"));
}

#[tokio::test]
async fn prerequisites_must_be_claimed_first() {
    let api = TestApi::start(2).await;
    api.put_row("u1", "reach-level-10", 55, "completed", true, None).await;
    api.put_row("u1", "reach-level-50", 55, "completed", true, None).await;
    let reply = api.call("POST", &claim_path("u1", "reach-level-50"), None).await;
    assert_eq!((reply.status, reply.code()), (409, "prerequisites_not_claimed"));
    assert!(reply.body["message"].as_str().unwrap().contains("reach-level-10"));

    let first = api.call("POST", &claim_path("u1", "reach-level-10"), None).await;
    assert_eq!(first.status, 200, "{first:?}");
    let second = api.call("POST", &claim_path("u1", "reach-level-50"), None).await;
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(second.body["reward"]["item_id"], "veteran-banner");
    assert_eq!(api.count(REWARD_JOBS).await, 2);
}

#[tokio::test]
async fn a_rotating_prerequisite_claimed_in_a_past_period_does_not_count() {
    let api = TestApi::start(2).await;
    let past = Some(Utc::now() - Duration::hours(1));
    let week_end = goalstream::catalog::Rotation::Weekly.period_end(Utc::now());
    api.put_row("u1", "weekly-score-5000", 6000, "claimed", true, past).await;
    api.put_row("u1", "weekly-score-20000", 21000, "completed", true, week_end).await;
    let reply = api.call("POST", &claim_path("u1", "weekly-score-20000"), None).await;
    assert_eq!((reply.status, reply.code()), (409, "prerequisites_not_claimed"));
}

#[tokio::test]
async fn a_completion_from_an_ended_period_cannot_be_claimed() {
    let api = TestApi::start(2).await;
    let yesterday_end = Some(Utc::now() - Duration::minutes(5));
    api.put_row("u1", "daily-kills-25", 30, "completed", true, yesterday_end).await;
    let reply = api.call("POST", &claim_path("u1", "daily-kills-25"), None).await;
    assert_eq!((reply.status, reply.code()), (409, "period_expired"), "{reply:?}");
    assert_eq!(api.count(REWARD_JOBS).await, 0);
}

#[tokio::test]
async fn a_second_claim_returns_the_same_result_and_one_reward_is_granted() {
    let api = TestApi::start(3).await;
    let day_end = goalstream::catalog::Rotation::Daily.period_end(Utc::now());
    api.put_row("u1", "daily-kills-25", 26, "completed", true, day_end).await;
    let first = api.call("POST", &claim_path("u1", "daily-kills-25"), None).await;
    let second = api.call("POST", &claim_path("u1", "daily-kills-25"), None).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(first.body, second.body, "same result both times");
    assert_eq!(first.body["status"], "claimed");
    assert_eq!(
        first.body["period_end"].as_str().unwrap(),
        day_end.unwrap().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    );
    assert_eq!(api.count(REWARD_JOBS).await, 1, "one reward job");

    // The job is the flush's goal.completed job: its handler grants once.
    let client = api.db.pool.get().await.unwrap();
    let claimed = jobs::claim(&client, "rewards", 10, "w").await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].args["goal_id"], "daily-kills-25");
    RewardGrantHandler.run(&claimed[0], &api.db.pool).await.unwrap();
    RewardGrantHandler.run(&claimed[0], &api.db.pool).await.unwrap();
    let grants = api.count("SELECT count(*) FROM reward_grants WHERE user_id = 'u1'").await;
    assert_eq!(grants, 1);
    let quantity: i64 = client
        .query_one("SELECT quantity FROM reward_grants WHERE goal_id = 'daily-kills-25'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(quantity, 50);

    // Still the same answer after the job ran.
    let third = api.call("POST", &claim_path("u1", "daily-kills-25"), None).await;
    assert_eq!(third.body, first.body);
    assert_eq!(api.count(REWARD_JOBS).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_enqueue_one_job() {
    let api = TestApi::start(5).await;
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let path = claim_path("u1", "first-login");
    let replies = futures::future::join_all((0..10).map(|_| api.call("POST", &path, None))).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body, replies[0].body, "every caller sees the same claim");
    }
    assert_eq!(api.count(REWARD_JOBS).await, 1);
    let claimed_rows = "SELECT count(*) FROM user_goal_progress WHERE status = 'claimed'";
    assert_eq!(api.count(claimed_rows).await, 1);
}

#[tokio::test]
async fn the_flush_job_and_the_claim_job_grant_the_reward_once() {
    let api = TestApi::start(3).await;
    let store = ProgressStore::new(api.catalog.clone());
    let now = Utc::now() - Duration::seconds(10);
    let updates = support::fixtures::event(&api.catalog, "u1", "level", Some(12), None);
    let batch = goalstream::store::FlushBatch {
        events: Default::default(),
        now,
        updates: &updates,
        group_id: "g",
        offsets: &[],
        dead_letters: &[],
    };
    let outcome = store.flush(&mut api.db.pool.get().await.unwrap(), &batch).await.unwrap();
    assert_eq!(outcome.jobs_enqueued, 1, "the flush enqueued reach-level-10's reward job");
    let reply = api.call("POST", &claim_path("u1", "reach-level-10"), None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let again = api.call("POST", &claim_path("u1", "reach-level-10"), None).await;
    assert_eq!(again.body, reply.body);
    assert_eq!(api.count(REWARD_JOBS).await, 2, "the flush's job and the claim's");

    // A rotating goal: same arguments (the period comes from the row's expires_at, which is
    // the flush's period end).
    let kills = support::fixtures::event(&api.catalog, "u1", "kills", None, Some(30));
    let kills_batch =
        goalstream::store::FlushBatch { events: Default::default(), updates: &kills, ..batch };
    store.flush(&mut api.db.pool.get().await.unwrap(), &kills_batch).await.unwrap();
    let reply = api.call("POST", &claim_path("u1", "daily-kills-25"), None).await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // Both jobs of each goal run: one grant per goal.
    let client = api.db.pool.get().await.unwrap();
    let claimed = jobs::claim(&client, "rewards", 10, "w").await.unwrap();
    assert_eq!(claimed.len(), 4);
    for goal in ["reach-level-10", "daily-kills-25"] {
        let pair: Vec<_> = claimed.iter().filter(|j| j.args["goal_id"] == goal).collect();
        assert_eq!(pair.len(), 2, "{goal}");
        assert_eq!(pair[0].args, pair[1].args, "{goal}: the same job twice");
    }
    for job in &claimed {
        RewardGrantHandler.run(job, &api.db.pool).await.unwrap();
    }
    let grants = "SELECT count(*) FROM reward_grants WHERE user_id = 'u1'";
    assert_eq!(api.count(grants).await, 2, "one grant per goal");

    // Events after the claim leave the claimed row alone.
    let updates = support::fixtures::event(&api.catalog, "u1", "level", Some(14), None);
    let batch = goalstream::store::FlushBatch {
        events: Default::default(),
        now: now + Duration::seconds(1),
        updates: &updates,
        ..batch
    };
    store.flush(&mut api.db.pool.get().await.unwrap(), &batch).await.unwrap();
    let row = support::fixtures::row(&api.db.pool, "u1", "reach-level-10").await;
    assert_eq!((row.status.as_str(), row.progress), ("claimed", 12));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_and_flushes_of_the_same_rows_interleave_without_errors() {
    let api = TestApi::start(5).await;
    let users: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
    for user in &users {
        assert_eq!(
            api.call("POST", &format!("/v1/users/{user}/initialize"), None).await.status,
            200
        );
    }
    let store = ProgressStore::new(api.catalog.clone());
    let kills = |delta: i64| -> Vec<goalstream::update::ProgressUpdate> {
        users
            .iter()
            .flat_map(|u| support::fixtures::event(&api.catalog, u, "kills", None, Some(delta)))
            .collect()
    };
    let flush = |updates: Vec<goalstream::update::ProgressUpdate>| {
        let (store, pool) = (store.clone(), api.db.pool.clone());
        async move {
            let batch = goalstream::store::FlushBatch {
                events: Default::default(),
                now: Utc::now(),
                updates: &updates,
                group_id: "g",
                offsets: &[],
                dead_letters: &[],
            };
            store.flush(&mut pool.get().await.unwrap(), &batch).await.unwrap()
        }
    };
    flush(kills(25)).await;

    // 20 flushes of one kill each for everyone, while every player claims twice.
    let flushes = async {
        for _ in 0..20 {
            flush(kills(1)).await;
            tokio::task::yield_now().await;
        }
    };
    let paths: Vec<String> =
        users.iter().chain(&users).map(|u| claim_path(u, "daily-kills-25")).collect();
    let claims = futures::future::join_all(paths.iter().map(|p| api.call("POST", p, None)));
    let ((), replies) = tokio::join!(flushes, claims);
    for reply in &replies {
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let rows = support::fixtures::rows(&api.db.pool).await;
    for user in &users {
        let daily = &rows[&(user.clone(), "daily-kills-25".to_string())];
        assert_eq!(daily.status, "claimed");
        assert!((25..=45).contains(&daily.progress), "frozen once claimed: {daily:?}");
        let monthly = &rows[&(user.clone(), "monthly-kills-1000".to_string())];
        assert_eq!(monthly.progress, 45, "other goals got every kill");
    }
    let daily_jobs = "SELECT count(*) FROM jobs WHERE args->>'goal_id' = 'daily-kills-25'";
    assert_eq!(api.count(daily_jobs).await, 40, "per player the flush's job and one claim's");
}
