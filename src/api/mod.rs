//! The REST API (`/v1/...`, `/openapi.json`): players' challenge progress, claims,
//! assignment, and the job queue. JSON in and out; errors are `{"code", "message"}` with a
//! machine-readable code ([`ErrorCode`]); every request has an id (`x-request-id`, generated
//! when absent, echoed, in the logs); bodies are limited ([`DEFAULT_BODY_LIMIT`]).
//!
//! - [`challenges`]: `GET /v1/users/{user_id}/challenges`, the catalog joined with the
//!   player's rows ([`view`]).
//! - [`goals`]: claim (row-locked, rules in [`crate::store::claims`]), assign / unassign,
//!   initialize.
//! - [`jobs`]: enqueue, read, cancel, counts per queue.
//! - [`openapi`]: the description, `docs/openapi.json`.
//! - [`auth`]: who may call what; [`limits`]: in-flight, timeout and rate limits; [`cors`]:
//!   browser origins, off unless configured.
//!
//! [`router`] builds the axum router from [`routes`], the one list of routes (the OpenAPI test
//! reads it too); [`serve`] runs it on a listener until a shutdown future resolves.
//! [`ApiState::warm_up`] opens every pool connection and prepares the API's statements before
//! the first request (seed 002: the first requests were 5–7× slower on a cold pool).

pub mod auth;
pub mod challenges;
pub mod cors;
mod error;
pub mod extract;
pub mod goals;
pub mod jobs;
pub mod limits;
pub mod openapi;
pub mod request_id;
pub mod view;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post, put, MethodRouter};
use axum::Router;
use deadpool_postgres::Pool;
use tokio::net::TcpListener;

pub use auth::{Access, Auth, AuthSettings};
pub use error::{ApiError, ErrorCode};

use crate::catalog::Catalog;
use crate::store::{claims, job_admin, user_progress, StoreError};
use crate::types::QueueSettings;

/// Largest request body accepted (bytes): the largest body is a job's arguments; 64 KiB is the
/// event payload limit too.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// API settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// See [`DEFAULT_BODY_LIMIT`].
    pub body_limit: usize,
    /// Job kinds `POST /v1/jobs` accepts: those a worker has a handler for (an unknown kind
    /// would only fail its attempts). The kinds the pipeline owns are refused whatever this
    /// says.
    pub job_kinds: Vec<String>,
    /// Where credentials come from, and the per-credential rate limits.
    pub auth: AuthSettings,
    /// Requests handled at once; past it, 503 `overloaded`.
    pub max_in_flight: usize,
    /// Time a request may take (body read included); past it, 408 `request_timeout`.
    pub request_timeout: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            body_limit: DEFAULT_BODY_LIMIT,
            job_kinds: Vec::new(),
            auth: AuthSettings::default(),
            max_in_flight: limits::DEFAULT_MAX_IN_FLIGHT,
            request_timeout: limits::DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// Connections (the API's own pool or the service's).
    pub pool: Pool,
    /// Challenges and goals.
    pub catalog: Arc<Catalog>,
    /// How enqueued jobs are ordered (aging, fairness).
    pub queue: QueueSettings,
    /// Limits.
    pub config: ApiConfig,
    /// Who may call what.
    pub auth: Arc<Auth>,
}

/// What [`ApiState::warm_up`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmUp {
    /// Connections open in the pool.
    pub connections: usize,
    /// How long it took.
    pub elapsed: Duration,
}

impl ApiState {
    /// State with the default queue settings and limits.
    pub fn new(pool: Pool, catalog: Arc<Catalog>) -> Self {
        ApiState {
            pool,
            catalog,
            queue: QueueSettings::default(),
            config: ApiConfig::default(),
            auth: Arc::new(Auth::disabled()),
        }
    }

    /// Opens every connection of the pool at once and prepares the API's statements on each,
    /// so no request pays for a connection or a statement preparation.
    pub async fn warm_up(&self) -> Result<WarmUp, StoreError> {
        let started = Instant::now();
        let size = self.pool.status().max_size;
        let clients = futures::future::try_join_all((0..size).map(|_| self.pool.get())).await?;
        futures::future::try_join_all(clients.iter().map(|client| async move {
            user_progress::prepare(client).await?;
            claims::prepare(client).await?;
            job_admin::prepare(client).await
        }))
        .await?;
        Ok(WarmUp { connections: clients.len(), elapsed: started.elapsed() })
    }
}

/// One route: method, path template (axum's and OpenAPI's `{param}` syntax), who may call it
/// and handler.
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path template.
    pub path: &'static str,
    /// Who may call it (the OpenAPI document declares the same).
    pub access: Access,
    /// Handler.
    pub handler: MethodRouter<ApiState>,
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    use auth::Scope::{JobsRead, JobsWrite, ProgressRead, ProgressWrite};
    use Access::{Player, Public, Service};
    let route = |method: Method, path, access, handler| Route { method, path, access, handler };
    vec![
        route(
            Method::GET,
            "/v1/users/{user_id}/challenges",
            Player(ProgressRead),
            get(challenges::list),
        ),
        route(
            Method::POST,
            "/v1/users/{user_id}/goals/{goal_id}/claim",
            Player(ProgressWrite),
            post(goals::claim),
        ),
        route(
            Method::PUT,
            "/v1/users/{user_id}/goals/{goal_id}/active",
            Player(ProgressWrite),
            put(goals::set_active),
        ),
        route(
            Method::POST,
            "/v1/users/{user_id}/initialize",
            Player(ProgressWrite),
            post(goals::initialize),
        ),
        route(Method::POST, "/v1/jobs", Service(JobsWrite), post(jobs::enqueue)),
        route(Method::GET, "/v1/jobs/{id}", Service(JobsRead), get(jobs::get)),
        route(Method::POST, "/v1/jobs/{id}/cancel", Service(JobsWrite), post(jobs::cancel)),
        route(Method::GET, "/v1/queues", Service(JobsRead), get(jobs::queues)),
        route(Method::GET, "/openapi.json", Public, get(openapi::document)),
    ]
}

/// The API's router, ready to serve or to nest into a larger one. Every route runs behind its
/// [`auth::guard`].
pub fn router(state: ApiState) -> Router {
    let body_limit = state.config.body_limit;
    let auth = state.auth.clone();
    let request_limits =
        limits::RequestLimits::new(state.config.max_in_flight, state.config.request_timeout);
    let cors = cors::layer(&state.config.auth.cors_allow_origin);
    let router = routes()
        .into_iter()
        .fold(Router::new(), |router, route| {
            let guard = auth::Guard { auth: auth.clone(), access: route.access };
            let handler =
                route.handler.route_layer(axum::middleware::from_fn_with_state(guard, auth::guard));
            router.route(route.path, handler)
        })
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(request_limits, limits::limit));
    // Outside the routes' guards: a preflight carries no credentials.
    let router = match cors {
        Some(cors) => router.layer(axum::middleware::from_fn_with_state(cors, cors::cors)),
        None => router,
    };
    router.layer(axum::middleware::from_fn(request_id::layer)).with_state(state)
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes the requests in
/// flight.
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

async fn route_not_found() -> ApiError {
    ApiError::new(ErrorCode::RouteNotFound, "no such route; GET /openapi.json lists them")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "this route does not take that method")
}
