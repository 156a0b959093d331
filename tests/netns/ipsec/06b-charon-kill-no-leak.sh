#!/bin/bash
# IPsec scenario 6b: not one clear L2TP packet when charon dies under load.
# use-ipsec = yes on both sites, tunnel mode through kernel-libipsec.  A
# ping carrying "L2PW-IPSEC-PROOF" runs from hostA to hostB (every 20 ms)
# while site A's charon is SIGKILLed: its TUN (ipsec0) and the routes into
# the SA vanish at that moment, so anything site A still sends to 198.18.0.2
# leaves in clear.  Scenario 6 only looks after site A has noticed; this one
# captures the whole WAN from before the kill.
#
#   hostA --[brA siteA + charon]== WAN ==[charon + siteB brB]-- hostB
#                 (charon A killed under the ping, then started again)
#
# A user sees: the pattern frames keep reaching site A's pseudowire port
# after the kill, yet the WAN carries no UDP 1701 and no IP protocol 115 at
# all (the count after the kill is printed), nor the pattern in clear; site
# A's `ipsec` leaves "installed" at once (well before its next SA poll, 5 s);
# with charon back, the pseudowire is connected and installed again by
# itself and hostA pings hostB.
L2T_TIMEOUT=150
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
CLEAR_L2TP='udp.port == 1701 || l2tp || ip.proto == 115 || ipv6.nxt == 115'

ipsec_pw_yes_up

step "pattern ping from hostA; SIGKILL charon of site A under it"
cap_start wan "$NS_W" "$WAN_BR"
cap_start tap "$NS_SA" "$PW_IF" icmp
ip netns exec "$NS_HA" ping -n -i 0.02 -W 1 -s 200 -p "$(ipsec_pattern_hex)" 192.0.2.2 >/dev/null 2>&1 &
PING_PID=$!
L2T_PIDS+=("$PING_PID")
require "the ping goes through the SA before the kill (ESP on the WAN)" \
	wait_for 10 ts_at_least 20 "$(cap_file wan)" 'esp'
T_KILL=$(date +%s.%N)
ipsec_charon_kill "$NS_SA"
t0=$(now_ms)
not_installed() {
	local v
	v=$(pw_get A ipsec) || return 1
	echo "site A ipsec: \"$v\""
	[ -n "$v" ] && [ "$v" != installed ]
}
check "site A notices within 30 s (ipsec no longer \"installed\")" wait_for 30 not_installed
say "  noticed after $(($(now_ms) - t0)) ms; $(not_installed || true)"
# frames_after_kill N: at least N pattern frames reached site A's pseudowire
# port after the kill (what the daemon had to hold back).
frames_after_kill() {
	ts_at_least "$1" "$(cap_file tap)" "icmp.type == 8 && frame.time_epoch > $T_KILL"
}
# Past the SA poll that would have noticed without the link monitor (5 s).
check "hostA's frames reach site A's pseudowire port for 6 s after the kill" \
	wait_for 20 frames_after_kill 250
kill "$PING_PID" 2>/dev/null || true
wait "$PING_PID" 2>/dev/null || true
cap_stop tap
cap_stop wan
show_status A
N_AFTER=$(ts_count "$(cap_file wan)" "($CLEAR_L2TP) && frame.time_epoch > $T_KILL") || N_AFTER=error
say "  clear L2TP packets on the WAN after the kill: $N_AFTER"
check "WAN: no clear L2TP (UDP 1701, IP proto 115) at all, before or after the kill" \
	ts_none "$(cap_file wan)" "$CLEAR_L2TP"
check_not "WAN: the pattern never in clear" ipsec_has_pattern "$(cap_file wan)"

step "charon of site A back: the pseudowire recovers on its own"
rc=0
ipsec_charon_start "$NS_SA" "$T/charon-A" || rc=$?
require "the new charon answers on vici" test "$rc" -eq 0
t0=$(now_ms)
check "connected and SA installed again within 45 s" wait_for 45 up_and_protected
say "  recovered $(($(now_ms) - t0)) ms after charon A restarted"
check "hostA pings hostB again" wait_for 10 ping_ok "$NS_HA" 192.0.2.2 3
