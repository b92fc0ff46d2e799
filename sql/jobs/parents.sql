-- States of existing jobs named as parents of new jobs, locked until the enqueue commits so
-- none of them can finish in between (its completion would miss the new edges).
--   $1 job ids.
SELECT id, state FROM jobs WHERE id = ANY($1::int8[]) ORDER BY id FOR SHARE
