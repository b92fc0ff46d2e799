//! Logging setup: `tracing` to stderr, filtered by `RUST_LOG` (else the default filter), as
//! text or as JSON lines ([`LogFormat`]). Text is in color only when stderr is a terminal and
//! `NO_COLOR` is unset (no escape codes in files and container logs).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, target, the fields of the event and of its
    /// spans (request id, flush worker, job), message.
    Json,
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(default_filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_filter},tokio_postgres=warn")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(color).with_target(false).try_init()
        }
        LogFormat::Json => {
            builder.json().with_current_span(true).with_span_list(true).with_target(true).try_init()
        }
    };
}
