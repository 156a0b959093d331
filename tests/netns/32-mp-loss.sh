#!/bin/bash
# Scenario 32: 5% random loss on the WAN, both directions, for 15 s, while
# full-size frames cross as Multilink fragments (mrru 1600, WAN MTU 1400).
#
#   hS --[brS  S]== WAN switch: nftables numgen, 5% drop on both ports ==[C1 brC1]-- hC1
#
# During the loss: a fast ping of 1514-byte frames (ping -M do -s 1472,
# every 20 ms) and an iperf3 TCP transfer run across; status is polled every
# half second on both sides: the session must stay "connected" with the same
# session and tunnel ids (no reconnect), and the daemons' VmRSS is sampled:
# it must not grow more than MEM_BOUND_KB over the value after a warm-up
# transfer (lost fragments leave partial frames in the reassembler: they
# must be bounded).  After the loss is removed, full-size pings work again
# at once (within 15 s).
L2T_TIMEOUT=200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
. "$(dirname "$0")/lib-mp.sh"

LOSS_PCT=5
LOSS_SECS=15
MEM_BOUND_KB=$((20 * 1024))

require_binaries
say "  daemon under test: $(build_kind); memory bound: VmRSS + $((MEM_BOUND_KB / 1024)) MB over the warm-up value"
step "topology, WAN MTU $MP_WAN_MTU"
mp_topo
# lib.sh's loss helpers act on the two switch ports of the WAN bridge.
WAN_A=${P}wS WAN_B=${P}wC1

step "configs: mrru 1600 both ends"
mp_confs 1600 1600 no no
ppp_start S C1
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
check "S: mrru 1600 in status" mp_key_is S mrru 1600
check "C1: mrru 1600 in status" mp_key_is C1 mrru 1600
require "full-size pings cross before the loss" big_ping "${HNS[S]}" "${SHOST4[C1]}" 3

step "warm-up: a 3 s iperf3 transfer, then the memory baseline"
check "warm-up iperf3 hC1 -> hS completes" iperf3_moves 1 "${HNS[C1]}" "${HNS[S]}" "${SHOST4[S]}" 3
[ ! -s "$T/iperf3.sum" ] || say "  warm-up: $(cat "$T/iperf3.sum")"
declare -A RSS0=() RSSMAX=() SID0=() TID0=()
for s in S C1; do
	RSS0[$s]=$(rss_kb "${DAEMON_PID[$s]}")
	RSSMAX[$s]=${RSS0[$s]}
	SID0[$s]=$(mp_get "$s" session-id)
	TID0[$s]=$(mp_get "$s" tunnel-id)
	say "  site $s: VmRSS ${RSS0[$s]} kB, session-id ${SID0[$s]}, tunnel-id ${TID0[$s]}"
done

step "$LOSS_PCT% loss both ways for $LOSS_SECS s, with full-size pings and iperf3 running"
wan_loss "$LOSS_PCT"
ok "loss rules installed on ${WAN_A} and ${WAN_B} (ingress of the WAN switch: both directions)"
in_ns "${HNS[S]}" ping -n -i 0.02 -W 1 -M 'do' -s 1472 -w "$LOSS_SECS" "${SHOST4[C1]}" >"$T/ping-loss.out" 2>&1 &
ping_pid=$!
L2T_PIDS+=("$ping_pid")
ip netns exec "${HNS[S]}" iperf3 -s -1 -B "${SHOST4[S]}" >"$T/iperf3-loss-server.out" 2>&1 &
srv_pid=$!
L2T_PIDS+=("$srv_pid")
# listening NS: something listens on TCP 5201 in NS (no `| grep -q` under pipefail).
listening() { grep -q ':5201 ' <<<"$(ip netns exec "$1" ss -ltn)"; }
wait_for 10 listening "${HNS[S]}" || say "  (iperf3 server not listening yet)"
in_ns "${HNS[C1]}" timeout $((LOSS_SECS + 30)) iperf3 -c "${SHOST4[S]}" -t $((LOSS_SECS - 2)) -J \
	>"$T/iperf3-loss.json" 2>&1 &
cli_pid=$!
L2T_PIDS+=("$cli_pid")

polls=0 bad_polls=0 first_bad=""
end=$(($(now_ms) + LOSS_SECS * 1000))
while [ "$(now_ms)" -lt "$end" ]; do
	polls=$((polls + 1))
	for s in S C1; do
		st=$(mp_get "$s" status 2>/dev/null) || st="(no answer)"
		sid=$(mp_get "$s" session-id 2>/dev/null) || sid="?"
		if [ "$st" != connected ] || [ "$sid" != "${SID0[$s]}" ]; then
			bad_polls=$((bad_polls + 1))
			[ -n "$first_bad" ] || first_bad="site $s at poll $polls: status \"$st\", session-id $sid"
		fi
		if daemon_alive "$s"; then
			r=$(rss_kb "${DAEMON_PID[$s]}")
			[ "$r" -le "${RSSMAX[$s]}" ] || RSSMAX[$s]=$r
		fi
	done
	sleep 0.5
done
dropped=$(wan_loss_dropped)
say "  $polls status polls per site during the loss; the loss rules dropped $dropped packets"
check "the loss rules dropped packets (the loss was real)" test "$dropped" -gt 0
polls_clean() {
	[ "$bad_polls" -eq 0 ] || {
		echo "$first_bad ($bad_polls bad polls of $((polls * 2)))"
		return 1
	}
}
check "status \"connected\" with unchanged session ids at every poll during the loss" polls_clean
for s in S C1; do
	check "site $s: the tunnel id did not change (no reconnect)" mp_key_is "$s" tunnel-id "${TID0[$s]}"
	check "site $s: VmRSS ${RSS0[$s]} kB -> max ${RSSMAX[$s]} kB, grew by less than $((MEM_BOUND_KB / 1024)) MB" \
		test $((RSSMAX[$s] - RSS0[$s])) -lt "$MEM_BOUND_KB"
done

step "after the loss"
nft_off() { ip netns exec "$NS_W" nft delete table netdev l2tloss; }
require "loss rules removed" nft_off
wait "$ping_pid" 2>/dev/null || true
say "  full-size ping during the loss: $(grep -E 'transmitted' "$T/ping-loss.out")"
# half_answered FILE: ping's summary says at most 50% loss.
half_answered() {
	local loss
	loss=$(sed -n 's/.* \([0-9.]\+\)% packet loss.*/\1/p' "$1")
	echo "packet loss ${loss:-?}%"
	[ -n "$loss" ] && [ "${loss%.*}" -le 50 ]
}
check "some full-size echoes were answered during the loss (>= 50%)" half_answered "$T/ping-loss.out"
wait "$cli_pid" 2>/dev/null && cli_rc=0 || cli_rc=$?
kill "$srv_pid" 2>/dev/null || true
wait "$srv_pid" 2>/dev/null || true
if [ "$cli_rc" -eq 0 ]; then
	say "  iperf3 during the loss: $(jq -r '"\(.end.sum_received.bytes) bytes, \(.end.sum_received.bits_per_second / 1e6 | floor) Mbit/s, \(.end.sum_sent.retransmits) retransmits"' "$T/iperf3-loss.json")"
fi
check "the iperf3 transfer under loss completed (exit $cli_rc)" test "$cli_rc" -eq 0
t0=$(now_ms)
check "full-size pings work again within 15 s of the loss ending" wait_for 15 big_ping "${HNS[S]}" "${SHOST4[C1]}" 3
say "  recovered after $(($(now_ms) - t0)) ms"
check "and every one of 10 more is answered, both ways" \
	eval "big_ping ${HNS[S]} ${SHOST4[C1]} 10 && big_ping ${HNS[C1]} ${SHOST4[S]} 5"
check "iperf3 after the loss completes" iperf3_moves 1 "${HNS[C1]}" "${HNS[S]}" "${SHOST4[S]}" 3
[ ! -s "$T/iperf3.sum" ] || say "  after the loss: $(cat "$T/iperf3.sum")"
check "still connected on both sides" mp_connected
for s in S C1; do
	check "site $s: still the same session (session-id ${SID0[$s]})" mp_key_is "$s" session-id "${SID0[$s]}"
done
show_status S
