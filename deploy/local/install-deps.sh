#!/usr/bin/env bash
# Installs the workspace's npm dependencies exactly as locked, only when the lockfile changed
# since the last install (a stamp in node_modules records its hash), so warm runs skip it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "[canopy] Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "[canopy] Debian 12 ships Node 18; install Node 20+ from nodejs.org or NodeSource, then re-run." >&2
  exit 1
fi
want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.canopy-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "[canopy] npm dependencies up to date"
  exit 0
fi
echo "[canopy] installing npm dependencies (npm ci) ..."
start=$(date +%s)
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "[canopy] npm dependencies installed in $(( $(date +%s) - start ))s"
