//! Unit tests of `mod`.

use super::*;

fn known() -> HashSet<String> {
    ["GOALSTREAM_BROKERS", "DATABASE_URL"].iter().map(|s| s.to_string()).collect()
}

#[test]
fn parses_names_values_comments_and_quotes() {
    let text = "# brokers\nGOALSTREAM_BROKERS = kafka:9092\n\nDATABASE_URL=\"postgres://u@h/db\"\n";
    let settings = parse(Path::new("f.env"), text, &known()).unwrap();
    assert_eq!(
        settings,
        vec![
            ("GOALSTREAM_BROKERS".into(), "kafka:9092".into()),
            ("DATABASE_URL".into(), "postgres://u@h/db".into()),
        ]
    );
}

#[test]
fn unknown_names_and_bad_lines_name_the_line() {
    let error = parse(Path::new("f.env"), "GOALSTREAM_BROKERS=x\nGOALSTREAM_BROKER=y", &known())
        .unwrap_err();
    assert!(
        error.to_string().starts_with("f.env:2: unknown setting \"GOALSTREAM_BROKER\""),
        "{error}"
    );
    let error = parse(Path::new("f.env"), "just words", &known()).unwrap_err();
    assert!(error.to_string().contains("f.env:1: expected NAME=value"), "{error}");
}

#[test]
fn finds_the_config_flag() {
    let args: Vec<OsString> =
        ["goalstream", "--config", "a.env", "run"].iter().map(OsString::from).collect();
    assert_eq!(path_from(&args), Some(PathBuf::from("a.env")));
    let args: Vec<OsString> =
        ["goalstream", "run", "--config=b.env"].iter().map(OsString::from).collect();
    assert_eq!(path_from(&args), Some(PathBuf::from("b.env")));
}
