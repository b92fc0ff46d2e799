//! The filters of the jobs and dead-letters pages as a form sends them (every field text, empty
//! meaning any), turned into the store's filters with an error that names the field, and back
//! into a query string for links and hidden fields.

use serde::{Deserialize, Serialize};

use super::layout::esc;
use super::UiError;
use crate::store::dead_letter_admin::DeadLetterFilter;
use crate::store::job_console::JobFilter;
use crate::types::{when, JobState};

/// A list page's query: its filters and the keyset cursor (`before`: the previous page's last
/// id).
#[derive(Debug, Default, Deserialize)]
pub struct Listed<F> {
    /// The filters.
    #[serde(flatten)]
    pub filter: F,
    #[serde(default)]
    before: String,
}

impl<F> Listed<F> {
    /// The cursor: none on the first page.
    pub fn cursor(&self) -> Result<Option<i64>, UiError> {
        match self.before.trim() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .map(Some)
                .map_err(|_| UiError::BadRequest(format!("before: {text:?} is not an id"))),
        }
    }
}

/// The jobs page's filters.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct JobQuery {
    /// State.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
    /// Handler kind.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Queue.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub queue: String,
    /// Tenant.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tenant: String,
    /// Unique key.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unique_key: String,
    /// Enqueued at or after (RFC 3339, a UTC date-time, or an age).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub since: String,
    /// Enqueued before.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub until: String,
}

impl JobQuery {
    /// The store's filter; an unreadable field is a bad request naming it.
    pub fn filter(&self) -> Result<JobFilter, UiError> {
        let state = match text(&self.state) {
            Some(state) => Some(
                state
                    .parse::<JobState>()
                    .map_err(|e| UiError::BadRequest(format!("state: {e}")))?,
            ),
            None => None,
        };
        Ok(JobFilter {
            state,
            kind: text(&self.kind),
            queue: text(&self.queue),
            tenant: text(&self.tenant),
            unique_key: text(&self.unique_key),
            created_after: time("since", &self.since)?,
            created_before: time("until", &self.until)?,
        })
    }

    /// The filters as a query string (`state=failed&kind=...`).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    /// The filters as hidden form fields (a bulk action carries the list's filter).
    pub fn hidden_fields(&self) -> String {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&self.query_string()).unwrap_or_default();
        pairs
            .iter()
            .map(|(name, value)| {
                format!(r#"<input type="hidden" name="{}" value="{}">"#, esc(name), esc(value))
            })
            .collect()
    }
}

/// The dead-letters page's filters.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LetterQuery {
    /// Source topic.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub topic: String,
    /// Reason contains (case-insensitive).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Written at or after.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub since: String,
    /// Written before.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub until: String,
    /// `yes`, `no`, or empty for both.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub replayed: String,
}

impl LetterQuery {
    /// The store's filter; an unreadable field is a bad request naming it.
    pub fn filter(&self) -> Result<DeadLetterFilter, UiError> {
        let replayed = match self.replayed.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            "" => None,
            other => {
                return Err(UiError::BadRequest(format!("replayed: {other:?} is not yes or no")))
            }
        };
        Ok(DeadLetterFilter {
            topic: text(&self.topic),
            reason: text(&self.reason),
            created_after: time("since", &self.since)?,
            created_before: time("until", &self.until)?,
            replayed,
        })
    }

    /// The filters as a query string.
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// A text input: trimmed, empty is none.
fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn time(field: &str, value: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, UiError> {
    match text(value) {
        Some(value) => {
            when::parse(&value).map(Some).map_err(|e| UiError::BadRequest(format!("{field}: {e}")))
        }
        None => Ok(None),
    }
}

/// A text input of the given name and value.
pub fn input(name: &str, label: &str, value: &str, placeholder: &str) -> String {
    format!(
        r#"<label>{label} <input name="{name}" value="{}" placeholder="{}"></label>"#,
        esc(value),
        esc(placeholder)
    )
}

/// A `<select>` of `options` (value, label) with `selected` chosen.
pub fn select(name: &str, label: &str, options: &[(&str, &str)], selected: &str) -> String {
    let options: String = options
        .iter()
        .map(|(value, text)| {
            let chosen = if *value == selected { " selected" } else { "" };
            format!(r#"<option value="{}"{chosen}>{}</option>"#, esc(value), esc(text))
        })
        .collect();
    format!(r#"<label>{label} <select name="{name}">{options}</select></label>"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_any_and_bad_ones_name_the_field() {
        let query = JobQuery { state: "failed".into(), kind: "  ".into(), ..JobQuery::default() };
        let filter = query.filter().unwrap();
        assert_eq!(filter.state, Some(JobState::Failed));
        assert_eq!(filter.kind, None);
        let bad = JobQuery { since: "yesterday".into(), ..JobQuery::default() };
        let Err(UiError::BadRequest(message)) = bad.filter() else { panic!("refused") };
        assert!(message.starts_with("since:"), "{message}");
        let bad = JobQuery { state: "sleeping".into(), ..JobQuery::default() };
        assert!(matches!(bad.filter(), Err(UiError::BadRequest(m)) if m.starts_with("state:")));
    }

    #[test]
    fn filters_survive_a_round_trip_through_hidden_fields() {
        let query = JobQuery { kind: "a&b \"c\"".into(), ..JobQuery::default() };
        let fields = query.hidden_fields();
        assert!(fields.contains(r#"name="kind" value="a&amp;b &quot;c&quot;""#), "{fields}");
        assert!(query.query_string().contains("kind=a%26b+%22c%22"));
    }
}
