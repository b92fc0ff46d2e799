//! Binary event formats read through the mapper's [`super::mapper::Document`]
//! (docs/FORMATS.md): Confluent framing, Protobuf by descriptor.

pub mod confluent;
pub mod protobuf;
#[cfg(test)]
mod tests;
