-- Empties the progress table and the population record before a population (in the
-- population's transaction, so its COPY can write frozen rows).
TRUNCATE user_goal_progress, scale_population
