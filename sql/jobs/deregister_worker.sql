-- A worker leaves after its jobs are finished.  $1 worker id.
DELETE FROM workers WHERE id = $1
