#!/bin/bash
# Scenario 26: L2TPv2 + PPP + BCP sessions in the eBPF fast path (pwd/ppp_fast.h).
#
#   hS --[brS  S l2tp-server]== WAN (veths, tx offload off), captured ==[C1]-- hC1
#                                                                      ==[C2]-- hC2
#
# fastpath = $L2T_FASTPATH (default "tc"; run.sh runs it per mode).  The
# server S takes two users: site-c1 with profile use-encryption = "no" (the
# fast path's case) and site-c2 with "required" (MPPE: the daemon encrypts,
# so that session must say fastpath "off" and still work).  LAN hosts use
# MTU 1400 so that frames fit the PPP MRU (max-mru 1450, no Multilink) and
# the WAN MTU: the fast path carries them whole.
#
# A user sees: site-c1's row says fastpath "$MODE" on both sides, ARP, ping
# and iperf3 both ways cross, and fastpath-rx-packets/fastpath-tx-packets
# grow with most of the iperf3 frames; site-c2's row says "off", encoding
# MPPE, its fast-path counters stay 0, its pings cross.  The WAN capture
# decodes as L2TP/PPP/BCP/Ethernet in tshark without malformed packets, and
# frames the fast path sent (TCP) carry the same L2TP+PPP+BCP bytes as those
# the daemon sent (ARP): the peer cannot tell the paths apart.  When C1's
# daemon stops, S's maps hold no entry for the session any more; C1 comes
# back and the session enters the fast path again.  With fastpath = "off"
# every row says "off" and the fast-path counters stay 0 (the control).
L2T_TIMEOUT=240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"

# run.sh runs this once per mode (L2T_FASTPATH); alone it defaults to tc.
: "${L2T_FASTPATH:=tc}"
export L2T_FASTPATH
MODE=$L2T_FASTPATH
HOST_MTU=1400

require_binaries
step "topology"
ppp_topo C1 C2
# A veth WAN hands over unfinished checksums (CHECKSUM_PARTIAL) and GSO
# trains; the fast path needs the WAN to finish them as a NIC does
# (xdp/README.md "Test rigs with veth WANs").
for s in S C1 C2; do
	ip netns exec "${SNS[$s]}" ethtool -K "$PPP_WAN_IF" tx off >/dev/null
	ip -n "${HNS[$s]}" link set "$PPP_HOST_IF" mtu "$HOST_MTU"
done

step "configs: fastpath = \"$MODE\"; site-c1 clear, site-c2 MPPE"
{
	conf_global S
	conf_profile clear "${SBR[S]}" 'use-encryption = "no"'
	conf_profile enc "${SBR[S]}" 'use-encryption = "required"'
	conf_server 'authentication = {mschap2}' 'default-profile = "default"' 'keepalive-timeout = 5'
	conf_secret site-c1 pw-c1 'profile = "clear"'
	conf_secret site-c2 pw-c2 'profile = "enc"'
} >"$T/S.conf"
{
	conf_global C1
	conf_profile clear "${SBR[C1]}" 'use-encryption = "no"'
	conf_client site-c1 pw-c1 'profile = "clear"' 'allow = {mschap2}'
} >"$T/C1.conf"
{
	conf_global C2
	conf_profile enc "${SBR[C2]}" 'use-encryption = "required"'
	conf_client site-c2 pw-c2 'profile = "enc"' 'allow = {mschap2}'
} >"$T/C2.conf"
cap_start wan "$NS_W" "$WAN_BR" -c 4000 udp port 1701
ppp_start S C1 C2
require "site-c1 connected on both sides within 40 s" wait_for 40 ppp_both_connected C1 site-c1
require "site-c2 connected on both sides within 40 s" wait_for 40 ppp_both_connected C2 site-c2

# key_is SITE USER KEY VALUE
key_is() {
	local v
	v=$(ppp_get "$1" "$2" "$3") || return 1
	echo "site $1 $2: $3 = \"$v\" (want \"$4\")"
	[ "$v" = "$4" ]
}
# fast_rows: the fast-path keys of every PPP row, for the log.
fast_rows() {
	local s
	for s in S C1 C2; do
		site_status "$s" | jq -r --arg s "$s" '.interfaces[] | "  \($s) \(.name) user=\(.user) fastpath=\(.fastpath) rx=\(."rx-packets")/\(."fastpath-rx-packets") tx=\(."tx-packets")/\(."fastpath-tx-packets") encoding=\(.encoding)"'
	done
}
want_c1=$MODE
for s in S C1; do
	check "site $s: site-c1 says fastpath \"$want_c1\"" wait_for 10 key_is "$s" site-c1 fastpath "$want_c1"
done
for s in S C2; do
	check "site $s: site-c2 (MPPE) says fastpath \"off\"" key_is "$s" site-c2 fastpath off
	check "site $s: site-c2 encoding is MPPE" eval "ppp_get $s site-c2 encoding | grep -q MPPE"
done
if [ "$MODE" != off ]; then
	for s in S C2; do
		check "site $s: the log says why site-c2 is not in the fast path" log_has "$s" 'fast path off: MPPE'
	done
fi
# tc_on NS DEV DIR / xdp_on NS DEV: a BPF program attached there (TC ones
# are tcx links where the kernel has them: `tc filter show` lists cls_bpf only).
tc_on() {
	out_has bpf tc -n "$1" filter show dev "$2" "$3" ||
		out_has l2pw in_ns "$1" "$PY" "$L2T_ROOT/tests/bpf/tcx_progs.py" "$2" "$3"
}
xdp_on() { ip -n "$1" -j link show "$2" | jq -e '.[0].xdp != null' >/dev/null; }
if [ "$MODE" != off ]; then
	for s in S C1; do
		case $MODE in
		tc) check "site $s: TC ingress program on the WAN" tc_on "${SNS[$s]}" "$PPP_WAN_IF" ingress ;;
		*) check "site $s: XDP program on the WAN" xdp_on "${SNS[$s]}" "$PPP_WAN_IF" ;;
		esac
		check "site $s: TC egress program on site-c1's port" \
			eval 'tc_on "${SNS[$s]}" "$(ppp_tap $s site-c1)" egress'
	done
fi
check "site C2: no TC egress program on the MPPE session's port" \
	eval '! tc_on "${SNS[C2]}" "$(ppp_tap C2 site-c2)" egress'

step "traffic on the clear session (site-c1)"
arping_pairs C1 S
ping_pairs C1 S
check "host of C1 pings host of S with 1372-byte packets (frames of 1386 bytes)" \
	ping_ok "${HNS[C1]}" 192.0.2.1 3 -M "do" -s 1372

# fast_delta_ok SITE KEY FASTKEY RX0 FRX0 : the fast part of KEY's growth is most of it.
fast_delta_ok() {
	local all fast d df
	all=$(ppp_get "$1" site-c1 "$2") && fast=$(ppp_get "$1" site-c1 "$3") || return 1
	d=$((all - $4)) df=$((fast - $5))
	echo "site $1 site-c1: $2 +$d, $3 +$df"
	[ "$d" -gt 1000 ] && [ "$((df * 10))" -ge "$((d * 9))" ]
}
fast_zero() {
	local v
	v=$(ppp_get "$1" "$2" "$3") || return 1
	echo "site $1 $2: $3 = $v"
	[ "$v" -eq 0 ]
}
# iperf_dir FROM TO: 3 s of iperf3 TCP from FROM's host to TO's host; most
# frames must have taken the fast path at both ends (or none, when off).
iperf_dir() {
	local from=$1 to=$2 tx0 ftx0 rx0 frx0
	tx0=$(ppp_get "$from" site-c1 tx-packets) && ftx0=$(ppp_get "$from" site-c1 fastpath-tx-packets) &&
		rx0=$(ppp_get "$to" site-c1 rx-packets) && frx0=$(ppp_get "$to" site-c1 fastpath-rx-packets) || {
		fail "status of $from/$to answers"
		return 0
	}
	check "iperf3 TCP host of $from -> host of $to moves at least 1 MB in 3 s" \
		iperf3_moves 1000000 "${HNS[$from]}" "${HNS[$to]}" "${SHOST4[$to]}" 3
	say "  iperf3 $from -> $to: $(cat "$T/iperf3.sum" 2>/dev/null)"
	if [ "$MODE" = off ]; then
		check "site $from: fastpath-tx-packets stays 0" fast_zero "$from" site-c1 fastpath-tx-packets
		check "site $to: fastpath-rx-packets stays 0" fast_zero "$to" site-c1 fastpath-rx-packets
	else
		check "site $from: at least 90% of the new tx-packets took the fast path" \
			fast_delta_ok "$from" tx-packets fastpath-tx-packets "$tx0" "$ftx0"
		check "site $to: at least 90% of the new rx-packets took the fast path" \
			fast_delta_ok "$to" rx-packets fastpath-rx-packets "$rx0" "$frx0"
	fi
}
iperf_dir C1 S
iperf_dir S C1
fast_rows

step "the MPPE session (site-c2) stays on the slow path and works"
ping_pairs C2 S
check "host of C2 pings host of C1 (across both sessions)" ping_ok "${HNS[C2]}" 192.0.2.2 3
check "iperf3 TCP host of C2 -> host of S moves at least 100 kB in 2 s" \
	iperf3_moves 100000 "${HNS[C2]}" "${HNS[S]}" 192.0.2.1 2
say "  iperf3 C2 -> S (MPPE, slow path): $(cat "$T/iperf3.sum" 2>/dev/null)"
for s in S C2; do
	check "site $s: site-c2 fastpath-rx-packets is 0" fast_zero "$s" site-c2 fastpath-rx-packets
	check "site $s: site-c2 fastpath-tx-packets is 0" fast_zero "$s" site-c2 fastpath-tx-packets
done

step "the WAN capture in tshark"
cap_stop wan
W=$(cap_file wan)
say "  $(pts_count "$W" frame || echo ?) frames captured"
check "no malformed packets" pts_none "$W" '_ws.malformed'
check "no Error-severity expert info" pts_none "$W" '_ws.expert.severity >= 8388608'
check "bridged TCP (iperf3) frames decode as L2TPv2/PPP/BCP/Ethernet/IPv4" \
	pts_at_least 500 "$W" 'l2tp.version == 2 && bcp_bpdu && eth && tcp.port == 5201'
check "every L2TPv2 data packet carries PPP" pts_none "$W" 'l2tp.version == 2 && l2tp.type == 0 && !ppp'
# prefix FILTER: the distinct first 12 bytes of the UDP payload (L2TPv2 6,
# FF 03, 00 31, BCP 00 01) of C1's packets matching FILTER.
prefix() {
	ts "$W" -Y "ip.src == 198.18.0.2 && $1" -T fields -e udp.payload | cut -c1-24 | sort -u
}
same_prefix() {
	local a t
	a=$(prefix 'bcp_bpdu && arp') && t=$(prefix 'bcp_bpdu && tcp') || return 1
	echo "ARP (slow path): [$a]; TCP (fast path): [$t]"
	[ -n "$a" ] && [ "$a" = "$t" ] && [ "$(grep -c . <<<"$a")" -eq 1 ]
}
check "C1's ARP (daemon) and TCP (eBPF) frames carry identical L2TP/PPP/BCP headers" same_prefix

if [ "$MODE" != off ]; then
	step "C1's daemon stops: nothing of the session is left in S's maps"
	# v2_entries NS: keys in the l2pw_v2_sessions map of the programs on NS's WAN.
	v2_entries() {
		local pid mid
		if [ "$MODE" = tc ]; then
			pid=$(in_ns "$1" "$PY" "$L2T_ROOT/tests/bpf/tcx_progs.py" "$PPP_WAN_IF" ingress | awk '/l2pw/ {print $1; exit}')
			[ -n "$pid" ] || pid=$(tc -n "$1" -j filter show dev "$PPP_WAN_IF" ingress | jq -r '[.[] | .options.prog.id // empty][0] // empty')
		else
			pid=$(ip -n "$1" -j link show "$PPP_WAN_IF" | jq -r '.[0].xdp.prog.id // empty')
		fi
		[ -n "$pid" ] || return 1
		mid=$(bpftool prog show id "$pid" -j | jq -r '.map_ids[]' | while read -r m; do
			bpftool map show id "$m" -j | jq -r 'select(.name == "l2pw_v2_session") | .id'
		done)
		[ -n "$mid" ] || return 1
		bpftool map dump id "$mid" -j | jq -r 'length'
	}
	n_entries() {
		local n
		n=$(v2_entries "${SNS[S]}") || return 1
		echo "S: $n L2TPv2 entries (want $1)"
		[ "$n" -eq "$1" ]
	}
	check "S: one L2TPv2 fast-path entry while site-c1 is up (site-c2 has none)" n_entries 1
	stop_daemon C1
	check "S: site-c1 no longer connected" wait_for 20 ppp_not_connected S site-c1
	check "S: no L2TPv2 fast-path entry left" wait_for 10 n_entries 0
	check "S: its log says the session left the fast path" log_has S 'left the fast path'
	start_daemon C1 "$T/C1.conf" >/dev/null
	require "C1 back: site-c1 connected on both sides within 40 s" wait_for 40 ppp_both_connected C1 site-c1
	check "S: site-c1 in the fast path again" wait_for 10 key_is S site-c1 fastpath "$MODE"
	check "S: one L2TPv2 fast-path entry again" n_entries 1
	frx0=$(ppp_get S site-c1 fastpath-rx-packets || echo 0)
	check "host of C1 pings host of S again" ping_ok "${HNS[C1]}" 192.0.2.1 3
	fast_grew() {
		local v
		v=$(ppp_get S site-c1 fastpath-rx-packets) || return 1
		echo "S site-c1 fastpath-rx-packets: $frx0 -> $v"
		[ "$v" -gt "$frx0" ]
	}
	check "S: fastpath-rx-packets grows again" fast_grew
fi
fast_rows
