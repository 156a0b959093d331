#!/bin/bash
# Scenario 3c: scenario 3a without cookies, with the default L2-specific
# sublayer but no sequencing (S bit clear, sequence 0), over IP protocol 115.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24, IP 115) ===== [siteB brB] --- hostB
export L2T_ENCAP=ip L2T_COOKIE_LEN=0 L2T_SUBLAYER=default L2T_SEQ=no
export L2T_NAME_OVERRIDE=03c-static-plain-default
exec bash "$(dirname "$0")/03a-static-cookie4.sh" "$@"
