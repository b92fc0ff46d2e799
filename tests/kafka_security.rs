//! Kafka security settings: librdkafka is built with what managed Kafka needs (TLS, SASL
//! PLAIN/SCRAM/OAUTHBEARER, every codec); the `--kafka-*` flags and their environment
//! variables reach it; secrets (password file, GOALSTREAM_KAFKA_SASL_PASSWORD, secret
//! `--kafka-option`s) never show in `config print`, logs or errors.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use rdkafka::ClientConfig;
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");
const SECRETS: [&str; 4] = ["file-secret-1", "env-secret-2", "option-secret-3", "key-secret-4"];

fn secret_file() -> String {
    // Unique per call: `cargo test` runs these tests as threads of one process.
    let path = std::env::temp_dir().join(format!(
        "goalstream-kafka-pw-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::write(&path, format!("{}\n", SECRETS[0])).unwrap();
    path.display().to_string()
}

/// The flags and environment of a SASL_SSL/SCRAM setup with every kind of secret.
fn secured(password_file: &str) -> (Vec<String>, Vec<(&'static str, String)>) {
    let flags = [
        "--kafka-security-protocol",
        "sasl_ssl",
        "--kafka-sasl-mechanism",
        "SCRAM-SHA-512",
        "--kafka-sasl-username",
        "svc-user",
        "--kafka-sasl-password-file",
        password_file,
        "--kafka-option",
        &format!("sasl.password={}", SECRETS[2]),
    ];
    let env = vec![
        ("GOALSTREAM_KAFKA_SASL_PASSWORD", SECRETS[1].to_string()),
        ("GOALSTREAM_KAFKA_OPTIONS", format!("ssl.key.password={};client.rack=r1", SECRETS[3])),
    ];
    (flags.iter().map(|s| s.to_string()).collect(), env)
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
}

#[test]
fn librdkafka_is_built_with_tls_sasl_and_every_codec() {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", "127.0.0.1:1");
    let native = config.create_native_config().unwrap();
    let builtin = native.get("builtin.features").unwrap();
    for feature in [
        "gzip",
        "snappy",
        "ssl",
        "sasl",
        "sasl_plain",
        "sasl_scram",
        "lz4",
        "zstd",
        "sasl_oauthbearer",
    ] {
        assert!(builtin.split(',').any(|f| f == feature), "{feature} not in {builtin}");
    }
}

#[test]
fn config_print_masks_every_kafka_secret() {
    let file = secret_file();
    let (mut args, env) = secured(&file);
    args.splice(0..0, ["config".to_string(), "print".to_string()]);
    let output = Command::new(BIN)
        .args(&args)
        .env_remove("GOALSTREAM_CONFIG")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert_no_secret(&text);
    for line in [
        "GOALSTREAM_KAFKA_SECURITY_PROTOCOL=sasl_ssl  # flag",
        "GOALSTREAM_KAFKA_SASL_MECHANISM=SCRAM-SHA-512  # flag",
        "GOALSTREAM_KAFKA_SASL_USERNAME=svc-user  # flag",
        "GOALSTREAM_KAFKA_OPTIONS=sasl.password=****  # flag",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }

    // Refused combinations name the missing flag, and a missing password file its path only.
    let refused = Command::new(BIN)
        .args(["config", "print", "--kafka-security-protocol", "sasl_ssl"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs --kafka-sasl-mechanism"));
    let _ = std::fs::remove_file(&file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_never_logs_kafka_secrets() {
    let db = TestDb::new(1).await;
    let file = secret_file();
    let (mut args, env) = secured(&file);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead); // Nothing listens there now: every connection is refused.
    args.splice(
        0..0,
        [
            "run",
            "--brokers",
            &format!("127.0.0.1:{port}"),
            "--http-addr",
            "127.0.0.1:0",
            "--api-pool-size",
            "0",
            "--job-concurrency",
            "0",
        ]
        .map(String::from),
    );
    let child = Command::new(BIN)
        .args(&args)
        .env_remove("GOALSTREAM_CONFIG")
        .env("DATABASE_URL", db.child_url())
        // Everything librdkafka says, its configuration dump included.
        .env("RUST_LOG", "debug")
        .args(["--kafka-option", "debug=conf,security,broker"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(4)).await;
    // SIGTERM: the service stops in stages and exits.
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let output =
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // librdkafka dumped its configuration (redacting what it knows is secret) into the log.
    assert!(text.contains("sasl.password = [redacted]"), "librdkafka's debug in the log:\n{text}");
    assert_no_secret(&text);
    let _ = std::fs::remove_file(&file);
}

/// SCRAM against a real broker as far as this machine allows: tansu 0.6 with
/// `--authentication` speaks SASL/SCRAM-SHA-512 but keeps no users that its own CLI could
/// create (the CLI cannot authenticate to create the first one), so no login can succeed
/// here. What is proven: the flags reach librdkafka, the whole SCRAM exchange runs
/// (client-first, server-first, client-final), the broker's refusal is counted as
/// `kind="authentication"` and logged, and the password appears nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_credentials_reach_a_real_broker_and_a_refusal_is_counted() {
    use support::tansu::{free_port, Process};
    let db = TestDb::new(1).await;
    let output = Command::new("scripts/kafka-up.sh").arg("--print-binary").output().unwrap();
    let tansu = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let (kafka_port, http_port) = (free_port(), free_port());
    let _broker = Process(
        Command::new(&tansu)
            .args(["broker", "--authentication", "--storage-engine", "memory://tansu/"])
            .args(["--listener-url", &format!("tcp://127.0.0.1:{kafka_port}")])
            .args(["--advertised-listener-url", &format!("tcp://127.0.0.1:{kafka_port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let file = secret_file();
    let log_path = std::env::temp_dir().join(format!("goalstream-scram-{kafka_port}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let _run = Process(
        Command::new(BIN)
            .args(["run", "--brokers", &format!("127.0.0.1:{kafka_port}")])
            .args(["--http-addr", &format!("127.0.0.1:{http_port}")])
            .args(["--api-pool-size", "0", "--job-concurrency", "0", "--pool-size", "2"])
            .args(["--kafka-security-protocol", "sasl_plaintext"])
            .args(["--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-sasl-username", "alice"])
            .args(["--kafka-sasl-password-file", &file])
            .env("DATABASE_URL", db.child_url())
            .env("GOALSTREAM_CATALOG", "config/challenges.json")
            .env_remove("GOALSTREAM_CONFIG")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let metrics_url = format!("http://127.0.0.1:{http_port}/metrics");
    support::kafka::wait_for(
        "an authentication error counted",
        Duration::from_secs(30),
        || async {
            let Ok(response) = reqwest::get(&metrics_url).await else { return false };
            let text = response.text().await.unwrap_or_default();
            text.lines().any(|line| {
                line.starts_with("goalstream_kafka_errors_total{kind=\"authentication\"}")
                    && !line.ends_with(" 0")
            })
        },
    )
    .await;
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.contains("SASL SCRAM authentication failed: broker responded with unknown-user"),
        "{text}"
    );
    assert!(text.contains("kind=\"authentication\""), "logged by the client-error event:\n{text}");
    assert_no_secret(&text);
    let _ = std::fs::remove_file(&log_path);
    let _ = std::fs::remove_file(&file);
}
