//! Rotation periods: when a goal's progress resets. UTC boundaries; weeks start on Monday.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// How often a goal's progress starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    /// Never resets.
    #[default]
    None,
    /// Resets at 00:00 UTC every day.
    Daily,
    /// Resets at 00:00 UTC every Monday.
    Weekly,
    /// Resets at 00:00 UTC on the first day of every month.
    Monthly,
}

impl Rotation {
    /// End of the period that contains `now` (exclusive), or `None` when the goal never rotates.
    /// This is the `expires_at` a row gets when it is created or reset at `now`.
    pub fn period_end(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.date_naive();
        let end_date = match self {
            Rotation::None => return None,
            Rotation::Daily => today + Duration::days(1),
            Rotation::Weekly => {
                let days_since_monday = i64::from(today.weekday().num_days_from_monday());
                today + Duration::days(7 - days_since_monday)
            }
            Rotation::Monthly => first_of_next_month(today),
        };
        Some(Utc.from_utc_datetime(&end_date.and_time(NaiveTime::MIN)))
    }
}

fn first_of_next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) =
        if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month always exists")
}

#[cfg(test)]
mod tests;
