#!/bin/bash
# Scenario 3b: scenario 3a with 8-byte cookies and the RFC 4719 default
# L2-specific sublayer with sequencing on both sides: same assertions, plus
# the sequence numbers on the wire count up by one.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
export L2T_COOKIE_LEN=8 L2T_SUBLAYER=default L2T_SEQ=yes
export L2T_COOKIES="0011223344556677 8899aabbccddeeff" L2T_NAME_OVERRIDE=03b-static-cookie8-seq
exec bash "$(dirname "$0")/03a-static-cookie4.sh" "$@"
