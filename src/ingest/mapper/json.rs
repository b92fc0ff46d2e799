//! A JSON event as a [`Document`].

use serde_json::Value;

use super::{walk, Document, Field};
use crate::catalog::mapping::Pointer;

/// A parsed JSON event.
#[derive(Debug)]
pub struct JsonDocument(pub Value);

impl Document for JsonDocument {
    fn field(&self, path: &Pointer) -> Field<'_> {
        let at = walk(&self.0, path, |at, segment| match at {
            Value::Object(map) => map.get(&segment.key),
            Value::Array(list) => segment.index.and_then(|i| list.get(i)),
            _ => None,
        });
        let Some(at) = at else { return Field::Missing };
        match at {
            Value::Null => Field::Null,
            Value::Bool(b) => Field::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Field::Int(i),
                (None, Some(u)) => Field::BigUint(u),
                _ => Field::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Field::Str(s),
            Value::Array(_) => Field::Other("a list"),
            Value::Object(_) => Field::Other("an object"),
        }
    }
}
