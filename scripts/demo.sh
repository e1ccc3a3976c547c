#!/usr/bin/env bash
# The main job: start the Thrive sandbox on 127.0.0.1, connect to it, verify the key, run a full
# import and print the summary; then import again to show that nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${THRIVE_SANDBOX_PORT:-8765}
CONTACTS=${DEMO_CONTACTS:-2000}
export THRIVE_VAR_DIR=${THRIVE_VAR_DIR:-$PWD/var/demo}
export DATABASE_URL=${DEMO_DATABASE_URL:-sqlite:///$THRIVE_VAR_DIR/demo.sqlite3}
export THRIVE_API_KEY=sandbox-demo-key
# The sandbox speaks plain HTTP on loopback; production connections must use HTTPS. A fresh
# encryption key per demo (the database is new each time too).
export THRIVE_ALLOW_INSECURE_BASE_URL=1 DJANGO_DEBUG=0
THRIVE_ENCRYPTION_KEYS=$($PY -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")
export THRIVE_ENCRYPTION_KEYS
if $PY -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$PORT" 2>/dev/null; then
  echo "Port $PORT is already in use; set THRIVE_SANDBOX_PORT to a free port." >&2
  exit 1
fi
mkdir -p "$THRIVE_VAR_DIR"
rm -f "$THRIVE_VAR_DIR"/demo.sqlite3*
$PY manage.py thrive_sandbox --host 127.0.0.1 --port "$PORT" --contacts "$CONTACTS" \
  --token "$THRIVE_API_KEY" >"$THRIVE_VAR_DIR/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
$PY - "$PORT" "$THRIVE_VAR_DIR/sandbox.log" <<'PYEOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(f"the sandbox did not start; see {sys.argv[2]}")
PYEOF

echo "== migrate (SQLite at $DATABASE_URL)"
$PY manage.py migrate --verbosity 0
echo "== connect"
$PY manage.py thrive_connect demo --base-url "http://127.0.0.1:$PORT/api/v2" </dev/null
echo "== verify"
$PY manage.py thrive_verify demo
echo "== full import"
$PY manage.py thrive_sync demo --full
echo "== incremental import (nothing changed in Thrive: nothing created or updated)"
$PY manage.py thrive_sync demo
