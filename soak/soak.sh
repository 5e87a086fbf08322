#!/usr/bin/env bash
# The soak (make soak): gunicorn with 2 workers and a Celery worker on PostgreSQL + Redis, under a
# mixed load (soak/locustfile.py) for SOAK_SECONDS (default 120) on loopback. Writes var/soak.json
# and exits non-zero when a goal is missed (soak/measure.py). Every process it starts is stopped
# on exit, however it exits (trap).
#
#   DATABASE_URL  a PostgreSQL database whose name contains "soak": dropped and created again
#                 (make soak: postgres://postgres@127.0.0.1:5432/fedreg_soak)
#   REDIS_URL     broker and cache; its database is flushed unless it is 0 (make soak: …/13)
#   SOAK_PORT     default: a free port chosen at start
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database named *soak*}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379/13}"
export SOAK_SECONDS=${SOAK_SECONDS:-120}
RUN_DIR=var/soak
mkdir -p "$RUN_DIR"
rm -rf "$RUN_DIR/media"

# Production settings, on plain HTTP on loopback, with rate limits out of the load's way.
export DATABASE_URL REDIS_URL
export DJANGO_SETTINGS_MODULE=config.settings DEBUG=0
export SECRET_KEY=${SOAK_SECRET_KEY:-soak-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export ALLOWED_HOSTS=127.0.0.1,localhost SITE_URL=http://127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0
export EMAIL_URL=dummymail:// MEDIA_ROOT="$PWD/$RUN_DIR/media" LOG_LEVEL=${SOAK_LOG_LEVEL:-WARNING}
export API_NUM_PROXIES=0 API_RATE_ANON=1000000/min API_RATE_PARTNER=1000000/min API_RATE_USER=1000000/min
export SOAK_FIXTURES=$RUN_DIR/fixtures.json

PIDS=()      # gunicorn and the Celery worker, until the end
STEP_PID=    # the step running now (seeding, the load), waited for so that a signal stops it at once
ours() { [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]; }
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local mine=() children=()
  for pid in ${STEP_PID:+"$STEP_PID"} "${PIDS[@]}"; do ours "$pid" && mine+=("$pid"); done
  for pid in "${mine[@]}"; do
    while read -r child; do [ -n "$child" ] && children+=("$child"); done < <(pgrep -P "$pid" || true)
  done
  for pid in "${mine[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${mine[@]}" "${children[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${mine[@]}" "${children[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() {  # run "$@" in the background and wait: a trap interrupts `wait`, not a foreground command
  "$@" &
  STEP_PID=$!
  local rc=0
  wait "$STEP_PID" || rc=$?
  STEP_PID=
  return "$rc"
}

redis_db=${REDIS_URL##*/}
if [ -n "$redis_db" ] && [ "$redis_db" != 0 ] && [ "$redis_db" != "$REDIS_URL" ]; then
  "$BIN/python" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
fi

echo "soak: seeding $DATABASE_URL"
step "$BIN/python" soak/seed.py "$SOAK_FIXTURES"
step "$BIN/python" manage.py collectstatic --no-input --verbosity 0

PORT=${SOAK_PORT:-$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

"$BIN/celery" -A config worker -Q celery,notifications --concurrency=2 --loglevel=WARNING \
  --hostname "soak-$$@%h" >"$RUN_DIR/celery.log" 2>&1 &
PIDS+=($!)
CELERY_PID=$!
# As the Dockerfile runs it, without --max-requests (a recycled worker would hide a leak).
"$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 \
  --limit-request-line 4094 --limit-request-fields 100 --limit-request-field_size 8190 \
  >"$RUN_DIR/gunicorn.log" 2>&1 &
PIDS+=($!)
GUNICORN_PID=$!

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "soak: gunicorn did not start" >&2; tail -20 "$RUN_DIR/gunicorn.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz"; echo
for _ in $(seq 1 60); do
  "$BIN/celery" -A config inspect ping --destination "soak-$$@$(hostname)" --timeout 1 >/dev/null 2>&1 && break
  kill -0 "$CELERY_PID" 2>/dev/null || { echo "soak: the Celery worker did not start" >&2; tail -20 "$RUN_DIR/celery.log" >&2; exit 1; }
  sleep 0.5
done

status=0
export SOAK_HOST="http://127.0.0.1:$PORT" SOAK_GUNICORN_PID=$GUNICORN_PID SOAK_CELERY_PID=$CELERY_PID
export SOAK_REPORT=var/soak.json
step "$BIN/python" soak/measure.py || status=$?
# Every e-mail the load caused was delivered by the worker, none failed.
step "$BIN/python" soak/outbox.py || status=1
exit "$status"
