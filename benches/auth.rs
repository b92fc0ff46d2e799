//! Criterion bench: what authentication adds to one API request (one core): verifying a
//! player's HS256 token, finding a service key by its hash, taking a rate-limit token. The
//! request itself (HTTP, Postgres) is `goalstream bench api --auth off,on`.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use criterion::{criterion_group, criterion_main, Criterion};
use goalstream::api::auth::jwt::JwtVerifier;
use goalstream::api::auth::keys::ApiKeys;
use goalstream::api::limits::RateLimiter;
use goalstream::harness::bench::api::server::Credentials;

fn auth(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let users: Vec<String> = (0..100).map(|i| format!("bench-{i}")).collect();
    let credentials = Credentials::new(&users).unwrap();
    let settings = credentials.settings();
    let verifier = runtime.block_on(JwtVerifier::load(&settings)).unwrap().unwrap();
    let token = credentials.players[7].trim_start_matches("Bearer ").to_string();
    assert_eq!(runtime.block_on(verifier.verify(&token)).unwrap(), "bench-7");
    let keys = ApiKeys::load(settings.api_keys_file.as_deref().unwrap()).unwrap();
    let key = credentials.service.trim_start_matches("Bearer ").to_string();
    assert!(keys.lookup(&key).is_some());
    let limiter = RateLimiter::new(u32::MAX);

    let mut group = c.benchmark_group("auth");
    group.bench_function("jwt_hs256_verify", |b| {
        b.iter(|| runtime.block_on(verifier.verify(&token)).unwrap())
    });
    group.bench_function("api_key_lookup", |b| b.iter(|| keys.lookup(&key).unwrap()));
    group.bench_function("rate_limit_check", |b| b.iter(|| limiter.check("key:bench").unwrap()));
    group.finish();
}

criterion_group!(benches, auth);
criterion_main!(benches);
