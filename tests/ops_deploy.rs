//! The deployment files, checked against the binary: docker-compose.yml, the Prometheus
//! configuration and alert rules, the Grafana dashboard and the metrics reference of
//! docs/OPERATIONS.md name only settings and metric families that really exist (the families
//! of `goalstream::metrics`; tests/ops_http.rs checks that a run exports every one of them).

use std::collections::BTreeSet;
use std::path::Path;

use clap::{CommandFactory, Parser};
use goalstream::cli::Cli;
use goalstream::telemetry::metrics::Metrics;
use serde_yaml::Value;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn yaml(path: &str) -> Value {
    serde_yaml::from_str(&read(path)).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

fn families() -> BTreeSet<String> {
    Metrics::new().names().iter().cloned().collect()
}

/// The `goalstream_*` metric names a PromQL expression reads, histogram series folded into
/// their family.
fn referenced(expr: &str, known: &BTreeSet<String>) -> Vec<String> {
    let mut names = Vec::new();
    let bytes: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while let Some(start) = expr[i..].find("goalstream_").map(|s| s + i) {
        let end = bytes[start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(bytes.len(), |p| start + p);
        let name = &expr[start..end];
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| known.contains(*f)))
            .unwrap_or(name);
        names.push(family.to_string());
        i = end;
    }
    names
}

fn assert_known(what: &str, expr: &str, known: &BTreeSet<String>) {
    let names = referenced(expr, known);
    assert!(!names.is_empty(), "{what} reads no goalstream metric: {expr}");
    for name in names {
        assert!(known.contains(&name), "{what} reads {name}, which the binary does not export");
    }
}

#[test]
fn compose_runs_the_whole_stack_with_real_settings() {
    let compose = yaml("docker-compose.yml");
    let services = compose["services"].as_mapping().expect("services");
    for name in ["postgres", "kafka", "goalstream", "producer", "prometheus", "grafana"] {
        assert!(services.contains_key(name), "service {name} missing");
    }
    assert_eq!(compose["services"]["postgres"]["image"], "postgres:15");
    let kafka = &compose["services"]["kafka"];
    assert!(kafka["image"].as_str().unwrap().starts_with("apache/kafka:"));
    let roles = kafka["environment"]["KAFKA_PROCESS_ROLES"].as_str().unwrap();
    assert!(roles.contains("controller") && roles.contains("broker"), "KRaft mode: {roles}");
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile").exists());

    // Every setting given to goalstream is one the binary reads.
    let known = goalstream::config::known_names(&Cli::command());
    let goalstream = &compose["services"]["goalstream"];
    for (key, _) in goalstream["environment"].as_mapping().unwrap() {
        let key = key.as_str().unwrap();
        assert!(known.contains(key), "goalstream does not read {key}");
    }
    // The commands parse as the binary would parse them.
    for service in ["goalstream", "producer"] {
        let command = compose["services"][service]["command"].as_sequence().unwrap();
        let args = std::iter::once("goalstream".to_string())
            .chain(command.iter().map(|a| a.as_str().unwrap().to_string()));
        if let Err(error) = Cli::try_parse_from(args) {
            panic!("{service}'s command does not parse: {error}");
        }
    }
    let http = goalstream["environment"]["GOALSTREAM_HTTP_ADDR"].as_str().unwrap();
    let port = http.rsplit(':').next().unwrap();
    assert!(
        goalstream["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().ends_with(port)),
        "the metrics port {port} is published"
    );
    // Nothing is published on every interface but the REST API, which requires credentials.
    for (name, service) in compose["services"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        for port in service["ports"].as_sequence().into_iter().flatten() {
            let port = port.as_str().unwrap();
            let public = !port.starts_with("127.0.0.1:");
            assert!(
                !public || (name, port) == ("goalstream", "8080:8080"),
                "{name} publishes {port}"
            );
        }
    }
    assert!(
        goalstream["environment"]["GOALSTREAM_API_KEYS_FILE"].is_string(),
        "API keys configured"
    );

    // Mounted files exist.
    for service in ["prometheus", "grafana", "goalstream"] {
        for volume in compose["services"][service]["volumes"].as_sequence().unwrap() {
            let source = volume.as_str().unwrap().split(':').next().unwrap();
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
            assert!(path.exists(), "{service} mounts {source}, which does not exist");
        }
    }
}

#[test]
fn prometheus_scrapes_goalstream_and_its_rules_read_exported_metrics() {
    let config = yaml("deploy/prometheus/prometheus.yml");
    let job = &config["scrape_configs"][0];
    assert_eq!(job["job_name"], "goalstream");
    assert_eq!(job["metrics_path"], "/metrics");
    let compose = yaml("docker-compose.yml");
    let http = compose["services"]["goalstream"]["environment"]["GOALSTREAM_HTTP_ADDR"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        job["static_configs"][0]["targets"][0].as_str().unwrap(),
        format!("goalstream:{http}")
    );

    let known = families();
    let rules = yaml("deploy/prometheus/alerts.yml");
    let mut count = 0;
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let name = rule["alert"].as_str().expect("an alert name");
            let expr = rule["expr"].as_str().unwrap_or_else(|| panic!("{name} has no expr"));
            assert_known(name, expr, &known);
            assert!(rule["labels"]["severity"].as_str().is_some(), "{name} has no severity");
            assert!(rule["annotations"]["summary"].as_str().is_some(), "{name} has no summary");
            count += 1;
        }
    }
    assert!(count >= 10, "{count} alerts");
    // Every alert is explained in the operations guide.
    let operations = read("docs/OPERATIONS.md");
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let name = rule["alert"].as_str().unwrap();
            assert!(operations.contains(name), "docs/OPERATIONS.md does not explain {name}");
        }
    }
}

#[test]
fn the_dashboard_reads_exported_metrics_and_covers_the_essentials() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("docs/dashboards/goalstream.json")).expect("valid JSON");
    assert_eq!(dashboard["uid"], "goalstream");
    let known = families();
    let panels = dashboard["panels"].as_array().unwrap();
    let mut titles = Vec::new();
    for panel in panels {
        let title = panel["title"].as_str().unwrap();
        titles.push(title.to_lowercase());
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{title} has no query");
        for target in targets {
            assert_known(title, target["expr"].as_str().unwrap(), &known);
        }
    }
    for topic in [
        "throughput",
        "lag",
        "flush latency",
        "rows by outcome",
        "dead letters",
        "job queue depth",
        "latency",
    ] {
        assert!(titles.iter().any(|t| t.contains(topic)), "no panel about {topic}: {titles:?}");
    }
    let provisioning = yaml("deploy/grafana/provisioning/dashboards/goalstream.yml");
    assert_eq!(provisioning["providers"][0]["options"]["path"], "/var/lib/grafana/dashboards");
}

#[test]
fn the_operations_guide_lists_exactly_the_exported_families() {
    let operations = read("docs/OPERATIONS.md");
    let (_, reference) = operations
        .split_once("## Metrics reference")
        .expect("docs/OPERATIONS.md has a \"## Metrics reference\" section");
    let reference = reference.split("\n## ").next().unwrap();
    // Rows of the reference table start with the family name in backquotes.
    let documented: BTreeSet<String> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(String::from)
        .collect();
    let exported = families();
    let undocumented: Vec<&String> = exported.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&exported).collect();
    assert!(undocumented.is_empty(), "families missing from docs/OPERATIONS.md: {undocumented:?}");
    assert!(
        stale.is_empty(),
        "docs/OPERATIONS.md lists families the binary does not export: {stale:?}"
    );
}

#[test]
fn referenced_names_fold_histogram_series() {
    let known: BTreeSet<String> = ["goalstream_flush_duration_seconds".to_string()].into();
    assert_eq!(
        referenced(
            "histogram_quantile(0.9, rate(goalstream_flush_duration_seconds_bucket[5m]))",
            &known
        ),
        vec!["goalstream_flush_duration_seconds"]
    );
}
