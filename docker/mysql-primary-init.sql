-- docker-compose.yml, service `mysql` (runs once, when the data volume is initialised).
-- The replica of the `replica` profile connects as the benchmark user.
GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'cacheproof'@'%';
-- The replica initialises the same database and user itself: replication starts after them.
RESET BINARY LOGS AND GTIDS;
