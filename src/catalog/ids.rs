//! The one validation of ids that come from outside (DESIGN.md, Trust boundaries): player,
//! goal, stat code and event ids in events, catalogs and API paths; job kinds, queues, tenants
//! and unique keys in API bodies. An id is at most a given number of characters and holds no
//! control character (NUL, which Postgres `text` cannot store, newlines that forge log lines,
//! escapes that reach a terminal). Whether an empty id is allowed is each caller's rule.

/// Why an id is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdProblem {
    /// More characters than allowed.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character (U+0000–U+001F, U+007F–U+009F), NUL included.
    #[error("contains a control character (U+{code:04X}) at character {index}")]
    Control {
        /// The character's code point.
        code: u32,
        /// Its position (0-based, in characters).
        index: usize,
    },
}

/// Checks an id of at most `max` characters with no control character.
pub fn check_id(id: &str, max: usize) -> Result<(), IdProblem> {
    // Byte length bounds the character count from above: only long strings need counting.
    if id.len() > max && id.chars().count() > max {
        return Err(IdProblem::TooLong { max });
    }
    match id.chars().enumerate().find(|(_, c)| c.is_control()) {
        Some((index, c)) => Err(IdProblem::Control { code: u32::from(c), index }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_control_characters_and_long_ids() {
        assert_eq!(check_id("player-1 é", 10), Ok(()));
        assert_eq!(check_id("", 10), Ok(()), "emptiness is the caller's rule");
        assert_eq!(check_id("a\0b", 10), Err(IdProblem::Control { code: 0, index: 1 }));
        assert_eq!(check_id("a\nb", 10), Err(IdProblem::Control { code: 10, index: 1 }));
        assert_eq!(check_id("\u{1b}[31m", 10), Err(IdProblem::Control { code: 0x1b, index: 0 }));
        assert_eq!(check_id("\u{85}", 10), Err(IdProblem::Control { code: 0x85, index: 0 }));
        assert_eq!(check_id(&"é".repeat(10), 10), Ok(()), "characters, not bytes");
        assert_eq!(check_id(&"x".repeat(11), 10), Err(IdProblem::TooLong { max: 10 }));
    }
}
