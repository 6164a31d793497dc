#!/usr/bin/env bash
# Canopy local infrastructure: installs (Debian 12, apt) and starts, all on 127.0.0.1:
#   FerretDB v1.24.2 (SQLite) :27017 · Redis :6379 · Mosquitto (dynamic security) :10003 ·
#   Docker engine (/var/run/docker.sock) · test image canopy/busybox:test · registry :5000
# then writes $CANOPY_STATE_DIR/local.env. Idempotent: a second run changes nothing.
# Stop everything it started with deploy/local/stop.sh. See deploy/local/README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

need_root

STATE=${CANOPY_STATE_DIR:-/var/lib/canopy-local}
CACHE=${CANOPY_CACHE_DIR:-/var/cache/canopy}
WITH_REGISTRY=${CANOPY_WITH_REGISTRY:-1}
[[ $STATE == /* && $CACHE == /* ]] || die "CANOPY_STATE_DIR and CANOPY_CACHE_DIR must be absolute paths"
case $WITH_REGISTRY in
  0 | false | no | off) WITH_REGISTRY=0 ;;
  *) WITH_REGISTRY=1 ;;
esac

FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_BIN=$CACHE/bin/ferretdb-$FERRETDB_VERSION
MONGO_PORT=27017
DEFAULT_MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT
MONGO_FALLBACK_IMAGE=mongo:7.0
MONGO_CONTAINER=canopy-mongo
REDIS_PORT=6379
MQTT_PORT=10003
MQTT_ADMIN_USER=canopy-admin
MQTT_ADMIN_ROLE="admin"        # created by `mosquitto_ctrl dynsec init`: dynsec administration
MQTT_BROAD_ROLE=canopy-all    # ours: publish/subscribe/receive on every normal topic (#)
REGISTRY_PORT=5000
REGISTRY=127.0.0.1:$REGISTRY_PORT
DOCKER_SOCKET=/var/run/docker.sock
TEST_IMAGE=canopy/busybox:test
NODE_MIN_MAJOR=20

DATA=$STATE/data
LOGS=$STATE/log
RUN=$STATE/run
CONF=$STATE/config
SECRETS=$STATE/secrets
ENV_FILE=$STATE/local.env
MQTT_PASSWORD_FILE=$SECRETS/mqtt-admin.password
DYNSEC_FILE=$DATA/mosquitto/dynamic-security.json

export DOCKER_HOST=unix://$DOCKER_SOCKET
export DOCKER_BUILDKIT=0 # legacy builder: works with Debian's client and daemon, no buildx needed
DOCKER=docker

# rows for the final table: service|address|pid|status|log
ROWS=()
row() { ROWS+=("$1|$2|$3|$4|$5"); }

mkdir -p "$DATA" "$LOGS" "$RUN" "$CONF" "$SECRETS" "$CACHE/bin"
chmod 0755 "$STATE" "$DATA"
chmod 0700 "$SECRETS"

canopy_lock "$RUN/.lock"

log "provisioning Canopy local infrastructure (state $STATE, cache $CACHE)"

# ---------------------------------------------------------------------------------------
step preflight "Node.js >= $NODE_MIN_MAJOR"
node_version=$(node --version 2>/dev/null || true)
if [[ ! $node_version =~ ^v([0-9]+)\. ]] || ((BASH_REMATCH[1] < NODE_MIN_MAJOR)); then
  die "Node.js >= $NODE_MIN_MAJOR is required (found: ${node_version:-none}). Debian 12's 'nodejs' package is 18, too old.
  Install Node 20+ e.g. with NodeSource:  curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs
  or the official binaries from https://nodejs.org/en/download (or nvm/fnm/volta), then re-run $0"
fi
info "node $node_version"

# ---------------------------------------------------------------------------------------
step packages "Debian packages"
apt_ensure ca-certificates openssl docker.io redis-server mosquitto mosquitto-clients \
  wireguard-go wireguard-tools nftables iproute2 iperf3 busybox-static tcpdump iptables util-linux
if [[ $WITH_REGISTRY == 1 ]]; then apt_ensure docker-registry; fi

# ---------------------------------------------------------------------------------------
step docker "Docker engine on $DOCKER_SOCKET"
docker_info_any() { docker info >/dev/null 2>&1 || /usr/bin/docker info >/dev/null 2>&1; }
DOCKERD_PIDFILE=$RUN/dockerd.pid
DOCKERD_LOG=$LOGS/dockerd.log
if daemon_running "$DOCKERD_PIDFILE"; then
  wait_ready dockerd 60 "$DOCKERD_PIDFILE" "$DOCKERD_LOG" -- docker_info_any
  docker_status=already-running
  docker_pid=$(pidfile_pid "$DOCKERD_PIDFILE")
  info "dockerd: already running (pid $docker_pid, started by canopy)"
elif docker_info_any; then
  docker_pid=$(pidfile_pid /var/run/docker.pid)
  docker_status=reused
  info "dockerd: $DOCKER_SOCKET already answers (dockerd pid ${docker_pid:-?}, not started by canopy): reusing it"
else
  other=$(pidfile_pid /var/run/docker.pid)
  if [[ -n $other ]] && kill -0 "$other" 2>/dev/null; then
    die "dockerd pid $other ($(_pid_exe "$other")) is running but $DOCKER_SOCKET does not answer 'docker info'; it was not started by canopy, so fix or stop it yourself"
  fi
  start_daemon dockerd "$DOCKERD_PIDFILE" "$DOCKERD_LOG" -- dockerd --host="unix://$DOCKER_SOCKET"
  wait_ready dockerd 90 "$DOCKERD_PIDFILE" "$DOCKERD_LOG" -- docker_info_any
  docker_status=$DAEMON_RESULT
  docker_pid=$(pidfile_pid "$DOCKERD_PIDFILE")
fi
# /usr/local/bin/docker (a newer client) may shadow Debian's; API version negotiation
# normally makes it work with dockerd 20.10. Fall back to Debian's client if it does not.
if ! docker info >/dev/null 2>&1; then
  warn "'$(command -v docker || echo docker)' cannot talk to the daemon; using /usr/bin/docker"
  DOCKER=/usr/bin/docker
fi
info "client $($DOCKER version -f '{{.Client.Version}} (API {{.Client.APIVersion}})'), server $($DOCKER version -f '{{.Server.Version}} (API {{.Server.APIVersion}})')"
row docker "unix://$DOCKER_SOCKET" "${docker_pid:--}" "$docker_status" "$DOCKERD_LOG"

# ---------------------------------------------------------------------------------------
step mongo "MongoDB API: FerretDB $FERRETDB_VERSION on 127.0.0.1:$MONGO_PORT (or MONGO_URL)"
FERRETDB_PIDFILE=$RUN/ferretdb.pid
FERRETDB_LOG=$LOGS/ferretdb.log
mongo_ok() { mongo_ping 127.0.0.1 "$MONGO_PORT"; }

go_bin() {
  local g
  if [[ -n ${CANOPY_GO:-} ]]; then # explicit choice: that one or none
    [[ -x $CANOPY_GO ]] && printf '%s' "$CANOPY_GO"
    return
  fi
  for g in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [[ -n $g && -x $g ]] && {
      printf '%s' "$g"
      return 0
    }
  done
  return 1
}

# Builds FerretDB from the Go module proxy. `go install ...@v1.24.2` would produce a binary
# that panics at start (build/version/version.txt is generated by their release tooling and
# absent from the module zip), so: download the module, copy it somewhere writable, add
# version.txt, build ./cmd/ferretdb. Output cached at $FERRETDB_BIN.
build_ferretdb() {
  local go gover major minor json dir src out
  go=$(go_bin) || {
    info "no Go toolchain found"
    return 1
  }
  gover=$(HOME=${HOME:-/root} "$go" env GOVERSION 2>/dev/null || true)
  if [[ ! $gover =~ ^go([0-9]+)\.([0-9]+) ]]; then
    info "cannot determine the version of $go ($gover)"
    return 1
  fi
  major=${BASH_REMATCH[1]}
  minor=${BASH_REMATCH[2]}
  # FerretDB's go.mod says "go 1.24"; Go >= 1.21 fetches that toolchain itself from the
  # module proxy (GOTOOLCHAIN=auto, the default), older Go cannot build it.
  if ((major == 1 && minor < 21)); then
    info "$go is $gover; FerretDB $FERRETDB_VERSION needs Go >= 1.24 (or >= 1.21 with GOTOOLCHAIN=auto)"
    return 1
  fi
  info "building FerretDB $FERRETDB_VERSION with $go ($gover); takes ~1.5 min on 2 cores (log $LOGS/ferretdb-build.log)"
  mkdir -p "$CACHE/build"
  src=$CACHE/build/ferretdb-$FERRETDB_VERSION-src
  out=$FERRETDB_BIN.tmp.$$
  rm -rf "$src"
  (
    export HOME=${HOME:-/root} GOFLAGS=-buildvcs=false CGO_ENABLED=0
    cd "$CACHE/build"
    json=$("$go" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION") || exit 1
    dir=$(sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p' <<<"$json")
    [[ -n $dir && -d $dir ]] || {
      echo "go mod download gave no Dir: $json"
      exit 1
    }
    mkdir -p "$src"
    cp -a "$dir/." "$src/"
    chmod -R u+w "$src"
    printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    cd "$src"
    "$go" build -trimpath -o "$out" ./cmd/ferretdb
  ) >>"$LOGS/ferretdb-build.log" 2>&1 || {
    rm -rf "$src" "$out"
    warn "FerretDB build failed; last lines of $LOGS/ferretdb-build.log:"
    tail -n 15 "$LOGS/ferretdb-build.log" | sed 's/^/           | /' >&2
    return 1
  }
  rm -rf "$src"
  if ! "$out" --version 2>/dev/null | grep -qx "version: $FERRETDB_VERSION"; then
    rm -f "$out"
    warn "the freshly built FerretDB does not report version $FERRETDB_VERSION"
    return 1
  fi
  mv -f "$out" "$FERRETDB_BIN"
  info "built $FERRETDB_BIN"
}

ferretdb_binary_ok() {
  [[ -x $FERRETDB_BIN ]] && "$FERRETDB_BIN" --version 2>/dev/null | grep -qx "version: $FERRETDB_VERSION"
}

start_ferretdb() {
  local args_file=$CONF/ferretdb.args args=(
    --handler=sqlite
    "--sqlite-url=file:$DATA/ferretdb/"
    "--state-dir=$DATA/ferretdb"
    "--listen-addr=127.0.0.1:$MONGO_PORT"
    --telemetry=disable
    --debug-addr=-
    --log-level=info
  )
  mkdir -p "$DATA/ferretdb"
  if printf '%s\n' "$FERRETDB_BIN" "${args[@]}" | write_if_changed "$args_file" 0644 &&
    daemon_running "$FERRETDB_PIDFILE"; then
    info "ferretdb: command line changed, restarting"
    stop_daemon ferretdb "$FERRETDB_PIDFILE"
  fi
  if ! daemon_running "$FERRETDB_PIDFILE" && port_open 127.0.0.1 "$MONGO_PORT"; then
    if mongo_ok; then
      info "127.0.0.1:$MONGO_PORT already answers MongoDB ping: $(port_owner "$MONGO_PORT"); not started by canopy, reusing it"
      row mongodb "$DEFAULT_MONGO_URL" "$(port_owner_pid "$MONGO_PORT")" reused -
      return 0
    fi
    die "port 127.0.0.1:$MONGO_PORT is taken by $(port_owner "$MONGO_PORT"), which does not answer a MongoDB ping; free the port (or set MONGO_URL to a MongoDB you run yourself)"
  fi
  start_daemon ferretdb "$FERRETDB_PIDFILE" "$FERRETDB_LOG" -- "$FERRETDB_BIN" "${args[@]}"
  wait_ready ferretdb 60 "$FERRETDB_PIDFILE" "$FERRETDB_LOG" -- mongo_ok
  row "ferretdb $FERRETDB_VERSION" "$DEFAULT_MONGO_URL" "$(pidfile_pid "$FERRETDB_PIDFILE")" "$DAEMON_RESULT" "$FERRETDB_LOG"
}

start_mongo_container() {
  local pid
  if [[ -z $($DOCKER ps -aq --filter "name=^/$MONGO_CONTAINER\$") ]]; then
    port_open 127.0.0.1 "$MONGO_PORT" &&
      die "port 127.0.0.1:$MONGO_PORT is taken by $(port_owner "$MONGO_PORT")"
    $DOCKER run -d --name "$MONGO_CONTAINER" --label org.canopy.managed=true \
      -p "127.0.0.1:$MONGO_PORT:27017" -v "$DATA/mongo:/data/db" "$MONGO_FALLBACK_IMAGE" >/dev/null
    echo "$MONGO_CONTAINER" >"$RUN/mongo.container"
    status=started-now
  elif [[ $($DOCKER inspect -f '{{.State.Running}}' "$MONGO_CONTAINER") != true ]]; then
    $DOCKER start "$MONGO_CONTAINER" >/dev/null
    echo "$MONGO_CONTAINER" >"$RUN/mongo.container"
    status=started-now
  else
    status=already-running
  fi
  wait_ready mongo 90 - - -- mongo_ok
  pid=$($DOCKER inspect -f '{{.State.Pid}}' "$MONGO_CONTAINER")
  row "mongo (docker $MONGO_CONTAINER)" "$DEFAULT_MONGO_URL" "$pid" "$status" "docker logs $MONGO_CONTAINER"
}

MONGO_URL_OUT=$DEFAULT_MONGO_URL
if [[ -n ${MONGO_URL:-} && ${MONGO_URL%/} != "$DEFAULT_MONGO_URL" ]]; then
  # A MongoDB provided by the user: FerretDB is not started at all.
  MONGO_URL_OUT=$MONGO_URL
  info "MONGO_URL given ($MONGO_URL): not starting FerretDB"
  if [[ $MONGO_URL =~ ^mongodb://([^@/]*@)?([^:/,@]+):?([0-9]*)/?[^,]*$ ]]; then
    h=${BASH_REMATCH[2]}
    p=${BASH_REMATCH[3]:-27017}
    if mongo_ping "$h" "$p"; then info "$h:$p answers a MongoDB ping"; else die "MONGO_URL: $h:$p does not answer a MongoDB ping"; fi
  else
    warn "MONGO_URL is not a single-host mongodb:// URL; not checked here"
  fi
  daemon_running "$FERRETDB_PIDFILE" && info "FerretDB from an earlier run is still running (unused); deploy/local/stop.sh stops it"
  row mongodb "$MONGO_URL" - "external (MONGO_URL)" -
elif daemon_running "$FERRETDB_PIDFILE" || ferretdb_binary_ok; then
  info "FerretDB binary: $FERRETDB_BIN (cached)"
  start_ferretdb
elif [[ -f $RUN/mongo.container ]] && [[ $($DOCKER ps -aq --filter "name=^/$MONGO_CONTAINER\$") ]]; then
  info "using the $MONGO_FALLBACK_IMAGE container set up by an earlier run"
  start_mongo_container
elif build_ferretdb; then
  start_ferretdb
else
  info "FerretDB unavailable; trying the official $MONGO_FALLBACK_IMAGE image via Docker"
  if $DOCKER image inspect "$MONGO_FALLBACK_IMAGE" >/dev/null 2>&1 ||
    timeout 300 $DOCKER pull -q "$MONGO_FALLBACK_IMAGE" >>"$LOGS/mongo-pull.log" 2>&1; then
    start_mongo_container
  else
    die "no MongoDB-compatible database available: FerretDB could not be built and '$MONGO_FALLBACK_IMAGE' cannot be pulled (see $LOGS/mongo-pull.log).
  Install Go >= 1.24 (https://go.dev/dl/: tar -C /usr/local -xzf go1.2x.linux-amd64.tar.gz; Debian 12's golang-go 1.19 is too old)
  and make proxy.golang.org reachable, or run a MongoDB yourself and re-run with MONGO_URL=mongodb://host:port"
  fi
fi

# ---------------------------------------------------------------------------------------
step redis "Redis on 127.0.0.1:$REDIS_PORT"
REDIS_PIDFILE=$RUN/redis.pid
REDIS_LOG=$LOGS/redis.log
redis_ok() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning PING 2>&1) == PONG ]]; }
mkdir -p "$DATA/redis"
chmod 0700 "$DATA/redis"
redis_conf_changed=0
write_if_changed "$CONF/redis.conf" 0644 <<EOF && redis_conf_changed=1
# generated by deploy/local/provision.sh
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
supervised no
logfile ""
dir $DATA/redis
dbfilename dump.rdb
appendonly yes
appendfsync everysec
save 3600 1 300 100 60 10000
EOF
if ((redis_conf_changed)) && daemon_running "$REDIS_PIDFILE"; then
  info "redis: config changed, restarting"
  stop_daemon redis "$REDIS_PIDFILE"
fi
if ! daemon_running "$REDIS_PIDFILE" && port_open 127.0.0.1 "$REDIS_PORT"; then
  if redis_ok; then
    info "127.0.0.1:$REDIS_PORT already answers Redis PING: $(port_owner "$REDIS_PORT"); not started by canopy, reusing it"
    [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" CONFIG GET appendonly 2>/dev/null | tail -n1) == yes ]] ||
      warn "that Redis runs without appendonly: queued jobs may not survive its restart"
    row redis "redis://127.0.0.1:$REDIS_PORT" "$(port_owner_pid "$REDIS_PORT")" reused -
  else
    die "port 127.0.0.1:$REDIS_PORT is taken by $(port_owner "$REDIS_PORT"), which does not answer an unauthenticated Redis PING; stop it or free the port"
  fi
else
  start_daemon redis "$REDIS_PIDFILE" "$REDIS_LOG" -- redis-server "$CONF/redis.conf"
  wait_ready redis 30 "$REDIS_PIDFILE" "$REDIS_LOG" -- redis_ok
  row redis "redis://127.0.0.1:$REDIS_PORT" "$(pidfile_pid "$REDIS_PIDFILE")" "$DAEMON_RESULT" "$REDIS_LOG"
fi

# ---------------------------------------------------------------------------------------
step mosquitto "Mosquitto on 127.0.0.1:$MQTT_PORT (authenticated clients only)"
MOSQ_PIDFILE=$RUN/mosquitto.pid
MOSQ_LOG=$LOGS/mosquitto.log
MOSQ_PASSWD_FILE=$DATA/mosquitto/passwd # fallback mode only
MOSQ_ACL_FILE=$DATA/mosquitto/acl       # fallback mode only
DYNSEC_PLUGIN=$(dpkg -L mosquitto 2>/dev/null | grep -m1 '/mosquitto_dynamic_security\.so$' || true)
if [[ ${CANOPY_MQTT_DYNSEC:-1} == 0 ]]; then
  MQTT_AUTH=files
  info "CANOPY_MQTT_DYNSEC=0: using password_file + acl_file instead of the dynamic-security plugin"
elif [[ -n $DYNSEC_PLUGIN && -f $DYNSEC_PLUGIN ]] && command -v mosquitto_ctrl >/dev/null; then
  MQTT_AUTH=dynsec
else
  MQTT_AUTH=files
  warn "mosquitto's dynamic-security plugin or mosquitto_ctrl is missing: using password_file + acl_file"
fi
MOSQ_USER=mosquitto
getent passwd "$MOSQ_USER" >/dev/null || MOSQ_USER=root

if [[ ! -s $MQTT_PASSWORD_FILE ]]; then
  for f in "$DYNSEC_FILE" "$MOSQ_PASSWD_FILE"; do
    if [[ -f $f ]]; then
      die "$f exists but the admin password file $MQTT_PASSWORD_FILE is missing.
  Restore the password file, or delete $f (this drops all runtime-created MQTT clients) and re-run."
    fi
  done
  (umask 077 && random_secret >"$MQTT_PASSWORD_FILE")
  info "generated the MQTT admin password ($MQTT_PASSWORD_FILE)"
fi
chmod 0600 "$MQTT_PASSWORD_FILE"
MQTT_ADMIN_PASSWORD=$(<"$MQTT_PASSWORD_FILE")

mkdir -p "$DATA/mosquitto"
# Writes the initial dynamic-security file: what `mosquitto_ctrl dynsec init` writes (client
# $MQTT_ADMIN_USER with role "admin") plus our role $MQTT_BROAD_ROLE, so the broker starts
# with the final setup. Password hash as dynsec stores it: base64(PBKDF2-HMAC-SHA512(password,
# 12-byte salt, 101 iterations, 64 bytes)), computed by openssl (a dependency of ca-certificates).
write_dynsec_file() {
  local salt_b64 salt_hex hash acl admin_acls="" broad_acls=""
  salt_b64=$(head -c 12 /dev/urandom | base64 -w0)
  salt_hex=$(base64 -d <<<"$salt_b64" | od -An -v -tx1 | tr -d ' \n')
  hash=$(openssl kdf -keylen 64 -kdfopt digest:SHA512 -kdfopt "pass:$MQTT_ADMIN_PASSWORD" \
    -kdfopt "hexsalt:$salt_hex" -kdfopt iter:101 -binary PBKDF2 2>/dev/null | base64 -w0) || return 1
  [[ ${#hash} -eq 88 ]] || return 1
  # shellcheck disable=SC2016 # literal MQTT topics
  for acl in 'publishClientSend $CONTROL/dynamic-security/#' 'publishClientReceive $CONTROL/dynamic-security/#' \
    'subscribePattern $CONTROL/dynamic-security/#' 'publishClientReceive $SYS/#' 'subscribePattern $SYS/#' \
    'publishClientReceive #' 'subscribePattern #' 'unsubscribePattern #'; do
    admin_acls+="${admin_acls:+,}
        { \"acltype\": \"${acl%% *}\", \"topic\": \"${acl#* }\", \"allow\": true }"
  done
  for acl in publishClientSend publishClientReceive subscribePattern unsubscribePattern; do
    broad_acls+="${broad_acls:+,}
        { \"acltype\": \"$acl\", \"topic\": \"#\", \"allow\": true }"
  done
  (
    umask 077
    cat >"$DYNSEC_FILE.tmp" <<EOF
{
  "defaultACLAccess": { "publishClientSend": false, "publishClientReceive": true, "subscribe": false, "unsubscribe": true },
  "clients": [
    {
      "username": "$MQTT_ADMIN_USER",
      "textName": "Canopy admin: dynsec administration + publish/subscribe on #",
      "password": "$hash",
      "salt": "$salt_b64",
      "iterations": 101,
      "roles": [ { "rolename": "$MQTT_ADMIN_ROLE" }, { "rolename": "$MQTT_BROAD_ROLE" } ]
    }
  ],
  "groups": [],
  "roles": [
    { "rolename": "$MQTT_ADMIN_ROLE", "textname": "dynamic-security administration", "acls": [$admin_acls
      ] },
    { "rolename": "$MQTT_BROAD_ROLE", "textname": "publish/subscribe on all normal topics", "acls": [$broad_acls
      ] }
  ]
}
EOF
  ) && mv -f "$DYNSEC_FILE.tmp" "$DYNSEC_FILE"
}
if [[ $MQTT_AUTH == dynsec && ! -f $DYNSEC_FILE ]]; then
  if write_dynsec_file; then
    info "created $DYNSEC_FILE (client $MQTT_ADMIN_USER, roles $MQTT_ADMIN_ROLE + $MQTT_BROAD_ROLE)"
  else
    # no usable `openssl kdf`: let mosquitto_ctrl write it; $MQTT_BROAD_ROLE is added below
    rm -f "$DYNSEC_FILE.tmp"
    (umask 077 && mosquitto_ctrl dynsec init "$DYNSEC_FILE" "$MQTT_ADMIN_USER" "$MQTT_ADMIN_PASSWORD" >/dev/null) ||
      die "mosquitto_ctrl dynsec init failed"
    info "initialised $DYNSEC_FILE with mosquitto_ctrl (client $MQTT_ADMIN_USER, role $MQTT_ADMIN_ROLE)"
  fi
fi
if [[ $MQTT_AUTH == files ]]; then
  if [[ ! -f $MOSQ_PASSWD_FILE ]]; then
    (umask 077 && mosquitto_passwd -b -c "$MOSQ_PASSWD_FILE" "$MQTT_ADMIN_USER" "$MQTT_ADMIN_PASSWORD") ||
      die "mosquitto_passwd failed"
    info "created $MOSQ_PASSWD_FILE (user $MQTT_ADMIN_USER)"
  fi
  # created once: the cluster orchestrator appends per-worker blocks at runtime
  if [[ ! -f $MOSQ_ACL_FILE ]]; then
    (umask 077 && cat >"$MOSQ_ACL_FILE") <<EOF
# Mosquitto acl_file written once by deploy/local/provision.sh (fallback without dynsec).
# To add a worker: mosquitto_passwd -b $MOSQ_PASSWD_FILE <user> <password>, append
#   user <user>
#   topic readwrite nodes/<worker-id>/#
# here, then reload both files: kill -HUP \$(cat $MOSQ_PIDFILE)
user $MQTT_ADMIN_USER
topic readwrite #
topic read \$SYS/#
EOF
    info "created $MOSQ_ACL_FILE"
  fi
fi
# the broker drops root privileges to $MOSQ_USER and rewrites these files at runtime
chown -R "$MOSQ_USER:" "$DATA/mosquitto"
chmod 0700 "$DATA/mosquitto"
find "$DATA/mosquitto" -maxdepth 1 -type f \( -name '*.json' -o -name passwd -o -name acl \) -exec chmod 0600 {} +
if [[ $MQTT_AUTH == dynsec ]]; then
  mosq_auth_conf="plugin $DYNSEC_PLUGIN
plugin_opt_config_file $DYNSEC_FILE"
else
  mosq_auth_conf="password_file $MOSQ_PASSWD_FILE
acl_file $MOSQ_ACL_FILE"
fi

mosq_conf_changed=0
write_if_changed "$CONF/mosquitto.conf" 0644 <<EOF && mosq_conf_changed=1
# generated by deploy/local/provision.sh
per_listener_settings false
user $MOSQ_USER
listener $MQTT_PORT 127.0.0.1
allow_anonymous false
persistence true
persistence_location $DATA/mosquitto/
autosave_interval 60
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S
$mosq_auth_conf
EOF

mqtt_args() { printf '%s\n' -h 127.0.0.1 -p "$MQTT_PORT" -u "$MQTT_ADMIN_USER" -P "$MQTT_ADMIN_PASSWORD"; }
# publish (retained, QoS 1) then subscribe with the admin credentials; clear the retained msg.
mqtt_roundtrip() {
  local token topic got a
  mapfile -t a < <(mqtt_args)
  token=roundtrip-$$-$RANDOM$RANDOM
  topic=canopy/selftest/$token
  mosquitto_pub "${a[@]}" -i "canopy-selftest-pub-$$" -q 1 -r -t "$topic" -m "$token" 2>/dev/null || return 1
  got=$(mosquitto_sub "${a[@]}" -i "canopy-selftest-sub-$$" -q 1 -C 1 -W 5 -t "$topic" 2>/dev/null || true)
  mosquitto_pub "${a[@]}" -i "canopy-selftest-pub-$$" -q 1 -r -n -t "$topic" 2>/dev/null || true
  [[ $got == "$token" ]]
}
mqtt_anonymous_refused() {
  local out
  if out=$(mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -i "canopy-selftest-anon-$$" -q 1 -t canopy/selftest/anon -m x 2>&1); then
    return 1
  fi
  [[ $out == *"not authori"* ]]
}
# mosquitto_ctrl always exits 0; errors are "<command>: Error: ..." lines on stderr.
dynsec() {
  local a out
  mapfile -t a < <(mqtt_args)
  out=$(mosquitto_ctrl "${a[@]}" dynsec "$@" 2>&1) || {
    printf '%s\n' "$out"
    return 1
  }
  out=$(grep -v -e '^Warning: You are running mosquitto_ctrl without encryption' \
    -e '^This means all of the configuration changes' -e '^$' <<<"$out" || true)
  printf '%s\n' "$out"
  [[ $out != *"Error"* ]]
}

if ((mosq_conf_changed)) && daemon_running "$MOSQ_PIDFILE"; then
  info "mosquitto: config changed, restarting"
  stop_daemon mosquitto "$MOSQ_PIDFILE"
fi
if ! daemon_running "$MOSQ_PIDFILE" && port_open 127.0.0.1 "$MQTT_PORT"; then
  if { [[ $MQTT_AUTH == dynsec ]] && dynsec getClient "$MQTT_ADMIN_USER" >/dev/null 2>&1; } || mqtt_roundtrip; then
    info "127.0.0.1:$MQTT_PORT already answers with our admin credentials: $(port_owner "$MQTT_PORT"); not started by canopy (pidfile lost?), reusing it"
    mosq_pid=$(port_owner_pid "$MQTT_PORT")
    mosq_status=reused
  else
    die "port 127.0.0.1:$MQTT_PORT is taken by $(port_owner "$MQTT_PORT"), which does not accept the canopy MQTT admin credentials; stop it or free the port"
  fi
else
  start_daemon mosquitto "$MOSQ_PIDFILE" "$MOSQ_LOG" -- mosquitto -c "$CONF/mosquitto.conf"
  mosq_status=$DAEMON_RESULT
  mosq_pid=$(pidfile_pid "$MOSQ_PIDFILE")
  wait_ready mosquitto 30 "$MOSQ_PIDFILE" "$MOSQ_LOG" -- port_open 127.0.0.1 "$MQTT_PORT"
fi
if [[ $MQTT_AUTH == dynsec ]]; then
  # The admin client also has broad publish/subscribe rights on normal topics (the dynsec
  # "admin" role only covers $CONTROL/dynamic-security/#, $SYS/# and receiving). Normally the
  # file written above has them already; this repairs files made by mosquitto_ctrl or by hand.
  # (Changing a client's roles makes dynsec kick that client, so addClientRole on ourselves
  # costs mosquitto_ctrl's ~10 s response timeout; it happens at most once.)
  admin_client=$(dynsec getClient "$MQTT_ADMIN_USER") ||
    die "mosquitto_ctrl dynsec getClient $MQTT_ADMIN_USER failed: $admin_client (is $MQTT_PASSWORD_FILE the password stored in $DYNSEC_FILE?)"
  if ! role=$(dynsec getRole "$MQTT_BROAD_ROLE"); then
    out=$(dynsec createRole "$MQTT_BROAD_ROLE") || die "dynsec createRole $MQTT_BROAD_ROLE: $out"
    role=""
    info "created dynsec role $MQTT_BROAD_ROLE"
  fi
  for acl in publishClientSend publishClientReceive subscribePattern unsubscribePattern; do
    if ! grep -Eq "^(ACLs:)?[[:space:]]*${acl}[[:space:]]*: allow : # " <<<"$role"; then
      out=$(dynsec addRoleACL "$MQTT_BROAD_ROLE" "$acl" '#' allow) || die "dynsec addRoleACL $MQTT_BROAD_ROLE $acl: $out"
      info "role $MQTT_BROAD_ROLE: $acl # allow"
    fi
  done
  if ! grep -Eq "^(Roles:)?[[:space:]]*$MQTT_BROAD_ROLE \(" <<<"$admin_client"; then
    out=$(dynsec addClientRole "$MQTT_ADMIN_USER" "$MQTT_BROAD_ROLE") || die "dynsec addClientRole: $out"
    info "gave $MQTT_ADMIN_USER the role $MQTT_BROAD_ROLE"
  fi
fi
wait_ready "mosquitto round trip" 20 - "$MOSQ_LOG" -- mqtt_roundtrip
mqtt_anonymous_refused || die "mosquitto on 127.0.0.1:$MQTT_PORT accepts anonymous clients; check $CONF/mosquitto.conf"
info "auth: $MQTT_AUTH; publish/subscribe round trip as $MQTT_ADMIN_USER ok; anonymous connection refused"
row mosquitto "mqtt://127.0.0.1:$MQTT_PORT" "${mosq_pid:--}" "$mosq_status" "$MOSQ_LOG"

# ---------------------------------------------------------------------------------------
step image "test image $TEST_IMAGE (FROM scratch + busybox-static)"
bb_version=$(dpkg-query -W -f='${Version}' busybox-static)
have=$($DOCKER image inspect -f '{{ index .Config.Labels "org.canopy.busybox-version" }}' "$TEST_IMAGE" 2>/dev/null || true)
if [[ $have == "$bb_version" ]]; then
  info "$TEST_IMAGE present (busybox-static $bb_version)"
  image_status=present
else
  ctx=$(mktemp -d)
  cp /bin/busybox "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && /bin/busybox mkdir -p /tmp /www /etc && /bin/busybox chmod 1777 /tmp"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL org.canopy.busybox-version="$bb_version" org.canopy.managed="true"
CMD ["/bin/sh"]
EOF
  if ! $DOCKER build -t "$TEST_IMAGE" "$ctx" >>"$LOGS/image-build.log" 2>&1; then
    rm -rf "$ctx"
    tail -n 20 "$LOGS/image-build.log" >&2
    die "docker build of $TEST_IMAGE failed (log $LOGS/image-build.log; dockerd log $DOCKERD_LOG)"
  fi
  rm -rf "$ctx"
  info "built $TEST_IMAGE (busybox-static $bb_version)"
  image_status=built-now
fi
out=$($DOCKER run --rm "$TEST_IMAGE" echo ok 2>&1) || true
[[ $out == ok ]] || die "'docker run --rm $TEST_IMAGE echo ok' printed '$out' (dockerd log $DOCKERD_LOG)"
info "docker run --rm $TEST_IMAGE echo ok -> ok"
row image "$TEST_IMAGE" - "$image_status" -

# ---------------------------------------------------------------------------------------
REGISTRY_PIDFILE=$RUN/registry.pid
REGISTRY_LOG=$LOGS/registry.log
if [[ $WITH_REGISTRY == 1 ]]; then
  step registry "local registry on $REGISTRY"
  registry_ok() { http_head 127.0.0.1 "$REGISTRY_PORT" /v2/ | grep -qi '^Docker-Distribution-Api-Version: registry/2'; }
  mkdir -p "$DATA/registry"
  reg_conf_changed=0
  write_if_changed "$CONF/registry.yml" 0644 <<EOF && reg_conf_changed=1
# generated by deploy/local/provision.sh
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: canopy-registry
storage:
  filesystem:
    rootdirectory: $DATA/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  if ((reg_conf_changed)) && daemon_running "$REGISTRY_PIDFILE"; then
    info "registry: config changed, restarting"
    stop_daemon registry "$REGISTRY_PIDFILE"
  fi
  if ! daemon_running "$REGISTRY_PIDFILE" && port_open 127.0.0.1 "$REGISTRY_PORT"; then
    registry_ok || die "port $REGISTRY is taken by $(port_owner "$REGISTRY_PORT"), which is not a Docker registry (GET /v2/); free the port or run with CANOPY_WITH_REGISTRY=0"
    info "$REGISTRY already serves the registry API: $(port_owner "$REGISTRY_PORT"); not started by canopy, reusing it"
    reg_status=reused
    reg_pid=$(port_owner_pid "$REGISTRY_PORT")
  else
    start_daemon registry "$REGISTRY_PIDFILE" "$REGISTRY_LOG" -- docker-registry serve "$CONF/registry.yml"
    wait_ready registry 30 "$REGISTRY_PIDFILE" "$REGISTRY_LOG" -- registry_ok
    reg_status=$DAEMON_RESULT
    reg_pid=$(pidfile_pid "$REGISTRY_PIDFILE")
  fi
  # push only when the registry's manifest does not point at the local image's config
  remote=$REGISTRY/$TEST_IMAGE
  local_id=$($DOCKER image inspect -f '{{.Id}}' "$TEST_IMAGE")
  manifest=$(timeout 10 busybox wget -q -O - \
    --header 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/${TEST_IMAGE%%:*}/manifests/${TEST_IMAGE##*:}" 2>/dev/null | tr -d ' \n\t' || true)
  if [[ $manifest == *"\"config\":{"*"\"digest\":\"$local_id\""* ]]; then
    info "$remote is up to date in the registry"
  else
    $DOCKER tag "$TEST_IMAGE" "$remote"
    $DOCKER push "$remote" >>"$LOGS/image-push.log" 2>&1 ||
      die "docker push $remote failed (log $LOGS/image-push.log). Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by default; if your daemon config overrides that, add \"insecure-registries\": [\"$REGISTRY\"]"
    info "pushed $remote"
  fi
  # a real pull through the registry API (plain HTTP, no insecure-registries config needed)
  $DOCKER pull -q "$remote" >/dev/null 2>&1 || die "docker pull $remote failed"
  info "docker pull $remote ok"
  row registry "http://$REGISTRY" "${reg_pid:--}" "$reg_status" "$REGISTRY_LOG"
else
  step registry "disabled (CANOPY_WITH_REGISTRY=0)"
  if daemon_running "$REGISTRY_PIDFILE"; then
    info "registry from an earlier run is running; stopping it since it is disabled now"
    stop_daemon registry "$REGISTRY_PIDFILE"
  fi
  row registry - - disabled -
fi

# ---------------------------------------------------------------------------------------
step env "write $ENV_FILE"
envval() { # shell- and dotenv-safe value: bare when possible, else single-quoted
  if [[ $1 =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
    printf '%s' "$1"
  elif [[ $1 != *"'"* ]]; then
    printf "'%s'" "$1"
  else
    die "value contains both shell-special characters and a single quote: $1"
  fi
}
{
  echo "CANOPY_STATE_DIR=$(envval "$STATE")"
  echo "MONGO_URL=$(envval "$MONGO_URL_OUT")"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT"
  echo "MQTT_ADMIN_USERNAME=$MQTT_ADMIN_USER"
  echo "MQTT_ADMIN_PASSWORD=$MQTT_ADMIN_PASSWORD"
  echo "DOCKER_SOCKET=$DOCKER_SOCKET"
  echo "CANOPY_TEST_IMAGE=$TEST_IMAGE"
  if [[ $WITH_REGISTRY == 1 ]]; then echo "CANOPY_REGISTRY=$REGISTRY"; fi
} | if write_if_changed "$ENV_FILE" 0600; then info "wrote $ENV_FILE"; else info "$ENV_FILE unchanged"; fi
step_end

# ---------------------------------------------------------------------------------------
{
  echo
  printf '%-18s %-34s %-8s %-16s %s\n' SERVICE ADDRESS PID STATUS LOG
  for r in "${ROWS[@]}"; do
    IFS='|' read -r s a p st l <<<"$r"
    printf '%-18s %-34s %-8s %-16s %s\n' "$s" "$a" "$p" "$st" "$l"
  done
  echo
  echo "env file:  $ENV_FILE   (use: set -a; . $ENV_FILE; set +a)"
  echo "stop:      $HERE/stop.sh          (data kept; --purge also deletes $DATA)"
  echo "total:     $(_canopy_elapsed)"
}
