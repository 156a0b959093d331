#!/bin/bash
# Scenario 11: bad input.  While hostA pings hostB, storm.py throws random,
# truncated and malformed L2TP packets at site A: at its UDP port 1701 and
# at IP protocol 115, both with the real peer's address spoofed as source
# (so they reach the tunnel's own parsers: the real control connection id,
# the real session ids, wrong or cut cookies) and from a stranger on the WAN.
#
#   hostA --- [brA siteA] ===== WAN ===================== [siteB brB] --- hostB
#                 ^ 198.18.0.1       198.18.0.254 (stranger)   198.18.0.2 (spoofed)
#                 +---------- storm.py, ~12000 packets ----+
#   two pseudowires: "u" dynamic over UDP (TAP $Ppw on brA/brB, the hosts' LAN)
#                    "i" static over IP 115, 4-byte cookies (TAP $Ppi on bridge $Pbi)
#
# A user sees: both daemons keep running and answering status, both
# pseudowires stay "connected", pings during the storm are answered (at
# least 25 of 30), and site A's drop counters (rx-dropped / rx-errors /
# named drops) count the garbage.  Sanitizer builds: any report fails.
L2T_TIMEOUT=180
. "$(dirname "$0")/lib.sh"
STORM=$(dirname "$0")/storm.py

require_binaries
require "python3 at /usr/bin/python3" test -x "$PY"
step "topology, plus a second bridge per site for the IP pseudowire"
topo_build
BR2=${P}bi PW2=${P}pi
bridge_add "$NS_SA" "$BR2"
bridge_add "$NS_SB" "$BR2"

step "configs: \"u\" dynamic/UDP, \"i\" static/IP 115 with cookies"
for s in A B; do
	site_vars "$s"
	if [ "$s" = A ]; then
		ids="tunnel-id = 30 peer-tunnel-id = 40 session-id = 31 peer-session-id = 41"
		cookies='cookie = "0x0a0b0c0d" peer-cookie = "0x01020304"'
	else
		ids="tunnel-id = 40 peer-tunnel-id = 30 session-id = 41 peer-session-id = 31"
		cookies='cookie = "0x01020304" peer-cookie = "0x0a0b0c0d"'
	fi
	{
		conf_head "$s"
		cat <<EOF
pseudowire "u" {
	mode = "dynamic"
	remote = "$PEER4"
	local = "$ME4"
	encap = "udp"
	pw-id = 100
	cookie-length = 4
	interface = "$PW_IF"
}
pseudowire "i" {
	mode = "static"
	remote = "$PEER4"
	local = "$ME4"
	encap = "ip"
	cookie-length = 4
	$ids
	$cookies
	interface = "$PW2"
	bridge = "$BR2"
}
EOF
	} >"$T/$s.conf"
done
start_sites
require "pseudowire u \"connected\" on both sites within 30 s" wait_for 30 both_connected "$PW_IF"
require "pseudowire i \"connected\" on both sites within 10 s" wait_for 10 both_connected "$PW2"
check "hostA pings hostB before the storm" ping_ok "$NS_HA" 192.0.2.2 3
show_status A

# bad_count SITE IFACE: rx-dropped + rx-errors, what the status table shows.
bad_count() {
	site_status "$1" | jq --arg n "$2" '.interfaces[] | select(.name == $n)
		| (."rx-dropped" // 0) + (."rx-errors" // 0)'
}
before_u=$(bad_count A "$PW_IF")
before_i=$(bad_count A "$PW2")
ccid=$(pw_get A tunnel-id)
sid=$(pw_get A session-id)
say "  site A: control connection id $ccid, session id $sid (u), 31 (i); drop totals u=$before_u i=$before_i"

step "the storm, with pings across meanwhile"
seed=${L2T_SEED:-$RANDOM}
say "  seed $seed (L2T_SEED=$seed replays it)"
storm() { # NS NAME ARGS...
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "$PY" "$STORM" --dst 198.18.0.1 --seed "$seed" "$@" >"$T/storm-$name.out" 2>&1 &
	STORM_PIDS+=($!)
	L2T_PIDS+=($!)
}
STORM_PIDS=()
storm "$NS_SB" peer-udp --src 198.18.0.2 --encap udp --ccid "$ccid" --session "$sid" --cookie-len 4 --count 4500 --rate 600
storm "$NS_SB" peer-ip --src 198.18.0.2 --encap ip --ccid 30 --session 31 --cookie 0a0b0c0d --count 4500 --rate 600
storm "$NS_W" stranger --src 198.18.0.254 --encap udp --sport 40000 --ccid "$ccid" --session "$sid" --count 1500 --rate 200
storm "$NS_W" stranger-ip --src 198.18.0.254 --encap ip --session 31 --cookie 0a0b0c0d --count 1500 --rate 200
out=$(in_ns "$NS_HA" ping -n -c 30 -i 0.25 -W 1 192.0.2.2 2>&1) || true
got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
storm_rc=0
for pid in "${STORM_PIDS[@]}"; do
	wait "$pid" || storm_rc=1
done
cat "$T"/storm-*.out | sed 's/^/  /'
require "every storm generator ran" test "$storm_rc" -eq 0
check "pings during the storm answered (${got:-0}/30, want >= 25)" test "${got:-0}" -ge 25

step "after the storm"
check "site A's daemon still runs and answers status" eval 'daemon_alive A && site_status A >/dev/null'
check "site B's daemon still runs and answers status" eval 'daemon_alive B && site_status B >/dev/null'
check "pseudowire u still connected on both sites" both_connected "$PW_IF"
check "pseudowire i still connected on both sites" both_connected "$PW2"
check "hostA pings hostB after the storm" ping_ok "$NS_HA" 192.0.2.2 5
show_status A
after_u=$(bad_count A "$PW_IF")
after_i=$(bad_count A "$PW2")
say "  site A drop totals: u $before_u -> $after_u, i $before_i -> $after_i"
say "  site A drops: $(site_status A | jq -c '[.interfaces[] | {name, "rx-dropped", "rx-errors", drops}]')"
check "site A counted garbage on pseudowire u (wrong cookies, cut headers, runts)" test "$after_u" -gt "$before_u"
check "site A counted at least 400 drops on pseudowire i (IP 115, known session id)" test "$after_i" -ge $((before_i + 400))
