//! The scale benchmark's players: their ids, the rows a population writes for them (every
//! default goal of the catalog), and the events a run sends them, uniform or Zipf-skewed.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::catalog::{Catalog, Goal, Mode};
use crate::harness::producer::EventSource;
use crate::harness::synthetic::SyntheticEvent;
use crate::store::BinaryCopyBuf;

/// Players per COPY payload of a population (~9 rows each, ~70 bytes a row: ~30 MB).
pub const PLAYERS_PER_COPY: usize = 50_000;
/// Exponent of the Zipf draw: YCSB's 0.99, a few players very active and a long tail.
pub const ZIPF_EXPONENT: f64 = 0.99;
/// Events between two reads of the clock for `ts` (as the synthetic stream).
const TS_EVERY: u64 = 64;

/// How a run picks the player of each event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Skew {
    /// Every player equally likely.
    Uniform,
    /// Player of rank k drawn with probability ∝ 1/k^0.99, ranks scattered over the ids.
    Zipf,
}

impl Skew {
    /// Its name in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Skew::Uniform => "uniform",
            Skew::Zipf => "zipf",
        }
    }
}

/// The id of player `n`: fixed width, so ids sort as numbers and a population is written in
/// key order.
pub fn player_id(n: u64) -> String {
    format!("player-{n:09}")
}

/// The catalog's default goals: what a population writes for every player.
pub fn default_goals(catalog: &Catalog) -> Vec<&Goal> {
    catalog.goals().iter().filter(|g| g.default_assigned).collect()
}

/// The COPY payloads of a population of `players` players: each player with every default
/// goal, in progress below its target (so no event of a short run completes many), rotating
/// goals in the period of `now`.
pub fn population_payloads<'a>(
    catalog: &'a Catalog,
    players: u64,
    now: DateTime<Utc>,
) -> impl Iterator<Item = Bytes> + 'a {
    let goals = default_goals(catalog);
    let chunk = PLAYERS_PER_COPY as u64;
    (0..players.div_ceil(chunk)).map(move |c| {
        let first = c * chunk;
        let last = (first + chunk).min(players);
        let mut copy = BinaryCopyBuf::with_capacity(((last - first) as usize) * goals.len() * 80);
        for n in first..last {
            let user = player_id(n);
            for goal in &goals {
                let progress = (n as i64 % 7).min(goal.target - 1);
                copy.row(9);
                copy.text(&user);
                copy.text(&goal.goal_id);
                copy.int8(progress);
                copy.text(if progress > 0 { "in_progress" } else { "not_started" });
                copy.bool(true);
                copy.opt_int8((goal.mode == Mode::Relative).then_some(0));
                copy.opt_timestamptz(Some(now));
                copy.opt_timestamptz(goal.rotation.period_end(now));
                copy.opt_timestamptz(Some(now));
            }
        }
        copy.finish()
    })
}

/// Events for a run: one increment (`delta` 1) of a stat that default increment goals read,
/// for a player drawn by `skew`, each with its own event id.
#[derive(Debug)]
pub struct ScaleStream {
    stats: Vec<String>,
    players: u64,
    skew: Skew,
    rng: SmallRng,
    /// `(N+1)^(1-s) - 1` of the Zipf draw.
    zipf_span: f64,
    run: String,
    produced: u64,
    ts: String,
}

impl ScaleStream {
    /// A stream over `players` players; `run` makes event ids unique across runs.
    pub fn new(catalog: &Catalog, players: u64, skew: Skew, seed: u64, run: &str) -> Self {
        let mut stats: Vec<String> = Vec::new();
        for goal in default_goals(catalog) {
            if goal.mode == Mode::Increment && !stats.contains(&goal.stat_code) {
                stats.push(goal.stat_code.clone());
            }
        }
        let players = players.max(1);
        ScaleStream {
            stats,
            players,
            skew,
            rng: SmallRng::seed_from_u64(seed),
            zipf_span: ((players + 1) as f64).powf(1.0 - ZIPF_EXPONENT) - 1.0,
            run: run.to_string(),
            produced: 0,
            ts: String::new(),
        }
    }

    /// Whether the catalog gives the stream anything to send.
    pub fn is_empty(&self) -> bool {
        self.stats.is_empty()
    }

    /// The next player number.
    pub fn next_player(&mut self) -> u64 {
        match self.skew {
            Skew::Uniform => self.rng.random_range(0..self.players),
            Skew::Zipf => {
                // Inverse of the continuous Zipf CDF: rank 1 is the most active player.
                let u: f64 = self.rng.random();
                let rank = (self.zipf_span * u + 1.0).powf(1.0 / (1.0 - ZIPF_EXPONENT)) as u64;
                // Scatter ranks over the ids, so the hot players do not share index pages.
                rank.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) % self.players
            }
        }
    }
}

impl ScaleStream {
    /// The stats the stream's events increment, by index.
    pub fn stats(&self) -> &[String] {
        &self.stats
    }

    /// The next event, with its player number and the index of its stat.
    pub fn next_drawn(&mut self) -> (u64, usize, SyntheticEvent) {
        self.produced += 1;
        if self.ts.is_empty() || self.produced.is_multiple_of(TS_EVERY) {
            self.ts = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        }
        let player = self.next_player();
        let key = player_id(player);
        let index = self.rng.random_range(0..self.stats.len());
        let payload = format!(
            r#"{{"event_id":"{}-{}","user_id":"{key}","stat_code":"{}","delta":1,"ts":"{}"}}"#,
            self.run, self.produced, self.stats[index], self.ts
        );
        (player, index, SyntheticEvent::good(key, payload))
    }
}

impl EventSource for ScaleStream {
    fn next_event(&mut self) -> SyntheticEvent {
        self.next_drawn().2
    }
}
