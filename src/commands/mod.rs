//! The subcommands that run the pipeline: `demo`, `run`, `produce`, `replay`; `api`; and the
//! load and chaos harnesses, `load` and `chaos`; the operator's `jobs`, `dead-letters` and
//! `player`; `doctor` (Postgres sizing advice).

pub mod api;
pub mod catalog;
pub mod chaos;
pub mod dead_letters;
pub mod demo;
pub mod doctor;
pub mod jobs;
pub mod load;
pub mod migrate;
mod periodic;
pub mod player;
pub mod produce;
pub mod replay;
mod report;
pub mod run;
mod table;

use std::path::Path;

use anyhow::Context;

use crate::catalog::Catalog;

/// `--catalog` value that asks for the built-in example catalog.
pub const EXAMPLE_CATALOG: &str = "example";
/// `--catalog` default.
pub const DEFAULT_CATALOG: &str = "config/challenges.json";

/// Loads the catalog at `path`, or the built-in example when `path` is [`EXAMPLE_CATALOG`]. A
/// file that is missing is an error: production must never grant the example's rewards because
/// a path was wrong (issue 19).
pub fn load_catalog(path: &Path) -> anyhow::Result<Catalog> {
    if path == Path::new(EXAMPLE_CATALOG) {
        tracing::info!("using the built-in example catalog (--catalog example)");
        return Ok(Catalog::from_json(crate::catalog::EXAMPLE)?);
    }
    if !path.exists() {
        return Catalog::load(path).context(format!(
            "the catalog is missing (--catalog / GOALSTREAM_CATALOG; `--catalog {EXAMPLE_CATALOG}` \
             uses the built-in example)"
        ));
    }
    Catalog::load(path).context("the catalog is invalid")
}

/// The catalog a command reads: `path`, except that the default path, when it was not given
/// and does not exist here, means the built-in example for the commands that try goalstream
/// out (`example_ok`: demo, produce, load, chaos, bench), never for those that serve players.
pub fn resolve_catalog(path: &Path, given: bool, example_ok: bool) -> std::path::PathBuf {
    if !given && example_ok && path == Path::new(DEFAULT_CATALOG) && !path.exists() {
        return std::path::PathBuf::from(EXAMPLE_CATALOG);
    }
    path.to_path_buf()
}
