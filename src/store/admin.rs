//! Database-level housekeeping: creating databases and scratch schemas.

use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use super::StoreError;

/// Creates database `name` unless it exists. Returns whether it was created. The name is
/// quoted as an identifier; CREATE DATABASE takes no parameters.
pub async fn create_database(client: &Client, name: &str) -> Result<bool, StoreError> {
    let statement = format!("CREATE DATABASE {}", quote_ident(name));
    match client.batch_execute(&statement).await {
        Ok(()) => Ok(true),
        Err(error) if error.code() == Some(&SqlState::DUPLICATE_DATABASE) => Ok(false),
        // Two processes creating it at once: the loser fails on the catalog's unique index
        // instead (seen with tests starting together on a fresh machine).
        Err(error)
            if error.code() == Some(&SqlState::UNIQUE_VIOLATION)
                && error.as_db_error().and_then(|e| e.constraint())
                    == Some("pg_database_datname_index") =>
        {
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

/// Drops and recreates schema `name` (empty), for scratch work such as benchmarks and tests.
pub async fn recreate_schema(client: &Client, name: &str) -> Result<(), StoreError> {
    let name = quote_ident(name);
    client
        .batch_execute(&format!(
            "SET client_min_messages = warning; DROP SCHEMA IF EXISTS {name} CASCADE; \
             CREATE SCHEMA {name}; RESET client_min_messages"
        ))
        .await?;
    Ok(())
}

/// Creates schema `name` unless it exists (its contents are kept).
pub async fn create_schema(client: &Client, name: &str) -> Result<(), StoreError> {
    client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(name))).await?;
    Ok(())
}

/// Drops schema `name` and everything in it, if it exists.
pub async fn drop_schema(client: &Client, name: &str) -> Result<(), StoreError> {
    let statement = format!(
        "SET client_min_messages = warning; DROP SCHEMA IF EXISTS {} CASCADE; RESET client_min_messages",
        quote_ident(name)
    );
    client.batch_execute(&statement).await?;
    Ok(())
}

/// `name` as a double-quoted SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
