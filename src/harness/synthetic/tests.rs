//! Unit tests of `synthetic`.

use super::*;
use crate::ingest::event::{decode, DEFAULT_MAX_PAYLOAD_BYTES};

#[test]
fn events_decode_and_sums_add_up() {
    let catalog = Catalog::from_json(include_str!("../../../config/challenges.json")).unwrap();
    let mut stream = Synthetic::new(&catalog, 50, 0.05, 7);
    let mut kills = 0;
    let mut malformed = 0;
    for _ in 0..5_000 {
        let event = stream.next_event();
        match decode(&event.payload, DEFAULT_MAX_PAYLOAD_BYTES) {
            Ok(e) => {
                assert!(!event.malformed);
                assert_eq!(e.user_id, event.key.as_str());
                if e.stat_code == "kills" {
                    kills += e.delta.unwrap();
                }
            }
            Err(_) => {
                assert!(event.malformed, "{}", String::from_utf8_lossy(&event.payload));
                malformed += 1;
            }
        }
    }
    let summed: i64 =
        stream.delta_sums().iter().filter(|((_, s), _)| s == "kills").map(|(_, v)| v).sum();
    assert_eq!(summed, kills);
    assert!((150..=350).contains(&malformed), "about 5 % malformed: {malformed}");
}
