#!/usr/bin/env bash
# Makes docs/images/plan.png: a manager as it is now (TLS 1.0 and every
# agent suite, testdata/profiles/dsm-legacy.yaml) and agents of every
# shipped profile emulated on loopback, one agent-initiated agent that
# listens on nothing, planned against dsm-strong-12 into an HTML report,
# rendered by headless Chromium. Run from the repository root after
# `cargo build --release` (or set TLSCOMPAT to another build).
set -euo pipefail
bin=${TLSCOMPAT:-target/release/tlscompat}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
specs=(testdata/profiles/dsm-legacy.yaml:14220 dsa-9.6:14211 dsa-10.0:14212
  dsa-10.0-u16:14213 dsa-11:14214 dsa-fips:14215)
for spec in "${specs[@]}"; do
  "$bin" serve --profile "${spec%:*}" --listen "127.0.0.1:${spec#*:}" 2>/dev/null &
  pids+=($!)
done
# Wait until each one listens (key generation takes a moment).
for spec in "${specs[@]}"; do
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${spec#*:}") 2>/dev/null; then break; fi
    sleep 0.1
  done
done
cat >"$work/fleet.csv" <<'CSV'
host,port,role,agent_version,direction,labels
127.0.0.1,14211,agent,9.6.2-7723,,legacy;wave 1
127.0.0.1,14212,agent,10.0.0-1234,,web;wave 1
127.0.0.1,14213,agent,10.0.0-3445,,web;wave 2
127.0.0.1,14214,agent,20.0.0-3445,agent-initiated,app
127.0.0.1,14215,agent,,manager-initiated,fips
127.0.0.1,14219,agent,11.0.0-211,agent-initiated,laptop
127.0.0.1,14220,manager,,,dsm
CSV
"$bin" plan --to dsm-strong-12 -i "$work/fleet.csv" --timeout 2s --format html -o "$work/plan.html" || true
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --user-data-dir="$work/chromium" --window-size=1280,1620 \
  --screenshot="$PWD/docs/images/plan.png" "file://$work/plan.html" 2>/dev/null
echo "docs/images/plan.png"
