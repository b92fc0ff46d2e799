//! The HTTP surface of the API: JSON errors with codes for bad bodies, oversized bodies,
//! unknown routes and methods; request ids; the OpenAPI document against the router; warm-up.

mod support;

use std::collections::BTreeSet;

use goalstream::api::{self, ErrorCode};
use serde_json::{json, Value};
use support::api::TestApi;

#[tokio::test]
async fn malformed_bodies_get_a_code() {
    let api = TestApi::start(2).await;
    let path = "/v1/users/u1/goals/first-login/active";
    let json = Some("application/json");
    let reply = api.raw("PUT", path, json, b"{\"active\": tru".to_vec()).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_json"), "{reply:?}");
    let reply = api.raw("PUT", path, json, b"not json at all".to_vec()).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_json"));
    let reply = api.raw("PUT", path, json, Vec::new()).await;
    assert_eq!(reply.status, 400, "an empty body is not JSON: {reply:?}");
    let reply = api.raw("POST", "/v1/jobs", json, b"[1,2]".to_vec()).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_body"));
    let reply = api.raw("PUT", path, None, b"{\"active\": true}".to_vec()).await;
    assert_eq!((reply.status, reply.code()), (415, "unsupported_media_type"));
    let reply = api.raw("PUT", path, Some("text/plain"), b"{\"active\": true}".to_vec()).await;
    assert_eq!((reply.status, reply.code()), (415, "unsupported_media_type"));
    assert_eq!(api.count("SELECT count(*) FROM user_goal_progress").await, 0);
}

#[tokio::test]
async fn oversized_bodies_are_413_with_a_code() {
    let api = TestApi::start_with(2, |api| api.config.body_limit = 1024).await;
    let big = json!({"kind": "k", "args": {"blob": "x".repeat(4096)}});
    let reply = api.call("POST", "/v1/jobs", Some(big)).await;
    assert_eq!((reply.status, reply.code()), (413, "body_too_large"), "{reply:?}");
    // Just under the limit is fine.
    let small = json!({"kind": "k", "args": {"blob": "x".repeat(900)}});
    assert_eq!(api.call("POST", "/v1/jobs", Some(small)).await.status, 201);
    assert_eq!(api.count("SELECT count(*) FROM jobs").await, 1);
}

#[tokio::test]
async fn the_default_limit_is_64_kib() {
    let api = TestApi::start(2).await;
    let big = json!({"kind": "k", "args": {"blob": "x".repeat(70 * 1024)}});
    let reply = api.call("POST", "/v1/jobs", Some(big)).await;
    assert_eq!((reply.status, reply.code()), (413, "body_too_large"));
}

#[tokio::test]
async fn unknown_routes_and_methods_get_a_code() {
    let api = TestApi::start(2).await;
    let reply = api.call("GET", "/v1/nothing-here", None).await;
    assert_eq!((reply.status, reply.code()), (404, "route_not_found"));
    let reply = api.call("DELETE", "/v1/jobs", None).await;
    assert_eq!((reply.status, reply.code()), (405, "method_not_allowed"));
    let reply = api.call("GET", "/v1/users/u1/goals/first-login/claim", None).await;
    assert_eq!((reply.status, reply.code()), (405, "method_not_allowed"));
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let api = TestApi::start(2).await;
    let response = api
        .http
        .get(format!("{}/v1/queues", api.base))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    let reply = TestApi::reply(response).await;
    assert_eq!(reply.request_id.as_deref(), Some("trace-abc-123"));

    let a = api.call("GET", "/v1/queues", None).await.request_id.unwrap();
    let b = api.call("GET", "/v1/nothing", None).await.request_id.unwrap();
    assert_eq!(a.len(), 32, "generated: {a}");
    assert_ne!(a, b, "a new id per request, errors included");

    // An unusable id (too long) is replaced.
    let response = api
        .http
        .get(format!("{}/v1/queues", api.base))
        .header("x-request-id", "y".repeat(500))
        .send()
        .await
        .unwrap();
    assert_eq!(TestApi::reply(response).await.request_id.unwrap().len(), 32);
}

/// (METHOD, path) of every operation in the document.
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_router() {
    let api = TestApi::start(2).await;
    let reply = api.call("GET", "/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    let document = reply.body;
    assert_eq!(document["openapi"], "3.1.0");
    let routes: BTreeSet<(String, String)> =
        api::routes().iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    assert_eq!(documented(&document), routes, "document and router list the same operations");

    // Every listed route is really served with its method: nothing answers "no such route" or
    // "method not allowed" (parameters are filled with sample values).
    for (method, path) in &routes {
        let path = path
            .replace("{user_id}", "u1")
            .replace("{goal_id}", "first-login")
            .replace("{id}", "1");
        let reply = api.call(method, &path, None).await;
        assert!(
            ![404, 405].contains(&reply.status)
                || !["route_not_found", "method_not_allowed"].contains(&reply.code()),
            "{method} {path} is not served: {reply:?}"
        );
    }

    // The error codes in the document are the ones the code sends.
    let codes: BTreeSet<&str> = document["components"]["schemas"]["Error"]["properties"]["code"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let sent: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, sent);
    // Every $ref resolves.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"#/").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
        let target = reference.split('/').fold(&document, |node, key| &node[key]);
        assert!(!target.is_null(), "dangling $ref #/{reference}");
    }
}

#[tokio::test]
async fn warm_up_opens_every_connection() {
    let db = support::TestDb::new(4).await;
    let catalog = std::sync::Arc::new(
        goalstream::catalog::Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap(),
    );
    let state = api::ApiState::new(db.pool.clone(), catalog);
    let warm = state.warm_up().await.unwrap();
    assert_eq!(warm.connections, 4);
    let status = db.pool.status();
    assert_eq!((status.size, status.available), (4, 4), "all open and idle: {status:?}");
    // Each connection has the API's statements prepared: the server sees them.
    let client = db.pool.get().await.unwrap();
    let prepared: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
            &[&include_str!("../sql/api/lock_goal_row.sql")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(prepared, 1, "the claim's lock statement is prepared on this connection");
}

/// What schemathesis found (docs/SECURITY.md): the document allowed ids the server refuses
/// (control characters) and refused request ids the server accepts (it replaces an unusable
/// one). The document now states the server's rules.
#[tokio::test]
async fn the_openapi_document_states_the_rules_the_server_applies() {
    let document: Value = serde_json::from_str(goalstream::api::openapi::OPENAPI_JSON).unwrap();
    let no_control = r"[^\u0000-\u001f\u007f-\u009f]";
    let parameters = &document["components"]["parameters"];
    for name in ["UserId", "GoalId"] {
        let pattern = parameters[name]["schema"]["pattern"].as_str().unwrap();
        assert!(pattern.contains(no_control), "{name}: {pattern}");
    }
    let enqueue = &document["components"]["schemas"]["EnqueueRequest"]["properties"];
    for field in ["kind", "queue", "tenant", "unique_key"] {
        let pattern = enqueue[field]["pattern"].as_str().unwrap();
        assert!(pattern.contains(no_control), "{field}: {pattern}");
    }
    let request_id = &parameters["RequestIdHeader"]["schema"];
    assert!(request_id.get("maxLength").is_none(), "an unusable id is replaced, not refused");

    let api = TestApi::start(2).await;
    let reply = api.call("GET", "/v1/users/a%C2%9Cb/challenges", None).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_user_id"), "U+009C: {reply:?}");
    let reply =
        api.call_with("GET", "/openapi.json", None, &[("x-request-id", &"0".repeat(129))]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.request_id.unwrap().len(), 32, "replaced by a generated id");
    api.stop().await;
}
