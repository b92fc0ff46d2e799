//! Service API keys: `NAME SCOPES SHA256` lines in a file (`--api-keys-file`), the key itself
//! never stored. A presented key is hashed and looked up. The file is re-read on SIGHUP and
//! when its modification time changes, so keys rotate without a restart; a file that no longer
//! parses keeps the previous keys (and says so in the log).
//!
//! ```text
//! # name          scopes                          sha256 of the key
//! game-server-eu  progress:read,progress:write    9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! operator        admin                           60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{AuthError, Scope};

/// How often the file's modification time is checked.
pub const RELOAD_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// A service credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its name (logged; the key never is).
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl ApiKey {
    /// Whether it has `scope` (`admin` has every scope).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| *s == scope || *s == Scope::Admin)
    }
}

type Table = HashMap<[u8; 32], ApiKey>;

/// The keys of a file, reloadable.
pub struct ApiKeys {
    path: PathBuf,
    table: RwLock<Arc<Table>>,
    modified: Mutex<Option<SystemTime>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys").field("path", &self.path).field("keys", &self.len()).finish()
    }
}

impl ApiKeys {
    /// Reads the keys of `path`; an unreadable or invalid file is an error.
    pub fn load(path: &Path) -> Result<ApiKeys, AuthError> {
        let modified = modified(path);
        let table = read(path)?;
        Ok(ApiKeys {
            path: path.to_path_buf(),
            table: RwLock::new(Arc::new(table)),
            modified: Mutex::new(modified),
        })
    }

    /// How many keys are loaded.
    pub fn len(&self) -> usize {
        self.table.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no key is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key whose hash is `key`'s.
    pub fn lookup(&self, key: &str) -> Option<ApiKey> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner()).clone();
        table.get(&hash(key)).cloned()
    }

    /// The key whose SHA-256 is `hash` (a session that keeps the hash, never the key).
    pub fn lookup_hash(&self, hash: &[u8; 32]) -> Option<ApiKey> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner()).clone();
        table.get(hash).cloned()
    }

    /// Re-reads the file; on error the previous keys stay. Returns the number of keys loaded.
    pub fn reload(&self) -> Result<usize, AuthError> {
        let modified = modified(&self.path);
        let table = read(&self.path)?;
        let count = table.len();
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(table);
        *self.modified.lock().unwrap_or_else(|e| e.into_inner()) = modified;
        Ok(count)
    }

    /// Re-reads the file when its modification time changed (or on `force`), logging the
    /// outcome.
    pub fn reload_if_changed(&self, force: bool) {
        let now = modified(&self.path);
        let before = *self.modified.lock().unwrap_or_else(|e| e.into_inner());
        if !force && now == before {
            return;
        }
        match self.reload() {
            Ok(keys) => tracing::info!(path = %self.path.display(), keys, "API keys reloaded"),
            Err(error) => {
                // Remember the time anyway: one warning per change, not one per check.
                *self.modified.lock().unwrap_or_else(|e| e.into_inner()) = now;
                tracing::warn!(%error, "API keys not reloaded; the previous keys stay in force")
            }
        }
    }

    /// Reloads on SIGHUP and when the file changes, until the returned handle is dropped.
    pub fn watch(self: &Arc<Self>) -> tokio_util::task::AbortOnDropHandle<()> {
        let keys = self.clone();
        tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let mut hangup = signal(SignalKind::hangup()).ok();
            let mut tick = tokio::time::interval(RELOAD_CHECK_INTERVAL);
            loop {
                let forced = tokio::select! {
                    _ = tick.tick() => false,
                    Some(()) = async { match hangup.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => true,
                };
                keys.reload_if_changed(forced);
            }
        }))
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// SHA-256 of a key.
pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// SHA-256 of a key in hex, as the keys file holds it.
pub fn hash_hex(key: &str) -> String {
    hash(key).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random key (256 bits, hex, prefixed `gsk_` so that scanners recognise it).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("gsk_{hex}")
}

fn read(path: &Path) -> Result<Table, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|cause| AuthError::read(path, cause))?;
    parse(&text).map_err(|message| AuthError::Invalid { path: path.display().to_string(), message })
}

/// Parses a keys file.
pub fn parse(text: &str) -> Result<HashMap<[u8; 32], ApiKey>, String> {
    let mut table = HashMap::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, scopes, digest] = fields[..] else {
            return Err(format!("line {number}: expected NAME SCOPES SHA256"));
        };
        let scopes = scopes
            .split(',')
            .map(|s| s.parse::<Scope>().map_err(|e| format!("line {number}: {e}")))
            .collect::<Result<Vec<Scope>, String>>()?;
        let digest = parse_digest(digest)
            .ok_or_else(|| format!("line {number}: the SHA-256 must be 64 hex digits"))?;
        let key = ApiKey { name: name.to_string(), scopes };
        if table.insert(digest, key).is_some() {
            return Err(format!("line {number}: the same key is listed twice"));
        }
    }
    Ok(table)
}

fn parse_digest(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut digest = [0u8; 32];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_scopes_and_hashes() {
        let key = generate();
        let text = format!("# comment\n\nsvc progress:read,jobs:write {}\n", hash_hex(&key));
        let table = parse(&text).unwrap();
        let found = table.get(&hash(&key)).unwrap();
        assert_eq!(found.name, "svc");
        assert!(found.allows(Scope::JobsWrite) && !found.allows(Scope::JobsRead));
        assert!(parse("svc jobs:nope 00").unwrap_err().contains("line 1"));
        assert!(parse("svc admin abc").unwrap_err().contains("64 hex"));
        assert!(parse("svc admin").unwrap_err().contains("NAME SCOPES SHA256"));
        let twice = format!("a admin {h}\nb admin {h}\n", h = hash_hex(&key));
        assert!(parse(&twice).unwrap_err().contains("twice"));
    }

    #[test]
    fn a_reload_that_fails_keeps_the_previous_keys() {
        let path = std::env::temp_dir().join(format!("gs-keys-{}", std::process::id()));
        let (one, two) = (generate(), generate());
        std::fs::write(&path, format!("one admin {}\n", hash_hex(&one))).unwrap();
        let keys = ApiKeys::load(&path).unwrap();
        assert!(keys.lookup(&one).is_some() && keys.lookup(&two).is_none());
        std::fs::write(&path, format!("two admin {}\n", hash_hex(&two))).unwrap();
        keys.reload_if_changed(true);
        assert!(keys.lookup(&one).is_none() && keys.lookup(&two).is_some());
        std::fs::write(&path, "garbage").unwrap();
        keys.reload_if_changed(true);
        assert!(keys.lookup(&two).is_some(), "the previous keys stay");
        std::fs::remove_file(&path).unwrap();
    }
}
