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
