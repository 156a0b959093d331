#!/bin/bash
# Scenario 6: 802.1Q-tagged frames and broadcasts cross an Ethernet
# pseudowire untouched (RFC 4719: the whole frame, tag included).
#
#   hostA ---------- [brA siteA] ===== WAN ===== [siteB brB] ---------- hostB
#   192.0.2.1                                                         192.0.2.2
#   v100: 198.51.100.1 (VLAN 100 sub-interface)        v100: 198.51.100.2
#
# A user sees: arping and ping between the VLAN 100 sub-interfaces; broadcast
# pings (to 192.0.2.255 and 198.51.100.255) answered from the far host; and
# on the WAN, tshark finds the VLAN 100 tag and the broadcast destination
# inside the L2TP data packets.
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology, plus VLAN 100 on both hosts"
topo_build
# This kernel has no 802.1Q (CONFIG_VLAN_8021Q unset): vlanshim.py plays the
# VLAN sub-interface, a TAP whose frames leave $HOST_IF tagged 100 and back.
VLAN_IF=${P}v100
for h in A B; do
	if [ $h = A ]; then ns=$NS_HA addr=198.51.100.1; else ns=$NS_HB addr=198.51.100.2; fi
	ip netns exec "$ns" "$PY" "$(dirname "$0")/vlanshim.py" "$HOST_IF" "$VLAN_IF" 100 >"$T/shim$h.out" 2>&1 &
	L2T_PIDS+=($!)
	require "host $h: VLAN 100 interface $VLAN_IF ready" wait_for 10 grep -q ready "$T/shim$h.out"
	ip -n "$ns" addr add "$addr/24" dev "$VLAN_IF"
	ip -n "$ns" link set "$VLAN_IF" up
	# Linux ignores broadcast pings by default; the far host must answer them.
	in_ns "$ns" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
done

step "configs: dynamic pseudowire, pw-type ethernet"
dyn_confs 4 'pw-type = "ethernet"'
cap_start wan "$NS_W" "$WAN_BR"
start_sites
require "both sites \"connected\" within 30 s" wait_for 30 both_connected

step "VLAN 100 across"
check "hostA resolves hostB's VLAN 100 address (arping on $VLAN_IF)" arping_ok "$NS_HA" "$VLAN_IF" 198.51.100.2
check "hostA pings hostB on VLAN 100" ping_ok "$NS_HA" 198.51.100.2 5
check "hostB pings hostA on VLAN 100 with 1400-byte packets" ping_ok "$NS_HB" 198.51.100.1 3 -s 1400

# bcast_ping NS BCAST FROM: a broadcast ping answered by FROM.
bcast_ping() {
	local out
	out=$(in_ns "$1" ping -n -b -c 3 -i 0.3 -W 2 "$2" 2>&1) || true
	printf '%s\n' "$out" | grep -E 'bytes from|received'
	grep -q "bytes from $3" <<<"$out"
}
step "broadcast across"
check "a broadcast ping to 192.0.2.255 is answered by hostB" bcast_ping "$NS_HA" 192.0.2.255 192.0.2.2
check "a broadcast ping to 198.51.100.255 (VLAN 100) is answered by hostB" bcast_ping "$NS_HA" 198.51.100.255 198.51.100.2
check "a broadcast ping from hostB is answered by hostA" bcast_ping "$NS_HB" 192.0.2.255 192.0.2.1

step "what the WAN carried"
cap_stop wan
PCAP=$(cap_file wan)
mapfile -t PREFS < <(ts_prefs 4 default) # the config defaults
check "VLAN 100 tagged frames inside L2TP" ts_at_least 5 "$PCAP" 'l2tp && vlan.id == 100 && icmp' "${PREFS[@]}"
check "broadcast frames inside L2TP" ts_at_least 3 "$PCAP" 'l2tp && eth.dst == ff:ff:ff:ff:ff:ff' "${PREFS[@]}"
check "tagged ARP requests inside L2TP" ts_at_least 1 "$PCAP" 'l2tp && vlan.id == 100 && arp.opcode == 1' "${PREFS[@]}"
check "no malformed packets" ts_none "$PCAP" '_ws.malformed' "${PREFS[@]}"
