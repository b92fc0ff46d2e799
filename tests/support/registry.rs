//! A schema registry answering with Confluent's recorded REST responses for
//! `GET /schemas/ids/{id}` (200 with the schema string, 404 with `error_code` 40403, 503 with
//! 50001) and `POST /subjects/{subject}/versions` (200 with the id: the one already held for
//! the same schema text, else the next), served over real HTTP on 127.0.0.1; it counts
//! requests per id and can fail, stop and start again on the same port (an outage). Karapace, a real implementation, is not on
//! PyPI (docs/FORMATS.md, Avro topics).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

#[derive(Default)]
struct Registered {
    schemas: Mutex<HashMap<u32, String>>,
    /// Subjects registered with POST, in order.
    subjects: Mutex<Vec<String>>,
    requests: Mutex<HashMap<u32, u64>>,
    failing: AtomicBool,
}

/// The registry server.
pub struct RecordedRegistry {
    pub port: u16,
    state: Arc<Registered>,
    running: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl RecordedRegistry {
    /// Serves `schemas` (id → the schema's JSON text) on a free port.
    pub async fn start(schemas: HashMap<u32, String>) -> RecordedRegistry {
        let state = Arc::new(Registered { schemas: Mutex::new(schemas), ..Default::default() });
        let mut registry = RecordedRegistry { port: 0, state, running: None };
        registry.serve().await;
        registry
    }

    /// A registry that is not running: its port is free, connections are refused.
    pub async fn stopped(schemas: HashMap<u32, String>) -> RecordedRegistry {
        let mut registry = RecordedRegistry::start(schemas).await;
        registry.stop().await;
        registry
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Requests for schema `id` answered so far.
    pub fn requests(&self, id: u32) -> u64 {
        self.state.requests.lock().unwrap().get(&id).copied().unwrap_or(0)
    }

    /// Subjects a schema was registered under, in order.
    pub fn subjects(&self) -> Vec<String> {
        self.state.subjects.lock().unwrap().clone()
    }

    /// Answer 503 (`true`) or normally.
    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    /// Stops serving and closes its connections.
    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            task.await.unwrap();
        }
    }

    /// Serves again on the same port.
    pub async fn serve(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.port = listener.local_addr().unwrap().port();
        let app = Router::new()
            .route("/schemas/ids/{id}", get(schema_by_id))
            .route("/subjects/{subject}/versions", post(register))
            .with_state(self.state.clone());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        self.running = Some((stop, task));
    }
}

async fn schema_by_id(
    State(state): State<Arc<Registered>>,
    Path(id): Path<u32>,
) -> impl IntoResponse {
    *state.requests.lock().unwrap().entry(id).or_insert(0) += 1;
    let (status, body) = if state.failing.load(Ordering::SeqCst) {
        let body =
            serde_json::json!({"error_code": 50001, "message": "Error in the backend data store"});
        (StatusCode::SERVICE_UNAVAILABLE, body)
    } else {
        match state.schemas.lock().unwrap().get(&id) {
            Some(schema) => (StatusCode::OK, serde_json::json!({ "schema": schema })),
            None => {
                let message = format!("Schema {id} not found");
                (
                    StatusCode::NOT_FOUND,
                    serde_json::json!({"error_code": 40403, "message": message}),
                )
            }
        }
    };
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string())
}

async fn register(
    State(state): State<Arc<Registered>>,
    Path(subject): Path<String>,
    body: String,
) -> impl IntoResponse {
    let schema = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|b| b["schema"].as_str().map(str::to_string));
    let Some(schema) = schema else {
        let body = serde_json::json!({"error_code": 42201, "message": "Invalid schema"});
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(header::CONTENT_TYPE, CONTENT_TYPE)],
            body.to_string(),
        );
    };
    state.subjects.lock().unwrap().push(subject);
    let mut schemas = state.schemas.lock().unwrap();
    let id = match schemas.iter().find(|(_, s)| **s == schema) {
        Some((id, _)) => *id,
        None => {
            let id = schemas.keys().max().map_or(1, |max| max + 1);
            schemas.insert(id, schema);
            id
        }
    };
    let body = serde_json::json!({ "id": id });
    (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string())
}
