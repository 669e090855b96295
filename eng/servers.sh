#!/usr/bin/env bash
# Installs (when missing) and starts the database servers the StockGuard test suites use, on loopback
# only, and creates the `stockguard` role and database on each. Safe to run again: a server that
# already answers is left alone, and `apt-get` runs only when a package is missing.
#
#   eng/servers.sh                 # PostgreSQL 15 and MariaDB
#   eng/servers.sh postgres        # only the named ones
#
# Connection strings the tests use by default (override with STOCKGUARD_POSTGRES / STOCKGUARD_MYSQL):
#   Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard
#   Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard
set -euo pipefail

servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(postgres mariadb)

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

for s in "${servers[@]}"; do
  case "$s" in
    postgres|postgresql) start_postgres ;;
    mariadb|mysql) start_mariadb ;;
    *) log "unknown server '$s' (known: postgres, mariadb)"; exit 2 ;;
  esac
done
