//! Player tokens: JWTs signed with HS256 (a shared secret from a file) or RS256 / ES256 (public
//! keys from a JWKS file or URL, [`super::jwks`]). `exp` is required and `nbf` checked, both
//! with a leeway; `iss` and `aud` when configured; `sub` is the player id. Tokens are never
//! logged.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::Deserialize;

use super::jwks::{self, PublicKeys, RemoteJwks};
use super::settings::AuthSettings;
use super::AuthError;

/// Verifies player tokens.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    /// `(kid, key)` of every usable key of the JWKS file.
    public: PublicKeys,
    /// The JWKS URL's keys.
    remote: Option<Arc<RemoteJwks>>,
    issuer: Option<String>,
    audience: Option<String>,
    /// The checks of each accepted algorithm, built once (HS256, RS256, ES256).
    validations: [Validation; 3],
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key material stays out of debug output.
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.hs256.is_some())
            .field("public_keys", &self.public.len())
            .field("remote", &self.remote)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

/// Why a token was refused (said to the caller; never includes the token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenRefused(pub String);

impl JwtVerifier {
    /// The verifier `settings` describe (a JWKS URL is fetched now); `None` when no JWT
    /// source is configured.
    pub async fn load(settings: &AuthSettings) -> Result<Option<JwtVerifier>, AuthError> {
        if settings.jwt_hs256_secret_file.is_none()
            && settings.jwt_jwks_file.is_none()
            && settings.jwt_jwks_url.is_none()
        {
            return Ok(None);
        }
        let hs256 = match &settings.jwt_hs256_secret_file {
            Some(path) => Some(DecodingKey::from_secret(&read_secret(path)?)),
            None => None,
        };
        let public = match &settings.jwt_jwks_file {
            Some(path) => read_jwks(path)?,
            None => Vec::new(),
        };
        let remote = match &settings.jwt_jwks_url {
            Some(url) => Some(Arc::new(
                RemoteJwks::load(
                    url,
                    Duration::from_secs(settings.jwt_jwks_ttl_s),
                    Duration::from_millis(settings.jwt_jwks_cooldown_ms),
                )
                .await
                .map_err(AuthError::Remote)?,
            )),
            None => None,
        };
        let (issuer, audience) = (settings.jwt_issuer.clone(), settings.jwt_audience.clone());
        let validations = ACCEPTED.map(|algorithm| {
            validation(algorithm, settings.jwt_leeway_s, issuer.as_deref(), audience.as_deref())
        });
        Ok(Some(JwtVerifier { hs256, public, remote, issuer, audience, validations }))
    }

    /// The JWKS URL's cache, if one is configured (its owner starts [`RemoteJwks::watch`]).
    pub fn remote(&self) -> Option<&Arc<RemoteJwks>> {
        self.remote.as_ref()
    }

    /// The player (`sub`) of a valid token. A `kid` no key has may refresh the JWKS URL's keys
    /// (rate-limited) before the token is refused.
    pub async fn verify(&self, token: &str) -> Result<String, TokenRefused> {
        let refused = |message: &str| TokenRefused(message.to_string());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| refused("the token is malformed"))?;
        let Some(accepted) = ACCEPTED.iter().position(|alg| *alg == header.alg) else {
            return Err(refused("the token's algorithm is not accepted"));
        };
        let mut key = self.key_for(&header);
        if let (None, Some(remote), Some(_)) = (&key, &self.remote, &header.kid) {
            if header.alg != Algorithm::HS256 && remote.refresh_for_unknown_kid().await {
                key = self.key_for(&header);
            }
        }
        let key = key.ok_or_else(|| refused("no key for the token's algorithm or kid"))?;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validations[accepted])
            .map_err(|error| TokenRefused(describe(&error)))?;
        Ok(data.claims.sub)
    }

    /// The key a token's header names: the HS256 secret, or the public key of its `kid` (any
    /// key of its family when it names none) from the file or the URL.
    fn key_for(&self, header: &Header) -> Option<KeyRef<'_>> {
        if header.alg == Algorithm::HS256 {
            return self.hs256.as_ref().map(KeyRef::Borrowed);
        }
        let matches = |(kid, key): &&(Option<String>, Arc<DecodingKey>)| {
            key.family() == header.alg.family()
                && (header.kid.is_none() || kid.as_deref() == header.kid.as_deref())
        };
        if let Some((_, key)) = self.public.iter().find(matches) {
            return Some(KeyRef::Borrowed(key));
        }
        let remote = self.remote.as_ref()?.keys();
        let found = remote.iter().find(matches).map(|(_, key)| key.clone());
        found.map(KeyRef::Shared)
    }
}

/// Algorithms a player token may be signed with.
const ACCEPTED: [Algorithm; 3] = [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256];

/// The checks of a token signed with `algorithm`: `exp` and `sub` required, `nbf` checked,
/// `iss`/`aud` required and checked when configured.
fn validation(
    algorithm: Algorithm,
    leeway_s: u64,
    issuer: Option<&str>,
    audience: Option<&str>,
) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = leeway_s;
    validation.validate_nbf = true;
    let mut required = vec!["exp", "sub"];
    match issuer {
        Some(issuer) => {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        None => validation.iss = None,
    }
    match audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        None => validation.validate_aud = false,
    }
    validation.set_required_spec_claims(&required);
    validation
}

/// A key of the verifier itself, or one of the JWKS URL's current keys.
enum KeyRef<'a> {
    Borrowed(&'a DecodingKey),
    Shared(Arc<DecodingKey>),
}

impl std::ops::Deref for KeyRef<'_> {
    type Target = DecodingKey;

    fn deref(&self) -> &DecodingKey {
        match self {
            KeyRef::Borrowed(key) => key,
            KeyRef::Shared(key) => key,
        }
    }
}

fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidSignature => "the token's signature is invalid".into(),
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".into(),
        ErrorKind::InvalidAudience => "the token's audience is not accepted".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        _ => "the token is invalid".into(),
    }
}

/// The HS256 secret: the file's bytes, surrounding whitespace trimmed.
fn read_secret(path: &Path) -> Result<Vec<u8>, AuthError> {
    let bytes = std::fs::read(path).map_err(|cause| AuthError::read(path, cause))?;
    let secret = bytes.trim_ascii();
    if secret.len() < 32 {
        return Err(AuthError::Invalid {
            path: path.display().to_string(),
            message: format!("the HS256 secret is {} bytes; use at least 32", secret.len()),
        });
    }
    Ok(secret.to_vec())
}

fn read_jwks(path: &Path) -> Result<PublicKeys, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|cause| AuthError::read(path, cause))?;
    jwks::parse(&text)
        .map_err(|message| AuthError::Invalid { path: path.display().to_string(), message })
}
