//! Avro schemas (docs/FORMATS.md, Avro topics): the JSON form parsed once into an arena of
//! nodes (named types by index, so recursive types need no pointers), and a mapping's paths
//! checked against it.
//!
//! Logical types read as their underlying type (`timestamp-millis` is a `long`), defaults and
//! aliases are not needed to read a datum with the schema it was written with, and are ignored.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::pointer::{Pointer, Segment};

/// Index of a node in [`AvroSchema`].
pub type NodeId = usize;

/// Nesting a schema may have (named references do not count: they are indexes).
const MAX_DEPTH: usize = 64;

/// One type of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// `null`.
    Null,
    /// `boolean`.
    Boolean,
    /// `int` (32-bit).
    Int,
    /// `long` (64-bit).
    Long,
    /// `float`.
    Float,
    /// `double`.
    Double,
    /// `bytes`.
    Bytes,
    /// `string`.
    String,
    /// A record: its full name and its fields in order.
    Record {
        /// Full name (`namespace.name`).
        name: String,
        /// Field names and types, in wire order.
        fields: Vec<(String, NodeId)>,
    },
    /// An enum: its full name and symbols.
    Enum {
        /// Full name.
        name: String,
        /// The symbols, by wire index.
        symbols: Vec<String>,
    },
    /// An array of items.
    Array(NodeId),
    /// A map with string keys.
    Map(NodeId),
    /// A union of branches.
    Union(Vec<NodeId>),
    /// A fixed-size byte string.
    Fixed(usize),
}

/// A parsed schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvroSchema {
    nodes: Vec<Node>,
    root: NodeId,
}

impl AvroSchema {
    /// Parses a schema's JSON text; the message says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
        let mut parser = Parser { nodes: Vec::new(), names: HashMap::new() };
        let root = parser.node(&value, None, 0)?;
        Ok(AvroSchema { nodes: parser.nodes, root })
    }

    /// The top-level type.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// The node at `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The name shown in messages: the root record's full name, or its type.
    pub fn name(&self) -> &str {
        match self.node(self.root) {
            Node::Record { name, .. } | Node::Enum { name, .. } => name,
            _ => "datum",
        }
    }

    /// Checks that `path` names fields of the schema (record fields by name, array items by
    /// index, map values by key; a union is walked into each branch that is not `null`).
    pub fn check_path(&self, path: &Pointer) -> Result<(), String> {
        self.check(self.root, path.segments(), path)
    }

    fn check(&self, at: NodeId, segments: &[Segment], path: &Pointer) -> Result<(), String> {
        let Some((segment, rest)) = segments.split_first() else { return Ok(()) };
        match self.node(at) {
            Node::Record { name, fields } => {
                match fields.iter().find(|(field, _)| *field == segment.key) {
                    Some((_, node)) => self.check(*node, rest, path),
                    None => Err(format!("{path}: record {name} has no field {:?}", segment.key)),
                }
            }
            Node::Union(branches) => {
                let mut first = None;
                for branch in branches.iter().filter(|b| *self.node(**b) != Node::Null) {
                    match self.check(*branch, segments, path) {
                        Ok(()) => return Ok(()),
                        Err(error) => first = first.or(Some(error)),
                    }
                }
                Err(first.unwrap_or_else(|| below_scalar(path, segment)))
            }
            Node::Array(items) if segment.index.is_some() => self.check(*items, rest, path),
            Node::Array(_) => Err(format!("{path}: {:?} is not a list index", segment.key)),
            Node::Map(values) => self.check(*values, rest, path),
            _ => Err(below_scalar(path, segment)),
        }
    }
}

fn below_scalar(path: &Pointer, segment: &Segment) -> String {
    format!("{path}: {:?} is below a scalar field", segment.key)
}

struct Parser {
    nodes: Vec<Node>,
    names: HashMap<String, NodeId>,
}

impl Parser {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node(
        &mut self,
        value: &Value,
        namespace: Option<&str>,
        depth: usize,
    ) -> Result<NodeId, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        match value {
            Value::String(name) => self.named(name, namespace),
            Value::Array(branches) => {
                let mut ids = Vec::with_capacity(branches.len());
                for branch in branches {
                    let id = self.node(branch, namespace, depth + 1)?;
                    if matches!(self.nodes[id], Node::Union(_)) {
                        return Err("a union directly inside a union".into());
                    }
                    ids.push(id);
                }
                if ids.is_empty() {
                    return Err("an empty union".into());
                }
                Ok(self.push(Node::Union(ids)))
            }
            Value::Object(object) => self.complex(object, namespace, depth),
            other => Err(format!("{other} is not a type")),
        }
    }

    /// A primitive's name or a reference to a named type defined before.
    fn named(&mut self, name: &str, namespace: Option<&str>) -> Result<NodeId, String> {
        let primitive = match name {
            "null" => Node::Null,
            "boolean" => Node::Boolean,
            "int" => Node::Int,
            "long" => Node::Long,
            "float" => Node::Float,
            "double" => Node::Double,
            "bytes" => Node::Bytes,
            "string" => Node::String,
            _ => {
                let full = full_name(name, namespace);
                let found = self.names.get(&full).or_else(|| self.names.get(name));
                return found.copied().ok_or_else(|| format!("unknown type {name:?}"));
            }
        };
        Ok(self.push(primitive))
    }

    fn complex(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        depth: usize,
    ) -> Result<NodeId, String> {
        let kind = object.get("type").ok_or("a type object without \"type\"")?;
        let Value::String(kind) = kind else { return self.node(kind, namespace, depth + 1) };
        let child = |key: &str| object.get(key).ok_or_else(|| format!("{kind} without {key:?}"));
        match kind.as_str() {
            "record" | "error" => self.record(object, namespace, depth),
            "enum" => {
                let (name, _) = self.declare(object, namespace)?;
                let symbols = child("symbols")?.as_array().ok_or("enum symbols must be a list")?;
                let symbols = symbols
                    .iter()
                    .map(|s| s.as_str().map(str::to_string).ok_or("enum symbols must be strings"))
                    .collect::<Result<Vec<_>, _>>()?;
                let id = self.names[&name];
                self.nodes[id] = Node::Enum { name, symbols };
                Ok(id)
            }
            "array" => {
                let items = self.node(child("items")?, namespace, depth + 1)?;
                Ok(self.push(Node::Array(items)))
            }
            "map" => {
                let values = self.node(child("values")?, namespace, depth + 1)?;
                Ok(self.push(Node::Map(values)))
            }
            "fixed" => {
                let (_, id) = self.declare(object, namespace)?;
                let size = child("size")?.as_u64().ok_or("fixed size must be a whole number")?;
                self.nodes[id] = Node::Fixed(usize::try_from(size).map_err(|e| e.to_string())?);
                Ok(id)
            }
            primitive => self.named(primitive, namespace),
        }
    }

    fn record(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        depth: usize,
    ) -> Result<NodeId, String> {
        let (name, id) = self.declare(object, namespace)?;
        let inner = name.rsplit_once('.').map(|(ns, _)| ns.to_string());
        let list = object.get("fields").and_then(Value::as_array);
        let list = list.ok_or_else(|| format!("record {name} without a \"fields\" list"))?;
        let mut fields = Vec::with_capacity(list.len());
        for field in list {
            let field_name = field.get("name").and_then(Value::as_str);
            let field_name =
                field_name.ok_or_else(|| format!("a field of {name} without a name"))?;
            let kind = field.get("type");
            let kind = kind.ok_or_else(|| format!("field {name}.{field_name} without a type"))?;
            let node = self
                .node(kind, inner.as_deref(), depth + 1)
                .map_err(|error| format!("field {name}.{field_name}: {error}"))?;
            fields.push((field_name.to_string(), node));
        }
        self.nodes[id] = Node::Record { name, fields };
        Ok(id)
    }

    /// Registers a named type (before its body, so it can refer to itself); returns its full
    /// name and its node, a placeholder until the caller fills it.
    fn declare(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
    ) -> Result<(String, NodeId), String> {
        let name =
            object.get("name").and_then(Value::as_str).ok_or("a named type without a name")?;
        let namespace = object.get("namespace").and_then(Value::as_str).or(namespace);
        let full = full_name(name, namespace.filter(|ns| !ns.is_empty()));
        if self.names.contains_key(&full) {
            return Err(format!("type {full} is defined twice"));
        }
        let id = self.push(Node::Null);
        self.names.insert(full.clone(), id);
        Ok((full, id))
    }
}

fn full_name(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) if !name.contains('.') => format!("{ns}.{name}"),
        _ => name.to_string(),
    }
}
