//! The readiness probe's statement.

use deadpool_postgres::GenericClient;

use super::StoreError;

const PING: &str = include_str!("../../sql/health/ping.sql");

/// Whether the database answers on `client`.
pub async fn ping<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    client.query_one(PING, &[]).await?;
    Ok(())
}
