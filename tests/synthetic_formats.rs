//! Synthetic telemetry in every format (issue 21, part 6): `goalstream produce --format
//! fixed|json|protobuf|avro` to the mock cluster, consumed by the real pipeline through
//! config/synthetic/challenges.json into real Postgres, every (player, stat) equal to the
//! producer's expect file, nothing lost or applied twice, malformed events dead-lettered;
//! Avro registered with a registry (recorded Confluent answers, support/registry.rs); a
//! `bench formats` smoke run; how `Catalog::load` finds the files a catalog names; the flags'
//! errors.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use deadpool_postgres::Pool;
use goalstream::catalog::Catalog;
use goalstream::cli::{Cli, Command};
use goalstream::commands::produce::{self, ProduceArgs};
use goalstream::harness::bench::formats::{self, FormatsBenchArgs};
use goalstream::harness::load::driver;
use goalstream::harness::synthetic::format::SyntheticFormat;
use goalstream::ingest::pipeline::{Pipeline, PipelineConfig};
use goalstream::store::ProgressStore;
use goalstream::telemetry::IngestStats;
use serde_json::json;
use support::kafka::{consumer_config, stored_total, wait_for, MockKafka, TOPIC};
use support::registry::RecordedRegistry;
use support::TestDb;

const SYNTHETIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/synthetic");
const EVENTS: u64 = 1_500;
const WAIT: Duration = Duration::from_secs(30);

fn synthetic_catalog_path() -> String {
    format!("{SYNTHETIC}/challenges.json")
}

/// The synthetic catalog with `format`'s mapping on the test topic; its Avro topic read
/// through `registry` when given.
fn catalog_for(format: SyntheticFormat, registry: Option<&str>) -> Arc<Catalog> {
    let text = std::fs::read_to_string(synthetic_catalog_path()).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    if let Some(url) = registry {
        for mapping in file["mappings"].as_array_mut().unwrap() {
            if mapping["format"]["type"] == "avro" {
                mapping["format"] = json!({"type": "avro", "registry": {"url": url}});
            }
        }
    }
    let mut catalog = Catalog::parse(&file.to_string(), Some(Path::new(SYNTHETIC))).unwrap();
    if let Some(topic) = format.mapped_topic() {
        assert!(catalog.rename_topic(topic, TOPIC));
    }
    Arc::new(catalog)
}

fn produce_args(words: &[&str]) -> ProduceArgs {
    let argv = ["goalstream", "produce"].iter().chain(words).copied();
    match Cli::try_parse_from(argv).unwrap().command {
        Command::Produce(args) => args,
        other => panic!("not produce: {other:?}"),
    }
}

/// `goalstream produce --format FORMAT` of EVENTS events to the test topic, 2 % malformed;
/// returns the expect file's sums.
async fn produce(
    brokers: &str,
    format: SyntheticFormat,
    extra: &[&str],
) -> HashMap<(String, String), i64> {
    let expect = std::env::temp_dir().join(format!(
        "synthetic_formats_{}_{}_{}.json",
        format.as_str(),
        std::process::id(),
        rand::random::<u32>()
    ));
    let events = EVENTS.to_string();
    let mut words = vec!["--brokers", brokers, "--format", format.as_str(), "--topic", TOPIC];
    words.extend([
        "--events",
        events.as_str(),
        "--users",
        "60",
        "--bad-ratio",
        "0.02",
        "--seed",
        "5",
    ]);
    words.extend(["--expect-file", expect.to_str().unwrap()]);
    words.extend(extra);
    let args = produce_args(&words);
    produce::run(Path::new(&synthetic_catalog_path()), &args).await.unwrap();
    let sums: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&expect).unwrap()).unwrap();
    std::fs::remove_file(&expect).unwrap();
    sums.iter()
        .map(|s| {
            let key =
                (s["user_id"].as_str().unwrap().into(), s["stat_code"].as_str().unwrap().into());
            (key, s["delta_sum"].as_i64().unwrap())
        })
        .collect()
}

fn start(brokers: &str, pool: &Pool, catalog: Arc<Catalog>) -> (Pipeline, Arc<IngestStats>) {
    support::init_logs("warn");
    let stats = Arc::new(IngestStats::default());
    let mut config = PipelineConfig::new(consumer_config(brokers, "g"), 2);
    config.buffer.max_age = Duration::from_millis(50);
    let store = ProgressStore::new(catalog);
    (Pipeline::start(config, store, pool.clone(), stats.clone()).unwrap(), stats)
}

/// Progress per (player, stat) of the catalog's goals (one goal per stat).
async fn progress(pool: &Pool, catalog: &Catalog) -> HashMap<(String, String), i64> {
    let stat_of: HashMap<&str, &str> =
        catalog.goals().iter().map(|g| (g.goal_id.as_str(), g.stat_code.as_str())).collect();
    let client = pool.get().await.unwrap();
    let rows = client
        .query("SELECT user_id, goal_id, progress FROM user_goal_progress", &[])
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let stat = stat_of[r.get::<_, String>(1).as_str()].to_string();
            ((r.get(0), stat), r.get(2))
        })
        .collect()
}

async fn dead_letters(pool: &Pool) -> i64 {
    let client = pool.get().await.unwrap();
    client.query_one("SELECT count(*) FROM dead_letters", &[]).await.unwrap().get(0)
}

/// Produces `format`, runs the pipeline until every offset is stored, and checks the
/// database against the expect file.
async fn round_trip(format: SyntheticFormat, extra: &[&str], registry: Option<&str>) {
    let kafka = MockKafka::new(3);
    let db = TestDb::new(4).await;
    let expected = produce(&kafka.brokers, format, extra).await;
    let catalog = catalog_for(format, registry);
    let (pipeline, stats) = start(&kafka.brokers, &db.pool, catalog.clone());
    wait_for("every event durable", WAIT, || async {
        stored_total(&db.pool, "g").await == EVENTS as i64
    })
    .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);

    let stored = progress(&db.pool, &catalog).await;
    let stats_seen: std::collections::HashSet<&str> =
        expected.keys().map(|(_, stat)| stat.as_str()).collect();
    assert_eq!(stats_seen.len(), 8, "{format:?}: every stat produced: {stats_seen:?}");
    for (key, sum) in &expected {
        assert_eq!(stored.get(key).copied().unwrap_or(0), *sum, "{format:?}: {key:?}");
    }
    for (key, progress) in &stored {
        assert_eq!(expected.get(key).copied().unwrap_or(0), *progress, "{format:?}: {key:?}");
    }
    let malformed = dead_letters(&db.pool).await;
    assert!(
        (5..=80).contains(&malformed),
        "{format:?}: 2 % of {EVENTS} malformed: {malformed} dead letters"
    );
    assert_eq!(IngestStats::get(&stats.dead_lettered), malformed as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_events_reach_postgres_once() {
    round_trip(SyntheticFormat::Fixed, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapped_json_match_ends_reach_postgres_once() {
    round_trip(SyntheticFormat::Json, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_match_ends_reach_postgres_once() {
    round_trip(SyntheticFormat::Protobuf, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avro_match_ends_with_a_schema_file_reach_postgres_once() {
    round_trip(SyntheticFormat::Avro, &["--schema-id", "1"], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avro_match_ends_registered_with_a_registry_reach_postgres_once() {
    // Id 1 is taken by another schema: the producer must use the id the registry answers.
    let other = json!({"type": "record", "name": "Other", "fields": []}).to_string();
    let registry = RecordedRegistry::start(HashMap::from([(1, other)])).await;
    let url = registry.url();
    round_trip(SyntheticFormat::Avro, &["--registry", url.as_str()], Some(&url)).await;
    assert_eq!(registry.subjects(), vec![format!("{TOPIC}-value")]);
    assert_eq!(registry.requests(2), 1, "the consumer fetched the registered id once");
}

#[tokio::test]
async fn the_registry_s_basic_auth_is_read_from_a_file_and_checked() {
    let registry = RecordedRegistry::start(HashMap::new()).await;
    let url = registry.url();
    let dir = std::env::temp_dir().join(format!("gs-reg-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (good, bad) = (dir.join("good"), dir.join("bad"));
    std::fs::write(&good, "producer:s3cret\n").unwrap();
    std::fs::write(&bad, "no-colon-here\n").unwrap();
    let with = |file: &std::path::Path| {
        let file = file.to_str().unwrap().to_string();
        produce_args(&["--format", "avro", "--registry", &url, "--registry-auth-file", &file])
    };
    assert!(with(&good).schema_id().await.unwrap() > 0);
    let error = format!("{:#}", with(&bad).schema_id().await.unwrap_err());
    assert!(error.contains("user:password"), "{error}");
    assert!(!error.contains("no-colon-here"), "the file's content is not echoed: {error}");
    let error = format!("{:#}", with(&dir.join("missing")).schema_id().await.unwrap_err());
    assert!(error.contains("--registry-auth-file: reading"), "{error}");
    // Without --registry the flag is refused by the parser.
    let argv = ["goalstream", "produce", "--format", "avro", "--registry-auth-file", "x"];
    assert!(Cli::try_parse_from(argv).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_formats_compares_every_format_on_the_same_players() {
    let schema = format!("test_bench_formats_{}_{}", std::process::id(), rand::random::<u32>());
    let catalog = Arc::new(Catalog::load(synthetic_catalog_path()).unwrap());
    let args = FormatsBenchArgs {
        formats: SyntheticFormat::ALL.to_vec(),
        events: 800,
        rate: 0,
        users: 100,
        partitions: 2,
        workers: 2,
        brokers: None,
        schema: schema.clone(),
        min_ratio_vs_fixed: None,
        json: true,
    };
    let db = support::db_config();
    let report = formats::run(&db, catalog, &args).await.unwrap();
    goalstream::store::drop_schema(&db, &schema).await.unwrap();

    assert_eq!(report.results.len(), 4);
    for (r, format) in report.results.iter().zip(SyntheticFormat::ALL) {
        assert_eq!(r.format, format);
        assert!(r.correct && r.lost == 0 && r.duplicated == 0, "{r:?}");
        assert!(r.checked_rows > 0 && r.events == 800, "{r:?}");
        assert!(r.events_per_s > 0.0 && r.stat_updates_per_s > 0.0, "{r:?}");
        let per_event = r.stat_updates as f64 / r.events as f64;
        match format {
            SyntheticFormat::Fixed => assert!((0.97..=1.0).contains(&per_event), "{r:?}"),
            _ => assert!((7.0..=8.0).contains(&per_event), "7 or 8 per match_end: {r:?}"),
        }
        assert_eq!(r.stat_updates_vs_fixed.is_some(), format != SyntheticFormat::Fixed);
    }
    assert_eq!(report.gates.len(), 3, "{:?}", report.gates);
    let text = formats::text(&report);
    for word in ["fixed", "json", "protobuf", "avro", "stat updates/s", "load average"] {
        assert!(text.contains(word), "{text}");
    }
    let line: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert!(line["results"][1]["stat_updates_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_catalog_s_descriptor_set_and_schema_are_read_beside_the_catalog_file() {
    // The tests run in the crate's root, where no match_end.pb lies: a catalog elsewhere
    // must read its files from its own directory.
    let dir = std::env::temp_dir().join(format!(
        "synthetic_catalog_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let nested = dir.join("catalogs");
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::create_dir_all(&nested).unwrap();
    for file in ["match_end.pb", "match_end.avsc"] {
        std::fs::copy(format!("{SYNTHETIC}/{file}"), dir.join("schemas").join(file)).unwrap();
    }
    let text = std::fs::read_to_string(synthetic_catalog_path()).unwrap();
    let moved = text
        .replace("\"match_end.pb\"", "\"../schemas/match_end.pb\"")
        .replace("\"match_end.avsc\"", "\"../schemas/match_end.avsc\"");
    std::fs::write(nested.join("challenges.json"), &moved).unwrap();
    let catalog = Catalog::load(nested.join("challenges.json")).unwrap();
    let format = catalog.mappings().format_of("synthetic.match_end.protobuf");
    assert_eq!(format.name(), "protobuf");

    // A relative catalog path: its files are relative to its directory, not the working one.
    assert!(!Path::new("match_end.pb").exists());
    Catalog::load("config/synthetic/challenges.json").unwrap();

    // A file that is not there is named by the path it was looked for at.
    std::fs::write(nested.join("broken.json"), text.replace("match_end.pb", "missing.pb")).unwrap();
    let error = Catalog::load(nested.join("broken.json")).unwrap_err().to_string();
    let looked_at = nested.join("missing.pb");
    assert!(error.contains("mappings[1].format.descriptor_set"), "{error}");
    assert!(error.contains(&format!("cannot read {}", looked_at.display())), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_committed_descriptor_set_is_the_proto_compiled() {
    let compiled = protox::compile(["match_end.proto"], [SYNTHETIC]).unwrap();
    let bytes = prost::Message::encode_to_vec(&compiled);
    let path = PathBuf::from(SYNTHETIC).join("match_end.pb");
    if std::env::var_os("GOALSTREAM_WRITE_DESCRIPTOR_SET").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "{} is not match_end.proto compiled: run this test with GOALSTREAM_WRITE_DESCRIPTOR_SET=1",
        path.display()
    );
}

#[test]
fn bad_flags_are_refused_with_what_to_do() {
    let error = produce_args(&["--format", "avro"]).check().unwrap_err().to_string();
    assert!(error.contains("--format avro needs a schema source: --registry URL"), "{error}");
    assert!(error.contains("synthetic.match_end.avro-value"), "{error}");
    let error =
        produce_args(&["--format", "json", "--schema-id", "3"]).check().unwrap_err().to_string();
    assert!(error.contains("--registry and --schema-id are for --format avro"), "{error}");
    let both =
        ["goalstream", "produce", "--format", "avro", "--registry", "http://r", "--schema-id", "1"];
    let error = Cli::try_parse_from(both).unwrap_err().to_string();
    assert!(error.contains("cannot be used with"), "{error}");
    let error = Cli::try_parse_from(["goalstream", "load", "--format", "xml"]).unwrap_err();
    assert!(error.to_string().contains("fixed, json, protobuf, avro"), "{error}");
    // Each format's default topic is the one the synthetic catalog maps.
    assert_eq!(produce_args(&["--format", "protobuf"]).topic(), "synthetic.match_end.protobuf");
    assert_eq!(produce_args(&[]).topic(), "game.telemetry");
}

#[tokio::test]
async fn a_mapped_load_needs_a_catalog_that_maps_its_topic() {
    let config = driver::Config {
        profile: goalstream::harness::load::profile::Profile::of(
            goalstream::harness::load::profile::ProfileName::Smoke,
        ),
        brokers: None,
        kafka_options: Vec::new(),
        api_url: None,
        in_process_api: false,
        api_key: None,
        schema: "never_created".into(),
        progress: false,
        seed: 1,
        flush_delay: Duration::ZERO,
        format: SyntheticFormat::Json,
        unpaced: false,
    };
    let example = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let error = driver::run(&support::db_config(), example, &config).await.unwrap_err();
    let error = error.to_string();
    assert!(error.contains("maps no topic synthetic.match_end.json"), "{error}");
    assert!(error.contains("config/synthetic/challenges.json"), "{error}");
}
