-- The server settings `goalstream doctor` judges, with their units (pg_settings' own).
SELECT name, setting, coalesce(unit, '') AS unit, source
FROM pg_settings
WHERE name = ANY($1::text[])
ORDER BY name
