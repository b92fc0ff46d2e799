-- Jobs available or running (each count read from its partial index, cheap however many
-- finished jobs the table holds).
SELECT (SELECT count(*) FROM jobs WHERE state = 'available')
     + (SELECT count(*) FROM jobs WHERE state = 'running')
