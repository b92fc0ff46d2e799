//! Configuration files: lines of `NAME=value` for the environment variables the command line
//! reads (`DATABASE_URL`, `GOALSTREAM_*`; `goalstream run --help` lists them). Precedence:
//! flags, then the environment, then the file. A name the command line does not read is an
//! error, so a typo cannot silently leave a default in place.

pub mod print;

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

static FROM_FILE: OnceLock<(PathBuf, HashSet<String>)> = OnceLock::new();

/// Reads the file and sets each of its variables the environment does not already set.
/// Call before parsing the command line, while the process has one thread.
pub fn apply(path: &Path, known: &HashSet<String>) -> Result<usize, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|cause| ConfigError::Io { path: path.display().to_string(), cause })?;
    let mut applied = HashSet::new();
    for (name, value) in parse(path, &text, known)? {
        if std::env::var_os(&name).is_none() {
            std::env::set_var(&name, value);
            applied.insert(name);
        }
    }
    let count = applied.len();
    let _ = FROM_FILE.set((path.to_path_buf(), applied));
    Ok(count)
}

/// The configuration file applied and the variables it set, if one was applied.
pub fn from_file() -> Option<&'static (PathBuf, HashSet<String>)> {
    FROM_FILE.get()
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
mod tests {
    use super::*;

    fn known() -> HashSet<String> {
        ["GOALSTREAM_BROKERS", "DATABASE_URL"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_names_values_comments_and_quotes() {
        let text =
            "# brokers\nGOALSTREAM_BROKERS = kafka:9092\n\nDATABASE_URL=\"postgres://u@h/db\"\n";
        let settings = parse(Path::new("f.env"), text, &known()).unwrap();
        assert_eq!(
            settings,
            vec![
                ("GOALSTREAM_BROKERS".into(), "kafka:9092".into()),
                ("DATABASE_URL".into(), "postgres://u@h/db".into()),
            ]
        );
    }

    #[test]
    fn unknown_names_and_bad_lines_name_the_line() {
        let error =
            parse(Path::new("f.env"), "GOALSTREAM_BROKERS=x\nGOALSTREAM_BROKER=y", &known())
                .unwrap_err();
        assert!(
            error.to_string().starts_with("f.env:2: unknown setting \"GOALSTREAM_BROKER\""),
            "{error}"
        );
        let error = parse(Path::new("f.env"), "just words", &known()).unwrap_err();
        assert!(error.to_string().contains("f.env:1: expected NAME=value"), "{error}");
    }

    #[test]
    fn finds_the_config_flag() {
        let args: Vec<OsString> =
            ["goalstream", "--config", "a.env", "run"].iter().map(OsString::from).collect();
        assert_eq!(path_from(&args), Some(PathBuf::from("a.env")));
        let args: Vec<OsString> =
            ["goalstream", "run", "--config=b.env"].iter().map(OsString::from).collect();
        assert_eq!(path_from(&args), Some(PathBuf::from("b.env")));
    }
}
