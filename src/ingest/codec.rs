//! Binary event formats read through the mapper's [`super::mapper::Document`]
//! (docs/FORMATS.md): Confluent framing, Protobuf by descriptor, Avro by schema (a registry's
//! or a file's).

pub mod avro;
pub mod confluent;
pub mod protobuf;
#[cfg(test)]
mod tests;

/// The `n` bytes of `bytes` at `*at`, moving `*at` past them; "truncated" when there are fewer.
/// The binary readers' one way of taking bytes.
fn take<'a>(bytes: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], String> {
    let end = at.checked_add(n).filter(|end| *end <= bytes.len()).ok_or("truncated")?;
    let out = &bytes[*at..end];
    *at = end;
    Ok(out)
}
