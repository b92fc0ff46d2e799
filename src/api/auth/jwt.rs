//! Player tokens: JWTs signed with HS256 (a shared secret from a file) or RS256 / ES256 (public
//! keys from a JWKS file). `exp` is required and `nbf` checked, both with a leeway; `iss` and
//! `aud` when configured; `sub` is the player id. Tokens are never logged.

use std::path::Path;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::settings::AuthSettings;
use super::AuthError;

/// Verifies player tokens.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    /// `(kid, key)` of every usable JWKS key.
    public: Vec<(Option<String>, DecodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_s: u64,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key material stays out of debug output.
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.hs256.is_some())
            .field("public_keys", &self.public.len())
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
    /// The verifier `settings` describe; `None` when no JWT source is configured.
    pub fn load(settings: &AuthSettings) -> Result<Option<JwtVerifier>, AuthError> {
        if settings.jwt_hs256_secret_file.is_none() && settings.jwt_jwks_file.is_none() {
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
        Ok(Some(JwtVerifier {
            hs256,
            public,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway_s: settings.jwt_leeway_s,
        }))
    }

    /// The player (`sub`) of a valid token.
    pub fn verify(&self, token: &str) -> Result<String, TokenRefused> {
        let refused = |message: &str| TokenRefused(message.to_string());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| refused("the token is malformed"))?;
        let key = match header.alg {
            Algorithm::HS256 => self.hs256.as_ref(),
            Algorithm::RS256 | Algorithm::ES256 => self
                .public
                .iter()
                .filter(|(_, key)| key.family() == header.alg.family())
                .find(|(kid, _)| header.kid.is_none() || kid.as_deref() == header.kid.as_deref())
                .map(|(_, key)| key),
            _ => return Err(refused("the token's algorithm is not accepted")),
        }
        .ok_or_else(|| refused("no key for the token's algorithm or kid"))?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation(header.alg))
            .map_err(|error| TokenRefused(describe(&error)))?;
        Ok(data.claims.sub)
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.leeway_s;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        match &self.issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        validation
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

fn read_jwks(path: &Path) -> Result<Vec<(Option<String>, DecodingKey)>, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|cause| AuthError::read(path, cause))?;
    let invalid =
        |message: String| AuthError::Invalid { path: path.display().to_string(), message };
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|e| invalid(format!("not a JWKS: {e}")))?;
    let mut keys = Vec::new();
    for (index, jwk) in set.keys.iter().enumerate() {
        let key = DecodingKey::from_jwk(jwk).map_err(|e| invalid(format!("key {index}: {e}")))?;
        keys.push((jwk.common.key_id.clone(), key));
    }
    if keys.is_empty() {
        return Err(invalid("the JWKS has no keys".into()));
    }
    Ok(keys)
}
