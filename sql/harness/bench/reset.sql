-- Empties the benchmark's scratch tables between runs.
TRUNCATE user_goal_progress, consumer_offsets, dead_letters, seen_events
