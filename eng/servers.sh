#!/usr/bin/env bash
# Installs (when missing) and starts the database servers the StockGuard test suites use, on loopback
# only, and creates the `stockguard` role and database on each. Safe to run again: a server that
# already answers is left alone, and `apt-get` runs only when a package is missing.
#
#   eng/servers.sh                 # PostgreSQL 15, MariaDB, PgBouncer, Redis (single and a six-node cluster) and
#                                  # Chromium (for the shop's browser test)
#   eng/servers.sh postgres        # only the named ones
#   eng/servers.sh redis-cluster1  # also a one-master Redis Cluster on 127.0.0.1:7100-7101, for the load harness only
#
# Connection strings the tests use by default (override with STOCKGUARD_POSTGRES / STOCKGUARD_MYSQL /
# STOCKGUARD_PGBOUNCER):
#   Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard
#   Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard
#   Host=127.0.0.1;Port=6432;Username=stockguard;Password=stockguard;Database=stockguard   (PgBouncer, transaction pooling)
#   127.0.0.1:6379                                   (Redis, STOCKGUARD_REDIS)
#   127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002     (Redis Cluster seeds, STOCKGUARD_REDIS_CLUSTER; nodes 7000-7005)
set -euo pipefail

servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(postgres mariadb pgbouncer redis chromium)

log() { printf '[servers] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "$what did not come up within ${seconds}s"; return 1
}

pg_conf_dir() { echo "/etc/postgresql/15/main/conf.d"; }

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    log "PostgreSQL already answers on 127.0.0.1:5432"
  else
    if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then apt_install postgresql-15 postgresql-client-15; fi
    if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main'; then
      as_root pg_createcluster 15 main >/dev/null
    fi
    # Loopback only. fsync stays on: tests and benchmarks measure durable commits.
    as_root mkdir -p "$(pg_conf_dir)"
    as_root tee "$(pg_conf_dir)/stockguard.conf" >/dev/null <<'CONF'
listen_addresses = '127.0.0.1'
port = 5432
max_connections = 500
CONF
    as_root pg_ctlcluster 15 main start || true
    wait_for PostgreSQL 60 pg_isready -q -h 127.0.0.1 -p 5432
    log "PostgreSQL started"
  fi
  # Peer authentication over the local socket: the postgres OS user is the superuser.
  as_root su postgres -c "psql -q -v ON_ERROR_STOP=1 -d postgres" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stockguard') THEN
    CREATE ROLE stockguard LOGIN SUPERUSER PASSWORD 'stockguard';
  END IF;
END $$;
SELECT 'CREATE DATABASE stockguard OWNER stockguard' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'stockguard')\gexec
SQL
}

mariadb_ping() { mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -u stockguard -pstockguard ping; }

start_mariadb() {
  if mariadb_ping >/dev/null 2>&1; then
    log "MariaDB already answers on 127.0.0.1:3306"
    return
  fi
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then apt_install mariadb-server mariadb-client; fi
  as_root mkdir -p /etc/mysql/mariadb.conf.d /run/mysqld
  as_root chown mysql:mysql /run/mysqld
  as_root tee /etc/mysql/mariadb.conf.d/99-stockguard.cnf >/dev/null <<'CNF'
[mysqld]
bind-address = 127.0.0.1
port = 3306
max_connections = 1000
innodb_lock_wait_timeout = 50
CNF
  if ! as_root mysqladmin --protocol=socket ping >/dev/null 2>&1; then
    if [ ! -d /var/lib/mysql/mysql ]; then as_root mariadb-install-db --user=mysql >/dev/null; fi
    # mysqld_safe supervises the server without systemd (containers, CI machines).
    as_root bash -c 'nohup mysqld_safe --user=mysql >/var/log/stockguard-mariadb.log 2>&1 &'
    wait_for MariaDB 60 as_root mysqladmin --protocol=socket ping
    log "MariaDB started"
  fi
  as_root mariadb --protocol=socket <<'SQL'
CREATE DATABASE IF NOT EXISTS stockguard;
CREATE USER IF NOT EXISTS 'stockguard'@'127.0.0.1' IDENTIFIED BY 'stockguard';
CREATE USER IF NOT EXISTS 'stockguard'@'localhost' IDENTIFIED BY 'stockguard';
GRANT ALL PRIVILEGES ON *.* TO 'stockguard'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'stockguard'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  wait_for "MariaDB on 127.0.0.1:3306" 30 mariadb_ping
}

pgbouncer_ping() { PGPASSWORD=stockguard psql -h 127.0.0.1 -p 6432 -U stockguard -d stockguard -tAqc 'SELECT 1'; }

# Debian's PgBouncer in transaction pooling mode on 127.0.0.1:6432, in front of the PostgreSQL above: each
# transaction may run on another server session, which is how the store is tested behind a pooler.
start_pgbouncer() {
  if pgbouncer_ping >/dev/null 2>&1; then
    log "PgBouncer already answers on 127.0.0.1:6432"
    return
  fi
  if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then apt_install pgbouncer; fi
  local dir=/etc/pgbouncer
  as_root mkdir -p "$dir" /var/run/postgresql /var/log/postgresql
  as_root chown postgres:postgres /var/run/postgresql /var/log/postgresql
  # The password in clear lets PgBouncer answer SCRAM from clients and log in to PostgreSQL with SCRAM itself.
  as_root tee "$dir/stockguard-userlist.txt" >/dev/null <<'USERS'
"stockguard" "stockguard"
USERS
  as_root tee "$dir/stockguard.ini" >/dev/null <<'INI'
[databases]
stockguard = host=127.0.0.1 port=5432 dbname=stockguard

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/stockguard-userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = /var/log/postgresql/stockguard-pgbouncer.log
pidfile = /var/run/postgresql/stockguard-pgbouncer.pid
INI
  as_root chown postgres:postgres "$dir/stockguard.ini" "$dir/stockguard-userlist.txt"
  as_root chmod 640 "$dir/stockguard-userlist.txt"
  # PgBouncer refuses to run as root: the postgres user runs it, daemonised.
  as_root su postgres -s /bin/sh -c "pgbouncer -d $dir/stockguard.ini"
  wait_for "PgBouncer on 127.0.0.1:6432" 30 pgbouncer_ping
  log "PgBouncer started"
}

# Debian's Chromium, which the shop's browser test drives headless through Playwright (tests/StockGuard.Shop.Tests);
# Playwright itself downloads no browser.
install_chromium() {
  if [ -x /usr/bin/chromium ]; then
    log "Chromium already installed"
    return
  fi
  apt_install chromium
  log "Chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
}

redis_dir=/var/lib/stockguard-redis
redis_ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

# Starts one redis-server on 127.0.0.1:<port>, daemonised, with its data in $redis_dir/<port>. An append-only file
# with fsync every second is Redis's usual durable setting; the store's docs say what an acknowledged sale survives.
start_redis_node() { # start_redis_node <port> [extra redis-server arguments...]
  local port=$1; shift
  if redis_ping "$port"; then return 0; fi
  as_root mkdir -p "$redis_dir/$port"
  as_root redis-server --bind 127.0.0.1 --port "$port" --dir "$redis_dir/$port" --daemonize yes \
    --pidfile "$redis_dir/$port/redis.pid" --logfile "$redis_dir/$port/redis.log" \
    --appendonly yes --appendfsync everysec --save '' "$@"
  wait_for "Redis on 127.0.0.1:$port" 30 redis_ping "$port"
}

# A single Redis on 127.0.0.1:6379 and a Redis Cluster of six nodes on 127.0.0.1:7000-7005: three masters, each
# with one replica. A node that is down (a failover test kills masters) is started again and rejoins the cluster
# from its nodes.conf as a replica; the cluster is created only once.
start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server redis-tools; fi
  if redis_ping 6379; then log "Redis already answers on 127.0.0.1:6379"; else start_redis_node 6379; log "Redis started on 127.0.0.1:6379"; fi
  local port
  for port in 7000 7001 7002 7003 7004 7005; do
    start_redis_node "$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
  done
  if redis-cli -h 127.0.0.1 -p 7000 cluster info 2>/dev/null | grep -q 'cluster_known_nodes:6'; then
    log "Redis Cluster already formed on 127.0.0.1:7000-7005"
  else
    redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 127.0.0.1:7004 \
      127.0.0.1:7005 --cluster-replicas 1 --cluster-yes >/dev/null
    log "Redis Cluster created on 127.0.0.1:7000-7005"
  fi
  wait_for "Redis Cluster state ok" 60 sh -c "redis-cli -h 127.0.0.1 -p 7000 cluster info | grep -q 'cluster_state:ok'"
  wait_for "Redis Cluster replicas" 60 sh -c "[ \$(redis-cli -h 127.0.0.1 -p 7000 cluster nodes | grep -c slave) -eq 3 ]"
}

# A one-master Redis Cluster (all 16384 slots on 127.0.0.1:7100, its replica on 7101) for the load harness, which
# compares its throughput with the three-master cluster's in one run (docs/redis.md). Not started by default, and no
# test needs it. `redis-cli --cluster create` wants three masters, so the slots are assigned by hand.
start_redis_cluster1() {
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server redis-tools; fi
  local port
  for port in 7100 7101; do
    start_redis_node "$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
  done
  if ! redis-cli -h 127.0.0.1 -p 7100 cluster info 2>/dev/null | grep -q 'cluster_slots_assigned:16384'; then
    redis-cli -h 127.0.0.1 -p 7100 cluster addslotsrange 0 16383 >/dev/null
  fi
  local master
  master=$(redis-cli -h 127.0.0.1 -p 7100 cluster myid)
  if redis-cli -h 127.0.0.1 -p 7101 cluster nodes 2>/dev/null | grep -q "slave $master"; then
    log "Redis Cluster (one master) already formed on 127.0.0.1:7100-7101"
  else
    redis-cli -h 127.0.0.1 -p 7101 cluster meet 127.0.0.1 7100 >/dev/null
    # The replica can follow the master only once the handshake has taught it the master's node id.
    wait_for "Redis Cluster (one master) meeting" 30 sh -c "redis-cli -h 127.0.0.1 -p 7101 cluster nodes | grep -q '^$master '"
    wait_for "Redis Cluster (one master) replication" 30 sh -c "redis-cli -h 127.0.0.1 -p 7101 cluster replicate $master | grep -q OK"
    log "Redis Cluster (one master) created on 127.0.0.1:7100-7101"
  fi
  wait_for "Redis Cluster (one master) state ok" 60 sh -c "redis-cli -h 127.0.0.1 -p 7100 cluster info | grep -q 'cluster_state:ok'"
  wait_for "Redis Cluster (one master) replica" 60 sh -c "redis-cli -h 127.0.0.1 -p 7100 cluster nodes | grep -q slave"
}

for s in "${servers[@]}"; do
  case "$s" in
    postgres|postgresql) start_postgres ;;
    mariadb|mysql) start_mariadb ;;
    pgbouncer) start_pgbouncer ;;
    redis|redis-cluster) start_redis ;;
    redis-cluster1) start_redis_cluster1 ;;
    chromium) install_chromium ;;
    *) log "unknown server '$s' (known: postgres, mariadb, pgbouncer, redis, redis-cluster1, chromium)"; exit 2 ;;
  esac
done
