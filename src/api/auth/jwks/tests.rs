use super::*;

#[test]
fn https_or_http_on_loopback_only() {
    for ok in [
        "https://id.example.com/.well-known/jwks.json",
        "http://127.0.0.1:8000/jwks",
        "http://localhost/jwks",
        "http://[::1]:9/jwks",
    ] {
        assert!(check_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://id.example.com/jwks",
        "http://10.0.0.1/jwks",
        "ftp://id.example.com/jwks",
        "file:///etc/jwks.json",
        "not a url",
    ] {
        let error = check_url(bad).unwrap_err();
        assert!(error.contains("--jwt-jwks-url"), "{bad}: {error}");
    }
}

#[test]
fn a_jwks_parses_or_says_what_is_wrong() {
    let fixture = include_str!("../../../../tests/fixtures/auth/jwks.json");
    let keys = parse(fixture).unwrap();
    let kids: Vec<_> = keys.iter().map(|(kid, _)| kid.clone().unwrap_or_default()).collect();
    assert_eq!(kids, ["ec-1", "rsa-1"]);
    assert!(parse(r#"{"keys": []}"#).unwrap_err().contains("no keys"));
    assert!(parse("{").unwrap_err().contains("not a JWKS"));
}
