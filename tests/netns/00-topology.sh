#!/bin/bash
# Scenario 0: the test bed itself, without l2pwd.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#   192.0.2.1                                                          192.0.2.2
#
# The WAN carries v4 and v6 between the sites, the hosts reach nothing beyond
# their bridge (so every later "ping across" proves the pseudowire), the
# nftables loss helper drops, and a WAN capture decodes.  If this fails, every
# other scenario's verdict is meaningless.
# l2t-modes: once (no daemon runs, so no fast-path mode applies)
L2T_TIMEOUT=60
. "$(dirname "$0")/lib.sh"

step "build the standard topology"
topo_build

step "WAN: the sites reach each other, v4 and v6"
cap_start wan "$NS_W" "$WAN_BR"
check "siteA pings siteB over IPv4" ping_ok "$NS_SA" 198.18.0.2
check "siteA pings siteB over IPv6" ping_ok "$NS_SA" 2001:db8::2
check "the WAN switch pings siteA" ping_ok "$NS_W" 198.18.0.1

step "LAN: without a pseudowire the hosts are cut off"
check_not "hostA cannot ping hostB yet" ping_ok "$NS_HA" 192.0.2.2 2
check_not "hostA cannot reach the WAN" ping_ok "$NS_HA" 198.18.0.2 1
check "hostA's interface name fits IFNAMSIZ" test "${#HOST_IF}" -le 15
check "the longest name we create fits IFNAMSIZ" test $((${#P} + 6)) -le 15

step "capture: tshark sees the WAN pings"
cap_stop wan
check "tshark decodes ICMP echo on the WAN" ts_at_least 3 "$(cap_file wan)" 'icmp.type == 8 && ip.dst == 198.18.0.2'
check "tshark decodes ICMPv6 echo on the WAN" ts_at_least 3 "$(cap_file wan)" 'icmpv6.type == 128'
check "no malformed packets" ts_none "$(cap_file wan)" '_ws.malformed'

step "loss: nftables numgen drops about 30% (both directions)"
wan_loss 30
ping_some "$NS_SA" 198.18.0.2 20 1 || true
check "the loss rules dropped packets" test "$(wan_loss_dropped)" -gt 0
say "  loss rules dropped $(wan_loss_dropped) packets"
