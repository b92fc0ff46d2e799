//! A Protobuf event as a [`Document`]: decoded with the topic's descriptor into a
//! `DynamicMessage`, fields looked up by name.
//!
//! A field without presence (a proto3 scalar not marked `optional`) that is not on the wire
//! reads as its default (`0`, `false`, `""`), as in every Protobuf runtime; a field with
//! presence (a message, a proto2 or proto3 `optional` field) reads as missing. Enums read as
//! their number; `bytes`, messages, lists and maps are not scalars.

use prost_reflect::{DynamicMessage, Kind, MapKey, ReflectMessage, Value};

use super::confluent;
use crate::catalog::mapping::format::{ProtobufFormat, Wire};
use crate::catalog::mapping::Pointer;
use crate::ingest::mapper::{Document, Field};

/// A decoded Protobuf event.
#[derive(Debug)]
pub struct ProtobufDocument(pub DynamicMessage);

/// Decodes `payload` as the format's message (unframing it first when the wire is Confluent).
pub fn decode(format: &ProtobufFormat, payload: &[u8]) -> Result<ProtobufDocument, String> {
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
    DynamicMessage::decode(format.message.clone(), body)
        .map(ProtobufDocument)
        .map_err(|error| format!("not a valid {} message: {error}", format.message.full_name()))
}

enum At<'a> {
    Message(&'a DynamicMessage),
    Value(&'a Value),
}

impl Document for ProtobufDocument {
    fn field(&self, path: &Pointer) -> Field<'_> {
        let mut at = At::Message(&self.0);
        let last = path.segments().len().saturating_sub(1);
        for (i, segment) in path.segments().iter().enumerate() {
            at = match at {
                At::Message(message) | At::Value(Value::Message(message)) => {
                    let Some(field) = message.descriptor().get_field_by_name(&segment.key) else {
                        return Field::Missing;
                    };
                    if !message.has_field(&field) {
                        let implicit = !field.supports_presence() && !field.is_list();
                        return match field.kind() {
                            _ if !implicit || field.is_map() || i != last => Field::Missing,
                            Kind::Bool => Field::Bool(false),
                            Kind::String => Field::Str(""),
                            Kind::Float | Kind::Double => Field::Float(0.0),
                            Kind::Bytes => Field::Other("bytes"),
                            _ => Field::Int(0),
                        };
                    }
                    match message.get_field(&field) {
                        std::borrow::Cow::Borrowed(value) => At::Value(value),
                        std::borrow::Cow::Owned(_) => return Field::Missing,
                    }
                }
                At::Value(Value::List(list)) => {
                    match segment.index.and_then(|index| list.get(index)) {
                        Some(value) => At::Value(value),
                        None => return Field::Missing,
                    }
                }
                At::Value(Value::Map(map)) => match map_get(map, &segment.key) {
                    Some(value) => At::Value(value),
                    None => return Field::Missing,
                },
                At::Value(_) => return Field::Missing,
            };
        }
        match at {
            At::Message(_) | At::Value(Value::Message(_)) => Field::Other("a message"),
            At::Value(value) => scalar(value),
        }
    }
}

fn map_get<'a>(map: &'a std::collections::HashMap<MapKey, Value>, key: &str) -> Option<&'a Value> {
    if let Some(value) = map.get(&MapKey::String(key.to_string())) {
        return Some(value);
    }
    let number: i64 = key.parse().ok()?;
    let keys = [
        i32::try_from(number).ok().map(MapKey::I32),
        Some(MapKey::I64(number)),
        u32::try_from(number).ok().map(MapKey::U32),
        u64::try_from(number).ok().map(MapKey::U64),
    ];
    keys.into_iter().flatten().find_map(|k| map.get(&k))
}

fn scalar(value: &Value) -> Field<'_> {
    match value {
        Value::Bool(b) => Field::Bool(*b),
        Value::I32(n) | Value::EnumNumber(n) => Field::Int(i64::from(*n)),
        Value::I64(n) => Field::Int(*n),
        Value::U32(n) => Field::Int(i64::from(*n)),
        Value::U64(n) => i64::try_from(*n).map_or(Field::BigUint(*n), Field::Int),
        Value::F32(x) => Field::Float(f64::from(*x)),
        Value::F64(x) => Field::Float(*x),
        Value::String(s) => Field::Str(s),
        Value::Bytes(_) => Field::Other("bytes"),
        Value::Message(_) => Field::Other("a message"),
        Value::List(_) => Field::Other("a list"),
        Value::Map(_) => Field::Other("a map"),
    }
}
