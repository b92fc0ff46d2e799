//! The Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), for Protobuf
//! the message indexes (a zig-zag varint count, then that many zig-zag varints; a count of 0
//! means `[0]`, the file's first message), then the encoded message.

/// The longest message index list accepted (nesting depth of the message in its file).
const MAX_INDEXES: usize = 32;

/// A framed payload, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed<'a> {
    /// The schema id in the registry.
    pub schema_id: u32,
    /// The encoded message after the header.
    pub body: &'a [u8],
}

/// Splits the 5-byte header off `payload`.
pub fn split(payload: &[u8]) -> Result<Framed<'_>, String> {
    match payload {
        [0, a, b, c, d, body @ ..] => {
            Ok(Framed { schema_id: u32::from_be_bytes([*a, *b, *c, *d]), body })
        }
        [] => Err("empty payload: expected a Confluent header (magic byte 0)".into()),
        [0, ..] => Err("payload shorter than the 5-byte Confluent header".into()),
        [magic, ..] => Err(format!("magic byte {magic}, expected 0 (Confluent wire format)")),
    }
}

/// Reads the Protobuf message indexes at the start of `body`; returns them and the message.
pub fn message_indexes(body: &[u8]) -> Result<(Vec<i32>, &[u8]), String> {
    let (count, mut rest) = zigzag(body)?;
    if count == 0 {
        return Ok((vec![0], rest));
    }
    let count = usize::try_from(count)
        .ok()
        .filter(|n| *n <= MAX_INDEXES)
        .ok_or_else(|| format!("message index count {count} is out of range"))?;
    let mut indexes = Vec::with_capacity(count);
    for _ in 0..count {
        let (index, next) = zigzag(rest)?;
        let index = i32::try_from(index).map_err(|_| format!("message index {index} too large"))?;
        indexes.push(index);
        rest = next;
    }
    Ok((indexes, rest))
}

/// Encodes a header for `schema_id` and, for Protobuf, `indexes` (`[0]` written as one 0).
pub fn header(schema_id: u32, indexes: Option<&[i32]>) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&schema_id.to_be_bytes());
    match indexes {
        None => {}
        Some([0]) => out.push(0),
        Some(list) => {
            put_zigzag(&mut out, list.len() as i64);
            for index in list {
                put_zigzag(&mut out, i64::from(*index));
            }
        }
    }
    out
}

fn zigzag(bytes: &[u8]) -> Result<(i64, &[u8]), String> {
    let mut raw: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        raw |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let value = (raw >> 1) as i64 ^ -((raw & 1) as i64);
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err("truncated or overlong varint in the Confluent message indexes".into())
}

fn put_zigzag(out: &mut Vec<u8>, value: i64) {
    let mut raw = ((value << 1) ^ (value >> 63)) as u64;
    while raw >= 0x80 {
        out.push((raw as u8) | 0x80);
        raw >>= 7;
    }
    out.push(raw as u8);
}
