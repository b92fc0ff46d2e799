-- Readiness probe: the database answers a query on this connection.
SELECT 1
