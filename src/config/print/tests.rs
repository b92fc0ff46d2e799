//! Unit tests of `print`.

use super::*;

#[test]
fn masks_passwords_and_secrets() {
    assert_eq!(
        mask_secrets("postgres://app:s3cr3t@db:5432/goalstream"),
        "postgres://app:****@db:5432/goalstream"
    );
    assert_eq!(
        mask_secrets("postgres://postgres@127.0.0.1:5432/goalstream"),
        "postgres://postgres@127.0.0.1:5432/goalstream"
    );
    assert_eq!(
        mask_secrets("host=db user=app password=s3cr3t dbname=g"),
        "host=db user=app password=**** dbname=g"
    );
    assert_eq!(mask_secrets("sasl.password=hunter2"), "sasl.password=****");
    assert_eq!(mask_secrets("security.protocol=SSL"), "security.protocol=SSL");
    assert_eq!(mask_secrets("127.0.0.1:9092"), "127.0.0.1:9092");
}
