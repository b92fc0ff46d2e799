//! The console benchmark's data: a jobs table of a given size, filled in one statement.

use deadpool_postgres::GenericClient;

use crate::store::StoreError;

const POPULATE: &str = include_str!("../../../sql/harness/bench/console_populate.sql");
const ANALYZE: &str = include_str!("../../../sql/harness/bench/console_analyze.sql");

/// Inserts `jobs` jobs, `dead` of them failed for good (spread evenly), then vacuums and
/// analyzes the table.
pub async fn populate<C: GenericClient>(
    client: &C,
    jobs: i64,
    dead: i64,
) -> Result<(), StoreError> {
    // `dead_per` of every `every` jobs are dead: the smallest period giving `dead` in all.
    let every: i64 = 1_000;
    let dead_per = ((dead * every + jobs - 1) / jobs.max(1)).min(every);
    client.execute(POPULATE, &[&jobs, &dead_per, &every]).await?;
    client.batch_execute(ANALYZE).await?;
    Ok(())
}
