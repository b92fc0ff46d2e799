//! Synthetic `match_end` telemetry for the mapped formats: one event per finished match with
//! 8 stat updates (kills, deaths, assists, damage dealt, headshots, minutes played, a win
//! when `result == "win"`, one match played), written as JSON, Protobuf
//! (`config/synthetic/match_end.proto`) or Confluent-framed Avro
//! (`config/synthetic/match_end.avsc`), the way `config/synthetic/challenges.json` maps them.
//!
//! Players are drawn as for the built-in shape ([`super::Synthetic`]), so the formats compare
//! over the same players; the generator remembers the sum of every stat per player.

use std::collections::HashMap;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::{skewed_user, Synthetic, SyntheticEvent};
use crate::ingest::codec::avro::encode::{long, string};
use crate::ingest::codec::confluent;

/// The stat codes one `match_end` updates, in the order of [`Sums`].
pub const STATS: [&str; 8] = [
    "kills",
    "deaths",
    "assists",
    "damage_dealt",
    "headshots",
    "minutes_played",
    "wins",
    "matches_played",
];

/// The Avro schema the events are written with (registered by `produce --registry`).
pub const AVRO_SCHEMA: &str = include_str!("../../../config/synthetic/match_end.avsc");

/// Events between two reads of the clock for `ended_at_ms`.
const TS_EVERY: u64 = 64;

/// How the events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A JSON object.
    Json,
    /// A `synthetic.MatchEnd` Protobuf message, unframed.
    Protobuf,
    /// An Avro datum of [`AVRO_SCHEMA`] behind a Confluent header with this schema id.
    Avro {
        /// The id written in each payload's header.
        schema_id: u32,
    },
}

/// The sum of each of [`STATS`] for one player.
type Sums = [i64; 8];

/// One match's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Match {
    kills: u32,
    deaths: u32,
    assists: u32,
    damage: u64,
    headshots: u32,
    minutes: u32,
    win: bool,
}

impl Match {
    /// The stat updates it makes, in the order of [`STATS`] (no win: no `wins` update).
    fn updates(&self) -> Sums {
        [
            i64::from(self.kills),
            i64::from(self.deaths),
            i64::from(self.assists),
            self.damage as i64,
            i64::from(self.headshots),
            i64::from(self.minutes),
            i64::from(self.win),
            1,
        ]
    }

    fn result(&self) -> &'static str {
        if self.win {
            "win"
        } else {
            "loss"
        }
    }
}

/// An endless, seeded stream of `match_end` events.
#[derive(Debug)]
pub struct MatchEnds {
    encoding: Encoding,
    users: usize,
    bad_ratio: f64,
    rng: SmallRng,
    sums: HashMap<usize, Sums>,
    produced: u64,
    updates: u64,
    ended_at_ms: i64,
}

impl MatchEnds {
    /// A stream over `users` players; `bad_ratio` of the events are malformed (dead letters).
    pub fn new(encoding: Encoding, users: usize, bad_ratio: f64, seed: u64) -> Self {
        MatchEnds {
            encoding,
            users: users.max(1),
            bad_ratio: bad_ratio.clamp(0.0, 1.0),
            rng: SmallRng::seed_from_u64(seed),
            sums: HashMap::new(),
            produced: 0,
            updates: 0,
            ended_at_ms: 0,
        }
    }

    /// The next event.
    pub fn next_event(&mut self) -> SyntheticEvent {
        self.produced += 1;
        let user = skewed_user(&mut self.rng, self.users);
        let key = Synthetic::user_id(user);
        if self.rng.random_bool(self.bad_ratio) {
            let payload = self.malformed();
            return SyntheticEvent { payload, key, malformed: true, partition: None };
        }
        if self.ended_at_ms == 0 || self.produced.is_multiple_of(TS_EVERY) {
            self.ended_at_ms = chrono::Utc::now().timestamp_millis();
        }
        let rng = &mut self.rng;
        let kills = rng.random_range(0..=15);
        let game = Match {
            kills,
            deaths: rng.random_range(0..=10),
            assists: rng.random_range(0..=10),
            damage: u64::from(kills) * 100 + rng.random_range(0..=800),
            headshots: rng.random_range(0..=kills),
            minutes: rng.random_range(5..=30),
            win: rng.random_bool(0.5),
        };
        let updates = game.updates();
        let sums = self.sums.entry(user).or_insert([0; 8]);
        for (sum, update) in sums.iter_mut().zip(updates) {
            *sum += update;
        }
        self.updates += 7 + u64::from(game.win);
        let event_id = format!("m{}", self.produced);
        let payload = match self.encoding {
            Encoding::Json => json(&event_id, &key, self.ended_at_ms, &game),
            Encoding::Protobuf => protobuf(&event_id, &key, self.ended_at_ms, &game),
            Encoding::Avro { schema_id } => {
                avro(schema_id, &event_id, &key, self.ended_at_ms, &game)
            }
        };
        SyntheticEvent { key, payload, malformed: false, partition: None }
    }

    /// Stat updates sent so far (7 per match, 8 with a win).
    pub fn stat_updates(&self) -> u64 {
        self.updates
    }

    /// Sum of every stat sent per (player, stat code). Built on each call: call it once, when
    /// producing is over.
    pub fn delta_sums(&self) -> HashMap<(String, String), i64> {
        let mut out = HashMap::with_capacity(self.sums.len() * STATS.len());
        for (&user, sums) in &self.sums {
            for (stat, sum) in STATS.iter().zip(sums) {
                out.insert((Synthetic::user_id(user), stat.to_string()), *sum);
            }
        }
        out
    }

    /// A payload the topic's decoder refuses: not JSON, not a message, a truncated datum.
    fn malformed(&self) -> Vec<u8> {
        match self.encoding {
            Encoding::Json => br#"{"event_id":"bad","player":{"id":"#.to_vec(),
            // Field 1 with wire type 7, which does not exist.
            Encoding::Protobuf => vec![0x0f, 0xff, 0xff],
            Encoding::Avro { schema_id } => {
                let mut payload = confluent::header(schema_id, None);
                payload.push(0x08);
                payload
            }
        }
    }
}

fn json(event_id: &str, player: &str, ended_at_ms: i64, game: &Match) -> Vec<u8> {
    let Match { kills, deaths, assists, damage, headshots, minutes, .. } = game;
    format!(
        r#"{{"event_id":"{event_id}","player":{{"id":"{player}"}},"ended_at_ms":{ended_at_ms},"result":"{}","duration_min":{minutes},"stats":{{"kills":{kills},"deaths":{deaths},"assists":{assists},"damage":{damage},"headshots":{headshots}}}}}"#,
        game.result()
    )
    .into_bytes()
}

/// `synthetic.MatchEnd` of config/synthetic/match_end.proto.
#[derive(Clone, PartialEq, prost::Message)]
struct MatchEndMessage {
    #[prost(string, tag = "1")]
    event_id: String,
    #[prost(message, optional, tag = "2")]
    player: Option<PlayerMessage>,
    #[prost(int64, tag = "3")]
    ended_at_ms: i64,
    #[prost(string, tag = "4")]
    result: String,
    #[prost(uint32, tag = "5")]
    duration_min: u32,
    #[prost(message, optional, tag = "6")]
    stats: Option<StatsMessage>,
}

/// `synthetic.MatchEnd.Player`.
#[derive(Clone, PartialEq, prost::Message)]
struct PlayerMessage {
    #[prost(string, tag = "1")]
    id: String,
}

/// `synthetic.MatchEnd.Stats`.
#[derive(Clone, PartialEq, prost::Message)]
struct StatsMessage {
    #[prost(uint32, tag = "1")]
    kills: u32,
    #[prost(uint32, tag = "2")]
    deaths: u32,
    #[prost(uint32, tag = "3")]
    assists: u32,
    #[prost(uint64, tag = "4")]
    damage: u64,
    #[prost(uint32, tag = "5")]
    headshots: u32,
}

fn protobuf(event_id: &str, player: &str, ended_at_ms: i64, game: &Match) -> Vec<u8> {
    let message = MatchEndMessage {
        event_id: event_id.to_string(),
        player: Some(PlayerMessage { id: player.to_string() }),
        ended_at_ms,
        result: game.result().to_string(),
        duration_min: game.minutes,
        stats: Some(StatsMessage {
            kills: game.kills,
            deaths: game.deaths,
            assists: game.assists,
            damage: game.damage,
            headshots: game.headshots,
        }),
    };
    prost::Message::encode_to_vec(&message)
}

/// The datum of [`AVRO_SCHEMA`], field by field in the schema's order, behind its header.
fn avro(schema_id: u32, event_id: &str, player: &str, ended_at_ms: i64, game: &Match) -> Vec<u8> {
    let mut out = confluent::header(schema_id, None);
    out.reserve(64 + event_id.len() + player.len());
    string(&mut out, event_id);
    string(&mut out, player);
    long(&mut out, ended_at_ms);
    string(&mut out, game.result());
    long(&mut out, i64::from(game.minutes));
    for n in [game.kills, game.deaths, game.assists] {
        long(&mut out, i64::from(n));
    }
    long(&mut out, game.damage as i64);
    long(&mut out, i64::from(game.headshots));
    out
}

#[cfg(test)]
mod tests;
