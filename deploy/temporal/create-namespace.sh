#!/bin/sh
# Creates the namespace and our search attributes when they are missing (idempotent), once the
# server answers. docker-compose.yml runs it in the admin-tools image, the local production-like
# stack with the pinned CLI. The attributes are the ones core/searchAttributes.ts defines (a
# test holds the two lists equal).
#
#   TEMPORAL_CLI      the Temporal CLI (`temporal` in the admin-tools image)
#   TEMPORAL_ADDRESS  the frontend, e.g. temporal:7233 (read by the CLI itself)
#   NAMESPACE         default: default
set -eu
cli=${TEMPORAL_CLI:-temporal}
ns=${NAMESPACE:-default}
tries=0
until out=$("$cli" operator cluster health 2>&1); do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "create-namespace: the server at ${TEMPORAL_ADDRESS:-?} is not healthy: $out" >&2; exit 1; }
  sleep 2
done
"$cli" operator namespace describe -n "$ns" >/dev/null 2>&1 ||
  "$cli" operator namespace create -n "$ns" --retention 720h
for attr in ImportFromAccount=Keyword ImportJobId=Keyword ImportState=Keyword ImportedItems=Int FailedItems=Int; do
  name=${attr%%=*}
  type=${attr#*=}
  tries=0
  # A namespace created a moment ago may not be known to every service yet: retry briefly.
  until "$cli" operator search-attribute list -n "$ns" 2>/dev/null | grep -qw "$name"; do
    tries=$((tries + 1))
    out=$("$cli" operator search-attribute create -n "$ns" --name "$name" --type "$type" 2>&1) && continue
    [ "$tries" -lt 15 ] || { echo "create-namespace: cannot create search attribute $name: $out" >&2; exit 1; }
    sleep 2
  done
done
echo "namespace $ns is ready"
