-- How jobs $1 ended: how many are completed, the most completions any one of them has in its
-- history (1 when none ran twice to completion), and how many of their attempts were rescued.
SELECT (SELECT count(*) FROM jobs WHERE id = ANY($1::int8[]) AND state = 'completed'),
       (SELECT coalesce(max(n), 0) FROM (
            SELECT count(*) AS n FROM job_history
            WHERE job_id = ANY($1::int8[]) AND outcome = 'completed'
            GROUP BY job_id) per_job),
       (SELECT count(*) FROM job_executions WHERE job_id = ANY($1::int8[]) AND outcome = 'rescued')
