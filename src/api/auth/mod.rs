//! Authentication and authorization of the REST API, default deny (docs/SECURITY.md).
//!
//! Two kinds of caller: players, with a JWT whose `sub` is their player id ([`jwt`]), who may
//! only touch routes whose `{user_id}` is theirs; and services (game servers, operators), with
//! an API key that has scopes ([`keys`]). Job routes never accept player tokens. Every route
//! declares its [`Access`]; [`guard`] enforces it before the handler runs: no or unusable
//! credentials are 401 with `WWW-Authenticate`, credentials that may not do this are 403, both
//! with the API's JSON error shape. Without any credential source configured the API has no
//! authentication ([`Auth::disabled`]) and the composition root serves it on loopback only.

pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod settings;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ErrorCode};
use super::limits::{rate_limited, RateLimiter};
use super::request_id::Credential;
use crate::types::names;
use jwt::JwtVerifier;
use keys::{ApiKey, ApiKeys};
pub use settings::AuthSettings;

names! {
    /// What a service key may do.
    pub enum Scope ("scope") {
        /// Read players' progress.
        ProgressRead => "progress:read",
        /// Claim, assign and initialize players' goals.
        ProgressWrite => "progress:write",
        /// Read jobs and queue counts.
        JobsRead => "jobs:read",
        /// Enqueue and cancel jobs.
        JobsWrite => "jobs:write",
        /// Everything.
        Admin => "admin",
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the OpenAPI document).
    Public,
    /// The player of the route's `{user_id}` (player token), or a service key with the scope.
    Player(Scope),
    /// A service key with the scope only.
    Service(Scope),
}

/// Who made a request (a request extension, for logs and rate limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Authentication is off (loopback only).
    Anonymous,
    /// A player, by id.
    Player(String),
    /// A service key, by name.
    Service(ApiKey),
}

impl Principal {
    /// A stable name for per-credential limits and logs (never the credential itself).
    pub fn name(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::Player(id) => format!("player:{id}"),
            Principal::Service(key) => format!("key:{}", key.name),
        }
    }
}

/// Credentials that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A file could not be read.
    #[error("cannot read {path}: {cause}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// The JWKS URL is refused or could not be fetched.
    #[error("{0}")]
    Remote(String),
    /// A file's content is not usable.
    #[error("invalid {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl AuthError {
    fn read(path: &Path, cause: std::io::Error) -> Self {
        AuthError::Read { path: path.display().to_string(), cause }
    }
}

/// The API's verifiers and per-credential rate limits.
#[derive(Debug)]
pub struct Auth {
    jwt: Option<JwtVerifier>,
    keys: Option<Arc<ApiKeys>>,
    watchers: Mutex<Vec<tokio_util::task::AbortOnDropHandle<()>>>,
    player_rate: RateLimiter,
    key_rate: RateLimiter,
}

enum Refusal {
    Unauthenticated(String),
    Forbidden(String),
}

impl Auth {
    /// No authentication: every request is [`Principal::Anonymous`].
    pub fn disabled() -> Auth {
        Auth {
            jwt: None,
            keys: None,
            watchers: Mutex::new(Vec::new()),
            player_rate: RateLimiter::new(0),
            key_rate: RateLimiter::new(0),
        }
    }

    /// The verifiers `settings` name (none: [`Auth::disabled`]); a JWKS URL is fetched now.
    pub async fn load(settings: &AuthSettings) -> Result<Auth, AuthError> {
        let keys = match &settings.api_keys_file {
            Some(path) => Some(Arc::new(ApiKeys::load(path)?)),
            None => None,
        };
        Ok(Auth {
            jwt: JwtVerifier::load(settings).await?,
            keys,
            watchers: Mutex::new(Vec::new()),
            player_rate: RateLimiter::new(settings.rate_limit_player_rps),
            key_rate: RateLimiter::new(settings.rate_limit_key_rps),
        })
    }

    /// Whether requests are authenticated at all.
    pub fn enabled(&self) -> bool {
        self.jwt.is_some() || self.keys.is_some()
    }

    /// The service key whose SHA-256 is `hash`, when API keys are configured and it is one of
    /// them (now: a key removed from the file is gone at the next reload). The operator UI
    /// checks its sessions with it.
    pub fn service_key_by_hash(&self, hash: &[u8; 32]) -> Option<ApiKey> {
        self.keys.as_ref()?.lookup_hash(hash)
    }

    /// Starts reloading the API keys on SIGHUP and file changes, and refreshing the JWKS URL's
    /// keys every TTL (for as long as `self` lives).
    pub fn watch_credentials(&self) {
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        watchers.extend(self.keys.as_ref().map(|keys| keys.watch()));
        watchers.extend(self.jwt.as_ref().and_then(|jwt| jwt.remote()).map(|r| r.watch()));
    }

    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, Refusal> {
        let unauthenticated = |m: &str| Refusal::Unauthenticated(m.to_string());
        let key_header = headers.get("x-api-key");
        let bearer = headers.get(AUTHORIZATION);
        let (credential, from_key_header) = match (key_header, bearer) {
            (Some(_), Some(_)) => {
                return Err(unauthenticated("send either Authorization or X-Api-Key, not both"))
            }
            (Some(value), None) => (value, true),
            (None, Some(value)) => (value, false),
            (None, None) => return Ok(None),
        };
        let text = credential.to_str().map_err(|_| unauthenticated("unreadable credentials"))?;
        let token = if from_key_header {
            text.trim()
        } else {
            match text.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
                _ => return Err(unauthenticated("use Authorization: Bearer <token>")),
            }
        };
        // A JWT has three dot-separated parts; API keys have no dot.
        if !from_key_header && token.matches('.').count() == 2 {
            let verifier = self
                .jwt
                .as_ref()
                .ok_or_else(|| unauthenticated("player tokens are not accepted here"))?;
            let sub = verifier.verify(token).await.map_err(|e| Refusal::Unauthenticated(e.0))?;
            return Ok(Some(Principal::Player(sub)));
        }
        let keys =
            self.keys.as_ref().ok_or_else(|| unauthenticated("API keys are not accepted"))?;
        match keys.lookup(token) {
            Some(key) => Ok(Some(Principal::Service(key))),
            None => Err(unauthenticated("unknown API key")),
        }
    }

    /// The per-credential rate limit (anonymous callers, loopback only, have none); `name` is
    /// the principal's [`Principal::name`].
    fn admit(&self, principal: &Principal, name: &str) -> Result<(), std::time::Duration> {
        match principal {
            Principal::Anonymous => Ok(()),
            Principal::Player(_) => self.player_rate.check(name),
            Principal::Service(_) => self.key_rate.check(name),
        }
    }

    fn authorize(
        &self,
        principal: &Principal,
        access: Access,
        user_id: Option<&str>,
    ) -> Result<(), Refusal> {
        let forbidden = |m: String| Refusal::Forbidden(m);
        match (access, principal) {
            (Access::Public, _) | (_, Principal::Anonymous) => Ok(()),
            (Access::Player(_), Principal::Player(sub)) => match user_id {
                Some(user_id) if user_id == sub => Ok(()),
                _ => Err(forbidden("a player token may only use its own player's routes".into())),
            },
            (Access::Service(_), Principal::Player(_)) => {
                Err(forbidden("job routes take service API keys, not player tokens".into()))
            }
            (Access::Player(scope) | Access::Service(scope), Principal::Service(key)) => {
                if key.allows(scope) {
                    Ok(())
                } else {
                    Err(forbidden(format!("API key {:?} lacks the {scope} scope", key.name)))
                }
            }
        }
    }
}

/// What [`guard`] needs: the verifiers and the route's access.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The verifiers.
    pub auth: Arc<Auth>,
    /// Who may call the route.
    pub access: Access,
}

/// Middleware of one route: authenticates, authorizes, records the [`Principal`] in the
/// request's extensions, then runs the handler. The response carries the principal's name
/// ([`Credential`]) for the request log, refused or not, once it is known.
pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    // A refusal keeps the principal when it was authenticated (forbidden), for the log.
    let outcome: Result<Principal, (Refusal, Option<Principal>)> = if !guard.auth.enabled()
        || guard.access == Access::Public
    {
        Ok(Principal::Anonymous)
    } else {
        match guard.auth.authenticate(&parts.headers).await {
            Ok(None) => Err((Refusal::Unauthenticated("credentials are required".into()), None)),
            Ok(Some(principal)) => {
                let params = RawPathParams::from_request_parts(&mut parts, &()).await.ok();
                let user_id = params
                    .as_ref()
                    .and_then(|p| p.iter().find(|(name, _)| *name == "user_id").map(|(_, v)| v));
                match guard.auth.authorize(&principal, guard.access, user_id) {
                    Ok(()) => Ok(principal),
                    Err(refusal) => Err((refusal, Some(principal))),
                }
            }
            Err(refusal) => Err((refusal, None)),
        }
    };
    let credential = match &outcome {
        Ok(principal) | Err((_, Some(principal))) => Some(Credential(principal.name())),
        Err((_, None)) => None,
    };
    let name = credential.as_ref().map_or("", |c| c.0.as_str());
    let mut response = match outcome {
        Ok(principal) => match guard.auth.admit(&principal, name) {
            Err(wait) => rate_limited(wait),
            Ok(()) => {
                parts.extensions.insert(principal);
                next.run(Request::from_parts(parts, body)).await
            }
        },
        Err((Refusal::Forbidden(message), _)) => {
            ApiError::new(ErrorCode::Forbidden, message).into_response()
        }
        Err((Refusal::Unauthenticated(message), _)) => {
            let mut response = ApiError::new(ErrorCode::Unauthorized, message).into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"goalstream\""));
            response
        }
    };
    if let Some(credential) = credential {
        response.extensions_mut().insert(credential);
    }
    response
}
