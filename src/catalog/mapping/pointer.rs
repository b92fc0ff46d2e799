//! A JSON pointer (RFC 6901) parsed once at start: the hot path walks its segments without
//! re-parsing or unescaping.

/// A parsed JSON pointer, e.g. `/stats/kills` or `/players/0/id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    text: String,
    segments: Vec<Segment>,
}

/// One step of a pointer: an object key, and the array index it also names when it is a
/// canonical decimal (`0`, `12`; not `01`), as RFC 6901 reads it against arrays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The unescaped key (`~1` → `/`, `~0` → `~`).
    pub key: String,
    /// The array index, if the key is one.
    pub index: Option<usize>,
}

impl Pointer {
    /// Parses `text`; the message says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("{text:?} is not a JSON pointer (it must start with `/`)"));
        };
        let mut segments = Vec::new();
        for raw in rest.split('/') {
            let key = unescape(raw).ok_or_else(|| {
                format!("{text:?}: `~` must be followed by 0 or 1 (RFC 6901 escapes)")
            })?;
            let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty());
            let index = (canonical && key.bytes().all(|b| b.is_ascii_digit()))
                .then(|| key.parse().ok())
                .flatten();
            segments.push(Segment { key, index });
        }
        Ok(Pointer { text: text.to_string(), segments })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its steps, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
}

impl std::fmt::Display for Pointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('~') {
        return Some(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            },
            other => out.push(other),
        }
    }
    Some(out)
}
