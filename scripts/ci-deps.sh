#!/usr/bin/env bash
# Debian packages the interop suite (test/interop) needs: the reference server, and the nats.go and
# nats.c clients with their toolchains (nats.js v2/v3 come from npm devDependencies).
# Usage: scripts/ci-deps.sh          install whichever are missing (apt-get; sudo when not root)
#        scripts/ci-deps.sh --list   print the package names, one per line
set -euo pipefail

mapfile -t PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$(dirname "$0")/ci-packages.txt" | grep -v '^$')

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "ci-deps: all interop packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
echo "ci-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
