#!/usr/bin/env bash
# Renders the daemon's status page in headless Chromium (Debian's `chromium` package) and checks
# it, with real recorded station pages served on 127.0.0.1: NPR Composer days (WWFM, WCRB), a
# KEXP page and the KCRW element, ingested into a throwaway SQLite catalog. Saves a screenshot:
#   scripts/check-status-page.sh [docs/images/status-page.png]
set -euo pipefail
cd "$(dirname "$0")/.."
shot=${1:-docs/images/status-page.png}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check-status-page: chromium not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi
swift build --product radio-ingest >/dev/null
bin=$(swift build --show-bin-path)/radio-ingest
work=$(mktemp -d /tmp/radio-ingest-status.XXXXXX)
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [ -n "${fake_pid:-}" ] && kill "$fake_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 scripts/status-page/fake_stations.py > "$work/port" &
fake_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
fake="http://127.0.0.1:$(cat "$work/port")"
listen="127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

cat > "$work/radio-ingest.yaml" <<YAML
database: { url: "sqlite:$work/catalog.sqlite" }
http: { listen: "$listen" }
sources:
  wwfm:
    adapter: npr
    base_url: $fake/npr
    polite_delay: 0
    options: { station: 53a98e36e1c80647e855fc88 }
    schedule: { every: 1h, jitter: 0 }
  wcrb:
    adapter: npr
    base_url: $fake/npr
    polite_delay: 0
    options: { station: 5187f5a4e1c8b8ea3d2bd5a2, time_zone: America/New_York }
  kexp:
    adapter: kexp
    base_url: $fake/kexp/v2
    polite_delay: 0
    schedule: { every: 15m, jitter: 0 }
  kcrw:
    adapter: kcrw
    base_url: $fake/kcrw
    polite_delay: 0
YAML
cd "$work"
# A history with a hole in it (WWFM), a clean one (WCRB), a recorded KEXP page, and a KCRW run
# that fails on a broken page after storing the day before it.
"$bin" npr --source wwfm --start-date 2016-07-28 --end-date 2016-07-31 >/dev/null 2>&1
"$bin" npr --source wwfm --start-date 2016-07-20 --end-date 2016-07-23 >/dev/null 2>&1
"$bin" npr --source wcrb --start-date 2016-07-25 --end-date 2016-07-31 >/dev/null 2>&1
"$bin" kexp --start-date 2020-03-03 --end-date 2020-03-03 >/dev/null 2>&1
"$bin" kcrw --start-date 2026-01-25 --end-date 2026-01-27 >/dev/null 2>&1 || true
"$bin" daemon --log-format json > daemon.log 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do curl -sf "http://$listen/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 2  # the daemon's first scheduled runs
dom=$("$browser" --headless --no-sandbox --disable-gpu --dump-dom "http://$listen/" 2>/dev/null)
fail() { echo "check-status-page: $1" >&2; exit 1; }
for source in wwfm wcrb kexp kcrw; do
  grep -q "<h2>$source</h2>" <<<"$dom" || fail "no section for $source"
done
[ "$(grep -o '<svg' <<<"$dom" | wc -l)" -ge 4 ] || fail "fewer than four coverage timelines"
grep -q 'class="gap"' <<<"$dom" || fail "the hole in wwfm's history is not drawn"
grep -q 'class="covered"' <<<"$dom" || fail "no covered span drawn"
grep -q 'scheduler ticking' <<<"$dom" || fail "the daemon's scheduler is not shown ticking"
grep -q 'next run' <<<"$dom" || fail "no next run shown"
grep -q 'is not JSON\|not a plays page\|malformed\|not JSON' <<<"$dom" || fail "kcrw's failed run does not show its error"
cd - >/dev/null
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1500 --screenshot="$shot" "http://$listen/" >/dev/null 2>&1
[ -s "$shot" ] || fail "no screenshot"
echo "check-status-page: the page renders in Chromium with every source, its timeline and runs; screenshot in $shot"
