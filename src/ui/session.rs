//! Sessions of the operator UI: a random id in a cookie (`HttpOnly`, `SameSite=Strict`, path
//! `/ui`), kept in the process's memory with who it is, its CSRF token and a message for the
//! next page (see [`super::auth`] for who gets one).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use rand::RngCore;

use super::UiState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "gs_ui_session";
/// How long a session lasts without a new login.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3_600);
/// Sessions kept at most (expired ones are dropped first; then the oldest).
const MAX_SESSIONS: usize = 10_000;

/// A session as stored.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) key_hash: Option<[u8; 32]>,
    pub(super) who: String,
    pub(super) csrf: String,
    pub(super) flash: Option<String>,
    pub(super) expires: Instant,
}

/// The sessions of logged-in browsers, in memory (a restart logs everyone out).
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    pub(super) fn create(&self, key_hash: Option<[u8; 32]>, who: String) -> String {
        let id = token();
        let now = Instant::now();
        let entry = Entry { key_hash, who, csrf: token(), flash: None, expires: now + SESSION_TTL };
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, e| e.expires > now);
        }
        if map.len() >= MAX_SESSIONS {
            let oldest = map.iter().min_by_key(|(_, e)| e.expires).map(|(k, _)| k.clone());
            oldest.map(|k| map.remove(&k));
        }
        map.insert(id.clone(), entry);
        id
    }

    pub(super) fn get(&self, id: &str) -> Option<Entry> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(id) {
            Some(entry) if entry.expires > Instant::now() => {
                let found = entry.clone();
                entry.flash = None;
                Some(found)
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    pub(super) fn remove(&self, id: &str) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }

    pub(super) fn set_flash(&self, id: &str, text: String) {
        if let Some(entry) = self.map.lock().unwrap_or_else(|e| e.into_inner()).get_mut(id) {
            entry.flash = Some(text);
        }
    }
}

/// The caller of a page (a request extension set by [`super::auth::guard`]).
#[derive(Debug, Clone)]
pub struct Session {
    pub(super) id: Option<String>,
    /// Who it is: the key's name, or `anonymous`.
    pub who: String,
    /// The token its forms carry (empty for bearer callers, who need none).
    pub csrf: String,
    /// A message left by the previous action (shown once).
    pub flash: Option<String>,
}

impl Session {
    /// Leaves `text` for the next page this session shows (after an action's redirect).
    pub fn flash(&self, state: &UiState, text: String) {
        if let Some(id) = &self.id {
            state.sessions.set_flash(id, text);
        }
    }
}

#[cfg(test)]
impl Session {
    /// A session for unit tests of the pages.
    pub fn for_tests(who: &str, flash: Option<&str>) -> Session {
        Session { id: None, who: who.into(), csrf: "t".into(), flash: flash.map(String::from) }
    }
}

pub(super) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
}

pub(super) fn cookie_header(id: &str) -> HeaderValue {
    let value = format!(
        "{COOKIE_NAME}={id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={}",
        SESSION_TTL.as_secs()
    );
    HeaderValue::from_str(&value).expect("hex id")
}

/// 256 random bits in hex.
pub(super) fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
