use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

#[test]
fn the_session_cookie_is_found_among_others() {
    let h = headers(&[("cookie", "a=1; gs_ui_session=abc; b=2")]);
    assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
    assert_eq!(session_cookie(&headers(&[("cookie", "gs_ui_sessionx=1")])), None);
}

#[test]
fn a_flash_is_shown_once_and_sessions_end() {
    let sessions = Sessions::default();
    let id = sessions.create(None, "anonymous".into());
    sessions.set_flash(&id, "retried 3 job(s)".into());
    assert_eq!(sessions.get(&id).unwrap().flash.as_deref(), Some("retried 3 job(s)"));
    assert_eq!(sessions.get(&id).unwrap().flash, None);
    sessions.remove(&id);
    assert!(sessions.get(&id).is_none());
}

#[test]
fn the_cookie_is_http_only_and_strict() {
    let value = cookie_header("ab12");
    let text = value.to_str().unwrap();
    assert!(text.starts_with("gs_ui_session=ab12;"), "{text}");
    assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"), "{text}");
    assert!(text.contains("Path=/ui"), "{text}");
}
