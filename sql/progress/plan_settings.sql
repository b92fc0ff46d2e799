-- For the rest of the flush transaction: join the staged rows to user_goal_progress by a
-- primary-key probe per staged row, so a flush costs in proportion to its batch, never to the
-- size of the table. MERGE reads the stage LEFT JOIN the table (for WHEN NOT MATCHED), so the
-- stage is the outer side of a nested loop; these settings leave the probe as the only sane
-- inner side:
--   * no hash or merge join: either reads the whole table;
--   * no sequential scan or materialized scan of the table inside the loop: on a table that
--     looks empty at planning time, that scan is repeated per staged row and reads the pages
--     this very merge is filling (measured: 0.4 s instead of 40 ms for 10,000 rows);
--   * the generic plan, made once per connection: with the settings above it has no choice
--     left that depends on the tables' sizes (it is the same probe per staged row on an empty
--     table and on a large one), so a custom plan would only add the MERGE's planning to
--     every flush;
--   * no JIT: compiling costs tens of milliseconds, more than a flush (and the disabled-path
--     costs above would trigger it).
-- The other statements of a flush are index-driven and unaffected.
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_material = off;
SET LOCAL plan_cache_mode = force_generic_plan;
SET LOCAL jit = off
