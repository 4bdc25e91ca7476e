#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing (idempotent).
set -euo pipefail
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
# (The packages are added by the issues whose tests need them.)
need make make
need g++ g++
need python3 python3
need docker-compose docker-compose
if [ ${#packages[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
fi
command -v go >/dev/null 2>&1 || echo "warning: Go is not installed; the Temporal CLI can only come from TEMPORAL_CLI_PATH or PATH" >&2
echo "system packages ok"
