#!/usr/bin/env bash
# Starts N local nodes (default 3) on ports 8081.. without a Procfile runner.
# The redis engine (cluster mode) is a later milestone; until it lands each
# node runs on its own memory engine.
set -euo pipefail
n=${1:-3}
cd "$(dirname "$0")/.."
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for i in $(seq 1 "$n"); do
  HAAT_NODE_ID="n$i" PORT=$((8080 + i)) npm start --silent &
  pids+=($!)
done
wait
