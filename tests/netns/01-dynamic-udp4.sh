#!/bin/bash
# Scenario 1: a dynamic L2TPv3 Ethernet pseudowire (control connection
# SCCRQ..ICCN) over UDP/IPv4 links the two LANs.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#   192.0.2.1            l2pwd   UDP 1701    l2pwd                     192.0.2.2
#
# A user sees: hostA resolves hostB by ARP and pings it (v4 and v6);
# `l2pwctl status --json` on both sites shows the pseudowire "connected", each
# side's tunnel-id/session-id equal to the other side's peer-tunnel-id /
# peer-session-id, the underlay addresses right, the TAP on the site bridge,
# and the packet counters moving with the pings.
#
# Scenarios 2a/2b run this same file with L2T_ENCAP=ip and/or L2T_FAMILY=6.
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"
ENCAP=${L2T_ENCAP:-udp}
FAMILY=${L2T_FAMILY:-4}

require_binaries
step "topology"
topo_build

step "configs: dynamic pseudowire, pw-id 100, encap $ENCAP over IPv$FAMILY"
dyn_confs "$FAMILY" "encap = \"$ENCAP\""
cap_start wan "$NS_W" "$WAN_BR"
start_sites

step "the pseudowire comes up"
t0=$(now_ms)
check "both sites report status \"connected\" within 30 s" wait_for 30 both_connected
say "  connected after $(($(now_ms) - t0)) ms"
show_status A
show_status B
check "tunnel and session ids match crosswise" ids_crosswise
check "kind is l2tpv3 on both sides" eval '[ "$(pw_get A kind)" = l2tpv3 ] && [ "$(pw_get B kind)" = l2tpv3 ]'
if [ "$FAMILY" = 6 ]; then a_addr=2001:db8::1 b_addr=2001:db8::2; else a_addr=198.18.0.1 b_addr=198.18.0.2; fi
check "site A shows local $a_addr, remote $b_addr" \
	eval '[ "$(pw_get A local-address)" = $a_addr ] && [ "$(pw_get A remote-address)" = $b_addr ]'
check "site B shows local $b_addr, remote $a_addr" \
	eval '[ "$(pw_get B local-address)" = $b_addr ] && [ "$(pw_get B remote-address)" = $a_addr ]'
check "site A's TAP $PW_IF is a port of $BR_A" out_has "master $BR_A " ip -n "$NS_SA" -o link show "$PW_IF"
check "site B's TAP $PW_IF is a port of $BR_B" out_has "master $BR_B " ip -n "$NS_SB" -o link show "$PW_IF"

step "traffic across the pseudowire"
declare -A before
for s in A B; do
	for k in rx-packets tx-packets rx-bytes tx-bytes; do
		before[$s.$k]=$(pw_get "$s" "$k")
	done
done
check "hostA resolves hostB by ARP (arping)" arping_ok "$NS_HA" "$HOST_IF" 192.0.2.2
check "hostA pings hostB (IPv4)" ping_ok "$NS_HA" 192.0.2.2 5
check "hostB pings hostA (IPv6 inside the pseudowire)" ping_ok "$NS_HB" 2001:db8:1::1 3
for s in A B; do
	for k in rx-packets tx-packets rx-bytes tx-bytes; do
		check "site $s $k moved with the pings" counter_grew "$s" "$k" "${before[$s.$k]}"
	done
done
check "both sides still connected after the traffic" both_connected
# monitor_once SITE: `l2pwctl monitor IFACE --once --json` agrees with status.
monitor_once() {
	local js
	js=$(timeout 5 ip netns exec "${DAEMON_NS[$1]}" "$L2PWCTL" -s "${SITE_SOCK[$1]}" monitor "$PW_IF" --once --json) || return 1
	echo "$js" | head -c 300
	echo
	[ "$(jq -r '.name' <<<"$js")" = "$PW_IF" ] && [ "$(jq -r '.status' <<<"$js")" = connected ] &&
		[ "$(jq -r '."session-id"' <<<"$js")" = "$(pw_get "$1" session-id)" ]
}
check "site A: l2pwctl monitor --once --json shows the pseudowire connected" monitor_once A

step "the WAN carried it as L2TPv3"
cap_stop wan
if [ "$ENCAP" = ip ]; then underlay='ip.proto == 115 || ipv6.nxt == 115'; else underlay='udp.port == 1701'; fi
check "control messages on the WAN ($underlay)" ts_at_least 6 "$(cap_file wan)" "l2tp.type == 1 && ($underlay)"
# The defaults (cookie-length 4, l2-sublayer "default") as explicit prefs:
# tshark's own detection loses track when both sides open at once.
mapfile -t PREFS < <(ts_prefs 4 default)
check "data packets with ICMP inside on the WAN" ts_at_least 10 "$(cap_file wan)" "l2tp && icmp && ($underlay)" "${PREFS[@]}"
check "no malformed packets" ts_none "$(cap_file wan)" '_ws.malformed' "${PREFS[@]}"
