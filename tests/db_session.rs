//! Every pooled session gets the configured timeouts: a statement over `statement_timeout` is
//! cancelled by Postgres (and classified as retryable), and the settings are visible in the
//! session.

mod support;

use std::time::Duration;

use goalstream::db::{self, DbConfig, SessionSettings};
use goalstream::store::StoreError;

#[tokio::test]
async fn sessions_carry_the_configured_timeouts() {
    let mut config = DbConfig::new(support::database_url(), 1);
    config.session = SessionSettings {
        statement_timeout: Some(Duration::from_millis(200)),
        idle_in_transaction_timeout: Some(Duration::from_secs(7)),
    };
    let pool = goalstream::store::connect(&config).await.unwrap();
    let client = db::get(&pool).await.unwrap();
    let shown: String = client.query_one("SHOW statement_timeout", &[]).await.unwrap().get(0);
    assert_eq!(shown, "200ms");
    let shown: String =
        client.query_one("SHOW idle_in_transaction_session_timeout", &[]).await.unwrap().get(0);
    assert_eq!(shown, "7s");
    let error = StoreError::from(client.query_one("SELECT pg_sleep(2)", &[]).await.unwrap_err());
    assert_eq!(error.sql_state(), Some(&tokio_postgres::error::SqlState::QUERY_CANCELED));
    assert!(error.is_retryable(), "a cancelled statement is retried: {error}");
}

#[tokio::test]
async fn the_defaults_apply_and_zero_means_no_limit() {
    let pool =
        goalstream::store::connect(&DbConfig::new(support::database_url(), 1)).await.unwrap();
    let client = pool.get().await.unwrap();
    let shown: String = client.query_one("SHOW statement_timeout", &[]).await.unwrap().get(0);
    assert_eq!(shown, "30s");
    let mut config = DbConfig::new(support::database_url(), 1);
    config.session = SessionSettings { statement_timeout: None, idle_in_transaction_timeout: None };
    let pool = goalstream::store::connect(&config).await.unwrap();
    let client = pool.get().await.unwrap();
    let shown: String = client.query_one("SHOW statement_timeout", &[]).await.unwrap().get(0);
    assert_eq!(shown, "0", "the server's default");
}

#[tokio::test]
async fn processes_creating_the_same_missing_database_at_once_all_succeed() {
    // A database of its own, named after the test database, dropped before and after.
    let mut target = DbConfig::new(support::database_url(), 1).pg_config().unwrap();
    let name = format!("{}_create_race", target.get_dbname().unwrap_or("goalstream"));
    let mut admin = target.clone();
    admin.dbname("postgres");
    let (client, connection) = admin.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let drop = format!("DROP DATABASE IF EXISTS \"{name}\"");
    client.batch_execute(&drop).await.unwrap();
    target.dbname(&name);
    let url = format!(
        "postgres://{}@{}:{}/{name}",
        target.get_user().unwrap_or("postgres"),
        match &target.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(host) => host.clone(),
            other => panic!("tests use TCP, not {other:?}"),
        },
        target.get_ports().first().copied().unwrap_or(5432),
    );
    let config = DbConfig::new(url, 1);
    let attempts = (0..6).map(|_| goalstream::store::ensure_database(&config));
    let results = futures::future::join_all(attempts).await;
    client.batch_execute(&drop).await.unwrap();
    let created: Vec<bool> = results.into_iter().map(|r| r.expect("no error")).collect();
    assert_eq!(created.iter().filter(|c| **c).count(), 1, "{created:?}");
}
