//! The rules of `goalstream doctor`: from the server's settings, its memory, the progress
//! table's size and the WAL written per minute, what to change and why, with the numbers used.
//! Pure: the command gathers the [`Facts`], the tests feed made-up ones.

use std::collections::BTreeMap;

use crate::store::server_report::{Setting, TableSize};

/// The table every flush writes.
pub const PROGRESS_TABLE: &str = "user_goal_progress";
/// Settings the rules read.
pub const SETTINGS: [&str; 14] = [
    "autovacuum",
    "autovacuum_vacuum_scale_factor",
    "checkpoint_completion_target",
    "checkpoint_timeout",
    "effective_cache_size",
    "fsync",
    "full_page_writes",
    "maintenance_work_mem",
    "max_connections",
    "max_wal_size",
    "shared_buffers",
    "synchronous_commit",
    "wal_compression",
    "work_mem",
];
/// Rows above which the progress table gets its own autovacuum thresholds (the default 20 %
/// of a large table is millions of dead rows before a vacuum).
const BIG_TABLE_ROWS: i64 = 1_000_000;
/// Per-table autovacuum scale factor recommended for a big progress table.
const PROGRESS_VACUUM_SCALE: f64 = 0.01;
/// A write-heavy server checkpoints at most this often on time (fewer full-page images).
const CHECKPOINT_TIMEOUT_S: f64 = 15.0 * 60.0;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MIB: f64 = 1024.0 * 1024.0;

/// What the rules are given.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The server's memory in bytes, when known.
    pub memory_bytes: Option<f64>,
    /// Settings by name.
    pub settings: BTreeMap<String, Setting>,
    /// The schema's tables.
    pub tables: Vec<TableSize>,
    /// WAL bytes per minute over the sample, when sampled.
    pub wal_bytes_per_min: Option<f64>,
    /// Checkpoints since the statistics were reset: (on time, requested).
    pub checkpoints: Option<(i64, i64)>,
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Advice {
    /// The setting (or table option) judged.
    pub setting: String,
    /// Its value now.
    pub current: String,
    /// The value recommended (the current one when it is fine).
    pub recommended: String,
    /// Fine as it is?
    pub ok: bool,
    /// Why, with the numbers used.
    pub why: String,
    /// The statement that applies the recommendation, when a change is advised.
    pub apply: Option<String>,
    /// Whether applying it needs a server restart (else a reload).
    pub restart: bool,
}

impl Facts {
    /// A setting in bytes (memory and WAL sizes), when the server has it.
    pub fn bytes(&self, name: &str) -> Option<f64> {
        let s = self.settings.get(name)?;
        let value: f64 = s.setting.parse().ok()?;
        let unit = match s.unit.as_str() {
            "B" | "" => 1.0,
            "kB" => 1024.0,
            "8kB" => 8192.0,
            "16MB" => 16.0 * MIB,
            "MB" => MIB,
            _ => return None,
        };
        Some(value * unit)
    }

    /// A setting in seconds (durations), when the server has it.
    pub fn seconds(&self, name: &str) -> Option<f64> {
        let s = self.settings.get(name)?;
        let value: f64 = s.setting.parse().ok()?;
        Some(match s.unit.as_str() {
            "ms" => value / 1_000.0,
            "min" => value * 60.0,
            _ => value,
        })
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.settings.get(name).map(|s| s.setting.as_str())
    }

    /// The progress table, when the schema has one.
    pub fn progress(&self) -> Option<&TableSize> {
        self.tables.iter().find(|t| t.name == PROGRESS_TABLE)
    }
}

/// Every rule's advice, in a fixed order (durability first).
pub fn advise(facts: &Facts) -> Vec<Advice> {
    let mut advice = Vec::new();
    advice.extend(durability(facts));
    advice.extend(shared_buffers(facts));
    advice.extend(effective_cache_size(facts));
    advice.extend(max_wal_size(facts));
    advice.extend(checkpoint_timeout(facts));
    advice.extend(checkpoint_spread(facts));
    advice.extend(wal_compression(facts));
    advice.extend(maintenance_work_mem(facts));
    advice.extend(progress_autovacuum(facts));
    advice
}

/// Sizes as people write them: `6GB`, `512MB` (Postgres' own units, 1024-based).
pub fn size(bytes: f64) -> String {
    if bytes >= GIB {
        let gib = bytes / GIB;
        if (gib - gib.round()).abs() < 0.05 {
            format!("{:.0}GB", gib.round())
        } else {
            format!("{:.0}MB", bytes / MIB)
        }
    } else {
        format!("{:.0}MB", (bytes / MIB).max(1.0))
    }
}

fn alter_system(name: &str, value: &str) -> Option<String> {
    Some(format!("ALTER SYSTEM SET {name} = '{value}';"))
}

fn durability(facts: &Facts) -> Vec<Advice> {
    let mut advice = Vec::new();
    for (name, good) in [("synchronous_commit", "on"), ("fsync", "on"), ("full_page_writes", "on")]
    {
        let Some(current) = facts.text(name) else { continue };
        let ok = current != "off";
        advice.push(Advice {
            setting: name.into(),
            current: current.into(),
            recommended: if ok { current.into() } else { good.into() },
            ok,
            why: if ok {
                "durable commits: what goalstream acknowledges survives a crash".into()
            } else {
                format!(
                    "{name} = off can lose commits in a crash; goalstream stores Kafka offsets \
                     in the same transaction as the progress, so a lost commit is a lost \
                     acknowledged event"
                )
            },
            apply: if ok { None } else { alter_system(name, good) },
            restart: false,
        });
    }
    advice
}

fn shared_buffers(facts: &Facts) -> Option<Advice> {
    let current = facts.bytes("shared_buffers")?;
    let memory = facts.memory_bytes;
    let hot = facts.progress().map(|p| (p.index_bytes + p.heap_bytes) as f64);
    // 25 % of memory is the usual share (the OS page cache holds the rest); at most 40 %.
    let share = memory.map(|m| m * 0.25);
    let room = hot.zip(memory).and_then(|(hot, m)| page_cache_room(hot, m));
    let (recommended, ok) = match (room, share, hot, memory) {
        // The page cache holds the table: a smaller pool is fine, a larger one is the harm.
        (Some(most), ..) => at_most(current, most),
        (None, Some(share), Some(hot), Some(m)) => {
            fit(current, share.max((hot * 1.25).min(m * 0.4)))
        }
        (None, Some(share), _, _) => fit(current, share),
        (None, None, Some(hot), _) => fit(current, (hot * 1.25).max(current)),
        (None, None, None, _) => fit(current, current),
    };
    let mut why = format!("shared_buffers {}", size(current));
    if let Some(m) = memory {
        why.push_str(&format!(", server memory {} (25 % = {})", size(m), size(m * 0.25)));
    }
    if let (Some(most), Some(hot), Some(m)) = (room, hot, memory) {
        why.push_str(&format!(
            "; {PROGRESS_TABLE} heap + indexes {} do not fit in a pool of at most 40 % of \
             memory ({}), but they fit in the page cache if the pool leaves it room: at most \
             90 % of memory minus the table = {} (at 10M players a 6 GB pool made 0.82-0.86 × \
             the rate at 100k with p99 3.5-4.7 s, 128 MB made 1.00 × with p99 0.5-0.65 s: \
             docs/OPERATIONS.md)",
            size(hot),
            size(m * 0.4),
            size(most),
        ));
    } else if let (Some(p), Some(hot)) = (facts.progress(), hot) {
        why.push_str(&format!(
            "; {PROGRESS_TABLE} heap + indexes {} ({} rows): every flush inserts and probes \
             random index pages, so when they do not fit, flushes wait on reads",
            size(hot),
            p.rows
        ));
        let (hit, read) = (p.blocks_hit as f64, p.blocks_read as f64);
        if hit + read > 0.0 {
            why.push_str(&format!("; buffer hit ratio {:.1} %", 100.0 * hit / (hit + read)));
        }
    }
    if memory.is_none() {
        why.push_str("; server memory unknown (--server-memory)");
    }
    Some(Advice {
        setting: "shared_buffers".into(),
        current: size(current),
        recommended: size(recommended),
        ok,
        why,
        apply: if ok { None } else { alter_system("shared_buffers", &size(recommended)) },
        restart: true,
    })
}

/// `(recommended, ok)` for a pool that should be at least `recommended` (10 % slack).
fn fit(current: f64, recommended: f64) -> (f64, bool) {
    (recommended, current >= recommended * 0.9)
}

/// `(recommended, ok)` for a pool that should be at most `most` (10 % slack); a smaller one
/// is kept as it is.
fn at_most(current: f64, most: f64) -> (f64, bool) {
    let ok = current <= most * 1.1;
    (if ok { current } else { most }, ok)
}

/// The largest pool that leaves the page cache room for a progress table of `hot` bytes, when
/// the table is too big for a pool of at most 40 % of `memory` but fits in memory: what the
/// pool holds is mostly in the page cache too, so a larger pool only pushes the table out of
/// memory. `None` outside that regime (the pool holds the table, or nothing holds it).
fn page_cache_room(hot: f64, memory: f64) -> Option<f64> {
    let fits_in_pool = hot * 1.25 <= memory * 0.4;
    let fits_in_memory = hot < memory * 0.9;
    (!fits_in_pool && fits_in_memory)
        .then(|| (memory * 0.9 - hot).clamp(128.0 * MIB, memory * 0.25))
}

fn effective_cache_size(facts: &Facts) -> Option<Advice> {
    let current = facts.bytes("effective_cache_size")?;
    let memory = facts.memory_bytes?;
    let recommended = memory * 0.75;
    let ok = current >= recommended * 0.8;
    Some(Advice {
        setting: "effective_cache_size".into(),
        current: size(current),
        recommended: size(recommended),
        ok,
        why: format!(
            "the planner's estimate of cached data: ~75 % of the server's {} (shared_buffers + \
             page cache); too low makes it avoid index scans",
            size(memory)
        ),
        apply: if ok { None } else { alter_system("effective_cache_size", &size(recommended)) },
        restart: false,
    })
}

fn max_wal_size(facts: &Facts) -> Option<Advice> {
    let current = facts.bytes("max_wal_size")?;
    let timeout = facts.seconds("checkpoint_timeout").unwrap_or(300.0).max(CHECKPOINT_TIMEOUT_S);
    let spread: f64 =
        facts.text("checkpoint_completion_target").and_then(|t| t.parse().ok()).unwrap_or(0.9);
    let mut why = format!("max_wal_size {}", size(current));
    let mut recommended = current;
    if let Some(per_min) = facts.wal_bytes_per_min.filter(|w| *w > 0.0) {
        // WAL kept between two timed checkpoints ≈ rate × timeout × (1 + completion target);
        // 20 % headroom so bursts do not force checkpoints.
        let needed = per_min * timeout / 60.0 * (1.0 + spread) * 1.2;
        recommended = recommended.max(needed);
        why.push_str(&format!(
            "; WAL measured {}/min × checkpoint every {:.0} min × (1 + {spread}) + 20 % = {}",
            size(per_min),
            timeout / 60.0,
            size(needed)
        ));
    } else {
        why.push_str("; WAL rate not measured (run doctor with --sample-s while goalstream runs)");
    }
    if let Some((timed, requested)) = facts.checkpoints {
        why.push_str(&format!("; checkpoints so far: {timed} on time, {requested} forced"));
        // The counters hold the server's history since the last stats reset. A sample whose
        // rate would take ten checkpoint intervals to fill max_wal_size (an idle minute, or
        // none) cannot be what forced those checkpoints: then the history decides.
        let idle = facts.wal_bytes_per_min.is_none_or(|w| w * timeout / 60.0 * 10.0 < current);
        if requested > timed && idle && recommended < current * 4.0 {
            recommended = current * 4.0;
            why.push_str(": more forced than on time, so at least 4 × the current size");
        }
    }
    let ok = current >= recommended * 0.9;
    Some(Advice {
        setting: "max_wal_size".into(),
        current: size(current),
        recommended: size(recommended),
        ok,
        why,
        apply: if ok { None } else { alter_system("max_wal_size", &size(recommended)) },
        restart: false,
    })
}

fn checkpoint_timeout(facts: &Facts) -> Option<Advice> {
    let current = facts.seconds("checkpoint_timeout")?;
    let ok = current >= CHECKPOINT_TIMEOUT_S;
    let recommended = current.max(CHECKPOINT_TIMEOUT_S);
    Some(Advice {
        setting: "checkpoint_timeout".into(),
        current: format!("{:.0}min", current / 60.0),
        recommended: format!("{:.0}min", recommended / 60.0),
        ok,
        why: "after each checkpoint the first change of every page writes a full-page image to \
              the WAL; on a table of random upserts rarer checkpoints mean much less WAL \
              (crash recovery replays at most this long)"
            .into(),
        apply: if ok {
            None
        } else {
            alter_system("checkpoint_timeout", &format!("{:.0}min", recommended / 60.0))
        },
        restart: false,
    })
}

fn checkpoint_spread(facts: &Facts) -> Option<Advice> {
    let current: f64 = facts.text("checkpoint_completion_target")?.parse().ok()?;
    let ok = current >= 0.9;
    Some(Advice {
        setting: "checkpoint_completion_target".into(),
        current: format!("{current}"),
        recommended: if ok { format!("{current}") } else { "0.9".into() },
        ok,
        why: "spreads checkpoint writes over the interval instead of a burst that stalls flushes"
            .into(),
        apply: if ok { None } else { alter_system("checkpoint_completion_target", "0.9") },
        restart: false,
    })
}

fn wal_compression(facts: &Facts) -> Option<Advice> {
    let current = facts.text("wal_compression")?;
    let ok = current != "off";
    Some(Advice {
        setting: "wal_compression".into(),
        current: current.into(),
        recommended: if ok { current.into() } else { "lz4".into() },
        ok,
        why: "compresses the full-page images that dominate the WAL of random upserts (lz4: \
              little CPU)"
            .into(),
        apply: if ok { None } else { alter_system("wal_compression", "lz4") },
        restart: false,
    })
}

fn maintenance_work_mem(facts: &Facts) -> Option<Advice> {
    let current = facts.bytes("maintenance_work_mem")?;
    let memory = facts.memory_bytes?;
    let recommended = (memory / 16.0).min(2.0 * GIB).max(current);
    let ok = current >= recommended * 0.9;
    Some(Advice {
        setting: "maintenance_work_mem".into(),
        current: size(current),
        recommended: size(recommended),
        ok,
        why: format!(
            "vacuum of the progress table and index builds of migrations: 1/16 of the server's \
             {} (at most 2GB) lets one pass hold the dead rows instead of several index scans",
            size(memory)
        ),
        apply: if ok { None } else { alter_system("maintenance_work_mem", &size(recommended)) },
        restart: false,
    })
}

fn progress_autovacuum(facts: &Facts) -> Option<Advice> {
    let progress = facts.progress()?;
    // The server's scale factor (PostgreSQL's default 0.2 when unreadable); NaN: autovacuum off.
    let global: f64 = match facts.text("autovacuum") {
        Some("off") => f64::NAN,
        _ => {
            facts.text("autovacuum_vacuum_scale_factor").and_then(|v| v.parse().ok()).unwrap_or(0.2)
        }
    };
    let per_table = progress.options.split(',').find_map(|o| {
        o.strip_prefix("autovacuum_vacuum_scale_factor=").and_then(|v| v.parse::<f64>().ok())
    });
    let current = per_table.unwrap_or(global);
    let big = progress.rows >= BIG_TABLE_ROWS;
    let ok = !current.is_nan() && (!big || current <= PROGRESS_VACUUM_SCALE * 2.0);
    let dead_pct = 100.0 * progress.dead_rows as f64 / (progress.rows.max(1)) as f64;
    let statement = format!(
        "ALTER TABLE {PROGRESS_TABLE} SET (autovacuum_vacuum_scale_factor = {PROGRESS_VACUUM_SCALE}, \
         autovacuum_vacuum_insert_scale_factor = {PROGRESS_VACUUM_SCALE});"
    );
    Some(Advice {
        setting: format!("{PROGRESS_TABLE} autovacuum_vacuum_scale_factor"),
        current: if current.is_nan() { "autovacuum off".into() } else { format!("{current}") },
        recommended: if ok { format!("{current}") } else { format!("{PROGRESS_VACUUM_SCALE}") },
        ok,
        why: format!(
            "{} rows, {} dead ({dead_pct:.1} %): with scale factor {} autovacuum waits for {} \
             dead rows; updates stay HOT (fillfactor) only while vacuum frees space in time",
            progress.rows,
            progress.dead_rows,
            if current.is_nan() { "-".to_string() } else { current.to_string() },
            if current.is_nan() {
                "ever".to_string()
            } else {
                format!("{:.0}", progress.rows as f64 * current)
            }
        ),
        apply: if ok { None } else { Some(statement) },
        restart: false,
    })
}

#[cfg(test)]
mod tests;
