//! Binary event formats read through the mapper's [`super::mapper::Document`]
//! (docs/FORMATS.md): Confluent framing, Protobuf by descriptor, Avro by schema (a registry's
//! or a file's).

pub mod avro;
pub mod confluent;
pub mod protobuf;
#[cfg(test)]
mod tests;
