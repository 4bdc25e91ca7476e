#!/bin/sh
# Starts the Temporal server on config/production.yaml. docker-compose.yml and the local
# production-like stack (scripts/prod-stack) both start it through this script, so they share
# the command line as well as the config. TEMPORAL_SERVER names the binary (`temporal-server` in
# the server image); config/production.yaml lists the environment it reads.
set -eu
cd "$(dirname "$0")"
if [ "${BIND_ON_IP:-127.0.0.1}" = 0.0.0.0 ] && [ -z "${TEMPORAL_BROADCAST_ADDRESS:-}" ]; then
  # Bound to every interface, the services' membership ring needs an address the others can
  # dial: this host's own.
  addr=$(getent hosts "$(hostname)" 2>/dev/null | awk '{ print $1; exit }') || addr=
  [ -n "$addr" ] || addr=$(hostname -i | awk '{ print $1 }')
  TEMPORAL_BROADCAST_ADDRESS=$addr
  export TEMPORAL_BROADCAST_ADDRESS
fi
# No authorizer: the frontend is reachable only from the compose network and 127.0.0.1 (say so
# explicitly, as the server asks).
exec "${TEMPORAL_SERVER:-temporal-server}" --root . --config config --env production --allow-no-auth start
