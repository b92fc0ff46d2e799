//! TLS to Postgres as libpq does it: `sslmode` (disable, allow, prefer, require, verify-ca,
//! verify-full), `sslrootcert` (a file, or `system` for the system's trusted roots), `sslcert`
//! and `sslkey` (a client certificate), taken from `DATABASE_URL` ([`TlsSettings`]) and turned
//! into an OpenSSL connector for tokio-postgres ([`TlsSettings::connector`]).
//!
//! As in libpq, `require` verifies the chain (like `verify-ca`) when a root certificate file
//! exists, the default root file is `~/.postgresql/root.crt`, and the default client
//! certificate `~/.postgresql/postgresql.crt` (with `postgresql.key`) when present.

use std::fmt;
use std::path::{Path, PathBuf};

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use postgres_openssl::MakeTlsConnector;

use super::DbError;

/// The parameters this module takes out of the connection string.
pub const KEYS: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// libpq tries plain first; here the same as `Prefer` (TLS when offered, no checks).
    Allow,
    /// TLS when the server offers it, without checking its certificate (libpq's default).
    Prefer,
    /// TLS or nothing; the certificate is checked only when a root certificate file exists.
    Require,
    /// TLS, the server's certificate must chain to a trusted root.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Result<Self, DbError> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(DbError::Config(format!(
                    "invalid sslmode {other:?} in DATABASE_URL (disable, allow, prefer, require, verify-ca or verify-full)"
                )))
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// The system's trusted roots (`sslrootcert=system`).
    System,
    /// A PEM file of CA certificates.
    File(PathBuf),
}

/// The TLS parameters of a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// As given (`prefer` when absent, as libpq).
    pub mode: SslMode,
    /// Trusted roots: given, or the default file when it exists.
    pub root: Option<RootCert>,
    /// Client certificate and key files, given or the defaults when they exist.
    pub client: Option<(PathBuf, PathBuf)>,
}

impl TlsSettings {
    /// Settings from the taken `(key, value)` parameters, defaults filled in as libpq does.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, DbError> {
        let get = |key: &str| params.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let mode = get("sslmode").map(SslMode::parse).transpose()?.unwrap_or(SslMode::Prefer);
        let home = std::env::var_os("HOME").map(|home| Path::new(&home).join(".postgresql"));
        let root = match get("sslrootcert") {
            Some("system") => Some(RootCert::System),
            Some(path) => Some(RootCert::File(PathBuf::from(path))),
            None => home
                .as_ref()
                .map(|dir| dir.join("root.crt"))
                .filter(|p| p.exists())
                .map(RootCert::File),
        };
        if root == Some(RootCert::System) && !matches!(mode, SslMode::VerifyFull | SslMode::Disable)
        {
            // libpq refuses it too: trusting every public CA without checking the name trusts
            // any certificate anyone can buy.
            return Err(DbError::Config(format!(
                "sslrootcert=system needs sslmode=verify-full, not {}",
                mode.name()
            )));
        }
        let default = |name: &str| home.as_ref().map(|dir| dir.join(name));
        let cert = get("sslcert").map(PathBuf::from).or_else(|| default("postgresql.crt"));
        let key = get("sslkey").map(PathBuf::from).or_else(|| default("postgresql.key"));
        let client = match (cert, key) {
            (Some(cert), Some(key)) if get("sslcert").is_some() || cert.exists() => {
                Some((cert, key))
            }
            _ => None,
        };
        Ok(TlsSettings { mode, root, client })
    }

    /// What tokio-postgres negotiates: whether TLS is off, optional or required.
    pub fn negotiation(&self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Pg;
        match self.mode {
            SslMode::Disable => Pg::Disable,
            SslMode::Allow | SslMode::Prefer => Pg::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Pg::Require,
        }
    }

    /// Whether the server's chain is checked: verify-ca/full, and require with a root file.
    pub fn verifies_chain(&self) -> bool {
        match self.mode {
            SslMode::VerifyCa | SslMode::VerifyFull => true,
            SslMode::Require => matches!(self.root, Some(RootCert::File(_))),
            _ => false,
        }
    }

    /// The connector for these settings; files are read now, so a missing or unreadable one
    /// fails at start with its path.
    pub fn connector(&self) -> Result<MakeTlsConnector, DbError> {
        let bad = |what: &str, path: &Path, error: &dyn fmt::Display| {
            DbError::Config(format!("cannot use {what} {}: {error}", path.display()))
        };
        let mut builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(|error| DbError::Config(format!("cannot set up TLS: {error}")))?;
        if self.verifies_chain() {
            match &self.root {
                Some(RootCert::System) => {} // The builder starts from the system's roots.
                Some(RootCert::File(path)) => {
                    // Only this file's CAs: libpq does not add the system's roots to it.
                    let pem = std::fs::read(path).map_err(|e| bad("sslrootcert", path, &e))?;
                    let certs =
                        X509::stack_from_pem(&pem).map_err(|e| bad("sslrootcert", path, &e))?;
                    let mut store =
                        X509StoreBuilder::new().map_err(|e| bad("sslrootcert", path, &e))?;
                    for cert in certs {
                        store.add_cert(cert).map_err(|e| bad("sslrootcert", path, &e))?;
                    }
                    builder.set_cert_store(store.build());
                }
                None => {
                    return Err(DbError::Config(format!(
                        "sslmode={} needs trusted roots: set sslrootcert to the CA file (or \
                         sslrootcert=system), or create ~/.postgresql/root.crt",
                        self.mode.name()
                    )))
                }
            }
        } else {
            builder.set_verify(SslVerifyMode::NONE);
        }
        if let Some((cert, key)) = &self.client {
            builder.set_certificate_chain_file(cert).map_err(|e| bad("sslcert", cert, &e))?;
            builder
                .set_private_key_file(key, SslFiletype::PEM)
                .map_err(|e| bad("sslkey", key, &e))?;
            builder.check_private_key().map_err(|e| bad("sslkey", key, &e))?;
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        let check_name = self.mode == SslMode::VerifyFull;
        connector.set_callback(move |config, _host| {
            config.set_verify_hostname(check_name);
            Ok(())
        });
        Ok(connector)
    }
}

impl fmt::Display for TlsSettings {
    /// `sslmode=verify-full, sslrootcert=/path` for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sslmode={}", self.mode.name())?;
        match &self.root {
            Some(RootCert::System) => write!(f, ", sslrootcert=system"),
            Some(RootCert::File(path)) => write!(f, ", sslrootcert={}", path.display()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(items: &[(&str, &str)]) -> Result<TlsSettings, DbError> {
        let params: Vec<_> = items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TlsSettings::from_params(&params)
    }

    #[test]
    fn modes_map_onto_what_tokio_postgres_negotiates() {
        use tokio_postgres::config::SslMode as Pg;
        assert_eq!(settings(&[]).unwrap().mode, SslMode::Prefer, "libpq's default");
        for (mode, pg) in [
            ("disable", Pg::Disable),
            ("allow", Pg::Prefer),
            ("prefer", Pg::Prefer),
            ("require", Pg::Require),
            ("verify-ca", Pg::Require),
            ("verify-full", Pg::Require),
        ] {
            assert_eq!(settings(&[("sslmode", mode)]).unwrap().negotiation(), pg, "{mode}");
        }
        let error = settings(&[("sslmode", "strict")]).unwrap_err().to_string();
        assert!(error.contains("invalid sslmode \"strict\""), "{error}");
    }

    #[test]
    fn require_verifies_the_chain_only_with_a_root_file() {
        assert!(
            !settings(&[("sslmode", "require")]).unwrap().verifies_chain() || has_default_root()
        );
        let with_root = settings(&[("sslmode", "require"), ("sslrootcert", "/x/ca.pem")]).unwrap();
        assert!(with_root.verifies_chain());
        assert!(settings(&[("sslmode", "verify-ca"), ("sslrootcert", "/x")])
            .unwrap()
            .verifies_chain());
    }

    #[test]
    fn system_roots_need_verify_full_and_missing_files_are_named() {
        let error = settings(&[("sslmode", "require"), ("sslrootcert", "system")]).unwrap_err();
        assert!(error.to_string().contains("needs sslmode=verify-full"), "{error}");
        let missing =
            settings(&[("sslmode", "verify-ca"), ("sslrootcert", "/no/such/ca.pem")]).unwrap();
        let error = missing.connector().err().unwrap().to_string();
        assert!(error.contains("cannot use sslrootcert /no/such/ca.pem"), "{error}");
    }

    fn has_default_root() -> bool {
        std::env::var_os("HOME")
            .is_some_and(|h| Path::new(&h).join(".postgresql/root.crt").exists())
    }
}
