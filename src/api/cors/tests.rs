use super::*;

#[test]
fn origins_are_exact_scheme_host_port() {
    assert!(check(&["https://play.example.com".into(), "http://localhost:3000".into()]).is_ok());
    for bad in ["*", "https://*.example.com", "play.example.com", "https://a.com/", "https://"] {
        assert!(check(&[bad.into()]).is_err(), "{bad} is refused");
    }
    assert!(layer(&[]).is_none(), "no origins: CORS off");
}
