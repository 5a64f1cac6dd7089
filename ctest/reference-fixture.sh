#!/usr/bin/env bash
# reference-fixture.sh - CTest fixture for perfgate-reference.
#   start DIR BIN [FLAGS...]  start it on a free loopback port; write DIR/targets.json
#   stop DIR                  stop it (SIGTERM, then SIGKILL after 5 s) and remove DIR's files
# A leftover service from an interrupted earlier run is stopped first, so runs never collide.
set -euo pipefail

action=${1:?usage: reference-fixture.sh start|stop DIR [BIN FLAGS...]}
dir=${2:?missing DIR}
shift 2

stop_service() {
  local pid_file=$dir/pid
  [[ -f $pid_file ]] || return 0
  local pid
  pid=$(cat "$pid_file")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
     tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q perfgate-reference; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file" "$dir/port" "$dir/targets.json"
}

case $action in
  start)
    bin=${1:?missing BIN}
    shift
    mkdir -p "$dir"
    stop_service
    # setsid and closed stdio: the service must outlive this script without holding CTest's pipe.
    setsid "$bin" --port 0 --port-file "$dir/port" --pid-file "$dir/pid" "$@" \
      >"$dir/service.log" 2>&1 </dev/null &
    for _ in $(seq 100); do
      [[ -s $dir/port && -s $dir/pid ]] && break
      sleep 0.1
    done
    if [[ ! -s $dir/port ]]; then
      echo "perfgate-reference did not start; its log:" >&2
      cat "$dir/service.log" >&2
      exit 1
    fi
    port=$(cat "$dir/port")
    pid=$(cat "$dir/pid")
    printf '{"http": {"url": "http://127.0.0.1:%s", "pid": %s}, "ai": {"url": "http://127.0.0.1:%s", "pid": %s}, "ws": {"url": "ws://127.0.0.1:%s", "pid": %s}}\n' \
      "$port" "$pid" "$port" "$pid" "$port" "$pid" >"$dir/targets.json.tmp"
    mv "$dir/targets.json.tmp" "$dir/targets.json"
    echo "perfgate-reference pid $pid listening on 127.0.0.1:$port"
    ;;
  stop)
    stop_service
    echo "perfgate-reference stopped"
    ;;
  *)
    echo "unknown action '$action' (expected start or stop)" >&2
    exit 2
    ;;
esac
