# Sourced by .ci/run (and by you, in a shell, if you like): puts the Node 22 that setup-node.sh
# installed first on PATH when the node on PATH is older. Changes nothing else.
# shellcheck source=scripts/node-version.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-version.sh"
if ! node_is_new_enough node && node_is_new_enough "$HMPO_NODE_HOME/bin/node"; then
  export PATH="$HMPO_NODE_HOME/bin:$PATH"
fi
