//! Reading a JSON-lines file with memory bounded by the payload limit: a line is kept up to
//! the limit; past it, the rest is read through (hashed, counted) without being held, so a
//! 300 MB line costs a 64 KiB buffer rather than several copies of itself (issue 19).

use std::io::BufRead;

use sha2::{Digest, Sha256};

/// A line over the limit: its prefix is in the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlong {
    /// The whole line's size in bytes (without its newline).
    pub bytes: u64,
    /// SHA-256 of the whole line, hex.
    pub sha256: String,
}

/// Reads the next line into `line` (cleared first, newline and CR removed), holding at most
/// `limit` bytes of it. `Ok(None)` at the end of the input; `Ok(Some(Some(overlong)))` when the
/// line was longer than `limit`.
pub fn read_line<R: BufRead>(
    reader: &mut R,
    limit: usize,
    line: &mut Vec<u8>,
) -> std::io::Result<Option<Option<Overlong>>> {
    line.clear();
    let mut total: u64 = 0;
    let mut hasher: Option<Sha256> = None;
    let mut read_any = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            if !read_any {
                return Ok(None);
            }
            break;
        }
        read_any = true;
        let (part, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(at) => (&chunk[..at], Some(at + 1)),
            None => (chunk, None),
        };
        total += part.len() as u64;
        match &mut hasher {
            Some(hasher) => hasher.update(part),
            None if line.len() + part.len() > limit => {
                let mut started = Sha256::new();
                started.update(&*line);
                started.update(part);
                let room = limit - line.len();
                line.extend_from_slice(&part[..room]);
                hasher = Some(started);
            }
            None => line.extend_from_slice(part),
        }
        let consumed = done.unwrap_or(chunk.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if line.last() == Some(&b'\r') && hasher.is_none() {
        line.pop();
    }
    Ok(Some(hasher.map(|hasher| Overlong {
        bytes: total,
        sha256: hasher.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_up_to_the_limit_and_hashes_longer_ones() {
        let long = "y".repeat(100_000);
        let text = format!("short\r\n{long}\nlast");
        let mut reader = std::io::BufReader::with_capacity(4096, text.as_bytes());
        let mut line = Vec::new();
        assert_eq!(read_line(&mut reader, 1024, &mut line).unwrap(), Some(None));
        assert_eq!(line, b"short");
        let overlong = read_line(&mut reader, 1024, &mut line).unwrap().unwrap().unwrap();
        assert_eq!(line.len(), 1024, "only the limit is held");
        assert_eq!(overlong.bytes, 100_000);
        let expected: String =
            Sha256::digest(long.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(overlong.sha256, expected);
        assert_eq!(read_line(&mut reader, 1024, &mut line).unwrap(), Some(None));
        assert_eq!(line, b"last");
        assert_eq!(read_line(&mut reader, 1024, &mut line).unwrap(), None);
    }
}
