//! Where the API's credentials come from: flags and environment variables shared by
//! `goalstream api` and `goalstream run` (docs/SECURITY.md). Only paths are configured here;
//! secrets stay in their files and are never logged.

use std::path::PathBuf;

/// Leeway on `exp` and `nbf` by default (seconds): clocks of game servers and the identity
/// provider drift a little.
pub const DEFAULT_JWT_LEEWAY_S: u64 = 30;

/// Authentication settings of the REST API. With none of the credential sources set, the API
/// has no authentication and serves on loopback only (unless `--insecure-no-auth`).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct AuthSettings {
    /// Player JWTs signed with HS256: the file holds the shared secret (its bytes, surrounding
    /// whitespace trimmed).
    #[arg(long, env = "GOALSTREAM_JWT_HS256_SECRET_FILE")]
    pub jwt_hs256_secret_file: Option<PathBuf>,
    /// Player JWTs signed with RS256 or ES256: a JWKS file (`{"keys": [...]}`) with the public
    /// keys; a token's `kid` picks its key.
    #[arg(long, env = "GOALSTREAM_JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,
    /// Player JWTs signed with RS256 or ES256: the identity provider's JWKS URL (https; http
    /// only on a loopback host). Fetched at start (goalstream does not start without it),
    /// every `--jwt-jwks-ttl-s`, and when a token names an unknown `kid`.
    #[arg(long, env = "GOALSTREAM_JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,
    /// Seconds between two fetches of `--jwt-jwks-url` (a failed fetch keeps the keys).
    #[arg(long, env = "GOALSTREAM_JWT_JWKS_TTL_S", default_value_t = super::jwks::DEFAULT_TTL_S)]
    pub jwt_jwks_ttl_s: u64,
    /// Least time between two fetches of `--jwt-jwks-url` caused by tokens with an unknown
    /// `kid` (ms), so forged `kid`s cannot flood the identity provider.
    #[arg(long, env = "GOALSTREAM_JWT_JWKS_COOLDOWN_MS", default_value_t = super::jwks::DEFAULT_COOLDOWN_MS)]
    pub jwt_jwks_cooldown_ms: u64,
    /// Required `iss` of player JWTs (not checked when unset).
    #[arg(long, env = "GOALSTREAM_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` of player JWTs (not checked when unset).
    #[arg(long, env = "GOALSTREAM_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Leeway on `exp` and `nbf` (seconds).
    #[arg(long, env = "GOALSTREAM_JWT_LEEWAY_S", default_value_t = DEFAULT_JWT_LEEWAY_S)]
    pub jwt_leeway_s: u64,
    /// Service API keys: `NAME SCOPES SHA256` lines (scopes comma-separated: progress:read,
    /// progress:write, jobs:read, jobs:write, admin; the key's SHA-256 in hex, never the key).
    /// Re-read on SIGHUP and when the file changes. `goalstream api-key` makes one.
    #[arg(long, env = "GOALSTREAM_API_KEYS_FILE")]
    pub api_keys_file: Option<PathBuf>,
    /// Requests per second per player token (bursts of two seconds' worth; 429 past it). 0: no
    /// limit.
    #[arg(long, env = "GOALSTREAM_RATE_LIMIT_PLAYER_RPS", default_value_t = crate::api::limits::DEFAULT_PLAYER_RPS)]
    pub rate_limit_player_rps: u32,
    /// Requests per second per API key (bursts of two seconds' worth; 429 past it). 0: no limit.
    #[arg(long, env = "GOALSTREAM_RATE_LIMIT_KEY_RPS", default_value_t = crate::api::limits::DEFAULT_KEY_RPS)]
    pub rate_limit_key_rps: u32,
    /// Browser origins allowed to call the API (CORS), `scheme://host[:port]` each; repeat the
    /// flag or separate with commas. Default none: no CORS headers, so browsers refuse
    /// cross-origin calls.
    #[arg(long, env = "GOALSTREAM_CORS_ALLOW_ORIGIN", value_delimiter = ',')]
    pub cors_allow_origin: Vec<String>,
    /// Serve the API without authentication on a non-loopback address (logged as a warning).
    /// Without credentials and without this flag, the API only binds loopback addresses.
    #[arg(long, env = "GOALSTREAM_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_hs256_secret_file: None,
            jwt_jwks_file: None,
            jwt_jwks_url: None,
            jwt_jwks_ttl_s: super::jwks::DEFAULT_TTL_S,
            jwt_jwks_cooldown_ms: super::jwks::DEFAULT_COOLDOWN_MS,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_s: DEFAULT_JWT_LEEWAY_S,
            api_keys_file: None,
            rate_limit_player_rps: crate::api::limits::DEFAULT_PLAYER_RPS,
            rate_limit_key_rps: crate::api::limits::DEFAULT_KEY_RPS,
            cors_allow_origin: Vec::new(),
            insecure_no_auth: false,
        }
    }
}

impl AuthSettings {
    /// Whether any credential source is configured.
    pub fn any_credentials(&self) -> bool {
        self.jwt_hs256_secret_file.is_some()
            || self.jwt_jwks_file.is_some()
            || self.jwt_jwks_url.is_some()
            || self.api_keys_file.is_some()
    }
}
