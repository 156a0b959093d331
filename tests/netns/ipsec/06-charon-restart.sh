#!/bin/bash
# IPsec scenario 6: charon dies under a running pseudowire and is started
# again.  use-ipsec = yes on both sites; site A (198.18.0.1, the IKE
# initiator) loses its charon to SIGKILL: no DELETE reaches B, the new charon
# starts empty (no connections, no secrets) and l2pwd has to notice and load
# its connection again by itself.
#
#   hostA --[brA siteA + charon (killed, restarted)]== WAN ==[charon + siteB brB]-- hostB
#
# A user sees: while charon is gone, site A's `ipsec` is no longer
# "installed" (it says why, e.g. "charon not reachable ..."), and a ping
# carrying "L2PW-IPSEC-PROOF" from hostA does not show up in clear on the WAN
# (the site sends nothing unprotected once it knows the SA is gone).  After
# charon is back, within a bounded time and without anyone touching l2pwd,
# charon A holds the CHILD_SA again, both sites say `ipsec` "installed" and
# "connected", and pings pass; the time it took is printed.
L2T_TIMEOUT=120 # passes in well under 90 s; the waits of a failing run add up
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"

ipsec_pw_topology

step "configs: dynamic pseudowire, use-ipsec = yes, hello-interval 5"
mapfile -t LINES < <(ipsec_conf_lines yes "$IPSEC_PSK")
dyn_confs 4 "${LINES[@]}" "hello-interval = 5"
for s in A B; do ipsec_conf_global "$s" >>"$T/$s.conf"; done
start_sites

# up_and_protected: both sites connected with ipsec "installed", charon A
# holds the CHILD_SA.
up_and_protected() {
	both_connected && ipsec_pw_is A installed && ipsec_pw_is B installed &&
		ipsec_site_installed A "$CONN"
}
step "up and protected"
require "both sites connected, SA installed, within 30 s" wait_for 30 up_and_protected
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 3

step "SIGKILL charon of site A"
ipsec_charon_kill "$NS_SA"
t0=$(now_ms)
# not_installed: site A's status no longer claims the SA; prints the field.
not_installed() {
	local v
	v=$(pw_get A ipsec) || return 1
	echo "site A ipsec: \"$v\""
	[ -n "$v" ] && [ "$v" != installed ]
}
check "site A notices within 30 s (ipsec no longer \"installed\")" wait_for 30 not_installed
say "  noticed after $(($(now_ms) - t0)) ms; $(not_installed || true)"
show_status A
cap_start wan "$NS_W" "$WAN_A"
cap_start tap "$NS_SA" "$PW_IF" icmp
# answers or not, the frames reach site A's pseudowire port
in_ns "$NS_HA" ping -n -c 3 -i 0.2 -W 1 -s 200 -p "$(ipsec_pattern_hex)" 192.0.2.2 >/dev/null 2>&1 || true
cap_stop tap
cap_stop wan
check "the pattern ping reached site A's pseudowire port (the next check can fail)" \
	ipsec_has_pattern "$(cap_file tap)"
check_not "WAN: the pattern ping from hostA is not in clear while charon A is gone" \
	ipsec_has_pattern "$(cap_file wan)"
check "WAN: no UDP 1701 in clear while charon A is gone" ts_none "$(cap_file wan)" 'udp.port == 1701 || l2tp'

step "charon of site A back: the pseudowire recovers on its own"
rc=0
ipsec_charon_start "$NS_SA" "$T/charon-A" || rc=$?
require "the new charon answers on vici" test "$rc" -eq 0
t0=$(now_ms)
check "connected and SA installed again within 45 s" wait_for 45 up_and_protected
say "  recovered $(($(now_ms) - t0)) ms after charon restarted"
show_status A
check "hostA pings hostB again" wait_for 10 ping_ok "$NS_HA" 192.0.2.2 3
check "charon A loaded $CONN from site A's ipsec-dir" \
	out_has "^$CONN: IKEv" ipsec_swanctl "$NS_SA" --list-conns
