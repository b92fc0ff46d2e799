//! Avro binary encoding of a JSON value with a schema, for `goalstream produce --format avro`,
//! the tests, the benchmarks and the fuzz corpus.
//!
//! The JSON is the plain shape of the data, not Avro's JSON encoding: a union takes its first
//! branch the value fits (`null` for null or a missing field), an enum is its symbol's string,
//! `bytes` and `fixed` are strings of their bytes.

use serde_json::Value;

use crate::catalog::mapping::avro::{AvroSchema, Node, NodeId};

/// `value` encoded as a datum of `schema`; the error names the place that does not fit.
pub fn encode(schema: &AvroSchema, value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    put(schema, schema.root(), value, &mut out, "")?;
    Ok(out)
}

fn put(
    schema: &AvroSchema,
    at: NodeId,
    value: &Value,
    out: &mut Vec<u8>,
    path: &str,
) -> Result<(), String> {
    let wrong = |expected: &str| format!("at {}: expected {expected}, got {value}", or_root(path));
    match (schema.node(at), value) {
        (Node::Null, Value::Null) => {}
        (Node::Boolean, Value::Bool(b)) => out.push(u8::from(*b)),
        (Node::Int, Value::Number(n)) => {
            let n =
                n.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or_else(|| wrong("an int"))?;
            long(out, i64::from(n));
        }
        (Node::Long, Value::Number(n)) => long(out, n.as_i64().ok_or_else(|| wrong("a long"))?),
        (Node::Float, Value::Number(n)) => {
            out.extend_from_slice(&(n.as_f64().unwrap_or_default() as f32).to_le_bytes());
        }
        (Node::Double, Value::Number(n)) => {
            out.extend_from_slice(&n.as_f64().unwrap_or_default().to_le_bytes());
        }
        (Node::String | Node::Bytes, Value::String(s)) => string(out, s),
        (Node::Fixed(size), Value::String(s)) if s.len() == *size => {
            out.extend_from_slice(s.as_bytes());
        }
        (Node::Enum { symbols, .. }, Value::String(s)) => {
            let index = symbols.iter().position(|symbol| symbol == s);
            long(out, index.ok_or_else(|| wrong("one of the enum's symbols"))? as i64);
        }
        (Node::Union(branches), _) => {
            let mut last = None;
            for (i, branch) in branches.iter().enumerate() {
                let mut attempt = Vec::new();
                long(&mut attempt, i as i64);
                match put(schema, *branch, value, &mut attempt, path) {
                    Ok(()) => {
                        out.extend_from_slice(&attempt);
                        return Ok(());
                    }
                    Err(error) => last = Some(error),
                }
            }
            return Err(last.unwrap_or_else(|| wrong("a union branch")));
        }
        (Node::Record { fields, .. }, Value::Object(object)) => {
            for (name, field) in fields {
                let inner = format!("{path}/{name}");
                put(schema, *field, object.get(name).unwrap_or(&Value::Null), out, &inner)?;
            }
        }
        (Node::Array(items), Value::Array(list)) => {
            if !list.is_empty() {
                long(out, list.len() as i64);
                for (i, item) in list.iter().enumerate() {
                    put(schema, *items, item, out, &format!("{path}/{i}"))?;
                }
            }
            out.push(0);
        }
        (Node::Map(values), Value::Object(object)) => {
            if !object.is_empty() {
                long(out, object.len() as i64);
                for (key, item) in object {
                    string(out, key);
                    put(schema, *values, item, out, &format!("{path}/{key}"))?;
                }
            }
            out.push(0);
        }
        (node, _) => return Err(wrong(kind(node))),
    }
    Ok(())
}

fn or_root(path: &str) -> &str {
    if path.is_empty() {
        "the root"
    } else {
        path
    }
}

fn kind(node: &Node) -> &'static str {
    match node {
        Node::Null => "null",
        Node::Boolean => "a boolean",
        Node::Int | Node::Long => "an integer",
        Node::Float | Node::Double => "a number",
        Node::String | Node::Enum { .. } => "a string",
        Node::Bytes | Node::Fixed(_) => "a string of bytes",
        Node::Record { .. } | Node::Map(_) => "an object",
        Node::Array(_) => "a list",
        Node::Union(_) => "a union branch",
    }
}

/// Writes `s` as an Avro `string` (its length as a `long`, then its UTF-8 bytes).
pub fn string(out: &mut Vec<u8>, s: &str) {
    long(out, s.len() as i64);
    out.extend_from_slice(s.as_bytes());
}

/// Writes `n` as an Avro `long` or `int` (zig-zag varint).
pub fn long(out: &mut Vec<u8>, n: i64) {
    let mut raw = ((n << 1) ^ (n >> 63)) as u64;
    while raw >= 0x80 {
        out.push((raw as u8) | 0x80);
        raw >>= 7;
    }
    out.push(raw as u8);
}
