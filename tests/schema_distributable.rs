//! The schema can be distributed by player (Citus, docs/SCALING.md), read from the catalog of
//! a freshly migrated schema: every per-player table's primary key and unique indexes include
//! `user_id`, no foreign key leaves a per-player table, and the per-partition tables have a
//! `shard_key` that can co-locate them with their players; while on a single node the keys
//! and queries of today keep working.

mod support;

use deadpool_postgres::Client;
use support::TestDb;

/// Tables holding one player's rows, distributed by `user_id` and co-located.
const PER_PLAYER: [&str; 3] = ["user_goal_progress", "reward_grants", "seen_events"];
/// Tables holding one Kafka partition's rows, co-located by `shard_key` with its players.
const PER_PARTITION: [&str; 2] = ["consumer_offsets", "dead_letters"];

async fn strings(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Vec<String> {
    client.query(sql, params).await.unwrap().iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn every_table_with_a_player_column_is_a_per_player_table() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let mut tables = strings(
        &client,
        "SELECT c.relname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
           AND a.attname = 'user_id' AND NOT a.attisdropped ORDER BY 1",
        &[],
    )
    .await;
    tables.sort();
    let mut expected: Vec<String> = PER_PLAYER.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(tables, expected, "a new per-player table must be distributable: add it here");
}

#[tokio::test]
async fn per_player_unique_keys_include_the_player() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    for table in PER_PLAYER {
        // Every unique index (primary keys and unique constraints are ones too), with whether
        // user_id is one of its key columns.
        let rows = client
            .query(
                "SELECT i.indexrelid::regclass::text,
                        EXISTS (SELECT FROM unnest(i.indkey) k
                                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k
                                WHERE a.attname = 'user_id')
                 FROM pg_index i
                 WHERE i.indrelid = $1::text::regclass AND i.indisunique",
                &[&table],
            )
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table} has a primary key");
        for row in rows {
            let (index, with_player): (String, bool) = (row.get(0), row.get(1));
            assert!(with_player, "{table}: unique index {index} lacks user_id");
        }
        let primary: Vec<String> = strings(
            &client,
            "SELECT a.attname::text FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.conrelid = $1::text::regclass AND c.contype = 'p'",
            &[&table],
        )
        .await;
        assert_eq!(primary, ["user_id"], "{table}: the primary key leads with the player");
    }
}

#[tokio::test]
async fn no_foreign_key_leaves_a_per_player_table() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let tables: Vec<String> =
        PER_PLAYER.iter().chain(&PER_PARTITION).map(|t| t.to_string()).collect();
    let keys = client
        .query(
            "SELECT c.conname::text, c.conrelid::regclass::text, c.confrelid::regclass::text
             FROM pg_constraint c
             WHERE c.contype = 'f'
               AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))",
            &[&tables],
        )
        .await
        .unwrap();
    let found: Vec<(String, String, String)> =
        keys.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(found, Vec::<(String, String, String)>::new(), "cross-shard foreign keys");
}

#[tokio::test]
async fn per_partition_tables_carry_a_shard_key_of_the_players_type() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let column = "SELECT format_type(a.atttypid, a.atttypmod), co.collname::text, a.attnotnull,
                         pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_attribute a
                  JOIN pg_collation co ON co.oid = a.attcollation
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE a.attrelid = $1::text::regclass AND a.attname = $2";
    let player = client.query_one(column, &[&"user_goal_progress", &"user_id"]).await.unwrap();
    for table in PER_PARTITION {
        let key = client.query_one(column, &[&table, &"shard_key"]).await.unwrap();
        // Co-location needs the distribution columns' type and collation to be equal.
        assert_eq!(key.get::<_, String>(0), player.get::<_, String>(0), "{table}");
        assert_eq!(key.get::<_, String>(1), player.get::<_, String>(1), "{table}");
        assert!(key.get::<_, bool>(2), "{table}.shard_key is NOT NULL");
        assert_eq!(key.get::<_, Option<String>>(3).as_deref(), Some("''::text"), "{table}");
    }
}

#[tokio::test]
async fn single_node_keys_and_queries_are_unchanged() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    // Written without the new column, then found and upserted by the old key.
    let upsert = "INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
                  VALUES ('g', 't', 0, 5)
                  ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = 6";
    for _ in 0..2 {
        assert_eq!(client.execute(upsert, &[]).await.unwrap(), 1);
    }
    let row = client
        .query_one(
            "SELECT next_offset, shard_key FROM consumer_offsets
             WHERE group_id = 'g' AND topic = 't' AND partition = 0",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, String>(1)), (6, String::new()));
    client
        .execute(
            "INSERT INTO dead_letters (topic, partition, \"offset\", payload, reason)
             VALUES ('t', 0, 1, 'x', 'r') ON CONFLICT (topic, partition, \"offset\") DO NOTHING",
            &[],
        )
        .await
        .unwrap();
}
