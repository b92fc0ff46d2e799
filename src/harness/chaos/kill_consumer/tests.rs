//! Unit tests of `kill_consumer`.

use super::*;

#[test]
fn a_worker_whose_last_flush_was_staged_and_not_committed_is_found() {
    let dir = std::env::temp_dir().join(format!("gs-kill-consumer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("consumer.log");
    std::fs::write(
        &log,
        "2026-12-04T20:00:00Z DEBUG flush{worker=0 records=10 keys=9}: goalstream::store::progress: flush staged rows=9\n\
         2026-12-04T20:00:00Z DEBUG flush{worker=1 records=10 keys=9}: goalstream::store::progress: flush staged rows=9\n\
         2026-12-04T20:00:01Z DEBUG flush{worker=0 records=10 keys=9}: goalstream::telemetry::events: flush committed records=10\n\
         2026-12-04T20:00:01Z  INFO goalstream::telemetry::events: partitions assigned\n",
    )
    .unwrap();
    assert_eq!(uncommitted_workers(&log), vec![1]);
    std::fs::write(&log, "flush{worker=1}: flush staged\nflush{worker=1}: flush committed\n")
        .unwrap();
    assert!(uncommitted_workers(&log).is_empty());
    assert!(uncommitted_workers(&dir.join("missing.log")).is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
