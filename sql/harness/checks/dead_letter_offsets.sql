-- Source positions of every dead letter (chaos verdicts: each malformed event exactly once).
SELECT partition, "offset"
FROM dead_letters
WHERE partition IS NOT NULL
