//! Mappings: how a topic's events become stat updates (docs/FORMATS.md). Written in the
//! catalog's `mappings` list, validated at start against the goals, with errors that name the
//! path in the file (`mappings[0].stats[2].path`).
//!
//! A topic without a mapping keeps the built-in shape (`event_id`, `user_id`, `stat_code`,
//! `value` | `delta`, `ts`).

pub mod avro;
pub mod format;
mod pointer;
pub mod protobuf;
pub mod registry;

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

pub use format::{AvroFormat, AvroSource, Format, Wire};
pub use pointer::{Pointer, Segment};

use format::FormatFile;

use super::{CatalogError, StatRef, MAX_ID_LEN};

/// How a timestamp field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// A string such as `2026-11-23T12:00:00.123Z`.
    Rfc3339,
    /// Seconds since the Unix epoch (an integer).
    EpochS,
    /// Milliseconds since the Unix epoch.
    EpochMs,
    /// Microseconds since the Unix epoch.
    EpochUs,
}

impl TimeFormat {
    /// The name written in the catalog.
    pub fn name(self) -> &'static str {
        match self {
            TimeFormat::Rfc3339 => "rfc3339",
            TimeFormat::EpochS => "epoch_s",
            TimeFormat::EpochMs => "epoch_ms",
            TimeFormat::EpochUs => "epoch_us",
        }
    }
}

/// Whether a stat's number is its latest value or an increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatKind {
    /// The stat's latest value (feeds absolute and relative goals).
    Absolute,
    /// An increment (feeds increment goals).
    Delta,
}

/// A scalar a condition compares a field with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

/// What a condition checks at its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// The field equals this scalar (same type).
    Equals(Scalar),
    /// The field is present and not null (`true`), or absent or null (`false`).
    Exists(bool),
}

/// One condition: all of a list must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Where the field is.
    pub path: Pointer,
    /// What must hold.
    pub test: Test,
}

/// Where a stat's number comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A field holding a non-negative integer.
    Path(Pointer),
    /// A fixed number (e.g. `wins += 1` when `result == "win"`).
    Constant(i64),
}

/// One stat an event may update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatMapping {
    /// The stat code goals read.
    pub stat_code: String,
    /// Its index in the catalog.
    pub stat: StatRef,
    /// Where its number comes from.
    pub source: Source,
    /// Value or increment.
    pub kind: StatKind,
    /// Conditions under which the event updates this stat (all must hold).
    pub when: Vec<Condition>,
    /// Whether a missing field means "no update" rather than a malformed event.
    pub optional: bool,
}

/// How one kind of event on a topic maps onto stats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The topic.
    pub topic: String,
    /// Which events of the topic this mapping takes (e.g. `/type == "match_end"`); empty: all.
    pub when: Vec<Condition>,
    /// Where the player id is (a string, or an integer written in decimal).
    pub player_id: Pointer,
    /// Where the event id is; without it an event is identified by topic, partition, offset.
    pub event_id: Option<Pointer>,
    /// Where the timestamp is and how it is written; checked on every event when given.
    pub timestamp: Option<(Pointer, TimeFormat)>,
    /// The stats one event updates.
    pub stats: Vec<StatMapping>,
}

/// Every topic's mappings, in file order (the first whose `when` holds takes an event).
#[derive(Debug, Clone, Default)]
pub struct Mappings {
    list: Vec<Mapping>,
    /// Topic → index into `grouped`.
    by_topic: HashMap<String, usize>,
    grouped: Vec<Vec<Mapping>>,
    /// The format of each group's topic.
    formats: Vec<Format>,
}

impl Mappings {
    /// The mappings of `topic`, or `None` when it uses the built-in shape.
    pub fn of(&self, topic: &str) -> Option<&[Mapping]> {
        self.by_topic.get(topic).map(|at| self.grouped[*at].as_slice())
    }

    /// The format of `topic`'s payloads (JSON when no mapping names another).
    pub fn format_of(&self, topic: &str) -> &Format {
        static JSON: Format = Format::Json;
        self.by_topic.get(topic).map_or(&JSON, |at| &self.formats[*at])
    }

    /// The mappings of `topic` with its format, or `None` when it uses the built-in shape.
    pub fn with_format(&self, topic: &str) -> Option<(&[Mapping], &Format)> {
        let at = *self.by_topic.get(topic)?;
        Some((self.grouped[at].as_slice(), &self.formats[at]))
    }

    /// Every mapping, in file order.
    pub fn all(&self) -> &[Mapping] {
        &self.list
    }

    /// Moves `from`'s mappings and format to topic `to` (the load harness consumes a mapped
    /// topic under a name of its own per run); false, changing nothing, when `from` has no
    /// mapping or `to` has one.
    pub fn rename_topic(&mut self, from: &str, to: &str) -> bool {
        if self.by_topic.contains_key(to) {
            return false;
        }
        let Some(at) = self.by_topic.remove(from) else { return false };
        self.by_topic.insert(to.to_string(), at);
        let moved = self.list.iter_mut().filter(|m| m.topic == from);
        for mapping in self.grouped[at].iter_mut().chain(moved) {
            mapping.topic = to.to_string();
        }
        true
    }
}

/// The `mappings` entries as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MappingFile {
    topic: String,
    #[serde(default)]
    format: Option<FormatFile>,
    #[serde(default)]
    when: Vec<ConditionFile>,
    player_id: String,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    timestamp: Option<TimestampFile>,
    stats: Vec<StatFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampFile {
    path: String,
    format: TimeFormat,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatFile {
    stat_code: String,
    kind: StatKind,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    constant: Option<i64>,
    #[serde(default)]
    when: Vec<ConditionFile>,
    #[serde(default)]
    optional: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionFile {
    path: String,
    #[serde(default)]
    equals: Option<Scalar>,
    #[serde(default)]
    exists: Option<bool>,
}

/// Validates the file's mappings; `stat_ref` resolves a stat code to the catalog's index;
/// files a format names (descriptor sets) are read relative to `base`.
pub(super) fn build(
    files: Vec<MappingFile>,
    stat_ref: impl Fn(&str) -> Option<StatRef>,
    base: Option<&Path>,
) -> Result<Mappings, CatalogError> {
    let mut mappings = Mappings::default();
    for (i, file) in files.into_iter().enumerate() {
        let at = format!("mappings[{i}]");
        if file.topic.trim().is_empty() {
            return Err(error(format!("{at}.topic"), "must not be empty"));
        }
        let when = conditions(&file.when, &format!("{at}.when"))?;
        let player_id = pointer(&file.player_id, format!("{at}.player_id"))?;
        let event_id =
            file.event_id.as_deref().map(|p| pointer(p, format!("{at}.event_id"))).transpose()?;
        let timestamp = file
            .timestamp
            .map(|t| pointer(&t.path, format!("{at}.timestamp.path")).map(|p| (p, t.format)))
            .transpose()?;
        if file.stats.is_empty() {
            return Err(error(format!("{at}.stats"), "a mapping needs at least one stat"));
        }
        let mut stats = Vec::with_capacity(file.stats.len());
        for (j, s) in file.stats.into_iter().enumerate() {
            let at = format!("{at}.stats[{j}]");
            let stat = stat_ref(&s.stat_code).ok_or_else(|| {
                error(format!("{at}.stat_code"), format!("no goal reads stat {:?}", s.stat_code))
            })?;
            let source = match (s.path, s.constant) {
                (Some(path), None) => Source::Path(pointer(&path, format!("{at}.path"))?),
                (None, Some(n)) if n >= 0 => Source::Constant(n),
                (None, Some(n)) => {
                    return Err(error(format!("{at}.constant"), format!("must be >= 0, got {n}")))
                }
                _ => return Err(error(at, "give exactly one of `path` and `constant`")),
            };
            let when = conditions(&s.when, &format!("{at}.when"))?;
            stats.push(StatMapping {
                stat_code: s.stat_code,
                stat,
                source,
                kind: s.kind,
                when,
                optional: s.optional,
            });
        }
        let mapping = Mapping { topic: file.topic, when, player_id, event_id, timestamp, stats };
        let next = mappings.grouped.len();
        let group = *mappings.by_topic.entry(mapping.topic.clone()).or_insert(next);
        if group == next {
            mappings.grouped.push(Vec::new());
            let format = file.format.as_ref().map_or(Ok(Format::Json), |f| f.load(base));
            let format =
                format.map_err(|(field, why)| error(format!("{at}.format.{field}"), why))?;
            mappings.formats.push(format);
        } else if file.format.is_some() {
            let why = "only the topic's first mapping names its format";
            return Err(error(format!("{at}.format"), why));
        }
        for path in paths(&mapping) {
            let checked = match &mappings.formats[group] {
                Format::Json => Ok(()),
                Format::Protobuf(proto) => proto.check_path(path),
                Format::Avro(avro) => avro.check_path(path),
            };
            checked.map_err(|why| error(at.clone(), why))?;
        }
        mappings.grouped[group].push(mapping.clone());
        mappings.list.push(mapping);
    }
    for (group, format) in mappings.grouped.iter().zip(&mappings.formats) {
        if let Format::Avro(format::AvroFormat { source: AvroSource::Registry(registry), .. }) =
            format
        {
            registry.set_paths(group.iter().flat_map(paths).cloned().collect());
        }
    }
    Ok(mappings)
}

/// Every pointer a mapping reads.
fn paths(mapping: &Mapping) -> impl Iterator<Item = &Pointer> {
    let conditions = mapping.when.iter().chain(mapping.stats.iter().flat_map(|s| &s.when));
    let sources = mapping.stats.iter().filter_map(|s| match &s.source {
        Source::Path(p) => Some(p),
        Source::Constant(_) => None,
    });
    std::iter::once(&mapping.player_id)
        .chain(&mapping.event_id)
        .chain(mapping.timestamp.iter().map(|(p, _)| p))
        .chain(conditions.map(|c| &c.path))
        .chain(sources)
}

fn conditions(files: &[ConditionFile], at: &str) -> Result<Vec<Condition>, CatalogError> {
    files
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let at = format!("{at}[{k}]");
            let path = pointer(&c.path, format!("{at}.path"))?;
            let test = match (&c.equals, c.exists) {
                (Some(Scalar::Str(s)), None) if s.chars().count() > MAX_ID_LEN => {
                    return Err(error(
                        format!("{at}.equals"),
                        format!("longer than {MAX_ID_LEN} characters"),
                    ))
                }
                (Some(value), None) => Test::Equals(value.clone()),
                (None, Some(exists)) => Test::Exists(exists),
                _ => return Err(error(at, "give exactly one of `equals` and `exists`")),
            };
            Ok(Condition { path, test })
        })
        .collect()
}

fn pointer(text: &str, at: String) -> Result<Pointer, CatalogError> {
    Pointer::parse(text).map_err(|message| error(at, message))
}

fn error(at: String, message: impl Into<String>) -> CatalogError {
    CatalogError::Mapping { at, message: message.into() }
}
