//! A Protobuf event as a [`Document`]: the payload read from the wire with the topic's
//! compiled message ([`ProtoSchema`]) into a small tree that borrows strings from the payload,
//! fields looked up by name. Nothing is hashed or looked up by name while decoding.
//!
//! It reads as the reference runtimes do (checked against `prost-reflect` in the tests): the
//! last value of a scalar field wins, a message field's occurrences merge, packed and unpacked
//! lists both read, a map entry missing its key or value holds the default, setting a oneof
//! member clears the others, unknown fields (groups included) are skipped, strings must be
//! UTF-8. A field without presence (a proto3 scalar not marked `optional`) that is not on the
//! wire reads as its default (`0`, `false`, `""`); a field with presence (a message, a proto2
//! or proto3 `optional` field) reads as missing. Enums read as their number; `bytes`,
//! messages, lists and maps are not scalars.

mod document;
mod reader;
#[cfg(test)]
mod tests;

use super::confluent;
use crate::catalog::mapping::format::{ProtobufFormat, Wire};
use crate::catalog::mapping::protobuf::{MessageId, ProtoSchema};

/// Nesting a message may have (a recursive message could otherwise recurse without end).
const MAX_DEPTH: usize = 64;

/// A decoded value (`Copy`: lists and maps live in the document's [`reader::Tree`], so a
/// document is dropped without walking it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A signed integer, an enum's number, or an unsigned 32-bit integer.
    Int(i64),
    /// A `uint64` or `fixed64`.
    Uint(u64),
    /// A `float` or `double`.
    Float(f64),
    /// A `bool`.
    Bool(bool),
    /// A `string`.
    Str(&'a str),
    /// `bytes`.
    Bytes,
    /// A message: its type, and where its fields' run starts in the document's slots (a
    /// field's value at its position in the [`MessageNode`](crate::catalog::mapping::protobuf::MessageNode)).
    Message(MessageId, usize),
    /// A `repeated` field: its elements' index in the tree's lists.
    List(usize),
    /// A `map` field: its entries' index in the tree's maps (wire order; a later entry for a
    /// key wins).
    Map(usize),
}

/// A map entry's key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key<'a> {
    /// A `string` key.
    Str(&'a str),
    /// A signed or 32-bit integer key.
    Int(i64),
    /// A `uint64` or `fixed64` key.
    Uint(u64),
    /// A `bool` key (paths cannot name one).
    Bool(bool),
}

/// A decoded Protobuf event.
#[derive(Debug)]
pub struct ProtobufDocument<'a> {
    schema: &'a ProtoSchema,
    tree: reader::Tree<'a>,
}

/// Decodes `payload` as the format's message (unframing it first when the wire is Confluent).
pub fn decode<'a>(
    format: &'a ProtobufFormat,
    payload: &'a [u8],
) -> Result<ProtobufDocument<'a>, String> {
    let body = match format.wire {
        Wire::Plain => payload,
        Wire::Confluent => {
            let framed = confluent::split(payload)?;
            let (indexes, body) = confluent::message_indexes(framed.body)?;
            if indexes != format.indexes {
                let name = format.message.full_name();
                let want = &format.indexes;
                return Err(format!(
                    "message indexes {indexes:?} name another message than {name} ({want:?})"
                ));
            }
            body
        }
    };
    let schema = &*format.schema;
    let mut tree = reader::Tree::with_capacity(schema.slots_hint());
    reader::message(schema, body, &mut tree)
        .map(|()| ProtobufDocument { schema, tree })
        .map_err(|error| format!("not a valid {} message: {error}", format.message.full_name()))
}
