//! An Avro event as a [`Document`]: the binary datum read with its schema (from the topic's
//! registry by the payload's schema id, or the topic's schema file) into a small tree that
//! borrows strings from the payload; record fields looked up by name.
//!
//! Unions read as their branch (a `null` branch is null: absent for `optional` and `exists`),
//! enums as their symbol, `int`/`long` as integers, `bytes` and `fixed` are not scalars.

pub mod encode;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use super::confluent;
use crate::catalog::mapping::avro::{AvroSchema, Node, NodeId};
use crate::catalog::mapping::registry::Lookup;
use crate::catalog::mapping::{AvroFormat, AvroSource, Pointer, Wire};
use crate::ingest::mapper::{walk, Document, Field};

/// Nesting a datum may have (a recursive schema could otherwise recurse without end).
const MAX_DEPTH: usize = 64;
/// Items (array elements, map entries) a datum may hold beyond its length in bytes: an
/// array of `null` takes no byte per item.
const EXTRA_ITEMS: usize = 4096;
/// How long a command decoding one payload (not the consumer) waits for a schema.
const COMMAND_WAIT: Duration = Duration::from_secs(15);

/// A decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null` (or a union's null branch).
    Null,
    /// A boolean.
    Bool(bool),
    /// An `int` or `long`.
    Long(i64),
    /// A `float` or `double`.
    Double(f64),
    /// A string, or an enum's symbol.
    Str(&'a str),
    /// `bytes` or `fixed`.
    Bytes,
    /// A record's field values, in schema order.
    Record(NodeId, Vec<Value<'a>>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// A map.
    Map(Vec<(&'a str, Value<'a>)>),
}

/// A decoded Avro event.
#[derive(Debug)]
pub struct AvroDocument<'a> {
    schema: &'a AvroSchema,
    root: Value<'a>,
}

/// The schema a payload of `format` is read with, and the datum after its framing; a payload
/// whose schema the registry refused, or that is not framed, is an error. `wait`: how long to
/// wait for a schema being fetched (the consumer holds the partition instead, and passes
/// zero: it decodes only once [`pending_schema`] says the schema is there).
pub fn schema_for<'p>(
    format: &AvroFormat,
    payload: &'p [u8],
    wait: Duration,
) -> Result<(Arc<AvroSchema>, &'p [u8]), String> {
    let body = match format.wire {
        Wire::Plain => payload,
        Wire::Confluent => confluent::split(payload)?.body,
    };
    match &format.source {
        AvroSource::File(schema) => Ok((schema.clone(), body)),
        AvroSource::Registry(registry) => {
            let id = confluent::split(payload)?.schema_id;
            match registry.wait(id, wait) {
                Lookup::Ready(schema) => Ok((schema, body)),
                Lookup::Refused(reason) => Err(reason),
                Lookup::Pending => Err(format!(
                    "schema id {id}: the registry {} did not answer in time",
                    registry.url()
                )),
            }
        }
    }
}

/// How long a command (not the consumer) waits for a schema.
pub fn command_wait() -> Duration {
    COMMAND_WAIT
}

/// The schema id of `payload` when `format` reads it from a registry that has not answered
/// for it yet (its fetch is started): the consumer holds the partition at this payload.
pub fn pending_schema(format: &AvroFormat, payload: &[u8]) -> Option<u32> {
    let AvroSource::Registry(_) = &format.source else { return None };
    let id = confluent::split(payload).ok()?.schema_id;
    id_pending(format, id).then_some(id)
}

/// Whether `format` reads schemas from a registry that has not answered for `id` yet (the
/// fetch is started if it was not).
pub fn id_pending(format: &AvroFormat, id: u32) -> bool {
    let AvroSource::Registry(registry) = &format.source else { return false };
    matches!(registry.lookup(id), Lookup::Pending)
}

/// Reads `datum` with `schema`; the error says where it broke.
pub fn decode<'a>(schema: &'a AvroSchema, datum: &'a [u8]) -> Result<AvroDocument<'a>, String> {
    let mut reader = Reader { bytes: datum, at: 0, items: datum.len() + EXTRA_ITEMS };
    let root = reader
        .value(schema, schema.root(), 0)
        .and_then(|root| match datum.len() - reader.at {
            0 => Ok(root),
            extra => Err(format!("{extra} bytes after the datum")),
        })
        .map_err(|error| {
            format!("not a valid {} Avro datum: {error} (at byte {})", schema.name(), reader.at)
        })?;
    Ok(AvroDocument { schema, root })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Items still allowed.
    items: usize,
}

impl<'a> Reader<'a> {
    fn long(&mut self) -> Result<i64, String> {
        let mut raw: u64 = 0;
        for shift in 0..10 {
            let byte = *self.bytes.get(self.at).ok_or("truncated")?;
            self.at += 1;
            raw |= u64::from(byte & 0x7f) << (7 * shift);
            if byte & 0x80 == 0 {
                return Ok((raw >> 1) as i64 ^ -((raw & 1) as i64));
            }
        }
        Err("a varint longer than 10 bytes".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        super::take(self.bytes, &mut self.at, n)
    }

    fn length(&mut self) -> Result<usize, String> {
        let n = self.long()?;
        usize::try_from(n).map_err(|_| format!("negative length {n}"))
    }

    fn string(&mut self) -> Result<&'a str, String> {
        let n = self.length()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| "a string that is not UTF-8".into())
    }

    /// The item count of the next block (0: the end); a negative count is followed by the
    /// block's size in bytes.
    fn block(&mut self) -> Result<usize, String> {
        let count = self.long()?;
        if count < 0 {
            self.long()?;
        }
        let count = usize::try_from(count.unsigned_abs()).map_err(|_| "block too large")?;
        self.items = self.items.checked_sub(count).ok_or("more items than the datum can hold")?;
        Ok(count)
    }

    fn value(
        &mut self,
        schema: &'a AvroSchema,
        at: NodeId,
        depth: usize,
    ) -> Result<Value<'a>, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(match schema.node(at) {
            Node::Null => Value::Null,
            Node::Boolean => match self.take(1)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(format!("boolean byte {other}")),
            },
            Node::Int => {
                let n = self.long()?;
                i32::try_from(n).map_err(|_| format!("int {n} out of the 32-bit range"))?;
                Value::Long(n)
            }
            Node::Long => Value::Long(self.long()?),
            Node::Float => {
                Value::Double(f64::from(f32::from_le_bytes(self.take(4)?.try_into().expect("4"))))
            }
            Node::Double => Value::Double(f64::from_le_bytes(self.take(8)?.try_into().expect("8"))),
            Node::Bytes => {
                let n = self.length()?;
                self.take(n)?;
                Value::Bytes
            }
            Node::Fixed(size) => {
                self.take(*size)?;
                Value::Bytes
            }
            Node::String => Value::Str(self.string()?),
            Node::Enum { name, symbols } => {
                let n = self.long()?;
                let symbol = usize::try_from(n).ok().and_then(|i| symbols.get(i));
                Value::Str(symbol.ok_or_else(|| format!("enum {name} has no symbol {n}"))?)
            }
            Node::Union(branches) => {
                let n = self.long()?;
                let branch = usize::try_from(n).ok().and_then(|i| branches.get(i));
                let branch =
                    branch.ok_or_else(|| format!("union branch {n} of {}", branches.len()))?;
                self.value(schema, *branch, depth + 1)?
            }
            Node::Record { fields, .. } => {
                let mut values = Vec::with_capacity(fields.len());
                for (_, field) in fields {
                    values.push(self.value(schema, *field, depth + 1)?);
                }
                Value::Record(at, values)
            }
            Node::Array(items) => {
                let mut values = Vec::new();
                loop {
                    let count = self.block()?;
                    if count == 0 {
                        break Value::Array(values);
                    }
                    for _ in 0..count {
                        values.push(self.value(schema, *items, depth + 1)?);
                    }
                }
            }
            Node::Map(items) => {
                let mut entries = Vec::new();
                loop {
                    let count = self.block()?;
                    if count == 0 {
                        break Value::Map(entries);
                    }
                    for _ in 0..count {
                        let key = self.string()?;
                        entries.push((key, self.value(schema, *items, depth + 1)?));
                    }
                }
            }
        })
    }
}

impl Document for AvroDocument<'_> {
    fn field(&self, path: &Pointer) -> Field<'_> {
        let at = walk(&self.root, path, |at, segment| match at {
            Value::Record(node, values) => match self.schema.node(*node) {
                Node::Record { fields, .. } => {
                    fields.iter().position(|(name, _)| *name == segment.key).map(|i| &values[i])
                }
                _ => None,
            },
            Value::Array(items) => segment.index.and_then(|i| items.get(i)),
            Value::Map(entries) => entries.iter().find(|(k, _)| *k == segment.key).map(|e| &e.1),
            _ => None,
        });
        let Some(at) = at else { return Field::Missing };
        match at {
            Value::Null => Field::Null,
            Value::Bool(b) => Field::Bool(*b),
            Value::Long(n) => Field::Int(*n),
            Value::Double(x) => Field::Float(*x),
            Value::Str(s) => Field::Str(s),
            Value::Bytes => Field::Other("bytes"),
            Value::Record(..) => Field::Other("a record"),
            Value::Array(_) => Field::Other("a list"),
            Value::Map(_) => Field::Other("a map"),
        }
    }
}
