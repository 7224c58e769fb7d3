#!/usr/bin/env bash
# Run one step of a make recipe: say what it does in one line, keep its chatter and any
# traceback in a log file, and on failure print the last line of the error (usually the
# exception's own message) and where the whole output is.
#
#   scripts/step.sh "Applying database migrations" .venv/bin/flask --app wsgi db upgrade
#
# STEP_SHOW_OUTPUT=1 lets the command's stdout through to the terminal (for commands whose
# output is the point, such as seed-demo printing logins); stderr always goes to the log.
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 \"what the step does\" command [args...]" >&2
    exit 2
fi
what=$1
shift

log_dir=${STEP_LOG_DIR:-${APURI_INSTANCE_DIR:-instance}/logs}
mkdir -p "$log_dir"
slug=$(printf '%s' "$what" | tr '[:upper:]' '[:lower:]' | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')
log="$log_dir/${slug:-step}.log"

echo "==> $what"
if [ "${STEP_SHOW_OUTPUT:-0}" = 1 ]; then
    "$@" 2>"$log"
else
    "$@" >"$log" 2>&1
fi
status=$?
if [ "$status" -ne 0 ]; then
    # The exception's own line ("psycopg.OperationalError: connection failed ...") or click's
    # "Error: ..." says more than the traceback's last line, which is often a footnote.
    reason=$(grep -E '^([A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_]*(Error|Exception|Exit)[A-Za-z]*: |^(Error|ERROR): ' "$log" | tail -n 1)
    [ -n "$reason" ] || reason=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
    {
        echo "ERROR: $what failed (exit status $status): ${reason:-no message}"
        echo "       The whole output is in $log"
    } >&2
    exit "$status"
fi
