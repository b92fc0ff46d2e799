//! Explains a slowdown that is the server's, not the pipeline's: a flush probes and inserts
//! `user_goal_progress` by primary key in random order, so once the table and its key outgrow
//! `shared_buffers`, every flush reads pages from outside Postgres' cache and the tier slows
//! as the table grows (docs/BENCHMARKS.md, "Peak tier").

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_only_when_the_table_and_its_key_outgrow_shared_buffers() {
        let mib = MIB as i64;
        assert_eq!(hint(60 * mib, 40 * mib, 128 * mib), None);
        let hint = hint(373 * mib, 167 * mib, 128 * mib).expect("outgrown");
        assert!(hint.contains("373 MiB + 167 MiB"), "{hint}");
        assert!(hint.contains("shared_buffers (128 MiB)"), "{hint}");
    }
}
