//! The cuttable TCP proxy in front of Postgres lives in the library (the chaos scenarios use
//! it too): point clients at [`PgProxy::port`], then [`PgProxy::cut`] and [`PgProxy::restore`].

#[allow(unused_imports)] // Only some test crates use it.
pub use goalstream::harness::chaos::pg_proxy::PgProxy;
