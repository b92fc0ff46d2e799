//! CORS (issue 19): off by default (no CORS header on any answer, preflights are not
//! answered); with `--cors-allow-origin`, a listed origin gets the headers on its answers and
//! its preflight is answered before authentication; any other origin gets none.

mod support;

use goalstream::api::auth::keys;
use support::api::TestApi;

const ALLOWED: &str = "https://play.example.com";
const OTHER: &str = "https://evil.example.net";

async fn request(
    api: &TestApi,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = api.http.request(method, format!("{}{path}", api.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}

fn preflight(origin: &str) -> Vec<(&str, &str)> {
    vec![
        ("origin", origin),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "authorization"),
    ]
}

fn no_cors_headers(response: &reqwest::Response, what: &str) {
    let cors: Vec<_> = response
        .headers()
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "{what}: no CORS header, got {cors:?}");
}

#[tokio::test]
async fn no_cors_headers_by_default() {
    let api = TestApi::start(2).await;
    let read = request(&api, "GET", "/openapi.json", &[("origin", ALLOWED)]).await;
    assert_eq!(read.status(), 200);
    no_cors_headers(&read, "a read with an Origin");
    let pre = request(&api, "OPTIONS", "/v1/users/u1/challenges", &preflight(ALLOWED)).await;
    assert_eq!(pre.status(), 405, "preflights are not answered");
    no_cors_headers(&pre, "a preflight");
    api.stop().await;
}

#[tokio::test]
async fn a_listed_origin_gets_cors_headers_and_another_does_not() {
    let dir = std::env::temp_dir().join(format!("gs-cors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = keys::generate();
    std::fs::write(dir.join("keys"), format!("reader progress:read {}\n", keys::hash_hex(&key)))
        .unwrap();
    let keys_file = dir.join("keys");
    let api = TestApi::start_with(2, move |api| {
        api.config.auth.api_keys_file = Some(keys_file);
        api.config.auth.cors_allow_origin =
            vec![ALLOWED.to_string(), "http://localhost:3000".to_string()];
    })
    .await;
    api.put_row("u1", "first-login", 0, "in_progress", true, None).await;

    // The preflight of an authenticated route is answered without credentials.
    let pre = request(&api, "OPTIONS", "/v1/users/u1/challenges", &preflight(ALLOWED)).await;
    assert_eq!(pre.status(), 204, "the preflight is answered");
    assert_eq!(header(&pre, "access-control-allow-origin").as_deref(), Some(ALLOWED));
    let methods = header(&pre, "access-control-allow-methods").unwrap().to_lowercase();
    assert!(methods.contains("get") && methods.contains("post"), "{methods}");
    let allowed_headers = header(&pre, "access-control-allow-headers").unwrap().to_lowercase();
    assert!(allowed_headers.contains("authorization"), "{allowed_headers}");
    assert!(header(&pre, "access-control-max-age").is_some());
    assert!(header(&pre, "access-control-allow-credentials").is_none(), "no cookies");
    assert!(header(&pre, "vary").unwrap().to_lowercase().contains("origin"));

    // Answers to the allowed origin carry the header, refusals included (so the page can read
    // them), and expose the request id.
    let bearer = format!("Bearer {key}");
    let read = request(
        &api,
        "GET",
        "/v1/users/u1/challenges",
        &[("origin", ALLOWED), ("authorization", &bearer)],
    )
    .await;
    assert_eq!(read.status(), 200);
    assert_eq!(header(&read, "access-control-allow-origin").as_deref(), Some(ALLOWED));
    let exposed = header(&read, "access-control-expose-headers").unwrap().to_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    let refused = request(&api, "GET", "/v1/users/u1/challenges", &[("origin", ALLOWED)]).await;
    assert_eq!(refused.status(), 401, "the preflight lets nothing through");
    assert_eq!(header(&refused, "access-control-allow-origin").as_deref(), Some(ALLOWED));
    let second =
        request(&api, "GET", "/openapi.json", &[("origin", "http://localhost:3000")]).await;
    assert_eq!(
        header(&second, "access-control-allow-origin").as_deref(),
        Some("http://localhost:3000")
    );

    // Any other origin: no CORS header, on a preflight or a request.
    let pre = request(&api, "OPTIONS", "/v1/users/u1/challenges", &preflight(OTHER)).await;
    no_cors_headers(&pre, "another origin's preflight");
    let read = request(
        &api,
        "GET",
        "/v1/users/u1/challenges",
        &[("origin", OTHER), ("authorization", &bearer)],
    )
    .await;
    assert_eq!(read.status(), 200, "CORS is the browser's rule; the server still answers");
    no_cors_headers(&read, "another origin's request");
    api.stop().await;
}
