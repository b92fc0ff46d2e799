//! Log lines as operators collect them: JSON lines with `--log-format json` (every line an
//! object with timestamp, level, target and message), and text without color escapes when
//! stderr is not a terminal.

mod support;

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

/// `goalstream migrate` on the test database at debug level (the driver logs every statement),
/// with `args` before the subcommand; returns its stderr.
fn migrate_stderr(args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(args)
        .arg("migrate")
        .env("DATABASE_URL", support::database_url())
        .env("RUST_LOG", "debug")
        .env_remove("GOALSTREAM_CONFIG")
        .env_remove("GOALSTREAM_LOG_FORMAT")
        .env_remove("NO_COLOR")
        .output()
        .expect("goalstream runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stderr).expect("logs are UTF-8")
}

#[test]
fn json_lines_carry_timestamp_level_target_and_message() {
    let stderr = migrate_stderr(&["--log-format", "json"]);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "debug level logs the statements: {stderr}");
    for line in lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        for field in ["timestamp", "level", "target"] {
            assert!(event[field].is_string(), "no {field}: {line}");
        }
        assert!(event["fields"]["message"].is_string(), "no message: {line}");
    }
}

#[test]
fn text_logs_have_no_color_escapes_off_a_terminal() {
    let stderr = migrate_stderr(&[]);
    assert!(stderr.lines().count() >= 3, "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes in a log file: {stderr:?}");
}

/// `goalstream api` with an API key, `--log-format json`: one line per request with the
/// route template, status, latency, the response's request id and the key's name; neither the
/// key nor any Authorization value is ever logged.
#[tokio::test]
async fn api_requests_are_logged_once_each_without_credentials() {
    use goalstream::api::auth::keys;
    use support::child::{address_in, Stderr};
    use support::TestDb;

    let db = TestDb::new(1).await;
    let dir = std::env::temp_dir().join(format!("gs-request-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = keys::generate();
    std::fs::write(dir.join("keys"), format!("ops-bot jobs:read {}\n", keys::hash_hex(&key)))
        .unwrap();
    let mut child = Command::new(BIN)
        .args(["--log-format", "json", "api", "--addr", "127.0.0.1:0"])
        .args(["--http-addr", "127.0.0.1:0", "--pool-size", "1"])
        .arg("--api-keys-file")
        .arg(dir.join("keys"))
        .env("DATABASE_URL", db.child_url())
        .env("RUST_LOG", "info")
        .env_remove("GOALSTREAM_CONFIG")
        .env_remove("GOALSTREAM_CATALOG")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("goalstream starts");
    let mut stderr = Stderr::read(&mut child);
    let addr = address_in(&stderr.wait_for("listening", std::time::Duration::from_secs(30)));
    let http = reqwest::Client::new();
    let get = |path: &str, authorization: &str| {
        http.get(format!("http://{addr}{path}")).header("authorization", authorization).send()
    };
    let bearer = format!("Bearer {key}");
    let found = get("/v1/jobs/424242", &bearer).await.unwrap();
    assert_eq!(found.status(), 404);
    let found_id = found.headers()["x-request-id"].to_str().unwrap().to_string();
    let wrong = "Bearer not-a-key-but-a-secret-looking-value";
    let refused = get("/v1/queues", wrong).await.unwrap();
    assert_eq!(refused.status(), 401);
    let refused_id = refused.headers()["x-request-id"].to_str().unwrap().to_string();
    let unmatched = get("/v1/no/such/route/7", &bearer).await.unwrap();
    assert_eq!(unmatched.status(), 404);

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    stderr.drain(std::time::Duration::from_secs(5));
    let log = &stderr.log;
    assert!(!log.contains(&key), "the API key was logged:\n{log}");
    assert!(!log.contains("not-a-key-but-a-secret-looking-value"), "a credential was logged");
    let requests: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .filter(|e| e["fields"]["message"] == "request")
        .map(|e| e["fields"].clone())
        .collect();
    assert_eq!(requests.len(), 3, "one line per request:\n{log}");
    let line = |id: &str| requests.iter().find(|r| r["request_id"] == id).cloned();
    let found = line(&found_id).unwrap_or_else(|| panic!("no line for {found_id}:\n{log}"));
    assert_eq!(found["method"], "GET");
    assert_eq!(found["route"], "/v1/jobs/{id}", "the template, not the raw path");
    assert_eq!(found["status"], 404);
    assert!(found["ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{found}");
    assert_eq!(found["credential"], "key:ops-bot");
    let refused = line(&refused_id).unwrap_or_else(|| panic!("no line for {refused_id}:\n{log}"));
    assert_eq!(
        (refused["route"].as_str(), refused["status"].as_u64()),
        (Some("/v1/queues"), Some(401))
    );
    assert_eq!(refused["credential"], "none");
    assert!(requests.iter().any(|r| r["route"] == "unmatched" && r["status"] == 404), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
