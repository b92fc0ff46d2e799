//! Taking libpq parameters that tokio-postgres does not know (or knows only partly) out of a
//! connection string, in either of libpq's forms: a URL (`postgres://...?sslmode=verify-full`)
//! or `key=value` pairs (`host=db sslmode='verify-full'`). The rest of the string is kept
//! byte for byte, so tokio-postgres parses it exactly as before.

/// A connection string without the taken parameters, and the taken ones in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// What is left for tokio-postgres.
    pub rest: String,
    /// `(key, value)` of every taken parameter, values decoded.
    pub params: Vec<(String, String)>,
}

/// Takes the parameters named in `keys` out of `url`. A malformed string is returned
/// unchanged: tokio-postgres reports what is wrong with it.
pub fn take(url: &str, keys: &[&str]) -> Taken {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        take_from_url(url, keys)
    } else {
        take_from_pairs(url, keys)
    }
}

fn take_from_url(url: &str, keys: &[&str]) -> Taken {
    let Some((base, query)) = url.split_once('?') else {
        return Taken { rest: url.to_string(), params: Vec::new() };
    };
    let mut kept = Vec::new();
    let mut params = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key);
        if keys.contains(&key.as_str()) {
            params.push((key, percent_decode(value)));
        } else {
            kept.push(pair);
        }
    }
    let rest =
        if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Taken { rest, params }
}

/// libpq's `key = value` form: values are bare words or single-quoted, with `\` escaping.
fn take_from_pairs(text: &str, keys: &[&str]) -> Taken {
    let bytes = text.as_bytes();
    let mut rest = String::new();
    let mut params = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &text[key_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            // Not a pair: leave the remainder to tokio-postgres's parser.
            rest.push_str(&text[start..]);
            break;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let (value, end) = read_value(text, i);
        i = end;
        if keys.contains(&key) {
            params.push((key.to_string(), value));
        } else {
            rest.push_str(&text[start..i]);
        }
    }
    Taken { rest: rest.trim().to_string(), params }
}

/// The value starting at byte `i`, decoded, and the byte after it.
fn read_value(text: &str, mut i: usize) -> (String, usize) {
    let bytes = text.as_bytes();
    let quoted = bytes.get(i) == Some(&b'\'');
    if quoted {
        i += 1;
    }
    let mut value = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => {
                value.push(bytes[i + 1]);
                i += 2;
                continue;
            }
            b'\'' if quoted => {
                i += 1;
                break;
            }
            c if !quoted && c.is_ascii_whitespace() => break,
            c => value.push(c),
        }
        i += 1;
    }
    (String::from_utf8_lossy(&value).into_owned(), i)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|&b| hex(b)),
            bytes.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["sslmode", "sslrootcert"];

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn takes_from_a_url_query_and_keeps_the_rest() {
        let taken = take(
            "postgres://u:p@h:5432/db?sslmode=verify-full&connect_timeout=3&sslrootcert=%2Ftmp%2Fca.pem",
            KEYS,
        );
        assert_eq!(taken.rest, "postgres://u:p@h:5432/db?connect_timeout=3");
        assert_eq!(
            taken.params,
            pairs(&[("sslmode", "verify-full"), ("sslrootcert", "/tmp/ca.pem")])
        );
    }

    #[test]
    fn a_url_left_without_parameters_loses_its_question_mark() {
        let taken = take("postgresql://h/db?sslmode=require", KEYS);
        assert_eq!(taken.rest, "postgresql://h/db");
        assert_eq!(take("postgres://h/db", KEYS).params, vec![]);
    }

    #[test]
    fn takes_from_key_value_pairs_quoted_or_not() {
        let taken = take(r"host=h sslmode = verify-ca  sslrootcert='/a b/c\'s.pem' dbname=x", KEYS);
        assert_eq!(taken.rest, "host=h dbname=x");
        assert_eq!(
            taken.params,
            pairs(&[("sslmode", "verify-ca"), ("sslrootcert", "/a b/c's.pem")])
        );
    }

    #[test]
    fn leaves_a_malformed_string_to_the_real_parser() {
        assert_eq!(take("host=h garbage", KEYS).rest, "host=h garbage");
    }
}
