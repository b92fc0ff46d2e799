//! A job's page: its columns and arguments, every attempt with its error and duration, its
//! parents and children drawn as a small DAG, and the actions retry now, cancel (with
//! dependents) and delete.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;

use super::dag;
use super::layout::{self, csrf_field, esc, time, Nav};
use super::session::Session;
use super::{UiError, UiState};
use crate::store::job_admin;
use crate::store::job_console::{self, BulkAction, JobFilter};

/// `GET /ui/jobs/{id}`.
pub async fn page(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> Result<Html<String>, UiError> {
    let client = state.client().await?;
    let job = job_admin::job(&client, id).await?.ok_or_else(|| {
        UiError::NotFound(format!("no job {id} (deleted, or pruned by the cleaner)"))
    })?;
    let attempts = job_console::attempts(&client, id).await?;
    let edges = job_console::edges(&client, id).await?;
    let opt = |v: Option<&String>| v.map(esc).unwrap_or_default();
    let fields = [
        (
            "state",
            format!(r#"<span class="state st-{s}" id="job-state">{s}</span>"#, s = job.state),
        ),
        ("kind", esc(&job.kind)),
        ("queue", esc(&job.queue)),
        ("tenant", esc(&job.tenant)),
        ("priority", format!("{} (effective {})", job.priority, job.effective_priority)),
        ("attempt", format!("{} of {}", job.attempt, job.max_attempts)),
        ("run at", time(Some(job.run_at))),
        ("pending parents", job.pending_parents.to_string()),
        ("unique key", opt(job.unique_key.as_ref())),
        ("worker", opt(job.worker_id.as_ref())),
        ("created", time(Some(job.created_at))),
        ("attempted", time(job.attempted_at)),
        ("finished", time(job.finished_at)),
        ("last error", opt(job.last_error.as_ref())),
    ];
    let rows: String = fields
        .iter()
        .map(|(name, value)| format!("<tr><th>{name}</th><td>{value}</td></tr>"))
        .collect();
    let args = serde_json::to_string_pretty(&job.args).unwrap_or_default();
    let csrf = csrf_field(&session);
    let mut body = format!(
        r#"<div class="actions"><form method="post" action="/ui/jobs/{id}/retry">{csrf}<button type="submit" id="retry">Retry now</button></form><form method="post" action="/ui/jobs/{id}/cancel">{csrf}<button type="submit" id="cancel">Cancel with dependents</button></form><form method="post" action="/ui/jobs/{id}/delete">{csrf}<button type="submit" id="delete" class="danger">Delete</button></form></div>
<div class="overview"><table class="fields"><tbody>{rows}</tbody></table><section><h2>Dependencies</h2>{dag}</section></div><h2>Arguments</h2><pre id="args">{args}</pre><h2>Attempts</h2>"#,
        args = esc(args),
        dag = dag::draw(&job, &edges),
    );
    body.push_str(r#"<table id="attempts"><thead><tr><th class="num">attempt</th><th>outcome</th><th>worker</th><th>started</th><th>finished</th><th class="num">seconds</th><th>error</th></tr></thead><tbody>"#);
    if attempts.is_empty() {
        body.push_str(r#"<tr><td colspan="7">No finished attempt.</td></tr>"#);
    }
    for a in &attempts {
        body.push_str(&format!(
            r#"<tr><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="error">{}</td></tr>"#,
            a.attempt,
            esc(&a.outcome),
            opt(a.worker_id.as_ref()),
            time(a.started_at),
            time(Some(a.finished_at)),
            a.duration_s.map(|s| format!("{s:.3}")).unwrap_or_default(),
            opt(a.error.as_ref()),
        ));
    }
    body.push_str("</tbody></table>");
    Ok(layout::page(&format!("Job {id}"), Some(Nav::Jobs), &session, &body))
}

/// `POST /ui/jobs/{id}/retry|cancel|delete`.
pub async fn action(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, UiError> {
    let mut client = state.client().await?;
    let ids = [id];
    let any = JobFilter::default();
    let (message, back) = match action.as_str() {
        "retry" => {
            let done = job_console::bulk(
                &client,
                BulkAction::Retry(state.queue),
                &any,
                Some(&ids),
                |_| {},
            )
            .await?;
            let message = if done.is_empty() {
                format!(
                    "job {id}: not retried (only failed, cancelled, retryable or scheduled jobs)"
                )
            } else {
                format!("job {id}: retried now")
            };
            (message, format!("/ui/jobs/{id}"))
        }
        "cancel" => {
            let outcome = job_admin::cancel(&mut client, &state.queue, id).await?;
            (outcome.describe(id), format!("/ui/jobs/{id}"))
        }
        "delete" => {
            let done =
                job_console::bulk(&client, BulkAction::Delete, &any, Some(&ids), |_| {}).await?;
            if done.is_empty() {
                let message =
                    format!("job {id}: not deleted (live jobs are never deleted: cancel first)");
                (message, format!("/ui/jobs/{id}"))
            } else {
                (format!("job {id}: deleted"), "/ui/jobs".to_string())
            }
        }
        other => return Err(UiError::NotFound(format!("no job action {other:?}"))),
    };
    tracing::info!(who = %session.who, job = id, %action, "operator UI job action");
    session.flash(&state, message);
    Ok(Redirect::to(&back).into_response())
}
