//! Why a connection to Postgres failed, in one line that names the cause and what to do about
//! it: a refused certificate or host name is not "is it running?".

use std::time::Duration;

/// The pool could not be built or the database is unreachable.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Bad settings.
    #[error("{0}")]
    Config(String),
    /// Postgres refused or could not be reached.
    // The Postgres error is described in the message, not chained as a source.
    #[error("cannot connect to Postgres ({target}): {reason}")]
    Connect {
        /// Host, port and database, without credentials.
        target: String,
        /// Why.
        cause: tokio_postgres::Error,
        /// The cause in words, with what to check when the cause alone does not say it.
        reason: String,
    },
    /// Nothing usable came back within the connect timeout (TCP and the start-up handshake).
    #[error(
        "cannot connect to Postgres ({target}): no answer within {}s (connect timeout: \
         connect_timeout in DATABASE_URL or --db-connect-timeout-ms). Check the host, port \
         and firewalls",
        .after.as_secs_f64()
    )]
    Timeout {
        /// Host, port and database, without credentials.
        target: String,
        /// The timeout that passed.
        after: Duration,
    },
    /// The pool could not hand out a first connection.
    #[error("database pool: {0}")]
    Pool(deadpool_postgres::PoolError),
}

impl DbError {
    /// The Postgres error behind a failed connection, if that is what this is.
    pub fn connect_cause(&self) -> Option<&tokio_postgres::Error> {
        match self {
            DbError::Connect { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// A failed connection to `target`, with a hint matching `cause`; `tls` describes the TLS
    /// settings in use (`sslmode=...`).
    pub fn connect(target: String, cause: tokio_postgres::Error, tls: &str) -> Self {
        let reason = reason(&cause, tls);
        DbError::Connect { target, cause, reason }
    }
}

/// `cause` in words: a refused certificate says which check failed and what to change, a
/// refused connection asks whether the server runs, a server's error is shown as sent.
fn reason(cause: &tokio_postgres::Error, tls: &str) -> String {
    let text = describe_error(cause);
    if cause.as_db_error().is_some() {
        return text;
    }
    // tokio-postgres's TLS errors have no public kind; its message is stable. OpenSSL's
    // message ends with the verification result ("...: hostname mismatch").
    if !text.starts_with("error performing TLS handshake") {
        let refused =
            io_cause(cause).is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        return match refused {
            true => format!("{text}. Is it running? scripts/dev-up.sh starts a local one"),
            false => text,
        };
    }
    let detail = text.rsplit(": ").next().unwrap_or_default().trim();
    if text.contains("hostname mismatch") || text.contains("IP address mismatch") {
        format!(
            "TLS certificate refused ({detail}): the server's certificate does not name the host \
             connected to; use a host name the certificate lists, or sslmode=verify-ca to check \
             only the chain ({tls})"
        )
    } else if text.contains("certificate verify failed") {
        format!(
            "TLS certificate refused (certificate verify failed: {detail}): the server's \
             certificate is not signed by a CA in sslrootcert; point sslrootcert at the CA that \
             issued it ({tls})"
        )
    } else if text.contains("server does not support TLS") {
        format!(
            "the server does not offer TLS; turn on ssl in its postgresql.conf, or lower \
             sslmode ({tls})"
        )
    } else {
        format!("TLS handshake failed: {text} ({tls})")
    }
}

fn io_cause(error: &tokio_postgres::Error) -> Option<&std::io::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = cause.source();
    }
    None
}

/// A Postgres error in one line: SQLSTATE, message, detail and hint when the server sent
/// them, else the client-side cause (connection refused, closed, a refused certificate ...).
pub fn describe_error(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} ({})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; detail: {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}
