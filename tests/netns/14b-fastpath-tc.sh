#!/bin/bash
# Scenario 14b: the fast-path scenario with fastpath = "tc": TC ingress on the WAN interface
# decapsulates into the bridge port, TC egress on the port encapsulates.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
export L2T_FASTPATH_MODE=tc L2T_NAME_OVERRIDE=14b-fastpath-tc
exec bash "$(dirname "$0")/fastpath-scenario.bash" "$@"
