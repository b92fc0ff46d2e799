//! The job queue over HTTP: enqueue (`POST /v1/jobs`), read (`GET /v1/jobs/{id}`), cancel
//! (`POST /v1/jobs/{id}/cancel`) and counts (`GET /v1/queues`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, ErrorCode};
use super::extract::{parse_job_id, Body, Params};
use super::ApiState;
use crate::catalog::{check_external_id, MAX_ID_LEN};
use crate::store::job_admin::{self, CancelOutcome, JobRecord};
use crate::store::jobs;
use crate::types::{
    reward, JobState, NewJob, DEFAULT_MAX_ATTEMPTS, DEFAULT_PRIORITY, DEFAULT_QUEUE,
};

/// Body of `POST /v1/jobs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnqueueRequest {
    /// Handler kind.
    pub kind: String,
    /// Handler arguments (a JSON object; default `{}`).
    #[serde(default)]
    pub args: Option<Value>,
    /// Queue (default `default`).
    pub queue: Option<String>,
    /// Fairness key (default none).
    pub tenant: Option<String>,
    /// 1 (most urgent) to 5 (default 3).
    pub priority: Option<i16>,
    /// Attempts before it fails for good (default 5).
    pub max_attempts: Option<i32>,
    /// Not before this time (default now).
    pub run_at: Option<DateTime<Utc>>,
    /// At most one live job per key.
    pub unique_key: Option<String>,
}

/// Response of `POST /v1/jobs`.
#[derive(Debug, Serialize)]
pub struct EnqueueResponse {
    /// The job's id (the live job holding the unique key when `created` is false).
    pub id: i64,
    /// Whether this call created it.
    pub created: bool,
}

/// Enqueues one job of a registered kind (never one of the pipeline's): 201 with its id; 200
/// with the live job's id when a live job of the same kind holds its unique key.
pub async fn enqueue(
    State(state): State<ApiState>,
    Body(request): Body<EnqueueRequest>,
) -> Result<(StatusCode, Json<EnqueueResponse>), ApiError> {
    let job = new_job(request, &state.config.job_kinds)?;
    let client = state.pool.get().await?;
    let ids = jobs::enqueue(&client, &state.queue, std::slice::from_ref(&job)).await.map_err(
        |error| match error {
            crate::store::StoreError::Invalid(message) => {
                ApiError::new(ErrorCode::InvalidJob, message)
            }
            other => other.into(),
        },
    )?;
    if let Some(id) = ids.first().copied().flatten() {
        return Ok((StatusCode::CREATED, Json(EnqueueResponse { id, created: true })));
    }
    let key = job.unique_key.as_deref().unwrap_or_default();
    match job_admin::live_job_by_key(&client, &job.kind, key).await? {
        Some(id) => Ok((StatusCode::OK, Json(EnqueueResponse { id, created: false }))),
        // The live job finished between the two statements: the caller may enqueue again.
        None => Err(ApiError::new(
            ErrorCode::DuplicateJob,
            format!("a job with unique key {key:?} was live a moment ago; retry"),
        )),
    }
}

/// Largest `args` accepted (bytes of JSON): handler arguments are references, not payloads.
pub const MAX_ARGS_BYTES: usize = 16 * 1024;
/// Most attempts a job may ask for: with the retry backoff capped at an hour, 25 attempts span
/// about a day.
pub const MAX_ATTEMPTS: i32 = 25;
/// Latest `run_at` accepted, from now.
pub const MAX_SCHEDULE_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(366);
/// Earliest `run_at` accepted, before now (a little clock skew; earlier means now anyway).
pub const MAX_SCHEDULE_BEHIND: chrono::TimeDelta = chrono::TimeDelta::days(1);

fn new_job(request: EnqueueRequest, allowed_kinds: &[String]) -> Result<NewJob, ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidJob, message);
    for (field, value) in [
        ("kind", Some(&request.kind)),
        ("queue", request.queue.as_ref()),
        ("tenant", request.tenant.as_ref()),
        ("unique_key", request.unique_key.as_ref()),
    ] {
        if let Some(Err(problem)) = value.map(|v| check_external_id(v, MAX_ID_LEN * 2)) {
            return Err(invalid(format!("{field} {problem}")));
        }
    }
    // The pipeline's kinds and queues first: a forged reward is refused as such, whatever
    // handlers are registered (issue 19: forged and swapped rewards).
    if reward::PIPELINE_KINDS.contains(&request.kind.as_str()) {
        return Err(ApiError::new(
            ErrorCode::ReservedJobKind,
            format!("jobs of kind {:?} are enqueued by goalstream only", request.kind),
        ));
    }
    if let Some(queue) = request.queue.as_deref().filter(|q| reward::PIPELINE_QUEUES.contains(q)) {
        return Err(ApiError::new(
            ErrorCode::ReservedQueue,
            format!("queue {queue:?} holds goalstream's own jobs only"),
        ));
    }
    if !request.kind.trim().is_empty() && !allowed_kinds.contains(&request.kind) {
        let allowed = if allowed_kinds.is_empty() {
            "none is registered".to_string()
        } else {
            format!("one of {}", allowed_kinds.join(", "))
        };
        return Err(ApiError::new(
            ErrorCode::UnknownJobKind,
            format!("no handler runs jobs of kind {:?} ({allowed})", request.kind),
        ));
    }
    let args = request.args.unwrap_or_else(|| Value::Object(Default::default()));
    if !args.is_object() {
        return Err(invalid("args must be a JSON object".into()));
    }
    let args_bytes = serde_json::to_vec(&args).map_or(usize::MAX, |bytes| bytes.len());
    if args_bytes > MAX_ARGS_BYTES {
        return Err(invalid(format!("args are {args_bytes} bytes; at most {MAX_ARGS_BYTES}")));
    }
    if request.queue.as_deref().is_some_and(|q| q.trim().is_empty()) {
        return Err(invalid("queue must not be empty".into()));
    }
    if let Some(attempts) = request.max_attempts.filter(|n| *n > MAX_ATTEMPTS) {
        return Err(invalid(format!(
            "max_attempts must be at most {MAX_ATTEMPTS}, got {attempts}"
        )));
    }
    if let Some(run_at) = request.run_at {
        let now = Utc::now();
        if run_at > now + MAX_SCHEDULE_AHEAD || run_at < now - MAX_SCHEDULE_BEHIND {
            return Err(invalid(format!(
                "run_at must be within {} days from now and at most {} day in the past, got {}",
                MAX_SCHEDULE_AHEAD.num_days(),
                MAX_SCHEDULE_BEHIND.num_days(),
                run_at.to_rfc3339()
            )));
        }
    }
    let job = NewJob {
        kind: request.kind,
        queue: request.queue.unwrap_or_else(|| DEFAULT_QUEUE.into()),
        tenant: request.tenant.unwrap_or_default(),
        priority: request.priority.unwrap_or(DEFAULT_PRIORITY),
        args,
        max_attempts: request.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
        run_at: request.run_at,
        unique_key: request.unique_key,
    };
    job.check().map_err(invalid)?;
    Ok(job)
}

/// A job by id.
pub async fn get(
    State(state): State<ApiState>,
    Params(id): Params<String>,
) -> Result<Json<JobRecord>, ApiError> {
    let id = parse_job_id(&id)?;
    let client = state.pool.get().await?;
    job_admin::job(&client, id).await?.map(Json).ok_or_else(|| job_not_found(id))
}

/// Response of a cancellation.
#[derive(Debug, Serialize)]
pub struct CancelResponse {
    /// The job after the call.
    pub job: JobRecord,
    /// Dependents cancelled with it.
    pub cancelled_dependents: Vec<i64>,
    /// Dependents released (their edge runs them when the parent does not complete).
    pub released_dependents: Vec<i64>,
}

/// Cancels a job that has not started (pending, scheduled, available, retryable); cancelling
/// a cancelled job returns it unchanged; a running or finished job is 409 `job_not_cancellable`;
/// a job of a kind the pipeline owns (a reward) is 403 `reserved_job_kind`.
pub async fn cancel(
    State(state): State<ApiState>,
    Params(id): Params<String>,
) -> Result<Json<CancelResponse>, ApiError> {
    let id = parse_job_id(&id)?;
    let mut client = state.pool.get().await?;
    match job_admin::cancel(&mut client, &state.queue, id).await? {
        CancelOutcome::NotFound => Err(job_not_found(id)),
        CancelOutcome::Reserved { kind } => Err(ApiError::new(
            ErrorCode::ReservedJobKind,
            format!("job {id} is a {kind:?} job; only goalstream settles those"),
        )),
        CancelOutcome::NotCancellable { state } => Err(ApiError::new(
            ErrorCode::JobNotCancellable,
            format!("job {id} is {state}; only jobs that have not started can be cancelled"),
        )),
        CancelOutcome::Cancelled { cancelled, released, .. } => {
            let job = job_admin::job(&client, id).await?.ok_or_else(|| job_not_found(id))?;
            Ok(Json(CancelResponse {
                job,
                cancelled_dependents: cancelled,
                released_dependents: released,
            }))
        }
    }
}

/// One queue's counts.
#[derive(Debug, Serialize)]
pub struct QueueView {
    /// Queue.
    pub queue: String,
    /// Jobs per state (every state, zeros included).
    pub counts: BTreeMap<&'static str, i64>,
    /// All jobs of the queue.
    pub total: i64,
    /// Age (s) of the oldest available job; `null` when none is available.
    pub oldest_available_age_s: Option<f64>,
}

/// Response of `GET /v1/queues`.
#[derive(Debug, Serialize)]
pub struct QueuesResponse {
    /// Every queue that has jobs, by name.
    pub queues: Vec<QueueView>,
}

/// Jobs by queue and state.
pub async fn queues(State(state): State<ApiState>) -> Result<Json<QueuesResponse>, ApiError> {
    let client = state.pool.get().await?;
    let counts = job_admin::queue_counts(&client).await?;
    let mut queues: Vec<QueueView> = Vec::new();
    for count in counts {
        if queues.last().is_none_or(|q| q.queue != count.queue) {
            queues.push(QueueView {
                queue: count.queue.clone(),
                counts: JobState::ALL.iter().map(|s| (s.as_str(), 0)).collect(),
                total: 0,
                oldest_available_age_s: None,
            });
        }
        let view = queues.last_mut().expect("pushed above");
        view.counts.insert(count.state.as_str(), count.jobs);
        view.total += count.jobs;
        if count.state == JobState::Available {
            view.oldest_available_age_s = count.oldest_available_s;
        }
    }
    Ok(Json(QueuesResponse { queues }))
}

fn job_not_found(id: i64) -> ApiError {
    ApiError::new(ErrorCode::JobNotFound, format!("no job {id}"))
}
