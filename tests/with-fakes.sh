#!/usr/bin/env bash
# Runs a command with two fake-waapi servers on free 127.0.0.1 ports, one per envelope mode,
# and stops them when it ends. The command sees:
#   FAKE_LIVE_URL, FAKE_SPEC_URL   e.g. http://127.0.0.1:40123 (the API is under /api/v1)
#   FAKE_ADMIN_TOKEN               all four permissions
#   FAKE_VIEWER_TOKEN              read only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/debug/fake-waapi"
[ -x "$bin" ] || cargo build -q -p fake-waapi --manifest-path "$root/Cargo.toml"

export FAKE_ADMIN_TOKEN=test-admin-token
export FAKE_VIEWER_TOKEN=test-viewer-token
logs=$(mktemp -d)
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$logs"; }
trap stop EXIT INT TERM

start() { # mode → sets $url
  local out="$logs/$1.out"
  "$bin" --port 0 --boot-ms 0 --envelopes "$1" \
    --token "$FAKE_ADMIN_TOKEN=create,read,update,delete" --token "$FAKE_VIEWER_TOKEN=read" \
    >"$out" 2>"$logs/$1.err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    if line=$(grep -m1 '^listening on ' "$out" 2>/dev/null); then url=${line#listening on }; return; fi
    sleep 0.05
  done
  echo "fake-waapi ($1) did not start:" >&2; cat "$logs/$1.err" >&2; exit 1
}
start live; export FAKE_LIVE_URL=$url
start spec; export FAKE_SPEC_URL=$url
"$@"
