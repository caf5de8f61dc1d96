-- docker-compose.yml, service `mysql-replica` (profile `replica`; runs once, when its data volume
-- is initialised). The benchmark user may read the replica's status, as in the local environment.
GRANT REPLICATION CLIENT ON *.* TO 'cacheproof'@'%';
RESET BINARY LOGS AND GTIDS;
-- Through Toxiproxy (`cacheproof-replication`), so replica lag can be injected on the link.
CHANGE REPLICATION SOURCE TO
  SOURCE_HOST = 'toxiproxy',
  SOURCE_PORT = 23307,
  SOURCE_USER = 'cacheproof',
  SOURCE_PASSWORD = 'cacheproof',
  SOURCE_AUTO_POSITION = 1,
  SOURCE_CONNECT_RETRY = 1,
  GET_SOURCE_PUBLIC_KEY = 1;
START REPLICA;
