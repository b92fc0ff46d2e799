//! The operator UI over plain HTTP (no browser): who may use it (anonymous callers are sent to
//! the login form or refused, a key without the admin scope is forbidden, an admin key works
//! as a bearer header and through the login's session cookie), CSRF protection of its actions,
//! its security headers, escaping, and the loopback rule without credentials.

mod support;

use goalstream::store::job_console;
use goalstream::store::jobs;
use goalstream::types::{NewJob, QueueSettings};
use reqwest::header::{HeaderMap, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;
use support::ui::TestUi;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

async fn get(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, String) {
    let mut request = client().get(format!("{base}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

async fn post(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> (u16, HeaderMap) {
    let mut request = client().post(format!("{base}{path}")).form(form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.headers().clone())
}

/// The session cookie a response sets (`name=value`).
fn cookie(headers: &HeaderMap) -> String {
    let value = headers.get(SET_COOKIE).expect("a cookie is set").to_str().unwrap();
    value.split(';').next().unwrap().to_string()
}

/// The CSRF token a page's forms carry.
fn csrf(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

#[tokio::test]
async fn anonymous_callers_log_in_and_only_admin_keys_get_in() {
    let ui = TestUi::start(true, false).await;
    let base = &ui.base;
    let (status, headers, _) = get(base, "/ui/queues", &[]).await;
    assert_eq!(status, 303, "a browser is sent to the login form");
    assert_eq!(headers[LOCATION], "/ui/login");
    let (status, _, login) = get(base, "/ui/login", &[]).await;
    assert_eq!(status, 200);
    assert!(login.contains(r#"name="key""#), "{login}");
    let (status, headers) = post(base, "/ui/jobs/1/retry", &[], &[]).await;
    assert_eq!(status, 401, "an action without credentials");
    assert!(headers.contains_key("www-authenticate"));

    let reader = format!("Bearer {}", ui.read_key);
    let (status, _, body) = get(base, "/ui/queues", &[("authorization", &reader)]).await;
    assert_eq!(status, 403, "jobs:read is not admin: {body}");
    assert!(body.contains("lacks the admin scope"), "{body}");
    let (status, _, _) = get(base, "/ui/queues", &[("authorization", "Bearer gsk_nope")]).await;
    assert_eq!(status, 401, "an unknown key");
    let admin = format!("Bearer {}", ui.admin_key);
    let (status, headers, body) = get(base, "/ui/queues", &[("authorization", &admin)]).await;
    assert_eq!(status, 200, "{body}");
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (status, _) =
        post(base, "/ui/queues/default/pause", &[("authorization", &admin)], &[]).await;
    assert_eq!(status, 303, "a bearer caller needs no CSRF token (browsers never send it)");

    let (status, _) = post(base, "/ui/login", &[], &[("key", &ui.read_key)]).await;
    assert_eq!(status, 403, "a key without the admin scope cannot log in");
    let (status, _) = post(base, "/ui/login", &[], &[("key", "gsk_wrong")]).await;
    assert_eq!(status, 401);
    let (status, headers) = post(base, "/ui/login", &[], &[("key", &ui.admin_key)]).await;
    assert_eq!(status, 303);
    let set = headers[SET_COOKIE].to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    assert!(!set.contains(&ui.admin_key), "the cookie never holds the key");
    let session = cookie(&headers);
    let (status, _, page) = get(base, "/ui/queues", &[("cookie", &session)]).await;
    assert_eq!(status, 200);
    assert!(page.contains("operator"), "the key's name is shown: {page}");
    let token = csrf(&page);

    let (status, _) = post(base, "/ui/queues/default/resume", &[("cookie", &session)], &[]).await;
    assert_eq!(status, 403, "a POST without the CSRF token is refused");
    let wrong = [("csrf", "0".repeat(64))];
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) =
        post(base, "/ui/queues/default/resume", &[("cookie", &session)], &wrong).await;
    assert_eq!(status, 403, "a wrong token is refused");
    let evil = [("cookie", session.as_str()), ("origin", "http://evil.example")];
    let (status, _) = post(base, "/ui/queues/default/resume", &evil, &[("csrf", &token)]).await;
    assert_eq!(status, 403, "another origin is refused even with the token");
    let client = ui.db.pool.get().await.unwrap();
    assert_eq!(job_console::paused(&client).await.unwrap().len(), 1, "still paused");
    let (status, headers) =
        post(base, "/ui/queues/default/resume", &[("cookie", &session)], &[("csrf", &token)]).await;
    assert_eq!((status, &headers[LOCATION]), (303, &"/ui/queues".parse().unwrap()));
    assert!(job_console::paused(&client).await.unwrap().is_empty(), "resumed");
    let (_, _, page) = get(base, "/ui/queues", &[("cookie", &session)]).await;
    assert!(page.contains("queue default resumed"), "the outcome is shown once: {page}");

    let (status, _) = post(base, "/ui/logout", &[("cookie", &session)], &[("csrf", &token)]).await;
    assert_eq!(status, 303);
    let (status, _, _) = get(base, "/ui/queues", &[("cookie", &session)]).await;
    assert_eq!(status, 303, "the session ended");
    ui.stop().await;
}

#[tokio::test]
async fn without_credentials_loopback_visitors_get_a_session_and_text_is_escaped() {
    let ui = TestUi::start(false, false).await;
    let client = ui.db.pool.get().await.unwrap();
    let evil = NewJob::new("<script>alert(1)</script>", json!({"x": "</pre><img src=x>"}));
    let ids = jobs::enqueue(&client, &QueueSettings::default(), &[evil]).await.unwrap();
    let id = ids[0].unwrap();
    let (status, headers, page) = get(&ui.base, "/ui/jobs", &[]).await;
    assert_eq!(status, 200, "{page}");
    let session = cookie(&headers);
    assert!(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert"), "{page}");
    let (status, _, page) = get(&ui.base, &format!("/ui/jobs/{id}"), &[("cookie", &session)]).await;
    assert_eq!(status, 200);
    assert!(!page.contains("<img src=x>") && page.contains("&lt;img src=x&gt;"), "{page}");
    let (status, _) = post(&ui.base, &format!("/ui/jobs/{id}/cancel"), &[], &[]).await;
    assert_eq!(status, 403, "no session: refused (CSRF)");
    let (status, _) =
        post(&ui.base, &format!("/ui/jobs/{id}/cancel"), &[("cookie", &session)], &[]).await;
    assert_eq!(status, 403, "no token: refused");
    let token = csrf(&page);
    let (status, _) = post(
        &ui.base,
        &format!("/ui/jobs/{id}/cancel"),
        &[("cookie", &session)],
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, 303);
    let state = jobs::state_of(&client, id).await.unwrap();
    assert_eq!(state.map(|s| s.to_string()).as_deref(), Some("cancelled"));
    let (status, _, body) = get(&ui.base, "/ui/jobs?state=sleeping", &[("cookie", &session)]).await;
    assert_eq!(status, 400, "a bad filter names the field: {body}");
    assert!(body.contains("state:"), "{body}");
    let (status, _, js) = get(&ui.base, "/ui/static/ui.js", &[]).await;
    assert_eq!(status, 200, "assets need no session");
    assert!(js.contains("gsErrors"));
    ui.stop().await;
}
