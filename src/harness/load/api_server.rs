//! The REST API served in-process for a load run (when no `--api-url` is given): the real
//! router on 127.0.0.1:0, on a warmed pool of its own working in the run's schema, so API
//! latency is measured under the same load as the pipeline, as `goalstream run` would serve it.

use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{self, ApiState};
use crate::catalog::Catalog;
use crate::db::{self, DbConfig};

/// Connections of the in-process API (as `goalstream run`'s default).
pub const DEFAULT_POOL_SIZE: usize = 4;

/// A running in-process API.
pub struct ApiServer {
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl ApiServer {
    /// Serves the API for `catalog` on `db_config`'s database, in `schema`.
    pub async fn start(
        db_config: &DbConfig,
        schema: &str,
        catalog: Arc<Catalog>,
    ) -> anyhow::Result<ApiServer> {
        let mut config = db_config.clone().with_search_path(schema);
        config.pool_size = DEFAULT_POOL_SIZE;
        let state = ApiState::new(db::create_pool(&config).await?, catalog);
        state.warm_up().await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let stop = CancellationToken::new();
        let shutdown = stop.clone();
        let task =
            tokio::spawn(
                async move { api::serve(listener, state, shutdown.cancelled_owned()).await },
            );
        Ok(ApiServer { url, stop, task })
    }

    /// Stops serving and waits for the requests in flight.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}
