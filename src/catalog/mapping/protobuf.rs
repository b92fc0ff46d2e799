//! A Protobuf message type compiled once at start for the hot path: every message reachable
//! from the topic's message, with its fields' names, numbers, kinds and shapes in flat
//! tables, so decoding a payload looks nothing up by name and hashes nothing
//! (`ingest::codec::protobuf` reads payloads with it).

use std::collections::HashMap;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};

/// Index of a message in a [`ProtoSchema`].
pub type MessageId = usize;

/// The messages a topic's payloads can hold; the topic's message is [`ProtoSchema::ROOT`].
#[derive(Debug)]
pub struct ProtoSchema {
    messages: Vec<MessageNode>,
}

/// One message type.
#[derive(Debug)]
pub struct MessageNode {
    /// Its full name (`game.MatchEnd`), for error messages.
    pub name: String,
    /// Its fields, in declaration order.
    pub fields: Vec<FieldNode>,
    /// (field number, position in `fields`), sorted by number.
    by_number: Vec<(u32, usize)>,
    /// Position + 1 in `fields` by field number, for the numbers below [`DENSE`] (0: none).
    dense: Vec<u16>,
}

/// Field numbers below this are found by index, not by search.
const DENSE: u32 = 128;

/// One field of a message.
#[derive(Debug)]
pub struct FieldNode {
    /// The name paths use.
    pub name: String,
    /// Its kind; a map field's is its values' kind.
    pub kind: ProtoKind,
    /// Single, repeated or map.
    pub shape: Shape,
    /// Its oneof, if any: setting it clears the oneof's other fields.
    pub oneof: Option<usize>,
}

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One value; `presence`: an absent field is absent (messages, `optional`, proto2, oneof
    /// members), otherwise it reads as its kind's default.
    Single {
        /// Whether the field tracks presence.
        presence: bool,
    },
    /// `repeated`.
    List,
    /// `map<key, value>`: repeated entries with the key in field 1 and the value in field 2.
    Map {
        /// The keys' kind.
        key: ProtoKind,
    },
}

/// A field's type as it is read from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the variants are Protobuf's own type names
pub enum ProtoKind {
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Float,
    Double,
    Bool,
    Enum,
    String,
    Bytes,
    Message(MessageId),
    /// A proto2 group: a message delimited by start and end tags instead of a length.
    Group(MessageId),
}

impl ProtoKind {
    /// The wire type a single value of this kind is written with.
    pub fn wire_type(self) -> u8 {
        match self {
            ProtoKind::Int32
            | ProtoKind::Int64
            | ProtoKind::Uint32
            | ProtoKind::Uint64
            | ProtoKind::Sint32
            | ProtoKind::Sint64
            | ProtoKind::Bool
            | ProtoKind::Enum => 0,
            ProtoKind::Fixed64 | ProtoKind::Sfixed64 | ProtoKind::Double => 1,
            ProtoKind::String | ProtoKind::Bytes | ProtoKind::Message(_) => 2,
            ProtoKind::Group(_) => 3,
            ProtoKind::Fixed32 | ProtoKind::Sfixed32 | ProtoKind::Float => 5,
        }
    }
}

impl ProtoSchema {
    /// The topic's message.
    pub const ROOT: MessageId = 0;

    /// Compiles `message` and every message its fields reach (recursion included).
    pub fn compile(message: &MessageDescriptor) -> ProtoSchema {
        let mut ids = HashMap::new();
        let mut order = vec![message.clone()];
        ids.insert(message.full_name().to_string(), 0);
        let mut messages = Vec::new();
        while let Some(descriptor) = order.get(messages.len()).cloned() {
            let mut fields = Vec::new();
            for field in descriptor.fields() {
                let mut id_of = |m: MessageDescriptor| {
                    let next = ids.len();
                    let id = *ids.entry(m.full_name().to_string()).or_insert(next);
                    if id == next {
                        order.push(m);
                    }
                    id
                };
                let (kind, shape) = if field.is_map() {
                    let Kind::Message(entry) = field.kind() else { unreachable!("a map entry") };
                    let key = kind_of(&entry.map_entry_key_field(), &mut id_of);
                    (kind_of(&entry.map_entry_value_field(), &mut id_of), Shape::Map { key })
                } else if field.is_list() {
                    (kind_of(&field, &mut id_of), Shape::List)
                } else {
                    let presence = field.supports_presence();
                    (kind_of(&field, &mut id_of), Shape::Single { presence })
                };
                let oneof = field
                    .containing_oneof()
                    .and_then(|o| descriptor.oneofs().position(|x| x.name() == o.name()));
                fields.push((
                    field.number(),
                    FieldNode { name: field.name().into(), kind, shape, oneof },
                ));
            }
            let mut by_number: Vec<(u32, usize)> =
                fields.iter().enumerate().map(|(i, (number, _))| (*number, i)).collect();
            by_number.sort_unstable();
            let top = by_number.iter().map(|(n, _)| *n + 1).filter(|n| *n <= DENSE).max();
            let mut dense = vec![0u16; top.unwrap_or(0) as usize];
            for (number, at) in by_number.iter().filter(|(n, _)| *n < DENSE) {
                dense[*number as usize] = u16::try_from(*at + 1).expect("under 128 fields here");
            }
            messages.push(MessageNode {
                name: descriptor.full_name().to_string(),
                fields: fields.into_iter().map(|(_, f)| f).collect(),
                by_number,
                dense,
            });
        }
        ProtoSchema { messages }
    }

    /// Slots a typical document needs: every message's fields once (at most 256).
    pub fn slots_hint(&self) -> usize {
        self.messages.iter().map(|m| m.fields.len()).sum::<usize>().min(256)
    }

    /// The message `id`.
    pub fn message(&self, id: MessageId) -> &MessageNode {
        &self.messages[id]
    }
}

impl MessageNode {
    /// The position in `fields` of the field numbered `number`.
    pub fn position(&self, number: u32) -> Option<usize> {
        if number < DENSE {
            let at = *self.dense.get(number as usize)?;
            return usize::from(at).checked_sub(1);
        }
        let found = self.by_number.binary_search_by_key(&number, |(n, _)| *n).ok()?;
        Some(self.by_number[found].1)
    }

    /// The position in `fields` of the field called `name`.
    pub fn position_by_name(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

fn kind_of(
    field: &FieldDescriptor,
    id_of: &mut impl FnMut(MessageDescriptor) -> MessageId,
) -> ProtoKind {
    match field.kind() {
        Kind::Int32 => ProtoKind::Int32,
        Kind::Int64 => ProtoKind::Int64,
        Kind::Uint32 => ProtoKind::Uint32,
        Kind::Uint64 => ProtoKind::Uint64,
        Kind::Sint32 => ProtoKind::Sint32,
        Kind::Sint64 => ProtoKind::Sint64,
        Kind::Fixed32 => ProtoKind::Fixed32,
        Kind::Fixed64 => ProtoKind::Fixed64,
        Kind::Sfixed32 => ProtoKind::Sfixed32,
        Kind::Sfixed64 => ProtoKind::Sfixed64,
        Kind::Float => ProtoKind::Float,
        Kind::Double => ProtoKind::Double,
        Kind::Bool => ProtoKind::Bool,
        Kind::Enum(_) => ProtoKind::Enum,
        Kind::String => ProtoKind::String,
        Kind::Bytes => ProtoKind::Bytes,
        Kind::Message(message) if field.is_group() => ProtoKind::Group(id_of(message)),
        Kind::Message(message) => ProtoKind::Message(id_of(message)),
    }
}
