//! Points in time as operators type them (the CLI's `--since`, the web UI's filters): an RFC
//! 3339 timestamp, a date and time without offset taken as UTC (`2026-01-02T03:04`, what a
//! browser's `datetime-local` input sends), or an age such as `90s`, `15m`, `2h`, `7d` (that
//! long before now).

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// Parses `text` as an RFC 3339 timestamp, a UTC date-time, or an age before now.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(time.and_utc());
        }
    }
    let unit = text.chars().last().ok_or("an empty time")?;
    let seconds_per_unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => {
            return Err(format!("{text:?} is neither an RFC 3339 time nor an age like 15m, 2h, 7d"))
        }
    };
    let count: i64 = text[..text.len() - 1]
        .parse()
        .ok()
        .filter(|n| (0..=36_500 * 86_400).contains(n))
        .ok_or_else(|| format!("{text:?}: the age must be a whole number then s, m, h or d"))?;
    Ok(Utc::now() - Duration::seconds(count * seconds_per_unit))
}

#[cfg(test)]
mod tests;
