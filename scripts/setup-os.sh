#!/usr/bin/env bash
# Installs what the test suite needs from the operating system (Debian/Ubuntu, run as root or with
# sudo). Idempotent: packages already present are skipped. Nothing here is needed to *use* the app.
#   - Chromium for the Playwright end-to-end tests, Redis for the worker-pool tests, and Node >= 22.12
#     (scripts/setup-node.sh installs Node 22 LTS from the npm registry where the system's is older).
#     No C++ toolchain: better-sqlite3 13 ships Node-API prebuilds. The trainer benchmark's PyTorch
#     reference is optional and not installed here: apt-get install -y python3-torch libopenblas0-pthread.
set -euo pipefail

# Debian package names, one concern per line.
PACKAGES=(
  chromium       # Playwright e2e runs in the system Chromium (never `npx playwright install`)
  redis-server   # the worker-pool tests start their own Redis on a random loopback port
)

need=()
missing() { ! dpkg -s "$1" >/dev/null 2>&1; }
for pkg in "${PACKAGES[@]}"; do missing "$pkg" && need+=("$pkg"); done

if [ "${#need[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-os: apt-get not found; install these packages with your system's package manager: ${need[*]}" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
bash "$(dirname "$0")/setup-node.sh"
echo "setup-os: ready"
