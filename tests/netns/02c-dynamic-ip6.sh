#!/bin/bash
# Scenario 2c: scenario 1 over IP protocol 115 on an IPv6 underlay (next
# header 115): same assertions, same topology.
#
#   hostA --- [brA siteA] ===== WAN (2001:db8::/64, IP 115) ===== [siteB brB] --- hostB
export L2T_ENCAP=ip L2T_FAMILY=6 L2T_NAME_OVERRIDE=02c-dynamic-ip6
exec bash "$(dirname "$0")/01-dynamic-udp4.sh" "$@"
