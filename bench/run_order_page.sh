#!/usr/bin/env bash
# Benchmark the buyer order page (/s/<slug>/orders/<number>, signed-in buyer, 20 items,
# 30 tracking events) under gunicorn, beside a bare Flask "hello" app under the same gunicorn
# settings (gunicorn.conf.py: 2 workers x 4 threads, gthread), with wrk. Prints requests/sec of
# both and their ratio, and writes them to bench/results/latest.txt.
#
#   bench/run_order_page.sh                                   # SQLite file in a temp dir
#   DATABASE_URL=postgresql+psycopg:///apuri_bench bench/run_order_page.sh   # not the suite's `test` database
#
# Knobs (environment): BENCH_DURATION (15s), BENCH_CONNECTIONS (16), BENCH_WRK_THREADS (2),
# BENCH_ITEMS (20), BENCH_EVENTS (30), BENCH_UNCACHED (1: also measure the page with the
# rendered-page cache off), BENCH_ROUNDS (3), GUNICORN_WORKERS (2), GUNICORN_THREADS (4).
#
# All servers run side by side and wrk takes turns between them, BENCH_ROUNDS times; each one's
# best round counts. On a busy machine more rounds keep a burst of other work from deciding
# the ratio.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
GUNICORN=$VENV/bin/gunicorn
DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
ITEMS=${BENCH_ITEMS:-20}
EVENTS=${BENCH_EVENTS:-30}
UNCACHED=${BENCH_UNCACHED:-1}
ROUNDS=${BENCH_ROUNDS:-3}
TARGET_RATIO=0.50
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}
export GUNICORN_THREADS=${GUNICORN_THREADS:-4}

die() { echo "ERROR: $*" >&2; exit 1; }
for tool in wrk curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install -y $tool)."
done
[ -x "$GUNICORN" ] || die "$GUNICORN is missing: run \`make venv\` first."

workdir=$(mktemp -d -t apuri-bench.XXXXXX)
server_pids=()
stop_servers() {
    local pid
    for pid in "${server_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${server_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    server_pids=()
}
cleanup() {
    stop_servers
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# One app's settings, the same in prepare.py and in gunicorn: its own database and a fixed secret
# (so the link prepare.py signs opens in gunicorn's workers).
APP_PORT=$(free_port)
UNCACHED_PORT=$(free_port)
BARE_PORT=$(free_port)
export APURI_INSTANCE_DIR=$workdir/instance
export DATABASE_URL=${DATABASE_URL:-sqlite:///$workdir/bench.sqlite3}
export SECRET_KEY=apuri-bench-secret-not-for-production
export PUBLIC_BASE_URL=http://127.0.0.1:$APP_PORT
export APURI_ENV=production
export APURI_BENCHMARK_ONLY=1  # production settings on SQLite here: the start-up check warns instead of refusing
export SESSION_COOKIE_SECURE=false  # plain http on loopback: curl must send the cookie back
export LOG_LEVEL=WARNING
database=${DATABASE_URL%%:*}

# start_server NAME PORT [VAR=value ...] -- gunicorn arguments
start_server() {
    local name=$1 port=$2
    shift 2
    local -a vars=()
    while [ "$1" != "--" ]; do vars+=("$1"); shift; done
    shift
    env "${vars[@]}" GUNICORN_BIND="127.0.0.1:$port" "$GUNICORN" -c gunicorn.conf.py "$@" \
        >"$workdir/$name.log" 2>&1 &
    local pid=$!
    server_pids+=("$pid")
    for _ in $(seq 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    tail -n 20 "$workdir/$name.log" >&2
    die "gunicorn for $name did not start on port $port (its log is above)."
}

# run_wrk NAME URL [header]: one round of wrk; $workdir/NAME.wrk keeps the best round's report.
run_wrk() {
    local name=$1 url=$2 header=${3:-}
    local -a args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency --timeout 10s)
    if [ -n "$header" ]; then args+=(-H "$header"); fi
    wrk "${args[@]}" -d"$DURATION" "$url" >"$workdir/round.wrk"
    # Wrong answers or broken connections make the figure meaningless; slow answers are the figure.
    if grep -q "Non-2xx" "$workdir/round.wrk" ||
        grep -Eq "Socket errors: connect [1-9]|read [1-9]|write [1-9]" "$workdir/round.wrk"; then
        cat "$workdir/round.wrk" >&2
        die "wrk saw errors or non-2xx answers from $name (report above)."
    fi
    if grep -q "Socket errors" "$workdir/round.wrk"; then
        echo "    ($name: $(grep -o 'timeout [0-9]*' "$workdir/round.wrk") requests took longer than 10s and are not counted)"
    fi
    local rps
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$workdir/round.wrk")
    echo "    round $round, $name: $rps req/s"
    if [ ! -f "$workdir/$name.wrk" ] || awk -v a="$rps" -v b="$(rps_of "$name")" 'BEGIN {exit !(a > b)}'; then
        mv "$workdir/round.wrk" "$workdir/$name.wrk"
    fi
}
warm_up() { # URL [header]: every worker and thread imports, compiles and caches before measuring
    local -a args=(-t"$WRK_THREADS" -c"$CONNECTIONS" -d3s)
    if [ -n "${2:-}" ]; then args+=(-H "$2"); fi
    wrk "${args[@]}" "$1" >/dev/null
}
rps_of() { awk '/^Requests\/sec:/ {print $2}' "$workdir/$1.wrk"; }
latency() { # NAME -> "avg 1.23ms, p99 4.56ms"
    awk '/^ +Latency +[0-9]/ {avg=$2} /^ +99%/ {p99=$2} END {printf "avg %s, p99 %s", avg, p99}' "$workdir/$1.wrk"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "==> Preparing the $database database: one shop, one order with $ITEMS items and $EVENTS tracking events"
link=$("$PY" bench/prepare.py --items "$ITEMS" --events "$EVENTS" 2>"$workdir/prepare.log" | tail -n 1) || {
    cat "$workdir/prepare.log" >&2
    die "bench/prepare.py failed (its output is above)."
}

echo "==> Starting gunicorn ($GUNICORN_WORKERS workers x $GUNICORN_THREADS threads, gthread) for Apuri (wsgi:app) on :$APP_PORT and the bare app on :$BARE_PORT"
start_server apuri "$APP_PORT" -- wsgi:app
start_server bare "$BARE_PORT" -- --pythonpath bench bare_app:app
if [ "$UNCACHED" = 1 ]; then
    echo "==> ... and Apuri with the rendered-page cache off (ORDER_PAGE_CACHE_SIZE=0) on :$UNCACHED_PORT"
    start_server apuri-uncached "$UNCACHED_PORT" ORDER_PAGE_CACHE_SIZE=0 -- wsgi:app
fi

echo "==> Opening the order's signed link to get the buyer's session cookie"
answer=$(curl -s -c "$workdir/cookies" -o /dev/null -w '%{http_code} %{redirect_url}' "$link")
order_url=${answer#* }
[ "${answer%% *}" = 302 ] && [[ "$order_url" == */orders/* ]] || die "the signed link answered '$answer', not a redirect to the order."
cookie=$(awk '$6 == "apuri_session" {print $6 "=" $7}' "$workdir/cookies")
[ -n "$cookie" ] || die "the signed link set no apuri_session cookie."
uncached_url=${order_url/:$APP_PORT\//:$UNCACHED_PORT/}
check_page() { # URL: the signed-in buyer's order page, not a redirect to the lookup
    local status
    status=$(curl -s -o "$workdir/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$1")
    [ "$status" = 200 ] && grep -q "SKU-$(printf '%04d' "$ITEMS")" "$workdir/page.html" ||
        die "$1 answered $status without the order's last item: the benchmark would measure the wrong page."
}
check_page "$order_url"
if [ "$UNCACHED" = 1 ]; then check_page "$uncached_url"; fi
page_bytes=$(wc -c <"$workdir/page.html")

echo "==> Warming up, then wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION on each in turn, $ROUNDS round(s): the order page ($order_url, $page_bytes bytes), the bare app"
warm_up "$order_url" "Cookie: $cookie"
warm_up "http://127.0.0.1:$BARE_PORT/"
if [ "$UNCACHED" = 1 ]; then warm_up "$uncached_url" "Cookie: $cookie"; fi
for round in $(seq "$ROUNDS"); do
    run_wrk order-page "$order_url" "Cookie: $cookie"
    run_wrk bare "http://127.0.0.1:$BARE_PORT/"
    if [ "$UNCACHED" = 1 ]; then run_wrk order-page-uncached "$uncached_url" "Cookie: $cookie"; fi
done
check_page "$order_url"
stop_servers
page_rps=$(rps_of order-page)
bare_rps=$(rps_of bare)
if [ "$UNCACHED" = 1 ]; then uncached_rps=$(rps_of order-page-uncached); fi

ratio=$(awk -v a="$page_rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')
verdict=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN {print (r >= t) ? "meets the target" : "BELOW the target"}')

mkdir -p bench/results
report=bench/results/latest.txt
{
    echo "Apuri buyer order page vs bare Flask, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)'); $(nproc) CPUs; $("$PY" --version); $("$GUNICORN" --version 2>/dev/null | head -n 1)"
    echo "gunicorn: $GUNICORN_WORKERS workers x $GUNICORN_THREADS threads (gthread); wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION on the same machine, best of $ROUNDS round(s); database: $database"
    echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "order: $ITEMS items, $EVENTS tracking events, page $page_bytes bytes, signed-in buyer (session cookie)"
    echo
    printf '%-34s %10s req/s   latency %s\n' "order page" "$page_rps" "$(latency order-page)"
    if [ "$UNCACHED" = 1 ]; then
        printf '%-34s %10s req/s   latency %s\n' "order page, page cache off" "$uncached_rps" "$(latency order-page-uncached)"
    fi
    printf '%-34s %10s req/s   latency %s\n' "bare Flask hello" "$bare_rps" "$(latency bare)"
    echo
    echo "ratio order page / bare app: $ratio ($verdict of $TARGET_RATIO)"
    if [ "$UNCACHED" = 1 ]; then
        echo "ratio with the page cache off:  $(awk -v a="$uncached_rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')"
    fi
} >"$report"
cp "$report" "bench/results/$(date -u '+%Y%m%dT%H%M%SZ').txt"
for name in order-page order-page-uncached bare; do
    if [ -f "$workdir/$name.wrk" ]; then cp "$workdir/$name.wrk" "bench/results/latest-$name.wrk.txt"; fi
done
echo
cat "$report"
