use super::super::session::token;
use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

#[test]
fn only_the_uis_own_origin_may_post() {
    assert!(same_origin(&headers(&[("host", "127.0.0.1:9464")])), "no Origin: a navigation");
    let own = headers(&[("host", "127.0.0.1:9464"), ("origin", "http://127.0.0.1:9464")]);
    assert!(same_origin(&own));
    let other = headers(&[("host", "127.0.0.1:9464"), ("origin", "http://evil.example")]);
    assert!(!same_origin(&other));
    assert!(!same_origin(&headers(&[("origin", "null")])));
}

#[test]
fn tokens_compare_whole() {
    assert!(equal(b"abc", b"abc"));
    assert!(!equal(b"abc", b"abd") && !equal(b"abc", b"ab") && !equal(b"", b"a"));
    let (a, b) = (token(), token());
    assert_eq!(a.len(), 64);
    assert_ne!(a, b);
}
