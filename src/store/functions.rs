//! The SQL interface for other languages (`add_job`, `add_jobs`, `claim_jobs`,
//! `heartbeat_worker`, `complete_job`, `fail_job`), installed by every `migrate`.
//!
//! The public functions (`sql/functions/`) call internal ones whose bodies are goalstream's
//! own statement files (`sql/jobs/enqueue.sql`, `claim.sql`, `complete.sql`, `release.sql`,
//! `fail.sql`, `cancel_descendants.sql`), joined at compile time: a job enqueued or finished
//! from SQL goes through exactly the statements the Rust workers run. Because those files can
//! change between releases, the functions are repeatable, not versioned: `CREATE OR REPLACE`
//! on every migrate, under the migration lock, so they always match the binary that migrated.

use tokio_postgres::Client;

use super::StoreError;

/// Wraps a statement file as a SQL function of its positional parameters.
macro_rules! internal_function {
    ($signature:literal, $returns:literal, $file:literal) => {
        concat!(
            "CREATE OR REPLACE FUNCTION ",
            $signature,
            " RETURNS ",
            $returns,
            " LANGUAGE sql SET search_path FROM CURRENT AS $body$\n",
            include_str!($file),
            "\n$body$;"
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
        "int8[]",
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

/// Creates or replaces every function of the SQL interface in the session's schema.
pub async fn install(client: &Client) -> Result<(), StoreError> {
    for statement in INTERNAL.iter().chain(PUBLIC) {
        client.batch_execute(statement).await?;
    }
    Ok(())
}
