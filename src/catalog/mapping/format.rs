//! A topic's wire format (docs/FORMATS.md): JSON (the default) or Protobuf read with a
//! descriptor set. Loaded and
//! checked at start: the descriptor file, the message name, and every path of the topic's
//! mappings against the message's fields.

use std::path::Path;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};
use serde::Deserialize;

use super::pointer::Pointer;

/// How a topic's payloads are framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wire {
    /// The encoded message alone.
    #[default]
    Plain,
    /// Confluent framing: magic byte 0, a 4-byte schema id, then (Protobuf) the message indexes.
    Confluent,
}

/// A topic's format.
#[derive(Debug, Clone, Default)]
pub enum Format {
    /// JSON read by pointer.
    #[default]
    Json,
    /// Protobuf messages of one type.
    Protobuf(ProtobufFormat),
}

/// A Protobuf topic: which message its payloads are, and how they are framed.
#[derive(Debug, Clone)]
pub struct ProtobufFormat {
    /// The message type, from the descriptor set.
    pub message: MessageDescriptor,
    /// Plain or Confluent-framed.
    pub wire: Wire,
    /// The message's Confluent message indexes (its position in its file, outermost first):
    /// a framed payload naming other indexes is another message type.
    pub indexes: Vec<i32>,
}

impl Format {
    /// The name written in the catalog.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Protobuf(_) => "protobuf",
        }
    }
}

/// The `format` of a mapping as written.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(in crate::catalog) enum FormatFile {
    Json,
    Protobuf {
        descriptor_set: String,
        message: String,
        #[serde(default)]
        wire: Wire,
    },
}

impl FormatFile {
    /// Loads what the format names; `base` is the directory relative paths start from. The
    /// error is a message for the `format` field.
    pub(super) fn load(&self, base: Option<&Path>) -> Result<Format, (&'static str, String)> {
        match self {
            FormatFile::Json => Ok(Format::Json),
            FormatFile::Protobuf { descriptor_set, message, wire } => {
                let path = base.map_or_else(|| descriptor_set.into(), |b| b.join(descriptor_set));
                let bytes = std::fs::read(&path).map_err(|error| {
                    ("descriptor_set", format!("cannot read {}: {error}", path.display()))
                })?;
                let pool = DescriptorPool::decode(bytes.as_slice()).map_err(|error| {
                    let shown = path.display();
                    ("descriptor_set", format!("{shown} is not a descriptor set: {error}"))
                })?;
                let descriptor = pool.get_message_by_name(message).ok_or_else(|| {
                    ("message", format!("no message {message:?} in {}", path.display()))
                })?;
                let indexes = message_indexes(&descriptor);
                Ok(Format::Protobuf(ProtobufFormat { message: descriptor, wire: *wire, indexes }))
            }
        }
    }
}

impl ProtobufFormat {
    /// Checks that `path` names fields of the message (by field name; list elements and map
    /// values by index or key), so a typo fails at start instead of on every event.
    pub fn check_path(&self, path: &Pointer) -> Result<(), String> {
        let mut message = Some(self.message.clone());
        let mut container = false;
        for segment in path.segments() {
            if container {
                container = false;
                continue;
            }
            let Some(at) = message.take() else {
                return Err(format!("{path}: {:?} is below a scalar field", segment.key));
            };
            let field = at.get_field_by_name(&segment.key).ok_or_else(|| {
                format!("{path}: message {} has no field {:?}", at.full_name(), segment.key)
            })?;
            let kind = if field.is_map() {
                container = true;
                match field.kind() {
                    Kind::Message(entry) => entry.map_entry_value_field().kind(),
                    other => other,
                }
            } else {
                container = field.is_list();
                field.kind()
            };
            message = match kind {
                Kind::Message(inner) => Some(inner),
                _ => None,
            };
        }
        Ok(())
    }
}

/// Where `message` sits in its file: its index among the file's messages, then among each
/// parent's nested messages.
fn message_indexes(message: &MessageDescriptor) -> Vec<i32> {
    let mut indexes = Vec::new();
    let mut at = message.clone();
    loop {
        let siblings: Vec<MessageDescriptor> = match at.parent_message() {
            Some(parent) => parent.child_messages().collect(),
            None => at.parent_file().messages().collect(),
        };
        let index = siblings.iter().position(|m| m == &at).expect("a message is in its parent");
        indexes.push(i32::try_from(index).expect("fewer than 2^31 messages"));
        match at.parent_message() {
            Some(parent) => at = parent,
            None => break,
        }
    }
    indexes.reverse();
    indexes
}
