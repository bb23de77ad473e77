#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the tests on a loopback port and print its URL.
# PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user (Debian's
# package creates it). Usage: export DATABASE_URL="$(bash scripts/postgres-cluster.sh [port])"
set -euo pipefail
port="${1:-55432}"
# A port already taken (another cluster, a second CI run) moves the cluster to the next free one.
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "postgres-cluster: no PostgreSQL server found (apt-get install -y postgresql)" >&2; exit 1; }
dir="$(mktemp -d /tmp/tollgate-pg.XXXXXX)"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_pg "'$bin/initdb' -D '$dir/data' -U postgres --auth=trust --no-sync -E UTF8 >'$dir/initdb.log' 2>&1"
# Loopback only; fsync off: the cluster is thrown away after the run, durability is not under test here.
as_pg "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-h 127.0.0.1 -p $port -k '$dir' -c fsync=off -c max_connections=300\" start >/dev/null"
echo "postgres://postgres@127.0.0.1:$port/postgres"
