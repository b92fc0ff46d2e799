-- Records a finished population ($1 players × $2 goals = $3 rows, in $4 seconds).
INSERT INTO scale_population (players, goals, progress_rows, seconds) VALUES ($1, $2, $3, $4)
