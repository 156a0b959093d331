#!/bin/bash
# Scenario 21: PPP authentication, method by method.
#
# Server S (198.18.0.1) accepts authentication = {pap, chap, mschap1, mschap2};
# server S2 (198.18.0.20) only the default {mschap1, mschap2}.  One client site
# per case, all at once:
#
#   C1 ok-pap      allow {pap}       right password   -> connected, PAP on the wire
#   C2 ok-chap     allow {chap}      right password   -> connected, CHAP-MD5
#   C3 ok-mschap1  allow {mschap1}   right password   -> connected, MS-CHAPv1
#   C4 ok-mschap2  allow {mschap2}   right password   -> connected, MS-CHAPv2
#   C5..C8 bad-pap/bad-chap/bad-mschap1/bad-mschap2: the same, wrong password
#                                     -> refused: a reason in the client's status, a log line on
#                                        both sides, PAP Nak / CHAP Failure on the wire, no TAP on
#                                        the server for that user (its ppp-secret names one)
#   C9 nocommon    allow {pap, chap} against S2       -> fails cleanly: reason, log, no TAP
#   C10 s2ok       allow (default) against S2         -> connected (S2 itself works)
#
# Each ok client's LAN host pings the server's host (192.0.2.1 behind S, 192.0.2.20 behind S2).
L2T_TIMEOUT=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"

METHODS=(pap chap mschap1 mschap2)
# LCP Authentication-Protocol option per method: protocol, CHAP algorithm.
declare -A AUTH_PROTO=([pap]=0xc023 [chap]=0xc223 [mschap1]=0xc223 [mschap2]=0xc223)
declare -A CHAP_ALG=([chap]=0x05 [mschap1]=0x80 [mschap2]=0x81)

require_binaries
step "topology"
ppp_topo C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 S2=198.18.0.20,192.0.2.20

step "configs"
{
	conf_global S
	conf_profile lan "${SBR[S]}" 'use-encryption = "no"'
	conf_server 'authentication = {pap, chap, mschap1, mschap2}'
	i=0
	for m in "${METHODS[@]}"; do
		i=$((i + 1))
		conf_secret "ok-$m" "right-$m" 'profile = "lan"' "interface = \"${P}o$i\""
		conf_secret "bad-$m" "right-$m" 'profile = "lan"' "interface = \"${P}b$i\""
	done
} >"$T/S.conf"
{
	conf_global S2
	conf_profile lan "${SBR[S2]}" 'use-encryption = "no"'
	conf_server
	conf_secret nocommon right-nc 'profile = "lan"' "interface = \"${P}n1\""
	conf_secret s2ok right-s2 'profile = "lan"' "interface = \"${P}n2\""
} >"$T/S2.conf"
declare -A CUSER=() CMETH=()
i=0
for m in "${METHODS[@]}"; do
	i=$((i + 1))
	CUSER[C$i]=ok-$m CMETH[C$i]=$m
	CUSER[C$((i + 4))]=bad-$m CMETH[C$((i + 4))]=$m
	for c in "C$i" "C$((i + 4))"; do
		if [ "$c" = "C$i" ]; then pw=right-$m; else pw=wrong-$m; fi
		{
			conf_global "$c"
			conf_profile lan "${SBR[$c]}" 'use-encryption = "no"'
			conf_client "${CUSER[$c]}" "$pw" 'profile = "lan"' "allow = {$m}"
		} >"$T/$c.conf"
	done
done
CUSER[C9]=nocommon CUSER[C10]=s2ok
{
	conf_global C9
	conf_profile lan "${SBR[C9]}" 'use-encryption = "no"'
	PPP_SERVER=198.18.0.20 conf_client nocommon right-nc 'profile = "lan"' 'allow = {pap, chap}'
} >"$T/C9.conf"
{
	conf_global C10
	conf_profile lan "${SBR[C10]}" 'use-encryption = "no"'
	PPP_SERVER=198.18.0.20 conf_client s2ok right-s2 'profile = "lan"'
} >"$T/C10.conf"
say "  server S config:"
sed 's/^/    | /' "$T/S.conf"
say "  server S2 config:"
sed 's/^/    | /' "$T/S2.conf"
say "  client configs: see $T/C*.conf; C1 (ok-pap) and C5 (bad-pap) for example:"
sed 's/^/    | /' "$T/C1.conf"
sed -n '/l2tp-client/,$p' "$T/C5.conf" | sed 's/^/    | /'
cap_start wan "$NS_W" "$WAN_BR"
ppp_start -q S S2 C1 C2 C3 C4 C5 C6 C7 C8 C9 C10

step "right password: each method connects"
for i in 1 2 3 4; do
	c=C$i u=${CUSER[C$i]}
	check "$u ($c, allow {${CMETH[$c]}}) connected on both sides within 40 s" wait_for 40 ppp_both_connected "$c" "$u"
done
check "s2ok (C10) connected to S2 within 40 s" wait_for 40 ppp_both_connected C10 s2ok S2
show_status S
for i in 1 2 3 4; do
	c=C$i u=${CUSER[C$i]}
	check "$u: ids crosswise" ppp_ids_crosswise "$c" "$u"
	check "$u: the server's TAP ${P}o$i is a port of ${SBR[S]}" tap_in_bridge "${SNS[S]}" "${P}o$i" "${SBR[S]}"
	check "$u: host of $c pings the server's host" ping_ok "${HNS[$c]}" 192.0.2.1 3
done
check "s2ok: host of C10 pings S2's host" ping_ok "${HNS[C10]}" 192.0.2.20 3

step "wrong password: refused, per method"
for i in 5 6 7 8; do
	c=C$i u=${CUSER[C$i]}
	check "$u ($c): the client's status shows a reason within 30 s" wait_for 30 ppp_client_reason "$c"
	check "$u ($c): that reason is about authentication" \
		eval "ppp_client_reason $c | grep -iE 'auth|pass|chap|pap|login|denied|refus|reject'"
	check "$u ($c): the client logs the authentication failure" wait_for 10 log_has_auth_fail "$c"
	check "$u: the server logs the authentication failure naming $u" wait_for 10 log_has_auth_fail S "$u"
	say "    $(ppp_client_reason "$c" || true)"
	say "    client log: $(log_has_auth_fail "$c" | head -n 1 || true)"
	say "    server log: $(log_has_auth_fail S "$u" | head -n 1 || true)"
done

step "allow {pap, chap} against a server with {mschap1, mschap2}: fails cleanly"
check "nocommon (C9): the client's status shows a reason within 30 s" wait_for 30 ppp_client_reason C9
check "nocommon (C9): that reason names the authentication" \
	eval "ppp_client_reason C9 | grep -iE 'auth|pap|chap'"
check "nocommon (C9): the client logs \"no common authentication method\"" \
	wait_for 10 log_has C9 'no common auth'
check "S2 logs \"no common authentication method\"" wait_for 10 log_has S2 'no common auth'
say "    $(ppp_client_reason C9 || true)"
say "    client log: $(log_has C9 'no common auth' | head -n 1 || true)"
say "    server log: $(log_has S2 'no common auth' | head -n 1 || true)"
check "l2pwd on S2 is alive" daemon_alive S2
check "l2pwd on C9 is alive" daemon_alive C9

step "nothing was let in"
for i in 5 6 7 8; do
	c=C$i u=${CUSER[C$i]}
	check "$u: not connected on $c" ppp_not_connected "$c" "$u"
	check "$u: not connected on S" ppp_not_connected S "$u"
	check "$u: no TAP ${P}b$i on the server" tap_absent "${SNS[S]}" "${P}b$i"
	check "$u: host of $c cannot reach the server's host" ping_none "${HNS[$c]}" 192.0.2.1 2
done
check "nocommon: not connected on C9 nor S2" eval 'ppp_not_connected C9 nocommon && ppp_not_connected S2 nocommon'
check "nocommon: no TAP ${P}n1 on S2" tap_absent "${SNS[S2]}" "${P}n1"
for i in 1 2 3 4; do
	check "${CUSER[C$i]} is still connected" ppp_both_connected "C$i" "${CUSER[C$i]}"
done

step "the wire: which method each session used"
cap_stop wan
W=$(cap_file wan)
for i in 1 2 3 4; do
	c=C$i m=${CMETH[C$i]} ip=${SWAN4[C$i]}
	if [ "$m" = pap ]; then
		check "ok-pap: $ip acked LCP auth PAP" pts_at_least 1 "$W" "ip.src == $ip && (lcp && ppp.code == 2) && lcp.opt.auth_protocol == 0xc023"
		check "ok-pap: PAP Authenticate-Ack from the server" pts_at_least 1 "$W" "ip.dst == $ip && pap.code == 2"
		j=$((i + 4))
		check "bad-pap: PAP Authenticate-Nak from the server" pts_at_least 1 "$W" "ip.dst == ${SWAN4[C$j]} && pap.code == 3"
	else
		check "ok-$m: $ip acked LCP auth CHAP algorithm ${CHAP_ALG[$m]}" pts_at_least 1 "$W" \
			"ip.src == $ip && (lcp && ppp.code == 2) && lcp.opt.auth_protocol == ${AUTH_PROTO[$m]} && lcp.opt.algorithm == ${CHAP_ALG[$m]}"
		check "ok-$m: CHAP Success from the server" pts_at_least 1 "$W" "ip.dst == $ip && chap.code == 3"
		j=$((i + 4))
		check "bad-$m: CHAP Failure from the server" pts_at_least 1 "$W" "ip.dst == ${SWAN4[C$j]} && chap.code == 4"
	fi
done
check "no malformed packets on the WAN" pts_none "$W" '_ws.malformed || _ws.expert.severity >= 8388608'
