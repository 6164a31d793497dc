# shellcheck shell=bash
# Shared helpers for deploy/local/*.sh. Source it; it defines functions and a few
# globals only (no side effects besides recording the start time).
#
#   log/info/warn/die            "[canopy] ..." progress lines on stderr, with elapsed time
#   step NAME DESCRIPTION...     starts a timed step (the previous one is closed and timed)
#   need_root
#   apt_ensure PKG...            installs missing Debian packages (apt-get update only if needed)
#   port_open HOST PORT          something accepts TCP connections there
#   port_owner PORT              "name (pid N)" of the local listener, or "unknown process"
#   wait_for_port HOST PORT TIMEOUT NAME
#   wait_ready NAME TIMEOUT PIDFILE LOGFILE -- CMD...   retry CMD until it succeeds; fails
#                                early (with the log tail) when the daemon dies
#   start_daemon NAME PIDFILE LOGFILE -- CMD...          background daemon, pid recorded
#   stop_daemon NAME PIDFILE [TIMEOUT]                   TERM, then KILL; exactly that pid
#   daemon_running PIDFILE       the pidfile's process is alive and is what we started
#   write_if_changed PATH MODE   content from stdin; returns 0 when the file changed
#   mongo_ping HOST PORT         dependency-free MongoDB wire-protocol {ping:1}

CANOPY_T0_MS=${CANOPY_T0_MS:-$(date +%s%3N)}
_CANOPY_STEP=""
_CANOPY_STEP_T0=0
APT_UPDATED=${APT_UPDATED:-0}
# Set by start_daemon: "started-now" or "already-running" (read by the calling scripts).
# shellcheck disable=SC2034
DAEMON_RESULT=""

_canopy_elapsed() {
  local now
  now=$(date +%s%3N)
  printf '+%d.%01ds' $(((now - CANOPY_T0_MS) / 1000)) $((((now - CANOPY_T0_MS) % 1000) / 100))
}

log() { printf '[canopy] %7s %s\n' "$(_canopy_elapsed)" "$*" >&2; }
info() { log "  $*"; }
warn() { log "  WARNING: $*"; }
die() {
  log "ERROR: $*"
  exit 1
}

_step_close() {
  if [[ -n $_CANOPY_STEP ]]; then
    local now ms
    now=$(date +%s%3N)
    ms=$((now - _CANOPY_STEP_T0))
    log "done $_CANOPY_STEP ($((ms / 1000)).$(((ms % 1000) / 100))s)"
    _CANOPY_STEP=""
  fi
}

step() {
  _step_close
  _CANOPY_STEP=$1
  shift
  _CANOPY_STEP_T0=$(date +%s%3N)
  log "step $_CANOPY_STEP: $*"
}

# Call at the very end of a successful run to time the last step.
step_end() { _step_close; }

need_root() {
  [[ ${EUID:-$(id -u)} -eq 0 ]] || die "must run as root (try: sudo $0)"
}

pkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

# apt_ensure PKG... : install whatever is missing, non-interactively, without recommends.
apt_ensure() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    info "packages present: $*"
    return 0
  fi
  info "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ $APT_UPDATED != 1 ]]; then
    apt-get update -q >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
}

port_open() {
  # shellcheck disable=SC2016 # $0/$1 expand in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# port_owner PORT -> "redis-server (pid 123)" for the process listening on TCP PORT.
port_owner() {
  local line name pid
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n1 || true)
  if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
    name=${BASH_REMATCH[1]}
    pid=${BASH_REMATCH[2]}
    printf '%s (pid %s, %s)' "$name" "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | tr -s " " | sed "s/ *$//" | cut -c1-120 || true)"
  else
    printf 'unknown process'
  fi
}

port_owner_pid() {
  local line
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n1 || true)
  [[ $line =~ pid=([0-9]+) ]] && printf '%s' "${BASH_REMATCH[1]}"
  return 0
}

wait_for_port() {
  local host=$1 port=$2 timeout=$3 name=$4 deadline
  deadline=$((SECONDS + timeout))
  until port_open "$host" "$port"; do
    ((SECONDS < deadline)) || {
      warn "$name: nothing answers on $host:$port after ${timeout}s"
      return 1
    }
    sleep 0.2
  done
}

# pid_alive PID: exists and is not a zombie (daemons are reparented to pid 1, which may be
# slow to reap them).
pid_alive() {
  local st
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 1
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

_pid_starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
_pid_exe() {
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  printf '%s' "${exe% (deleted)}"
}

pidfile_pid() {
  local pid=""
  if [[ -r $1 ]]; then read -r pid <"$1" || true; fi
  [[ $pid =~ ^[0-9]+$ ]] && printf '%s' "$pid"
  return 0
}

# daemon_running PIDFILE: true when the recorded pid is alive AND is the very process we
# started (same executable and kernel start time, recorded in PIDFILE.meta), so a recycled
# pid is never mistaken for ours.
daemon_running() {
  local pidfile=$1 pid exe start want_exe="" want_start=""
  pid=$(pidfile_pid "$pidfile")
  pid_alive "$pid" || return 1
  [[ -r $pidfile.meta ]] || return 1
  want_exe=$(sed -n 's/^exe=//p' "$pidfile.meta")
  want_start=$(sed -n 's/^start=//p' "$pidfile.meta")
  exe=$(_pid_exe "$pid") || return 1
  start=$(_pid_starttime "$pid")
  [[ $exe == "$want_exe" && $start == "$want_start" ]]
}

_daemon_log_tail() {
  [[ -r $1 ]] || return 0
  log "  last lines of $1:"
  tail -n 25 "$1" | sed 's/^/           | /' >&2
}

# start_daemon NAME PIDFILE LOGFILE -- CMD...
# Starts CMD in its own session (setsid, stdin /dev/null, SIGHUP ignored, output appended to
# LOGFILE) and records its pid in PIDFILE (+ PIDFILE.meta: executable and start time).
# Refuses to start a second copy while the recorded process is alive and is the expected
# binary; a stale pidfile is replaced. Sets DAEMON_RESULT.
start_daemon() {
  local name=$1 pidfile=$2 logfile=$3 bin exe pid i
  shift 3
  [[ ${1:-} == -- ]] && shift
  bin=$(command -v "$1") || die "$name: executable not found: $1"
  bin=$(readlink -f "$bin")
  if daemon_running "$pidfile"; then
    pid=$(pidfile_pid "$pidfile")
    if [[ $(sed -n 's/^exe=//p' "$pidfile.meta") == "$bin" ]]; then
      info "$name: already running (pid $pid), not starting a second copy"
      # shellcheck disable=SC2034
      DAEMON_RESULT=already-running
      return 0
    fi
    die "$name: pidfile $pidfile points to live pid $pid running $(_pid_exe "$pid"), expected $bin; stop it first (deploy/local/stop.sh)"
  fi
  if [[ -e $pidfile ]]; then
    info "$name: removing stale pidfile $pidfile"
    rm -f "$pidfile" "$pidfile.meta"
  fi
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  printf '\n===== %s starting %s: %s\n' "$(date -Is)" "$name" "$*" >>"$logfile"
  # The inner bash writes its own pid and then execs the daemon, so the pid is right even
  # when setsid has to fork.
  # fd 9 (the provision/stop lock) is closed so the daemon does not hold the lock.
  # shellcheck disable=SC2016 # $$, $0, $@ expand in the inner bash
  setsid bash -c 'trap "" HUP; echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  for ((i = 0; i < 100; i++)); do
    pid=$(pidfile_pid "$pidfile")
    if [[ -n $pid ]]; then
      exe=$(_pid_exe "$pid" || true)
      [[ $exe == "$bin" ]] && break
    fi
    sleep 0.05
  done
  if ! pid_alive "$pid" || [[ $exe != "$bin" ]]; then
    _daemon_log_tail "$logfile"
    rm -f "$pidfile" "$pidfile.meta"
    die "$name: failed to start ($*)"
  fi
  printf 'exe=%s\nstart=%s\nname=%s\n' "$bin" "$(_pid_starttime "$pid")" "$name" >"$pidfile.meta"
  info "$name: started (pid $pid, log $logfile)"
  # shellcheck disable=SC2034
  DAEMON_RESULT=started-now
}

# stop_daemon NAME PIDFILE [TIMEOUT]: ends exactly the recorded process (TERM, then KILL
# after TIMEOUT seconds) and removes the pidfile. A pidfile whose pid is dead or now belongs
# to another program is just removed.
stop_daemon() {
  local name=$1 pidfile=$2 timeout=${3:-20} pid deadline
  pid=$(pidfile_pid "$pidfile")
  if [[ -z $pid ]]; then
    info "$name: not running (no pidfile)"
    rm -f "$pidfile" "$pidfile.meta"
    return 0
  fi
  if ! daemon_running "$pidfile"; then
    info "$name: pid $pid is gone or no longer ours; removing stale pidfile"
    rm -f "$pidfile" "$pidfile.meta"
    return 0
  fi
  info "$name: sending TERM to pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if pid_alive "$pid"; then
    warn "$name: pid $pid still alive after ${timeout}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while pid_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$pidfile" "$pidfile.meta"
  info "$name: stopped (pid $pid)"
}

# wait_ready NAME TIMEOUT PIDFILE LOGFILE -- CMD...
# Retries CMD (quietly) every 0.3 s until it succeeds. PIDFILE may be "-" when the service is
# not ours; otherwise a dead daemon ends the wait at once, showing the end of LOGFILE.
wait_ready() {
  local name=$1 timeout=$2 pidfile=$3 logfile=$4 deadline
  shift 4
  [[ ${1:-} == -- ]] && shift
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ $pidfile != - ]] && ! pid_alive "$(pidfile_pid "$pidfile")"; then
      _daemon_log_tail "$logfile"
      die "$name: process exited before it became ready (log: $logfile)"
    fi
    if ((SECONDS >= deadline)); then
      [[ $logfile != - ]] && _daemon_log_tail "$logfile"
      die "$name: not ready after ${timeout}s (check: $*)"
    fi
    sleep 0.3
  done
}

# write_if_changed PATH MODE < content. Returns 0 if the file was (re)written, 1 if it
# already had exactly this content (mode is enforced either way).
write_if_changed() {
  local path=$1 mode=$2 tmp
  mkdir -p "$(dirname "$path")"
  tmp=$(mktemp "$path.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
    chmod "$mode" "$path"
    return 1
  fi
  mv -f "$tmp" "$path"
  return 0
}

# mongo_ping HOST PORT: sends a MongoDB OP_MSG {ping: 1, $db: "admin"} over bash's /dev/tcp
# and succeeds when the reply carries ok: 1. No driver, no python: usable on a fresh machine
# before `npm install`. Proves the server speaks the wire protocol and its backend answers.
mongo_ping() {
  # shellcheck disable=SC2016 # the script is for the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 2
    # header: messageLength 51, requestID 1, responseTo 0, opCode 2013 (OP_MSG);
    # flagBits 0; section kind 0; BSON {ping: int32 1, $db: "admin"} (30 bytes)
    printf "\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\$db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    read -r b0 b1 b2 b3 < <(dd bs=1 count=4 <&3 2>/dev/null | od -An -tu1)
    [[ -n ${b3:-} ]] || exit 3
    len=$((b0 + (b1 << 8) + (b2 << 16) + (b3 << 24)))
    ((len > 21 && len < 1048576)) || exit 4
    body=$(dd bs=1 count=$((len - 4)) <&3 2>/dev/null | od -An -v -tx1 | tr -s " \n" "  ")
    # reply must be OP_MSG (dd 07 00 00 at offset 8 after the length) and contain ok: 1
    # (BSON double 1.0, int32 1 or boolean true)
    [[ $body == " "??" "??" "??" "??" "??" "??" "??" "??" dd 07 00 00 "* ]] || exit 5
    [[ $body == *" 01 6f 6b 00 00 00 00 00 00 00 f0 3f"* ||
       $body == *" 10 6f 6b 00 01 00 00 00"* || $body == *" 08 6f 6b 00 01"* ]]
  ' "$1" "$2" 2>/dev/null
}

# http_head HOST PORT PATH: prints the HTTP status line + headers (no body) using
# /dev/tcp; no curl/wget needed.
http_head() {
  # shellcheck disable=SC2016 # the script is for the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 2
    printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
    sed -e "/^\r\?$/q" <&3 | tr -d "\r"
  ' "$1" "$2" "$3" 2>/dev/null
}

# canopy_lock LOCKFILE: serialises provision.sh/stop.sh runs (fd 9, released on exit).
canopy_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>>"$1"
  if ! flock -n 9; then
    log "another provision.sh/stop.sh holds $1; waiting (up to 15 min)"
    flock -w 900 9 || die "timed out waiting for $1"
  fi
}

# random_secret: 32 alphanumeric characters (safe unquoted in shell and dotenv files).
random_secret() {
  local s=""
  while ((${#s} < 32)); do
    s+=$(head -c 48 /dev/urandom | base64 -w0 | tr -d '/+=')
  done
  printf '%s' "${s:0:32}"
}
