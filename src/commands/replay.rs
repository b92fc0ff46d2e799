//! `goalstream replay`: events from a JSON-lines file through the same decode → buffer →
//! flush path as Kafka, without Kafka (backfills, reproducible checks). Offsets are not
//! stored; malformed lines become dead letters with the file as topic and the line number as
//! offset. A replay is not idempotent for increment goals: replaying a file twice applies it
//! twice; after a failure or a signal (SIGINT/SIGTERM: it flushes what it read and prints the
//! line to resume from), resume with `--from-line`. Memory is bounded by the payload limit: a
//! longer line is read through without being held ([`lines`]) and dead-lettered with its
//! first `--max-payload-bytes` bytes, its size and its SHA-256.

mod lines;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use super::report::summary;
use crate::db::DbConfig;
use crate::ingest::buffer::{Batch, Buffer, BufferConfig, DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS};
use crate::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use crate::ingest::record::{Body, Record};
use crate::store::{self, progress_query, FlushBatch, ProgressStore};
use crate::telemetry::events::EventsRead;
use crate::telemetry::IngestStats;

/// Options of `goalstream replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// JSON-lines file: one event per line.
    #[arg(long)]
    pub file: PathBuf,
    /// First line to apply (1-based), to resume a replay that stopped.
    #[arg(long, default_value_t = 1)]
    pub from_line: u64,
    /// Flush every this many distinct (player, goal) keys.
    #[arg(long, default_value_t = DEFAULT_MAX_ROWS)]
    pub flush_rows: usize,
    /// Lines over this many bytes are dead-lettered.
    #[arg(long, default_value_t = DEFAULT_MAX_PAYLOAD_BYTES)]
    pub max_payload_bytes: usize,
    /// Read the lines as events of this topic, through its mapping in the catalog (default:
    /// the built-in shape).
    #[arg(long)]
    pub topic: Option<String>,
}

/// Replays the file.
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &ReplayArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.from_line >= 1, "--from-line starts at 1");
    anyhow::ensure!(args.flush_rows > 0, "--flush-rows must be at least 1");
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let pool = store::open(&db.clone().with_pool_size(2)).await?;
    let store = ProgressStore::new(catalog.clone());
    let mut client = pool.get().await?;
    let source: Arc<str> = Arc::from(args.file.display().to_string());
    let buffer_config = BufferConfig {
        max_rows: args.flush_rows,
        max_bytes: DEFAULT_MAX_BYTES,
        max_age: Duration::MAX,
        dedup_window: None,
    };
    let mut buffer = Buffer::new(buffer_config, catalog.clone());
    let stats = IngestStats::default();
    let started = Instant::now();
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut durable_line = args.from_line - 1;
    // No topic has an empty name, so "" always means the built-in shape.
    let topic = args.topic.as_deref().unwrap_or("");
    // SIGINT/SIGTERM: stop reading, flush what is buffered, say where to resume.
    let stop = Arc::new(AtomicBool::new(false));
    let _signal = tokio_util::task::AbortOnDropHandle::new(tokio::spawn({
        let stop = stop.clone();
        async move {
            crate::app::shutdown::signal().await;
            stop.store(true, Ordering::SeqCst);
        }
    }));
    let limit = args.max_payload_bytes;
    while let Some(overlong) = lines::read_line(&mut reader, limit, &mut line)? {
        number += 1;
        if number < args.from_line || line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let body = match overlong {
            // Kept as a dead letter: the first `limit` bytes, the size and the hash.
            Some(overlong) => Body::Malformed {
                key: None,
                payload: line.clone(),
                reason: format!(
                    "payload of {} bytes is over the {limit}-byte limit (first {limit} bytes \
                     kept; sha256 {})",
                    overlong.bytes, overlong.sha256
                ),
            },
            None => Body::decode(&catalog, topic, None, &line, limit),
        };
        let record = Record {
            partition: (source.clone(), 0),
            offset: number as i64,
            epoch: 0,
            timestamp_ms: None,
            bytes: line.len(),
            body,
        };
        buffer.push(record, Instant::now());
        if buffer.should_flush(Instant::now()) {
            flush(&store, &mut client, buffer.take(), &source, &stats)
                .await
                .with_context(|| resume_hint(durable_line))?;
            durable_line = number;
        }
        if stop.load(Ordering::SeqCst) {
            flush(&store, &mut client, buffer.take(), &source, &stats)
                .await
                .with_context(|| resume_hint(durable_line))?;
            anyhow::bail!(
                "stopped by a signal; {}",
                resume_hint(number).trim_start_matches("replay stopped; ")
            );
        }
    }
    flush(&store, &mut client, buffer.take(), &source, &stats)
        .await
        .with_context(|| resume_hint(durable_line))?;
    summary(&stats, started.elapsed(), &progress_query::sample(&client, 5).await?);
    println!("replayed lines {}..={number} of {}", args.from_line, args.file.display());
    Ok(())
}

fn resume_hint(durable_line: u64) -> String {
    format!(
        "replay stopped; lines up to {durable_line} are applied: resume with --from-line {}",
        durable_line + 1
    )
}

async fn flush(
    store: &ProgressStore,
    client: &mut deadpool_postgres::Client,
    mut batch: Batch,
    source: &str,
    stats: &IngestStats,
) -> anyhow::Result<()> {
    for letter in &mut batch.dead_letters {
        letter.partition = None;
    }
    let malformed = batch.dead_letters.len() as u64;
    EventsRead {
        topic: source,
        consumed: batch.records,
        decoded: batch.records - malformed - batch.unknown_stats,
        malformed,
        unmatched: batch.unknown_stats,
    }
    .emit(stats);
    let flush = FlushBatch {
        events: Default::default(),
        now: chrono::Utc::now(),
        updates: &batch.updates,
        group_id: "",
        offsets: &[],
        dead_letters: &batch.dead_letters,
    };
    let outcome = store.flush(client, &flush).await?;
    batch.committed(&outcome, None, None).emit(stats);
    Ok(())
}
