//! Unit tests of `schedule`: checks with errors naming the schedule, the cron pattern in a time
//! zone across daylight saving time, and what a round plans (on time, missed, catch-up).

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn entry(name: &str, cron: &str, timezone: &str) -> PeriodicEntry {
    let text = format!(
        "[[periodic]]\nname = {name:?}\ncron = {cron:?}\ntimezone = {timezone:?}\nkind = \"k\"\n"
    );
    PeriodicFile::parse(&text).unwrap().periodic.remove(0)
}

fn schedule(cron: &str, timezone: &str) -> Schedule {
    Schedule::from_entry(&entry("s", cron, timezone), &HashSet::from(["k"])).unwrap()
}

fn error(entry: &PeriodicEntry) -> String {
    Schedule::from_entry(entry, &HashSet::from(["k"])).unwrap_err().to_string()
}

fn ticks(schedule: &Schedule, from: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut t = at(from);
    for _ in 0..n {
        t = schedule.next_after(t).unwrap();
        out.push(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    out
}

#[test]
fn bad_patterns_zones_kinds_and_names_are_refused_naming_the_schedule() {
    let e = error(&entry("nightly", "61 * * * *", "UTC"));
    assert!(e.starts_with("periodic job \"nightly\": invalid cron pattern \"61 * * * *\""), "{e}");
    let e = error(&entry("nightly", "0 0 * * *", "Europe/Atlantis"));
    assert!(
        e.contains("\"nightly\"") && e.contains("unknown time zone \"Europe/Atlantis\""),
        "{e}"
    );
    let e = error(&entry("feb30", "0 0 0 30 2 *", "UTC"));
    assert!(e.contains("\"feb30\"") && e.contains("never matches"), "{e}");
    let mut unknown = entry("report", "0 0 * * *", "UTC");
    unknown.kind = "reprot.daily".into();
    let e = error(&unknown);
    assert!(e.contains("\"report\"") && e.contains("unknown kind \"reprot.daily\""), "{e}");
    let mut pipeline = entry("grant", "0 0 * * *", "UTC");
    pipeline.kind = "goal.completed".into();
    assert!(error(&pipeline).contains("belongs to the pipeline"));
    assert!(error(&entry("a b", "0 0 * * *", "UTC")).contains("letters, digits"));
    let mut bad_priority = entry("p", "0 0 * * *", "UTC");
    bad_priority.priority = Some(9);
    assert!(error(&bad_priority).contains("priority must be 1 to 5"));
    let mut endless_grace = entry("g", "0 0 * * *", "UTC");
    endless_grace.grace_seconds = u64::MAX;
    assert!(error(&endless_grace).contains("grace_seconds must be 1 to 31622400"));
    let mut tick_without_table = entry("t", "0 0 * * *", "UTC");
    (tick_without_table.tick_field, tick_without_table.args) =
        (Some("at".into()), serde_json::json!([1]));
    assert!(error(&tick_without_table).contains("tick_field needs args to be a table"));
    let twice =
        PeriodicFile { periodic: vec![entry("a", "* * * * *", "UTC"); 2], ..Default::default() };
    let e = from_file(&twice, &["k".to_string()]).unwrap_err().to_string();
    assert_eq!(e, "periodic job \"a\": the name is used twice");
    let external = PeriodicFile {
        external_kinds: vec!["elsewhere".into()],
        periodic: vec![PeriodicEntry {
            kind: "elsewhere".into(),
            ..entry("x", "* * * * *", "UTC")
        }],
    };
    assert_eq!(from_file(&external, &[]).unwrap().len(), 1, "external kinds are accepted");
}

#[test]
fn seconds_field_is_optional() {
    let every_second = schedule("*/1 * * * * *", "UTC");
    assert_eq!(
        ticks(&every_second, "2026-01-01T00:00:00.250Z", 2),
        ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"]
    );
    let every_minute = schedule("* * * * *", "UTC");
    assert_eq!(ticks(&every_minute, "2026-01-01T00:00:00Z", 1), ["2026-01-01T00:01:00Z"]);
}

#[test]
fn a_fixed_time_follows_the_time_zone_across_dst() {
    let nine = schedule("0 0 9 * * *", "America/New_York");
    // EST (UTC-5) before 2026-03-08, EDT (UTC-4) after.
    assert_eq!(
        ticks(&nine, "2026-03-06T15:00:00Z", 3),
        ["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"]
    );
    // Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist: the
    // tick runs once, just after the gap (03:00 CEST = 01:00Z).
    let half_past_two = schedule("0 30 2 * * *", "Europe/Berlin");
    assert_eq!(
        ticks(&half_past_two, "2026-03-28T00:00:00Z", 3),
        ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]
    );
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice: once a day.
    assert_eq!(
        ticks(&half_past_two, "2026-10-24T00:00:00Z", 3),
        ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
    );
}

#[test]
fn an_interval_follows_the_wall_clock_across_dst() {
    let half_hourly = schedule("0 */30 * * * *", "Europe/Berlin");
    // The repeated hour runs both times: every 30 minutes of real time.
    assert_eq!(
        ticks(&half_hourly, "2026-10-24T23:59:00Z", 5),
        [
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:00:00Z",
            "2026-10-25T01:30:00Z",
            "2026-10-25T02:00:00Z"
        ]
    );
    // The skipped hour has no ticks, and none are made up.
    assert_eq!(
        ticks(&half_hourly, "2026-03-29T00:15:00Z", 3),
        ["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"]
    );
}

#[test]
fn due_ticks_within_the_grace_period_are_on_time() {
    let s = schedule("* * * * * *", "UTC");
    let plan = s.plan(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:03.500Z"));
    assert_eq!(plan.missed, 0);
    let expected = ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"];
    assert_eq!(plan.on_time, expected.map(at));
    assert_eq!(plan.advance_to, Some(at("2026-01-01T00:00:03Z")));
    assert_eq!(plan.ticks(CatchUp::Skip), plan.ticks(CatchUp::RunOnce));
    let idle = s.plan(at("2026-01-01T00:00:03Z"), at("2026-01-01T00:00:03.999Z"));
    assert_eq!(idle, Plan::default(), "nothing due");
}

#[test]
fn missed_ticks_are_skipped_or_run_once() {
    let mut s = schedule("* * * * * *", "UTC");
    s.grace = chrono::Duration::seconds(2);
    // Last tick 00:00:00, seen again at 00:00:10: ticks 1..=7 are older than 2 s.
    let plan = s.plan(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:10Z"));
    assert_eq!(plan.missed, 7);
    assert_eq!(plan.newest_missed, Some(at("2026-01-01T00:00:07Z")));
    assert_eq!(plan.on_time.len(), 3);
    assert_eq!(plan.advance_to, Some(at("2026-01-01T00:00:10Z")));
    assert_eq!(plan.ticks(CatchUp::Skip)[0], at("2026-01-01T00:00:08Z"));
    let run_once = plan.ticks(CatchUp::RunOnce);
    assert_eq!((run_once.len(), run_once[0]), (4, at("2026-01-01T00:00:07Z")));
    // Only missed ticks: the last tick still moves past them.
    let hourly =
        Schedule { grace: chrono::Duration::seconds(60), ..schedule("0 0 * * * *", "UTC") };
    let plan = hourly.plan(at("2026-01-01T00:00:00Z"), at("2026-01-01T10:30:00Z"));
    assert_eq!((plan.missed, plan.on_time.len()), (10, 0));
    assert_eq!(plan.advance_to, Some(at("2026-01-01T10:00:00Z")));
    assert!(plan.ticks(CatchUp::Skip).is_empty());
    assert_eq!(plan.ticks(CatchUp::RunOnce), [at("2026-01-01T10:00:00Z")]);
}

#[test]
fn a_long_outage_is_counted_up_to_a_bound_and_jumps_to_the_newest_miss() {
    let s = schedule("* * * * * *", "UTC");
    let plan = s.plan(at("2026-01-01T00:00:00Z"), at("2026-01-03T00:00:00Z"));
    assert_eq!(plan.missed, MAX_COUNTED_MISSES);
    assert_eq!(plan.newest_missed, Some(at("2026-01-02T23:58:59Z")));
    assert_eq!(plan.on_time.len(), 61, "the last minute is on time");
}

#[test]
fn each_tick_has_its_own_unique_key_and_may_carry_the_tick() {
    let mut s = schedule("* * * * * *", "UTC");
    s.tick_field = Some("scheduled_at".into());
    let job = s.job_for(at("2026-01-01T00:00:01Z"));
    assert_eq!(job.unique_key.as_deref(), Some("periodic:s:2026-01-01T00:00:01.000Z"));
    assert_eq!(job.args["scheduled_at"], "2026-01-01T00:00:01.000Z");
    assert_eq!(job.run_at, Some(at("2026-01-01T00:00:01Z")), "runs at its tick");
    assert_ne!(job.unique_key, s.job_for(at("2026-01-01T00:00:02Z")).unique_key);
}
