//! The smoke load tier through the real pipeline (in-process broker, local Postgres), with
//! API traffic against the real REST API served in-process on the same schema: every event
//! durable, 0 lost, 0 duplicated, 0 errors, latency measured, files written.

mod support;

use std::time::Duration;

use goalstream::harness::load::driver::{self, Config};
use goalstream::harness::load::output;
use goalstream::harness::load::profile::{Profile, ProfileName};
use support::kafka::example_catalog;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_tier_loses_nothing_and_applies_nothing_twice() {
    support::init_logs("warn");
    let schema = format!("test_load_{}_{}", std::process::id(), rand::random::<u32>());
    let mut profile = Profile::of(ProfileName::Smoke);
    profile.duration = Duration::from_secs(6);
    profile.api_clients = 4;
    let config = Config {
        profile,
        brokers: None,
        // The real REST API, served in-process on the run's schema.
        api_url: None,
        in_process_api: true,
        schema: schema.clone(),
        progress: false,
        seed: 3,
    };
    let report = driver::run(&support::db_config(), example_catalog(), &config).await.unwrap();
    let dir = std::env::temp_dir().join(&schema);
    let markdown = output::save(&dir, &report).unwrap();

    // Clean up the schema before asserting, so a failure leaves nothing behind.
    goalstream::store::drop_schema(&support::db_config(), &schema).await.unwrap();

    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.events, 30_000);
    assert_eq!(report.stored_offsets, 30_000);
    assert_eq!((report.lost, report.duplicated), (0, 0));
    assert!(report.verdict.checked_rows > 1_000, "{:?}", report.verdict);
    assert!(report.latency_ms.p50 > 0 && report.latency_ms.p99 >= report.latency_ms.p50);
    assert!(report.dead_letters > 0, "the tier sends 0.1 % malformed events");
    assert!(report.samples.len() >= 5);
    let api = report.api.as_ref().expect("API traffic ran");
    assert_eq!(api.len(), 2, "{api:?}");
    for (endpoint, e) in api {
        assert!(e.requests > 0 && e.errors == 0, "{endpoint}: {e:?}");
        assert!(e.latency_ms.p50 > 0.0, "{endpoint}: {e:?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(report.json_line().lines().last().unwrap()).unwrap();
    assert_eq!(json["profile"], "smoke");
    assert_eq!(json["lost"], 0);
    assert_eq!(json["duplicated"], 0);
    assert!(json["latency_ms"]["p99"].as_u64().is_some());
    let text = std::fs::read_to_string(markdown).unwrap();
    assert!(text.contains("| smoke |") && text.contains("load/latency-tiers.svg"));
    assert!(dir.join("load/smoke-throughput.svg").exists());
    let _ = std::fs::remove_dir_all(dir);
}
