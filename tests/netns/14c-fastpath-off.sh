#!/bin/bash
# Scenario 14c: the fast-path scenario with fastpath = "off": the slow path alone (TAP <-> socket)
# carries every frame, and no BPF program is attached.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
export L2T_FASTPATH_MODE=off L2T_NAME_OVERRIDE=14c-fastpath-off
exec bash "$(dirname "$0")/fastpath-scenario.bash" "$@"
