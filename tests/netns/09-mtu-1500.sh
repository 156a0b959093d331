#!/bin/bash
# Scenario 9: full-size frames.  The LAN has MTU 1500 like any office LAN,
# and so does the WAN; a 1500-byte IP packet with DF set (1514-byte frame)
# must still cross: the pseudowire keeps MTU 1500 towards the bridge and the
# outer packet (1514 + L2TP + UDP + IP > 1500) is fragmented on the WAN
# (DESIGN.md "MTU"; the inner DF concerns the inner packet only).
#
#   hostA --- [brA siteA] ===== WAN, MTU 1500 ===== [siteB brB] --- hostB
#   mtu 1500                                                      mtu 1500
#
# A user sees: `ping -M do -s 1472` answered both ways; the TAP and bridge at
# MTU 1500; on the WAN, fragmented outer packets that reassemble to L2TP with
# the 1514-byte frame inside.
L2T_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology (every link MTU 1500)"
topo_build

step "configs: dynamic pseudowire over UDP/IPv4, 4-byte cookies, default sublayer"
dyn_confs 4 "cookie-length = 4" 'l2-sublayer = "default"'
cap_start wan "$NS_W" "$WAN_BR"
start_sites
require "both sites \"connected\" within 30 s" wait_for 30 both_connected

step "MTUs"
# mtu NS DEV
mtu() { ip -n "$1" -j link show "$2" | jq -r '.[0].mtu'; }
for s in A B; do
	if [ $s = A ]; then ns=$NS_SA br=$BR_A; else ns=$NS_SB br=$BR_B; fi
	say "  site $s: WAN $(mtu "$ns" "$WAN_IF"), bridge $(mtu "$ns" "$br"), TAP $(mtu "$ns" "$PW_IF"), status mtu $(pw_get $s mtu || true)"
	check "site $s: the TAP has MTU >= 1500" eval '[ "$(mtu '"$ns $PW_IF"')" -ge 1500 ]'
	check "site $s: the bridge stays at MTU 1500" eval '[ "$(mtu '"$ns $br"')" -eq 1500 ]'
done
check "the WAN is MTU 1500" eval '[ "$(mtu "$NS_SA" "$WAN_IF")" -eq 1500 ]'

step "1500-byte packets with DF across"
check "hostA -> hostB: ping -M do -s 1472 (1500-byte IP, 1514-byte frame)" \
	ping_ok "$NS_HA" 192.0.2.2 5 -M "do" -s 1472
check "hostB -> hostA: ping -M do -s 1472" ping_ok "$NS_HB" 192.0.2.1 5 -M "do" -s 1472
check "IPv6 full size: ping -M do -s 1452 from hostA" ping_ok "$NS_HA" 2001:db8:1::2 3 -M "do" -s 1452

cap_stop wan

step "bulk TCP across (iperf3, 3 s, full-size segments)"
check "iperf3 TCP hostA -> hostB moves at least 1 MB in 3 s" iperf3_moves 1000000 "$NS_HA" "$NS_HB" 192.0.2.2 3
say "  iperf3: $(cat "$T/iperf3.sum" 2>/dev/null)"

step "the WAN: outer fragments, frames whole inside"
PCAP=$(cap_file wan)
mapfile -t PREFS < <(ts_prefs 4 default)
check "outer IPv4 fragments on the WAN (more-fragments set)" ts_at_least 10 "$PCAP" 'ip.flags.mf == 1 && ip.src == 198.18.0.1'
check "reassembled: 1500-byte ICMP inside L2TP, A -> B" ts_at_least 5 "$PCAP" 'l2tp && icmp.type == 8 && ip.len == 1500' "${PREFS[@]}"
check "reassembled: 1500-byte ICMP inside L2TP, B -> A" ts_at_least 5 "$PCAP" 'l2tp && icmp.type == 0 && ip.len == 1500' "${PREFS[@]}"
check "no malformed packets" ts_none "$PCAP" '_ws.malformed' "${PREFS[@]}"
