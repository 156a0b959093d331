#!/bin/bash
# Scenario 30: full-size Ethernet frames over a 1400-byte WAN with PPP
# Multilink (RFC 1990 MRRU).
#
#   hS --[brS  S]== WAN, MTU 1400 ==[C1 brC1]-- hC1      S: l2tp-server, C1: l2tp-client
#   192.0.2.1   198.18.0.1    198.18.0.2     192.0.2.2   max-mtu/max-mru 1356 both ends
#   MTU 1500                                  MTU 1500   (every L2TP packet fits the WAN)
#
# Part 1, mrru = 1600 on both ends: status shows mrru 1600 on both;
# `ping -M do -s 1472` (1514-byte frames) works both ways; the WAN carries
# Multilink fragments (PPP protocol 0x003d) and no IP fragments.
# Part 2, mrru = 0 (disabled) on both ends: status mrru 0; the same ping
# fails both ways (small and 1300-byte pings still work, so it is the size),
# tx-dropped rises on the sending side, and the daemon says why (a named drop counter about the
# MRU/size, or a log line).
L2T_TIMEOUT=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
. "$(dirname "$0")/lib-mp.sh"

require_binaries
step "topology: one server site, one client site, WAN MTU $MP_WAN_MTU"
mp_topo
check "WAN links at $MP_WAN_MTU, LAN hosts at 1500" mp_mtus_ok

step "part 1: mrru = 1600 on both ends (use-encryption = no)"
mp_confs 1600 1600 no no
cap_start wan1 "$NS_W" "$WAN_BR"
ppp_start S C1
t0=$(now_ms)
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
say "  connected after $(($(now_ms) - t0)) ms"
show_status S
show_status C1
check "S: mrru 1600 in status" mp_key_is S mrru 1600
check "C1: mrru 1600 in status" mp_key_is C1 mrru 1600
check "S: mtu (what we send) is at most $MP_MAX_MTU" \
	eval "m=\$(mp_get S mtu); echo mtu \$m; [ \"\$m\" -gt 0 ] && [ \"\$m\" -le $MP_MAX_MTU ]"
check "hostS pings hostC1 (small packets)" ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3
txs=$(mp_get S tx-packets) txc=$(mp_get C1 tx-packets)
check "hostS -> hostC1: ping -M do -s 1472 (1514-byte frames), every echo answered" \
	big_ping "${HNS[S]}" "${SHOST4[C1]}" 5
check "hostC1 -> hostS: ping -M do -s 1472, every echo answered" \
	big_ping "${HNS[C1]}" "${SHOST4[S]}" 5
check "S: tx-packets moved with the full-size pings" counter_grew_ppp S tx-packets "$txs"
check "C1: tx-packets moved with the full-size pings" counter_grew_ppp C1 tx-packets "$txc"
# ml_reassembled SITE: status multilink.reassembled of the session, > 0.
ml_reassembled() {
	local n
	n=$(ppp_row "$1" "$MP_USER" | jq -er '.multilink.reassembled') || return 1
	echo "site $1: multilink.reassembled = $n"
	[ "$n" -gt 0 ]
}
check "S: status counts frames reassembled from Multilink fragments" ml_reassembled S
check "C1: status counts frames reassembled from Multilink fragments" ml_reassembled C1
say "  (Multilink counters are not part of status: MP activity is judged on the wire)"
mp_read_capture wan1
PCAP=$W
check "the WAN carried Multilink fragments (PPP protocol 0x003d) both ways" eval \
	"pts_at_least 10 '$PCAP' 'ppp.protocol == 0x003d && ip.src == 198.18.0.1' && pts_at_least 10 '$PCAP' 'ppp.protocol == 0x003d && ip.src == 198.18.0.2'"
check "no IP fragments on the WAN (every L2TP packet fits MTU $MP_WAN_MTU)" \
	pts_none "$PCAP" 'ip.flags.mf == 1 || ip.frag_offset > 0'
# frame.len, not ip.len: ip.len also matches the reassembled inner packets.
check "no WAN packet longer than $MP_WAN_MTU bytes of IP" pts_none "$PCAP" "frame.len > $((MP_WAN_MTU + 14))"

step "part 2: mrru = 0 (Multilink disabled) on both ends"
mp_confs 0 0 no no
cap_start wan2 "$NS_W" "$WAN_BR"
mp_restart
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
show_status S
check "S: mrru 0 in status" mp_key_is S mrru 0
check "C1: mrru 0 in status" mp_key_is C1 mrru 0
check "hostS pings hostC1 with small packets (the link works)" ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3
check "hostS pings hostC1 with 1300-byte packets (fit one PPP frame)" \
	ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3 -M 'do' -s 1272
drop_s=$(mp_get S tx-dropped)
drops_before=$(jq -c '.drops // {}' <<<"$(ppp_row S "$MP_USER")")
check "hostS -> hostC1: ping -M do -s 1472 gets no answer" big_ping_none "${HNS[S]}" "${SHOST4[C1]}" 5
check "S: tx-dropped rose with the refused full-size frames" counter_grew_ppp S tx-dropped "$drop_s"
drops_after=$(jq -c '.drops // {}' <<<"$(ppp_row S "$MP_USER")")
say "  S drop counters before: $drops_before"
say "  S drop counters after:  $drops_after"
# why_said: a drop counter whose name is about the size (mru/mtu/too-big/
# oversize) rose, or the log says so.
why_said() {
	local k
	for k in $(jq -r 'keys[]' <<<"$drops_after"); do
		case $k in
		*mru* | *mtu* | *too-big* | *oversize* | *size*)
			if [ "$(jq -r --arg k "$k" '.[$k] // 0' <<<"$drops_after")" -gt \
				"$(jq -r --arg k "$k" '.[$k] // 0' <<<"$drops_before")" ]; then
				echo "drop counter \"$k\" rose"
				return 0
			fi
			;;
		esac
	done
	mp_log_has S '(mru|mrru|mtu|too (big|large)|oversize).*(drop|refus|discard)|(drop|refus|discard).*(mru|mrru|mtu|too (big|large)|oversize)' && return 0
	echo "no drop counter named for the size rose, and no log line says why (drops: $drops_after)"
	return 1
}
check "S says why the full-size frames were dropped (a named counter or a log line)" why_said
drop_c=$(mp_get C1 tx-dropped)
check "hostC1 -> hostS: ping -M do -s 1472 gets no answer either" big_ping_none "${HNS[C1]}" "${SHOST4[S]}" 3
check "C1: tx-dropped rose too" counter_grew_ppp C1 tx-dropped "$drop_c"
say "  C1 drop counters: $(jq -c '.drops // {}' <<<"$(ppp_row C1 "$MP_USER")")"
cap_stop wan2
check "without Multilink, no 0x003d on the WAN" pts_none "$(cap_file wan2)" 'ppp.protocol == 0x003d'
check "the session is still connected on both sides" mp_connected
