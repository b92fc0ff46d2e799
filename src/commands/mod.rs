//! The subcommands that run the pipeline: `demo`, `run`, `produce`, `replay`; `api`; and the
//! load and chaos harnesses, `load` and `chaos`.

pub mod api;
pub mod catalog;
pub mod chaos;
pub mod demo;
pub mod load;
pub mod migrate;
pub mod produce;
pub mod replay;
mod report;
pub mod run;

use std::path::Path;

use anyhow::Context;

use crate::catalog::Catalog;

/// Loads the catalog at `path`; the built-in example when `path` is the default and missing.
pub fn load_catalog(path: &Path) -> anyhow::Result<Catalog> {
    if !path.exists() && path == Path::new("config/challenges.json") {
        tracing::info!("config/challenges.json not found here; using the built-in example catalog");
        return Ok(Catalog::from_json(crate::catalog::EXAMPLE)?);
    }
    Catalog::load(path).context("the catalog is invalid")
}
