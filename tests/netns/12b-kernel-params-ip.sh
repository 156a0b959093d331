#!/bin/bash
# Scenario 12b: like 12a, site B configured as the kernel peer of
# tests/interop/linux-6.1-l2tpv3/l2tpv3-ip-cookie4.pcap (encap ip, cookie
# 11223344, peer_cookie 55667788, no sublayer, ids 4001/4002, 1001/2002).
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24, IP 115) ===== [siteB brB "kernel"] --- hostB
here=$(cd "$(dirname "$0")" && pwd)
export L2T_ENCAP=ip L2T_COOKIE_LEN=4 L2T_SUBLAYER=none L2T_SEQ=no
export L2T_IDS="4002 4001 2002 1001" L2T_COOKIES="55667788 11223344"
export L2T_KERNEL_PCAP=$here/../interop/linux-6.1-l2tpv3/l2tpv3-ip-cookie4.pcap
export L2T_NAME_OVERRIDE=12b-kernel-params-ip
exec bash "$here/03a-static-cookie4.sh" "$@"
