#!/bin/bash
# Scenario 2a: scenario 1 over an IPv6 underlay (sites 2001:db8::1 and
# 2001:db8::2, UDP 1701): same assertions, same topology.
#
#   hostA --- [brA siteA] ===== WAN (2001:db8::/64) ===== [siteB brB] --- hostB
export L2T_ENCAP=udp L2T_FAMILY=6 L2T_NAME_OVERRIDE=02a-dynamic-udp6
exec bash "$(dirname "$0")/01-dynamic-udp4.sh" "$@"
