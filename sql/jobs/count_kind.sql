-- Jobs of a kind by state: (state, count).  $1 kind.
SELECT state, count(*) FROM jobs WHERE kind = $1 GROUP BY state ORDER BY state
