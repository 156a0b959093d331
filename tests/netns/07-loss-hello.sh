#!/bin/bash
# Scenario 7: 10% random loss on the WAN, both directions (nftables
# `numgen random mod 100 < 10 drop` on the switch's ingress from each site).
# Reliable delivery (RFC 3931 section 4.2: retransmission of unacknowledged
# control messages) must bring the control connection up anyway, and HELLOs
# every second (section 6.5; hello-interval 1, the shortest the config
# takes, so the watch is short) must keep it up.
#
#   hostA --- [brA siteA] ===== WAN, 10% loss each way ===== [siteB brB] --- hostB
#                                nft netdev ingress drop
#
# A user sees: the pseudowire comes up within 60 s, then stays "connected"
# on both sides for 15 s of observation (about 15 HELLO rounds) with uptime
# only ever growing (no silent reconnect), HELLOs on the wire, pings mostly
# answered, and the loss rules counted drops.
L2T_TIMEOUT=180
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology, with 10% loss on the WAN in both directions"
topo_build
wan_loss 10

step "configs: dynamic pseudowire, hello-interval 1"
dyn_confs 4 "hello-interval = 1"
cap_start wan "$NS_W" "$WAN_BR" udp port 1701
start_sites

step "the control connection comes up despite the loss"
t0=$(now_ms)
require "both sites \"connected\" within 60 s" wait_for 60 both_connected
say "  connected after $(($(now_ms) - t0)) ms"
check "tunnel and session ids match crosswise" ids_crosswise

step "it stays up: 15 s of watching, about 15 HELLO rounds"
# stays_up SECS: poll both sites; status must stay "connected" and uptime
# must never go down (a reconnect would reset it).
stays_up() {
	local end=$(($(now_ms) + $1 * 1000)) s st up n=0
	declare -A last=([A]=0 [B]=0)
	while [ "$(now_ms)" -lt "$end" ]; do
		for s in A B; do
			st=$(pw_get "$s" status) || st="(no answer)"
			up=$(pw_get "$s" uptime) || up=0
			if [ "$st" != connected ]; then
				echo "site $s: status \"$st\" at poll $n"
				return 1
			fi
			if [ "$up" -lt "${last[$s]}" ]; then
				echo "site $s: uptime went back from ${last[$s]} to $up (reconnected)"
				return 1
			fi
			last[$s]=$up
		done
		n=$((n + 1))
		sleep 0.5
	done
	echo "$n polls, uptime A=${last[A]} B=${last[B]}"
}
# Traffic across the lossy pseudowire while we watch.
ip netns exec "$NS_HA" ping -n -q -c 50 -i 0.3 -W 1 192.0.2.2 >"$T/ping.out" 2>&1 &
ping_pid=$!
L2T_PIDS+=("$ping_pid")
check "connected on both sides all along, uptime never reset" stays_up 15
wait "$ping_pid" || true
tail -n 2 "$T/ping.out" | sed 's/^/  /'
got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$T/ping.out")
check "pings across the lossy pseudowire mostly answered (${got:-0}/50, want >= 30)" test "${got:-0}" -ge 30
check "uptime at least 13 s on both sides" eval '[ "$(pw_get A uptime)" -ge 13 ] && [ "$(pw_get B uptime)" -ge 13 ]'
cap_stop wan
n_hello=$(ts_count "$(cap_file wan)" 'l2tp.avp.message_type == 6')
say "  HELLO messages on the WAN: $n_hello"
check "HELLOs were sent (>= 8 in the capture)" test "$n_hello" -ge 8
check "the loss rules dropped packets" test "$(wan_loss_dropped)" -gt 0
say "  the loss rules dropped $(wan_loss_dropped) packets"
show_status A
show_status B
