#!/usr/bin/env bash
# The sample app on the local Canopy started by deploy/local/up.sh:
#   sample-app.sh deploy   create the "hello" app (deploy/local/samples/hello-app.sla.json), start one
#                          instance of each service, and follow them until RUNNING
#   sample-app.sh status   the instances as the root sees them (status, worker, usage)
#   sample-app.sh logs     the log tail of each instance, through the root API
#   sample-app.sh delete   delete the app (its containers are removed from the worker)
# Env: ROOT_HTTP_PORT (10000), CANOPY_STATE_DIR (/var/lib/canopy-local), SLA (the sample).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local/lib.sh
. "$here/lib.sh"
state=${CANOPY_STATE_DIR:-/var/lib/canopy-local}
password_file=$state/secrets/root-admin.password
[[ -r $password_file ]] || die "cannot read $password_file: run deploy/local/up.sh first (as root)"
command=${1:-}
[[ $command =~ ^(deploy|status|logs|delete)$ ]] || die "usage: $0 deploy|status|logs|delete"
exec node "$here/sample-app.mjs" "$command" \
  "http://127.0.0.1:${ROOT_HTTP_PORT:-10000}" "$password_file" "${SLA:-$here/samples/hello-app.sla.json}"
