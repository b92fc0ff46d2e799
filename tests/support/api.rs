//! The REST API served on 127.0.0.1:0 over a test schema, and a client for it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use goalstream::app::{ApiSettings, App, Config, Listeners, Running};
use goalstream::catalog::Catalog;
use serde_json::Value;

use super::TestDb;

/// Job kinds the test API accepts over HTTP (as if workers had handlers for them).
pub const TEST_JOB_KINDS: &[&str] = &["email", "later", "sync", "k", "a", "b", "c", "d"];

/// A running API and its database.
pub struct TestApi {
    pub db: TestDb,
    pub base: String,
    pub http: reqwest::Client,
    pub catalog: Arc<Catalog>,
    running: Option<Running>,
}

/// A response: status, body as JSON (Null when empty or not JSON), and the request id header.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub request_id: Option<String>,
    pub www_authenticate: Option<String>,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("<no code>")
    }
}

impl TestApi {
    /// The example catalog (config/challenges.json) on a fresh schema with `pool_size`
    /// connections.
    pub async fn start(pool_size: usize) -> TestApi {
        Self::start_with(pool_size, |_| {}).await
    }

    /// Same, with the API's settings adjusted by `tune`: the service in-process, composed by
    /// the same `App` as `goalstream api`, serving only the API on 127.0.0.1:0.
    pub async fn start_with(pool_size: usize, tune: impl FnOnce(&mut ApiSettings)) -> TestApi {
        let db = TestDb::new(pool_size).await;
        let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
        let mut settings = ApiSettings { pool_size, ..ApiSettings::default() };
        settings.config.job_kinds = TEST_JOB_KINDS.iter().map(|k| k.to_string()).collect();
        tune(&mut settings);
        let mut config = Config::new(db.config.clone(), catalog.clone());
        config.api = Some(settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listeners = Listeners { ops: None, api: Some(listener) };
        let running = App::new(config).start(listeners).await.expect("the API starts");
        let base = format!("http://{}", running.api_addr().unwrap());
        TestApi { db, base, http: reqwest::Client::new(), catalog, running: Some(running) }
    }

    /// Sends a request with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::reply(request.send().await.expect("request sent")).await
    }

    /// Sends a request with an optional JSON body and extra headers (credentials).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::reply(request.send().await.expect("request sent")).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        Self::reply(request.send().await.expect("request sent")).await
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let header =
            |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let request_id = header("x-request-id");
        let www_authenticate = header("www-authenticate");
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body, request_id, www_authenticate }
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.unwrap();
        }
    }

    /// A count from SQL.
    pub async fn count(&self, sql: &str) -> i64 {
        self.db.pool.get().await.unwrap().query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Sets a row's state directly (states the flush would reach).
    pub async fn put_row(
        &self,
        user: &str,
        goal: &str,
        progress: i64,
        status: &str,
        active: bool,
        expires_at: Option<DateTime<Utc>>,
    ) {
        let client = self.db.pool.get().await.unwrap();
        let completed = matches!(status, "completed" | "claimed");
        client
            .execute(
                "INSERT INTO user_goal_progress (user_id, goal_id, progress, status, is_active, \
                 assigned_at, completed_at, claimed_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, now(), CASE WHEN $6 THEN now() END, \
                 CASE WHEN $4 = 'claimed' THEN now() END, $7) \
                 ON CONFLICT (user_id, goal_id) DO UPDATE SET progress = excluded.progress, \
                 status = excluded.status, is_active = excluded.is_active, \
                 completed_at = excluded.completed_at, claimed_at = excluded.claimed_at, \
                 expires_at = excluded.expires_at",
                &[&user, &goal, &progress, &status, &active, &completed, &expires_at],
            )
            .await
            .unwrap();
    }
}
