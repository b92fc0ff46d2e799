//! End to end against a real Kafka-protocol broker (tansu, started by scripts/kafka-up.sh):
//! two `goalstream run` processes in one group, one killed with SIGKILL mid-stream; the other
//! takes over. Afterwards every increment goal's progress equals the sum of the deltas
//! produced for it: nothing lost, nothing applied twice.

mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use goalstream::catalog::{Mode, Rotation};
use support::kafka::{example_catalog, stored_total, wait_for};
use support::TestDb;

const EVENTS: i64 = 40_000;
const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

struct Broker {
    port: u16,
}

impl Broker {
    fn start() -> Broker {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let status = Command::new("scripts/kafka-up.sh")
            .args(["--port", &port.to_string(), "--topic", "game.telemetry:4"])
            .stdout(Stdio::null())
            .status()
            .expect("scripts/kafka-up.sh runs");
        assert!(status.success(), "the tansu broker did not start (scripts/kafka-up.sh)");
        Broker { port }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ =
            Command::new("scripts/kafka-down.sh").args(["--port", &self.port.to_string()]).status();
    }
}

/// A child process killed when dropped (a failing test leaves nothing running).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn goalstream(database_url: &str, args: &[&str], log: &str) -> Process {
    let log = std::fs::File::create(log).unwrap();
    Process(
        Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("GOALSTREAM_CATALOG", "config/challenges.json")
            // Port 0: the instances of a test must not compete for the default HTTP port.
            .env("GOALSTREAM_HTTP_ADDR", "127.0.0.1:0")
            .env("GOALSTREAM_API_ADDR", "127.0.0.1:0")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("goalstream starts"),
    )
}

fn run_args(brokers: &str) -> Vec<String> {
    [
        "run",
        "--brokers",
        brokers,
        "--group",
        "e2e",
        "--pool-size",
        "3",
        "--flush-age-ms",
        "100",
        "--session-timeout-ms",
        "6000",
        "--heartbeat-interval-ms",
        "500",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_loses_nothing_and_applies_nothing_twice() {
    let db = TestDb::new(2).await;
    let database_url = format!(
        "postgres://postgres@127.0.0.1:5432/goalstream_test?options=-csearch_path%3D{}",
        db.schema
    );
    let broker = Broker::start();
    let brokers = broker.address();
    let dir = std::env::temp_dir().join(format!("goalstream-e2e-{}", db.schema));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();

    let run = run_args(&brokers);
    let run: Vec<&str> = run.iter().map(String::as_str).collect();
    let mut first = goalstream(&database_url, &run, &path("run-1.log"));
    let mut second = goalstream(&database_url, &run, &path("run-2.log"));
    let expect = path("expect.json");
    let events = EVENTS.to_string();
    let mut producer = goalstream(
        &database_url,
        &[
            "produce",
            "--brokers",
            &brokers,
            "--events",
            &events,
            "--rate",
            "4000",
            "--users",
            "400",
            "--expect-file",
            &expect,
        ],
        &path("produce.log"),
    );

    wait_for("both instances consuming", Duration::from_secs(60), || async {
        stored_total(&db.pool, "e2e").await >= EVENTS / 5
    })
    .await;
    first.0.kill().expect("SIGKILL"); // mid-stream, likely mid-flush
    first.0.wait().unwrap();

    let started = Instant::now();
    while producer.0.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "the producer did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(producer.0.wait().unwrap().success(), "produce failed; see {}", path("produce.log"));
    wait_for("every event stored by the survivor", Duration::from_secs(120), || async {
        stored_total(&db.pool, "e2e").await == EVENTS
    })
    .await;
    let pid = second.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let exit = second.0.wait().unwrap();
    assert!(
        exit.success(),
        "the survivor did not stop cleanly: {exit:?}; see {}",
        path("run-2.log")
    );

    // Every increment goal that cannot rotate during the test equals the produced deltas.
    let catalog = example_catalog();
    let expected: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&expect).unwrap()).unwrap();
    let expected: HashMap<(String, String), i64> = expected
        .iter()
        .map(|e| {
            let key = (
                e["user_id"].as_str().unwrap().to_string(),
                e["stat_code"].as_str().unwrap().to_string(),
            );
            (key, e["delta_sum"].as_i64().unwrap())
        })
        .collect();
    let client = db.pool.get().await.unwrap();
    let mut checked = 0;
    for goal in catalog.goals().iter().filter(|g| g.mode == Mode::Increment) {
        if !matches!(goal.rotation, Rotation::None | Rotation::Monthly) {
            continue;
        }
        let rows: HashMap<String, i64> = client
            .query(
                "SELECT user_id, progress FROM user_goal_progress WHERE goal_id = $1",
                &[&goal.goal_id],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let want: HashMap<String, i64> = expected
            .iter()
            .filter(|((_, stat), _)| *stat == goal.stat_code)
            .map(|((user, _), sum)| (user.clone(), *sum))
            .collect();
        assert_eq!(rows, want, "goal {}: progress differs from the produced deltas", goal.goal_id);
        checked += rows.len();
    }
    assert!(checked > 400, "checked {checked} rows");
    drop(broker);
}
