//! Configuration files: lines of `NAME=value` for the environment variables the command line
//! reads (`DATABASE_URL`, `GOALSTREAM_*`; `goalstream run --help` lists them). Precedence:
//! flags, then the environment, then the file. A name the command line does not read is an
//! error, so a typo cannot silently leave a default in place.
//!
//! The file never touches the process environment: [`ConfigFile::apply`] makes its values the
//! defaults of the command line's arguments, so clap's own precedence (flag, environment,
//! default) gives the order above, and [`print`] tells the file's values apart. Periodic jobs
//! have a TOML file of their own, named by a setting ([`periodic`]).

pub mod periodic;
pub mod print;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable naming the configuration file (same as `--config`).
pub const CONFIG_ENV: &str = "GOALSTREAM_CONFIG";

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable.
    #[error("cannot read config file {path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// A bad line.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The configuration file named by `--config FILE` / `--config=FILE` in `args`, else by
/// `GOALSTREAM_CONFIG`.
pub fn path_from(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(value) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    std::env::var_os(CONFIG_ENV).map(PathBuf::from)
}

/// The settings of a file, as `(name, value)` pairs, checked against the names `known`.
pub fn parse(
    path: &Path,
    text: &str,
    known: &HashSet<String>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let shown = path.display().to_string();
    let mut settings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error =
            |message: String| ConfigError::Line { path: shown.clone(), line: index + 1, message };
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| error(format!("expected NAME=value, got {line:?}")))?;
        let name = name.trim();
        if !known.contains(name) {
            return Err(error(format!(
                "unknown setting {name:?} (see `goalstream run --help` for the names)"
            )));
        }
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        settings.push((name.to_string(), value.to_string()));
    }
    Ok(settings)
}

/// A configuration file that was read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its settings, by environment variable name.
    pub settings: HashMap<String, String>,
}

impl ConfigFile {
    /// Reads the file at `path`, refusing names that are not in `known`.
    pub fn load(path: &Path, known: &HashSet<String>) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|cause| ConfigError::Io { path: path.display().to_string(), cause })?;
        let settings = parse(path, &text, known)?.into_iter().collect();
        Ok(ConfigFile { path: path.to_path_buf(), settings })
    }

    /// `command` with the file's values as the defaults of the arguments that read them, for
    /// every variable the environment does not set (the environment wins over the file).
    pub fn apply(&self, command: clap::Command) -> clap::Command {
        let mut command = command;
        let ids: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|arg| {
                let env = arg.get_env()?.to_string_lossy().into_owned();
                let value = self.value_for(&env)?;
                let value = if arg.get_action().takes_values() {
                    value.to_string()
                } else {
                    flag_value(value).to_string()
                };
                Some((arg.get_id().to_string(), value))
            })
            .collect();
        for (id, value) in ids {
            command = command.mut_arg(id, |arg| arg.default_value(value));
        }
        let subcommands: Vec<String> =
            command.get_subcommands().map(|sub| sub.get_name().to_string()).collect();
        for name in subcommands {
            command = command.mut_subcommand(name, |sub| self.apply(sub));
        }
        command
    }

    /// The file's value of `env`, unless the environment sets it.
    fn value_for(&self, env: &str) -> Option<&str> {
        if std::env::var_os(env).is_some() {
            return None;
        }
        self.settings.get(env).map(String::as_str)
    }

    /// Whether the file gave the value of `env` (and the environment did not).
    pub fn provides(&self, env: &str) -> bool {
        self.value_for(env).is_some()
    }
}

/// A flag's value as clap's boolean parser takes it: `0`, `false`, `no`, `off` and empty are
/// false, anything else true (as an environment variable would count).
fn flag_value(value: &str) -> &'static str {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => "false",
        _ => "true",
    }
}

/// Every environment variable a command's arguments read, subcommands included.
pub fn known_names(command: &clap::Command) -> HashSet<String> {
    let mut names: HashSet<String> = command
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect();
    for sub in command.get_subcommands() {
        names.extend(known_names(sub));
    }
    names.insert("RUST_LOG".into());
    names
}

#[cfg(test)]
mod tests;
