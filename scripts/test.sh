#!/usr/bin/env bash
# The whole test suite: installs PostgreSQL when absent, starts a throwaway cluster, runs
# `swift test` against it and a real SQLite file, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec scripts/with-postgres.sh swift test "$@"
