#!/usr/bin/env bash
# Stops exactly the processes deploy/local/provision.sh started (found through its pidfiles
# under $CANOPY_STATE_DIR/run), in reverse start order. Data is kept.
#   --purge   also remove the local workers' containers and data plane (canopy-node stop
#             --purge), and delete $CANOPY_STATE_DIR/data (databases, broker state incl.
#             runtime MQTT clients, registry storage). Secrets (MQTT admin password), configs, logs and
#             the FerretDB binary cache are kept.
# Services that provision.sh merely reused (already running, not started by it) are never
# touched.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

PURGE=0
for arg in "$@"; do
  case $arg in
    --purge) PURGE=1 ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 && !/shellcheck/ { sub(/^# ?/, ""); print }' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (usage: $0 [--purge])" ;;
  esac
done

need_root

STATE=${CANOPY_STATE_DIR:-/var/lib/canopy-local}
RUN=$STATE/run
MONGO_CONTAINER=canopy-mongo
export DOCKER_HOST=unix:///var/run/docker.sock

if [[ ! -d $STATE ]]; then
  log "nothing to do: $STATE does not exist"
  exit 0
fi
canopy_lock "$RUN/.lock"

port_report() { # NAME PORT
  if port_open 127.0.0.1 "$2"; then
    warn "$1: 127.0.0.1:$2 is still answered by $(port_owner "$2") (not started by canopy, left alone)"
  else
    info "$1: 127.0.0.1:$2 closed"
  fi
}

if ((PURGE)); then
  # Workers started by up.sh: their containers and data plane (bridge, tunnel, nftables table)
  # go too, through the agent's own cleanup (dockerd is still up here).
  repo=$(cd "$HERE/../.." && pwd)
  for config in "$STATE"/*/node.json; do
    [[ -e $config ]] || continue
    if [[ -f $repo/dist/node_engine/main.js ]]; then
      step purge "worker $(basename "$(dirname "$config")"): stop --purge"
      node "$repo/dist/node_engine/main.js" stop --purge --config "$config" ||
        warn "canopy-node stop --purge --config $config failed"
    else
      warn "$repo/dist/node_engine/main.js is not built: worker $config left as it is"
    fi
  done
fi

step stop "stopping services started by provision.sh (state $STATE)"
# Canopy apps started through lib.sh's start_daemon by other scripts (e.g. up.sh) keep their
# pidfiles in the same run dir; they depend on the infrastructure, so they go first.
infra=" registry mosquitto redis ferretdb dockerd "
for pf in "$RUN"/*.pid; do
  [[ -e $pf ]] || continue
  name=$(basename "$pf" .pid)
  [[ $infra == *" $name "* ]] && continue
  stop_daemon "$name" "$pf" 30
done
stop_daemon registry "$RUN/registry.pid"
port_report registry 5000
stop_daemon mosquitto "$RUN/mosquitto.pid"
port_report mosquitto 10003
stop_daemon redis "$RUN/redis.pid"
port_report redis 6379
if [[ -f $RUN/mongo.container ]]; then
  # fallback MongoDB container (only when FerretDB could not be built)
  if docker inspect -f '{{ index .Config.Labels "org.canopy.managed" }}' "$MONGO_CONTAINER" 2>/dev/null | grep -qx true; then
    if ((PURGE)); then
      info "mongo: removing container $MONGO_CONTAINER (--purge)"
      docker rm -f "$MONGO_CONTAINER" >/dev/null || warn "docker rm -f $MONGO_CONTAINER failed"
    else
      info "mongo: stopping container $MONGO_CONTAINER"
      docker stop -t 20 "$MONGO_CONTAINER" >/dev/null || warn "docker stop $MONGO_CONTAINER failed"
    fi
  fi
  rm -f "$RUN/mongo.container"
fi
stop_daemon ferretdb "$RUN/ferretdb.pid"
port_report mongodb 27017
# dockerd stops its containers and its own containerd when it exits
stop_daemon dockerd "$RUN/dockerd.pid" 60
if docker info >/dev/null 2>&1; then
  warn "dockerd: /var/run/docker.sock still answers (a dockerd not started by canopy; left alone)"
else
  info "dockerd: /var/run/docker.sock no longer answers"
fi

if ((PURGE)); then
  step purge "deleting $STATE/data"
  if [[ -d $STATE/data ]]; then
    for d in "$STATE/data"/*; do
      [[ -e $d ]] || continue
      info "removing $d ($(du -sh "$d" 2>/dev/null | cut -f1))"
    done
    rm -rf "$STATE/data"
    info "removed $STATE/data"
  else
    info "$STATE/data does not exist"
  fi
fi
step_end
log "stopped. Start again with $HERE/provision.sh"
