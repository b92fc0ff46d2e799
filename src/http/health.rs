//! `GET /healthz` and `GET /readyz`.
//!
//! - `/healthz`: 200 while the process serves requests (a liveness probe: restart on failure).
//! - `/readyz`: 200 when the database answers within [`PROBE_TIMEOUT`] and, when this process
//!   consumes, it reaches a broker and holds at least one partition; otherwise 503 with a JSON
//!   `reason` ("no broker reachable" when the Kafka client reports every broker down). An
//!   instance beyond the partition count of its group is therefore not ready: it does no work.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::OpsState;
use crate::store;

/// How long the readiness probe waits for the database.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of `/readyz`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Why not, when not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `ok`, or what failed.
    pub database: String,
    /// Partitions held, when this process consumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions_assigned: Option<u64>,
}

/// Liveness.
pub(super) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "alive" }))
}

/// Readiness.
pub(super) async fn readyz(State(state): State<OpsState>) -> (StatusCode, Json<Readiness>) {
    let readiness = check(&state).await;
    let code =
        if readiness.reason.is_none() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(readiness))
}

/// Runs the checks.
pub async fn check(state: &OpsState) -> Readiness {
    let database = match tokio::time::timeout(PROBE_TIMEOUT, ping(state)).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(error)) => format!("unreachable: {error}"),
        Err(_) => format!("no answer within {PROBE_TIMEOUT:?}"),
    };
    let partitions = state.ingest.as_ref().map(|s| s.partitions_assigned.load(Ordering::Relaxed));
    let brokers_down =
        state.ingest.as_ref().is_some_and(|s| s.brokers_down.load(Ordering::Relaxed));
    let reason = if database != "ok" {
        Some(format!("database {database}"))
    } else if brokers_down {
        Some(
            "no broker reachable (every Kafka broker connection is down: check --brokers, the \
             network and the security settings; goalstream_kafka_errors_total counts the errors)"
                .into(),
        )
    } else if partitions == Some(0) {
        Some(
            "no Kafka partitions assigned (joining the group, or more instances than partitions)"
                .into(),
        )
    } else {
        None
    };
    Readiness {
        status: if reason.is_none() { "ready" } else { "not_ready" }.into(),
        reason,
        database,
        partitions_assigned: partitions,
    }
}

async fn ping(state: &OpsState) -> Result<(), store::StoreError> {
    let client = state.probe_pool.get().await?;
    store::health::ping(&client).await
}
