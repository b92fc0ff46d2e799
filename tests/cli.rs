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
fn a_missing_catalog_is_an_error_unless_the_example_was_asked_for() {
    // Given explicitly, even at the default path, a missing file never becomes the example.
    let dir = std::env::temp_dir().join(format!("goalstream-cli-{}-empty", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let in_dir = |args: &[&str]| {
        let output = Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .env_remove("GOALSTREAM_CONFIG")
            .env_remove("GOALSTREAM_CATALOG")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stderr).to_string();
        (output.status.code().unwrap_or(-1), text)
    };
    let (code, text) = in_dir(&["catalog", "--catalog", "config/challenges.json"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the catalog is missing"), "{text}");
    assert!(text.contains("--catalog example"), "the way out is named: {text}");
    // Not given: the commands that serve players refuse too (run checks it before Kafka).
    let (code, text) = in_dir(&["api", "--database-url", "postgres://127.0.0.1:1/x"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the catalog is missing"), "{text}");
    let (code, text) = in_dir(&["catalog"]);
    assert_eq!(code, 1, "validating nothing is not validating the example: {text}");
    // Asked for: the example.
    let (code, text) = in_dir(&["catalog", "--catalog", "example"]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn catalog_try_shows_what_each_line_becomes() {
    let lines = [
        r#"{"type":"match_end","event_id":"e-1","player":{"id":"p-42","level":12},"result":"win","match":{"ended_at_ms":1764849600000,"duration_min":14,"mode":"ranked"},"stats":{"kills":7,"ranked_score":1530}}"#,
        r#"{"type":"match_end","player":{"id":"p-43"},"result":"loss","match":{"ended_at_ms":1764849600000,"duration_min":9},"stats":{"kills":"3"}}"#,
        r#"{"type":"match_start","player":{"id":"p-43"}}"#,
    ];
    let events = file("try.jsonl", &lines.join("\n"));
    let (code, text) = run(&["catalog", "--try", &events, "--topic", "match-events"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "line 1: player p-42, event e-1, at 2025-12-04T12:00:00+00:00: matches_played += 1, \
             wins += 1, kills += 7, minutes_played += 14, level = 12, ranked_score = 1530"
        ),
        "{text}"
    );
    assert!(text.contains("line 2: dead letter: at /event_id: missing"), "{text}");
    assert!(text.contains("line 3: no update"), "{text}");
    // The same file in the built-in shape: every line lacks `user_id`.
    let (_, text) = run(&["catalog", "--try", &events], &[]);
    assert_eq!(text.matches("missing field `user_id`").count(), 3, "{text}");
    // The summary lists the mapping.
    let (_, text) = run(&["catalog"], &[]);
    assert!(text.contains("wins               += 1 when /result == \"win\""), "{text}");
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

#[test]
fn config_print_shows_each_value_with_its_source_and_masks_secrets() {
    let config = file("print.env", "GOALSTREAM_GROUP=from-file\nGOALSTREAM_BROKERS=file:9092\n");
    let (code, text) = run(
        &["--config", &config, "config", "print", "--workers", "2"],
        &[
            ("DATABASE_URL", "postgres://app:s3cret@db:5432/g"),
            ("GOALSTREAM_BROKERS", "env:9092"),
            ("GOALSTREAM_SLOW_STATEMENT_MS", "20,200,2000"),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("s3cret"), "the password is masked: {text}");
    for line in [
        "DATABASE_URL=postgres://app:****@db:5432/g  # environment",
        "GOALSTREAM_GROUP=from-file  # file",
        "GOALSTREAM_BROKERS=env:9092  # environment",
        "GOALSTREAM_WORKERS=2  # flag",
        "GOALSTREAM_FLUSH_ROWS=10000  # default",
        "GOALSTREAM_HTTP_ADDR=127.0.0.1:9464  # default",
        "GOALSTREAM_SLOW_STATEMENT_MS=20,200,2000  # environment",
        "GOALSTREAM_STATEMENT_TIMEOUT_MS=30000  # default",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
}

/// Flags, one environment variable, the exit code and a part of the message.
type Refusal<'a> = (&'a [&'a str], (&'a str, &'a str), i32, &'a str);

#[test]
fn invalid_settings_are_refused_with_a_precise_message() {
    let cases: [Refusal; 6] = [
        (&[], ("DATABASE_URL", "postgres://u:pw@host:notaport/db"), 1, "invalid DATABASE_URL"),
        (&["--pool-size", "1"], ("", ""), 1, "--pool-size must be at least 2"),
        (&[], ("GOALSTREAM_HTTP_ADDR", "nonsense"), 2, "invalid value 'nonsense' for '--http-addr"),
        (&[], ("GOALSTREAM_SLOW_STATEMENT_MS", "500,100,50"), 2, "thresholds must not decrease"),
        (
            &[],
            ("GOALSTREAM_STATEMENT_TIMEOUT_MS", "soon"),
            2,
            "invalid value 'soon' for '--statement-timeout-ms",
        ),
        (&["--flush-age-ms", "0"], ("", ""), 1, "--flush-age-ms must be at least 1"),
    ];
    for (flags, (name, value), expected, message) in cases {
        let args: Vec<&str> = ["config", "print"].iter().chain(flags).copied().collect();
        let env: Vec<(&str, &str)> = if name.is_empty() { vec![] } else { vec![(name, value)] };
        let (code, text) = run(&args, &env);
        assert_eq!(code, expected, "{args:?} {env:?}: {text}");
        assert!(text.contains(message), "{message:?} not in {text}");
    }
}

#[test]
fn the_periodic_file_is_checked_by_config_print_from_flag_or_config_file() {
    let example = "config/periodic.example.toml";
    let (code, text) = run(&["config", "print", "--periodic", example], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("GOALSTREAM_PERIODIC=config/periodic.example.toml"), "{text}");
    let bad = file(
        "bad-zone.toml",
        "[[periodic]]\nname = \"nightly\"\ncron = \"0 0 3 * * *\"\ntimezone = \"Mars/Olympus\"\n\
         kind = \"report\"\nexternal_kinds = []\n",
    );
    let (code, text) = run(&["config", "print", "--periodic", &bad], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("unknown field `external_kinds`"), "a key after the table: {text}");
    let bad = file(
        "bad-zone-2.toml",
        "external_kinds = [\"report\"]\n[[periodic]]\nname = \"nightly\"\ncron = \"0 0 3 * * *\"\n\
         timezone = \"Mars/Olympus\"\nkind = \"report\"\n",
    );
    let expected = "periodic job \"nightly\": unknown time zone \"Mars/Olympus\"";
    let (code, text) = run(&["config", "print", "--periodic", &bad], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(expected), "{text}");
    // The same from the configuration file.
    let config = file("periodic.env", &format!("GOALSTREAM_PERIODIC={bad}\n"));
    let (code, text) = run(&["--config", &config, "config", "print"], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(expected), "{text}");
    let (code, text) =
        run(&["config", "print", "--periodic", example, "--job-concurrency", "0"], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("--periodic needs the job side"), "{text}");
    let (code, text) = run(&["config", "print", "--periodic", "/nonexistent/p.toml"], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("cannot read periodic-jobs file /nonexistent/p.toml"), "{text}");
}
