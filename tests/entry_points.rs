//! Every user-facing entry point, run as a user runs it: the `goalstream` binary's `demo`
//! (with its exactly-once check, which counts a missing row as lost), `replay` of a JSON-lines
//! file, `produce` to a Kafka-protocol cluster (librdkafka's mock, in this process), and the
//! examples (`examples/custom_handler.rs`, built by `cargo test`).

mod support;

use std::process::{Command, Output};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;
use support::kafka::{self, MockKafka};
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

fn goalstream(args: &[&str], database_url: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("GOALSTREAM_CONFIG")
        .env_remove("GOALSTREAM_CATALOG")
        .output()
        .expect("goalstream runs")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn demo_runs_and_its_exactly_once_check_holds() {
    let schema = format!("test_demo_{}_{}", std::process::id(), rand::random::<u32>());
    let output = goalstream(
        &["demo", "--events", "5000", "--users", "500", "--rate", "0", "--schema", &schema],
        &support::database_url(),
    );
    let dropped = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(goalstream::store::drop_schema(&support::db_config(), &schema));
    dropped.unwrap();
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let line = all.lines().find(|l| l.starts_with("exactly once:")).expect("the check's line");
    assert!(
        line.contains("lost 0 (0 rows, missing rows included), duplicated 0 (0 rows)"),
        "{line}"
    );
    assert!(!line.contains("MISMATCH"), "{line}");
    assert!(!line.starts_with("exactly once: 0 of"), "pairs were checked: {line}");
}

#[tokio::test]
async fn replay_applies_a_json_lines_file() {
    let db = TestDb::new(1).await;
    let dir = std::env::temp_dir().join(&db.schema);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("events.jsonl");
    let mut lines = String::new();
    for (user, delta) in [("replay-a", 3), ("replay-b", 5), ("replay-a", 4)] {
        lines.push_str(std::str::from_utf8(&kafka::kills(user, delta).1).unwrap());
        lines.push('\n');
    }
    lines.push_str("not json\n");
    std::fs::write(&file, lines).unwrap();
    let output = goalstream(&["replay", "--file", file.to_str().unwrap()], &db.child_url());
    assert!(output.status.success(), "{}", text(&output));
    let progress = kafka::progress_of(&db.pool, "daily-kills-25").await;
    assert_eq!(progress.get("replay-a"), Some(&7), "{progress:?}");
    assert_eq!(progress.get("replay-b"), Some(&5), "{progress:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn produce_writes_the_events_to_the_cluster() {
    let mock = MockKafka::new(2);
    let dir = std::env::temp_dir().join(format!("test_produce_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expect = dir.join("sums.json");
    let output = goalstream(
        &[
            "produce",
            "--brokers",
            &mock.brokers,
            "--topic",
            kafka::TOPIC,
            "--events",
            "700",
            "--users",
            "50",
            "--expect-file",
            expect.to_str().unwrap(),
        ],
        &support::database_url(),
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(std::fs::metadata(&expect).unwrap().len() > 0);
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &mock.brokers).create().unwrap();
    let mut total = 0;
    for partition in 0..2 {
        let (low, high) =
            consumer.fetch_watermarks(kafka::TOPIC, partition, Duration::from_secs(10)).unwrap();
        total += high - low;
    }
    assert_eq!(total, 700, "{}", text(&output));
    let _ = std::fs::remove_dir_all(dir);
}

/// `cargo run --example custom_handler`: `cargo test` builds the examples beside the test
/// binaries (target/<profile>/examples/); the example works in its own scratch schema.
#[test]
fn the_custom_handler_example_runs() {
    let deps = std::env::current_exe().unwrap();
    let example = deps.parent().unwrap().parent().unwrap().join("examples/custom_handler");
    let output = if example.exists() {
        Command::new(&example)
            .env("DATABASE_URL", support::database_url())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    } else {
        Command::new(env!("CARGO"))
            .args(["run", "--quiet", "--example", "custom_handler"])
            .env("DATABASE_URL", support::database_url())
            .output()
            .unwrap()
    };
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(all.contains("3 jobs completed"), "{all}");
}
