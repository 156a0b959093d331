#!/bin/bash
# Scenario 8: site A's daemon dies (kill -9: no StopCCN, no CDN) and is
# started again; site B is not touched.  B still holds the old tunnel when
# A's new SCCRQ arrives; the pseudowire must come back within 20 s of the
# restart anyway, with the default hello-interval (60 s), i.e. without
# waiting for B to notice the dead peer by HELLO timeout.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#             kill -9, restart                     left alone
#
# A user sees: pings before; after the restart both sites "connected" again
# with ids that match crosswise (A's new ids, B's new peer ids), and pings
# again; the measured recovery time is printed.
L2T_TIMEOUT=150
BOUND=20
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology"
topo_build

step "configs: dynamic pseudowire, default hello-interval"
dyn_confs 4
start_sites
require "both sites \"connected\" within 30 s" wait_for 30 both_connected
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 3
old_a=$(pw_get A tunnel-id)/$(pw_get A session-id)
b_pid=${DAEMON_PID[B]}
show_status B

step "kill -9 site A's daemon"
kill_daemon A
check "site A's TAP is gone with its daemon, or at least not carrying traffic" ping_none "$NS_HA" 192.0.2.2 2
say "  site B after the kill: $(pw_get B status || true)"

step "start site A again; site B is left alone"
start_daemon A "$T/A.conf"
t0=$(now_ms)
require "site A answers status again" wait_daemon A 10
# back: both sides connected, ids crosswise, and a frame crosses.
back() { both_connected && ids_crosswise >/dev/null && ping_ok "$NS_HA" 192.0.2.2 1 >/dev/null; }
if wait_for $BOUND back; then
	ok "the pseudowire is back within $BOUND s: $(($(now_ms) - t0)) ms after the restart"
else
	fail "the pseudowire is not back $BOUND s after the restart"
fi
show_status A
show_status B
check "tunnel and session ids match crosswise after the restart" ids_crosswise
say "  site A's tunnel/session before: $old_a, after: $(pw_get A tunnel-id || true)/$(pw_get A session-id || true)"
check "hostA pings hostB again" ping_ok "$NS_HA" 192.0.2.2 5
check "hostB pings hostA again" ping_ok "$NS_HB" 192.0.2.1 3
check "site B's daemon is the same process (pid $b_pid), never restarted" \
	eval '[ "${DAEMON_PID[B]}" = "$b_pid" ] && kill -0 "$b_pid"'
check "site B shows exactly one interface" eval '[ "$(site_status B | jq ".interfaces | length")" -eq 1 ]'
