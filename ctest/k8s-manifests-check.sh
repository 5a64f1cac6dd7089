#!/usr/bin/env bash
# k8s-manifests-check.sh BIN_DIR SOURCE_DIR WORK_DIR - deploy/k8s's manifests validate against
# Kubernetes' schemas (kubernetes-models, installed from npm into WORK_DIR on first use), agree
# with each other, and run: every shard pod's and the merge pod's command, with its environment
# and mounts as the kubelet would give them, against a reference service started here.
set -euo pipefail
bin=$1 source=$2 work=$3
mkdir -p "$work"
if [[ ! -d $work/node_modules/kubernetes-models || ! -d $work/node_modules/js-yaml ]]; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "k8s-manifests-check: node and npm are needed (scripts/setup installs them)" >&2
    exit 1
  fi
  npm install --prefix "$work" --no-audit --no-fund --silent kubernetes-models@4.5.0 js-yaml@4.1.0
fi
run=$work/run
rm -rf "$run"
mkdir -p "$run"
trap '"$source/ctest/reference-fixture.sh" stop "$run/reference" >/dev/null 2>&1 || true' EXIT
"$source/ctest/reference-fixture.sh" start "$run/reference" "$bin/perfgate-reference" >/dev/null
NODE_PATH=$work/node_modules node "$source/tests/integration/k8s_manifests_check.js" \
  "$source" "$bin" "$run" "http://127.0.0.1:$(cat "$run/reference/port")"
