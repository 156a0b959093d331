#!/bin/bash
# IPsec scenario 3: the RouterOS model under IPsec.  Site S runs an
# l2tp-server, site C1 dials it with an l2tp-client; PPP authenticates, BCP
# bridges both LANs; both sides say use-ipsec = yes (ipsec-mode = tunnel,
# kernel-libipsec).  A charon per site namespace.
#
#   hS --[brS  S + charon]== WAN switch (captured) ==[charon + C1  brC1]-- hC1
#   192.0.2.1  198.18.0.1    IKE + ESP-in-UDP only      198.18.0.2        192.0.2.2
#
# A user sees: the PPP session "connected" on both sides with `ipsec`
# "installed" and an ESP `encoding` on both rows; the client's CHILD_SA
# l2pw-IFACE and the server's l2pw-l2tp-server INSTALLED; arping and ping
# between the hosts; a ping carrying "L2PW-IPSEC-PROOF" arrives in clear on
# hC1's LAN port, while the WAN capture (from before the daemons started)
# holds only IKE and ESP: no L2TP, no pattern.  The profiles say
# use-encryption = no: MPPE would hide the pattern by itself.
L2T_TIMEOUT=90
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ppp.sh
. "$L2T_ROOT/tests/netns/lib-ppp.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
USER1="site-c1"

ipsec_require_tools

step "topology, one charon per site"
ppp_topo C1
rc=0
ipsec_sites S C1 || rc=$?
require "charon answers on vici in both site namespaces" test "$rc" -eq 0

step "configs: l2tp-server and l2tp-client with BCP, use-ipsec = yes, ipsec-mode = tunnel"
mapfile -t LINES < <(ipsec_conf_lines yes "$IPSEC_PSK")
{
	conf_global S
	ipsec_conf_global S
	conf_profile lan "${SBR[S]}" 'use-encryption = "no"'
	conf_server "${LINES[@]}"
	conf_secret "$USER1" pw-c1-secret 'profile = "lan"'
} >"$T/S.conf"
{
	conf_global C1
	ipsec_conf_global C1
	conf_profile lan "${SBR[C1]}" 'use-encryption = "no"'
	conf_client "$USER1" pw-c1-secret 'profile = "lan"' "${LINES[@]}"
} >"$T/C1.conf"
cap_start wan "$NS_W" "$WAN_BR"
ppp_start S C1

step "SA, tunnel, PPP and BCP come up"
t0=$(now_ms)
check "$USER1 connected on C1 and on S within 30 s" wait_for 30 ppp_both_connected C1 "$USER1"
say "  connected after $(($(now_ms) - t0)) ms"
show_status S
show_status C1
for s in S C1; do
	check "site $s: the row of $USER1 says ipsec \"installed\"" wait_for 10 ipsec_row_is "$s" "$USER1" installed
	check "site $s: encoding names the ESP algorithm" \
		eval "e=\$(ppp_get $s $USER1 encoding); echo \"encoding: \$e\"; [[ \$e == ESP\ * ]] && [[ \$e != *MPPE* ]]"
done
check "C1: charon holds CHILD_SA $(ipsec_conn "$PPP_CLIENT_IF") INSTALLED" \
	ipsec_site_installed C1 "$(ipsec_conn "$PPP_CLIENT_IF")"
check "S: charon holds CHILD_SA l2pw-l2tp-server INSTALLED" ipsec_site_installed S l2pw-l2tp-server
check "ids match crosswise" ppp_ids_crosswise C1 "$USER1"

step "traffic between the LANs, inside the SA"
in0=$(ipsec_child_in_packets S l2pw-l2tp-server) || in0=0
cap_start lan "${HNS[C1]}" "$PPP_HOST_IF" icmp
arping_pairs S C1
ping_pairs S C1
check "host of S pings host of C1 with the pattern payload ($IPSEC_PATTERN)" \
	ping_ok "${HNS[S]}" "${SHOST4[C1]}" 5 -s 200 -p "$(ipsec_pattern_hex)"
cap_stop lan
check "S's CHILD_SA counted the traffic in" \
	eval "n=\$(ipsec_child_in_packets S l2pw-l2tp-server); echo \"in packets: $in0 -> \$n\"; [ \"\${n:-0}\" -ge $((in0 + 10)) ]"
check "hC1's LAN port saw the pattern in clear (the check below can fail)" ipsec_has_pattern "$(cap_file lan)"
check "still connected on both sides" ppp_both_connected C1 "$USER1"

step "the WAN carried only IKE and ESP"
cap_stop wan
ipsec_wan_checks "$(cap_file wan)" 30
