#!/usr/bin/env bash
# Makes docs/images/report.png: a fleet of emulated endpoints on loopback
# (managers in two strong-cipher modes, agents of three versions, one port
# with nothing listening), scanned into an HTML report, rendered by headless
# Chromium. Run from the repository root after `cargo build --release`.
set -euo pipefail
bin=${TLSCOMPAT:-target/release/tlscompat}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
for spec in dsm-strong-12:14120 dsm-strong-10-11:14121 dsa-9.6:14118 dsa-10.0:14119 dsa-11:14117; do
  "$bin" serve --profile "${spec%:*}" --listen "127.0.0.1:${spec#*:}" 2>/dev/null &
  pids+=($!)
done
# Wait until each one listens (key generation takes a moment).
for port in 14120 14121 14118 14119 14117; do
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
done
cat >"$work/fleet.csv" <<'CSV'
host,port,role,labels
127.0.0.1,14120,manager,prod;dsm
127.0.0.1,14121,manager,staging;dsm
127.0.0.1,14118,agent,legacy
127.0.0.1,14119,agent,web
127.0.0.1,14117,agent,web
127.0.0.1,14199,agent,decommissioned
CSV
"$bin" scan -i "$work/fleet.csv" --retries 0 --format html -o "$work/report.html" || true
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --user-data-dir="$work/chromium" --window-size=1280,1350 \
  --screenshot="$PWD/docs/images/report.png" "file://$work/report.html" 2>/dev/null
echo "docs/images/report.png"
