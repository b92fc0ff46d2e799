//! The four formats the producer and the load harness write: the built-in shape (`fixed`,
//! one stat per event, over the catalog's stats) and a synthetic `match_end` (8 stats per
//! event) as mapped JSON, Protobuf or Avro, the way `config/synthetic/challenges.json` maps
//! them, each on a topic of its own.

use std::collections::HashMap;
use std::sync::Arc;

use super::match_end::{Encoding, MatchEnds, AVRO_SCHEMA};
use super::{Synthetic, SyntheticEvent};
use crate::catalog::mapping::{AvroFormat, AvroSource, Format};
use crate::catalog::Catalog;

/// The catalog that maps every synthetic format, relative to a checkout.
pub const SYNTHETIC_CATALOG: &str = "config/synthetic/challenges.json";

/// A payload format of synthetic telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyntheticFormat {
    /// The built-in shape: one stat per event (`user_id`, `stat_code`, `delta` | `value`).
    Fixed,
    /// A `match_end` JSON object with 8 stats, read through a mapping.
    Json,
    /// A `match_end` Protobuf message (config/synthetic/match_end.proto), plain.
    Protobuf,
    /// A `match_end` Avro datum (config/synthetic/match_end.avsc), Confluent-framed.
    Avro,
}

impl SyntheticFormat {
    /// Every format, the built-in shape first.
    pub const ALL: [SyntheticFormat; 4] = [
        SyntheticFormat::Fixed,
        SyntheticFormat::Json,
        SyntheticFormat::Protobuf,
        SyntheticFormat::Avro,
    ];

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SyntheticFormat::Fixed => "fixed",
            SyntheticFormat::Json => "json",
            SyntheticFormat::Protobuf => "protobuf",
            SyntheticFormat::Avro => "avro",
        }
    }

    /// The topic [`SYNTHETIC_CATALOG`] maps for this format; `None` for the built-in shape,
    /// which needs no mapping.
    pub fn mapped_topic(self) -> Option<&'static str> {
        match self {
            SyntheticFormat::Fixed => None,
            SyntheticFormat::Json => Some("synthetic.match_end.json"),
            SyntheticFormat::Protobuf => Some("synthetic.match_end.protobuf"),
            SyntheticFormat::Avro => Some("synthetic.match_end.avro"),
        }
    }
}

/// The catalog mapping every format: [`SYNTHETIC_CATALOG`] under the working directory, else
/// in the checkout this binary was built from.
pub fn synthetic_catalog_path() -> std::path::PathBuf {
    let here = std::path::PathBuf::from(SYNTHETIC_CATALOG);
    if here.exists() {
        return here;
    }
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SYNTHETIC_CATALOG);
    if built.exists() {
        built
    } else {
        here
    }
}

/// Events of one format, with what was sent.
#[derive(Debug)]
pub enum FormatStream {
    /// The built-in shape over a catalog's stats.
    Fixed(Synthetic),
    /// `match_end` events.
    Mapped(MatchEnds),
}

impl FormatStream {
    /// A stream of `format` over `users` players (the built-in shape over `catalog`'s stats;
    /// Avro payloads carry `avro_schema_id`).
    pub fn new(
        format: SyntheticFormat,
        catalog: &Catalog,
        users: usize,
        bad_ratio: f64,
        seed: u64,
        avro_schema_id: u32,
    ) -> Self {
        let encoding = match format {
            SyntheticFormat::Fixed => {
                return FormatStream::Fixed(Synthetic::new(catalog, users, bad_ratio, seed))
            }
            SyntheticFormat::Json => Encoding::Json,
            SyntheticFormat::Protobuf => Encoding::Protobuf,
            SyntheticFormat::Avro => Encoding::Avro { schema_id: avro_schema_id },
        };
        FormatStream::Mapped(MatchEnds::new(encoding, users, bad_ratio, seed))
    }

    /// The next event.
    pub fn next_event(&mut self) -> SyntheticEvent {
        match self {
            FormatStream::Fixed(stream) => stream.next_event(),
            FormatStream::Mapped(stream) => stream.next_event(),
        }
    }

    /// Stat updates sent so far.
    pub fn stat_updates(&self) -> u64 {
        match self {
            FormatStream::Fixed(stream) => stream.stat_updates(),
            FormatStream::Mapped(stream) => stream.stat_updates(),
        }
    }

    /// Sum of the deltas sent per (player, stat code). Call it once, when producing is over.
    pub fn delta_sums(&self) -> HashMap<(String, String), i64> {
        match self {
            FormatStream::Fixed(stream) => stream.delta_sums(),
            FormatStream::Mapped(stream) => stream.delta_sums(),
        }
    }
}

/// The catalog with the format's synthetic topic's mappings moved to the run's `topic` (the
/// catalog as it is for the built-in shape).
pub fn with_run_topic(
    catalog: Arc<Catalog>,
    format: SyntheticFormat,
    topic: &str,
) -> anyhow::Result<Arc<Catalog>> {
    let Some(mapped) = format.mapped_topic() else { return Ok(catalog) };
    let mut moved = (*catalog).clone();
    anyhow::ensure!(
        moved.rename_topic(mapped, topic),
        "--format {} reads topic {mapped} through the catalog's mapping, and the catalog maps \
         no topic {mapped}: use {SYNTHETIC_CATALOG} (the default catalog with --format {0})",
        format.as_str()
    );
    Ok(Arc::new(moved))
}

/// The schema id Avro payloads carry: the one a registry answers when the catalog reads the
/// run's topic through a registry (the schema registered under `<topic>-value`), else 1
/// (a schema file reads the datums and ignores the id).
pub async fn avro_schema_id(
    catalog: &Catalog,
    format: SyntheticFormat,
    topic: &str,
) -> anyhow::Result<u32> {
    match (format, catalog.mappings().format_of(topic)) {
        (
            SyntheticFormat::Avro,
            Format::Avro(AvroFormat { source: AvroSource::Registry(r), .. }),
        ) => {
            let subject = format!("{topic}-value");
            r.register(&subject, AVRO_SCHEMA).await.map_err(|why| {
                anyhow::anyhow!("registering the synthetic schema with {}: {why}", r.url())
            })
        }
        _ => Ok(1),
    }
}
