#!/bin/bash
# IPsec scenario 9: an l2tp-server with use-ipsec = require answers its
# clients only through their SAs.  When a client's SA goes away while its
# L2TP tunnel still lives, the server must not go on sending that client's
# L2TP (hellos, LCP, bridged frames from its LAN) in clear.  (Before the fix
# in pwd/ipsec_site.c ipsec_site_may_send() it did: the pattern below was on
# the WAN; the same gap let one SCCRP out in clear in a run of ipsec/03,
# when the server's route into kernel-libipsec's TUN came a moment after its
# inbound SA.)
#
#   hS --[brS  S + charon]== WAN (captured) ==[charon + C1  brC1]-- hC1
#        require (09b: yes)                      yes
#
# Scenario 09b runs this file with the server's use-ipsec = yes
# (L2T_SERVER_USE): a yes-server serves clear clients too, but one whose L2TP
# came through an SA is answered only through one.
#
# Steps: connect with IPsec; stop C1's charon with SIGTERM (it sends DELETE,
# S's charon drops the SA and its route into ipsec0); wait until S's row of
# site-c1 no longer says "installed"; ping hC1 from hS with a known payload.
# A user sees: no L2TP from 198.18.0.1 and no payload in clear on the WAN
# (the frames did reach the server's session port: captured there); once
# C1's charon is back, the client comes back through a new SA and the hosts
# ping again.
L2T_TIMEOUT=90
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ppp.sh
. "$L2T_ROOT/tests/netns/lib-ppp.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"

SERVER_USE=${L2T_SERVER_USE:-require}

ipsec_require_tools
step "topology, one charon per site"
ppp_topo C1
rc=0
ipsec_sites S C1 || rc=$?
require "charon answers on vici in both site namespaces" test "$rc" -eq 0

step "server $SERVER_USE, client yes"
mapfile -t SL < <(ipsec_conf_lines "$SERVER_USE" "$IPSEC_PSK")
mapfile -t CL < <(ipsec_conf_lines yes "$IPSEC_PSK")
{
	conf_global S
	ipsec_conf_global S
	conf_profile lan "${SBR[S]}" 'use-encryption = "no"'
	conf_server "${SL[@]}"
	conf_secret site-c1 pw-c1 'profile = "lan"'
} >"$T/S.conf"
{
	conf_global C1
	ipsec_conf_global C1
	conf_profile lan "${SBR[C1]}" 'use-encryption = "no"'
	conf_client site-c1 pw-c1 'profile = "lan"' "${CL[@]}"
} >"$T/C1.conf"
ppp_start -q S C1
require "site-c1 connected with its SA installed on S" \
	wait_for 30 eval 'ppp_both_connected C1 site-c1 && ipsec_row_is S site-c1 installed'
check "hS pings hC1 through the SA" ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3

step "C1's charon stops (SIGTERM: DELETE to S); S goes on sending?"
ipsec_charon_stop "${SNS[C1]}"
# row_waits: S's row of site-c1 says the SA is missing ("connecting" or a
# reason), not installed and not a client that never had IPsec.
row_waits() {
	local v
	v=$(ppp_get S site-c1 ipsec) || return 1
	echo "site S row site-c1 ipsec: \"$v\""
	[ -n "$v" ] && [ "$v" != installed ] && [ "$v" != "client without IPsec" ]
}
check "S notices: its row of site-c1 waits for an SA again" wait_for 15 row_waits
TAP_S=$(ppp_tap S site-c1)
cap_start wan "$NS_W" "${P}wS"
cap_start tap "${SNS[S]}" "$TAP_S" icmp
in_ns "${HNS[S]}" ping -n -c 3 -i 0.2 -W 1 -s 200 -p "$(ipsec_pattern_hex)" "${SHOST4[C1]}" >/dev/null 2>&1 || true
cap_stop tap
cap_stop wan
check "the pattern ping reached S's port $TAP_S of site-c1 (the next checks can fail)" \
	ipsec_has_pattern "$(cap_file tap)"
check "WAN: no clear L2TP from the server once the SA is gone" \
	ts_none "$(cap_file wan)" 'udp.port == 1701 && ip.src == 198.18.0.1'
check_not "WAN: the pattern ping from hS not in clear" ipsec_has_pattern "$(cap_file wan)"

step "C1's charon back: the client returns through a new SA"
rc=0
ipsec_charon_start "${SNS[C1]}" "$T/charon-C1" || rc=$?
require "the new charon answers on vici" test "$rc" -eq 0
t0=$(now_ms)
check "site-c1 connected with its SA installed on S within 60 s" \
	wait_for 60 eval 'ppp_both_connected C1 site-c1 && ipsec_row_is S site-c1 installed'
say "  back $(($(now_ms) - t0)) ms after charon C1 restarted"
check "hS pings hC1 again" wait_for 10 ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3
