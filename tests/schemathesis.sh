#!/bin/sh
# Run schemathesis from outside against a served store: the sample loaded, a
# token with every scope, the CLI over HTTP with every check and the stateful
# phase. Not part of `make test`: it takes minutes and drives a real server.
#   tests/schemathesis.sh [STORE_URL] [-- extra schemathesis options]
# STORE_URL defaults to a fresh SQLite file; a PostgreSQL URL must name an empty
# database. Failures the schema cannot express are in the baseline file beside
# this script (docs/schemathesis.md says why each is there); anything else fails.
set -eu
BIN=${BIN:-.venv/bin}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
STORE=${1:-sqlite:///$WORK/timeline.db}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
PORT=${SCHEMATHESIS_PORT:-$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export TIMELINE_DB="$STORE" TIMELINE_SIGNING_KEY="$WORK/log.key"
"$BIN/policy-timeline" keys create --out "$TIMELINE_SIGNING_KEY" >/dev/null
"$BIN/policy-timeline" load-sample >/dev/null
TOKEN=$("$BIN/policy-timeline" tokens create schemathesis --scopes read,write,audit)
"$BIN/policy-timeline" serve --host 127.0.0.1 --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
# A fixed seed and a bounded number of cases: a run ends in a few minutes and
# the next one draws the same requests.
status=0
"$BIN/schemathesis" --config-file "$HERE/schemathesis.toml" run "http://127.0.0.1:$PORT/openapi.json" \
    --wait-for-schema 30 \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --header "Authorization: Bearer $TOKEN" \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" \
    --seed "${SCHEMATHESIS_SEED:-1}" \
    --workers 1 \
    --baseline "$HERE/schemathesis-baseline.json" \
    "$@" || status=$?
exit $status
