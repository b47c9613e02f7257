# The Node version floor for the shell scripts, read from package.json's `engines.node` (its one home;
# bin/node-version-guard.js reads the same). Sourced, never run.
HMPO_NODE_MIN="$(sed -n 's/.*"node": *">= *\([0-9][0-9.]*\)".*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../package.json")"
HMPO_NODE_PACKAGE_RANGE="22"
HMPO_NODE_HOME="${HMPO_NODE_HOME:-/opt/hmpo-lab/node22}"

# node_is_new_enough BINARY: true when BINARY runs and reports a version >= HMPO_NODE_MIN.
node_is_new_enough() {
  [ -x "$(command -v "$1" 2>/dev/null)" ] || return 1
  "$1" -e '
    const want = process.argv[1].split(".").map((x) => Number(x) || 0);
    const have = process.versions.node.split(".").map(Number);
    for (let i = 0; i < 3; i++) { if (have[i] !== want[i]) process.exit(have[i] > want[i] ? 0 : 1); }
  ' "$HMPO_NODE_MIN" 2>/dev/null
}
