-- The population this schema holds, if any: players, default goals per player, progress rows.
SELECT players, goals, progress_rows FROM scale_population ORDER BY populated_at DESC LIMIT 1
