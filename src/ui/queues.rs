//! The queues page: jobs per queue and state, the oldest available job's age, completions per
//! minute and the failure rate over the last minutes, and pause / resume; below it the periodic
//! schedules with their last tick and the jobs they enqueued and missed.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;

use super::layout::{self, csrf_field, esc, time, Nav};
use super::session::Session;
use super::{UiError, UiState};
use crate::store::periodic::ScheduleRow;
use crate::store::{job_admin, job_console, periodic, queue_stats};
use crate::types::JobState;

/// The throughput window by default (minutes).
const DEFAULT_WINDOW_MIN: u32 = 5;
/// Windows offered (minutes).
const WINDOWS: &[u32] = &[1, 5, 15, 60];

/// The page's options.
#[derive(Debug, Default, Deserialize)]
pub struct QueuesQuery {
    minutes: Option<u32>,
}

#[derive(Debug, Default)]
struct Row {
    counts: Vec<(JobState, i64)>,
    oldest_available_s: Option<f64>,
    completed: i64,
    failed: i64,
    paused_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn render(state: &UiState, session: &Session, minutes: u32) -> Result<Html<String>, UiError> {
    let client = state.client().await?;
    let counts = job_admin::queue_counts(&client).await?;
    let throughput = queue_stats::throughput(&client, f64::from(minutes) * 60.0).await?;
    let paused = job_console::paused(&client).await?;
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for c in counts {
        let row = rows.entry(c.queue).or_default();
        row.counts.push((c.state, c.jobs));
        row.oldest_available_s = row.oldest_available_s.or(c.oldest_available_s);
    }
    for t in throughput {
        let row = rows.entry(t.queue).or_default();
        (row.completed, row.failed) = (t.completed, t.failed);
    }
    for (queue, at) in paused {
        rows.entry(queue).or_default().paused_at = Some(at);
    }
    let windows: String = WINDOWS
        .iter()
        .map(|w| {
            let current = if *w == minutes { r#" aria-current="true""# } else { "" };
            format!(r#"<a href="/ui/queues?minutes={w}"{current}>{w} min</a> "#)
        })
        .collect();
    let head: String =
        JobState::ALL.iter().map(|s| format!(r#"<th class="num">{s}</th>"#)).collect();
    let mut body = format!(
        r#"<p class="window">Throughput over the last: {windows}</p>
<table id="queues"><thead><tr><th>queue</th>{head}<th class="num">oldest available</th><th class="num">completed / min</th><th class="num">failure rate</th><th>status</th><th></th></tr></thead><tbody>"#
    );
    if rows.is_empty() {
        body.push_str(r#"<tr><td colspan="14">No jobs and no paused queue.</td></tr>"#);
    }
    for (queue, row) in &rows {
        let cells: String = JobState::ALL
            .iter()
            .map(|s| {
                let n = row.counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
                let query = [("queue", queue.as_str()), ("state", s.as_str())];
                let link =
                    format!("/ui/jobs?{}", serde_urlencoded::to_string(query).unwrap_or_default());
                format!(r#"<td class="num"><a href="{}">{n}</a></td>"#, esc(link))
            })
            .collect();
        let attempts = row.completed + row.failed;
        let rate = if attempts == 0 {
            "–".to_string()
        } else {
            format!("{:.1} %", 100.0 * row.failed as f64 / attempts as f64)
        };
        let (status, action, label) = match row.paused_at {
            Some(at) => (format!("paused since {}", time(Some(at))), "resume", "Resume"),
            None => ("running".to_string(), "pause", "Pause"),
        };
        body.push_str(&format!(
            r#"<tr data-queue="{q}"><td>{q}</td>{cells}<td class="num">{oldest}</td><td class="num">{per_min:.1}</td><td class="num">{rate}</td><td>{status}</td><td><form method="post" action="/ui/queues/{q_path}/{action}">{csrf}<button type="submit">{label}</button></form></td></tr>"#,
            q = esc(queue),
            q_path = esc(path_segment(queue)),
            oldest = row.oldest_available_s.map(|s| format!("{s:.1} s")).unwrap_or_default(),
            per_min = row.completed as f64 / f64::from(minutes),
            csrf = csrf_field(session),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&schedules_table(&periodic::schedules(&client).await?));
    Ok(layout::page("Queues", Some(Nav::Queues), session, &body))
}

/// The periodic schedules (`goalstream jobs periodic` in the browser).
fn schedules_table(schedules: &[ScheduleRow]) -> String {
    let mut out = String::from(
        r#"<h2>Periodic schedules</h2>
<table id="schedules"><thead><tr><th>name</th><th>cron</th><th>time zone</th><th>kind</th><th>queue</th><th>catch-up</th><th>last tick</th><th class="num">enqueued</th><th class="num">missed</th></tr></thead><tbody>"#,
    );
    if schedules.is_empty() {
        out.push_str(
            r#"<tr><td colspan="9">No schedule registered (goalstream run --periodic FILE).</td></tr>"#,
        );
    }
    for s in schedules {
        out.push_str(&format!(
            r#"<tr data-schedule="{name}"><td>{name}</td><td><code>{cron}</code></td><td>{tz}</td><td>{kind}</td><td>{queue}</td><td>{catch_up}</td><td>{last}</td><td class="num">{enqueued}</td><td class="num">{missed}</td></tr>"#,
            name = esc(&s.name),
            cron = esc(&s.cron),
            tz = esc(&s.timezone),
            kind = esc(&s.kind),
            queue = esc(&s.queue),
            catch_up = esc(&s.catch_up),
            last = time(Some(s.last_tick)),
            enqueued = s.ticks_enqueued,
            missed = s.ticks_missed,
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// `GET /ui/queues`.
pub async fn page(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Query(query): Query<QueuesQuery>,
) -> Result<Html<String>, UiError> {
    let minutes = query.minutes.unwrap_or(DEFAULT_WINDOW_MIN);
    if !WINDOWS.contains(&minutes) {
        return Err(UiError::BadRequest(format!("minutes: one of {WINDOWS:?}")));
    }
    render(&state, &session, minutes).await
}

/// `POST /ui/queues/{queue}/pause|resume`.
pub async fn change(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Path((queue, action)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let client = state.client().await?;
    let message = match action.as_str() {
        "pause" => match job_console::pause(&client, &queue).await? {
            true => format!("queue {queue} paused"),
            false => format!("queue {queue} was already paused"),
        },
        "resume" => match job_console::resume(&client, &queue).await? {
            true => format!("queue {queue} resumed"),
            false => format!("queue {queue} was not paused"),
        },
        other => return Err(UiError::NotFound(format!("no queue action {other:?}"))),
    };
    session.flash(&state, message);
    Ok(Redirect::to("/ui/queues").into_response())
}

/// `text` percent-encoded for one path segment.
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
