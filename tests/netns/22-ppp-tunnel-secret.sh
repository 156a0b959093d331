#!/bin/bash
# Scenario 22: L2TP tunnel authentication (RFC 2661 section 5.1.1, Challenge /
# Challenge Response AVPs) and AVP hiding (section 4.3).
#
# Server S (198.18.0.1): tunnel-secret "tunnel-s3cret", AVPs in the clear.
#   C1: tunnel-secret "not-the-secret" -> no tunnel: a log says "tunnel
#       authentication failed", C1's status shows a reason, never connected,
#       no TAP on the server
#   C2: tunnel-secret "tunnel-s3cret"  -> connected, pings cross, Challenge and
#       Challenge Response AVPs on the wire
# Server S2 (198.18.0.20): the same secret, hide-avps = yes.
#   C3: the right secret, hide-avps = yes -> connected, pings cross, and the
#       WAN capture shows hidden AVPs (l2tp.avp.hidden == 1) sent by both S2
#       and C3
#   C4: a wrong secret, hide-avps = yes -> no tunnel: S2 cannot decode C4's
#       hidden AVPs, answers with a StopCCN, both log "tunnel authentication
#       failed" and C4's status shows a reason
L2T_TIMEOUT=170
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"

require_binaries
step "topology"
ppp_topo C1 C2 C3 C4 S2=198.18.0.20,192.0.2.20

step "configs"
for srv in S S2; do
	if [ "$srv" = S ]; then hide=no; else hide=yes; fi
	{
		conf_global "$srv"
		conf_profile lan "${SBR[$srv]}"
		conf_server 'tunnel-secret = "tunnel-s3cret"' "hide-avps = $hide"
		conf_secret site-c1 pw-c1 'profile = "lan"' "interface = \"${P}s1\""
		conf_secret site-c2 pw-c2 'profile = "lan"' "interface = \"${P}s2\""
		conf_secret site-c3 pw-c3 'profile = "lan"' "interface = \"${P}s3\""
		conf_secret site-c4 pw-c4 'profile = "lan"' "interface = \"${P}s4\""
	} >"$T/$srv.conf"
done
declare -A TSECRET=([C1]=not-the-secret [C2]=tunnel-s3cret [C3]=tunnel-s3cret [C4]=not-the-secret)
for c in C1 C2 C3 C4; do
	u=site-$(tr C c <<<"$c")
	extra=()
	server=198.18.0.1
	if [ "$c" = C3 ] || [ "$c" = C4 ]; then
		extra=('hide-avps = yes')
		server=198.18.0.20
	fi
	{
		conf_global "$c"
		conf_profile lan "${SBR[$c]}"
		PPP_SERVER=$server conf_client "$u" "pw-$(tr C c <<<"$c")" 'profile = "lan"' \
			"tunnel-secret = \"${TSECRET[$c]}\"" "${extra[@]}"
	} >"$T/$c.conf"
done
cap_start wan "$NS_W" "$WAN_BR"
ppp_start S S2 C1 C2 C3 C4

step "the right secret connects (S with AVPs in the clear, S2 hiding them)"
check "site-c2 connected on C2 and S within 40 s" wait_for 40 ppp_both_connected C2 site-c2
check "site-c3 connected on C3 and S2 within 40 s" wait_for 40 ppp_both_connected C3 site-c3 S2
check "site-c2: ids crosswise" ppp_ids_crosswise C2 site-c2
check "site-c3: ids crosswise" ppp_ids_crosswise C3 site-c3 S2
check "host of C2 pings the host of S" ping_ok "${HNS[C2]}" 192.0.2.1 3
check "host of S pings the host of C2" ping_ok "${HNS[S]}" 192.0.2.3 3
check "host of C3 pings the host of S2" ping_ok "${HNS[C3]}" 192.0.2.20 3

step "the wrong secret (in the clear): no tunnel"
# tunnel_auth_logged: the line appears in C1's or S's log (C1 checks the
# server's Challenge Response in SCCRP first, RFC 2661 5.1.1).
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
tunnel_auth_logged | sed 's/^/    /' | cut -c1-220 || true
check "C1's status shows a reason within 10 s" wait_for 10 ppp_client_reason C1
say "    $(ppp_client_reason C1 || true)"
# Long enough for a second attempt of the client (it redials): still refused.
tunnel_auth_twice() {
	[ "$(cat "${DAEMON_LOG[C1]}" "${DAEMON_LOG[S]}" | grep -ci 'tunnel authentication failed')" -ge 2 ]
}
check "C1 tries again and is refused again (a second failure logged within 60 s)" wait_for 60 tunnel_auth_twice
check "site-c1 not connected on C1" ppp_not_connected C1 site-c1
check "site-c1 not connected on S" ppp_not_connected S site-c1
check "no TAP ${P}s1 on S" tap_absent "${SNS[S]}" "${P}s1"
check "host of C1 cannot reach the host of S" ping_none "${HNS[C1]}" 192.0.2.1 2

step "the wrong secret with hidden AVPs: no tunnel"
check "S2 logs \"tunnel authentication failed\" (C4's hidden AVPs do not decode)" \
	wait_for 20 log_has S2 'tunnel authentication failed'
say "    $(log_has S2 'tunnel authentication failed' | head -n 1 | cut -c1-200 || true)"
check "C4 is told (StopCCN) and logs \"tunnel authentication failed\"" \
	wait_for 20 log_has C4 'tunnel authentication failed'
say "    $(log_has C4 'tunnel authentication failed' | head -n 1 | cut -c1-200 || true)"
check "C4's status shows a reason" wait_for 10 ppp_client_reason C4
say "    $(ppp_client_reason C4 || true)"
check "site-c4 not connected on C4 nor S2" eval 'ppp_not_connected C4 site-c4 && ppp_not_connected S2 site-c4'
check "no TAP ${P}s4 on S2" tap_absent "${SNS[S2]}" "${P}s4"
check "the good clients are still connected" \
	eval 'ppp_both_connected C2 site-c2 && ppp_both_connected C3 site-c3 S2'

step "the wire"
cap_stop wan
W=$(cap_file wan)
check "C2 sent a Challenge AVP (type 11) to S" pts_at_least 1 "$W" "ip.src == 198.18.0.3 && l2tp.avp.type == 11"
check "S answered C2 with a Challenge Response AVP (type 13)" pts_at_least 1 "$W" "ip.src == 198.18.0.1 && ip.dst == 198.18.0.3 && l2tp.avp.type == 13"
check "S hides nothing (hide-avps = no)" pts_none "$W" "ip.src == 198.18.0.1 && l2tp.avp.hidden == 1"
check "S2 sent hidden AVPs to C3" pts_at_least 1 "$W" "ip.src == 198.18.0.20 && ip.dst == 198.18.0.4 && l2tp.avp.hidden == 1"
check "C3 sent hidden AVPs to S2" pts_at_least 1 "$W" "ip.src == 198.18.0.4 && l2tp.avp.hidden == 1"
say "  AVP types:hidden flags of C3's control messages: $(ts "$W" -Y 'ip.src == 198.18.0.4 && l2tp.avp.hidden == 1' -T fields -e l2tp.avp.type -e l2tp.avp.hidden | head -n 3 | tr '\n\t' ' :' || true)"
check "no malformed packets on the WAN" pts_none "$W" '_ws.malformed || _ws.expert.severity >= 8388608'
