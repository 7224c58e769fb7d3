#!/usr/bin/env bash
# Fault drill (issue 10): PostgreSQL restarts while the buyer order page is under load.
#
# Starts the app under gunicorn (gunicorn.conf.py, as bench/run_order_page.sh does) on a
# PostgreSQL database, puts wrk on the signed-in buyer's order page, restarts PostgreSQL in the
# middle (`pg_ctlcluster <version> main restart`) and reports:
#   - requests answered, non-2xx answers and socket errors (all of them fall in the outage:
#     the run checks there are none before it), and a per-second timeline around the restart;
#   - from a probe asking the page every 0.1 s: the first failed answer, the last one, and the
#     time from the restart until the page answers 200 again;
#   - that the app was never restarted: the gunicorn master and worker PIDs before and after
#     are the same, and no worker was booted again.
#
#   bench/faults/db_restart.sh
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/apuri_faults bench/faults/db_restart.sh
#
# Knobs (environment): DRILL_DURATION (30, seconds of load), DRILL_RESTART_AT (10, seconds into
# the load), DRILL_CONNECTIONS (16), DRILL_WRK_THREADS (2), PG_VERSION (the newest in
# /etc/postgresql), PG_CLUSTER (main), GUNICORN_WORKERS (2), GUNICORN_THREADS (4).
#
# It restarts the whole PostgreSQL cluster: every database on it (other test runs too) loses
# its connections for a moment. Needs root or the cluster's owner for pg_ctlcluster.
set -euo pipefail

cd "$(dirname "$0")/../.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
GUNICORN=$VENV/bin/gunicorn
DURATION=${DRILL_DURATION:-30}
RESTART_AT=${DRILL_RESTART_AT:-10}
CONNECTIONS=${DRILL_CONNECTIONS:-16}
WRK_THREADS=${DRILL_WRK_THREADS:-2}
PG_VERSION=${PG_VERSION:-$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)}
PG_CLUSTER=${PG_CLUSTER:-main}
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}
export GUNICORN_THREADS=${GUNICORN_THREADS:-4}
export DATABASE_URL=${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1/apuri_faults}

die() { echo "ERROR: $*" >&2; exit 1; }
for tool in wrk curl pg_ctlcluster; do
    command -v "$tool" >/dev/null || die "$tool is not installed."
done
[ -x "$GUNICORN" ] || die "$GUNICORN is missing: run \`make venv\` first."
[ -n "$PG_VERSION" ] || die "no PostgreSQL cluster found in /etc/postgresql (set PG_VERSION)."
[[ "$DATABASE_URL" == postgresql* ]] || die "DATABASE_URL must be a PostgreSQL database (postgresql+psycopg://…)."
database=${DATABASE_URL##*/}
database=${database%%\?*}
[ "$database" != test ] || die "not the suite's \`test\` database: prepare.py writes to it."
(( RESTART_AT < DURATION )) || die "DRILL_RESTART_AT must be less than DRILL_DURATION."

workdir=$(mktemp -d -t apuri-db-restart.XXXXXX)
server_pid=
probe_pid=
wrk_pid=
cleanup() {
    local pid
    for pid in "$probe_pid" "$wrk_pid"; do
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    done
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
export APURI_INSTANCE_DIR=$workdir/instance
export SECRET_KEY=apuri-drill-secret-not-for-production
export PUBLIC_BASE_URL=http://127.0.0.1:$PORT
export APURI_ENV=production
export APURI_BENCHMARK_ONLY=1  # production settings without Redis/SMTP here: the start-up check warns
export SESSION_COOKIE_SECURE=false  # plain http on loopback: curl must send the cookie back
export LOG_LEVEL=WARNING
unset REDIS_URL  # jobs inline: this drill is about the database

echo "==> Database $database on PostgreSQL $PG_VERSION/$PG_CLUSTER (made if missing), one shop and one order"
"$PY" - <<'PYTHON' || die "could not reach PostgreSQL or create the database."
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first() is None:
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
admin.dispose()
PYTHON
link=$("$PY" bench/prepare.py --items 20 --events 30 2>"$workdir/prepare.log" | tail -n 1) || {
    cat "$workdir/prepare.log" >&2
    die "bench/prepare.py failed (its output is above)."
}

echo "==> gunicorn ($GUNICORN_WORKERS workers x $GUNICORN_THREADS threads) on :$PORT"
GUNICORN_BIND="127.0.0.1:$PORT" "$GUNICORN" -c gunicorn.conf.py wsgi:app >"$workdir/gunicorn.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" || {
    tail -n 20 "$workdir/gunicorn.log" >&2
    die "gunicorn did not start (its log is above)."
}

answer=$(curl -s -c "$workdir/cookies" -o /dev/null -w '%{http_code} %{redirect_url}' "$link")
order_url=${answer#* }
[ "${answer%% *}" = 302 ] && [[ "$order_url" == */orders/* ]] || die "the signed link answered '$answer'."
cookie=$(awk '$6 == "apuri_session" {print $6 "=" $7}' "$workdir/cookies")
[ -n "$cookie" ] || die "the signed link set no apuri_session cookie."
status=$(curl -s -o "$workdir/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$order_url")
[ "$status" = 200 ] && grep -q "SKU-0020" "$workdir/page.html" || die "$order_url answered $status, not the order page."

cat >"$workdir/timeline.lua" <<'LUA'
-- Answers per wall-clock second: 2xx and the rest (socket errors are counted by wrk itself).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = {}; bad = {} end
function response(status, headers, body)
  local s = os.time()
  if status >= 200 and status < 300 then ok[s] = (ok[s] or 0) + 1 else bad[s] = (bad[s] or 0) + 1 end
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("ok")) do all[k] = all[k] or {0, 0}; all[k][1] = all[k][1] + v end
    for k, v in pairs(t:get("bad")) do all[k] = all[k] or {0, 0}; all[k][2] = all[k][2] + v end
  end
  local keys = {}
  for k in pairs(all) do table.insert(keys, k) end
  table.sort(keys)
  for _, k in ipairs(keys) do io.write(string.format("SECOND %d %d %d\n", k, all[k][1], all[k][2])) end
end
LUA

echo "==> Warm-up (5 s) without faults: it must see no error"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d5s --timeout 10s -H "Cookie: $cookie" "$order_url" >"$workdir/warmup.wrk"
if grep -q "Non-2xx" "$workdir/warmup.wrk" || grep -q "Socket errors" "$workdir/warmup.wrk"; then
    cat "$workdir/warmup.wrk" >&2
    die "the page had errors before any fault: the drill would mean nothing."
fi

pids() { echo "$server_pid $(pgrep -P "$server_pid" | sort -n | tr '\n' ' ')"; }
pids_before=$(pids)
boots_before=$(grep -c "Booting worker" "$workdir/gunicorn.log" || true)

probe() { # the page every 0.1 s: "<time> <status>" (000: no answer within 5 s)
    while :; do
        printf '%s %s\n' "$(now)" "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' -H "Cookie: $cookie" "$order_url")"
        sleep 0.1
    done
}
probe >"$workdir/probe.log" &
probe_pid=$!

echo "==> wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on $order_url; PostgreSQL restarts at ${RESTART_AT} s"
load_started=$(now)
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$workdir/timeline.lua" \
    -H "Cookie: $cookie" "$order_url" >"$workdir/drill.wrk" &
wrk_pid=$!
sleep "$RESTART_AT"
restart_started=$(now)
pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart
restart_done=$(now)
echo "    pg_ctlcluster $PG_VERSION $PG_CLUSTER restart took $(since "$restart_started" "$restart_done") s"
wait "$wrk_pid"
wrk_pid=
sleep 1
kill "$probe_pid" 2>/dev/null || true
wait "$probe_pid" 2>/dev/null || true
probe_pid=

pids_after=$(pids)
boots_after=$(grep -c "Booting worker" "$workdir/gunicorn.log" || true)
final=$(curl -s -o "$workdir/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$order_url")
grep -q "SKU-0020" "$workdir/page.html" || final="$final (without the order)"

# The probe's view: failures from the restart on, and the first 200 after the last failure.
read -r probes probe_failures first_failure last_failure back_at <<<"$(awk -v t0="$restart_started" '
    { n++ }
    $1 >= t0 && $2 != 200 { f++; if (!first) first = $1; last = $1 }
    END {
        print n, f + 0, (first ? first : "-"), (last ? last : "-"), "-"
    }' "$workdir/probe.log")"
if [ "$probe_failures" -gt 0 ]; then
    back_at=$(awk -v last="$last_failure" '$1 > last && $2 == 200 { print $1; exit }' "$workdir/probe.log")
fi
failure_codes=$(awk -v t0="$restart_started" '$1 >= t0 && $2 != 200 { print $2 }' "$workdir/probe.log" | sort | uniq -c |
    awk '{printf "%s%s x%s", sep, $2, $1; sep = ", "}')

requests=$(awk '/requests in/ {print $1}' "$workdir/drill.wrk")
non2xx=$(awk -F': *' '/Non-2xx/ {print $2}' "$workdir/drill.wrk")
socket_errors=$(grep "Socket errors" "$workdir/drill.wrk" | sed 's/^ *//' || true)
t0=${load_started%.*}

echo
echo "## Drill: PostgreSQL restart under load ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $PG_VERSION ($PG_CLUSTER), database $database"
echo "- app: gunicorn $GUNICORN_WORKERS workers x $GUNICORN_THREADS threads (gthread), APURI_ENV=production, pool_pre_ping on"
echo "- load: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on the signed-in buyer's order page (20 items, 30 tracking events)"
echo "- restart: \`pg_ctlcluster $PG_VERSION $PG_CLUSTER restart\` at $(since "$load_started" "$restart_started") s, took $(since "$restart_started" "$restart_done") s"
echo
echo "| figure | value |"
echo "|---|---|"
echo "| requests answered (whole run) | $requests |"
echo "| requests/sec | $(awk '/^Requests\/sec:/ {print $2}' "$workdir/drill.wrk") |"
echo "| non-2xx answers (all in the outage) | ${non2xx:-0} |"
echo "| socket errors | ${socket_errors:-none} |"
echo "| probe requests / failed from the restart on | $probes / $probe_failures${failure_codes:+ ($failure_codes)} |"
if [ "$probe_failures" -gt 0 ]; then
    echo "| first / last failed probe after the restart began | +$(since "$restart_started" "$first_failure") s / +$(since "$restart_started" "$last_failure") s |"
    echo "| time from the restart until the page answered 200 again | $(since "$restart_started" "$back_at") s |"
    echo "| the same, from pg_ctlcluster returning (negative: back before it returned) | $(since "$restart_done" "$back_at") s |"
else
    echo "| time until 200 again | no failed probe: the page never stopped answering 200 |"
fi
echo "| app processes before (master, workers) | $pids_before |"
echo "| app processes after | $pids_after |"
if [ "$pids_before" = "$pids_after" ] && [ "$boots_before" = "$boots_after" ] && kill -0 "$server_pid" 2>/dev/null; then
    echo "| app restarted? | no: the same PIDs, no worker booted again |"
else
    echo "| app restarted? | YES: PIDs or worker boots changed ($boots_before → $boots_after boots) |"
fi
echo "| the page after the drill | $final |"
echo
echo "Per second (2xx / other answers), around the restart:"
echo
echo '```'
awk -v t0="$t0" -v r="${restart_started%.*}" '/^SECOND/ {
    s = $2 - t0; mark = ($2 == r) ? "  <- restart" : ""
    if ($2 >= r - 3 && $2 <= r + 8 || $4 > 0) printf "t+%3ds  %6d ok  %5d other%s\n", s, $3, $4, mark
}' "$workdir/drill.wrk"
echo '```'
echo
echo "wrk's own report:"
echo
echo '```'
grep -v '^SECOND' "$workdir/drill.wrk"
echo '```'
echo
errors_logged=$(grep -c "OperationalError" "$workdir/gunicorn.log" || true)
echo "gunicorn's log: $errors_logged lines naming OperationalError (the failed requests of the outage); first one:"
echo
echo '```'
grep -m 1 "OperationalError" "$workdir/gunicorn.log" | cut -c1-300 || echo "(none)"
echo '```'
