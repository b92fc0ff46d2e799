//! How goalstream reaches a secured Kafka cluster: the `--kafka-*` flags that `run`,
//! `produce` and `load` share ([`KafkaArgs`]), turned into librdkafka properties
//! ([`KafkaArgs::client_options`]): `security.protocol`, SASL (PLAIN, SCRAM-SHA-256/512,
//! OAUTHBEARER), TLS files, and raw `--kafka-option`s applied last.
//!
//! Secrets come from a file (`--kafka-sasl-password-file`) or the environment
//! (`GOALSTREAM_KAFKA_SASL_PASSWORD`), never from a flag (a command line is visible to every
//! user of the machine); they are masked in `config print` and never logged.

use std::fmt;
use std::path::PathBuf;

use clap::Args;

/// librdkafka's `security.protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SecurityProtocol {
    /// No TLS, no SASL.
    Plaintext,
    /// TLS.
    Ssl,
    /// SASL without TLS.
    #[value(name = "sasl_plaintext")]
    SaslPlaintext,
    /// SASL over TLS (managed Kafka: Confluent Cloud, MSK with SASL/SCRAM, Aiven, ...).
    #[value(name = "sasl_ssl")]
    SaslSsl,
}

impl SecurityProtocol {
    fn property(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "plaintext",
            SecurityProtocol::Ssl => "ssl",
            SecurityProtocol::SaslPlaintext => "sasl_plaintext",
            SecurityProtocol::SaslSsl => "sasl_ssl",
        }
    }

    fn uses_sasl(self) -> bool {
        matches!(self, SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl)
    }
}

/// librdkafka's `sasl.mechanisms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SaslMechanism {
    /// Username and password in clear (inside TLS).
    #[value(name = "PLAIN")]
    Plain,
    /// Salted challenge-response, SHA-256.
    #[value(name = "SCRAM-SHA-256")]
    ScramSha256,
    /// Salted challenge-response, SHA-512.
    #[value(name = "SCRAM-SHA-512")]
    ScramSha512,
    /// OAuth bearer tokens (configure the token source with --kafka-option
    /// sasl.oauthbearer.*).
    #[value(name = "OAUTHBEARER")]
    OauthBearer,
}

impl SaslMechanism {
    fn property(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
            SaslMechanism::OauthBearer => "OAUTHBEARER",
        }
    }
}

/// A secret value: shown as `****` by `Debug`, so no log of the settings can leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Secret(text.to_string()))
    }
}

/// Kafka connection options shared by `run`, `produce` and `load`.
#[derive(Debug, Clone, Default, Args)]
pub struct KafkaArgs {
    /// Kafka security protocol: plaintext, ssl, sasl_plaintext or sasl_ssl (managed Kafka:
    /// sasl_ssl).
    #[arg(long, env = "GOALSTREAM_KAFKA_SECURITY_PROTOCOL", value_enum)]
    pub kafka_security_protocol: Option<SecurityProtocol>,
    /// SASL mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.
    #[arg(long, env = "GOALSTREAM_KAFKA_SASL_MECHANISM", value_enum)]
    pub kafka_sasl_mechanism: Option<SaslMechanism>,
    /// SASL username (Confluent Cloud: the API key).
    #[arg(long, env = "GOALSTREAM_KAFKA_SASL_USERNAME")]
    pub kafka_sasl_username: Option<String>,
    /// File holding the SASL password (one line; a trailing newline is ignored). The password
    /// may instead come from GOALSTREAM_KAFKA_SASL_PASSWORD; never from a flag.
    #[arg(long, env = "GOALSTREAM_KAFKA_SASL_PASSWORD_FILE")]
    pub kafka_sasl_password_file: Option<PathBuf>,
    /// The SASL password when not from a file; `None`: GOALSTREAM_KAFKA_SASL_PASSWORD is read
    /// when the options are turned into properties. Never a flag.
    #[arg(skip)]
    pub kafka_sasl_password: Option<Secret>,
    /// CA certificates (PEM) to verify the brokers with; default: the system's.
    #[arg(long, env = "GOALSTREAM_KAFKA_SSL_CA_FILE")]
    pub kafka_ssl_ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for TLS client authentication (mTLS, e.g. Aiven).
    #[arg(long, env = "GOALSTREAM_KAFKA_SSL_CERT_FILE")]
    pub kafka_ssl_cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, env = "GOALSTREAM_KAFKA_SSL_KEY_FILE")]
    pub kafka_ssl_key_file: Option<PathBuf>,
    /// Extra librdkafka property KEY=VALUE, applied last (repeatable; in the environment,
    /// several separated by ';'), e.g. ssl.endpoint.identification.algorithm=none.
    #[arg(long = "kafka-option", env = "GOALSTREAM_KAFKA_OPTIONS", value_delimiter = ';', value_parser = parse_option)]
    pub kafka_options: Vec<(String, String)>,
}

/// The environment variable holding the SASL password.
pub const PASSWORD_ENV: &str = "GOALSTREAM_KAFKA_SASL_PASSWORD";

/// Why the Kafka options cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KafkaSettingsError {
    /// The password file could not be read (the message names the file, not its content).
    #[error("cannot read --kafka-sasl-password-file {path}: {source}")]
    PasswordFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A combination that cannot work, with what to set.
    #[error("{0}")]
    Invalid(String),
}

fn parse_option(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| "expected KEY=VALUE".to_string())?;
    if key.trim().is_empty() {
        return Err("empty key in KEY=VALUE".into());
    }
    Ok((key.trim().to_string(), value.to_string()))
}

impl KafkaArgs {
    /// The librdkafka properties these options set, `--kafka-option`s last (they win). Reads
    /// the password file; checks that SASL has a mechanism, a username and a password.
    pub fn client_options(&self) -> Result<Vec<(String, String)>, KafkaSettingsError> {
        let mut options = Vec::new();
        let mut set = |key: &str, value: String| options.push((key.to_string(), value));
        let path = |p: &PathBuf| p.display().to_string();
        if let Some(protocol) = self.kafka_security_protocol {
            set("security.protocol", protocol.property().into());
        }
        let password = match (&self.kafka_sasl_password_file, &self.kafka_sasl_password) {
            (Some(file), _) => Some(read_password(file)?),
            (None, Some(secret)) => Some(secret.0.clone()),
            (None, None) => std::env::var(PASSWORD_ENV).ok(),
        };
        let sasl = self.kafka_security_protocol.is_some_and(SecurityProtocol::uses_sasl);
        if let Some(mechanism) = self.kafka_sasl_mechanism {
            set("sasl.mechanisms", mechanism.property().into());
        }
        if let Some(username) = &self.kafka_sasl_username {
            set("sasl.username", username.clone());
        }
        if let Some(password) = password {
            set("sasl.password", password);
        }
        if let Some(file) = &self.kafka_ssl_ca_file {
            set("ssl.ca.location", path(file));
        }
        if let Some(file) = &self.kafka_ssl_cert_file {
            set("ssl.certificate.location", path(file));
        }
        if let Some(file) = &self.kafka_ssl_key_file {
            set("ssl.key.location", path(file));
        }
        options.extend(self.kafka_options.iter().cloned());
        let has = |key: &str| options.iter().any(|(k, _)| k == key);
        if sasl {
            let mechanism = self.kafka_sasl_mechanism.map(SaslMechanism::property);
            let needs_login = mechanism != Some("OAUTHBEARER");
            if !has("sasl.mechanisms") {
                return Err(KafkaSettingsError::Invalid(
                    "--kafka-security-protocol sasl_* needs --kafka-sasl-mechanism".into(),
                ));
            }
            if needs_login && !(has("sasl.username") && has("sasl.password")) {
                return Err(KafkaSettingsError::Invalid(format!(
                    "SASL needs --kafka-sasl-username and a password \
                     (--kafka-sasl-password-file or {PASSWORD_ENV})"
                )));
            }
        }
        if self.kafka_ssl_cert_file.is_some() != self.kafka_ssl_key_file.is_some() {
            return Err(KafkaSettingsError::Invalid(
                "--kafka-ssl-cert-file and --kafka-ssl-key-file go together".into(),
            ));
        }
        Ok(options)
    }
}

/// The password in `file`, without the trailing newline an editor or `echo` adds.
fn read_password(file: &PathBuf) -> Result<String, KafkaSettingsError> {
    let text = std::fs::read_to_string(file)
        .map_err(|source| KafkaSettingsError::PasswordFile { path: file.clone(), source })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(test)]
mod tests;
