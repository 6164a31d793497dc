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
echo "[canopy] installing npm dependencies (locked versions) ..."
start=$(date +%s)
# Not `npm ci`: npm 10/11 omit other platforms' optional packages (@swc/core-darwin-*, ...) from
# a lockfile written on Linux, then `npm ci` refuses that same lockfile (npm/cli#4828, #8320).
# `npm install --no-save` installs exactly the locked versions and never rewrites the lockfile.
npm install --no-audit --no-fund --no-save --loglevel=error
if ! git diff --quiet -- package-lock.json 2>/dev/null; then
  echo "[canopy] WARNING: npm changed package-lock.json; commit it if the change is intended" >&2
fi
echo "$want" > "$stamp"
echo "[canopy] npm dependencies installed in $(( $(date +%s) - start ))s"
