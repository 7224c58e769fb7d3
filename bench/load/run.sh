#!/usr/bin/env bash
# Load: buyers and merchants on gunicorn + PostgreSQL + RQ, against the bare-Flask baseline.
#
#   bench/load/run.sh                      # 3 minutes of load (+30 s warm-up), 24 users
#   LOAD_DURATION=10m LOAD_USERS=30 bench/load/run.sh
#   (also LOAD_WARMUP=30 s, LOAD_ORDERS=3000, LOAD_MERCHANTS=3, LOAD_BARE_USERS=3, LOAD_RQ_WORKERS=1,
#    LOAD_P99_LIMIT=300 ms, LOAD_WRK_DURATION=15s, LOAD_DB, LOAD_REDIS_URL, LOAD_WORKDIR)
#
# 1. prepare_load.py drops and builds the database (LOAD_DB, default apuri_load on
#    127.0.0.1:5432): two shops, their staff and LOAD_ORDERS delivered orders;
# 2. starts, each as its own process, as production runs them: a Redis server of the run's own,
#    the app under gunicorn with
#    gunicorn.conf.py (2 workers x 4 threads, APURI_ENV=production, jobs on Redis, JSON logs),
#    an RQ worker (`flask jobs worker`), the scheduler (`flask jobs scheduler`), a local SMTP sink
#    the worker sends the mail to, and the bare Flask app under the same gunicorn settings;
# 3. runs locust headless (bench/load/locustfile.py: buyers, merchants and the bare app's users
#    at once) for LOAD_WARMUP + LOAD_DURATION; the warm-up's figures are dropped (its failures are not);
# 4. waits for the RQ queue to drain and checks the outcome in the database (check_load.py);
# 5. measures the throughput of the buyer's order page and of the bare app with wrk, 15 s each;
# 6. prints the table (report.py) and writes it to bench/results/load-latest.md.
#
# Exits non-zero on any failure, any app request's p99 at or above LOAD_P99_LIMIT (300 ms), or a
# failed check. Production settings are relaxed only where loopback http needs it (PUBLIC_BASE_URL
# http://, SESSION_COOKIE_SECURE=false), which is why APURI_BENCHMARK_ONLY=1 is set, as in
# bench/run_order_page.sh.
set -euo pipefail

cd "$(dirname "$0")/../.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
GUNICORN=$VENV/bin/gunicorn
FLASK=$VENV/bin/flask
LOCUST=$VENV/bin/locust
DURATION=${LOAD_DURATION:-3m}
WARMUP=${LOAD_WARMUP:-30}
USERS=${LOAD_USERS:-24}
SPAWN_RATE=${LOAD_SPAWN_RATE:-4}
ORDERS=${LOAD_ORDERS:-3000}
MERCHANTS=${LOAD_MERCHANTS:-3}
BARE_USERS=${LOAD_BARE_USERS:-3}
P99_LIMIT=${LOAD_P99_LIMIT:-300}
RQ_WORKERS=${LOAD_RQ_WORKERS:-1}
WRK_DURATION=${LOAD_WRK_DURATION:-15s}
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}
export GUNICORN_THREADS=${GUNICORN_THREADS:-4}

die() { echo "ERROR: $*" >&2; exit 1; }
for tool in wrk curl redis-cli redis-server; do
    command -v "$tool" >/dev/null || die "$tool is not installed."
done
for bin in "$GUNICORN" "$LOCUST" "$FLASK"; do [ -x "$bin" ] || die "$bin is missing: run \`make venv\` and install locust."; done

seconds() { # 3m, 90s, 2h or 180 -> seconds
    local v=$1
    case "$v" in
        *h) echo $((${v%h} * 3600)) ;; *m) echo $((${v%m} * 60)) ;; *s) echo "${v%s}" ;; *) echo "$v" ;;
    esac
}
RUN_SECONDS=$(($(seconds "$DURATION") + WARMUP))

workdir=${LOAD_WORKDIR:-$(mktemp -d -t apuri-load.XXXXXX)}
mkdir -p "$workdir"
pids=()
names=()
stop_all() {
    local i
    for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" 2>/dev/null || true; done
    pids=()
    names=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

APP_PORT=$(free_port)
BARE_PORT=$(free_port)
SMTP_PORT=$(free_port)
export APURI_INSTANCE_DIR=$workdir/instance
export DATABASE_URL=${LOAD_DB:-postgresql+psycopg://postgres@127.0.0.1/apuri_load}
export SECRET_KEY=apuri-load-bench-secret-not-for-production-0123456789
export PUBLIC_BASE_URL=http://127.0.0.1:$APP_PORT
export APURI_ENV=production
export APURI_BENCHMARK_ONLY=1        # http:// base and cookies on loopback: the start-up check warns instead of refusing
export SESSION_COOKIE_SECURE=false   # plain http on loopback: the clients must send the cookie back
# Jobs (RQ) and rate-limit counts; JOBS_INLINE is off with it. A Redis server of the run's own
# (LOAD_REDIS_URL to use another, empty one): the machine's shared Redis is flushed by other
# work now and then, which took queued jobs with it in an early run.
REDIS_PORT=$(free_port)
export REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}
export SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
export INBOUND_EMAIL_SECRET=apuri-load-inbound-secret
export UPLOAD_ROOT=$workdir/uploads
export LOG_LEVEL=INFO                # JSON logs with one access line per request (duration_ms), as in production
unset JOBS_INLINE INLINE_SCHEDULER STORAGE_URL RATELIMIT_STORAGE_URI || true
mkdir -p "$UPLOAD_ROOT"

# start NAME command...: a background process whose output goes to $workdir/NAME.log
start() {
    local name=$1
    shift
    "$@" >"$workdir/$name.log" 2>&1 &
    pids+=("$!")
    names+=("$name")
}
wait_http() { # NAME URL PID
    for _ in $(seq 150); do
        if curl -s -o /dev/null "$2"; then return 0; fi
        kill -0 "$3" 2>/dev/null || break
        sleep 0.2
    done
    tail -n 30 "$workdir/$1.log" >&2
    die "$1 did not answer on $2 (its log is above)."
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit=unknown
if [ -f .git/HEAD ]; then
    head_ref=$(cat .git/HEAD)
    if [[ "$head_ref" == ref:* ]]; then
        ref=${head_ref#ref: }
        commit=$(cat ".git/$ref" 2>/dev/null || awk -v r="$ref" '$2 == r {print $1}' .git/packed-refs 2>/dev/null || echo unknown)
    else
        commit=$head_ref
    fi
    commit=${commit:0:7}
fi

echo "==> Preparing ${DATABASE_URL##*@}: two shops, staff, $ORDERS delivered orders (work dir $workdir)"
"$PY" bench/load/prepare_load.py --orders "$ORDERS" --out "$workdir/data.json" 2>"$workdir/prepare.log" || {
    tail -n 30 "$workdir/prepare.log" >&2
    die "prepare_load.py failed (its log is above)."
}
grep -E '^(==>|  )' "$workdir/prepare.log" | sed 's/^/    /'

if [ -z "${LOAD_REDIS_URL:-}" ]; then
    echo "==> Starting a Redis server of the run's own on :$REDIS_PORT (no persistence)"
    start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
[ "$(redis-cli -u "$REDIS_URL" dbsize)" = 0 ] || die "the Redis database $REDIS_URL is not empty."

echo "==> Starting the SMTP sink (:$SMTP_PORT), the app (:$APP_PORT) and the bare app (:$BARE_PORT) under gunicorn ($GUNICORN_WORKERS x $GUNICORN_THREADS gthread), $RQ_WORKERS RQ worker(s) and the scheduler"
start smtp "$PY" bench/load/smtp_sink.py --port "$SMTP_PORT" --log "$workdir/mail.jsonl"
start apuri env GUNICORN_BIND="127.0.0.1:$APP_PORT" "$GUNICORN" -c gunicorn.conf.py wsgi:app
app_pid=$!
start bare env GUNICORN_BIND="127.0.0.1:$BARE_PORT" "$GUNICORN" -c gunicorn.conf.py --pythonpath bench bare_app:app
bare_pid=$!
for n in $(seq "$RQ_WORKERS"); do start "worker$([ "$n" = 1 ] || echo "-$n")" "$FLASK" --app wsgi jobs worker; done
start scheduler "$FLASK" --app wsgi jobs scheduler
wait_http apuri "http://127.0.0.1:$APP_PORT/healthz" "$app_pid"
wait_http bare "http://127.0.0.1:$BARE_PORT/" "$bare_pid"
ready=$(curl -s "http://127.0.0.1:$APP_PORT/readyz")
[[ "$ready" == *'"ready"'* ]] || die "/readyz answered $ready"
for i in "${!pids[@]}"; do kill -0 "${pids[$i]}" 2>/dev/null || { tail -n 20 "$workdir/${names[$i]}.log" >&2; die "${names[$i]} stopped."; }; done

echo "==> locust: $USERS users ($MERCHANTS merchants, $BARE_USERS on the bare app, the rest buyers), ${WARMUP}s warm-up (dropped) + $DURATION measured"
export LOAD_DATA=$workdir/data.json LOAD_APP_URL=http://127.0.0.1:$APP_PORT LOAD_BARE_URL=http://127.0.0.1:$BARE_PORT
export LOAD_MERCHANTS=$MERCHANTS LOAD_BARE_USERS=$BARE_USERS LOAD_WARMUP=$WARMUP LOAD_SUMMARY=$workdir/summary.json
# The queue's depth every 5 s during the load: how far the worker falls behind.
(while sleep 5; do echo "$(date +%s) $(redis-cli -u "$REDIS_URL" llen rq:queue:apuri)"; done) >"$workdir/queue.txt" 2>/dev/null &
sampler_pid=$!
pids+=("$sampler_pid")
names+=(queue-sampler)
cpu_args=()
for i in "${!pids[@]}"; do [ "${names[$i]}" = queue-sampler ] || [ "${names[$i]}" = redis ] || cpu_args+=("${names[$i]}=${pids[$i]}"); done
"$PY" bench/load/cpu.py "${cpu_args[@]}" >"$workdir/cpu-before.json"
locust_status=0
"$LOCUST" -f bench/load/locustfile.py --headless -u "$USERS" -r "$SPAWN_RATE" -t "${RUN_SECONDS}s" \
    --stop-timeout 20 --csv "$workdir/locust" --only-summary --exit-code-on-error 0 \
    >"$workdir/locust.out" 2>&1 || locust_status=$?
[ "$locust_status" = 0 ] || { tail -n 40 "$workdir/locust.out" >&2; die "locust exited $locust_status."; }
load_during=$(cut -d' ' -f1-3 /proc/loadavg)
"$PY" bench/load/cpu.py "${cpu_args[@]}" >"$workdir/cpu-after.json"
kill "$sampler_pid" 2>/dev/null || true

echo "==> After the load: the queue drains, then the outcome in the database"
checks_status=0
"$PY" bench/load/check_load.py --mail "$workdir/mail.jsonl" --json "$workdir/checks.json" 2>"$workdir/checks.log" || checks_status=$?

echo "==> wrk -t2 -c16 -d$WRK_DURATION: the buyer's order page (signed in, page cache on) and the bare app, same servers"
link=$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); r = d["browse"][0]; print(r["link"], r["shop"], r["number"])' "$workdir/data.json")
read -r link_path shop number <<<"$link"
curl -s -c "$workdir/cookies" -o /dev/null "http://127.0.0.1:$APP_PORT$link_path"
cookie=$(awk '$6 == "apuri_session" {print $6 "=" $7}' "$workdir/cookies")
order_url="http://127.0.0.1:$APP_PORT/s/$shop/orders/$number"
status=$(curl -s -o "$workdir/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$order_url")
[ "$status" = 200 ] && grep -q "$number" "$workdir/page.html" || die "$order_url answered $status, not the order's page."
wrk -t2 -c16 -d3s -H "Cookie: $cookie" "$order_url" >/dev/null
wrk -t2 -c16 -d3s "http://127.0.0.1:$BARE_PORT/" >/dev/null
wrk -t2 -c16 -d"$WRK_DURATION" --latency --timeout 10s -H "Cookie: $cookie" "$order_url" >"$workdir/wrk-page.txt"
wrk -t2 -c16 -d"$WRK_DURATION" --latency --timeout 10s "http://127.0.0.1:$BARE_PORT/" >"$workdir/wrk-bare.txt"

stop_all
echo
mkdir -p bench/results
stamp=$(date -u '+%Y%m%dT%H%M%SZ')
header="Apuri under load: buyers and merchants on gunicorn + PostgreSQL + RQ (Redis of its own), $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit
$(nproc) CPUs (shared); load average before: $load_before, at the end of the load: $load_during
gunicorn $GUNICORN_WORKERS workers x $GUNICORN_THREADS threads (gthread) for the app and for the bare app; $RQ_WORKERS RQ worker(s); 1 scheduler; PostgreSQL; Redis
locust: $USERS users ($((USERS - MERCHANTS - BARE_USERS)) buyers, $MERCHANTS merchants, $BARE_USERS bare), ${WARMUP}s warm-up dropped, $DURATION measured; $ORDERS orders; p99 limit ${P99_LIMIT} ms; times in ms"
report_status=0
"$PY" bench/load/report.py --stats "$workdir/locust_stats.csv" --summary "$workdir/summary.json" \
    --checks "$workdir/checks.json" --checks-status "$checks_status" \
    --cpu-before "$workdir/cpu-before.json" --cpu-after "$workdir/cpu-after.json" --load-seconds "$RUN_SECONDS" \
    --queue "$workdir/queue.txt" --wrk-page "$workdir/wrk-page.txt" --wrk-bare "$workdir/wrk-bare.txt" --p99-limit "$P99_LIMIT" \
    --header "$header" --markdown "$workdir/report.md" || report_status=$?
cp "$workdir/report.md" bench/results/load-latest.md
cp "$workdir/report.md" "bench/results/load-$stamp.md"
cp "$workdir/locust_stats.csv" "bench/results/load-$stamp-locust_stats.csv"
echo
echo "Written: bench/results/load-latest.md (logs, CSVs and the access log in $workdir)"
exit "$report_status"
