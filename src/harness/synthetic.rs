//! Synthetic telemetry from a catalog: what `goalstream demo` and `goalstream produce` send.
//!
//! Players are drawn with a skew (a few very active players, a long tail), stats in proportion
//! to how many goals read them; increment stats carry a `delta`, absolute and relative stats a
//! growing `value` per player. A share of events can be malformed or carry an unknown stat.
//! The generator remembers the sum of deltas per player and stat, to check exactly-once.
//!
//! [`match_end`] makes the mapped formats' events (a `match_end` with 8 stats, in JSON,
//! Protobuf or Avro) over the same players; [`format`] picks one of the four.

use std::collections::HashMap;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::catalog::{Catalog, Mode};

pub mod format;
pub mod match_end;

/// Stat code no goal reads (counted, not dead-lettered).
pub const UNKNOWN_STAT: &str = "emote_used";
/// Share of events with [`UNKNOWN_STAT`].
const UNKNOWN_RATIO: f64 = 0.005;

/// One message to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticEvent {
    /// Kafka key: the player id.
    pub key: String,
    /// JSON payload.
    pub payload: Vec<u8>,
    /// Whether the payload is malformed on purpose.
    pub malformed: bool,
    /// The partition to send it to; `None`: the producer's partitioner picks one by key.
    pub partition: Option<i32>,
}

impl SyntheticEvent {
    /// A well-formed event for player `key`, partitioned by key.
    pub fn good(key: String, payload: String) -> Self {
        SyntheticEvent { key, payload: payload.into_bytes(), malformed: false, partition: None }
    }
}

#[derive(Debug, Clone)]
struct Stat {
    code: String,
    reads_value: bool,
    reads_delta: bool,
}

/// An endless, seeded stream of events.
#[derive(Debug)]
pub struct Synthetic {
    stats: Vec<Stat>,
    users: usize,
    bad_ratio: f64,
    rng: SmallRng,
    /// Latest value per (player, stat index).
    values: HashMap<(usize, usize), i64>,
    /// Sum of deltas per (player, stat index), for stats increment goals read.
    sums: HashMap<(usize, usize), i64>,
    produced: u64,
    /// Stat updates sent (one per valid event whose stat a goal reads).
    updates: u64,
    /// The `ts` of the events, taken again every [`TS_EVERY`] events (clock reads and RFC 3339
    /// formatting for every event were a tenth of the generator's time).
    ts: String,
}

/// Events between two reads of the clock for `ts` (about a millisecond at peak rates).
const TS_EVERY: u64 = 64;

impl Synthetic {
    /// A stream over the catalog's stats for `users` players; `bad_ratio` of the events are
    /// malformed.
    pub fn new(catalog: &Catalog, users: usize, bad_ratio: f64, seed: u64) -> Self {
        let mut stats: Vec<Stat> = Vec::new();
        for goal in catalog.goals() {
            let reads_value = goal.mode != Mode::Increment;
            match stats.iter_mut().find(|s| s.code == goal.stat_code) {
                Some(stat) => {
                    stat.reads_value |= reads_value;
                    stat.reads_delta |= !reads_value;
                }
                None => stats.push(Stat {
                    code: goal.stat_code.clone(),
                    reads_value,
                    reads_delta: !reads_value,
                }),
            }
        }
        Synthetic {
            stats,
            users: users.max(1),
            bad_ratio: bad_ratio.clamp(0.0, 1.0),
            rng: SmallRng::seed_from_u64(seed),
            values: HashMap::new(),
            sums: HashMap::new(),
            produced: 0,
            updates: 0,
            ts: String::new(),
        }
    }

    /// The player id of player number `n`.
    pub fn user_id(n: usize) -> String {
        format!("player-{n:06}")
    }

    /// The next event.
    pub fn next_event(&mut self) -> SyntheticEvent {
        self.produced += 1;
        let user = skewed_user(&mut self.rng, self.users);
        let key = Self::user_id(user);
        if self.rng.random_bool(self.bad_ratio) {
            return SyntheticEvent {
                payload: self.malformed(&key),
                key,
                malformed: true,
                partition: None,
            };
        }
        if self.ts.is_empty() || self.produced.is_multiple_of(TS_EVERY) {
            self.ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        }
        let ts = &self.ts;
        let id = self.produced;
        if self.rng.random_bool(UNKNOWN_RATIO) {
            let payload = format!(
                r#"{{"event_id":"e{id}","user_id":"{key}","stat_code":"{UNKNOWN_STAT}","delta":1,"ts":"{ts}"}}"#
            );
            return SyntheticEvent::good(key, payload);
        }
        self.updates += 1;
        let index = self.rng.random_range(0..self.stats.len());
        let stat = &self.stats[index];
        let step = self.rng.random_range(1..=5);
        let mut fields = String::new();
        if stat.reads_value {
            let value = self.values.entry((user, index)).or_insert(0);
            *value += step * 40;
            fields.push_str(&format!(r#","value":{value}"#));
        }
        if stat.reads_delta || stat.reads_value {
            let delta = if stat.reads_value { step * 40 } else { step };
            fields.push_str(&format!(r#","delta":{delta}"#));
            if stat.reads_delta {
                *self.sums.entry((user, index)).or_insert(0) += delta;
            }
        }
        let payload = format!(
            r#"{{"event_id":"e{id}","user_id":"{key}","stat_code":"{}"{fields},"ts":"{ts}"}}"#,
            stat.code
        );
        SyntheticEvent::good(key, payload)
    }

    /// Stat updates sent so far: one per valid event of a stat some goal reads.
    pub fn stat_updates(&self) -> u64 {
        self.updates
    }

    /// Sum of the deltas sent per (player, stat) for stats that increment goals read. Built on
    /// each call: call it once, when producing is over.
    pub fn delta_sums(&self) -> HashMap<(String, String), i64> {
        self.sums
            .iter()
            .map(|(&(user, stat), &sum)| {
                ((Self::user_id(user), self.stats[stat].code.clone()), sum)
            })
            .collect()
    }

    fn malformed(&mut self, key: &str) -> Vec<u8> {
        let variants = [
            "not json at all".to_string(),
            format!(r#"{{"user_id":"{key}","stat_code":"kills","delta":-3}}"#),
            r#"{"stat_code":"kills","delta":1}"#.to_string(),
            format!(r#"{{"user_id":"{key}","stat_code":"level","value":1.5}}"#),
            format!(r#"{{"user_id":"{key}","stat_code":"kills"}}"#),
            "[1,2,3]".to_string(),
        ];
        variants[self.rng.random_range(0..variants.len())].clone().into_bytes()
    }
}

/// A player number below `users`, skewed: squaring a uniform draw puts half the traffic on
/// the first quarter of players.
pub(crate) fn skewed_user(rng: &mut SmallRng, users: usize) -> usize {
    let r: f64 = rng.random();
    ((r * r) * users as f64) as usize % users
}

#[cfg(test)]
mod tests;
