#!/bin/bash
# Scenario 23: a client site that stops answering (its l2pwd frozen with
# SIGSTOP: no LCP Echo-Reply, no L2TP Hello answer, no ZLB) is dropped by the
# server's keepalive while the other client carries on; after SIGCONT the
# client notices and reconnects on its own.
#
# Server S: keepalive-timeout = 5 (s).  Clients C1 and C2, keepalive-timeout = 5.
# Bounds: the server drops site-c1's session within keepalive-timeout + 5 =
# 10 s of the SIGSTOP, measured on the wire (the WAN capture's timestamp of
# the first CDN or StopCCN the server sends C1, against the clock read right
# after the SIGSTOP), and its status no longer shows site-c1 connected (polled,
# so given 2 s more for the polling itself); a ping from C2's host to the
# server's host running the whole time loses nothing; after SIGCONT, site-c1
# is connected again on both sides within RECONNECT_BOUND = 30 s (RouterOS
# redials a failed l2tp-client in a few seconds; 30 s leaves room for the
# ASan build and for the client first having to notice the server's
# StopCCN/CDN or time out its own peer).  Both times are measured and printed.
L2T_TIMEOUT=170
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
KEEPALIVE=5
DROP_BOUND=$((KEEPALIVE + 5))
RECONNECT_BOUND=30

require_binaries
step "topology"
ppp_topo C1 C2

step "configs: keepalive-timeout = $KEEPALIVE on the server and the clients"
{
	conf_global S
	conf_profile lan "${SBR[S]}"
	conf_server "keepalive-timeout = $KEEPALIVE"
	conf_secret site-c1 pw-c1 'profile = "lan"'
	conf_secret site-c2 pw-c2 'profile = "lan"'
} >"$T/S.conf"
for c in C1 C2; do
	u=site-$(tr C c <<<"$c")
	{
		conf_global "$c"
		conf_profile lan "${SBR[$c]}"
		conf_client "$u" "pw-$(tr C c <<<"$c")" 'profile = "lan"' "keepalive-timeout = $KEEPALIVE"
	} >"$T/$c.conf"
done
ppp_start S C1 C2

step "both clients up"
require "site-c1 connected on both sides within 40 s" wait_for 40 ppp_both_connected C1 site-c1
require "site-c2 connected on both sides within 40 s" wait_for 40 ppp_both_connected C2 site-c2
check "host of C1 pings the server's host" ping_ok "${HNS[C1]}" 192.0.2.1 3
check "host of C2 pings the server's host" ping_ok "${HNS[C2]}" 192.0.2.1 3
c1_tunnel=$(ppp_get S site-c1 peer-tunnel-id) || c1_tunnel='?'
say "  site-c1 before the freeze: server row peer-tunnel-id $c1_tunnel, tap $(ppp_tap S site-c1 || true)"

step "freeze C1's l2pwd (SIGSTOP)"
cap_start wan "$NS_W" "$WAN_BR" udp port 1701
C1_PID=${DAEMON_PID[C1]}
# Whatever happens, the frozen daemon is thawed before lib.sh stops it.
L2T_PRE_CLEANUP+=("kill -CONT $C1_PID")
# A ping from C2's host across the outage: 0.2 s apart for 12 s (as long as
# the drop bound and then some).
in_ns "${HNS[C2]}" ping -n -c 60 -i 0.2 -W 2 192.0.2.1 >"$T/ping-c2.out" 2>&1 &
PING_PID=$!
L2T_PIDS+=("$PING_PID")
kill -STOP "$C1_PID"
t_stop=$(now_ms)
say "  SIGSTOP sent to pid $C1_PID"
if wait_for $((DROP_BOUND + 5)) ppp_not_connected S site-c1; then
	dt=$(($(now_ms) - t_stop))
	say "  the server's status stopped showing site-c1 connected after $dt ms; its status now: $(ppp_get S site-c1 status 2>/dev/null || echo '(no row)')"
	check "the server's status no longer shows site-c1 connected within ${DROP_BOUND} s + 2 s of polling (took $dt ms)" \
		test "$dt" -le $(((DROP_BOUND + 2) * 1000))
else
	fail "the server still shows site-c1 connected $((DROP_BOUND + 5)) s after the SIGSTOP"
fi
# drop_on_wire: ms from the SIGSTOP to the server's first CDN/StopCCN to C1.
drop_on_wire() {
	local t
	t=$(ts "$(cap_file wan)" -Y 'ip.src == 198.18.0.1 && ip.dst == 198.18.0.2 && (l2tp.avp.message_type == 14 || l2tp.avp.message_type == 4)' \
		-T fields -e frame.time_epoch | head -n 1) || true
	[ -n "$t" ] || return 1
	echo $(($(printf '%.0f' "$(echo "$t * 1000" | bc)") - t_stop))
}
if wait_for 5 drop_on_wire; then
	dw=$(drop_on_wire)
	say "  on the wire: the server's first CDN/StopCCN to C1 left $dw ms after the SIGSTOP"
	check "the server dropped site-c1 within keepalive-timeout + 5 = ${DROP_BOUND} s (wire: $dw ms)" \
		test "$dw" -le $((DROP_BOUND * 1000))
else
	fail "no CDN or StopCCN from the server to C1 on the wire"
fi
check "the server logs the keepalive timeout of site-c1's session" \
	log_has S 'keepalive|echo|timeout|timed out|dead peer|no reply'
check "site-c2 is still connected on both sides" ppp_both_connected C2 site-c2
check "host of C2 still pings the server's host (fresh ping)" ping_ok "${HNS[C2]}" 192.0.2.1 3
wait "$PING_PID" 2>/dev/null || true
sent=$(sed -n 's/^\([0-9]\+\) packets transmitted.*/\1/p' "$T/ping-c2.out")
got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$T/ping-c2.out")
say "  C2 host -> server host during the outage: ${got:-0} of ${sent:-0} answered"
check "C2's traffic went on during C1's outage (all 60 pings answered)" \
	eval "[ \"${sent:-0}\" -eq 60 ] && [ \"${got:-0}\" -eq 60 ]"

step "thaw C1 (SIGCONT): it reconnects"
kill -CONT "$C1_PID"
t_cont=$(now_ms)
if wait_for $((RECONNECT_BOUND + 10)) ppp_both_connected C1 site-c1; then
	dt=$(($(now_ms) - t_cont))
	say "  site-c1 connected again on both sides $dt ms after SIGCONT (bound ${RECONNECT_BOUND} s)"
	check "site-c1 reconnected within ${RECONNECT_BOUND} s of SIGCONT (took $dt ms)" \
		test "$dt" -le $((RECONNECT_BOUND * 1000))
else
	fail "site-c1 not connected again $((RECONNECT_BOUND + 10)) s after SIGCONT"
fi
check "site-c1: ids crosswise after the reconnect" ppp_ids_crosswise C1 site-c1
check "site-c1's server TAP is back on ${SBR[S]}" ppp_user_tap_in_bridge S site-c1
check "host of C1 pings the server's host again" ping_ok "${HNS[C1]}" 192.0.2.1 3
check "host of C1 pings the host of C2 again" ping_ok "${HNS[C1]}" 192.0.2.3 3
check "site-c2 was never disturbed (still connected)" ppp_both_connected C2 site-c2
