//! Unit tests of `security`.

use super::*;

fn sasl_ssl() -> KafkaArgs {
    KafkaArgs {
        kafka_security_protocol: Some(SecurityProtocol::SaslSsl),
        kafka_sasl_mechanism: Some(SaslMechanism::ScramSha512),
        kafka_sasl_username: Some("svc".into()),
        kafka_sasl_password: Some(Secret("hunter2".into())),
        kafka_ssl_ca_file: Some("/etc/ca.pem".into()),
        ..KafkaArgs::default()
    }
}

fn get<'a>(options: &'a [(String, String)], key: &str) -> Option<&'a str> {
    options.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn flags_become_librdkafka_properties_and_raw_options_win() {
    let mut args = sasl_ssl();
    args.kafka_options = vec![("sasl.mechanisms".into(), "SCRAM-SHA-256".into())];
    let options = args.client_options().unwrap();
    assert_eq!(get(&options, "security.protocol"), Some("sasl_ssl"));
    assert_eq!(get(&options, "sasl.username"), Some("svc"));
    assert_eq!(get(&options, "sasl.password"), Some("hunter2"));
    assert_eq!(get(&options, "ssl.ca.location"), Some("/etc/ca.pem"));
    assert_eq!(get(&options, "sasl.mechanisms"), Some("SCRAM-SHA-256"), "--kafka-option last");
}

#[test]
fn the_password_file_is_read_without_its_newline_and_named_when_missing() {
    let file = std::env::temp_dir().join(format!("gs-kafka-pw-{}", std::process::id()));
    std::fs::write(&file, "s3cret\n").unwrap();
    let args = KafkaArgs { kafka_sasl_password_file: Some(file.clone()), ..sasl_ssl() };
    assert_eq!(get(&args.client_options().unwrap(), "sasl.password"), Some("s3cret"));
    std::fs::remove_file(&file).unwrap();
    let error = args.client_options().unwrap_err().to_string();
    assert!(error.contains("cannot read --kafka-sasl-password-file"), "{error}");
}

#[test]
fn sasl_without_mechanism_or_login_is_refused() {
    let no_mechanism = KafkaArgs { kafka_sasl_mechanism: None, ..sasl_ssl() };
    assert!(no_mechanism
        .client_options()
        .unwrap_err()
        .to_string()
        .contains("--kafka-sasl-mechanism"));
    let no_user = KafkaArgs { kafka_sasl_username: None, ..sasl_ssl() };
    assert!(no_user.client_options().unwrap_err().to_string().contains("--kafka-sasl-username"));
    let oauth = KafkaArgs {
        kafka_sasl_mechanism: Some(SaslMechanism::OauthBearer),
        kafka_sasl_username: None,
        ..sasl_ssl()
    };
    assert!(oauth.client_options().is_ok(), "OAUTHBEARER needs no username");
    let half_mtls = KafkaArgs { kafka_ssl_cert_file: Some("/c.pem".into()), ..sasl_ssl() };
    assert!(half_mtls.client_options().unwrap_err().to_string().contains("go together"));
}

#[test]
fn debug_output_never_shows_the_password() {
    let shown = format!("{:?}", sasl_ssl());
    assert!(!shown.contains("hunter2"), "{shown}");
}
