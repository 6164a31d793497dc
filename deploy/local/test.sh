#!/usr/bin/env bash
# Command (b) of the README: provisions the local services (FerretDB, Redis, Mosquitto, dockerd,
# test images), installs npm dependencies, then runs every tier — lint+typecheck, unit,
# integration (real services), e2e (real processes) — and ends with a summary. Exit 0 = all green.
# Every phase runs even when an earlier one fails, so one run shows everything that is broken.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 1

if [ "$(id -u)" -ne 0 ]; then
  echo "[canopy] the tests need root (Docker, network namespaces, nftables): sudo bash $0" >&2
  exit 1
fi

overall_start=$(date +%s)
logdir=${CANOPY_TEST_LOG_DIR:-$repo/tmp/test-logs}
mkdir -p "$logdir"

bash "$here/provision.sh" || { echo "[canopy] provisioning failed; see the messages above" >&2; exit 1; }
bash "$here/install-deps.sh" || exit 1

# Tests really run on every call: Nx keeps its cache per machine (~/.nx), shared by all clones.
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-true}
# Scripts must see the services the same way tests do.
export CANOPY_STATE_DIR=${CANOPY_STATE_DIR:-/var/lib/canopy-local}

declare -a names results durations counts
run_phase() {
  local name=$1; shift
  local log="$logdir/$name.log" start rc
  echo
  echo "[canopy] ===== $name: $* ====="
  start=$(date +%s)
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  names+=("$name"); results+=("$rc"); durations+=("$(( $(date +%s) - start ))")
  # Sum Jest's "Tests: N passed, M failed" lines over all projects of the phase.
  counts+=("$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -aE '^Tests: ' | awk '
    { for (i = 2; i <= NF; i++) { v = $i + 0; k = $(i+1); gsub(/,/, "", k)
        if (k == "passed") p += v; else if (k == "failed") f += v; else if (k == "skipped") s += v } }
    END { if (p + f + s > 0) printf "%d passed, %d failed, %d skipped", p, f, s }')")
}

nx=(npx nx run-many --output-style=static --parallel=2)
run_phase lint-typecheck "${nx[@]}" -t lint typecheck
run_phase unit "${nx[@]}" -t test
run_phase integration npx nx run-many --output-style=static --parallel=1 -t test-int
run_phase e2e npx nx run e2e:e2e --output-style=static

echo
echo "[canopy] ===== summary ($(( $(date +%s) - overall_start ))s total; logs in $logdir) ====="
failed=0
for i in "${!names[@]}"; do
  status=PASS
  [ "${results[$i]}" -eq 0 ] || { status=FAIL; failed=1; }
  printf '  %-16s %-5s %5ss  %s\n' "${names[$i]}" "$status" "${durations[$i]}" "${counts[$i]}"
done
# CI shows only the tail of this output: name every failing suite and test right here.
for i in "${!names[@]}"; do
  [ "${results[$i]}" -eq 0 ] && continue
  sed 's/\x1b\[[0-9;]*m//g' "$logdir/${names[$i]}.log" \
    | awk '/● Console$/ { n = 0; next }
           /^ *(FAIL |● )/ { sub(/^ */, ""); print; n = /^●/ ? 8 : 0; next }
           n > 0 && NF > 0 { sub(/^ */, "    "); print; n-- }
           /^\// { file = $0; next }
           / - error TS[0-9]+:/ { print; next }
           /^ +[0-9]+:[0-9]+ +error / { if (file != shown) { print file; shown = file }; print }' \
    | head -80 \
    | sed "s/^/  ${names[$i]}: /"
done
[ "$failed" -eq 0 ] && echo "[canopy] all green" || echo "[canopy] FAILED: see the phase logs above"
exit "$failed"
