#!/bin/bash
# Scenario 14a: the fast-path scenario with fastpath = "xdp": XDP on the WAN interface
# decapsulates and redirects (devmap) into a veth bridge port, TC egress on the port
# encapsulates; then site A's daemon is killed with -9 under traffic and started again.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#           veth port $PW_IF          XDP on $WAN_IF (both sites)
#           (peer l2pwdXXXXXXXX: the daemon's AF_PACKET end, the XDP redirect target)
#
# A user sees (beyond fastpath-scenario.bash): the bridge port is the bridge end of a veth
# pair; under iperf3 most frames take the eBPF programs (status fastpath-rx-packets /
# fastpath-tx-packets); after kill -9 nothing of the dead daemon stays loaded (its BPF
# programs are freed: links die with the process) and after the restart (with fastpath =
# "auto", which picks xdp here and says why) its stale veth is replaced, only the new
# programs are attached, and traffic passes again.
export L2T_FASTPATH_MODE=xdp L2T_NAME_OVERRIDE=14a-fastpath-xdp L2T_TIMEOUT=240
. "$(dirname "$0")/fastpath-scenario.bash"

step "veth bridge ports"
# link_json NS DEV: `ip -d -j link show` of one device
link_json() { ip -n "$1" -d -j link show "$2" | jq -c '.[0]'; }
port_is_veth() {
	local js peer
	js=$(link_json "$1" "$PW_IF") || return 1
	peer=$(jq -r '.link // empty' <<<"$js")
	echo "$PW_IF: kind $(jq -r '.linkinfo.info_kind' <<<"$js"), master $(jq -r '.master' <<<"$js"), peer $peer"
	[ "$(jq -r '.linkinfo.info_kind' <<<"$js")" = veth ] &&
		[ "$(jq -r '.master' <<<"$js")" = "$2" ] &&
		[[ $peer == l2pwd* ]] &&
		[ "$(link_json "$1" "$peer" | jq -r '.master // "none"')" = none ]
}
check "site A: $PW_IF is a veth on $BR_A, its peer (the daemon's end) on no bridge" port_is_veth "$NS_SA" "$BR_A"
check "site B: $PW_IF is a veth on $BR_B, its peer on no bridge" port_is_veth "$NS_SB" "$BR_B"
check "site B: GRO on the bridge end (XDP-redirected frames need its NAPI)" \
	out_has 'generic-receive-offload: on' ip netns exec "$NS_SB" ethtool -k "$PW_IF"

step "most frames take the fast path under iperf3"
fast_share() { # SITE DIR(rx|tx) BEFORE_ALL BEFORE_FAST: fast share of the growth >= 50 %
	local all fast
	all=$(($(pw_get "$1" "$2-packets") - $3))
	fast=$(($(pw_get "$1" "fastpath-$2-packets") - $4))
	echo "site $1 $2: $all packets, $fast of them in the fast path"
	[ "$all" -gt 1000 ] && [ $((fast * 2)) -ge "$all" ]
}
a_tx=$(pw_get A tx-packets) a_ftx=$(pw_get A fastpath-tx-packets)
b_rx=$(pw_get B rx-packets) b_frx=$(pw_get B fastpath-rx-packets)
check "iperf3 TCP hostA -> hostB (3 s)" iperf3_moves 1000000 "$NS_HA" "$NS_HB" 192.0.2.2 3
say "  iperf3: $(cat "$T/iperf3.sum" 2>/dev/null)"
check "site A: most frames sent took the TC program" fast_share A tx "$a_tx" "$a_ftx"
check "site B: most frames received took the XDP program" fast_share B rx "$b_rx" "$b_frx"
check "site A: fastpath-rx-packets grew too (TCP acks from B)" counter_grew A fastpath-rx-packets 0
say "  $(fast_share A tx "$a_tx" "$a_ftx" || true); $(fast_share B rx "$b_rx" "$b_frx" || true)"

step "kill -9 site A under traffic"
a_pid=${DAEMON_PID[A]}
# Every BPF program the daemon holds (fdinfo of its prog and link fds).
old_progs=$(grep -h '^prog_id:' /proc/"$a_pid"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u | tr '\n' ' ')
old_xdp=$(ip -n "$NS_SA" -j link show "$WAN_IF" | jq -r '.[0].xdp.prog.id // empty')
old_port=$(link_json "$NS_SA" "$PW_IF" | jq -r '.ifindex')
say "  site A (pid $a_pid) holds BPF programs: $old_progs; XDP on $WAN_IF: $old_xdp; $PW_IF ifindex $old_port"
check "site A holds the XDP program attached on $WAN_IF" eval '[[ " $old_progs " == *" $old_xdp "* ]]'
ip netns exec "$NS_HB" iperf3 -s -1 -B 192.0.2.2 >"$T/iperf3-bg-server.out" 2>&1 &
bg_srv=$!
L2T_PIDS+=("$bg_srv")
wait_for 10 out_has ':5201' ip netns exec "$NS_HB" ss -ltn || true
b_bytes=$(pw_get B rx-bytes)
in_ns "$NS_HA" timeout 60 iperf3 -c 192.0.2.2 -t 30 >"$T/iperf3-bg.out" 2>&1 &
bg_cli=$!
L2T_PIDS+=("$bg_cli")
flowing() { [ "$(pw_get B rx-bytes)" -gt $((b_bytes + 20000000)) ]; }
check "traffic flows (20 MB more at site B) before the kill" wait_for 15 flowing
kill_daemon A
# gone_progs: none of the dead daemon's programs is loaded any more (nothing holds them:
# no XDP attachment through netlink, no TC filter, no pinned link).
gone_progs() {
	local id
	for id in $old_progs; do
		if bpftool prog show id "$id" >/dev/null 2>&1; then
			echo "program $id is still loaded"
			return 1
		fi
	done
}
check "after kill -9 no program of the dead daemon stays loaded" wait_for 10 gone_progs
check "after kill -9 no XDP on $WAN_IF" eval '! xdp_on "$NS_SA" "$WAN_IF"'
check "after kill -9 no TC program (cls_bpf or tcx) on $WAN_IF or the old $PW_IF" \
	eval '! tc_on "$NS_SA" "$WAN_IF" ingress && ! tc_on "$NS_SA" "$PW_IF" egress'
say "  left behind by design: $(ip -n "$NS_SA" -br link show "$PW_IF" 2>&1 | head -n1)"

step "restart site A with fastpath = \"auto\" (the default): native XDP on a veth WAN"
sed 's/^fastpath = .*/fastpath = "auto"/' "$T/A.conf" >"$T/A-auto.conf"
start_daemon A "$T/A-auto.conf"
require "site A answers status again" wait_daemon A 15
require "both sites \"connected\" again within 30 s" wait_for 30 both_connected
check "site A's log says auto chose xdp and why" \
	grep -q 'fastpath: xdp (fastpath = "auto": XDP attaches natively on '"$WAN_IF" "${DAEMON_LOG[A]}"
check "site A: status shows fastpath \"xdp\"" eval '[ "$(pw_get A fastpath)" = xdp ]'
new_pid=${DAEMON_PID[A]}
new_progs=$(grep -h '^prog_id:' /proc/"$new_pid"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u | tr '\n' ' ')
new_xdp=$(ip -n "$NS_SA" -j link show "$WAN_IF" | jq -r '.[0].xdp.prog.id // empty')
new_port=$(link_json "$NS_SA" "$PW_IF" | jq -r '.ifindex')
say "  site A (pid $new_pid) holds BPF programs: $new_progs; XDP on $WAN_IF: $new_xdp; $PW_IF ifindex $new_port"
check "the stale veth was removed at start-up (log)" grep -q "removed stale port" "${DAEMON_LOG[A]}"
check "$PW_IF is a new veth (ifindex $old_port -> $new_port)" eval '[ -n "$new_port" ] && [ "$new_port" != "$old_port" ]'
check "site A: $PW_IF is a veth on $BR_A again" port_is_veth "$NS_SA" "$BR_A"
# ours: veths carrying the site's alias (both ends of one pair)
ours() { ip -n "$NS_SA" -d -j link show type veth | jq '[.[] | select(.ifalias == "l2pwd site site-a")] | length'; }
check "exactly one veth pair of site A in its namespace" eval '[ "$(ours)" -eq 2 ]'
check "the XDP program on $WAN_IF is the new daemon's ($new_xdp)" \
	eval '[ -n "$new_xdp" ] && [[ " $new_progs " == *" $new_xdp "* ]]'
# tcx_ids NS DEV DIR: ids of the programs on a tcx hook
tcx_ids() { in_ns "$1" "$PY" "$L2T_ROOT/tests/bpf/tcx_progs.py" "$2" "$3" | awk '{print $1}' | tr '\n' ' '; }
port_tcx=$(tcx_ids "$NS_SA" "$PW_IF" egress)
say "  tcx egress on $PW_IF: ${port_tcx:-none}; tcx ingress on $WAN_IF: $(tcx_ids "$NS_SA" "$WAN_IF" ingress)"
check "one TC program on $PW_IF's egress (a tcx link), the new daemon's" \
	eval '[ "$(wc -w <<<"$port_tcx")" -eq 1 ] && [[ " $new_progs " == *" ${port_tcx% } "* ]]'
check "no cls_bpf filter on $WAN_IF or $PW_IF, no TC program on $WAN_IF (xdp mode)" \
	eval '! out_has bpf tc -n "$NS_SA" filter show dev "$WAN_IF" ingress &&
		! out_has bpf tc -n "$NS_SA" filter show dev "$PW_IF" egress &&
		! tc_on "$NS_SA" "$WAN_IF" ingress'
check "hostA pings hostB after the restart" ping_ok "$NS_HA" 192.0.2.2 3
check "hostA resolves hostB by ARP after the restart" arping_ok "$NS_HA" "$HOST_IF" 192.0.2.2
check "full-size frames after the restart" ping_ok "$NS_HA" 192.0.2.2 2 -M "do" -s 1472
kill "$bg_cli" "$bg_srv" 2>/dev/null || true
wait "$bg_cli" "$bg_srv" 2>/dev/null || true
a_ftx=$(pw_get A fastpath-tx-packets)
check "iperf3 after the restart" iperf3_moves 1000000 "$NS_HA" "$NS_HB" 192.0.2.2 3
say "  iperf3: $(cat "$T/iperf3.sum" 2>/dev/null)"
check "site A's new fast path carries it" counter_grew A fastpath-tx-packets "$a_ftx"
show_status A
