#!/bin/bash
# Scenario 00b: every configuration shipped in examples/ is one l2pwd accepts
# (`l2pwd -n` exits 0), so README and man-page readers copy working files.
# No namespaces: it only parses.
# l2t-modes: once (no daemon runs, so no fast-path mode applies)
L2T_TIMEOUT=60
. "$(dirname "$0")/lib.sh"

require_binaries
step "l2pwd -n on every examples/**/*.conf"
n=0
while IFS= read -r f; do
	check "$f loads" "$L2PWD" -n -c "$f"
	n=$((n + 1))
done < <(find "$L2T_ROOT/examples" -name '*.conf' | sort)
check "found the example configs (at least 6)" test "$n" -ge 6
