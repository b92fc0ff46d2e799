//! The SQL interface for other languages (`add_job`, `add_jobs`, `claim_jobs`,
//! `heartbeat_worker`, `complete_job`, `fail_job`), installed by every `migrate`.
//!
//! The public functions (`sql/functions/`) call internal ones whose bodies are goalstream's
//! own statement files (`sql/jobs/enqueue.sql`, `claim.sql`, `complete.sql`, `release.sql`,
//! `fail.sql`, `cancel_descendants.sql`), joined at compile time: a job enqueued or finished
//! from SQL goes through exactly the statements the Rust workers run (the enqueue with its
//! unique-key clause in, as for a Rust call with a unique key). Because those files can
//! change between releases, the functions are repeatable, not versioned: created again
//! on every migrate (dropped and created in one transaction), under the migration lock, so
//! they always match the binary that migrated.

use deadpool_postgres::Client;

use super::StoreError;

/// Wraps a statement file as a function of its positional parameters. PL/pgSQL only for its
/// plan cache: a SQL-language function that cannot be inlined is planned again on every call
/// (measured: `add_job` 1.6× the REST enqueue's database time that way).
macro_rules! internal_function {
    ($signature:literal, $returns:literal, $file:literal) => {
        concat!(
            "DROP FUNCTION IF EXISTS ",
            $signature,
            ";\nCREATE FUNCTION ",
            $signature,
            " RETURNS ",
            $returns,
            " LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$\nBEGIN\nRETURN QUERY\n",
            include_str!($file),
            "\n;\nEND\n$body$;"
        )
    };
}

/// The internal functions: one per statement file the public functions need.
const INTERNAL: &[&str] = &[
    internal_function!(
        "goalstream_enqueue(text[], text[], text[], int2[], jsonb[], int4[], timestamptz[], \
         text[], int4[], float8, float8, int4[], int4[])",
        "TABLE (out_id bigint, out_unique_key text, out_kind text)",
        "../../sql/jobs/enqueue.sql"
    ),
    internal_function!(
        "goalstream_claim(text, int8, text)",
        "TABLE (out_id bigint, out_kind text, out_queue text, out_tenant text, \
         out_priority int2, out_args jsonb, out_attempt int4, out_max_attempts int4)",
        "../../sql/jobs/claim.sql"
    ),
    internal_function!(
        "goalstream_complete(int8[], int4[])",
        "TABLE (out_completed int8[])",
        "../../sql/jobs/complete.sql"
    ),
    internal_function!(
        "goalstream_release(int8[], float8, bool, bool)",
        "TABLE (out_id bigint, out_state text)",
        "../../sql/jobs/release.sql"
    ),
    internal_function!(
        "goalstream_fail(int8[], int4[], text[], timestamptz[])",
        "TABLE (out_dead int8[], out_failed int8)",
        "../../sql/jobs/fail.sql"
    ),
    internal_function!(
        "goalstream_cancel_descendants(int8[])",
        "SETOF bigint",
        "../../sql/jobs/cancel_descendants.sql"
    ),
];

/// The public functions.
const PUBLIC: &[&str] = &[
    include_str!("../../sql/functions/add_job.sql"),
    include_str!("../../sql/functions/worker.sql"),
];

/// Creates (again) every function of the SQL interface in the session's schema, in one
/// transaction: callers see the old set or the new one. Each is dropped first, so a release
/// may change a function's result type (which `CREATE OR REPLACE` refuses).
pub async fn install(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    for statement in INTERNAL.iter().chain(PUBLIC) {
        // `add_job` dedupes by unique key: its enqueue keeps the ON CONFLICT clause.
        tx.batch_execute(&super::job_enqueue::with_unique_keys(statement)).await?;
    }
    tx.commit().await?;
    Ok(())
}
