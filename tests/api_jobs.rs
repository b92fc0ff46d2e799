//! The job queue over HTTP: enqueue, read, cancel (with dependents), counts per queue.

mod support;

use goalstream::store::jobs;
use goalstream::types::{JobGraph, NewJob, OnParentFailure, Parent, QueueSettings};
use serde_json::json;
use support::api::TestApi;

#[tokio::test]
async fn enqueue_then_read_a_job() {
    let api = TestApi::start(2).await;
    let reply = api
        .call(
            "POST",
            "/v1/jobs",
            Some(json!({"kind": "email", "args": {"to": "a@b"}, "queue": "mail", "priority": 2,
                        "tenant": "studio-1", "max_attempts": 3})),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["created"], true);
    let id = reply.body["id"].as_i64().unwrap();
    let job = api.call("GET", &format!("/v1/jobs/{id}"), None).await;
    assert_eq!(job.status, 200);
    assert_eq!(job.body["kind"], "email");
    assert_eq!(job.body["queue"], "mail");
    assert_eq!(job.body["tenant"], "studio-1");
    assert_eq!(job.body["priority"], 2);
    assert_eq!(job.body["max_attempts"], 3);
    assert_eq!(job.body["state"], "available");
    assert_eq!(job.body["args"], json!({"to": "a@b"}));

    // Defaults, and a future run_at is scheduled.
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let reply =
        api.call("POST", "/v1/jobs", Some(json!({"kind": "later", "run_at": in_an_hour}))).await;
    let job = api.call("GET", &format!("/v1/jobs/{}", reply.body["id"]), None).await;
    assert_eq!(job.body["state"], "scheduled");
    assert_eq!(job.body["queue"], "default");
    assert_eq!(job.body["priority"], 3);
    assert_eq!(job.body["args"], json!({}));
}

#[tokio::test]
async fn a_unique_key_returns_the_live_job() {
    let api = TestApi::start(2).await;
    let body = json!({"kind": "sync", "unique_key": "sync:u1"});
    let first = api.call("POST", "/v1/jobs", Some(body.clone())).await;
    let second = api.call("POST", "/v1/jobs", Some(body.clone())).await;
    assert_eq!((first.status, second.status), (201, 200));
    assert_eq!(second.body["created"], false);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(api.count("SELECT count(*) FROM jobs").await, 1);
    // Once cancelled, the key is free.
    let cancel = api.call("POST", &format!("/v1/jobs/{}/cancel", first.body["id"]), None).await;
    assert_eq!(cancel.status, 200);
    let third = api.call("POST", "/v1/jobs", Some(body)).await;
    assert_eq!(third.status, 201);
}

#[tokio::test]
async fn bad_jobs_are_refused_with_a_code() {
    let api = TestApi::start(2).await;
    for (body, code) in [
        (json!({"kind": "k", "priority": 9}), "invalid_job"),
        (json!({"kind": "k", "max_attempts": 0}), "invalid_job"),
        (json!({"kind": " "}), "invalid_job"),
        (json!({"kind": "k", "args": [1, 2]}), "invalid_job"),
        (json!({"kind": "k", "queue": ""}), "invalid_job"),
        (json!({"args": {}}), "invalid_body"),
        (json!({"kind": "k", "colour": "red"}), "invalid_body"),
        (json!({"kind": "k", "priority": "high"}), "invalid_body"),
    ] {
        let reply = api.call("POST", "/v1/jobs", Some(body.clone())).await;
        assert_eq!((reply.status, reply.code()), (400, code), "{body} -> {reply:?}");
        assert!(!reply.body["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(api.count("SELECT count(*) FROM jobs").await, 0);
    let reply = api.call("GET", "/v1/jobs/abc", None).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_job_id"));
    let reply = api.call("GET", "/v1/jobs/0", None).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_job_id"));
    let reply = api.call("GET", "/v1/jobs/424242", None).await;
    assert_eq!((reply.status, reply.code()), (404, "job_not_found"));
    let reply = api.call("POST", "/v1/jobs/424242/cancel", None).await;
    assert_eq!((reply.status, reply.code()), (404, "job_not_found"));
}

#[tokio::test]
async fn cancel_takes_dependents_along_and_refuses_running_jobs() {
    let api = TestApi::start(2).await;
    let settings = QueueSettings::default();
    let mut client = api.db.pool.get().await.unwrap();
    let mut graph = JobGraph::default();
    let parent = graph.job(NewJob::new("parent", json!({})).in_queue("q"));
    let doomed = graph.job(NewJob::new("child", json!({})).in_queue("q"));
    let grandchild = graph.job(NewJob::new("grandchild", json!({})).in_queue("q"));
    let runs_anyway = graph.job(NewJob::new("cleanup", json!({})).in_queue("q"));
    graph.depends(doomed, Parent::Node(parent));
    graph.depends(grandchild, Parent::Node(doomed));
    graph.edges.push(goalstream::types::Edge {
        parent: Parent::Node(parent),
        child: runs_anyway,
        on_parent_failure: OnParentFailure::Run,
    });
    let ids = jobs::enqueue_graph(&mut client, &settings, &graph).await.unwrap();

    let reply = api.call("POST", &format!("/v1/jobs/{}/cancel", ids[0]), None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["job"]["state"], "cancelled");
    let mut cancelled: Vec<i64> =
        serde_json::from_value(reply.body["cancelled_dependents"].clone()).unwrap();
    cancelled.sort();
    assert_eq!(cancelled, vec![ids[1], ids[2]]);
    assert_eq!(reply.body["released_dependents"], json!([ids[3]]));
    let cleanup = api.call("GET", &format!("/v1/jobs/{}", ids[3]), None).await;
    assert_eq!(cleanup.body["state"], "available");

    // Again: unchanged, still 200.
    let again = api.call("POST", &format!("/v1/jobs/{}/cancel", ids[0]), None).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["cancelled_dependents"], json!([]));

    // A running job cannot be cancelled; nor a completed one.
    let claimed = jobs::claim(&client, "q", 1, "w").await.unwrap();
    assert_eq!(claimed[0].id, ids[3]);
    let reply = api.call("POST", &format!("/v1/jobs/{}/cancel", ids[3]), None).await;
    assert_eq!((reply.status, reply.code()), (409, "job_not_cancellable"), "{reply:?}");
    jobs::complete(&mut client, &settings, &[(ids[3], claimed[0].attempt)]).await.unwrap();
    let reply = api.call("POST", &format!("/v1/jobs/{}/cancel", ids[3]), None).await;
    assert_eq!((reply.status, reply.code()), (409, "job_not_cancellable"));
    assert!(reply.body["message"].as_str().unwrap().contains("completed"));
}

#[tokio::test]
async fn queues_count_jobs_by_state() {
    let api = TestApi::start(2).await;
    let reply = api.call("GET", "/v1/queues", None).await;
    assert_eq!(reply.body, json!({"queues": []}));
    for _ in 0..3 {
        api.call("POST", "/v1/jobs", Some(json!({"kind": "a", "queue": "alpha"}))).await;
    }
    let b = api.call("POST", "/v1/jobs", Some(json!({"kind": "b", "queue": "beta"}))).await;
    api.call("POST", &format!("/v1/jobs/{}/cancel", b.body["id"]), None).await;
    let client = api.db.pool.get().await.unwrap();
    jobs::claim(&client, "alpha", 1, "w").await.unwrap();

    let reply = api.call("GET", "/v1/queues", None).await;
    assert_eq!(reply.status, 200);
    let queues = reply.body["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 2);
    assert_eq!(queues[0]["queue"], "alpha");
    assert_eq!(queues[0]["total"], 3);
    assert_eq!(queues[0]["counts"]["available"], 2);
    assert_eq!(queues[0]["counts"]["running"], 1);
    assert_eq!(queues[0]["counts"]["failed"], 0);
    assert_eq!(queues[0]["counts"].as_object().unwrap().len(), 8);
    assert!(queues[0]["oldest_available_age_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(queues[1]["queue"], "beta");
    assert_eq!(queues[1]["counts"]["cancelled"], 1);
    assert_eq!(queues[1]["oldest_available_age_s"], serde_json::Value::Null);
}
