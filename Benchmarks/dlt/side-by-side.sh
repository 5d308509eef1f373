#!/usr/bin/env bash
# Inside scripts/with-postgres.sh: for each size, one feed process, then RadioIngest, then dlt.
set -euo pipefail
bench=.build/release/radio-ingest-bench
for plays in "$@"; do
  echo "== $plays plays"
  coproc FEED { exec "$bench" serve-feed --plays "$plays"; }
  read -r api <&"${FEED[0]}"
  "$bench" --feed "$api" --plays "$plays" --stores postgres | grep -v '^feed:'
  "$DLT_PYTHON" Benchmarks/dlt/kexp_to_postgres.py "$api" "${RADIO_INGEST_TEST_POSTGRES_URL%%\?*}"
  eval "exec ${FEED[1]}>&-"
  wait "$FEED_PID" 2>/dev/null || true
done
