//! `goalstream jobs periodic`: the periodic schedules registered in the database (by any
//! instance), each with its last tick, its next one and what it enqueued and missed.

use chrono::Utc;
use deadpool_postgres::GenericClient;
use serde_json::json;

use super::table::{opt, Table};
use crate::jobs::schedule::next_registered_tick;
use crate::store::periodic;

/// Prints the schedules as a table, or with `json` as one JSON document.
pub async fn print<C: GenericClient>(client: &C, json: bool) -> anyhow::Result<()> {
    let rows = periodic::schedules(client).await?;
    let now = Utc::now();
    let next: Vec<_> = rows
        .iter()
        .map(|r| next_registered_tick(&r.cron, &r.timezone, r.last_tick.max(now)))
        .collect();
    if json {
        let schedules: Vec<_> = rows
            .iter()
            .zip(&next)
            .map(|(row, next)| {
                let mut value = json!(row);
                value["next_tick"] = json!(next);
                value
            })
            .collect();
        println!("{}", json!({ "schedules": schedules }));
        return Ok(());
    }
    let mut table = Table::new(&[
        "name",
        "cron",
        "timezone",
        "kind",
        "queue",
        "catch_up",
        "last tick",
        "next tick",
        "enqueued",
        "missed",
    ]);
    for (row, next) in rows.iter().zip(&next) {
        table.row(vec![
            row.name.clone(),
            row.cron.clone(),
            row.timezone.clone(),
            row.kind.clone(),
            row.queue.clone(),
            row.catch_up.clone(),
            row.last_tick.to_rfc3339(),
            opt(next.map(|t| t.to_rfc3339())),
            row.ticks_enqueued.to_string(),
            row.ticks_missed.to_string(),
        ]);
    }
    print!("{}", table.render());
    if rows.is_empty() {
        println!("(no periodic schedules registered: see `goalstream run --periodic`)");
    }
    Ok(())
}
