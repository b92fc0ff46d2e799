//! Applying a topic's [`Mapping`]s to one decoded event: a player, an optional event id and
//! timestamp, and the stat updates it makes, or the path that broke and why (docs/FORMATS.md).
//!
//! The event is read through [`Document`], so JSON, Protobuf and Avro events share one mapper.

mod json;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

pub use json::JsonDocument;

use crate::catalog::mapping::{
    Condition, Pointer, Scalar, Segment, Source, StatKind, Test, TimeFormat,
};
use crate::catalog::{check_external_id, Mapping, StatRef, MAX_ID_LEN};

/// A field as the mapper sees it, whatever the wire format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    /// Nothing at the path.
    Missing,
    /// An explicit null (counts as absent).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer in the signed 64-bit range.
    Int(i64),
    /// An integer above the signed 64-bit range.
    BigUint(u64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Str(&'a str),
    /// Something else: an object, a list, bytes (named for the error message).
    Other(&'static str),
}

impl Field<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Field::Missing => "nothing",
            Field::Null => "null",
            Field::Bool(_) => "a boolean",
            Field::Int(_) | Field::BigUint(_) => "an integer",
            Field::Float(_) => "a floating-point number",
            Field::Str(_) => "a string",
            Field::Other(name) => name,
        }
    }
}

/// An event whose fields can be looked up by pointer.
pub trait Document {
    /// The field at `path` (walking objects by key and lists by index).
    fn field(&self, path: &Pointer) -> Field<'_>;
}

/// Follows `path` from `root`, one segment at a time with `step` (a key into an object or
/// record, an index into a list); `None` as soon as a segment leads nowhere. Every
/// [`Document`] walks its own tree with it.
pub fn walk<'a, V>(
    root: &'a V,
    path: &Pointer,
    step: impl Fn(&'a V, &Segment) -> Option<&'a V>,
) -> Option<&'a V> {
    path.segments().iter().try_fold(root, step)
}

/// One stat update an event makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatValue {
    /// The stat.
    pub stat: StatRef,
    /// Latest absolute value.
    pub value: Option<i64>,
    /// Increment.
    pub delta: Option<i64>,
}

/// What a mapping made of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// Player id.
    pub user_id: String,
    /// Event id, when the mapping names one.
    pub event_id: Option<String>,
    /// Event time, when the mapping names one.
    pub ts: Option<DateTime<Utc>>,
    /// The updates, in mapping order (possibly none: no condition held).
    pub stats: Vec<StatValue>,
}

/// Why a field does not fit: kept, with its path, as the dead letter's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {why}")]
pub struct MappingError {
    /// The pointer that failed.
    pub path: String,
    /// Why.
    pub why: Why,
}

/// The ways a field can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Why {
    /// Nothing (or null) at the path.
    #[error("missing")]
    Missing,
    /// A field of another type.
    #[error("wrong type: expected {expected}, got {got}")]
    WrongType {
        /// What the mapping needs.
        expected: &'static str,
        /// What the event holds.
        got: &'static str,
    },
    /// The right type, out of the accepted range.
    #[error("out of range: {0}")]
    OutOfRange(String),
}

/// Maps one event with the first of `mappings` whose `when` holds; `Ok(None)` when none does
/// (an event type this topic's mappings do not take).
pub fn apply<D: Document>(mappings: &[Mapping], doc: &D) -> Result<Option<Mapped>, MappingError> {
    let Some(mapping) = mappings.iter().find(|m| holds(&m.when, doc)) else { return Ok(None) };
    let user_id = id(doc, &mapping.player_id)?;
    let event_id = mapping.event_id.as_ref().map(|p| id(doc, p)).transpose()?;
    let ts =
        mapping.timestamp.as_ref().map(|(p, format)| timestamp(doc, p, *format)).transpose()?;
    let mut stats = Vec::with_capacity(mapping.stats.len());
    for stat in &mapping.stats {
        if !holds(&stat.when, doc) {
            continue;
        }
        let number = match &stat.source {
            Source::Constant(n) => *n,
            Source::Path(path) => match count(doc, path) {
                Ok(n) => n,
                Err(MappingError { why: Why::Missing, .. }) if stat.optional => continue,
                Err(error) => return Err(error),
            },
        };
        stats.push(match stat.kind {
            StatKind::Absolute => StatValue { stat: stat.stat, value: Some(number), delta: None },
            StatKind::Delta => StatValue { stat: stat.stat, value: None, delta: Some(number) },
        });
    }
    Ok(Some(Mapped { user_id, event_id, ts, stats }))
}

/// Whether every condition holds.
pub fn holds<D: Document>(conditions: &[Condition], doc: &D) -> bool {
    conditions.iter().all(|c| {
        let field = doc.field(&c.path);
        match &c.test {
            Test::Exists(wanted) => !matches!(field, Field::Missing | Field::Null) == *wanted,
            Test::Equals(Scalar::Str(s)) => field == Field::Str(s),
            Test::Equals(Scalar::Int(n)) => field == Field::Int(*n),
            Test::Equals(Scalar::Bool(b)) => field == Field::Bool(*b),
        }
    })
}

fn fail(path: &Pointer, why: Why) -> MappingError {
    MappingError { path: path.as_str().to_string(), why }
}

/// A stat's number: a non-negative integer in the signed 64-bit range.
fn count<D: Document>(doc: &D, path: &Pointer) -> Result<i64, MappingError> {
    match doc.field(path) {
        Field::Int(n) if n >= 0 => Ok(n),
        Field::Int(n) => Err(fail(path, Why::OutOfRange(format!("{n} is negative")))),
        Field::BigUint(n) => Err(fail(path, Why::OutOfRange(format!("{n} is above {}", i64::MAX)))),
        Field::Missing | Field::Null => Err(fail(path, Why::Missing)),
        other => Err(fail(path, Why::WrongType { expected: "an integer", got: other.type_name() })),
    }
}

/// An id: a string (the shared id rule: at most [`MAX_ID_LEN`] characters, no control
/// character) or an integer in decimal.
fn id<D: Document>(doc: &D, path: &Pointer) -> Result<String, MappingError> {
    match doc.field(path) {
        Field::Str(s) => match check_external_id(s, MAX_ID_LEN) {
            Ok(()) => Ok(s.to_string()),
            Err(problem) => Err(fail(path, Why::OutOfRange(problem.to_string()))),
        },
        Field::Int(n) => Ok(n.to_string()),
        Field::BigUint(n) => Ok(n.to_string()),
        Field::Missing | Field::Null => Err(fail(path, Why::Missing)),
        other => Err(fail(
            path,
            Why::WrongType { expected: "a string or an integer", got: other.type_name() },
        )),
    }
}

fn timestamp<D: Document>(
    doc: &D,
    path: &Pointer,
    format: TimeFormat,
) -> Result<DateTime<Utc>, MappingError> {
    let field = doc.field(path);
    if matches!(field, Field::Missing | Field::Null) {
        return Err(fail(path, Why::Missing));
    }
    let out_of_range =
        |n: i64| fail(path, Why::OutOfRange(format!("{n} is not a representable time")));
    match (format, field) {
        (TimeFormat::Rfc3339, Field::Str(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.to_utc())
            .map_err(|error| fail(path, Why::OutOfRange(format!("not RFC 3339 ({error})")))),
        (TimeFormat::EpochS, Field::Int(n)) => {
            DateTime::from_timestamp(n, 0).ok_or_else(|| out_of_range(n))
        }
        (TimeFormat::EpochMs, Field::Int(n)) => {
            DateTime::from_timestamp_millis(n).ok_or_else(|| out_of_range(n))
        }
        (TimeFormat::EpochUs, Field::Int(n)) => {
            DateTime::from_timestamp_micros(n).ok_or_else(|| out_of_range(n))
        }
        (TimeFormat::Rfc3339, other) => Err(fail(
            path,
            Why::WrongType { expected: "an RFC 3339 string", got: other.type_name() },
        )),
        (_, other) => {
            Err(fail(path, Why::WrongType { expected: "an integer", got: other.type_name() }))
        }
    }
}
