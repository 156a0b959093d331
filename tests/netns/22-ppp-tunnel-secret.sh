#!/bin/bash
# Scenario 22: L2TP tunnel authentication (RFC 2661 section 5.1.1, Challenge /
# Challenge Response AVPs) and AVP hiding (section 4.3).
#
# Server S: tunnel-secret "tunnel-s3cret", hide-avps = yes.
#   C1: tunnel-secret "not-the-secret" -> no tunnel: the log says
#       "tunnel authentication failed", never connected, no TAP on the server
#   C2: tunnel-secret "tunnel-s3cret", hide-avps = yes -> connected, pings
#       cross, and the WAN capture shows hidden AVPs (l2tp.avp.hidden == 1)
#       sent by both the server and C2
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"

require_binaries
step "topology"
ppp_topo C1 C2

step "configs"
{
	conf_global S
	conf_profile lan "${SBR[S]}"
	conf_server 'tunnel-secret = "tunnel-s3cret"' 'hide-avps = yes'
	conf_secret site-c1 pw-c1 'profile = "lan"' "interface = \"${P}s1\""
	conf_secret site-c2 pw-c2 'profile = "lan"' "interface = \"${P}s2\""
} >"$T/S.conf"
{
	conf_global C1
	conf_profile lan "${SBR[C1]}"
	conf_client site-c1 pw-c1 'profile = "lan"' 'tunnel-secret = "not-the-secret"' 'hide-avps = yes'
} >"$T/C1.conf"
{
	conf_global C2
	conf_profile lan "${SBR[C2]}"
	conf_client site-c2 pw-c2 'profile = "lan"' 'tunnel-secret = "tunnel-s3cret"' 'hide-avps = yes'
} >"$T/C2.conf"
cap_start wan "$NS_W" "$WAN_BR"
ppp_start S C1 C2

step "the right secret with hidden AVPs connects"
check "site-c2 connected on C2 and S within 40 s" wait_for 40 ppp_both_connected C2 site-c2
check "site-c2: ids crosswise" ppp_ids_crosswise C2 site-c2
check "host of C2 pings the server's host" ping_ok "${HNS[C2]}" 192.0.2.1 3
check "the server's host pings the host of C2" ping_ok "${HNS[S]}" 192.0.2.3 3

step "the wrong secret: no tunnel"
# tunnel_auth_logged: the line appears in the client's or the server's log
# (the client checks the server's Challenge Response first, RFC 2661 5.1.1).
tunnel_auth_logged() {
	local s found=1
	for s in C1 S; do
		if grep -i -m 2 'tunnel authentication failed' "${DAEMON_LOG[$s]}" | sed "s/^/site $s: /"; then
			found=0
		fi
	done
	return $found
}
check "\"tunnel authentication failed\" logged within 30 s" wait_for 30 tunnel_auth_logged
tunnel_auth_logged || true
# Long enough for a second attempt of the client: still nothing.
check "C1 keeps trying and keeps failing (a second failure logged within 60 s)" \
	wait_for 60 eval "[ \"\$(cat ${DAEMON_LOG[C1]} ${DAEMON_LOG[S]} | grep -ci 'tunnel authentication failed')\" -ge 2 ]"
check "site-c1 not connected on C1" ppp_not_connected C1 site-c1
check "site-c1 not connected on S" ppp_not_connected S site-c1
check "C1's status shows a reason" ppp_client_reason C1
check "no TAP ${P}s1 on the server" tap_absent "${SNS[S]}" "${P}s1"
check "host of C1 cannot reach the server's host" ping_none "${HNS[C1]}" 192.0.2.1 2
check "site-c2 is still connected" ppp_both_connected C2 site-c2

step "hidden AVPs on the wire"
cap_stop wan
W=$(cap_file wan)
check "the server sent hidden AVPs to C2" pts_at_least 1 "$W" "ip.src == 198.18.0.1 && ip.dst == 198.18.0.3 && l2tp.avp.hidden == 1"
check "C2 sent hidden AVPs" pts_at_least 1 "$W" "ip.src == 198.18.0.3 && l2tp.avp.hidden == 1"
check "C2 and the server exchanged Challenge (type 11) and Challenge Response (type 13) AVPs" \
	eval "pts_at_least 1 $W 'ip.src == 198.18.0.3 && l2tp.avp.type == 11' && pts_at_least 1 $W 'ip.src == 198.18.0.1 && ip.dst == 198.18.0.3 && l2tp.avp.type == 13'"
say "  hidden AVP types seen: $(ts "$W" -Y 'l2tp.avp.hidden == 1' -T fields -e l2tp.avp.type -e l2tp.avp.hidden | head -n 5 | tr '\n\t' ' :')"
check "no malformed packets on the WAN" pts_none "$W" '_ws.malformed || _ws.expert.severity >= 8388608'
