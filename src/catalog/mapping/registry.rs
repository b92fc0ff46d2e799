//! A Confluent-compatible schema registry client for Avro topics: a schema is fetched by id
//! (`GET /schemas/ids/{id}`) once, on a thread of its own, and cached for the life of the
//! process (a registry never changes the schema behind an id).
//!
//! - The hot path never waits: [`Registry::lookup`] answers from the cache or starts the one
//!   fetch of a new id and answers [`Lookup::Pending`] (the consumer holds the partition).
//! - An id the registry does not know (404 with `error_code` 40403), a schema that is not
//!   Avro or does not parse, or a schema some mapping path does not fit, is [`Lookup::Refused`]
//!   with the reason: its events are dead letters.
//! - Anything else (connection refused, timeout, 5xx, 401, a 404 that is not the registry's)
//!   is an outage: the fetch is retried with backoff, logged once when it starts, then at most
//!   every [`OUTAGE_LOG_INTERVAL`], and once when it ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use super::avro::AvroSchema;
use super::pointer::Pointer;

/// First wait after a failed fetch; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between fetches of an unreachable registry.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// An outage is logged at most this often.
pub const OUTAGE_LOG_INTERVAL: Duration = Duration::from_secs(30);
/// One request's limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What the cache says about a schema id.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The schema.
    Ready(Arc<AvroSchema>),
    /// The id's events are dead letters, for this reason.
    Refused(String),
    /// Being fetched (or the registry is unreachable): try again later.
    Pending,
}

#[derive(Debug)]
enum Entry {
    Ready(Arc<AvroSchema>),
    Refused(String),
    Fetching,
}

/// Why a fetch failed.
enum Failure {
    /// The registry answered that the id (or its schema) cannot be used.
    Refused(String),
    /// The registry could not answer: retry.
    Outage(String),
}

/// A registry and the schemas fetched from it. `Debug` leaves the credentials out.
pub struct Registry {
    url: String,
    /// `user:password` for basic auth.
    credentials: Option<String>,
    client: reqwest::Client,
    /// Every path of the topic's mappings, checked against each schema fetched.
    paths: OnceLock<Vec<Pointer>>,
    entries: Mutex<HashMap<u32, Entry>>,
    settled: Condvar,
    requests: AtomicU64,
    /// When the current outage was last logged (`None`: no outage).
    outage: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("url", &self.url)
            .field("basic_auth", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client of the registry at `url` (`http://` or `https://`), with basic-auth
    /// `credentials` (`user:password`) if given.
    pub fn new(url: &str, credentials: Option<String>) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url:?} is not an http:// or https:// URL"));
        }
        if credentials.as_ref().is_some_and(|c| !c.contains(':')) {
            return Err("basic-auth credentials must be written `user:password`".into());
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT / 2)
            .build()
            .map_err(|error| format!("cannot build an HTTP client: {error}"))?;
        Ok(Registry {
            url: url.trim_end_matches('/').to_string(),
            credentials,
            client,
            paths: OnceLock::new(),
            entries: Mutex::new(HashMap::new()),
            settled: Condvar::new(),
            requests: AtomicU64::new(0),
            outage: Mutex::new(None),
        })
    }

    /// The registry's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sets the paths every schema of the topic must fit (once, when the catalog is built).
    pub fn set_paths(&self, paths: Vec<Pointer>) {
        let _ = self.paths.set(paths);
    }

    /// HTTP requests made so far (one per fetch attempt).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Caches `schema` under `id` as if fetched (benchmarks and tests measure the cached path).
    pub fn preload(&self, id: u32, schema: AvroSchema) {
        self.settle(id, Entry::Ready(Arc::new(schema)));
    }

    /// The schema of `id` from the cache; a new id starts its fetch and is `Pending`.
    pub fn lookup(self: &Arc<Self>, id: u32) -> Lookup {
        let mut entries = self.entries.lock().expect("not poisoned");
        match entries.get(&id) {
            Some(Entry::Ready(schema)) => Lookup::Ready(schema.clone()),
            Some(Entry::Refused(reason)) => Lookup::Refused(reason.clone()),
            Some(Entry::Fetching) => Lookup::Pending,
            None => {
                entries.insert(id, Entry::Fetching);
                let registry = Arc::downgrade(self);
                std::thread::Builder::new()
                    .name(format!("schema-{id}"))
                    .spawn(move || fetch_until_settled(registry, id))
                    .expect("a thread can be started");
                Lookup::Pending
            }
        }
    }

    /// [`Registry::lookup`], waiting up to `timeout` for a pending fetch (for commands that
    /// decode one payload at a time, not for the consumer).
    pub fn wait(self: &Arc<Self>, id: u32, timeout: Duration) -> Lookup {
        let mut lookup = self.lookup(id);
        if !matches!(lookup, Lookup::Pending) || timeout.is_zero() {
            return lookup;
        }
        let deadline = Instant::now() + timeout;
        let mut entries = self.entries.lock().expect("not poisoned");
        while matches!(lookup, Lookup::Pending) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            entries = self.settled.wait_timeout(entries, left).expect("not poisoned").0;
            lookup = match entries.get(&id) {
                Some(Entry::Ready(schema)) => Lookup::Ready(schema.clone()),
                Some(Entry::Refused(reason)) => Lookup::Refused(reason.clone()),
                _ => Lookup::Pending,
            };
        }
        lookup
    }

    fn settle(&self, id: u32, entry: Entry) {
        self.entries.lock().expect("not poisoned").insert(id, entry);
        self.settled.notify_all();
    }

    async fn fetch(&self, id: u32) -> Result<AvroSchema, Failure> {
        let url = format!("{}/schemas/ids/{id}", self.url);
        let request = self.authorized(self.client.get(&url).header("accept", "application/json"));
        self.requests.fetch_add(1, Ordering::Relaxed);
        let outage = |error: String| Failure::Outage(format!("GET {url}: {error}"));
        let response = request.send().await.map_err(|e| outage(describe(&e)))?;
        let status = response.status();
        let body: serde_json::Value = match response.json().await {
            Ok(body) => body,
            Err(_) if !status.is_success() => serde_json::Value::Null,
            Err(error) => return Err(outage(format!("answer is not JSON: {}", describe(&error)))),
        };
        let registry = &self.url;
        if status == reqwest::StatusCode::NOT_FOUND && body["error_code"] == 40403 {
            let message = body["message"].as_str().unwrap_or("");
            let why = format!("schema id {id} is unknown to the registry {registry} ({message})");
            return Err(Failure::Refused(why));
        }
        if !status.is_success() {
            return Err(outage(format!("answered {status} {body}")));
        }
        let kind = body["schemaType"].as_str().unwrap_or("AVRO");
        if kind != "AVRO" {
            return Err(Failure::Refused(format!(
                "schema id {id} in the registry {registry} is a {kind} schema, not Avro"
            )));
        }
        let text = body["schema"].as_str().ok_or_else(|| outage("no \"schema\" string".into()))?;
        let schema = AvroSchema::parse(text).map_err(|error| {
            Failure::Refused(format!("schema id {id} in the registry {registry}: {error}"))
        })?;
        for path in self.paths.get().into_iter().flatten() {
            schema.check_path(path).map_err(|error| {
                Failure::Refused(format!("schema id {id} in the registry {registry}: {error}"))
            })?;
        }
        Ok(schema)
    }

    /// Registers the Avro `schema` (its JSON text) under `subject`
    /// (`POST /subjects/{subject}/versions`, as Confluent's serializers do) and returns its id;
    /// a registry answers the id it already holds when the schema is registered already.
    pub async fn register(&self, subject: &str, schema: &str) -> Result<u32, String> {
        let url = format!("{}/subjects/{subject}/versions", self.url);
        let body = serde_json::json!({ "schema": schema }).to_string();
        let request = self
            .client
            .post(&url)
            .header("content-type", "application/vnd.schemaregistry.v1+json")
            .header("accept", "application/json")
            .body(body);
        let response = self
            .authorized(request)
            .send()
            .await
            .map_err(|error| format!("POST {url}: {}", describe(&error)))?;
        let status = response.status();
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("POST {url}: the registry answered {status} {answer}"));
        }
        answer["id"]
            .as_u64()
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| format!("POST {url}: no schema id in the answer {answer}"))
    }

    /// `request` with the basic-auth credentials, if any.
    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.credentials.as_deref().and_then(|c| c.split_once(':')) {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
    }

    /// Logs the outage if it is new or its last line is an interval old.
    fn outage(&self, id: u32, error: &str) {
        let mut last = self.outage.lock().expect("not poisoned");
        let now = Instant::now();
        if last.is_none_or(|at| now.duration_since(at) >= OUTAGE_LOG_INTERVAL) {
            tracing::warn!(registry = %self.url, schema_id = id, error,
                "schema registry unreachable: its topic's partitions wait, retrying");
            *last = Some(now);
        }
    }

    fn recovered(&self) {
        if self.outage.lock().expect("not poisoned").take().is_some() {
            tracing::info!(registry = %self.url, "schema registry reachable again");
        }
    }
}

/// reqwest's error with its cause (the connection error under "error sending request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(source) = std::error::Error::source(error) {
        text = format!("{text}: {source}");
    }
    text
}

/// The fetch of one id, retried until the registry answers; ends early if the registry (the
/// catalog) is dropped.
fn fetch_until_settled(registry: Weak<Registry>, id: u32) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            let reason = format!("cannot start the schema fetch: {error}");
            if let Some(registry) = registry.upgrade() {
                registry.settle(id, Entry::Refused(reason));
            }
            return;
        }
    };
    let mut backoff = FIRST_BACKOFF;
    loop {
        let Some(registry) = registry.upgrade() else { return };
        match runtime.block_on(registry.fetch(id)) {
            Ok(schema) => {
                registry.recovered();
                registry.settle(id, Entry::Ready(Arc::new(schema)));
                return;
            }
            Err(Failure::Refused(reason)) => {
                registry.recovered();
                tracing::warn!(registry = %registry.url, schema_id = id, reason = %reason,
                    "schema refused: its events are dead letters");
                registry.settle(id, Entry::Refused(reason));
                return;
            }
            Err(Failure::Outage(error)) => registry.outage(id, &error),
        }
        drop(registry);
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
