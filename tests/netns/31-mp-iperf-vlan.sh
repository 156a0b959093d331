#!/bin/bash
# Scenario 31: TCP and 802.1Q-tagged full-size frames over PPP Multilink on a
# 1400-byte WAN (mrru 1600 both ends, hosts at MTU 1500).
#
#   hS --[brS  S]== WAN, MTU 1400 ==[C1 brC1]-- hC1
#   192.0.2.1                                 192.0.2.2
#   v100: 198.51.100.1 (vlanshim.py)          v100: 198.51.100.2
#
# A user sees: an iperf3 TCP transfer from hC1 to hS completes, its segments
# are full-size (1514-byte frames seen on the receiving host), the rate is
# printed; on VLAN 100 (userspace shim, this kernel has no 802.1Q) ping
# -M do -s 1472 works both ways, i.e. 1518-byte tagged frames cross; the WAN
# capture shows the tag inside reassembled Multilink frames and no IP fragments.
L2T_TIMEOUT=200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
. "$(dirname "$0")/lib-mp.sh"

require_binaries
step "topology, WAN MTU $MP_WAN_MTU, plus VLAN 100 on both hosts"
mp_topo
check "WAN links at $MP_WAN_MTU, LAN hosts at 1500" mp_mtus_ok
VLAN_IF=${P}v100
for h in S C1; do
	if [ $h = S ]; then addr=198.51.100.1; else addr=198.51.100.2; fi
	ip netns exec "${HNS[$h]}" "$PY" "$(dirname "$0")/vlanshim.py" "$PPP_HOST_IF" "$VLAN_IF" 100 \
		>"$T/shim$h.out" 2>&1 &
	L2T_PIDS+=($!)
	require "host $h: VLAN 100 interface $VLAN_IF ready" wait_for 10 grep -q ready "$T/shim$h.out"
	ip -n "${HNS[$h]}" link set "$VLAN_IF" mtu 1500
	ip -n "${HNS[$h]}" addr add "$addr/24" dev "$VLAN_IF"
	ip -n "${HNS[$h]}" link set "$VLAN_IF" up
done

step "configs: mrru 1600 both ends, use-encryption = no"
mp_confs 1600 1600 no no
ppp_start S C1
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
check "S: mrru 1600 in status" mp_key_is S mrru 1600
check "C1: mrru 1600 in status" mp_key_is C1 mrru 1600
check "full-size frames cross untagged (ping -M do -s 1472)" big_ping "${HNS[C1]}" "${SHOST4[S]}" 3

step "iperf3 TCP hC1 -> hS, 8 s, hosts at MTU 1500"
# Full-size segments on the receiving host's LAN port (a few are enough).
ip netns exec "${HNS[S]}" timeout 60 tcpdump -i "$PPP_HOST_IF" -n -s 96 -c 20 -w "$T/lan-big.pcap" \
	'tcp and greater 1514' 2>"$T/lan-big.log" &
big_pid=$!
L2T_PIDS+=("$big_pid")
wait_for 10 grep -q 'listening on' "$T/lan-big.log" || cat "$T/lan-big.log"
check "iperf3 hC1 -> hS completes with >= 1 MB" iperf3_moves 1000000 "${HNS[C1]}" "${HNS[S]}" "${SHOST4[S]}" 8
[ ! -s "$T/iperf3.sum" ] || say "  iperf3 hC1 -> hS over Multilink: $(cat "$T/iperf3.sum")"
wait_for 10 eval "! kill -0 $big_pid" || kill -INT "$big_pid" 2>/dev/null || true
wait "$big_pid" 2>/dev/null || true
# The receiving TAP may coalesce in-order segments into one GSO frame (as a
# NIC's GRO does), so count frames of 1514 bytes or more: single full-size
# segments and coalesced ones.  (Weaker than before: a coalesced frame does
# not show its segment size; a clamped MSS still fails if nothing coalesces.)
check "the TCP segments were full-size (>= 10 frames of 1514 bytes or more reached hS)" \
	pts_at_least 10 "$T/lan-big.pcap" 'frame.len >= 1514 && tcp'
check "the session stayed connected through the transfer" mp_connected

step "VLAN 100, full-size tagged frames (1518 bytes)"
cap_start wan "$NS_W" "$WAN_BR"
check "hS resolves hC1's VLAN 100 address (arping on $VLAN_IF)" arping_ok "${HNS[S]}" "$VLAN_IF" 198.51.100.2
check "hS pings hC1 on VLAN 100" ping_ok "${HNS[S]}" 198.51.100.2 3
check "hS -> hC1 on VLAN 100: ping -M do -s 1472 (1518-byte tagged frames)" \
	big_ping "${HNS[S]}" 198.51.100.2 5
check "hC1 -> hS on VLAN 100: ping -M do -s 1472" big_ping "${HNS[C1]}" 198.51.100.1 5
mp_read_capture wan
PCAP=$W
check "tagged full-size frames reassembled from Multilink fragments on the WAN (VLAN 100, 1500-byte IP)" \
	pts_at_least 10 "$PCAP" 'mp && vlan.id == 100 && icmp && ip.len == 1500'
check "no IP fragments on the WAN" pts_none "$PCAP" 'ip.flags.mf == 1 || ip.frag_offset > 0'
check "no WAN packet longer than $MP_WAN_MTU bytes of IP" pts_none "$PCAP" "frame.len > $((MP_WAN_MTU + 14))"
check "the session is still connected" mp_connected
