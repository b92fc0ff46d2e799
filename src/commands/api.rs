//! `goalstream api`: the REST API alone on its own address and pool, composed by [`App`] (for
//! load tests and for game backends that keep ingestion elsewhere), with `/metrics`,
//! `/healthz` and `/readyz` on a listener of their own (`--http-addr`). Runs until SIGINT or SIGTERM, then finishes
//! the requests in flight; a second signal exits at once.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use clap::Args;

use crate::api::auth::{keys, Scope};
use crate::api::{ApiConfig, AuthSettings, DEFAULT_BODY_LIMIT};
use crate::app::{shutdown, ApiSettings, App, Config, Listeners};
use crate::db::DbConfig;

/// Options of `goalstream api`.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// Address to listen on.
    #[arg(long, env = "GOALSTREAM_API_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Database connections, all opened at start. Default: 2 × CPUs + 1 (a request spends
    /// most of its time waiting on Postgres).
    #[arg(long, env = "GOALSTREAM_API_POOL_SIZE")]
    pub pool_size: Option<usize>,
    /// Largest request body accepted (bytes); larger ones get 413 `body_too_large`.
    #[arg(long, env = "GOALSTREAM_API_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// Job kinds `POST /v1/jobs` accepts, comma-separated: the kinds your workers have handlers
    /// for. Default none (goalstream's own kind, goal.completed, is never accepted).
    #[arg(long, env = "GOALSTREAM_JOB_KINDS", value_delimiter = ',')]
    pub job_kinds: Vec<String>,
    /// Requests handled at once; past it, 503 `overloaded`.
    #[arg(long, env = "GOALSTREAM_API_MAX_IN_FLIGHT", default_value_t = crate::api::limits::DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
    /// Time a request may take, body read included (ms); past it, 408 `request_timeout`.
    #[arg(long, env = "GOALSTREAM_API_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Credentials.
    #[command(flatten)]
    pub auth: AuthSettings,
    /// Operations routes (/metrics, /healthz, /readyz), on a listener of their own.
    #[command(flatten)]
    pub http: crate::http::HttpArgs,
}

impl ApiArgs {
    /// The process these flags describe, on `db` with `catalog`.
    pub fn app_config(
        &self,
        db: DbConfig,
        catalog: Arc<crate::catalog::Catalog>,
    ) -> anyhow::Result<Config> {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool_size = self.pool_size.unwrap_or(2 * cpus + 1);
        anyhow::ensure!(pool_size >= 1, "--pool-size must be at least 1");
        let mut config = Config::new(db, catalog);
        let api = ApiConfig {
            body_limit: self.body_limit,
            job_kinds: self.job_kinds.clone(),
            auth: self.auth.clone(),
            max_in_flight: self.max_in_flight,
            request_timeout: std::time::Duration::from_millis(self.request_timeout_ms),
        };
        config.api = Some(ApiSettings { pool_size, config: api });
        config.ui = Some(crate::app::UiSettings { auth: self.auth.clone() });
        Ok(config)
    }
}

/// Serves the API until a signal.
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &ApiArgs) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let config = args.app_config(db.clone(), catalog)?;
    let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(|error| {
        anyhow::anyhow!("cannot listen on {} (--addr / GOALSTREAM_API_ADDR): {error}", args.addr)
    })?;
    // The operations routes (/metrics, /healthz, /readyz) on their own listener: metrics are
    // never exposed with the public API.
    let ops = crate::http::bind(args.http.http_addr).await?;
    let running = App::new(config).start(Listeners { ops: Some(ops), api: Some(listener) }).await?;
    if let Some(addr) = running.api_addr() {
        tracing::info!(%addr, "goalstream api listening");
    }
    running.serve_until(shutdown::signal()).await;
    running.stop().await
}

/// Options of `goalstream api-key`.
#[derive(Debug, Clone, Args)]
pub struct ApiKeyArgs {
    /// The key's name (shown in logs and rate-limit keys; the key itself never is).
    pub name: String,
    /// Scopes, comma-separated: progress:read, progress:write, jobs:read, jobs:write, admin.
    #[arg(long, value_delimiter = ',', required = true)]
    pub scopes: Vec<Scope>,
}

/// Prints a new key and its line for the keys file.
pub fn new_key(args: &ApiKeyArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.name.is_empty() && !args.name.contains(char::is_whitespace),
        "the name must be one word"
    );
    let key = keys::generate();
    let scopes: Vec<&str> = args.scopes.iter().map(|s| s.as_str()).collect();
    println!("key:  {key}");
    println!("line: {} {} {}", args.name, scopes.join(","), keys::hash_hex(&key));
    Ok(())
}
