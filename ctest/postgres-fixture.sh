#!/usr/bin/env bash
# postgres-fixture.sh - CTest fixture for a throwaway PostgreSQL cluster.
#   start DIR SCHEMA_DIR [SCALE]  initdb in DIR/data, start on a free loopback port with its socket
#                                 beside it, load SCHEMA_DIR/schema.sql and seed.sql at SCALE
#                                 (default 1); write DIR/targets.json and DIR/conninfo
#   restart DIR                   restart the server (fast shutdown: clients are disconnected)
#   stop DIR                      stop the server and remove the cluster
# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' user.
# Settings are PostgreSQL's defaults (fsync on). A leftover cluster from an interrupted run is
# stopped and removed first.
set -euo pipefail

action=${1:?usage: postgres-fixture.sh start|stop DIR [SCHEMA_DIR SCALE]}
dir=${2:?missing DIR}

bindir=$(pg_config --bindir 2>/dev/null || true)
if [[ -z $bindir || ! -x $bindir/initdb ]]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[[ -x $bindir/initdb ]] || { echo "postgres-fixture: no initdb found (install postgresql)" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_cluster() {
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  fi
  local socket_dir
  socket_dir=$(cat "$dir/socket_dir" 2>/dev/null || true)
  [[ -n $socket_dir && $socket_dir == /tmp/perfgate-pg.* ]] && rm -rf "$socket_dir"
  rm -rf "$dir/data" "$dir/targets.json" "$dir/conninfo" "$dir/socket_dir" "$dir/password"
}

case $action in
  start)
    schema_dir=${3:?missing SCHEMA_DIR}
    scale=${4:-1}
    mkdir -p "$dir"
    stop_cluster
    # The socket path must stay short (about 100 bytes); fall back to /tmp for deep build trees.
    socket_dir=$dir
    if (( ${#dir} > 80 )); then socket_dir=$(mktemp -d /tmp/perfgate-pg.XXXXXX); fi
    echo "$socket_dir" >"$dir/socket_dir"
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    umask 077
    echo "$password" >"$dir/password"
    umask 022
    mkdir -p "$dir/data"
    if [[ $(id -u) -eq 0 ]]; then
      # The server writes its socket and log here.
      chown postgres "$dir" "$dir/data" "$dir/password"
      [[ $socket_dir != "$dir" ]] && chown postgres "$socket_dir"
    fi
    as_owner "$bindir/initdb" -D "$dir/data" -U perfgate --pwfile="$dir/password" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # The port lies below the ephemeral range: a restart leaves the port free for a moment, and a
    # client reconnecting then could be given it as its own source port (or connect to itself),
    # after which the server cannot bind it again.
    read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral_low=32768
    (( ephemeral_low > 11000 )) || ephemeral_low=32768
    started=0
    for _ in 1 2 3 4 5; do
      port=$(( 10000 + RANDOM % (ephemeral_low - 10000) ))
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue  # taken
      if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
           -o "-p $port -k $socket_dir -c listen_addresses=127.0.0.1" start >/dev/null; then
        started=1
        break
      fi
    done
    [[ $started -eq 1 ]] || { echo "postgres-fixture: could not start PostgreSQL" >&2; cat "$dir/server.log" >&2; exit 1; }
    psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$port" -U perfgate)
    as_owner "${psql[@]}" -d postgres -c "CREATE DATABASE perfgate"
    as_owner "${psql[@]}" -d perfgate -f "$schema_dir/schema.sql"
    as_owner "${psql[@]}" -d perfgate -v scale="$scale" -f "$schema_dir/seed.sql"
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    conninfo="host=127.0.0.1 port=$port dbname=perfgate user=perfgate password=$password"
    umask 077
    echo "$conninfo" >"$dir/conninfo"
    printf '{"pg": {"url": "%s", "pid": %s}}\n' "$conninfo" "$pid" >"$dir/targets.json.tmp"
    mv "$dir/targets.json.tmp" "$dir/targets.json"
    [[ $(id -u) -eq 0 ]] && chmod 644 "$dir/conninfo" "$dir/targets.json"  # readable by the service
    echo "PostgreSQL pid $pid on 127.0.0.1:$port (scale $scale)"
    ;;
  restart)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 30 restart >/dev/null ||
      { echo "postgres-fixture: restart failed; the server's log ends:" >&2; tail -n 20 "$dir/server.log" >&2; exit 1; }
    echo "PostgreSQL restarted"
    ;;
  stop)
    stop_cluster
    echo "PostgreSQL stopped and removed"
    ;;
  *)
    echo "unknown action '$action' (expected start, restart or stop)" >&2
    exit 2
    ;;
esac
