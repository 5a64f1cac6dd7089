#!/usr/bin/env bash
# realtime-stress.sh - stress_50k: 50,000 WebSocket sessions held from this machine.
#
#   realtime-stress.sh REFERENCE SUITE PERFGATE THRESHOLDS_DIR RESULTS_DIR [SHARDS]
#
# One process may hold at most ~20,000 open files here, so both sides are split: the reference
# service runs as SHARDS worker processes on one port (--workers), and the suite's stress_50k
# scenario runs as SHARDS processes (PERFGATE_SHARD=i/SHARDS), each taking its share of the
# sessions and sampling one worker's memory. The sessions' source addresses are spread over
# 127.0.0.2-5 by the table (about 28k ephemeral ports per source/destination pair). Then
# `perfgate merge` folds the shards into one result and judges it against the table: that
# verdict is this test's exit status.
set -euo pipefail

reference=$1 suite=$2 perfgate=$3 thresholds=$4 results=$5 shards=${6:-4}
work=$(mktemp -d "${TMPDIR:-/tmp}/perfgate-stress.XXXXXX")
shard_pids=()

cleanup() {
  for pid in "${shard_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -f $work/pid ]]; then kill "$(cat "$work/pid")" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Per worker: 50,001 sessions / SHARDS, plus room for imbalance in SO_REUSEPORT's spread.
"$reference" --workers "$shards" --threads 1 --port 0 --port-file "$work/port" \
  --pid-file "$work/pid" --max-connections 19000 --ws-ping-interval 30s --users 10 \
  >"$work/reference.log" 2>&1 &
for _ in $(seq 300); do [[ -s $work/port ]] && break; sleep 0.1; done
if [[ ! -s $work/port ]]; then
  echo "realtime-stress: the reference service did not start:" >&2
  cat "$work/reference.log" >&2
  exit 1
fi
port=$(cat "$work/port")
mapfile -t workers < <(pgrep -P "$(cat "$work/pid")")
echo "realtime-stress: reference on port $port, workers ${workers[*]}"

rm -f "$results"/realtime_connections/stress_50k.shard-*-of-"$shards".json
started=$(date +%s)
for ((i = 0; i < shards; i++)); do
  printf '{"ws": {"url": "ws://127.0.0.1:%s", "pid": %s}}\n' "$port" \
    "${workers[$((i % ${#workers[@]}))]}" >"$work/targets-$i.json"
  PERFGATE_TARGETS="$work/targets-$i.json" PERFGATE_EMBEDDED_TARGETS= \
    PERFGATE_SHARD="$i/$shards" PERFGATE_RESULTS_DIR="$results" \
    "$suite" --gtest_filter='*Stress50k' >"$work/shard-$i.log" 2>&1 &
  shard_pids+=($!)
done

status=0
for ((i = 0; i < shards; i++)); do
  if ! wait "${shard_pids[$i]}"; then
    echo "realtime-stress: shard $i/$shards failed:" >&2
    status=1
  fi
  sed -n '/^== /,/^result:/p' "$work/shard-$i.log"
  grep -E "Failure|error|perfgate: not starting" "$work/shard-$i.log" | head -20 || true
done
shard_pids=()
echo "realtime-stress: shards finished after $(($(date +%s) - started)) s"

"$perfgate" merge "$results"/realtime_connections/stress_50k.shard-*-of-"$shards".json \
  --results-dir "$results" --thresholds-dir "$thresholds" || status=1
exit $status
