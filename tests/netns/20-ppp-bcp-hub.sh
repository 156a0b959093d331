#!/bin/bash
# Scenario 20: the RouterOS model. Site S runs an l2tp-server, sites C1 and C2
# each dial it with an l2tp-client; every PPP session authenticates, BCP
# opens and its TAP joins the bridge the PPP profile names, so the three LANs
# are one broadcast domain through the server's bridge.
#
#   hS --[brS  S]== WAN ==[C1 brC1]-- h1        S:  l2tp-server, two ppp-secrets
#   192.0.2.1      198.18.0.0/24      192.0.2.2      (site-c1: static TAP ${P}s1,
#                        ==[C2 brC2]-- h2             site-c2: dynamic l2tp-site-c2)
#                                     192.0.2.3
#
# A user sees: both clients "connected" on both sides, `user` set, the
# tunnel/session ids of each client row equal to the peer ids of the server's
# row for it; the server's TAPs (static and dynamic names) and the clients'
# TAPs on their bridges; arping and ping between every pair of hosts; an
# iperf3 TCP transfer from C1's host to C2's host (through the server's
# bridge) completes with a throughput > 0, printed.
#
# Both sides set mrru = 1600, as RouterOS's documentation tells BCP users to:
# with max-mtu 1450 a full 1514-byte Ethernet frame only fits the PPP link as
# Multilink fragments (RFC 1990); without MRRU such frames are dropped and TCP
# between the LANs stalls (seen: iperf3 moved 0 bytes).
L2T_TIMEOUT=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"

require_binaries
step "topology"
ppp_topo C1 C2

step "configs: server with two ppp-secrets (mschap1/mschap2, the defaults), two clients, mrru 1600"
{
	conf_global S
	conf_profile lan "${SBR[S]}"
	conf_server 'mrru = 1600'
	conf_secret site-c1 pw-c1-secret 'profile = "lan"' "interface = \"${P}s1\""
	conf_secret site-c2 pw-c2-secret 'profile = "lan"'
} >"$T/S.conf"
for c in C1 C2; do
	u=site-$(tr C c <<<"$c")
	{
		conf_global "$c"
		conf_profile lan "${SBR[$c]}"
		conf_client "$u" "pw-$(tr C c <<<"$c")-secret" 'profile = "lan"' 'mrru = 1600'
	} >"$T/$c.conf"
done
ppp_start S C1 C2

step "both clients connect"
t0=$(now_ms)
check "site-c1 connected on C1 and on S within 40 s" wait_for 40 ppp_both_connected C1 site-c1
check "site-c2 connected on C2 and on S within 40 s" wait_for 40 ppp_both_connected C2 site-c2
say "  both connected after $(($(now_ms) - t0)) ms"
show_status S
show_status C1
show_status C2
for c in C1 C2; do
	u=site-$(tr C c <<<"$c")
	check "$c: the client row is kind l2tp-client with user $u" ppp_kind_is "$c" "$u" l2tp-client
	check "S: the row for $u is kind l2tp-server" ppp_kind_is S "$u" l2tp-server
	check "$u: tunnel and session ids match crosswise (client $c vs server)" ppp_ids_crosswise "$c" "$u"
	check "$c: mtu/mru of the client row are set" ppp_mtu_sane "$c" "$u"
	check "S: mtu/mru of the server row for $u are set" ppp_mtu_sane S "$u"
	check "$c: mrru 1600 negotiated (client row)" eval "[ \"\$(ppp_get $c $u mrru)\" = 1600 ]"
	check "S: mrru 1600 negotiated (row of $u)" eval "[ \"\$(ppp_get S $u mrru)\" = 1600 ]"
	check "$c: remote-address is the server 198.18.0.1" \
		eval "[ \"\$(ppp_get $c $u remote-address)\" = 198.18.0.1 ]"
	check "S: remote-address of $u is ${SWAN4[$c]}" \
		eval "[ \"\$(ppp_get S $u remote-address)\" = ${SWAN4[$c]} ]"
	check "$c: the client TAP $PPP_CLIENT_IF is a port of ${SBR[$c]}" \
		tap_in_bridge "${SNS[$c]}" "$PPP_CLIENT_IF" "${SBR[$c]}"
done
check "S: site-c1's TAP is the ppp-secret's interface ${P}s1" eval "[ \"\$(ppp_tap S site-c1)\" = ${P}s1 ]"
check "S: ${P}s1 is a port of ${SBR[S]}" tap_in_bridge "${SNS[S]}" "${P}s1" "${SBR[S]}"
check "S: site-c2's TAP is the dynamic l2tp-site-c2" eval '[ "$(ppp_tap S site-c2)" = l2tp-site-c2 ]'
check "S: l2tp-site-c2 is a port of ${SBR[S]}" tap_in_bridge "${SNS[S]}" l2tp-site-c2 "${SBR[S]}"

step "one broadcast domain: ARP and ping between every pair of hosts"
declare -A before
for u in site-c1 site-c2; do
	before[$u]=$(ppp_get S "$u" rx-packets) || before[$u]=0
done
arping_pairs S C1 C2
ping_pairs S C1 C2
for u in site-c1 site-c2; do
	check "S: rx-packets of $u moved with the traffic" \
		eval "n=\$(ppp_get S $u rx-packets); echo \"${before[$u]} -> \$n\"; [ \"\$n\" -gt ${before[$u]} ]"
done

check "full-size frames: host of C1 pings host of C2 with 1500-byte packets, DF set" \
	ping_ok "${HNS[C1]}" "${SHOST4[C2]}" 3 -M "do" -s 1472
check "full-size frames: host of S pings host of C1 with 1500-byte packets, DF set" \
	ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3 -M "do" -s 1472

step "iperf3 TCP from C1's host to C2's host, through the server's bridge (5 s)"
check "iperf3 h1 -> h2 completes with > 0 bytes" iperf3_moves 1 "${HNS[C1]}" "${HNS[C2]}" "${SHOST4[C2]}" 5
[ ! -s "$T/iperf3.sum" ] || say "  iperf3 C1 host -> C2 host: $(cat "$T/iperf3.sum")"
check "the clients are still connected after the transfer" \
	eval 'ppp_both_connected C1 site-c1 && ppp_both_connected C2 site-c2'

step "a healthy link counts no errors"
# no_errors SITE USER: rx-errors 0 and every drop counter 0 (printed).
no_errors() {
	local row
	row=$(ppp_row "$1" "$2") || return 1
	jq -c '{name, "rx-errors", "rx-dropped", "tx-dropped", drops}' <<<"$row"
	jq -e '."rx-errors" == 0 and ."rx-dropped" == 0 and ."tx-dropped" == 0 and ([(.drops // {})[]] | add // 0) == 0' <<<"$row" >/dev/null
}
for c in C1 C2; do
	u=site-$(tr C c <<<"$c")
	check "$c: no errors or drops on the client row" no_errors "$c" "$u"
	check "S: no errors or drops on the row of $u" no_errors S "$u"
done
