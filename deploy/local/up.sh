#!/usr/bin/env bash
# Command (a) of the README: a working local Canopy on this machine. Provisions the local
# services (idempotent), installs npm dependencies, builds the apps, then (re)starts the root
# orchestrator, one cluster orchestrator and one worker agent (node engine), and waits until the
# cluster is registered at the root and the worker at the cluster. Deploy the sample app with
# deploy/local/sample-app.sh.
# Infrastructure keeps running between calls; the Canopy apps are restarted so they run the
# code in this checkout. Stop everything with deploy/local/stop.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=deploy/local/lib.sh
. "$here/lib.sh"
need_root
cd "$repo"

bash "$here/provision.sh"
bash "$here/install-deps.sh"

state=${CANOPY_STATE_DIR:-/var/lib/canopy-local}
set -a
# shellcheck disable=SC1091 # written by provision.sh
. "$state/local.env"
set +a

cluster_name=${CANOPY_CLUSTER_NAME:-cluster1}
cluster_location=${CANOPY_CLUSTER_LOCATION:-48.1374,11.5755,50}
root_port=${ROOT_HTTP_PORT:-10000}
root_grpc_port=${ROOT_GRPC_PORT:-50052}
cluster_port=${CLUSTER_HTTP_PORT:-10100}
worker_name=${CANOPY_WORKER_NAME:-worker1}

# Secrets generated once and reused (0600 under $state/secrets, never printed):
# - the bootstrap Admin's password (the root uses ADMIN_PASSWORD only when it creates "Admin");
# - the cluster join token: the root accepts it from boot (ROOT_BOOTSTRAP_CLUSTER_TOKEN, stored
#   hashed) and the local cluster presents it (CLUSTER_JOIN_TOKEN). More clusters can use it, or
#   get their own from POST /api/clusters/join-tokens.
secrets=$state/secrets
mkdir -p "$secrets" && chmod 0700 "$secrets"
ensure_secret() { # FILE [PREFIX]
  [[ -s $1 ]] || (umask 077 && printf '%s%s' "${2:-}" "$(random_secret)" >"$1")
  chmod 0600 "$1"
  cat "$1"
}
admin_password_file=$secrets/root-admin.password
cluster_token_file=$secrets/cluster-join.token
worker_token_file=$secrets/worker-join.token
admin_password=$(ensure_secret "$admin_password_file")
cluster_join_token=$(ensure_secret "$cluster_token_file" cjt_local_)
# - the worker join token: the cluster accepts it (WORKER_JOIN_TOKEN), workers present it.
worker_join_token=$(ensure_secret "$worker_token_file" wjt_local_)

step build "root_orchestrator, cluster_orchestrator, node_engine (log: $state/log/build.log)"
mkdir -p "$state/log" "$state/run"
NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false npx nx run-many -t build \
  -p root_orchestrator cluster_orchestrator node_engine --output-style=static --parallel=2 >"$state/log/build.log" 2>&1 \
  || { tail -40 "$state/log/build.log" >&2; die "build failed (full log: $state/log/build.log)"; }


# start_app APP PORT VAR=value... : restarts dist/APP/main.js with exactly these variables on
# top of the environment, then waits for GET /health to answer 200.
start_app() {
  local app=$1 port=$2 name="canopy-$1"
  shift 2
  step "$name" "restarting on :$port"
  stop_daemon "$name" "$state/run/$name.pid"
  # shellcheck disable=SC2163 # "$@" holds VAR=value words: exporting them is the point
  (export "$@"; start_daemon "$name" "$state/run/$name.pid" "$state/log/$name.log" -- node "dist/$app/main.js") || exit 1
  wait_ready "$name" 60 "$state/run/$name.pid" "$state/log/$name.log" -- \
    bash -c '[[ $(http_head 127.0.0.1 "$0" /health | head -n1) == *" 200 "* ]]' "$port"
}
export -f http_head

start_app root_orchestrator "$root_port" \
  ROOT_HTTP_PORT="$root_port" ROOT_GRPC_PORT="$root_grpc_port" MONGO_URL="$MONGO_URL/canopy_root" REDIS_URL="$REDIS_URL" \
  ADMIN_PASSWORD="$admin_password" ROOT_BOOTSTRAP_CLUSTER_TOKEN="$cluster_join_token"
start_app cluster_orchestrator "$cluster_port" \
  CLUSTER_NAME="$cluster_name" CLUSTER_LOCATION="$cluster_location" CLUSTER_HTTP_PORT="$cluster_port" \
  ROOT_URL="127.0.0.1:$root_grpc_port" CLUSTER_JOIN_TOKEN="$cluster_join_token" \
  WORKER_JOIN_TOKEN="$worker_join_token" CLUSTER_REPORT_INTERVAL="${CANOPY_CLUSTER_REPORT_INTERVAL:-5s}" \
  MONGO_URL="$MONGO_URL/canopy_cluster_$cluster_name" \
  REDIS_URL="$REDIS_URL" MQTT_URL="$MQTT_URL" MQTT_USERNAME="$MQTT_ADMIN_USERNAME" MQTT_PASSWORD="$MQTT_ADMIN_PASSWORD"

step "cluster $cluster_name" "registering with the root"
wait_ready "cluster $cluster_name registration" 30 "$state/run/canopy-cluster_orchestrator.pid" \
  "$state/log/canopy-cluster_orchestrator.log" -- \
  node -e 'fetch(process.argv[1]).then((r) => r.json()).then((b) => process.exit(b.phase === "connected" ? 0 : 1), () => process.exit(1))' \
  "http://127.0.0.1:$cluster_port/api/cluster/status"

# The worker agent: config written on every run (so a changed port or token is picked up), state
# (identity, credentials, desired set) kept in $state/$worker_name/state across restarts.
# Restarting the agent leaves its containers running; it adopts them again.
worker_dir=$state/$worker_name
worker_config=$worker_dir/node.json
# The worker's data plane (bridge, WireGuard tunnel, nftables ServiceIP DNAT) is on unless
# CANOPY_NETWORK=off (then containers use Docker's bridge). Port mappings answer on the
# underlay address: the source address of this host's default route.
network=${CANOPY_NETWORK:-on}
[[ $network =~ ^(on|off)$ ]] || die "CANOPY_NETWORK must be on or off (got \"$network\")"
underlay=""
if [[ $network == on ]]; then
  underlay=$(ip -4 -o route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  if [[ -z $underlay ]]; then
    warn "no default route: the worker runs without Canopy networking (set one, or CANOPY_NETWORK=off to silence this)"
    network=off
  fi
fi
step "worker $worker_name" "restarting the node engine (config: $worker_config)"
mkdir -p "$worker_dir" && chmod 0700 "$worker_dir"
(
  umask 077
  node -e 'const [file, port, token, dir, name, underlay] = process.argv.slice(1);
    const config = { cluster_address: "127.0.0.1", cluster_port: Number(port), join_token: token,
      state_dir: `${dir}/state`, app_logs: `${dir}/logs`, node_name: name, labels: { site: "local" },
      network: underlay ? { enabled: true, backend: "wireguard", underlay_address: underlay } : { enabled: false } };
    require("fs").writeFileSync(`${file}.tmp`, JSON.stringify(config, null, 2) + "\n");
    require("fs").renameSync(`${file}.tmp`, file);' \
    "$worker_config" "$cluster_port" "$worker_join_token" "$worker_dir" "$worker_name" "$underlay"
)
node dist/node_engine/main.js check-config --config "$worker_config" >/dev/null ||
  die "the generated worker config $worker_config is invalid: node dist/node_engine/main.js check-config --config $worker_config"
worker_pid=$state/run/canopy-node_engine-$worker_name.pid
stop_daemon "canopy-node_engine-$worker_name" "$worker_pid"
start_daemon "canopy-node_engine-$worker_name" "$worker_pid" "$state/log/canopy-node_engine-$worker_name.log" \
  -- node dist/node_engine/main.js start --config "$worker_config" || exit 1
step "worker $worker_name" "joining cluster $cluster_name"
wait_ready "worker $worker_name" 60 "$worker_pid" "$state/log/canopy-node_engine-$worker_name.log" -- \
  node -e 'fetch(process.argv[1]).then((r) => r.json()).then((ws) => process.exit(ws.some((w) => w.host === process.argv[2] && w.active) ? 0 : 1), () => process.exit(1))' \
  "http://127.0.0.1:$cluster_port/api/workers" "$worker_name"

step_end
cat <<MSG

[canopy] Canopy is up.
  root orchestrator     http://127.0.0.1:$root_port   (health: /health, metrics: /metrics)  log: $state/log/canopy-root_orchestrator.log
  root gRPC (clusters)  127.0.0.1:$root_grpc_port
  cluster "$cluster_name"     http://127.0.0.1:$cluster_port   (health: /health, metrics: /metrics, registration: /api/cluster/status)  log: $state/log/canopy-cluster_orchestrator.log
  worker "$worker_name"        state: $worker_dir   log: $state/log/canopy-node_engine-$worker_name.log   status: node dist/node_engine/main.js status --config $worker_config
  worker networking:    ${network}${underlay:+ (underlay $underlay: port mappings answer there; tunnel UDP 50103; bridge canopy0, subnet from the cluster)}
  registered clusters:  curl http://127.0.0.1:$root_port/api/clusters/
  cluster's workers:    curl http://127.0.0.1:$cluster_port/api/workers
  sample app:           sudo bash deploy/local/sample-app.sh deploy   (then: status, logs, delete)
  Admin password:       $admin_password_file   (used when "Admin" is first created; login: POST /api/auth/login)
  cluster join token:   $cluster_token_file   (reusable: more local clusters may join with it)
  worker join token:    $worker_token_file   (more workers: canopy-node config set join_token <token>)
  stop everything:      sudo bash deploy/local/stop.sh
MSG
