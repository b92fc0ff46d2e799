//! Authentication and authorization of the REST API (issue 19): every route × {no token, wrong
//! player, right player, expired, bad signature, key without scope, key with scope}; RS256 and
//! ES256 tokens from a JWKS; `iss`/`aud`; key rotation by file change; the loopback rule.

mod support;

use std::path::PathBuf;

use goalstream::api::auth::keys;
use goalstream::api::{self, Access, AuthSettings};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use support::api::{Reply, TestApi};

const SECRET: &str = "an-hs256-secret-for-tests-only-0123456789";

/// Credential files in a temporary directory, and keys for every single scope plus admin.
struct Credentials {
    dir: PathBuf,
    keys: Vec<(String, String)>,
}

impl Credentials {
    fn new(tag: &str) -> Credentials {
        let dir = std::env::temp_dir().join(format!("gs-auth-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), format!("  {SECRET}\n")).unwrap();
        let mut keys = Vec::new();
        let mut file = String::from("# test keys\n");
        for scope in ["progress:read", "progress:write", "jobs:read", "jobs:write", "admin"] {
            let key = keys::generate();
            let name = scope.replace(':', "-");
            file.push_str(&format!("{name} {scope} {}\n", keys::hash_hex(&key)));
            keys.push((scope.to_string(), key));
        }
        std::fs::write(dir.join("keys"), file).unwrap();
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auth");
        std::fs::copy(fixtures.join("jwks.json"), dir.join("jwks.json")).unwrap();
        Credentials { dir, keys }
    }

    fn settings(&self) -> AuthSettings {
        AuthSettings {
            jwt_hs256_secret_file: Some(self.dir.join("secret")),
            jwt_jwks_file: Some(self.dir.join("jwks.json")),
            api_keys_file: Some(self.dir.join("keys")),
            ..AuthSettings::default()
        }
    }

    fn key(&self, scope: &str) -> &str {
        &self.keys.iter().find(|(s, _)| s == scope).unwrap().1
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn hs256(claims: Value, secret: &str) -> String {
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .unwrap()
}

fn player(sub: &str) -> String {
    hs256(json!({"sub": sub, "exp": now() + 300}), SECRET)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn start(credentials: &Credentials) -> TestApi {
    let settings = credentials.settings();
    TestApi::start_with(2, move |api| api.config.auth = settings).await
}

/// A request on `route` with sample parameters and a body the handler accepts.
async fn send(api: &TestApi, route: &api::Route, headers: &[(&str, &str)]) -> Reply {
    let path = route
        .path
        .replace("{user_id}", "u1")
        .replace("{goal_id}", "first-login")
        .replace("{id}", "1");
    let body = match (route.method.as_str(), route.path) {
        ("PUT", _) => Some(json!({"active": true})),
        ("POST", "/v1/jobs") => Some(json!({"kind": "k"})),
        _ => None,
    };
    api.call_with(route.method.as_str(), &path, body, headers).await
}

fn assert_401(reply: &Reply, what: &str) {
    assert_eq!((reply.status, reply.code()), (401, "unauthorized"), "{what}: {reply:?}");
    assert_eq!(
        reply.www_authenticate.as_deref(),
        Some("Bearer realm=\"goalstream\""),
        "{what}: {reply:?}"
    );
    assert!(!reply.body["message"].as_str().unwrap().is_empty());
}

fn assert_403(reply: &Reply, what: &str) {
    assert_eq!((reply.status, reply.code()), (403, "forbidden"), "{what}: {reply:?}");
}

/// The guard let it through: whatever the handler answered, it is not an auth refusal.
fn assert_through(reply: &Reply, what: &str) {
    assert!(
        reply.status != 401 && !["unauthorized", "forbidden"].contains(&reply.code()),
        "{what} reaches the handler: {reply:?}"
    );
}

#[tokio::test]
async fn every_route_times_every_kind_of_caller() {
    let credentials = Credentials::new("matrix");
    let api = start(&credentials).await;
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let right = bearer(&player("u1"));
    let wrong = bearer(&player("u2"));
    let expired = bearer(&hs256(json!({"sub": "u1", "exp": now() - 3600}), SECRET));
    let forged = bearer(&hs256(
        json!({"sub": "u1", "exp": now() + 300}),
        "another-secret-of-32-bytes-or-more!",
    ));
    for route in api::routes() {
        let what = |case: &str| format!("{} {} / {case}", route.method, route.path);
        let auth = |value: &str| vec![("authorization", value.to_string())];
        let run = |headers: Vec<(&'static str, String)>| {
            let api = &api;
            let route = &route;
            async move {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
                send(api, route, &headers).await
            }
        };
        let (needed, public) = match route.access {
            Access::Public => (None, true),
            Access::Player(scope) | Access::Service(scope) => (Some(scope.as_str()), false),
        };
        let none = run(vec![]).await;
        let wrong_player = run(auth(&wrong)).await;
        let right_player = run(auth(&right)).await;
        let expired_token = run(auth(&expired)).await;
        let bad_signature = run(auth(&forged)).await;
        if public {
            for (reply, case) in [(&none, "no token"), (&expired_token, "expired")] {
                assert_eq!(reply.status, 200, "{}", what(case));
            }
            continue;
        }
        let needed = needed.unwrap();
        let without = credentials.keys.iter().find(|(s, _)| s != needed && s != "admin").unwrap();
        let without_scope = run(auth(&bearer(&without.1))).await;
        let with_scope = run(auth(&bearer(credentials.key(needed)))).await;
        let with_header = run(vec![("x-api-key", credentials.key(needed).to_string())]).await;
        let admin = run(auth(&bearer(credentials.key("admin")))).await;

        assert_401(&none, &what("no token"));
        assert_401(&expired_token, &what("expired"));
        assert_401(&bad_signature, &what("bad signature"));
        assert_403(&wrong_player, &what("wrong player"));
        match route.access {
            Access::Player(_) => assert_through(&right_player, &what("right player")),
            _ => assert_403(&right_player, &what("player token on a job route")),
        }
        assert_403(&without_scope, &what("key without scope"));
        assert_through(&with_scope, &what("key with scope"));
        assert_through(&with_header, &what("key with scope in X-Api-Key"));
        assert_through(&admin, &what("admin key"));
    }
    // An unknown key and a malformed header are 401 too.
    let reply = api.call_with("GET", "/v1/queues", None, &[("authorization", "Bearer gsk_nope")]);
    assert_401(&reply.await, "unknown key");
    let reply = api.call_with("GET", "/v1/queues", None, &[("authorization", "Basic dTpw")]);
    assert_401(&reply.await, "basic auth");
}

#[tokio::test]
async fn rs256_and_es256_tokens_verify_against_the_jwks() {
    let credentials = Credentials::new("jwks");
    let api = start(&credentials).await;
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auth");
    let claims = json!({"sub": "u1", "exp": now() + 300});
    let rsa =
        EncodingKey::from_rsa_pem(&std::fs::read(fixtures.join("rs256-test-only.pem")).unwrap())
            .unwrap();
    let ec =
        EncodingKey::from_ec_pem(&std::fs::read(fixtures.join("es256-test-only.pem")).unwrap())
            .unwrap();
    let path = "/v1/users/u1/challenges";
    for (alg, kid, key) in [(Algorithm::RS256, "rsa-1", &rsa), (Algorithm::ES256, "ec-1", &ec)] {
        let mut header = Header::new(alg);
        header.kid = Some(kid.into());
        let token = encode(&header, &claims, key).unwrap();
        let reply = api.call_with("GET", path, None, &[("authorization", &bearer(&token))]).await;
        assert_eq!(reply.status, 200, "{alg:?}: {reply:?}");
        // Signed by the right key, announced under another kid: refused.
        let other = if kid == "rsa-1" { "ec-1" } else { "rsa-1" };
        header.kid = Some(other.into());
        let token = encode(&header, &claims, key).unwrap();
        let reply = api.call_with("GET", path, None, &[("authorization", &bearer(&token))]).await;
        assert_401(&reply, &format!("{alg:?} under kid {other}"));
    }
    // `alg: none` and a token whose nbf is in the future are refused.
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(format!(r#"{{"sub":"u1","exp":{}}}"#, now() + 300).as_bytes())
    );
    let reply = api.call_with("GET", path, None, &[("authorization", &bearer(&unsigned))]).await;
    assert_401(&reply, "alg none");
    let early = hs256(json!({"sub": "u1", "exp": now() + 600, "nbf": now() + 300}), SECRET);
    let reply = api.call_with("GET", path, None, &[("authorization", &bearer(&early))]).await;
    assert_401(&reply, "nbf in the future");
    // Within the leeway, an expired token still passes.
    let just = hs256(json!({"sub": "u1", "exp": now() - 5}), SECRET);
    let reply = api.call_with("GET", path, None, &[("authorization", &bearer(&just))]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let credentials = Credentials::new("issaud");
    let mut settings = credentials.settings();
    settings.jwt_issuer = Some("https://id.example".into());
    settings.jwt_audience = Some("goalstream".into());
    let api = TestApi::start_with(2, move |api| api.config.auth = settings).await;
    api.put_row("u1", "first-login", 1, "completed", true, None).await;
    let path = "/v1/users/u1/challenges";
    let exp = now() + 300;
    for (claims, ok) in [
        (json!({"sub": "u1", "exp": exp, "iss": "https://id.example", "aud": "goalstream"}), true),
        (
            json!({"sub": "u1", "exp": exp, "iss": "https://evil.example", "aud": "goalstream"}),
            false,
        ),
        (json!({"sub": "u1", "exp": exp, "iss": "https://id.example", "aud": "other"}), false),
        (json!({"sub": "u1", "exp": exp}), false),
        (json!({"sub": "u1", "iss": "https://id.example", "aud": "goalstream"}), false),
    ] {
        let token = hs256(claims.clone(), SECRET);
        let reply = api.call_with("GET", path, None, &[("authorization", &bearer(&token))]).await;
        assert_eq!(reply.status == 200, ok, "{claims}: {reply:?}");
    }
}

#[tokio::test]
async fn api_keys_rotate_when_the_file_changes() {
    let credentials = Credentials::new("rotate");
    let api = start(&credentials).await;
    let old = credentials.key("jobs:read").to_string();
    let header = |key: &str| bearer(key);
    let reply = api.call_with("GET", "/v1/queues", None, &[("authorization", &header(&old))]).await;
    assert_eq!(reply.status, 200);
    let new = keys::generate();
    std::fs::write(
        credentials.dir.join("keys"),
        format!("rotated jobs:read {}\n", keys::hash_hex(&new)),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let reply =
            api.call_with("GET", "/v1/queues", None, &[("authorization", &header(&new))]).await;
        if reply.status == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the new key never worked: {reply:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let reply = api.call_with("GET", "/v1/queues", None, &[("authorization", &header(&old))]).await;
    assert_401(&reply, "the rotated-out key");
}

#[tokio::test]
async fn without_credentials_the_api_stays_on_loopback() {
    let db = support::TestDb::new(2).await;
    let catalog = std::sync::Arc::new(
        goalstream::catalog::Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap(),
    );
    let start = |insecure: bool| {
        let mut config = goalstream::app::Config::new(db.config.clone(), catalog.clone());
        let mut settings = goalstream::app::ApiSettings { pool_size: 2, ..Default::default() };
        settings.config.auth.insecure_no_auth = insecure;
        config.api = Some(settings);
        async move {
            let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
            let listeners = goalstream::app::Listeners { ops: None, api: Some(listener) };
            goalstream::app::App::new(config).start(listeners).await
        }
    };
    let error = start(false).await.err().expect("refused without --insecure-no-auth");
    assert!(error.to_string().contains("--insecure-no-auth"), "{error}");
    let running = start(true).await.expect("allowed when asked for");
    running.stop().await.unwrap();
}

#[test]
fn the_openapi_document_declares_each_routes_security() {
    let document: Value = serde_json::from_str(api::openapi::OPENAPI_JSON).unwrap();
    let schemes = &document["components"]["securitySchemes"];
    for name in ["playerToken", "apiKey", "apiKeyHeader"] {
        assert!(schemes[name].is_object(), "scheme {name}");
    }
    for route in api::routes() {
        let operation = &document["paths"][route.path][route.method.as_str().to_lowercase()];
        let expected = match route.access {
            Access::Public => json!([]),
            Access::Player(scope) => json!([
                {"playerToken": []}, {"apiKey": [scope.as_str()]}, {"apiKeyHeader": [scope.as_str()]}
            ]),
            Access::Service(scope) => {
                json!([{"apiKey": [scope.as_str()]}, {"apiKeyHeader": [scope.as_str()]}])
            }
        };
        assert_eq!(operation["security"], expected, "{} {}", route.method, route.path);
        if route.access != Access::Public {
            for status in ["401", "403"] {
                assert!(operation["responses"][status].is_object(), "{} {status}", route.path);
            }
        }
    }
}
