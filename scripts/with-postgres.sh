#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on 127.0.0.1, then stops and deletes it.
# The command sees RADIO_INGEST_TEST_POSTGRES_URL. PostgreSQL refuses to run as root, so as
# root the cluster runs as the 'postgres' user (created by Debian's package).
#   scripts/with-postgres.sh swift test
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with-postgres: PostgreSQL server binaries not found; run scripts/install-deps.sh first" >&2
  exit 1
fi

run_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/radio-ingest-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  run_as "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# Password authentication over TCP, as a real server has (tests check how a refusal reads);
# the Unix socket stays trusted for this script's own set-up.
run_as "$pg_bin/initdb" -D "$dir/data" --auth-local=trust --auth-host=scram-sha-256 -U postgres --no-sync >/dev/null
run_as "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
password="radio-ingest-test"
run_as "$pg_bin/psql" -q -h "$dir" -p "$port" -U postgres -d postgres -c "ALTER USER postgres PASSWORD '$password'"
run_as "$pg_bin/createdb" -h "$dir" -p "$port" -U postgres radio_ingest_test

export RADIO_INGEST_TEST_POSTGRES_URL="postgres://postgres:$password@127.0.0.1:$port/radio_ingest_test?sslmode=disable"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
