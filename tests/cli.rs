//! The binary's command line: configuration file, refused settings, clear errors.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let output = Command::new(BIN)
        .args(args)
        .env_remove("GOALSTREAM_CONFIG")
        .env_remove("GOALSTREAM_CATALOG")
        .envs(env.iter().copied())
        .output()
        .expect("goalstream runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn file(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("goalstream-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_config_file_sets_what_flags_read() {
    let config = file("good.env", "# comment\nGOALSTREAM_CATALOG=/nonexistent/from-config.json\n");
    let (code, text) = run(&["--config", &config, "catalog"], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("/nonexistent/from-config.json"), "the file's catalog was used: {text}");
    assert_eq!(text.matches("No such file").count(), 1, "the cause is said once: {text}");
    // The environment overrides the file.
    let (_, text) = run(
        &["--config", &config, "catalog"],
        &[("GOALSTREAM_CATALOG", "/nonexistent/from-env.json")],
    );
    assert!(text.contains("from-env.json"), "{text}");
}

#[test]
fn unknown_settings_in_the_config_file_are_refused() {
    let config = file("typo.env", "GOALSTREAM_BROKER=kafka:9092\n");
    let (code, text) = run(&["--config", &config, "catalog"], &[]);
    assert_eq!(code, 2);
    assert!(text.contains(":1: unknown setting \"GOALSTREAM_BROKER\""), "{text}");
}

#[test]
fn the_example_catalog_validates_and_bad_values_are_refused() {
    let (code, text) = run(&["catalog"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("4 challenges, 11 goals"), "{text}");
    let (code, text) = run(&["run", "--workers", "3", "--pool-size", "2"], &[]);
    assert_eq!(code, 1);
    assert!(text.contains("--workers (3) must be below --pool-size (2)"), "{text}");
    let (code, text) = run(&["bench", "flush", "--update-ratio", "2"], &[]);
    assert_eq!(code, 1);
    assert!(text.contains("--update-ratio must be within 0..=1"), "{text}");
    let (code, text) = run(&["run", "--kafka-option", "novalue"], &[]);
    assert_eq!(code, 2, "clap refuses it");
    assert!(text.contains("expected KEY=VALUE"), "{text}");
}
