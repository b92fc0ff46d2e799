//! The jobs page: a list filtered by state, kind, queue, tenant, unique key and time range, in
//! keyset pages (`store::job_console::page`: no OFFSET, no count), and bulk retry / cancel /
//! delete of the filter's whole result.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::form::{input, select, JobQuery, Listed};
use super::layout::{self, csrf_field, esc, time, Nav};
use super::session::Session;
use super::{UiError, UiState};
use crate::store::job_admin;
use crate::store::job_admin::JobRecord;
use crate::store::job_console::{self, BulkAction, JobFilter};
use crate::types::JobState;

/// Jobs per page.
const PAGE: i64 = 50;
/// Jobs a bulk cancel reads per page (cancellation is one transaction per job, with its
/// dependents).
const CANCEL_PAGE: i64 = 500;
/// Most jobs one bulk cancel goes through (the rest: submit again).
const MAX_BULK_CANCEL: usize = 10_000;
/// Longest error text shown in the list.
const ERROR_CHARS: usize = 80;

/// `GET /ui/jobs`.
pub async fn page(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Query(query): Query<Listed<JobQuery>>,
) -> Result<Html<String>, UiError> {
    let filter = query.filter.filter()?;
    let before = query.cursor()?;
    let client = state.client().await?;
    let jobs = job_console::page(&client, &filter, before, PAGE).await?;
    let mut body = filter_form(&query.filter);
    body.push_str(&job_table(&jobs));
    let base = query.filter.query_string();
    let mut pager = String::from(r#"<p class="pager">"#);
    if before.is_some() {
        pager.push_str(&format!(r#"<a href="/ui/jobs?{}">Newest</a> "#, esc(&base)));
    }
    if jobs.len() as i64 == PAGE {
        if let Some(last) = jobs.last() {
            let href = format!("/ui/jobs?{base}&before={}", last.id);
            pager.push_str(&format!(r#"<a href="{}" rel="next">Older →</a>"#, esc(href)));
        }
    }
    pager.push_str("</p>");
    body.push_str(&pager);
    if filter != JobFilter::default() {
        body.push_str(&bulk_form(&session, &query.filter));
    }
    Ok(layout::page("Jobs", Some(Nav::Jobs), &session, &body))
}

fn filter_form(query: &JobQuery) -> String {
    let mut states = vec![("", "any")];
    states.extend(JobState::ALL.iter().map(|s| (s.as_str(), s.as_str())));
    format!(
        r#"<form method="get" action="/ui/jobs" class="filters" id="job-filters">{}{}{}{}{}{}{}<button type="submit">Filter</button> <a href="/ui/jobs">Clear</a></form>"#,
        select("state", "State", &states, &query.state),
        input("kind", "Kind", &query.kind, ""),
        input("queue", "Queue", &query.queue, ""),
        input("tenant", "Tenant", &query.tenant, ""),
        input("unique_key", "Unique key", &query.unique_key, ""),
        input("since", "Since", &query.since, "15m or 2026-01-02T03:04"),
        input("until", "Until", &query.until, "RFC 3339 or age"),
    )
}

/// The jobs as a table, each id linking to its page.
pub fn job_table(jobs: &[JobRecord]) -> String {
    let mut html = String::from(
        r#"<table id="jobs"><thead><tr><th class="num">id</th><th>state</th><th>kind</th><th>queue</th><th>tenant</th><th class="num">prio</th><th class="num">attempt</th><th>created</th><th>last error</th></tr></thead><tbody>"#,
    );
    if jobs.is_empty() {
        html.push_str(r#"<tr><td colspan="9">No jobs match.</td></tr>"#);
    }
    for j in jobs {
        let error: String =
            j.last_error.as_deref().unwrap_or("").chars().take(ERROR_CHARS).collect();
        html.push_str(&format!(
            r#"<tr data-id="{id}"><td class="num"><a href="/ui/jobs/{id}">{id}</a></td><td><span class="state st-{state}">{state}</span></td><td>{kind}</td><td>{queue}</td><td>{tenant}</td><td class="num">{prio}</td><td class="num">{attempt}/{max}</td><td>{created}</td><td class="error">{error}</td></tr>"#,
            id = j.id,
            state = j.state,
            kind = esc(&j.kind),
            queue = esc(&j.queue),
            tenant = esc(&j.tenant),
            prio = j.effective_priority,
            attempt = j.attempt,
            max = j.max_attempts,
            created = time(Some(j.created_at)),
            error = esc(error),
        ));
    }
    html.push_str("</tbody></table>");
    html
}

fn bulk_form(session: &Session, query: &JobQuery) -> String {
    format!(
        r#"<form method="post" action="/ui/jobs/bulk" class="bulk" id="bulk">{csrf}{hidden}<label><input type="checkbox" name="confirm" value="yes" required> every job matching these filters, on every page</label> <button type="submit" name="action" value="retry">Retry all</button> <button type="submit" name="action" value="cancel">Cancel all</button> <button type="submit" name="action" value="delete" class="danger">Delete all</button></form>"#,
        csrf = csrf_field(session),
        hidden = query.hidden_fields(),
    )
}

/// A bulk action's form.
#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(flatten)]
    filter: JobQuery,
    action: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /ui/jobs/bulk`: retry, cancel or delete every job matching the filters.
pub async fn bulk(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Form(form): Form<BulkForm>,
) -> Result<Response, UiError> {
    let filter = form.filter.filter()?;
    if filter == JobFilter::default() {
        return Err(UiError::BadRequest("a bulk action needs at least one filter".into()));
    }
    if form.confirm != "yes" {
        return Err(UiError::BadRequest("tick the box to confirm a bulk action".into()));
    }
    let mut client = state.client().await?;
    let message = match form.action.as_str() {
        "retry" => {
            let ids =
                job_console::bulk(&client, BulkAction::Retry(state.queue), &filter, None, |_| {})
                    .await?;
            format!("retried {} job(s)", ids.len())
        }
        "delete" => {
            let ids = job_console::bulk(&client, BulkAction::Delete, &filter, None, |_| {}).await?;
            format!("deleted {} job(s)", ids.len())
        }
        "cancel" => cancel_all(&state, &mut client, &filter).await?,
        other => return Err(UiError::BadRequest(format!("no bulk action {other:?}"))),
    };
    tracing::info!(who = %session.who, action = %form.action, %message, "operator UI bulk action");
    session.flash(&state, message);
    Ok(Redirect::to(&format!("/ui/jobs?{}", form.filter.query_string())).into_response())
}

/// Cancels the filter's jobs that have not started, page by page, each with its dependents.
async fn cancel_all(
    state: &UiState,
    client: &mut deadpool_postgres::Client,
    filter: &JobFilter,
) -> Result<String, UiError> {
    let (mut cancelled, mut skipped, mut before) = (0usize, 0usize, None);
    while cancelled + skipped < MAX_BULK_CANCEL {
        let page = job_console::page(&*client, filter, before, CANCEL_PAGE).await?;
        for job in &page {
            match job_admin::cancel(client, &state.queue, job.id).await? {
                job_admin::CancelOutcome::Cancelled { newly: true, .. } => cancelled += 1,
                _ => skipped += 1,
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == CANCEL_PAGE => before = Some(last.id),
            _ => break,
        }
    }
    Ok(format!("cancelled {cancelled} job(s) with their dependents; {skipped} not cancellable"))
}
