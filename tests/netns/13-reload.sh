#!/bin/bash
# Scenario 13: SIGHUP reloads the config (DESIGN.md "Programs"): pseudowires
# whose config did not change keep running, new ones start, removed ones
# stop, and a broken file changes nothing.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#                 + bridge $Pbx: second pseudowire "x" (static, IP 115), added
#                   and removed by reloads
#
# A user sees: after `kill -HUP` with the same file, the same tunnel and
# session ids and an uptime that kept counting; after adding pseudowire "x"
# to both files, "x" connected while the first kept its ids; after a reload
# of a file with a syntax error, a log line saying so and everything as it
# was; after removing "x", its row and its TAP gone.
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology, plus a second bridge per site"
topo_build
BRX=${P}bx PWX=${P}px
bridge_add "$NS_SA" "$BRX"
bridge_add "$NS_SB" "$BRX"

step "configs: one dynamic pseudowire"
dyn_confs 4
for s in A B; do cp "$T/$s.conf" "$T/$s.base"; done
start_sites
require "both sites \"connected\" within 30 s" wait_for 30 both_connected
ids() { echo "$(pw_get "$1" tunnel-id)/$(pw_get "$1" session-id)/$(pw_get "$1" peer-session-id)"; }
ids_a=$(ids A)
ids_b=$(ids B)
say "  ids: A $ids_a, B $ids_b"

# hup SITE...: SIGHUP, then wait until the daemon logs the outcome of that
# reload ("reload: N unchanged, ..." or "reload failed ...").
reload_logged() {
	out_has 'reload: [0-9]+ unchanged|reload failed' tail -n +"$(($2 + 1))" "${DAEMON_LOG[$1]}"
}
hup() {
	local s n
	for s in "$@"; do
		n=$(wc -l <"${DAEMON_LOG[$s]}")
		kill -HUP "${DAEMON_PID[$s]}"
		wait_for 10 reload_logged "$s" "$n" || {
			echo "site $s logged no reload outcome; log tail:"
			tail -n 5 "${DAEMON_LOG[$s]}"
			return 1
		}
		tail -n +"$((n + 1))" "${DAEMON_LOG[$s]}" | grep -E 'reload' | sed "s/^/site $s: /"
	done
}

step "reload with the same file"
# Let the uptime reach 2 s first: a restarted session would show 0 or 1.
wait_for 5 eval '[ "$(pw_get A uptime)" -ge 2 ]' || true
up0=$(pw_get A uptime)
check "SIGHUP to both sites" hup A B
check "site A keeps its tunnel and session ($ids_a)" eval '[ "$(ids A)" = "$ids_a" ]'
check "site B keeps its tunnel and session ($ids_b)" eval '[ "$(ids B)" = "$ids_b" ]'
check "site A's uptime kept counting (was $up0)" eval '[ "$(pw_get A uptime)" -ge '"$up0"' ]'
check "still connected, hostA pings hostB" eval 'both_connected && ping_ok "$NS_HA" 192.0.2.2 3'

step "reload with a second pseudowire \"x\" added on both sites"
for s in A B; do
	site_vars "$s"
	if [ "$s" = A ]; then
		ids="tunnel-id = 50 peer-tunnel-id = 60 session-id = 51 peer-session-id = 61"
	else
		ids="tunnel-id = 60 peer-tunnel-id = 50 session-id = 61 peer-session-id = 51"
	fi
	{
		cat "$T/$s.base"
		cat <<EOF
pseudowire "x" {
	mode = "static"
	remote = "$PEER4"
	local = "$ME4"
	encap = "ip"
	cookie-length = 0
	$ids
	interface = "$PWX"
	bridge = "$BRX"
}
EOF
	} >"$T/$s.conf"
done
check "SIGHUP to both sites" hup A B
check "pseudowire x \"connected\" on both sites within 10 s" wait_for 10 both_connected "$PWX"
check "site A's TAP $PWX is a port of $BRX" out_has "master $BRX " ip -n "$NS_SA" -o link show "$PWX"
check "the first pseudowire kept its ids on both sites" eval '[ "$(ids A)" = "$ids_a" ] && [ "$(ids B)" = "$ids_b" ]'
check "hostA still pings hostB" ping_ok "$NS_HA" 192.0.2.2 3

step "reload of a broken file"
cp "$T/A.conf" "$T/A.good"
echo 'pseudowire "broken" { remote = ' >>"$T/A.conf"
check "SIGHUP to site A" hup A
check "site A says the reload failed" eval 'grep -E "reload failed" "${DAEMON_LOG[A]}" | tail -n 1 | grep .'
check "site A still runs both pseudowires, unchanged" \
	eval 'daemon_alive A && [ "$(ids A)" = "$ids_a" ] && pw_connected A "$PWX"'
cp "$T/A.good" "$T/A.conf"

step "reload with \"x\" removed again"
for s in A B; do cp "$T/$s.base" "$T/$s.conf"; done
check "SIGHUP to both sites" hup A B
check "site A lists only the first pseudowire" eval '[ "$(site_status A | jq -c "[.interfaces[].name]")" = "[\"$PW_IF\"]" ]'
check "site A's TAP $PWX is gone" wait_for 5 l2t_not ip -n "$NS_SA" link show "$PWX"
check "the first pseudowire kept its ids on both sites" eval '[ "$(ids A)" = "$ids_a" ] && [ "$(ids B)" = "$ids_b" ]'
check "hostA still pings hostB" ping_ok "$NS_HA" 192.0.2.2 3
