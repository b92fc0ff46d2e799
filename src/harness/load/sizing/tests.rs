//! Unit tests of `sizing`.

use super::*;

#[test]
fn hints_only_when_the_table_and_its_key_outgrow_shared_buffers() {
    let mib = MIB as i64;
    assert_eq!(hint(60 * mib, 40 * mib, 128 * mib), None);
    let hint = hint(373 * mib, 167 * mib, 128 * mib).expect("outgrown");
    assert!(hint.contains("373 MiB + 167 MiB"), "{hint}");
    assert!(hint.contains("shared_buffers (128 MiB)"), "{hint}");
}

#[test]
fn hints_when_wal_volume_forced_checkpoints() {
    let gib = 1024 * MIB as i64;
    assert_eq!(checkpoint_hint(0, gib, 60.0), None);
    assert_eq!(checkpoint_hint(1, gib, 60.0), None, "one may be a run crossing the limit");
    let hint = checkpoint_hint(13, gib, 72.4).expect("forced checkpoints");
    assert!(hint.contains("13 times in 72 s"), "{hint}");
    assert!(hint.contains("max_wal_size (1024 MiB)"), "{hint}");
}
