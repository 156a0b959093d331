#!/bin/bash
# Scenario 2b: scenario 1 over IP protocol 115 (encap = "ip", RFC 3931
# section 4.1.1.1), IPv4 underlay: same assertions, same topology.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24, IP 115) ===== [siteB brB] --- hostB
export L2T_ENCAP=ip L2T_FAMILY=4 L2T_NAME_OVERRIDE=02b-dynamic-ip4
exec bash "$(dirname "$0")/01-dynamic-udp4.sh" "$@"
