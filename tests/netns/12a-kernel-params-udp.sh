#!/bin/bash
# Scenario 12a: no kernel L2TP here, so instead two l2pwd daemons where site B
# is configured exactly like the Linux kernel peer of
# tests/interop/linux-6.1-l2tpv3/l2tpv3-udp-cookie8-seq.pcap:
#
#   ip l2tp add tunnel tunnel_id 4001 peer_tunnel_id 4002 encap udp ...
#   ip l2tp add session tunnel_id 4001 session_id 1001 peer_session_id 2002 \
#       cookie 0102030405060708 peer_cookie a1a2a3a4a5a6a7a8 l2spec_type default seq both
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB "kernel"] --- hostB
#
# Scenario 3a's assertions, plus: tshark, with the prefs used for the kernel
# capture, decodes our capture to the same session ids, cookies and S bit in
# each direction as the kernel's.
here=$(cd "$(dirname "$0")" && pwd)
export L2T_ENCAP=udp L2T_COOKIE_LEN=8 L2T_SUBLAYER=default L2T_SEQ=yes
export L2T_IDS="4002 4001 2002 1001" L2T_COOKIES="a1a2a3a4a5a6a7a8 0102030405060708"
export L2T_KERNEL_PCAP=$here/../interop/linux-6.1-l2tpv3/l2tpv3-udp-cookie8-seq.pcap
export L2T_NAME_OVERRIDE=12a-kernel-params-udp
exec bash "$here/03a-static-cookie4.sh" "$@"
