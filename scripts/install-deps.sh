#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: a PostgreSQL server (only when
# absent) and the time zone database. Swift itself is expected on PATH.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -e /usr/share/zoneinfo/America/Los_Angeles ] || need+=(tzdata)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts a system cluster on install; the tests use their own throwaway one.
  $sudo service postgresql stop >/dev/null 2>&1 || true
fi
command -v swift >/dev/null || { echo "install-deps: swift is not on PATH" >&2; exit 1; }
