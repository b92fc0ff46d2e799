//! Postgres over TLS as libpq's `sslmode` says, and bounded connects: `require` against the
//! local cluster (Debian's snakeoil certificate), `verify-full` / `verify-ca` against a
//! throwaway cluster with a chain of the test's own (refused with the cause named when the CA
//! or the host name does not match), and a host that accepts TCP but never answers failing
//! start-up within the connect timeout.

mod support;

use std::time::{Duration, Instant};

use goalstream::db::{self, DbConfig};
use support::certs::make_ca;
use support::pg_cluster::TlsCluster;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

/// The tests' database URL with `param` added.
fn local_with(param: &str) -> String {
    let url = support::database_url();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

/// Whether the session of `client` runs over TLS.
async fn uses_tls(client: &tokio_postgres::Client) -> bool {
    let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn sslmode_require_and_disable_work_against_the_local_cluster() {
    let require = DbConfig::new(local_with("sslmode=require"), 2);
    let pool = goalstream::store::connect(&require).await.expect("sslmode=require connects");
    assert!(uses_tls(&pool.get().await.unwrap()).await, "pooled session over TLS");
    let single = db::connect_once(&require, None).await.unwrap();
    assert!(uses_tls(&single).await, "single (LISTEN, admin) session over TLS");

    let disable = DbConfig::new(local_with("sslmode=disable"), 1);
    let plain = db::connect_once(&disable, None).await.unwrap();
    assert!(!uses_tls(&plain).await, "sslmode=disable stays plain");
}

#[tokio::test]
async fn a_silent_host_fails_within_the_connect_timeout() {
    // Accepts connections (the kernel completes the handshake) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let config =
        DbConfig::new(format!("postgres://postgres@127.0.0.1:{port}/x?connect_timeout=1"), 1);
    let started = Instant::now();
    let Err(error) = goalstream::store::connect(&config).await else {
        panic!("no pool from a silent host")
    };
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(error.to_string().contains("no answer within 1s"), "{error}");

    // The binary at start-up: the flag overrides the URL's connect_timeout, exit non-zero.
    let started = Instant::now();
    let output = std::process::Command::new(BIN)
        .args(["migrate", "--db-connect-timeout-ms", "700"])
        .env("DATABASE_URL", format!("postgres://postgres@127.0.0.1:{port}/x?connect_timeout=30"))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit code {:?}", output.status);
    assert!(elapsed < Duration::from_secs(5), "start-up took {elapsed:?}");
    assert!(stderr.contains("no answer within 0.7s"), "{stderr}");
    drop(silent);
}

#[tokio::test]
async fn verify_full_checks_the_chain_and_the_host_name_and_names_the_cause() {
    let cluster = TlsCluster::start();
    let ca = cluster.dir.join("ca.crt");
    let ca = ca.display();

    // The right CA and the name on the certificate: pools and single connections.
    let full = DbConfig::new(
        cluster.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}")),
        2,
    );
    let pool = goalstream::store::connect(&full).await.expect("verify-full with the right CA");
    assert!(uses_tls(&pool.get().await.unwrap()).await);
    let single = db::connect_once(&full, None).await.unwrap();
    assert!(uses_tls(&single).await);

    // Another CA: refused, and the message says why.
    let other = make_ca(&cluster.dir, "other-ca");
    let wrong_ca = format!("sslmode=verify-full&sslrootcert={}", other.display());
    let Err(error) =
        db::connect_once(&DbConfig::new(cluster.url("localhost", &wrong_ca), 1), None).await
    else {
        panic!("a certificate from another CA is refused")
    };
    let text = error.to_string();
    assert!(text.contains("TLS certificate refused (certificate verify failed"), "{text}");
    assert!(text.contains("point sslrootcert at the CA"), "{text}");
    assert!(!text.contains("Is it running"), "{text}");

    // The right CA but a host name the certificate does not list (it names localhost only).
    let by_ip = cluster.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}"));
    let Err(error) = db::connect_once(&DbConfig::new(by_ip, 1), None).await else {
        panic!("name checked")
    };
    let text = error.to_string();
    assert!(text.contains("TLS certificate refused (IP address mismatch)"), "{text}");
    assert!(text.contains("does not name the host"), "{text}");

    // verify-ca checks only the chain; require with a root file verifies it too (libpq).
    for mode in ["verify-ca", "require"] {
        let url = cluster.url("127.0.0.1", &format!("sslmode={mode}&sslrootcert={ca}"));
        let client = db::connect_once(&DbConfig::new(url, 1), None).await.unwrap();
        assert!(uses_tls(&client).await, "{mode}");
        let wrong = cluster.url(
            "127.0.0.1",
            &format!("sslmode={mode}&sslrootcert=/etc/ssl/certs/ssl-cert-snakeoil.pem"),
        );
        let refused = db::connect_once(&DbConfig::new(wrong, 1), None).await;
        assert!(refused.is_err(), "{mode} with a foreign root file is refused");
    }

    // The start-up path of the binary refuses the wrong name too, non-zero and named.
    let output = std::process::Command::new(BIN)
        .arg("migrate")
        .env(
            "DATABASE_URL",
            cluster.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}")),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("TLS certificate refused"), "{stderr}");
}
