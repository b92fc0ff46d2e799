COPY goalstream_stage (user_id, goal_id, mode, target, default_assigned, expires_at,
                       first_value, first_delta, last_value, max_value, delta_sum)
FROM STDIN (FORMAT binary)
