#!/bin/bash
# The demo as a test: examples/site-to-site/demo.sh (what `make demo` runs),
# against the normal build in build/, with the shipped office-a.conf and
# office-b.conf.
#
#   hostA --- [brA office-a] ===== WAN (198.18.0.0/24) ===== [office-b brB] --- hostB
#   192.0.2.1                                                              192.0.2.2
#
# A user sees: the demo exits 0, shows both offices reach "connected", the
# ping from hostA to hostB answered, the `l2pwctl status` table of both
# sites with the pseudowire connected, and leaves no namespace behind.
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"
DEMO=$L2T_ROOT/examples/site-to-site/demo.sh
BIN=$L2T_ROOT/build

require "build/l2pwd and build/l2pwctl exist" test -x "$BIN/l2pwd" -a -x "$BIN/l2pwctl"
step "run $DEMO"
rc=0
L2PWD=$BIN/l2pwd L2PWCTL=$BIN/l2pwctl L2T_PFX=$P L2T_TIMED='' "$DEMO" >"$T/demo.out" 2>&1 || rc=$?
sed 's/^/  | /' "$T/demo.out"
check "the demo exits 0" test "$rc" -eq 0
check "it saw both offices connected" grep -q 'Both offices say: connected' "$T/demo.out"
check "hostA's pings were answered" grep -qE ' 3 received' "$T/demo.out"
# status_rows SITE: the pseudowire rows of one site's l2pwctl status table.
status_rows() { sed -n "/l2pwctl status, office-$1/,/^\$/p" "$T/demo.out" | grep -E 'pw-|connected'; }
check "office-a's status table shows the pseudowire connected" out_has connected status_rows a
check "office-b's status table shows the pseudowire connected" out_has connected status_rows b
check "no namespace left behind" l2t_not out_has "^$P-" ip netns list
check "no daemon left running" eval '! pgrep -f -- "-c /tmp/$P-demo"'
