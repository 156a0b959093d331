#!/bin/bash
# IPsec scenario 2: a dynamic L2TPv3 pseudowire with use-ipsec = yes on both
# sites (ipsec-mode = tunnel: charon runs kernel-libipsec, this kernel has no
# ESP).  Each site namespace has its own charon; l2pwd writes and loads the
# swanctl connection itself.
#
#   hostA --[brA siteA + charon]== WAN switch (captured) ==[charon + siteB brB]-- hostB
#   192.0.2.1       198.18.0.1      IKE + ESP-in-UDP only      198.18.0.2       192.0.2.2
#
# A user sees: the pseudowire "connected" on both sides with `ipsec`
# "installed" and an ESP `encoding`, the CHILD_SA l2pw-IFACE INSTALLED in both
# charons; arping and ping cross the bridge; a ping whose payload repeats
# "L2PW-IPSEC-PROOF" arrives on hostB's LAN port with that text (the proof the
# pattern check can see it) while the WAN capture, running from before the
# daemons started, holds only IKE and ESP: no UDP 1701, no L2TP, no pattern.
# The CHILD_SA's packet counter grows with the pings (the L2TP went through
# it); `l2pwctl monitor --once` shows the SA state.  On SIGTERM a site unloads its connection from charon and removes its
# file.
#
# The site config also asks for the TC fast path (L2T_FASTPATH, default "tc"
# here): its encapsulation would go straight to the WAN and past the SA, so an
# IPsec interface must stay on the slow path ("fastpath" "off").
L2T_TIMEOUT=90
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
export L2T_FASTPATH=${L2T_FASTPATH:-tc}

ipsec_pw_topology

step "configs: dynamic pseudowire, use-ipsec = yes, ipsec-mode = tunnel, fastpath $L2T_FASTPATH"
mapfile -t LINES < <(ipsec_conf_lines yes "$IPSEC_PSK")
dyn_confs 4 "${LINES[@]}"
for s in A B; do ipsec_conf_global "$s" >>"$T/$s.conf"; done
check "l2pwd -n accepts both configs" eval '"$L2PWD" -n -c "$T/A.conf" >/dev/null && "$L2PWD" -n -c "$T/B.conf" >/dev/null'
# the whole WAN, from before the first IKE or L2TP packet
cap_start wan "$NS_W" "$WAN_BR"
start_sites

step "SA and pseudowire come up"
t0=$(now_ms)
check "both sites report status \"connected\" within 30 s" wait_for 30 both_connected
say "  connected after $(($(now_ms) - t0)) ms"
check "site A: ipsec \"installed\"" wait_for 10 ipsec_pw_is A installed
check "site B: ipsec \"installed\"" wait_for 10 ipsec_pw_is B installed
show_status A
show_status B
for s in A B; do
	check "site $s: charon holds CHILD_SA $CONN INSTALLED" ipsec_site_installed "$s" "$CONN"
	check "site $s: encoding names the ESP algorithm" \
		eval "e=\$(pw_get $s encoding); echo \"encoding: \$e\"; [[ \$e == ESP\ * ]]"
	check "site $s: the IPsec interface stays off the fast path" \
		eval "f=\$(pw_get $s fastpath); echo \"fastpath: \$f\"; [ \"\$f\" = off ]"
done
check "tunnel and session ids match crosswise" ids_crosswise
# monitor_ipsec SITE: `l2pwctl monitor --once`, human and JSON, shows the SA.
monitor_ipsec() {
	local out js
	out=$(timeout 5 ip netns exec "${DAEMON_NS[$1]}" "$L2PWCTL" -s "${SITE_SOCK[$1]}" monitor "$PW_IF" --once) || return 1
	js=$(timeout 5 ip netns exec "${DAEMON_NS[$1]}" "$L2PWCTL" -s "${SITE_SOCK[$1]}" monitor "$PW_IF" --once --json) || return 1
	grep -iE 'ipsec|encoding' <<<"$out"
	grep -qiE '^ *ipsec *: *installed' <<<"$out" && [ "$(jq -r .ipsec <<<"$js")" = installed ]
}
check "site A: l2pwctl monitor --once shows the SA installed (human and JSON)" monitor_ipsec A

step "traffic across the bridge, inside the SA"
in0=$(ipsec_child_in_packets B "$CONN") || in0=0
cap_start lan "$NS_HB" "$HOST_IF" icmp
check "hostA resolves hostB by ARP (arping)" arping_ok "$NS_HA" "$HOST_IF" 192.0.2.2
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 5
check "hostA pings hostB with the pattern payload ($IPSEC_PATTERN)" \
	ping_ok "$NS_HA" 192.0.2.2 5 -s 200 -p "$(ipsec_pattern_hex)"
check "hostB pings hostA (IPv6 inside the pseudowire)" ping_ok "$NS_HB" 2001:db8:1::1 3
cap_stop lan
check "site B's CHILD_SA counted the traffic in" \
	eval "n=\$(ipsec_child_in_packets B $CONN); echo \"in packets: $in0 -> \$n\"; [ \"\$n\" -ge $((in0 + 10)) ]"
check "hostB's LAN port saw the pattern in clear (the check below can fail)" ipsec_has_pattern "$(cap_file lan)"
check "both sides still connected" both_connected

step "the WAN carried only IKE and ESP"
cap_stop wan
ipsec_wan_checks "$(cap_file wan)" 30

step "SIGTERM: the site unloads its connection"
stop_daemon A
# conn_gone SITE: charon has no connection CONN loaded and no SA of that name.
conn_gone() {
	local ns=${DAEMON_NS[$1]}
	! out_has "^$CONN: " ipsec_swanctl "$ns" --list-conns &&
		! out_has "^$CONN: " ipsec_swanctl "$ns" --list-sas --noblock
}
check "charon A no longer holds $CONN" wait_for 10 conn_gone A
check "site A's connection file is gone" test ! -e "$T/swanctl-A/conf.d/$CONN.conf"
check "site B still answers" site_status B
