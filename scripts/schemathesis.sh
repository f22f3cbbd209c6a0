#!/usr/bin/env bash
# API fuzzing: runs schemathesis over every operation of /openapi.json against the debug server
# on a fresh temporary database, and fails on any failure. See docs/api-fuzzing.md.
#
#   scripts/schemathesis.sh            # or: make fuzz-api
#
# Knobs (environment): FUZZ_MAX_EXAMPLES (default 50), FUZZ_SEED (default 20261124),
# FUZZ_WORKERS (default 1), FUZZ_MAX_FAILURES (unset: report every failure),
# FUZZ_REPORT_DIR (where the JUnit reports go; default target/schemathesis-report),
# FUZZ_SERVER_LOG (the server's RUST_LOG; default error), FUZZ_KEEP_SERVER_LOG (copy the server's
# log to this file), FUZZ_PYTHON (the Python to build the venv with).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"

SCHEMATHESIS_VERSION="4.32.5"
VENV="$ROOT/target/schemathesis-venv"
CARGO="${CARGO:-cargo}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-50}"
SEED="${FUZZ_SEED:-20261124}"
WORKERS="${FUZZ_WORKERS:-1}"
REPORT_DIR="${FUZZ_REPORT_DIR:-$ROOT/target/schemathesis-report}"
# A test bot token: signs the Mini App initData below; never talks to Telegram (the Bot API base
# points at a closed local port, so queued deliveries fail locally).
BOT_TOKEN="123456789:fuzzing-test-token-not-a-real-bot-0000"

log() { printf '[fuzz-api] %s\n' "$*" >&2; }

# 1. schemathesis, pinned, in a virtual environment under target/ (reused when it matches).
#    CPython 3.11 has a parser bug ("AST constructor recursion depth mismatch") that hypothesis
#    trips over now and then, so a Python >= 3.12 is preferred when the machine has one
#    (FUZZ_PYTHON names one explicitly).
pick_python() {
    local candidate
    for candidate in "${FUZZ_PYTHON:-}" python3.13 python3.12 \
        "$(command -v pyenv >/dev/null 2>&1 && ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V | tail -n 1)" \
        python3; do
        [ -n "$candidate" ] || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    log "no python3 found"
    exit 1
}
PYTHON="$(pick_python)"
WANT="$SCHEMATHESIS_VERSION $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$(cat "$VENV/.fuzz-api" 2>/dev/null)" != "$WANT" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV ($PYTHON)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    echo "$WANT" >"$VENV/.fuzz-api"
fi
PY="$VENV/bin/python"

# 2. The debug server.
log "building crm-server"
"$CARGO" build --quiet -p crm-http --bin crm-server
SERVER="${CARGO_TARGET_DIR:-$ROOT/target}/debug/crm-server"

# 3. A fresh database and the server's environment.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/crm-fuzz.XXXXXX")"
SERVER_PID=""
cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "${FUZZ_KEEP_SERVER_LOG:-}" ] && [ -f "$WORK/server.log" ]; then
        cp "$WORK/server.log" "$FUZZ_KEEP_SERVER_LOG" || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
        log "server log (last 40 lines):"
        tail -n 40 "$WORK/server.log" >&2 || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
export APP_ENV=test
export HOST=127.0.0.1
export PORT
export DATABASE_URL="$WORK/app.db"
export JWT_SECRET="fuzzing-secret-0123456789abcdefghijklmnopqrstuvwxyz"
export TELEGRAM_BOT_TOKEN="$BOT_TOKEN"
export TELEGRAM_API_BASE="http://127.0.0.1:9"
export WORKERS=2
export RUST_LOG="${FUZZ_SERVER_LOG:-error}"
# The fuzzer signs in and writes far faster than a person: lift the per-minute request limits
# for this run (429 stays a documented answer of every operation).
export SIGN_INS_PER_MINUTE=100000
export APP_WRITES_PER_MINUTE=100000
unset OWNER_TELEGRAM_IDS CORS_ALLOW_ORIGINS VK_GROUP_TOKEN MAX_BOT_TOKEN SMTP_HOST || true

"$SERVER" migrate >/dev/null
OWNER_TOKEN="$("$SERVER" create-owner --name "Fuzz Owner" 2>/dev/null)"

"$SERVER" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    if "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "$BASE/health" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        log "the server exited during start-up"
        exit 1
    fi
    sleep 0.2
done
log "server up at $BASE"

# 4. A client token (Mini App sign-in with initData signed by the test bot token) and a little
#    data, so positive cases can reach real rows.
CLIENT_TOKEN="$(BASE="$BASE" BOT_TOKEN="$BOT_TOKEN" OWNER_TOKEN="$OWNER_TOKEN" "$PY" - <<'PYEOF'
import hashlib, hmac, json, os, time, urllib.error, urllib.parse, urllib.request

base, bot_token, owner = os.environ["BASE"], os.environ["BOT_TOKEN"], os.environ["OWNER_TOKEN"]


def call(method, path, body=None, token=None, key=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if key:
        req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def init_data(user_id, first_name):
    fields = {
        "auth_date": str(int(time.time())),
        "query_id": "fuzz",
        "user": json.dumps({"id": user_id, "first_name": first_name}, separators=(",", ":")),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urllib.parse.urlencode(fields)


def must(result, what):
    status, body = result
    if status >= 300:
        raise SystemExit(f"seeding failed: {what}: {status} {body}")
    return body


signed_in = must(
    call("POST", "/api/v1/auth/telegram/verify", {"init_data": init_data(700001, "Fuzz")}),
    "client sign-in",
)
me = signed_in["client"]["id"]
must(call("POST", "/api/v1/admin/clients",
          {"full_name": "Анна Петрова", "phone": "+79161234567", "email": "anna@example.com",
           "referrer_id": me}, owner), "client")
must(call("POST", "/api/v1/admin/products/locations",
          {"name": "Салон на Тверской", "kind": "point_of_sale", "address": "Тверская, 1"}, owner),
     "location")
must(call("POST", "/api/v1/admin/products",
          {"name": "Стрижка", "type": "service", "price": 1500, "duration_minutes": 60}, owner),
     "service")
must(call("POST", "/api/v1/admin/products", {"name": "Шампунь", "price": 450, "unit": "шт"}, owner),
     "product")
must(call("POST", "/api/v1/admin/certificates/types",
          {"name": "Подарочный 3000", "nominal": 3000, "price": 3000, "validity_days": 365}, owner),
     "certificate type")
must(call("POST", "/api/v1/admin/traffic-channels", {"name": "Листовки", "code": "flyers"}, owner),
     "traffic channel")
must(call("POST", "/api/v1/admin/news",
          {"title": "Открытие", "body": "Мы открылись", "buttons": [], "status": "published"}, owner),
     "news post")
must(call("POST", "/api/v1/admin/operations", {"client_id": me, "total": 2500}, owner, "fuzz-seed-1"),
     "purchase")
print(signed_in["access_token"])
PYEOF
)"
log "owner and client tokens issued"

# 5. schemathesis: admin and public operations with the owner's token, Mini App operations
#    (/api/v1/app/... and /api/v1/feedback/app/...) with the client's token.
cat >"$WORK/schemathesis.toml" <<EOF
# Generated by scripts/schemathesis.sh; see docs/api-fuzzing.md.
base-url = "$BASE"

# A schema-valid request may still break a business rule the schema cannot state (a day range
# whose end precedes its start, a period preset given together with from/to, an id of a row that
# does not exist, a text that is blank after trimming): the API answers those with
# 422 validation_failed naming the field, by design. 400 (a malformed request) stays a failure.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
EOF

mkdir -p "$REPORT_DIR"
COMMON=(
    "$BASE/openapi.json"
    --checks all
    --mode all
    --phases examples,coverage,fuzzing,stateful
    --max-examples "$MAX_EXAMPLES"
    --seed "$SEED"
    --workers "$WORKERS"
    --request-timeout 10
    --generation-database none
    --no-color
    --output-truncate true
)
if [ -n "${FUZZ_MAX_FAILURES:-}" ]; then
    COMMON+=(--max-failures "$FUZZ_MAX_FAILURES")
fi
# The Mini App's own routes (and its feedback routes) take the client's token.
APP_PATHS='^/api/v1/(app|feedback/app)/'

# The owner's token comes from an auth hook rather than a fixed header: the fuzzer may archive
# or demote the very owner it acts as (it creates other owners first, so the last-owner rule does
# not stop it). When a request is refused with 401/403, the hook checks the token and, if it no
# longer works, makes a new owner with `crm-server create-owner`.
cat >"$WORK/fuzz_hooks.py" <<'PYEOF'
"""schemathesis hooks of scripts/schemathesis.sh: the owner's token for admin operations."""
import os
import subprocess
import urllib.error
import urllib.request

import schemathesis

BASE = os.environ["FUZZ_BASE"]
SERVER = os.environ["FUZZ_SERVER"]
TOKEN = {"value": os.environ["FUZZ_OWNER_TOKEN"], "owners": 1}


def still_works(token):
    request = urllib.request.Request(BASE + "/api/v1/admin/employees?limit=1")
    request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


@schemathesis.auth(retry_on=[401, 403]).apply_to(path_regex="^/api/v1/admin/")
class OwnerToken:
    def get(self, case, context):
        if not still_works(TOKEN["value"]):
            TOKEN["owners"] += 1
            made = subprocess.run(
                [SERVER, "create-owner", "--name", "Fuzz Owner %d" % TOKEN["owners"]],
                capture_output=True, text=True, check=True,
            )
            TOKEN["value"] = made.stdout.strip()
            print("[fuzz-api] the owner's token stopped working; made owner %d" % TOKEN["owners"])
        return TOKEN["value"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = "Bearer " + data
PYEOF
export FUZZ_BASE="$BASE" FUZZ_SERVER="$SERVER" FUZZ_OWNER_TOKEN="$OWNER_TOKEN"

# schemathesis and hypothesis keep caches in the working directory: run them in the temp dir.
status=0
log "run 1/2: admin, auth and public operations (owner token)"
(cd "$WORK" && PYTHONPATH="$WORK" SCHEMATHESIS_HOOKS=fuzz_hooks \
    "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "${COMMON[@]}" \
    --exclude-path-regex "$APP_PATHS" \
    --report junit --report-junit-path "$REPORT_DIR/admin.xml") || status=1

log "run 2/2: Mini App operations (client token)"
(cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "${COMMON[@]}" \
    --include-path-regex "$APP_PATHS" \
    -H "Authorization: Bearer $CLIENT_TOKEN" \
    --report junit --report-junit-path "$REPORT_DIR/app.xml") || status=1

if [ "$status" -ne 0 ]; then
    log "schemathesis found failures (JUnit reports in $REPORT_DIR)"
    exit 1
fi
log "no failures"
