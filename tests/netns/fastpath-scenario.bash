#!/bin/bash
# The fast-path scenario body (DESIGN.md "Data path"), run by 14b (fastpath =
# "tc") and 14c ("off"); with L2T_FASTPATH_MODE=xdp it is the XDP scenario,
# which joins the suite once issue 5 wires XDP mode into the daemon (today the
# daemon falls back to tc and says so).  Originally: fastpath = "xdp"
# on both sites: XDP on the WAN interface decapsulates, TC on the bridge
# port encapsulates; control and what the fast path cannot do stay in the
# daemon.  14b runs this file with "tc", 14c with "off" (slow path only).
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#              TC egress on the port       XDP on $Pwan (both sites)
#
# A user sees: status "fastpath" = the configured mode on both sites and the
# programs attached where the mode says; ARP, ping (also 1500-byte packets
# with DF, which the fast path leaves to the daemon) and a 3-second iperf3
# TCP transfer across; and the status byte counters covering what iperf3
# moved (slow-path and fast-path counters add up).
L2T_TIMEOUT=${L2T_TIMEOUT:-150}
. "$(dirname "$0")/lib.sh"
MODE=${L2T_FASTPATH_MODE:?set by 14b/14c}
export L2T_FASTPATH=$MODE

require_binaries
step "topology"
topo_build # (WAN legs with tx offload off, as in every scenario: lib.sh)

step "configs: dynamic pseudowire, fastpath = \"$MODE\""
dyn_confs 4
start_sites
require "both sites \"connected\" within 30 s" wait_for 30 both_connected
for s in A B; do
	check "site $s: status shows fastpath \"$MODE\"" eval '[ "$(pw_get '"$s"' fastpath)" = "$MODE" ]'
done
say "  fastpath: A=$(pw_get A fastpath || true) B=$(pw_get B fastpath || true)"

# xdp_on NS DEV / tc_on NS DEV DIR: a BPF program attached there.
xdp_on() { ip -n "$1" -j link show "$2" | jq -e '.[0].xdp != null' >/dev/null; }
# TC programs are tcx links where the kernel has them (`tc filter show` lists cls_bpf only).
tc_on() {
	out_has bpf tc -n "$1" filter show dev "$2" "$3" ||
		out_has l2pw in_ns "$1" "$PY" "$L2T_ROOT/tests/bpf/tcx_progs.py" "$2" "$3"
}
case $MODE in
xdp)
	check "site A: an XDP program on $WAN_IF" xdp_on "$NS_SA" "$WAN_IF"
	check "site B: an XDP program on $WAN_IF" xdp_on "$NS_SB" "$WAN_IF"
	;;
tc)
	check "site A: a TC ingress program on $WAN_IF" tc_on "$NS_SA" "$WAN_IF" ingress
	check "site B: a TC ingress program on $WAN_IF" tc_on "$NS_SB" "$WAN_IF" ingress
	;;
off)
	check "site A: no XDP and no TC program on $WAN_IF" \
		eval '! xdp_on "$NS_SA" "$WAN_IF" && ! tc_on "$NS_SA" "$WAN_IF" ingress'
	;;
esac

step "traffic"
rx0=$(pw_get B rx-bytes)
check "hostA resolves hostB by ARP (arping)" arping_ok "$NS_HA" "$HOST_IF" 192.0.2.2
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 5
check "hostB pings hostA over IPv6" ping_ok "$NS_HB" 2001:db8:1::1 3
# Frames too big for the WAN are the slow path's (DESIGN.md "Data path").
check "full-size frames: ping -M do -s 1472 from hostA" ping_ok "$NS_HA" 192.0.2.2 3 -M "do" -s 1472

check "iperf3 TCP hostA -> hostB moves at least 1 MB in 3 s" iperf3_moves 1000000 "$NS_HA" "$NS_HB" 192.0.2.2 3
got=$(cat "$T/iperf3.bytes" 2>/dev/null || echo 0)
say "  iperf3: $(cat "$T/iperf3.sum" 2>/dev/null)"
rx1=$(pw_get B rx-bytes)
say "  site B rx-bytes: $rx0 -> $rx1"
check "site B's rx-bytes cover what iperf3 received ($got)" test $((rx1 - rx0)) -ge "${got:-0}"
check "still connected on both sides" both_connected
show_status A
