#!/bin/bash
# IPsec scenario 5: a dynamic pseudowire, use-ipsec = yes on both sites, but
# site B's ipsec-secret differs.  Then B's config gets the right secret and
# B reloads (SIGHUP).
#
#   hostA --[brA siteA + charon]== WAN (captured) ==[charon + siteB brB]-- hostB
#            198.18.0.1: initiates IKE                198.18.0.2: answers
#
# A user sees: no SA in either charon, the pseudowire never "connected" on
# either side, and site A's status says why: its `ipsec` field (or `status`)
# names the failed IKE authentication, e.g. "IKE authentication failed (wrong
# ipsec-secret?)"; site B's `ipsec` is not "installed".  The daemons do not
# fall back to clear L2TP: the WAN capture holds IKE and no UDP 1701, hostA
# cannot reach hostB.  With the secret fixed and SIGHUP to B, SA and
# pseudowire come up on their own and pings pass.
L2T_TIMEOUT=90
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
REASON_RE='authenticat.*fail|ipsec-secret'

ipsec_pw_topology

step "configs: use-ipsec = yes, site B's ipsec-secret wrong"
# A.conf from the good lines, B.conf from the wrong ones (dyn_confs writes both).
mapfile -t LA < <(ipsec_conf_lines yes "$IPSEC_PSK")
mapfile -t LB < <(ipsec_conf_lines yes "not the secret")
dyn_confs 4 "${LA[@]}"
mv "$T/A.conf" "$T/A.keep"
dyn_confs 4 "${LB[@]}"
mv "$T/A.keep" "$T/A.conf"
for s in A B; do ipsec_conf_global "$s" >>"$T/$s.conf"; done
cap_start wan "$NS_W" "$WAN_BR"
start_sites

# reason_a: site A's ipsec field or status names the failed authentication.
reason_a() {
	local ip st
	ip=$(pw_get A ipsec) && st=$(pw_get A status) || return 1
	echo "site A: ipsec \"$ip\", status \"$st\""
	grep -qiE -- "$REASON_RE" <<<"$ip $st"
}
# never_up SECS: for SECS seconds (a poll every 0.5 s), neither site shows
# the pseudowire connected and neither charon an INSTALLED child.
never_up() {
	local end=$(($(now_ms) + $1 * 1000)) polls=0 s
	while [ "$(now_ms)" -lt "$end" ]; do
		polls=$((polls + 1))
		for s in A B; do
			if pw_connected "$s" 2>/dev/null; then
				echo "site $s connected at poll $polls"
				return 1
			fi
			if ipsec_site_installed "$s" "$CONN"; then
				echo "charon of site $s has $CONN INSTALLED at poll $polls"
				return 1
			fi
		done
		sleep 0.5
	done
	echo "$polls polls in ${1}s: never connected, no SA"
}

step "wrong secret: no SA, no tunnel, a reason"
check "site A's status names the failed IKE authentication within 20 s" wait_for 20 reason_a
reason_a | sed 's/^/  /' || true
check "site B's ipsec is not \"installed\"" l2t_not ipsec_pw_is B installed
check "charon B logged the failed authentication" \
	grep -qE 'MAC mismatched|AUTHENTICATION_FAILED|authentication of .* failed' "$T/charon-B/charon.log"
check "for 8 s: neither site connected, no SA in either charon" never_up 8
check "hostA cannot reach hostB" ping_none "$NS_HA" 192.0.2.2 3
show_status A
show_status B
cap_stop wan
check "WAN: IKE was tried" ts_at_least 2 "$(cap_file wan)" 'isakmp'
check "WAN: no fallback to clear L2TP (no UDP 1701)" ts_none "$(cap_file wan)" 'udp.port == 1701 || l2tp'

step "the right secret on site B, SIGHUP: it comes up on its own"
dyn_confs 4 "${LA[@]}"
for s in A B; do ipsec_conf_global "$s" >>"$T/$s.conf"; done
require "site B's new config loads" "$L2PWD" -n -c "$T/B.conf"
kill -HUP "${DAEMON_PID[B]}"
t0=$(now_ms)
check "both sites connected within 40 s of the reload" wait_for 40 both_connected
say "  connected $(($(now_ms) - t0)) ms after SIGHUP"
check "site A: ipsec \"installed\"" wait_for 10 ipsec_pw_is A installed
check "site B: ipsec \"installed\"" wait_for 10 ipsec_pw_is B installed
check "charon A holds $CONN INSTALLED" ipsec_site_installed A "$CONN"
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 3
