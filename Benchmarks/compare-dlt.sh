#!/usr/bin/env bash
# RadioIngest and dlt side by side: the same fake KEXP feed (a separate process on 127.0.0.1),
# the same throwaway PostgreSQL, one after the other, for each size given (default 100000 and
# 300000 plays). Installs dlt[postgres] into .build/dlt-venv from PyPI on first use; dlt is
# never a dependency of the product or its tests.
#   Benchmarks/compare-dlt.sh [PLAYS ...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] && set -- 100000 300000

venv=.build/dlt-venv
if ! "$venv/bin/python" -c 'import dlt' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'dlt[postgres]==1.31.0'
fi
swift build -c release --product radio-ingest-bench >/dev/null
DLT_PYTHON="$venv/bin/python" scripts/with-postgres.sh Benchmarks/dlt/side-by-side.sh "$@"
