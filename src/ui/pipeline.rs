//! The live pipeline page: consumer lag per partition, events per second and flush latency,
//! from this process's own metrics (`telemetry::snapshot`). The page polls
//! `/ui/pipeline.json` every two seconds (`ui.js`) and computes rates between two readings.

use axum::extract::State;
use axum::response::Html;
use axum::{Extension, Json};

use super::layout::{self, esc, Nav};
use super::session::Session;
use super::{UiError, UiState};
use crate::telemetry::snapshot::{pipeline_snapshot, PipelineSnapshot};

/// `GET /ui/pipeline`.
pub async fn page(
    State(_state): State<UiState>,
    Extension(session): Extension<Session>,
) -> Result<Html<String>, UiError> {
    let s = pipeline_snapshot();
    let seconds =
        |v: Option<f64>| v.map(|v| format!("≤ {:.0} ms", v * 1_000.0)).unwrap_or_default();
    let mut body = format!(
        r#"<p class="note">This process's own metrics, refreshed every 2 s. Rates are computed between two readings; other instances report on their own operations listener.</p>
<div class="cards" id="pipeline" data-poll="/ui/pipeline.json">
<div class="card"><span class="label">events / s</span><span class="value" id="events-rate">–</span></div>
<div class="card"><span class="label">flush latency (mean, last 2 s)</span><span class="value" id="flush-mean">–</span></div>
<div class="card"><span class="label">flush p50 / p99 (since start)</span><span class="value" id="flush-quantiles">{p50} / {p99}</span></div>
<div class="card"><span class="label">partitions assigned / paused</span><span class="value" id="partitions">{assigned} / {paused}</span></div>
<div class="card"><span class="label">events consumed</span><span class="value" id="consumed">{consumed}</span></div>
<div class="card"><span class="label">dead-lettered</span><span class="value" id="dead-lettered">{dead}</span></div>
<div class="card"><span class="label">flushes</span><span class="value" id="flushes">{flushes}</span></div>
<div class="card"><span class="label">keys buffered</span><span class="value" id="buffered">{buffered}</span></div>
</div><h2>Consumer lag per partition</h2>"#,
        p50 = seconds(s.flush_p50_s),
        p99 = seconds(s.flush_p99_s),
        assigned = s.partitions_assigned,
        paused = s.partitions_paused,
        consumed = s.events_consumed,
        dead = s.events_dead_lettered,
        flushes = s.flushes,
        buffered = s.buffered_keys,
    );
    body.push_str(&lag_table(&s));
    Ok(layout::page("Live pipeline", Some(Nav::Pipeline), &session, &body))
}

fn lag_table(s: &PipelineSnapshot) -> String {
    let mut html = String::from(
        r#"<table id="lag"><thead><tr><th>topic</th><th class="num">partition</th><th class="num">lag (messages)</th><th class="num">seconds behind</th></tr></thead><tbody>"#,
    );
    if s.partitions.is_empty() {
        html.push_str(r#"<tr><td colspan="4">No partition assigned to this process.</td></tr>"#);
    }
    for p in &s.partitions {
        html.push_str(&format!(
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&p.topic),
            esc(&p.partition),
            p.lag_messages,
            p.seconds_behind
        ));
    }
    html.push_str("</tbody></table>");
    html
}

/// `GET /ui/pipeline.json`: the snapshot, with the time it was read (ms since the epoch).
pub async fn json(
    State(_state): State<UiState>,
    Extension(_session): Extension<Session>,
) -> Json<serde_json::Value> {
    let snapshot = pipeline_snapshot();
    Json(serde_json::json!({
        "at_ms": chrono::Utc::now().timestamp_millis(),
        "pipeline": snapshot,
    }))
}
