//! The API of `goalstream bench api` on 127.0.0.1:0 in this process, with or without
//! authentication, and the credentials its clients send when it has some.

use std::sync::Arc;

use deadpool_postgres::Pool;
use jsonwebtoken::{encode, EncodingKey, Header};
use tokio::sync::oneshot;

use crate::api::auth::keys;
use crate::api::{self, ApiState, Auth, AuthSettings};
use crate::catalog::Catalog;

/// Job kind the mix enqueues.
pub const JOB_KIND: &str = "bench.noop";

/// Credentials of an authenticated run: an HS256 secret and a service key in files of a
/// temporary directory (removed on drop), and the tokens the clients send.
pub struct Credentials {
    dir: std::path::PathBuf,
    /// `Authorization` value of each player, by index.
    pub players: Vec<String>,
    /// `Authorization` value of the service key (job enqueues).
    pub service: String,
}

impl Credentials {
    /// A secret, a `jobs:write` key and a token for every player (valid for an hour).
    pub fn new(users: &[String]) -> anyhow::Result<Credentials> {
        let dir = std::env::temp_dir().join(format!(
            "goalstream-bench-api-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir)?;
        let secret = keys::generate();
        std::fs::write(dir.join("secret"), &secret)?;
        let key = keys::generate();
        std::fs::write(dir.join("keys"), format!("bench jobs:write {}\n", keys::hash_hex(&key)))?;
        let exp = chrono::Utc::now().timestamp() + 3_600;
        let signing = EncodingKey::from_secret(secret.as_bytes());
        let players = users
            .iter()
            .map(|user| {
                let claims = serde_json::json!({ "sub": user, "exp": exp });
                Ok(format!("Bearer {}", encode(&Header::default(), &claims, &signing)?))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Credentials { dir, players, service: format!("Bearer {key}") })
    }

    /// The settings that read these files.
    pub fn settings(&self) -> AuthSettings {
        AuthSettings {
            jwt_hs256_secret_file: Some(self.dir.join("secret")),
            api_keys_file: Some(self.dir.join("keys")),
            ..AuthSettings::default()
        }
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The API on 127.0.0.1:0 in this process.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves the API on `pool`, warmed up or not, authenticating with `auth` when given.
    pub async fn start(
        pool: Pool,
        catalog: Arc<Catalog>,
        warm: bool,
        auth: Option<AuthSettings>,
    ) -> anyhow::Result<Server> {
        let mut state = ApiState::new(pool, catalog);
        state.config.job_kinds = vec![JOB_KIND.to_string()];
        if let Some(settings) = auth {
            state.auth = Arc::new(Auth::load(&settings).await?);
            state.config.auth = settings;
        }
        if warm {
            state.warm_up().await?;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(api::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(Server { base, stop, task })
    }

    /// Stops serving and waits for the server.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
