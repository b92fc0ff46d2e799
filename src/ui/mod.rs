//! The operator web UI, served under `/ui` on the operations listener (docs/CONSOLE.md):
//! server-rendered HTML pages over the same store functions as the `jobs`, `dead-letters` and
//! `player` commands, a small script and style sheet compiled into the binary, no CDN.
//!
//! - [`auth`]: who may use it (an API key with the `admin` scope, as a bearer header or
//!   through the login form's session cookie; anyone on loopback when no credentials are
//!   configured) and CSRF checks of its actions; [`session`]: the login sessions, their cookie
//!   and CSRF tokens.
//! - `layout`: the page frame, HTML escaping, the security headers (a strict
//!   Content-Security-Policy: scripts, styles and images from `/ui/static` only).
//! - Every request is logged with its request id and the caller's name
//!   (`telemetry::request_log`, as the REST API's).
//! - One file per page: `queues`, `jobs` (list, filters, bulk actions), `job` (one job, with
//!   its DAG drawn by `dag`), `dead_letters`, `players`, `pipeline` (live, polling
//!   `/ui/pipeline.json`).

pub mod auth;
mod dag;
mod dead_letters;
mod form;
mod job;
mod jobs;
mod layout;
mod pipeline;
mod players;
mod queues;
pub mod session;

use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use deadpool_postgres::Pool;

use crate::api::{Auth, AuthSettings};
use crate::catalog::Catalog;
use crate::store::{ProgressStore, StoreError};
use crate::types::QueueSettings;

/// Connections of the UI's own pool (kept apart from the pipeline's and the API's).
pub const DEFAULT_POOL_SIZE: usize = 2;

/// How the UI is served.
#[derive(Debug, Clone, Default)]
pub struct UiSettings {
    /// Who may use it: the API's credentials (the `admin` scope). None configured: loopback
    /// only.
    pub auth: AuthSettings,
}

/// What the pages read and change.
#[derive(Clone)]
pub struct UiState {
    pool: Pool,
    catalog: Arc<Catalog>,
    progress: ProgressStore,
    queue: QueueSettings,
    auth: Arc<Auth>,
    sessions: Arc<session::Sessions>,
}

impl UiState {
    /// The UI over `pool` (goalstream's database), replaying dead letters with `catalog`,
    /// placing retried jobs by `queue`, admitting callers by `auth`.
    pub fn new(pool: Pool, catalog: Arc<Catalog>, queue: QueueSettings, auth: Arc<Auth>) -> Self {
        UiState {
            pool,
            progress: ProgressStore::new(catalog.clone()),
            catalog,
            queue,
            auth,
            sessions: Arc::new(session::Sessions::default()),
        }
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, UiError> {
        self.pool.get().await.map_err(|error| UiError::Internal(error.to_string()))
    }
}

/// The UI's routes, all under `/ui`.
pub fn router(state: UiState) -> Router {
    let pages = Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/queues") }))
        .route("/ui/queues", get(queues::page))
        .route("/ui/queues/{queue}/{action}", post(queues::change))
        .route("/ui/jobs", get(jobs::page))
        .route("/ui/jobs/bulk", post(jobs::bulk))
        .route("/ui/jobs/{id}", get(job::page))
        .route("/ui/jobs/{id}/{action}", post(job::action))
        .route("/ui/dead-letters", get(dead_letters::page))
        .route("/ui/dead-letters/action", post(dead_letters::action))
        .route("/ui/dead-letters/{id}", get(dead_letters::letter))
        .route("/ui/players", get(players::page))
        .route("/ui/pipeline", get(pipeline::page))
        .route("/ui/pipeline.json", get(pipeline::json))
        .route("/ui/logout", post(auth::logout))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::guard));
    Router::new()
        .merge(pages)
        .route("/ui/login", get(auth::login_page).post(auth::login))
        .route("/ui/static/{file}", get(asset))
        .layer(middleware::map_response(layout::security_headers))
        .layer(middleware::from_fn(crate::telemetry::request_log::layer))
        .with_state(state)
}

/// The script, style sheet and icon, compiled in.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "ui.js" => (include_str!("assets/ui.js"), "text/javascript; charset=utf-8"),
        "ui.css" => (include_str!("assets/ui.css"), "text/css; charset=utf-8"),
        "icon.svg" => (include_str!("assets/icon.svg"), "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "max-age=300")], body).into_response()
}

/// What a page could not do.
#[derive(Debug)]
pub enum UiError {
    /// The thing asked for does not exist (404).
    NotFound(String),
    /// The request is not valid (400).
    BadRequest(String),
    /// The database failed (500).
    Internal(String),
}

impl From<StoreError> for UiError {
    fn from(error: StoreError) -> Self {
        UiError::Internal(error.to_string())
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            UiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            UiError::Internal(m) => {
                tracing::warn!(error = %m, "operator UI request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, m)
            }
        };
        (status, layout::error_page(status, &message)).into_response()
    }
}
