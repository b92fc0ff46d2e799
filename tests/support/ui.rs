//! The service with the operator UI on its operations listener (127.0.0.1:0): with or without
//! API keys, with or without job workers (which also run [`SecondTime`] jobs).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use goalstream::api::auth::keys;
use goalstream::api::AuthSettings;
use goalstream::app::{App, Config, JobsSettings, Listeners, Running, UiSettings};
use goalstream::catalog::Catalog;
use goalstream::jobs::handler::{Handler, HandlerFuture};
use goalstream::jobs::service::builtin_handlers;
use goalstream::types::ClaimedJob;

use super::TestDb;

/// A job kind whose first attempt fails and whose later attempts succeed: with one attempt
/// allowed it dies, and a retry completes it.
pub const SECOND_TIME: &str = "second.time";

struct SecondTime;

impl Handler for SecondTime {
    fn kind(&self) -> &str {
        SECOND_TIME
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async move {
            if job.attempt == 1 {
                Err("the first attempt always fails".into())
            } else {
                Ok(())
            }
        })
    }
}

/// A running service with the UI.
pub struct TestUi {
    pub db: TestDb,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A key with the admin scope (when keys are configured).
    pub admin_key: String,
    /// A key with jobs:read only.
    pub read_key: String,
    dir: Option<PathBuf>,
    running: Option<Running>,
}

impl TestUi {
    /// Starts it: `keys` configures an API keys file (admin and jobs:read keys), `workers`
    /// runs job workers on the `default` and `rewards` queues (rewards are granted).
    pub async fn start(keys: bool, workers: bool) -> TestUi {
        let db = TestDb::new(2).await;
        let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
        let mut config = Config::new(db.config.clone(), catalog);
        let (admin_key, read_key) = (keys::generate(), keys::generate());
        let mut auth = AuthSettings::default();
        let dir = keys.then(|| {
            let dir = std::env::temp_dir().join(format!(
                "gs-ui-{}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let file = format!(
                "operator admin {}\nreader jobs:read {}\n",
                keys::hash_hex(&admin_key),
                keys::hash_hex(&read_key)
            );
            std::fs::write(dir.join("keys"), file).unwrap();
            auth.api_keys_file = Some(dir.join("keys"));
            dir
        });
        config.ui = Some(UiSettings { auth });
        if workers {
            config.jobs = Some(JobsSettings {
                queues: vec!["default".into(), "rewards".into()],
                concurrency: 2,
                handlers: builtin_handlers().register(SecondTime),
                ..JobsSettings::default()
            });
        }
        let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listeners = Listeners { ops: Some(ops), api: None };
        let running = App::new(config).start(listeners).await.expect("the service starts");
        let base = format!("http://{}", running.ops_addr().unwrap());
        TestUi { db, base, admin_key, read_key, dir, running: Some(running) }
    }

    /// Stops the service.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.unwrap();
        }
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
