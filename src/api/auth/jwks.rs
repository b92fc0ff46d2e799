//! Public keys of player tokens from a JWKS: a file read at start (`--jwt-jwks-file`), or an
//! identity provider's URL (`--jwt-jwks-url`) fetched at start, refreshed every TTL in the
//! background, and on a token whose `kid` is not known (at most once per cool-down, so forged
//! `kid`s cannot make goalstream hammer the provider). A failed refresh keeps the keys in
//! force and logs a warning. The URL is https, or http on a loopback host only.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;
use tokio_util::task::AbortOnDropHandle;

/// Refresh interval by default (s).
pub const DEFAULT_TTL_S: u64 = 300;
/// Least time between two refreshes caused by unknown `kid`s by default (ms).
pub const DEFAULT_COOLDOWN_MS: u64 = 10_000;
/// Time one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest JWKS document accepted (bytes): a provider publishes a handful of keys.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// `(kid, key)` of every usable key of a JWKS.
pub type PublicKeys = Vec<(Option<String>, Arc<DecodingKey>)>;

/// The keys of a JWKS document, or what is wrong with it.
pub fn parse(text: &str) -> Result<PublicKeys, String> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
    let mut keys = Vec::new();
    for (index, jwk) in set.keys.iter().enumerate() {
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {index}: {e}"))?;
        keys.push((jwk.common.key_id.clone(), Arc::new(key)));
    }
    if keys.is_empty() {
        return Err("the JWKS has no keys".into());
    }
    Ok(keys)
}

/// A JWKS behind a URL, cached.
pub struct RemoteJwks {
    url: reqwest::Url,
    client: reqwest::Client,
    ttl: Duration,
    cooldown: Duration,
    keys: RwLock<Arc<PublicKeys>>,
    /// When the last fetch started; held across a fetch so concurrent misses fetch once.
    last_fetch: tokio::sync::Mutex<Instant>,
}

impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("url", &self.url.as_str())
            .field("keys", &self.keys().len())
            .finish()
    }
}

impl RemoteJwks {
    /// Checks `url` and fetches it once: goalstream does not start without its keys.
    pub async fn load(url: &str, ttl: Duration, cooldown: Duration) -> Result<RemoteJwks, String> {
        let url = check_url(url)?;
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            // A redirect could leave https or loopback.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let started = Instant::now();
        let remote = RemoteJwks {
            keys: RwLock::new(Arc::new(fetch(&client, &url).await?)),
            url,
            client,
            ttl: ttl.max(Duration::from_secs(1)),
            cooldown,
            last_fetch: tokio::sync::Mutex::new(started),
        };
        tracing::info!(url = %remote.url, keys = remote.keys().len(), "JWKS fetched");
        Ok(remote)
    }

    /// The keys in force.
    pub fn keys(&self) -> Arc<PublicKeys> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A token named a `kid` that is not known: fetches again unless a fetch started less than
    /// the cool-down ago (or one is under way, whose keys are then used). Whether the keys may
    /// have changed.
    pub async fn refresh_for_unknown_kid(&self) -> bool {
        let asked = Instant::now();
        let mut last = self.last_fetch.lock().await;
        if *last >= asked {
            return true; // another request fetched while this one waited
        }
        if last.elapsed() < self.cooldown {
            return false;
        }
        self.refresh(&mut last).await
    }

    /// Refreshes every TTL until the handle is dropped.
    pub fn watch(self: &Arc<Self>) -> AbortOnDropHandle<()> {
        let remote = self.clone();
        AbortOnDropHandle::new(tokio::spawn(async move {
            loop {
                tokio::time::sleep(remote.ttl).await;
                let mut last = remote.last_fetch.lock().await;
                remote.refresh(&mut last).await;
            }
        }))
    }

    async fn refresh(&self, last: &mut Instant) -> bool {
        *last = Instant::now();
        match fetch(&self.client, &self.url).await {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "JWKS refreshed");
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "JWKS not refreshed; the previous keys stay in force");
                false
            }
        }
    }
}

/// https, or http on a loopback host (a local sidecar or a test).
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let refused = |why: &str| format!("--jwt-jwks-url {url:?}: {why}");
    let parsed = reqwest::Url::parse(url).map_err(|e| refused(&e.to_string()))?;
    let host = parsed.host_str().ok_or_else(|| refused("no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => Err(refused("use https (http only for a loopback host)")),
        _ => Err(refused("use https")),
    }
}

async fn fetch(client: &reqwest::Client, url: &reqwest::Url) -> Result<PublicKeys, String> {
    let failed = |why: String| format!("JWKS from {url}: {why}");
    let mut response = client.get(url.clone()).send().await.map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(e.to_string()))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_JWKS_BYTES {
            return Err(failed(format!("over {MAX_JWKS_BYTES} bytes")));
        }
    }
    let text = String::from_utf8(body).map_err(|_| failed("not UTF-8".into()))?;
    parse(&text).map_err(failed)
}

#[cfg(test)]
mod tests;
