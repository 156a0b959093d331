#!/bin/bash
# IPsec scenario 8: the shipped examples/site-to-site/ipsec configs, run.
# Only what ties a file to a machine is rewritten (status socket, ipsec-vici,
# ipsec-dir into the test's temp dir; bridge and WAN interface names to the
# test's); every other line, use-ipsec = "require" included, is the file's.
#
# Part 1, office-a-ipsec.conf / office-b-ipsec.conf on lib.sh's topology
# (198.18.0.1 / 198.18.0.2): the pseudowire pw-to-office-b / pw-to-office-a
# comes up with ipsec "installed" on both sides and hostA pings hostB.
# Part 2, hub-ipsec.conf / branch-ipsec.conf on lib-ppp.sh's (hub 198.18.0.1,
# branch 198.18.0.2): the branch's l2tp-hub and the hub's row of user
# branch-1 are connected with ipsec "installed", the hosts ping.
L2T_TIMEOUT=90
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
EX=$L2T_ROOT/examples/site-to-site/ipsec

# ex_conf SRC SITE BRIDGE WAN: $T/SITE.conf from the example SRC with the
# machine-bound keys pointed at this test's files and interfaces.
ex_conf() {
	local src=$1 site=$2 br=$3 wan=$4
	sed -E -e "s|^(status-socket = ).*|\\1\"$T/$site.sock\"|" \
		-e "s|^(bridge = )\"[^\"]*\"|\\1\"$br\"|" \
		-e "s|^(  bridge = )\"[^\"]*\"|\\1\"$br\"|" \
		-e "s|^(wan-interface = ).*|\\1\"$wan\"|" \
		-e '/^ipsec-vici = /d' -e '/^ipsec-dir = /d' "$src" >"$T/$site.conf"
	ipsec_conf_global "$site" >>"$T/$site.conf"
	grep -q '^status-socket' "$T/$site.conf" ||
		echo "status-socket = \"$T/$site.sock\"" >>"$T/$site.conf"
	diff "$src" "$T/$site.conf" | sed 's/^/    /' || true
}

ipsec_pw_topology
step "part 1: office-a-ipsec.conf and office-b-ipsec.conf"
ex_conf "$EX/office-a-ipsec.conf" A "$BR_A" "$WAN_IF"
ex_conf "$EX/office-b-ipsec.conf" B "$BR_B" "$WAN_IF"
for s in A B; do
	require "the rewritten $s config loads" "$L2PWD" -n -c "$T/$s.conf"
done
start_sites
# pw_up SITE IFACE: connected with the SA installed.
pw_up() { pw_connected "$1" "$2" && ipsec_pw_is "$1" installed "$2"; }
check "office-a: pw-to-office-b connected, ipsec installed, within 30 s" wait_for 30 pw_up A pw-to-office-b
check "office-b: pw-to-office-a connected, ipsec installed" wait_for 10 pw_up B pw-to-office-a
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 3
stop_daemon A
stop_daemon B
ipsec_charon_stop_all
for ns in "${L2T_NETNS[@]}"; do ip netns del "$ns"; done
L2T_NETNS=()

step "part 2: hub-ipsec.conf and branch-ipsec.conf"
# shellcheck source=tests/netns/lib-ppp.sh
. "$L2T_ROOT/tests/netns/lib-ppp.sh"
ppp_topo C1
rc=0
ipsec_sites S C1 || rc=$?
require "charon answers on vici in the hub and the branch" test "$rc" -eq 0
ex_conf "$EX/hub-ipsec.conf" S "${SBR[S]}" "$PPP_WAN_IF"
ex_conf "$EX/branch-ipsec.conf" C1 "${SBR[C1]}" "$PPP_WAN_IF"
ppp_start -q S C1
check "branch-1 connected on the branch and the hub within 30 s" wait_for 30 ppp_both_connected C1 branch-1
check "the hub's row of branch-1: ipsec installed" wait_for 10 ipsec_row_is S branch-1 installed
check "the branch's row: ipsec installed" wait_for 10 ipsec_row_is C1 branch-1 installed
check "the branch's host pings the hub's host" ping_ok "${HNS[C1]}" "${SHOST4[S]}" 3
