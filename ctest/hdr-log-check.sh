#!/usr/bin/env bash
# hdr-log-check.sh PERFGATE SOURCE_DIR WORK_DIR - writes an HdrHistogram log from the real results
# in tests/data/results and reads it back with hdr-histogram-js (installed from npm into WORK_DIR
# on first use), checking counts and percentiles against the results file.
set -euo pipefail
perfgate=$1 source=$2 work=$3
mkdir -p "$work"
if [[ ! -d $work/node_modules/hdr-histogram-js ]]; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "hdr-log-check: node and npm are needed (scripts/setup installs them)" >&2
    exit 1
  fi
  npm install --prefix "$work" --no-audit --no-fund --silent hdr-histogram-js@3.0.1
fi
"$perfgate" report "$source/tests/data/results" --hdr-log "$work/run.hlog"
NODE_PATH=$work/node_modules node "$source/tests/integration/hdr_log_check.js" "$work/run.hlog" \
  "$source/tests/data/results/example/health_check.json"
