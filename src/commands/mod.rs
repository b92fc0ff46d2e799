//! The subcommands that run the pipeline: `demo`, `run`, `produce`, `replay`; `api`; and the
//! load and chaos harnesses, `load` and `chaos`.

pub mod api;
pub mod chaos;
pub mod demo;
pub mod load;
pub mod produce;
pub mod replay;
mod report;
pub mod run;

use std::path::Path;

use anyhow::Context;

use crate::catalog::Catalog;

/// The example catalog, built in: `demo` works from any directory.
pub const EXAMPLE_CATALOG: &str = include_str!("../../config/challenges.json");

/// Loads the catalog at `path`; the built-in example when `path` is the default and missing.
pub fn load_catalog(path: &Path) -> anyhow::Result<Catalog> {
    if !path.exists() && path == Path::new("config/challenges.json") {
        tracing::info!("config/challenges.json not found here; using the built-in example catalog");
        return Ok(Catalog::from_json(EXAMPLE_CATALOG)?);
    }
    Catalog::load(path).context("the catalog is invalid")
}
