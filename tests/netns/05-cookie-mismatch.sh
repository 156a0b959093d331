#!/bin/bash
# Scenario 5: a static pseudowire whose cookies do not match (RFC 3931
# section 4.1: a receiver drops data packets whose cookie is not the one it
# expects).
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#       A: cookie 0x11111111, expects 0x22222222
#       B: cookie 0x33333333, expects 0x44444444     (nobody sends what the other expects)
#
# A user sees: pings fail; each site's rx-dropped or rx-errors (l2pwd counts
# foreign packets as errors, like Linux) and its "bad-cookie" drop counter
# grow with the frames the other side sent; rx-packets stays put;
# both daemons keep running and answering status.
L2T_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology"
topo_build

step "configs: static pseudowire, 4-byte cookies that do not match"
for s in A B; do
	site_vars "$s"
	if [ "$s" = A ]; then
		ids="tunnel-id = 10 peer-tunnel-id = 20 session-id = 11 peer-session-id = 21"
		cookies='cookie = "0x11111111" peer-cookie = "0x22222222"'
	else
		ids="tunnel-id = 20 peer-tunnel-id = 10 session-id = 21 peer-session-id = 11"
		cookies='cookie = "0x33333333" peer-cookie = "0x44444444"'
	fi
	{
		conf_head "$s"
		cat <<EOF
pseudowire "to-site-$PEER_SITE" {
	mode = "static"
	remote = "$PEER4"
	local = "$ME4"
	cookie-length = 4
	l2-sublayer = "none"
	$ids
	$cookies
	interface = "$PW_IF"
}
EOF
	} >"$T/$s.conf"
done
cap_start wan "$NS_W" "$WAN_BR"
start_sites
wait_for 10 both_connected || true
show_status A
show_status B

step "frames with the wrong cookie are dropped and counted"
declare -A before
for s in A B; do
	before[$s.drop]=$(($(pw_get "$s" rx-dropped) + $(pw_get "$s" rx-errors)))
	before[$s.cookie]=$(pw_drops "$s" cookie)
	before[$s.rx]=$(pw_get "$s" rx-packets)
	say "  site $s before: rx-packets ${before[$s.rx]}, rx-dropped + rx-errors ${before[$s.drop]}, cookie drops ${before[$s.cookie]}"
done
check "hostA cannot ping hostB" ping_none "$NS_HA" 192.0.2.2 5
check "hostB cannot ping hostA" ping_none "$NS_HB" 192.0.2.1 5
cap_stop wan
check "the frames did cross the WAN (so the drop is the receiver's)" \
	eval 'ts_at_least 5 "$(cap_file wan)" "ip.src == 198.18.0.1 && udp.dstport == 1701" && ts_at_least 5 "$(cap_file wan)" "ip.src == 198.18.0.2 && udp.dstport == 1701"'
for s in A B; do
	check "site $s: rx-dropped + rx-errors grew" \
		eval '[ $(($(pw_get '"$s"' rx-dropped) + $(pw_get '"$s"' rx-errors))) -gt '"${before[$s.drop]}"' ]'
	check "site $s: a cookie drop counter grew" \
		eval '[ "$(pw_drops '"$s"' cookie)" -gt '"${before[$s.cookie]}"' ]'
	check "site $s: nothing with a wrong cookie counted as received" \
		eval '[ "$(pw_get '"$s"' rx-packets)" -eq '"${before[$s.rx]}"' ]'
done
show_status A
say "  drops: A=$(site_status A | jq -c '.interfaces[0].drops') B=$(site_status B | jq -c '.interfaces[0].drops')"
check "site A's daemon still runs and answers status" eval 'daemon_alive A && site_status A >/dev/null'
check "site B's daemon still runs and answers status" eval 'daemon_alive B && site_status B >/dev/null'
