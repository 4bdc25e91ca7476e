#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing (idempotent).
set -euo pipefail
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
# Building better-sqlite3 from source when no prebuilt binary can be downloaded:
need make make
need g++ g++
need python3 python3
# Validating docker-compose.yml (there is no Docker engine; `docker-compose config` needs none):
need docker-compose docker-compose
# The Temporal UI test drives Debian's Chromium with playwright-core (no browser download):
need chromium chromium
# The production-like stack (scripts/prod-stack) runs the Temporal server on a throw-away cluster
# of Debian's PostgreSQL server (initdb and postgres live outside PATH, under /usr/lib/postgresql):
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
if [ ${#packages[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
fi
command -v go >/dev/null 2>&1 || echo "warning: Go is not installed; the Temporal CLI can only come from TEMPORAL_CLI_PATH or PATH" >&2
echo "system packages ok"
