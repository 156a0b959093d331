#!/bin/bash
# Scenario 4: control message authentication (RFC 3931 section 5.4.1,
# Message Digest AVP) with different secrets on the two sides.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#            secret "alpha-secret"                 secret "bravo-secret"
#
# A user sees: no tunnel: neither site ever shows "connected" during 8 s of
# attempts (the sites retry after 1, 2, 4 s: three or four refusals), hostA
# cannot ping hostB, both daemons keep running and answer status, and a log
# line says why (digest / secret / authentication).
# As a control, a third phase gives site B the right secret and the tunnel
# comes up, so the refusal above was about the secret and nothing else.
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology"
topo_build

# write_conf SITE SECRET: the same pseudowire on both sites; SITE's secret changed.
write_conf() {
	dyn_confs 4 'secret = "alpha-secret"' 'digest = "md5"'
	sed -i "s/alpha-secret/$2/" "$T/$1.conf"
}

step "configs: the same pseudowire, different secrets"
write_conf B bravo-secret
cap_start wan "$NS_W" "$WAN_BR"
start_sites

step "no tunnel comes up"
# never_connected SECS: poll both sites for SECS seconds; any "connected" fails.
never_connected() {
	local end=$(($(now_ms) + $1 * 1000)) a b
	while [ "$(now_ms)" -lt "$end" ]; do
		a=$(pw_get A status) || a="(no answer)"
		b=$(pw_get B status) || b="(no answer)"
		if [ "$a" = connected ] || [ "$b" = connected ]; then
			echo "connected: A=$a B=$b"
			return 1
		fi
		sleep 0.5
	done
	echo "after $1 s: A=$a B=$b"
}
check "neither site shows \"connected\" during 8 s of attempts" never_connected 8
show_status A
show_status B
say "  last-error: A=\"$(pw_get A last-error || true)\" B=\"$(pw_get B last-error || true)\""
check "hostA cannot ping hostB" ping_none "$NS_HA" 192.0.2.2 3
check "site A's daemon still runs and answers status" eval 'daemon_alive A && site_status A >/dev/null'
check "site B's daemon still runs and answers status" eval 'daemon_alive B && site_status B >/dev/null'
cap_stop wan
check "the sites did try: SCCRQs on the WAN" ts_at_least 1 "$(cap_file wan)" 'l2tp.avp.message_type == 1'
check "the SCCRQs carry a Message Digest AVP (type 59)" ts_at_least 1 "$(cap_file wan)" 'l2tp.avp.message_type == 1 && l2tp.avp.type == 59'

# digest_log_line: a line, in either log, that names the digest or the secret
# and says it failed.
digest_log_line() {
	grep -hiE '(digest|secret|authenticat)' "${DAEMON_LOG[A]}" "${DAEMON_LOG[B]}" |
		grep -iE 'mismatch|bad|wrong|invalid|fail|reject|does not match|incorrect' | head -n 5
}
check "a log line says the digest / secret did not match" eval '[ -n "$(digest_log_line)" ]'
say "  log lines: "
digest_log_line | sed 's/^/    /' || true

step "control: with the same secret the tunnel comes up"
stop_daemon B
write_conf B alpha-secret # (rewrites A.conf identically)
start_daemon B "$T/B.conf"
require "site B restarted" wait_daemon B 20
check "both sites \"connected\" within 45 s once the secrets match" wait_for 45 both_connected
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 3
