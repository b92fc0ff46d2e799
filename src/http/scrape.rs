//! `GET /metrics`: the Prometheus text exposition of [`crate::metrics`].

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::OpsState;

/// Content type of the text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders every family; the pool gauges are read now.
pub(super) async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    let metrics = crate::metrics::global();
    if let Some(pool) = &state.pool {
        metrics.observe_pool(&pool.status());
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render())
}
