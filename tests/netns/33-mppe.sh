#!/bin/bash
# Scenario 33: MPPE-128 (RFC 3078/3079) inside the PPP link: use-encryption
# in the ppp-profile, authentication MS-CHAPv2 (the keys come from it), mrru
# 1600 and a 1400-byte WAN as in 30-32.
#
#   hS --[brS  S]== WAN, MTU 1400, captured ==[C1 brC1]-- hC1
#
# Part 1, use-encryption = required on both ends: connected, status
# `encoding` is "MPPE128 stateless" on both; pings (small and full-size)
# cross; a ping whose payload is a distinctive 16-byte pattern (ping -p) is
# seen in the clear on hC1's LAN port but nowhere in the WAN capture.
# Part 2 (the control that proves part 1 can fail): use-encryption = no on
# both ends: encoding "none", and the same pattern IS in the WAN capture.
# Part 3: required on the server, no on the client; part 4: the other way
# round.  Over two refused attempts of the client, the requiring side never
# shows the session connected (the other, which waits for no CCP, may for a
# moment before the refusal arrives: never in two status polls 0.5 s
# apart), no traffic crosses, the requiring side logs "encryption required
# but peer refused MPPE" (or similar), and some status row shows the reason.
L2T_TIMEOUT=240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
. "$(dirname "$0")/lib-mp.sh"

PATTERN=6d707065c0ffee5a17a1b2c3d4e5f607 # ping -p: 16 bytes, repeated through the payload
REFUSED_RE='(encrypt|mppe).*(requir|refus|reject)|(requir|refus|reject).*(encrypt|mppe)'

# pattern_ping NS DST: pings with $PATTERN as payload, small (one PPP frame)
# and full-size (Multilink fragments), every echo answered.
pattern_ping() {
	ping_ok "$1" "$2" 3 -s 200 -p "$PATTERN" && ping_ok "$1" "$2" 3 -M 'do' -s 1472 -p "$PATTERN"
}

# lan_cap_start NAME: capture hC1's LAN port (where the pattern is cleartext).
lan_cap_start() { cap_start "$1" "${HNS[C1]}" "$PPP_HOST_IF" icmp; }

# reason_rows SITE: every interface row's name, status and last-error.
reason_rows() {
	local js
	js=$(site_status "$1") || return 1
	jq -r '.interfaces[] | "\(.name): status \"\(.status)\" last-error \"\(."last-error" // "")\""' <<<"$js"
}
# reason_shown SITE: some row's status or last-error names the encryption problem.
reason_shown() {
	local rows
	rows=$(reason_rows "$1") || return 1
	printf '%s\n' "$rows"
	grep -iqE -- "$REFUSED_RE" <<<"$rows"
}

# never_connected MAX REQ OTHER: the requiring site REQ never shows the
# session connected, and OTHER never in two polls running (a poll every
# 0.5 s), until the client (C1) has logged two refused attempts since its
# last start ("disconnected: ..., reconnecting"; it redials after 2 s, then
# 4 s) and at least 3 s have passed, or for MAX seconds.  OTHER does not wait
# for CCP (use-encryption = no asks for nothing), so it may open BCP and call
# itself connected for the moment before REQ's refusal arrives and the
# session is torn down; that moment may be seen, a session that stays up may
# not.
never_connected() {
	local t0 end polls=0 seen=0 prev=0 cur refused=0
	t0=$(now_ms)
	end=$((t0 + $1 * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		polls=$((polls + 1))
		if ppp_connected "$2" "$MP_USER" 2>/dev/null; then
			echo "site $2 (requires MPPE) connected at $(date +%T.%N | cut -c1-12)"
			return 1
		fi
		cur=0
		if ppp_connected "$3" "$MP_USER" 2>/dev/null; then
			cur=1 seen=$((seen + 1))
			if [ "$prev" = 1 ]; then
				echo "site $3 connected in two polls running at $(date +%T.%N | cut -c1-12)"
				return 1
			fi
		fi
		prev=$cur
		refused=$(mp_log_since C1 | grep -c 'disconnected: .*reconnecting' || true)
		[ "$refused" -lt 2 ] || [ $(($(now_ms) - t0)) -lt 3000 ] || break
		sleep 0.5
	done
	echo "$polls polls in $((($(now_ms) - t0) / 1000))s, $refused refused attempts of C1: site $2 never connected, site $3 connected in $seen (never twice running)" |
		tee "$T/never.txt"
}

require_binaries
step "topology, WAN MTU $MP_WAN_MTU"
mp_topo

step "part 1: use-encryption = required on both ends"
mp_confs 1600 1600 required required
cap_start wan1 "$NS_W" "$WAN_BR"
lan_cap_start lan1
ppp_start S C1
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
show_status S
check "S: encoding \"MPPE128 stateless\"" mp_key_is S encoding "MPPE128 stateless"
check "C1: encoding \"MPPE128 stateless\"" mp_key_is C1 encoding "MPPE128 stateless"
check "S: mrru 1600 with MPPE" mp_key_is S mrru 1600
check "hostS pings hostC1 through MPPE" ping_ok "${HNS[S]}" "${SHOST4[C1]}" 3
check "full-size frames through MPPE + Multilink, both ways" \
	eval "big_ping ${HNS[S]} ${SHOST4[C1]} 3 && big_ping ${HNS[C1]} ${SHOST4[S]} 3"
check "hostS pings hostC1 with payload pattern $PATTERN" pattern_ping "${HNS[S]}" "${SHOST4[C1]}"
cap_stop lan1
cap_stop wan1
check "the pattern is cleartext on hC1's LAN port (it was sent)" pcap_has_hex "$PATTERN" "$(cap_file lan1)"
check "the WAN carried MPPE packets (PPP protocol 0x00fd)" pts_at_least 10 "$(cap_file wan1)" 'ppp.protocol == 0x00fd'
check "the WAN carried no bridged frame in the clear (PPP protocol 0x0031)" \
	pts_none "$(cap_file wan1)" 'ppp.protocol == 0x0031'
check "the pattern is nowhere in the WAN capture" pcap_lacks_hex "$PATTERN" "$(cap_file wan1)"

step "part 2 (control): use-encryption = no on both ends"
mp_confs 1600 1600 no no
cap_start wan2 "$NS_W" "$WAN_BR"
mp_restart
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
check "S: encoding \"none\"" mp_key_is S encoding none
check "C1: encoding \"none\"" mp_key_is C1 encoding none
check "hostS pings hostC1 with payload pattern $PATTERN" pattern_ping "${HNS[S]}" "${SHOST4[C1]}"
cap_stop wan2
check "without MPPE the pattern IS in the WAN capture (so the part 1 check can fail)" \
	pcap_has_hex "$PATTERN" "$(cap_file wan2)"
check "without MPPE no 0x00fd on the WAN" pts_none "$(cap_file wan2)" 'ppp.protocol == 0x00fd'

# refused_case REQ_SITE OTHER_SITE: the session must not come up; REQ_SITE
# logs why and some status row says it.
refused_case() {
	local req=$1 other=$2
	require "both daemons answer" ppp_all_up S C1
	rm -f "$T/never.txt"
	check "the session stays down over two refused attempts (at most 15 s)" never_connected 15 "$req" "$other"
	[ ! -s "$T/never.txt" ] || say "  $(cat "$T/never.txt")"
	check "site $req logs the refusal (/$REFUSED_RE/)" mp_log_has "$req" "$REFUSED_RE"
	local line
	if line=$(mp_log_has "$other" "$REFUSED_RE"); then
		say "  site $other logs it too: ${line%%$'\n'*}"
	fi
	check "a status row shows the encryption reason (site $req or $other)" \
		wait_for 10 eval "reason_shown $req || reason_shown $other"
	say "$(reason_rows "$req" | sed 's/^/    site '"$req"': /')"
	say "$(reason_rows "$other" | sed 's/^/    site '"$other"': /')"
	check "no traffic crosses" ping_none "${HNS[S]}" "${SHOST4[C1]}" 3
}

step "part 3: use-encryption = required on the server, no on the client"
mp_confs 1600 1600 required no
mp_restart
refused_case S C1

step "part 4: use-encryption = no on the server, required on the client"
mp_confs 1600 1600 no required
mp_restart
refused_case C1 S
