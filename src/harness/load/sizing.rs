//! Explains a slowdown that is the server's, not the pipeline's: a flush probes and inserts
//! `user_goal_progress` by primary key in random order, so once the table and its key outgrow
//! `shared_buffers`, every flush reads pages from outside Postgres' cache and the tier slows
//! as the table grows (docs/BENCHMARKS.md, "Peak tier"). And once a tier writes more WAL than
//! `max_wal_size` between checkpoints, Postgres checkpoints every few seconds, and the first
//! change to each page after a checkpoint logs the whole page: most of the WAL is then full-page
//! images (docs/BENCHMARKS.md has the WAL of peak runs at both settings).

const MIB: f64 = 1024.0 * 1024.0;

/// A hint when the progress table and its primary key (bytes) outgrew `shared_buffers`.
pub fn hint(table: i64, primary_key: i64, shared_buffers: i64) -> Option<String> {
    if table + primary_key <= shared_buffers {
        return None;
    }
    Some(format!(
        "user_goal_progress grew to {:.0} MiB + {:.0} MiB of primary key, more than \
         shared_buffers ({:.0} MiB): flushes read pages from outside Postgres' cache and slow \
         down as the table grows; size the server for the table (docs/OPERATIONS.md)",
        table as f64 / MIB,
        primary_key as f64 / MIB,
        shared_buffers as f64 / MIB
    ))
}

/// A hint when WAL volume made Postgres checkpoint `requested` times during a run of `seconds`.
pub fn checkpoint_hint(requested: i64, max_wal_size: i64, seconds: f64) -> Option<String> {
    if requested < 2 {
        return None;
    }
    Some(format!(
        "Postgres checkpointed {requested} times in {seconds:.0} s because WAL reached \
         max_wal_size ({:.0} MiB); after each checkpoint the first change to every page writes \
         the whole page to WAL: a max_wal_size that lets checkpoint_timeout set the pace writes \
         far less WAL (a third in docs/BENCHMARKS.md's peak runs; docs/OPERATIONS.md)",
        max_wal_size as f64 / MIB
    ))
}

#[cfg(test)]
mod tests;
