//! Player tokens verified against a JWKS URL (issue 19): a real HTTP server on 127.0.0.1
//! serves the JWKS; keys rotated under a new `kid` are picked up on the first token that names
//! it (refreshes for unknown `kid`s rate-limited by the cool-down) and on the TTL; an
//! unreachable or non-https URL stops the start with a clear error.

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goalstream::api::{Auth, AuthSettings};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use support::api::TestApi;

/// A JWKS server: serves whatever `jwks` holds and counts the fetches.
struct JwksServer {
    url: String,
    jwks: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(jwks: String) -> JwksServer {
        let jwks = Arc::new(Mutex::new(jwks));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (jwks.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let (served, counted) = (served.clone(), counted.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    served.lock().unwrap().clone()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JwksServer { url, jwks, fetches, task }
    }

    fn serve(&self, jwks: String) {
        *self.jwks.lock().unwrap() = jwks;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auth")
}

/// The fixture's RSA public key under `kid`.
fn rsa_jwks(kid: &str) -> String {
    let text = std::fs::read_to_string(fixtures().join("jwks.json")).unwrap();
    let set: Value = serde_json::from_str(&text).unwrap();
    let mut key =
        set["keys"].as_array().unwrap().iter().find(|k| k["kty"] == "RSA").unwrap().clone();
    key["kid"] = json!(kid);
    json!({ "keys": [key] }).to_string()
}

/// A token for `sub` signed by the fixture's RSA key, announced under `kid`.
fn rs256(sub: &str, kid: &str) -> String {
    let pem = std::fs::read(fixtures().join("rs256-test-only.pem")).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let claims = json!({"sub": sub, "exp": chrono::Utc::now().timestamp() + 300});
    encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

async fn read_as(api: &TestApi, kid: &str) -> u16 {
    let bearer = format!("Bearer {}", rs256("u1", kid));
    let reply =
        api.call_with("GET", "/v1/users/u1/challenges", None, &[("authorization", &bearer)]).await;
    assert!(reply.status == 200 || reply.status == 401, "{reply:?}");
    reply.status
}

async fn start(url: &str, ttl_s: u64, cooldown_ms: u64) -> TestApi {
    let url = url.to_string();
    let api = TestApi::start_with(2, move |api| {
        api.config.auth.jwt_jwks_url = Some(url);
        api.config.auth.jwt_jwks_ttl_s = ttl_s;
        api.config.auth.jwt_jwks_cooldown_ms = cooldown_ms;
    })
    .await;
    api.put_row("u1", "first-login", 0, "in_progress", true, None).await;
    api
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_on_its_first_token_at_most_once_per_cooldown() {
    let server = JwksServer::start(rsa_jwks("key-1")).await;
    let api = start(&server.url, 3600, 500).await;
    assert_eq!(server.fetches(), 1, "fetched at start");
    assert_eq!(read_as(&api, "key-1").await, 200);
    assert_eq!(server.fetches(), 1, "a known kid is served from the cache");

    // An unknown kid fetches again (once the cool-down since the start has passed), finds
    // nothing new and is refused; a second one within the cool-down does not fetch.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(read_as(&api, "key-2").await, 401);
    assert_eq!(server.fetches(), 2);
    for _ in 0..20 {
        assert_eq!(read_as(&api, "forged-kid").await, 401);
    }
    assert_eq!(server.fetches(), 2, "forged kids cannot make goalstream hammer the provider");

    // The provider rotates: key-2 is published, key-1 withdrawn.
    server.serve(rsa_jwks("key-2"));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(read_as(&api, "key-2").await, 200, "the new kid is picked up");
    assert_eq!(server.fetches(), 3);
    assert_eq!(read_as(&api, "key-1").await, 401, "the withdrawn kid is gone");
    api.stop().await;
}

#[tokio::test]
async fn the_keys_are_refreshed_every_ttl_and_a_failed_refresh_keeps_them() {
    let server = JwksServer::start(rsa_jwks("key-1")).await;
    // No refresh on unknown kids here (an hour's cool-down): only the TTL refreshes.
    let api = start(&server.url, 1, 3_600_000).await;
    server.serve(rsa_jwks("key-2"));
    assert_eq!(read_as(&api, "key-2").await, 401, "not fetched yet");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(server.fetches() >= 2, "refreshed on the TTL");
    assert_eq!(read_as(&api, "key-2").await, 200);

    // The provider breaks: the keys in force stay.
    server.serve("not json".into());
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(server.fetches() >= 3);
    assert_eq!(read_as(&api, "key-2").await, 200, "a failed refresh keeps the keys");
    api.stop().await;
}

#[tokio::test]
async fn an_unusable_url_stops_the_start_with_a_clear_error() {
    let settings =
        |url: &str| AuthSettings { jwt_jwks_url: Some(url.to_string()), ..AuthSettings::default() };
    let plain = Auth::load(&settings("http://id.example.com/jwks")).await.unwrap_err();
    assert!(plain.to_string().contains("use https"), "{plain}");
    // Nothing listens there (a port just closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = Auth::load(&settings(&format!("http://127.0.0.1:{port}/jwks"))).await.unwrap_err();
    assert!(down.to_string().contains("JWKS from http://127.0.0.1"), "{down}");
    let server = JwksServer::start(r#"{"keys": []}"#.into()).await;
    let empty = Auth::load(&settings(&server.url)).await.unwrap_err();
    assert!(empty.to_string().contains("no keys"), "{empty}");
}
