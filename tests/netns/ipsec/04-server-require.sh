#!/bin/bash
# IPsec scenario 4: an l2tp-server with use-ipsec = require.  Client C1 dials
# without IPsec (use-ipsec = no, no charon), client C2 with IPsec (yes); then
# C1 is restarted with IPsec.  BCP bridges the LANs; MPPE is off so only
# IPsec could hide anything.
#
#   hS --[brS  S + charon]== WAN ==[C1 brC1]-- h1     C1: no IPsec, then yes + charon
#   192.0.2.1  198.18.0.1          198.18.0.2 192.0.2.2
#                                ==[charon + C2 brC2]-- h2   C2: use-ipsec = yes
#                                  198.18.0.3 192.0.2.3
#
# A user sees: C2 connected on both sides with `ipsec` "installed", its host
# and S's host ping each other; C1 never connected while its SCCRQs keep
# coming (retransmitted, at least 3 seen on the WAN), the server counts each
# as drop reason `not-ipsec` (wherever the status puts the counter), and its
# log says "dropped L2TP from 198.18.0.2: not protected by IPsec (use-ipsec =
# require)" exactly once however many arrive; h1 cannot reach hS.  Restarted
# with use-ipsec = yes and a charon, C1 connects, shows ipsec "installed" on
# the server's row too, and h1 pings hS.
L2T_TIMEOUT=90
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ppp.sh
. "$L2T_ROOT/tests/netns/lib-ppp.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
DROP_LINE='dropped L2TP from 198.18.0.2: not protected by IPsec (use-ipsec = require)'

ipsec_require_tools

step "topology; charons on S and C2 (C1 has none yet)"
ppp_topo C1 C2
rc=0
ipsec_sites S C2 || rc=$?
require "charon answers on vici in S and C2" test "$rc" -eq 0

step "configs: server require; C1 use-ipsec = no; C2 use-ipsec = yes"
# client_conf SITE USE: C1/C2's config with use-ipsec USE.
client_conf() {
	local site=$1 use=$2 user lines=()
	user=site-$(tr C c <<<"$site")
	[ "$use" = no ] || mapfile -t lines < <(ipsec_conf_lines "$use" "$IPSEC_PSK")
	{
		conf_global "$site"
		[ "$use" = no ] || ipsec_conf_global "$site"
		conf_profile lan "${SBR[$site]}" 'use-encryption = "no"'
		conf_client "$user" "pw-$user" 'profile = "lan"' "${lines[@]}"
	} >"$T/$site.conf"
}
mapfile -t LINES < <(ipsec_conf_lines require "$IPSEC_PSK")
{
	conf_global S
	ipsec_conf_global S
	conf_profile lan "${SBR[S]}" 'use-encryption = "no"'
	conf_server "${LINES[@]}"
	conf_secret site-c1 pw-site-c1 'profile = "lan"'
	conf_secret site-c2 pw-site-c2 'profile = "lan"'
} >"$T/S.conf"
client_conf C1 no
client_conf C2 yes
cap_start wan "$NS_W" "${P}wC1" # C1's switch port: its clear L2TP
ppp_start S C1 C2

# not_ipsec_drops SITE: the site's `not-ipsec` drop counters, summed over
# every object in its status that has one (a site-level `drops` object or
# interface rows).
not_ipsec_drops() {
	local js
	js=$(site_status "$1") || return 1
	jq '[.. | objects | ."not-ipsec"? | numbers] | add // 0' <<<"$js"
}
# drops_at_least SITE N
drops_at_least() {
	local n
	n=$(not_ipsec_drops "$1") || return 1
	echo "site $1 not-ipsec drops: $n (want >= $2)"
	[ "$n" -ge "$2" ]
}
# sccrq_seen N: C1 sent at least N SCCRQs (its retransmissions) so far.
sccrq_seen() {
	local n
	n=$(ts_count "$(cap_file wan)" 'l2tp.avp.message_type == 1 && ip.src == 198.18.0.2') || return 1
	echo "$n SCCRQs from C1 on the WAN"
	[ "$n" -ge "$1" ]
}
drop_lines() { grep -cF -- "$DROP_LINE" "${DAEMON_LOG[S]}" || true; }

step "C2, with IPsec, is served"
check "site-c2 connected on C2 and on S within 30 s" wait_for 30 ppp_both_connected C2 site-c2
check "S: the row of site-c2 says ipsec \"installed\"" wait_for 10 ipsec_row_is S site-c2 installed
check "host of C2 pings host of S" ping_ok "${HNS[C2]}" "${SHOST4[S]}" 3

step "C1, without IPsec, is refused"
check "C1 retransmitted its SCCRQ at least 3 times (15 s)" wait_for 15 sccrq_seen 3
check "S counted at least 3 not-ipsec drops" wait_for 5 drops_at_least S 3
show_status S
check "S never shows site-c1 connected" ppp_not_connected S site-c1
check "C1 is not connected" ppp_not_connected C1 site-c1
check "host of C1 cannot reach host of S" ping_none "${HNS[C1]}" "${SHOST4[S]}" 3
check "S logged the refusal of 198.18.0.2 exactly once" \
	eval 'n=$(drop_lines); echo "$n lines: $DROP_LINE"; [ "$n" -eq 1 ]'
check "S logged no refusal of C2 (198.18.0.3) after its SA was up" \
	eval '! grep -F "dropped L2TP from 198.18.0.3" "${DAEMON_LOG[S]}" | grep -q .'
check "site-c2 still connected" ppp_both_connected C2 site-c2

step "C1 restarted with use-ipsec = yes and a charon: served"
stop_daemon C1
rc=0
ipsec_sites C1 || rc=$?
require "charon answers on vici in C1" test "$rc" -eq 0
client_conf C1 yes
require "site C1: l2pwd -n accepts the IPsec config" conf_valid C1
start_daemon C1 "$T/C1.conf" >/dev/null
require "site C1: l2pwd runs again" wait_daemon C1 20
t0=$(now_ms)
check "site-c1 connected on C1 and on S within 30 s" wait_for 30 ppp_both_connected C1 site-c1
say "  connected $(($(now_ms) - t0)) ms after the restart"
check "S: the row of site-c1 says ipsec \"installed\"" wait_for 10 ipsec_row_is S site-c1 installed
check "host of C1 pings host of S" ping_ok "${HNS[C1]}" "${SHOST4[S]}" 3
check "site-c2 still connected" ppp_both_connected C2 site-c2
cap_stop wan
