//! `goalstream config print`: the effective configuration, one `NAME=value` line per setting
//! (the configuration file's format, so the output can be saved and reused), each with where
//! its value came from (flag, environment, file, default). Secrets are masked: the password of
//! a Postgres URL or key=value string, and librdkafka options whose name says password or
//! secret.

use std::fmt::Write;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

use super::ConfigFile;

/// What stands in for a secret.
pub const MASK: &str = "****";

/// The effective configuration of the command at `path` (e.g. `["config", "print"]`) and of
/// the root's global options, as printed text; `file`: the configuration file applied.
pub fn render(
    root: &Command,
    matches: &ArgMatches,
    path: &[&str],
    file: Option<&ConfigFile>,
) -> String {
    let mut out = String::from(
        "# goalstream effective configuration: flags > environment > file > defaults\n",
    );
    if let Some(file) = file {
        let _ = writeln!(out, "# file: {}", file.path.display());
    }
    let mut command = root;
    let mut matches = matches;
    let mut seen = std::collections::HashSet::new();
    render_args(&mut out, command, matches, file, &mut seen);
    for name in path {
        let (Some(sub), Some(sub_matches)) =
            (command.find_subcommand(name), matches.subcommand_matches(name))
        else {
            break;
        };
        command = sub;
        matches = sub_matches;
        render_args(&mut out, command, matches, file, &mut seen);
    }
    out
}

fn render_args(
    out: &mut String,
    command: &Command,
    matches: &ArgMatches,
    file: Option<&ConfigFile>,
    seen: &mut std::collections::HashSet<String>,
) {
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version" | "config") || !seen.insert(id.to_string()) {
            continue;
        }
        let values: Vec<String> = matches
            .get_raw(id)
            .map(|raw| raw.map(|v| v.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let source = match matches.value_source(id) {
            Some(ValueSource::CommandLine) => "flag",
            Some(ValueSource::EnvVariable) => "environment",
            Some(ValueSource::DefaultValue) => {
                let from_file = arg
                    .get_env()
                    .zip(file)
                    .is_some_and(|(env, file)| file.provides(env.to_string_lossy().as_ref()));
                if from_file {
                    "file"
                } else {
                    "default"
                }
            }
            _ => "unset",
        };
        let masked: Vec<String> = values.iter().map(|v| mask_secrets(v)).collect();
        let value = masked.join(",");
        match arg.get_env() {
            // Commented out: an empty NAME= line would set an empty value when reused.
            Some(env) if values.is_empty() => {
                let _ =
                    writeln!(out, "# {}: unset (the command computes it)", env.to_string_lossy());
            }
            Some(env) => {
                let _ = writeln!(out, "{}={value}  # {source}", env.to_string_lossy());
            }
            None => {
                let long = arg.get_long().unwrap_or(id);
                let _ = writeln!(
                    out,
                    "# --{long}: {}  ({source}; flag only)",
                    if value.is_empty() { "(none)" } else { &value }
                );
            }
        }
    }
}

/// `value` with its secrets replaced by [`MASK`]: the password of a URL
/// (`postgres://user:secret@host` → `postgres://user:****@host`), `password=…` in a key=value
/// connection string, and the value of `KEY=VALUE` options whose key names a password or
/// secret (`sasl.password=…`).
pub fn mask_secrets(value: &str) -> String {
    if let Some((scheme, rest)) = value.split_once("://") {
        if let Some((userinfo, host)) = rest.split_once('@') {
            if let Some((user, _)) = userinfo.split_once(':') {
                return format!("{scheme}://{user}:{MASK}@{host}");
            }
        }
        return value.to_string();
    }
    if let Some((key, _)) = value.split_once('=') {
        let key = key.to_ascii_lowercase();
        if !value.contains(' ') && (key.contains("password") || key.contains("secret")) {
            return format!("{}={MASK}", &value[..key.len()]);
        }
    }
    if value.contains(' ') && value.contains('=') {
        return value
            .split_whitespace()
            .map(|part| match part.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}={MASK}"),
                _ => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    value.to_string()
}

#[cfg(test)]
mod tests;
