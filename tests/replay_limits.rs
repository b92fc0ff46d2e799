//! `goalstream replay` with an oversized line (issue 19): the payload limit holds while
//! reading (memory bounded by the limit, not by the line), the dead letter keeps the first
//! limit bytes with the line's size and hash, and the lines around it are applied.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");
/// The long line: big enough that holding it (let alone four copies) would dwarf the bound.
const LONG: usize = 64 * 1024 * 1024;

/// Runs `replay FILE` and returns (exit success, output, peak RSS in KiB while it ran).
fn replay(db: &TestDb, file: &std::path::Path) -> (bool, String, u64) {
    let mut child = Command::new(BIN)
        .args(["replay", "--file", &file.display().to_string()])
        .env("DATABASE_URL", db.child_url())
        .env("GOALSTREAM_CATALOG", "config/challenges.json")
        .env_remove("GOALSTREAM_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            let rss = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok());
            peak = peak.max(rss.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text, peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_line_is_bounded_truncated_and_hashed() {
    let db = TestDb::new(1).await;
    let dir = std::env::temp_dir().join(format!("gs-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let event = |user: &str| format!(r#"{{"user_id":"{user}","stat_code":"login","delta":1}}"#);

    let small = dir.join("small.jsonl");
    std::fs::write(&small, format!("{}\n{}\n", event("r1"), event("r2"))).unwrap();
    let (ok, text, baseline) = replay(&db, &small);
    assert!(ok, "{text}");

    let big = dir.join("big.jsonl");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        writeln!(file, "{}", event("r3")).unwrap();
        file.write_all(br#"{"user_id":"r4","stat_code":"login","delta":1,"pad":""#).unwrap();
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..LONG / chunk.len() {
            file.write_all(&chunk).unwrap();
        }
        file.write_all(b"\"}\n").unwrap();
        writeln!(file, "{}", event("r5")).unwrap();
    }
    let (ok, text, peak) = replay(&db, &big);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(ok, "{text}");
    let growth_kib = peak.saturating_sub(baseline);
    assert!(
        growth_kib < 16 * 1024,
        "RSS grew by {growth_kib} KiB over the baseline ({baseline} KiB)"
    );

    let client = db.pool.get().await.unwrap();
    let row =
        client.query_one("SELECT length(payload), reason FROM dead_letters", &[]).await.unwrap();
    let (length, reason): (i32, String) = (row.get(0), row.get(1));
    assert_eq!(length, 64 * 1024, "the first 64 KiB are kept");
    assert!(reason.contains("over the 65536-byte limit"), "{reason}");
    assert!(reason.contains("sha256 "), "{reason}");
    let players: i64 = client
        .query_one(
            "SELECT count(DISTINCT user_id) FROM user_goal_progress WHERE user_id IN ('r3', 'r5')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(players, 2, "the lines around the long one are applied");
}
