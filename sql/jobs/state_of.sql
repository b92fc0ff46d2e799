-- A job's state.  $1 job id.
SELECT state FROM jobs WHERE id = $1
