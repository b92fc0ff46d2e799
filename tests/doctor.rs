//! `goalstream doctor` against the local server: it reads the real settings, finds the
//! progress table of the schema with its size, samples the WAL written while rows are written,
//! and gives advice with the statements that apply it; it changes nothing.

mod support;

use std::process::Command;

use serde_json::Value;
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

fn doctor(db: &TestDb, args: &[&str]) -> (bool, String) {
    let output = Command::new(BIN)
        .arg("doctor")
        .args(args)
        .env("DATABASE_URL", db.child_url())
        .env("RUST_LOG", "warn")
        .env_remove("GOALSTREAM_CONFIG")
        .output()
        .expect("goalstream runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    (output.status.success(), stdout + &String::from_utf8_lossy(&output.stderr))
}

/// Every server setting, as one string to compare before and after.
async fn all_settings(client: &deadpool_postgres::Client) -> String {
    let sql = "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings";
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn doctor_reads_the_server_and_the_progress_table_and_changes_nothing() {
    let db = TestDb::new(2).await;
    let client = db.pool.get().await.unwrap();
    let settings_before = all_settings(&client).await;
    // Rows in the progress table, and WAL written during the sample by a writer beside it.
    client
        .batch_execute(
            "INSERT INTO user_goal_progress (user_id, goal_id, progress) \
             SELECT 'player-' || i, 'kills', i FROM generate_series(1, 5000) i",
        )
        .await
        .unwrap();
    let writer = tokio::spawn({
        let pool = db.pool.clone();
        async move {
            let client = pool.get().await.unwrap();
            for _ in 0..20 {
                client
                    .batch_execute("UPDATE user_goal_progress SET progress = progress + 1")
                    .await
                    .unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    });
    let (ok, out) = tokio::task::spawn_blocking({
        let url = db.child_url();
        move || {
            let output = Command::new(BIN)
                .args(["doctor", "--sample-s", "2", "--server-memory", "24GiB", "--json"])
                .env("DATABASE_URL", url)
                .env("RUST_LOG", "warn")
                .env_remove("GOALSTREAM_CONFIG")
                .output()
                .expect("goalstream runs");
            (output.status.success(), String::from_utf8_lossy(&output.stdout).to_string())
        }
    })
    .await
    .unwrap();
    writer.await.unwrap();
    assert!(ok, "{out}");
    let json: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["server_memory_bytes"], 24.0 * 1024.0 * 1024.0 * 1024.0);
    assert!(json["wal_bytes_per_min"].as_f64().unwrap() > 0.0, "the writer made WAL: {json}");
    let tables = json["tables"].as_array().unwrap();
    let progress = tables.iter().find(|t| t["name"] == "user_goal_progress").expect("found");
    assert!(
        progress["heap_bytes"].as_i64().unwrap() > 0
            && progress["index_bytes"].as_i64().unwrap() > 0
    );
    let advice = json["advice"].as_array().unwrap();
    let names: Vec<&str> = advice.iter().map(|a| a["setting"].as_str().unwrap()).collect();
    for name in ["synchronous_commit", "shared_buffers", "max_wal_size", "checkpoint_timeout"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for a in advice {
        assert!(a["why"].as_str().unwrap().len() > 20, "every piece of advice says why: {a}");
        assert_eq!(
            a["ok"] == false,
            a["apply"].is_string(),
            "a change comes with its statement: {a}"
        );
    }
    let settings_after = all_settings(&client).await;
    assert_eq!(settings_before, settings_after, "doctor changes nothing");

    // The text form: the tables, every verdict, and the statements to apply.
    let (ok, text) = doctor(&db, &["--sample-s", "0"]);
    assert!(ok, "{text}");
    assert!(text.contains("user_goal_progress") && text.contains("shared_buffers"), "{text}");
    assert!(text.contains("WAL written     not sampled"), "{text}");
}

#[tokio::test]
async fn a_bad_memory_size_is_refused_with_the_expected_form() {
    let db = TestDb::new(1).await;
    let (ok, out) = doctor(&db, &["--server-memory", "lots"]);
    assert!(!ok);
    assert!(out.contains("expected a size like 24GiB"), "{out}");
}

#[tokio::test]
async fn a_schema_without_goalstreams_tables_is_reported_and_left_empty() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let empty = format!("{}_empty", db.schema);
    client.batch_execute(&format!("CREATE SCHEMA {empty}")).await.unwrap();
    let url = format!("{}?options=-csearch_path%3D{empty}", support::database_url());
    let output = Command::new(BIN)
        .args(["doctor", "--sample-s", "0"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env_remove("GOALSTREAM_CONFIG")
        .output()
        .expect("goalstream runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("no user_goal_progress table here"), "{text}");
    let sql = "SELECT count(*) FROM pg_tables WHERE schemaname = $1";
    let tables: i64 = client.query_one(sql, &[&empty]).await.unwrap().get(0);
    client.batch_execute(&format!("DROP SCHEMA {empty} CASCADE")).await.unwrap();
    assert_eq!(tables, 0, "doctor migrated nothing");
}
