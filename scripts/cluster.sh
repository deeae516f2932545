#!/usr/bin/env bash
# Starts a local cluster of N nodes (default 3) on ports 8081.. over one Redis.
# With REDIS_URL unset it starts its own redis-server on a free port (data in a
# temp dir, removed on exit); with REDIS_URL set it uses that Redis (or Redis
# Cluster: several comma-separated URLs).
#   scripts/cluster.sh 3        # then ws://127.0.0.1:8081/ws .. 8083
set -euo pipefail
n=${1:-3}
cd "$(dirname "$0")/.."
pids=()
tmp=""
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if [ -z "${REDIS_URL:-}" ]; then
  command -v redis-server >/dev/null || { echo "cluster.sh: redis-server not found (apt-get install redis-server), or set REDIS_URL" >&2; exit 1; }
  tmp=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" --logfile "$tmp/redis.log" &
  pids+=($!)
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "cluster.sh: started redis-server at $REDIS_URL" >&2
fi
for i in $(seq 1 "$n"); do
  HAAT_NODE_ID="n$i" PORT=$((8080 + i)) npm start --silent &
  pids+=($!)
done
wait
