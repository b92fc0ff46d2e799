//! Paths over a decoded Protobuf message: fields by name, list elements by index, map values
//! by key (a string key, or an integer key written in decimal).

use super::reader::scalar_default;
use super::{Key, ProtobufDocument, Value};
use crate::catalog::mapping::protobuf::{ProtoSchema, Shape};
use crate::catalog::mapping::Pointer;
use crate::ingest::mapper::{Document, Field};

impl Document for ProtobufDocument<'_> {
    fn field(&self, path: &Pointer) -> Field<'_> {
        let root = Value::Message(ProtoSchema::ROOT, 0);
        let mut at = &root;
        let last = path.segments().len().saturating_sub(1);
        for (i, segment) in path.segments().iter().enumerate() {
            at = match at {
                Value::Message(id, start) => {
                    let node = self.schema.message(*id);
                    let Some(position) = node.position_by_name(&segment.key) else {
                        return Field::Missing;
                    };
                    match &self.tree.slots[start + position] {
                        Some(Value::List(i)) if self.tree.lists[*i].is_empty() => {
                            return Field::Missing
                        }
                        Some(Value::Map(i)) if self.tree.maps[*i].is_empty() => {
                            return Field::Missing
                        }
                        Some(value) => value,
                        None => {
                            let field = &node.fields[position];
                            let implicit = field.shape == Shape::Single { presence: false };
                            return match implicit && i == last {
                                true => scalar(&scalar_default(field.kind)),
                                false => Field::Missing,
                            };
                        }
                    }
                }
                Value::List(i) => match segment.index.and_then(|at| self.tree.lists[*i].get(at)) {
                    Some(value) => value,
                    None => return Field::Missing,
                },
                Value::Map(i) => match map_get(&self.tree.maps[*i], &segment.key) {
                    Some(value) => value,
                    None => return Field::Missing,
                },
                _ => return Field::Missing,
            };
        }
        scalar(at)
    }
}

/// The value of the last entry whose key is `key`: a string key, else an integer key.
fn map_get<'v, 'a>(entries: &'v [(Key<'a>, Value<'a>)], key: &str) -> Option<&'v Value<'a>> {
    let number: Option<i64> = key.parse().ok();
    let found = entries.iter().rev().find(|(k, _)| match (k, number) {
        (Key::Str(s), _) => *s == key,
        (Key::Int(n), Some(want)) => *n == want,
        (Key::Uint(n), Some(want)) => u64::try_from(want).is_ok_and(|want| *n == want),
        _ => false,
    });
    found.map(|(_, value)| value)
}

fn scalar<'v>(value: &Value<'v>) -> Field<'v> {
    match value {
        Value::Int(n) => Field::Int(*n),
        Value::Uint(n) => i64::try_from(*n).map_or(Field::BigUint(*n), Field::Int),
        Value::Float(x) => Field::Float(*x),
        Value::Bool(b) => Field::Bool(*b),
        Value::Str(s) => Field::Str(s),
        Value::Bytes => Field::Other("bytes"),
        Value::Message(..) => Field::Other("a message"),
        Value::List(_) => Field::Other("a list"),
        Value::Map(_) => Field::Other("a map"),
    }
}
