//! `GET /metrics`: the Prometheus text exposition of [`crate::telemetry::metrics`].

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::OpsState;
use crate::telemetry::{self, events::PoolObserved};

/// Content type of the text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders every family; the pool gauges are read now.
pub(super) async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    if let Some(pool) = &state.pool {
        let status = pool.status();
        PoolObserved { size: status.size, available: status.available, waiting: status.waiting }
            .emit();
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], telemetry::render_metrics())
}
