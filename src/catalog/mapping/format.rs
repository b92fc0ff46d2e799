//! A topic's wire format (docs/FORMATS.md): JSON (the default), Protobuf read with a
//! descriptor set, or Avro with a schema registry or a schema file. Loaded and checked at
//! start: the descriptor file, the message name, the schema file, the registry's URL and
//! credentials, and every path of the topic's mappings against the message's fields (against
//! a registry's schemas: when each is fetched).

use std::path::Path;
use std::sync::Arc;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};
use serde::Deserialize;

use super::avro::AvroSchema;
use super::pointer::Pointer;
use super::protobuf::ProtoSchema;
use super::registry::Registry;

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
    /// Avro datums.
    Avro(AvroFormat),
}

/// An Avro topic: where its schemas come from, and how payloads are framed.
#[derive(Debug, Clone)]
pub struct AvroFormat {
    /// The registry or the schema file.
    pub source: AvroSource,
    /// Confluent-framed (always with a registry) or plain.
    pub wire: Wire,
}

/// Where an Avro topic's schema comes from.
#[derive(Debug, Clone)]
pub enum AvroSource {
    /// Fetched by the schema id each payload carries.
    Registry(Arc<Registry>),
    /// One schema, read from a file at start.
    File(Arc<AvroSchema>),
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
    /// The message compiled for decoding.
    pub schema: Arc<ProtoSchema>,
}

impl Format {
    /// The name written in the catalog.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Protobuf(_) => "protobuf",
            Format::Avro(_) => "avro",
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
    Avro {
        #[serde(default)]
        registry: Option<RegistryFile>,
        #[serde(default)]
        schema: Option<String>,
        #[serde(default)]
        wire: Option<Wire>,
    },
}

/// A registry as written: its URL and where its basic-auth `user:password` is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::catalog) struct RegistryFile {
    url: String,
    #[serde(default)]
    basic_auth_file: Option<String>,
    #[serde(default)]
    basic_auth_env: Option<String>,
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
                let schema = Arc::new(ProtoSchema::compile(&descriptor));
                Ok(Format::Protobuf(ProtobufFormat {
                    message: descriptor,
                    wire: *wire,
                    indexes,
                    schema,
                }))
            }
            FormatFile::Avro { registry, schema, wire } => avro(registry, schema, *wire, base),
        }
    }
}

fn avro(
    registry: &Option<RegistryFile>,
    schema: &Option<String>,
    wire: Option<Wire>,
    base: Option<&Path>,
) -> Result<Format, (&'static str, String)> {
    let relative = |file: &str| base.map_or_else(|| file.into(), |b| b.join(file));
    let source = match (registry, schema) {
        (Some(registry), None) => {
            if wire == Some(Wire::Plain) {
                return Err((
                    "wire",
                    "a registry's payloads carry their schema id: `confluent`".into(),
                ));
            }
            let credentials = match (&registry.basic_auth_file, &registry.basic_auth_env) {
                (Some(_), Some(_)) => {
                    let why = "give at most one of `basic_auth_file` and `basic_auth_env`";
                    return Err(("registry", why.into()));
                }
                (Some(file), None) => {
                    let path = relative(file);
                    let text = std::fs::read_to_string(&path).map_err(|error| {
                        (
                            "registry.basic_auth_file",
                            format!("cannot read {}: {error}", path.display()),
                        )
                    })?;
                    Some(text.trim().to_string())
                }
                (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                    ("registry.basic_auth_env", format!("environment variable {var} is not set"))
                })?),
                (None, None) => None,
            };
            let client =
                Registry::new(&registry.url, credentials).map_err(|why| ("registry", why))?;
            return Ok(Format::Avro(AvroFormat {
                source: AvroSource::Registry(Arc::new(client)),
                wire: Wire::Confluent,
            }));
        }
        (None, Some(file)) => {
            let path = relative(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|error| ("schema", format!("cannot read {}: {error}", path.display())))?;
            let parsed = AvroSchema::parse(&text).map_err(|error| {
                ("schema", format!("{} is not an Avro schema: {error}", path.display()))
            })?;
            AvroSource::File(Arc::new(parsed))
        }
        _ => {
            return Err((
                "type",
                "an Avro format needs exactly one of `registry` and `schema`".into(),
            ))
        }
    };
    Ok(Format::Avro(AvroFormat { source, wire: wire.unwrap_or_default() }))
}

impl AvroFormat {
    /// Checks `path` against the schema file now; a registry checks it against each schema
    /// it fetches.
    pub fn check_path(&self, path: &Pointer) -> Result<(), String> {
        match &self.source {
            AvroSource::File(schema) => schema.check_path(path),
            AvroSource::Registry(_) => Ok(()),
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
