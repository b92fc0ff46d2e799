-- Jobs in a state.  $1 state.
SELECT count(*) FROM jobs WHERE state = $1
