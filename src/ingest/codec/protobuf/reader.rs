//! The Protobuf wire format read into [`Value`]s with a compiled [`ProtoSchema`].

use super::{Key, Value, MAX_DEPTH};
use crate::catalog::mapping::protobuf::{MessageId, ProtoKind, ProtoSchema, Shape};

/// Wire types.
const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// Reads `body` as the schema's root message into `tree` (emptied first).
pub fn message<'a>(
    schema: &'a ProtoSchema,
    body: &'a [u8],
    tree: &mut Tree<'a>,
) -> Result<(), String> {
    tree.slots.clear();
    tree.lists.clear();
    tree.maps.clear();
    let root = empty(schema, ProtoSchema::ROOT, tree);
    Reader { schema, bytes: body, at: 0 }.message_into(ProtoSchema::ROOT, root, tree, None, 0)
}

/// A document's values: every message's fields as a run of slots (the root's first), and the
/// lists' and maps' items; a message without lists or maps takes one allocation.
#[derive(Debug, Default)]
pub struct Tree<'a> {
    /// Each message's fields, a run per message.
    pub slots: Vec<Option<Value<'a>>>,
    /// The elements of each list.
    pub lists: Vec<Vec<Value<'a>>>,
    /// The entries of each map.
    pub maps: Vec<Vec<(Key<'a>, Value<'a>)>>,
}

impl Tree<'_> {
    /// A tree with room for `slots` fields.
    pub fn with_capacity(slots: usize) -> Self {
        Tree { slots: Vec::with_capacity(slots), ..Tree::default() }
    }
}

/// Room for a message `id`'s fields at the end of the slots; returns where they start.
fn empty(schema: &ProtoSchema, id: MessageId, tree: &mut Tree<'_>) -> usize {
    let start = tree.slots.len();
    tree.slots.resize(start + schema.message(id).fields.len(), None);
    start
}

struct Reader<'a> {
    schema: &'a ProtoSchema,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn nested(&self, bytes: &'a [u8]) -> Reader<'a> {
        Reader { schema: self.schema, bytes, at: 0 }
    }

    fn varint(&mut self) -> Result<u64, String> {
        // Most keys and small numbers are one byte.
        if let Some(&byte) = self.bytes.get(self.at) {
            if byte < 0x80 {
                self.at += 1;
                return Ok(u64::from(byte));
            }
        }
        let mut value: u64 = 0;
        for shift in 0..10 {
            let byte = *self.bytes.get(self.at).ok_or("truncated")?;
            self.at += 1;
            if shift == 9 && byte > 1 {
                break;
            }
            value |= u64::from(byte & 0x7f) << (7 * shift);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint longer than 64 bits".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        crate::ingest::codec::take(self.bytes, &mut self.at, n)
    }

    fn delimited(&mut self) -> Result<&'a [u8], String> {
        let n = self.varint()?;
        self.take(usize::try_from(n).map_err(|_| "a length beyond memory")?)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    /// The next field's number and wire type.
    fn key(&mut self) -> Result<(u32, u8), String> {
        let key = self.varint()?;
        let key = u32::try_from(key).map_err(|_| format!("a field key {key} beyond 32 bits"))?;
        let (number, wire) = (key >> 3, (key & 7) as u8);
        if number == 0 {
            return Err("field number 0".into());
        }
        if wire > FIXED32 {
            return Err(format!("field {number}: wire type {wire} does not exist"));
        }
        Ok((number, wire))
    }

    /// Skips a value of a field the message does not declare.
    fn skip(&mut self, number: u32, wire: u8, depth: usize) -> Result<(), String> {
        match wire {
            VARINT => self.varint().map(drop),
            FIXED64 => self.take(8).map(drop),
            LEN => self.delimited().map(drop),
            FIXED32 => self.take(4).map(drop),
            START_GROUP => {
                if depth >= MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                loop {
                    let (inner, wire) = self.key()?;
                    if wire == END_GROUP {
                        return match inner == number {
                            true => Ok(()),
                            false => Err(format!("group {number} ended by the tag of {inner}")),
                        };
                    }
                    self.skip(inner, wire, depth + 1)?;
                }
            }
            _ => Err(format!("an end-group tag of field {number} without its start")),
        }
    }

    /// Reads fields into `values` (a message of type `id`) until the end of the bytes or, in a
    /// group, its end tag; a field seen again overwrites (scalars), appends (lists, maps) or
    /// merges (messages).
    fn message_into(
        &mut self,
        id: MessageId,
        start: usize,
        tree: &mut Tree<'a>,
        group: Option<u32>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let node = self.schema.message(id);
        loop {
            if self.at == self.bytes.len() {
                return match group {
                    None => Ok(()),
                    Some(number) => Err(format!("group {number} without its end tag")),
                };
            }
            let (number, wire) = self.key()?;
            if wire == END_GROUP {
                return match group == Some(number) {
                    true => Ok(()),
                    false => Err(format!("an end-group tag of field {number} without its start")),
                };
            }
            let Some(at) = node.position(number) else {
                self.skip(number, wire, depth)?;
                continue;
            };
            let field = &node.fields[at];
            if let Some(oneof) = field.oneof {
                for (i, other) in node.fields.iter().enumerate() {
                    if i != at && other.oneof == Some(oneof) {
                        tree.slots[start + i] = None;
                    }
                }
            }
            let slot = start + at;
            let read = match field.shape {
                Shape::Single { .. } => self.single(field.kind, number, wire, slot, tree, depth),
                Shape::List => self.element(field.kind, number, wire, slot, tree, depth),
                Shape::Map { key } => self.entry(key, field.kind, wire, slot, tree, depth),
            };
            read.map_err(|error| format!("{}.{}: {error}", node.name, field.name))?;
        }
    }

    /// One value of a singular field into `slots[slot]` (a message merges with the one there).
    fn single(
        &mut self,
        kind: ProtoKind,
        number: u32,
        wire: u8,
        slot: usize,
        tree: &mut Tree<'a>,
        depth: usize,
    ) -> Result<(), String> {
        let (ProtoKind::Message(id) | ProtoKind::Group(id)) = kind else {
            tree.slots[slot] = Some(self.scalar(kind, wire)?);
            return Ok(());
        };
        expect_wire(kind, wire)?;
        let start = match tree.slots[slot] {
            Some(Value::Message(_, start)) => start,
            _ => {
                let start = empty(self.schema, id, tree);
                tree.slots[slot] = Some(Value::Message(id, start));
                start
            }
        };
        match kind {
            ProtoKind::Group(_) => self.message_into(id, start, tree, Some(number), depth + 1),
            _ => {
                let body = self.delimited()?;
                self.nested(body).message_into(id, start, tree, None, depth + 1)
            }
        }
    }

    /// A message or scalar value read on its own (a list element, a map value).
    fn detached(
        &mut self,
        kind: ProtoKind,
        number: u32,
        wire: u8,
        tree: &mut Tree<'a>,
        depth: usize,
    ) -> Result<Value<'a>, String> {
        if !matches!(kind, ProtoKind::Message(_) | ProtoKind::Group(_)) {
            return self.scalar(kind, wire);
        }
        let scratch = tree.slots.len();
        tree.slots.push(None);
        self.single(kind, number, wire, scratch, tree, depth)?;
        Ok(tree.slots[scratch].take().expect("single() set it"))
    }

    /// One occurrence of a repeated field: an element, or a packed run of scalars.
    fn element(
        &mut self,
        kind: ProtoKind,
        number: u32,
        wire: u8,
        slot: usize,
        tree: &mut Tree<'a>,
        depth: usize,
    ) -> Result<(), String> {
        let list = match tree.slots[slot] {
            Some(Value::List(list)) => list,
            _ => {
                tree.lists.push(Vec::new());
                tree.slots[slot] = Some(Value::List(tree.lists.len() - 1));
                tree.lists.len() - 1
            }
        };
        if wire == LEN && kind.wire_type() != LEN && kind.wire_type() != START_GROUP {
            let body = self.delimited()?;
            let mut packed = self.nested(body);
            while packed.at < packed.bytes.len() {
                let value = packed.scalar(kind, kind.wire_type())?;
                tree.lists[list].push(value);
            }
        } else {
            let value = self.detached(kind, number, wire, tree, depth)?;
            tree.lists[list].push(value);
        }
        Ok(())
    }

    /// One map entry: its key (field 1) and value (field 2), each its default when missing.
    fn entry(
        &mut self,
        key_kind: ProtoKind,
        kind: ProtoKind,
        wire: u8,
        slot: usize,
        tree: &mut Tree<'a>,
        depth: usize,
    ) -> Result<(), String> {
        if wire != LEN {
            return Err(format!("a map entry with wire type {wire}"));
        }
        let body = self.delimited()?;
        let mut entry = self.nested(body);
        // The value's own slot, so a value written twice merges as a field does.
        let value_slot = tree.slots.len();
        tree.slots.push(None);
        let mut key = None;
        while entry.at < entry.bytes.len() {
            match entry.key()? {
                (1, wire) => key = Some(entry.scalar(key_kind, wire)?),
                (2, wire) => entry.single(kind, 2, wire, value_slot, tree, depth + 1)?,
                (number, wire) => entry.skip(number, wire, depth + 1)?,
            }
        }
        let key = match key.unwrap_or_else(|| scalar_default(key_kind)) {
            Value::Str(s) => Key::Str(s),
            Value::Int(n) => Key::Int(n),
            Value::Uint(n) => Key::Uint(n),
            Value::Bool(b) => Key::Bool(b),
            other => return Err(format!("a map key {other:?}")),
        };
        let value = match tree.slots[value_slot].take() {
            Some(value) => value,
            None => match kind {
                ProtoKind::Message(id) | ProtoKind::Group(id) => {
                    Value::Message(id, empty(self.schema, id, tree))
                }
                _ => scalar_default(kind),
            },
        };
        let map = match tree.slots[slot] {
            Some(Value::Map(map)) => map,
            _ => {
                tree.maps.push(Vec::new());
                tree.slots[slot] = Some(Value::Map(tree.maps.len() - 1));
                tree.maps.len() - 1
            }
        };
        tree.maps[map].push((key, value));
        Ok(())
    }

    /// A scalar of `kind`, written with wire type `wire`.
    fn scalar(&mut self, kind: ProtoKind, wire: u8) -> Result<Value<'a>, String> {
        if kind.wire_type() != wire {
            return Err(wire_mismatch(kind, wire));
        }
        Ok(match kind {
            // Truncation to 32 bits is what every runtime does with a wider int32 varint.
            ProtoKind::Int32 | ProtoKind::Enum => Value::Int(i64::from(self.varint()? as i32)),
            ProtoKind::Int64 => Value::Int(self.varint()? as i64),
            ProtoKind::Uint32 => Value::Int(i64::from(self.varint()? as u32)),
            ProtoKind::Uint64 => Value::Uint(self.varint()?),
            ProtoKind::Sint32 => {
                let n = self.varint()? as u32;
                Value::Int(i64::from((n >> 1) as i32 ^ -((n & 1) as i32)))
            }
            ProtoKind::Sint64 => {
                let n = self.varint()?;
                Value::Int((n >> 1) as i64 ^ -((n & 1) as i64))
            }
            ProtoKind::Bool => Value::Bool(self.varint()? != 0),
            ProtoKind::Fixed32 => Value::Int(i64::from(u32::from_le_bytes(self.fixed()?))),
            ProtoKind::Sfixed32 => Value::Int(i64::from(i32::from_le_bytes(self.fixed()?))),
            ProtoKind::Float => Value::Float(f64::from(f32::from_le_bytes(self.fixed()?))),
            ProtoKind::Fixed64 => Value::Uint(u64::from_le_bytes(self.fixed()?)),
            ProtoKind::Sfixed64 => Value::Int(i64::from_le_bytes(self.fixed()?)),
            ProtoKind::Double => Value::Float(f64::from_le_bytes(self.fixed()?)),
            ProtoKind::String => Value::Str(
                std::str::from_utf8(self.delimited()?).map_err(|_| "a string that is not UTF-8")?,
            ),
            ProtoKind::Bytes => {
                self.delimited()?;
                Value::Bytes
            }
            ProtoKind::Message(_) | ProtoKind::Group(_) => unreachable!("read by single()"),
        })
    }
}

fn expect_wire(kind: ProtoKind, wire: u8) -> Result<(), String> {
    match kind.wire_type() == wire {
        true => Ok(()),
        false => Err(wire_mismatch(kind, wire)),
    }
}

#[cold]
fn wire_mismatch(kind: ProtoKind, wire: u8) -> String {
    format!("wire type {wire} where {kind:?} has {}", kind.wire_type())
}

/// The value an absent map key or scalar map value, or an absent field without presence (never
/// a message: messages have presence), reads as.
pub(super) fn scalar_default<'a>(kind: ProtoKind) -> Value<'a> {
    match kind {
        ProtoKind::Uint64 | ProtoKind::Fixed64 => Value::Uint(0),
        ProtoKind::Float | ProtoKind::Double => Value::Float(0.0),
        ProtoKind::Bool => Value::Bool(false),
        ProtoKind::String => Value::Str(""),
        ProtoKind::Bytes => Value::Bytes,
        _ => Value::Int(0),
    }
}
