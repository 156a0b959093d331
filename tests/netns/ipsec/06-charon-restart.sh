#!/bin/bash
# IPsec scenario 6: charon dies under a running pseudowire and is started
# again.  use-ipsec = yes on both sites; the charon of site K (L2T_KILL_SIDE:
# A, 198.18.0.1, the IKE initiator, by default; scenario 7 runs this file
# with B, the responder) dies by SIGKILL: no DELETE reaches the peer, the new
# charon starts empty (no connections, no secrets) and l2pwd has to notice
# and load its connection again by itself.
#
#   hostA --[brA siteA + charon]== WAN ==[charon + siteB brB]-- hostB
#                   (one of the two charons killed and restarted)
#
# A user sees: while charon is gone, site K's `ipsec` is no longer
# "installed" (it says why, e.g. "charon not reachable ..."), and a ping
# carrying "L2PW-IPSEC-PROOF" from hostK does not show up in clear on the WAN
# (the site sends nothing unprotected once it knows the SA is gone; the
# frames do reach its pseudowire port).  After charon is back, within a
# bounded time and without anyone touching l2pwd, charon K holds the
# CHILD_SA again, both sites say `ipsec` "installed" and "connected", and
# pings pass; the time it took is printed.
#
# Bounds: site A's new charon initiates at once (INITIAL_CONTACT makes B drop
# the stale SA): 45 s.  When B's charon restarts, A's charon still holds the
# old SA and only DPD (30 s without anything from B, then ~7 s of
# retransmits) makes it start again: 70 s.
L2T_TIMEOUT=150 # A: passes in ~20 s, B: in ~55 s; the waits of a failing run add up
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/lib-ipsec.sh
. "$L2T_ROOT/tests/netns/lib-ipsec.sh"
K=${L2T_KILL_SIDE:-A}
case $K in
A) K_NS_SUFFIX=sA K_HOST_SUFFIX=hA K_PEER_HOST=192.0.2.2 RECOVER_S=45 ;;
B) K_NS_SUFFIX=sB K_HOST_SUFFIX=hB K_PEER_HOST=192.0.2.1 RECOVER_S=70 ;;
*)
	echo "L2T_KILL_SIDE must be A or B" >&2
	exit 1
	;;
esac

ipsec_pw_yes_up

K_NS=$P-$K_NS_SUFFIX K_HOST=$P-$K_HOST_SUFFIX
step "SIGKILL charon of site $K"
ipsec_charon_kill "$K_NS"
t0=$(now_ms)
# not_installed: site K's status no longer claims the SA; prints the field.
not_installed() {
	local v
	v=$(pw_get "$K" ipsec) || return 1
	echo "site $K ipsec: \"$v\""
	[ -n "$v" ] && [ "$v" != installed ]
}
check "site $K notices within 30 s (ipsec no longer \"installed\")" wait_for 30 not_installed
say "  noticed after $(($(now_ms) - t0)) ms; $(not_installed || true)"
show_status "$K"
cap_start wan "$NS_W" "$WAN_BR"
cap_start tap "$K_NS" "$PW_IF" icmp
# answers or not, the frames reach site K's pseudowire port
in_ns "$K_HOST" ping -n -c 3 -i 0.2 -W 1 -s 200 -p "$(ipsec_pattern_hex)" "$K_PEER_HOST" >/dev/null 2>&1 || true
cap_stop tap
cap_stop wan
check "the pattern ping reached site $K's pseudowire port (the next check can fail)" \
	ipsec_has_pattern "$(cap_file tap)"
check_not "WAN: the pattern ping from host$K is not in clear while charon $K is gone" \
	ipsec_has_pattern "$(cap_file wan)"
check "WAN: no UDP 1701 in clear while charon $K is gone" ts_none "$(cap_file wan)" 'udp.port == 1701 || l2tp'

step "charon of site $K back: the pseudowire recovers on its own"
rc=0
ipsec_charon_start "$K_NS" "$T/charon-$K" || rc=$?
require "the new charon answers on vici" test "$rc" -eq 0
t0=$(now_ms)
check "connected and SA installed again within $RECOVER_S s" wait_for "$RECOVER_S" up_and_protected
say "  recovered $(($(now_ms) - t0)) ms after charon $K restarted"
show_status "$K"
check "host$K pings its peer host again" wait_for 10 ping_ok "$K_HOST" "$K_PEER_HOST" 3
check "charon $K loaded $CONN from site $K's ipsec-dir" \
	out_has "^$CONN: IKEv" ipsec_swanctl "$K_NS" --list-conns
