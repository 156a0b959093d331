# shellcheck shell=bash
#
# Helpers for the L2TPv2 + PPP + BCP scenarios (tests/netns/2?-*.sh): the
# RouterOS model, one l2tp-server site and any number of l2tp-client sites on
# one WAN segment.  Source it right after lib.sh (which gives the per-run
# prefix $P, the timeout, start_daemon/wait_daemon, check/require, the
# captures and the cleanup).
#
#   $P-hS --[${P}brS  $P-sS]--+                      +--[$P-sC1  ${P}brC1]-- $P-hC1
#   192.0.2.1   l2tp-server   |       $P-wan         |   l2tp-client        192.0.2.2
#               198.18.0.1    +---- ${P}wbr ---------+   198.18.0.2
#                                  198.18.0.254      +--[$P-sC2  ${P}brC2]-- $P-hC2
#                                                        198.18.0.3         192.0.2.3
#
# One network namespace per box.  A site SITE (S, C1, C2, ...; up to 3
# characters) has the site namespace $P-sSITE holding l2pwd, its LAN bridge
# ${P}brSITE and its WAN leg ${P}wan (switch side ${P}wSITE on the WAN bridge),
# and a LAN host namespace $P-hSITE whose ${P}h is a port of the site bridge.
# Interface names stay within IFNAMSIZ: 9 (prefix) + 3 (br) + 3 (site).
#
# Per site, after ppp_site_add: SNS[SITE] HNS[SITE] SBR[SITE] SWAN4[SITE]
# SHOST4[SITE]; DAEMON_NS[SITE] is set for lib.sh's start_daemon.
#
# Status rows of PPP sessions are found by their `user` (the client's own
# user on a client site, the authenticated peer on the server site), not by
# name: the server's TAP may be dynamic ("l2tp-USER").

declare -A SNS=() HNS=() SBR=() SWAN4=() SHOST4=()
PPP_WAN_IF=${P}wan
PPP_HOST_IF=${P}h
PPP_CLIENT_IF=${P}c # the TAP name client sites give their l2tp-client
# L2T_PRE_CLEANUP (lib.sh) takes commands to run first at cleanup.

# ppp_wan_build: the WAN switch namespace and its bridge (198.18.0.254/24).
ppp_wan_build() {
	NS_W=$P-wan WAN_BR=${P}wbr
	ns_add "$NS_W"
	bridge_add "$NS_W" "$WAN_BR"
	ip -n "$NS_W" addr add 198.18.0.254/24 dev "$WAN_BR"
}

# ppp_site_add SITE WAN4 HOST4: a site namespace (WAN leg WAN4/24 on the
# switch, LAN bridge) and its LAN host namespace (HOST4/24 on the bridge).
ppp_site_add() {
	local site=$1 wan4=$2 host4=$3 ns_s=$P-s$1 ns_h=$P-h$1 br=${P}br$1
	ns_add "$ns_s"
	ns_add "$ns_h"
	ip -n "$ns_s" link add "$PPP_WAN_IF" type veth peer name "${P}w$site" netns "$NS_W"
	ip -n "$NS_W" link set "${P}w$site" master "$WAN_BR" up
	ip -n "$ns_s" addr add "$wan4/24" dev "$PPP_WAN_IF"
	ip -n "$ns_s" link set "$PPP_WAN_IF" up
	wan_offload_off "$ns_s" "$PPP_WAN_IF"
	bridge_add "$ns_s" "$br"
	ip -n "$ns_h" link add "$PPP_HOST_IF" type veth peer name "${P}l" netns "$ns_s"
	ip -n "$ns_s" link set "${P}l" master "$br" up
	ip -n "$ns_h" addr add "$host4/24" dev "$PPP_HOST_IF"
	ip -n "$ns_h" link set "$PPP_HOST_IF" up
	SNS[$site]=$ns_s HNS[$site]=$ns_h SBR[$site]=$br SWAN4[$site]=$wan4 SHOST4[$site]=$host4
	DAEMON_NS[$site]=$ns_s
}

# ppp_topo SITE... : the WAN, the server site S (198.18.0.1, host 192.0.2.1)
# and client sites named C1, C2, ... with WAN 198.18.0.(1+N) and host
# 192.0.2.(1+N) (N = the number after the C), or any site as NAME=WAN4,HOST4.
ppp_topo() {
	local s n
	ppp_wan_build
	for s in S "$@"; do
		case $s in
		S) ppp_site_add S 198.18.0.1 192.0.2.1 ;;
		C[0-9]*)
			n=${s#C}
			ppp_site_add "$s" "198.18.0.$((1 + n))" "192.0.2.$((1 + n))"
			;;
		*=*,*)
			n=${s#*=}
			ppp_site_add "${s%%=*}" "${n%,*}" "${n#*,}"
			;;
		*)
			echo "ppp_topo: bad site '$s'" >&2
			return 1
			;;
		esac
	done
	say "  topology: WAN $WAN_BR in $NS_W; sites: $(for s in S "$@"; do printf '%s ' "${s%%=*}(${SWAN4[${s%%=*}]} host ${SHOST4[${s%%=*}]})"; done)"
}

# --- configs -------------------------------------------------------------------
# Each conf_* prints one part of a site config on stdout; a scenario writes
# $T/SITE.conf as { conf_global SITE; conf_profile ...; ...; } >"$T/SITE.conf".

# conf_global SITE: name, status socket in $T, debug logs, the site bridge and
# WAN interface (L2T_FASTPATH=off|tc|xdp pins the fast path, as in lib.sh).
conf_global() {
	cat <<EOF
# $L2T_NAME, site $1 (written by the test)
name = "site-$(tr '[:upper:]' '[:lower:]' <<<"$1")"
status-socket = "$T/$1.sock"
log-level = "debug"
bridge = "${SBR[$1]}"
wan-interface = "$PPP_WAN_IF"
EOF
	[ -z "${L2T_FASTPATH:-}" ] || echo "fastpath = \"$L2T_FASTPATH\""
}

# conf_profile NAME BRIDGE [LINE...]: a ppp-profile bridging into BRIDGE.
conf_profile() {
	local name=$1 br=$2 line
	shift 2
	printf 'ppp-profile "%s" {\n\tbridge = "%s"\n' "$name" "$br"
	for line in "$@"; do printf '\t%s\n' "$line"; done
	echo "}"
}

# conf_server [LINE...]: an enabled l2tp-server section.
conf_server() {
	local line
	printf 'l2tp-server {\n\tenabled = yes\n'
	for line in "$@"; do printf '\t%s\n' "$line"; done
	echo "}"
}

# conf_secret USER PASSWORD [LINE...]: a ppp-secret for the server.
conf_secret() {
	local user=$1 pass=$2 line
	shift 2
	printf 'ppp-secret "%s" {\n\tpassword = "%s"\n' "$user" "$pass"
	for line in "$@"; do printf '\t%s\n' "$line"; done
	echo "}"
}

# conf_client USER PASSWORD [LINE...]: an l2tp-client section "to-server"
# dialling $PPP_SERVER (default 198.18.0.1) with TAP $PPP_CLIENT_IF (LINEs
# may add profile, allow...).
conf_client() {
	local user=$1 pass=$2 line
	shift 2
	cat <<EOF
l2tp-client "to-server" {
	connect-to = "${PPP_SERVER:-198.18.0.1}"
	user = "$user"
	password = "$pass"
	interface = "$PPP_CLIENT_IF"
EOF
	for line in "$@"; do printf '\t%s\n' "$line"; done
	echo "}"
}

# conf_valid SITE: `l2pwd -n` accepts $T/SITE.conf (a config the test wrote
# wrong would otherwise look like a daemon bug).
conf_valid() { "$L2PWD" -n -c "$T/$1.conf" >/dev/null; }

# ppp_start [-q] SITE...: check each $T/SITE.conf with l2pwd -n, start the
# daemons, wait until every status socket answers.  -q: do not print configs.
ppp_start() {
	local s quiet=0
	if [ "${1:-}" = -q ]; then
		quiet=1
		shift
	fi
	for s in "$@"; do
		if [ "$quiet" = 0 ]; then
			say "  config of site $s ($T/$s.conf):"
			sed 's/^/    | /' "$T/$s.conf"
		fi
		require "site $s: l2pwd -n accepts the config" conf_valid "$s"
		start_daemon "$s" "$T/$s.conf" >/dev/null
	done
	for s in "$@"; do
		require "site $s: l2pwd runs and its status socket answers" wait_daemon "$s" 30
	done
}

# ppp_confs_valid SITE...: l2pwd -n accepts every $T/SITE.conf.
ppp_confs_valid() {
	local s bad=""
	for s in "$@"; do conf_valid "$s" || bad="$bad $s"; done
	[ -z "$bad" ] || {
		echo "rejected:$bad"
		return 1
	}
}
# ppp_all_up SITE...: every daemon's status socket answers.
ppp_all_up() {
	local s
	for s in "$@"; do wait_daemon "$s" 30 || return 1; done
}
# ppp_start_many SITE...: like ppp_start -q for many sites, one assertion
# per step instead of one per site.
ppp_start_many() {
	local s
	require "l2pwd -n accepts the $# configs" ppp_confs_valid "$@"
	for s in "$@"; do
		start_daemon "$s" "$T/$s.conf" >/dev/null
	done
	require "$# daemons run and their status sockets answer" ppp_all_up "$@"
}

# --- status ----------------------------------------------------------------------

# ppp_row SITE USER: the site's interface row whose user is USER (JSON, the
# first if several); fails if the site does not answer or has no such row.
ppp_row() {
	local js
	js=$(site_status "$1") || return 1
	jq -ec --arg u "$2" '[.interfaces[] | select(.user == $u)] | first // empty' <<<"$js"
}

# ppp_get SITE USER KEY: one key of that row ("" if the key is absent).
ppp_get() {
	local row
	row=$(ppp_row "$1" "$2") || return 1
	jq -er --arg k "$3" '.[$k] | if . == null then "" else . end' <<<"$row"
}

# ppp_connected SITE USER
ppp_connected() { [ "$(ppp_get "$1" "$2" status)" = connected ]; }
# ppp_both_connected CLIENT_SITE USER [SERVER_SITE]: the client site and the
# server (default S).
ppp_both_connected() { ppp_connected "$1" "$2" && ppp_connected "${3:-S}" "$2"; }
# ppp_not_connected SITE USER: the site answers and has no connected row for USER.
ppp_not_connected() {
	local js
	js=$(site_status "$1") || return 1
	jq -e --arg u "$2" '[.interfaces[] | select(.user == $u and .status == "connected")] | length == 0' \
		<<<"$js" >/dev/null
}

# ppp_reason SITE USER: the row's status is a reason, i.e. none of the
# state words of the contract; prints it.
ppp_reason() {
	local st
	st=$(ppp_get "$1" "$2" status) || return 1
	echo "site $1 user $2 status: \"$st\""
	case $st in
	"" | connected | connecting | disconnected | disabled) return 1 ;;
	esac
}

# ppp_client_row_reason SITE: like ppp_reason, for the site's only l2tp-client
# row (its user may not be what the server knows).
ppp_client_reason() {
	local js st
	js=$(site_status "$1") || return 1
	st=$(jq -er '[.interfaces[] | select(.kind == "l2tp-client")] | first | .status // ""' <<<"$js") || return 1
	echo "site $1 client status: \"$st\""
	case $st in
	"" | connected | connecting | disconnected | disabled) return 1 ;;
	esac
}

# ppp_kind_is SITE USER KIND
ppp_kind_is() {
	local k
	k=$(ppp_get "$1" "$2" kind) || return 1
	echo "site $1 user $2 kind: $k"
	[ "$k" = "$3" ]
}

# ppp_ids_crosswise CLIENT_SITE USER [SERVER_SITE]: the client row's
# tunnel-id/session-id are the server row's peer ids and the other way round.
ppp_ids_crosswise() {
	local c s k cv sv cp sp srv=${3:-S}
	c=$(ppp_row "$1" "$2") && s=$(ppp_row "$srv" "$2") || return 1
	for k in tunnel-id session-id; do
		cv=$(jq -r --arg k "$k" '.[$k] // ""' <<<"$c")
		sv=$(jq -r --arg k "$k" '.[$k] // ""' <<<"$s")
		cp=$(jq -r --arg k "peer-$k" '.[$k] // ""' <<<"$c")
		sp=$(jq -r --arg k "peer-$k" '.[$k] // ""' <<<"$s")
		echo "$1: $k=$cv peer-$k=$cp; $srv: $k=$sv peer-$k=$sp"
		[ -n "$cv" ] && [ "$cv" != 0 ] && [ -n "$sv" ] && [ "$sv" != 0 ] || return 1
		[ "$cv" = "$sp" ] && [ "$sv" = "$cp" ] || return 1
	done
}

# ppp_mtu_sane SITE USER: mtu and mru are numbers in 64..65535.
ppp_mtu_sane() {
	local mtu mru
	mtu=$(ppp_get "$1" "$2" mtu) && mru=$(ppp_get "$1" "$2" mru) || return 1
	echo "site $1 user $2: mtu $mtu mru $mru"
	[[ $mtu =~ ^[0-9]+$ ]] && [[ $mru =~ ^[0-9]+$ ]] &&
		[ "$mtu" -ge 64 ] && [ "$mtu" -le 65535 ] && [ "$mru" -ge 64 ] && [ "$mru" -le 65535 ]
}

# ppp_count_connected SITE KIND: how many KIND rows are connected.
ppp_count_connected() {
	local js
	js=$(site_status "$1") || {
		echo 0
		return 1
	}
	jq -r --arg k "$2" '[.interfaces[] | select(.kind == $k and .status == "connected")] | length' <<<"$js"
}
# ppp_n_connected SITE KIND N: at least N connected.
ppp_n_connected() { [ "$(ppp_count_connected "$1" "$2")" -ge "$3" ]; }

# ppp_tap SITE USER: the TAP name of USER's row.
ppp_tap() { ppp_get "$1" "$2" name; }

# tap_in_bridge NS IFACE BRIDGE: IFACE exists in NS and is a port of BRIDGE.
tap_in_bridge() {
	local l
	l=$(ip -n "$1" -o link show "$2" 2>&1) || {
		echo "$2 not in $1: $l"
		return 1
	}
	echo "$l" | cut -c1-160
	grep -q "master $3 " <<<"$l"
}
# tap_absent NS IFACE
tap_absent() {
	if ip -n "$1" -o link show "$2" >/dev/null 2>&1; then
		ip -n "$1" -o link show "$2" | cut -c1-160
		return 1
	fi
}
# ppp_user_tap_in_bridge SITE USER: the row's TAP is a port of the site bridge.
ppp_user_tap_in_bridge() {
	local tap
	tap=$(ppp_tap "$1" "$2") || return 1
	[ -n "$tap" ] || return 1
	tap_in_bridge "${SNS[$1]}" "$tap" "${SBR[$1]}"
}

# --- logs ------------------------------------------------------------------------

# log_has SITE ERE: a line of the site's daemon log matches ERE (case-insensitive); prints it.
log_has() { grep -iE -m 3 -- "$2" "${DAEMON_LOG[$1]}"; }
# log_has_auth_fail SITE [WORD]: a line saying authentication failed /
# was refused (and naming WORD, e.g. the user, if given); option-negotiation
# lines (Configure-Nak/Reject of the auth option) do not count.
PPP_AUTH_FAIL_RE='(auth|pap|chap|login|password|secret).*(fail|refus|reject|denied|wrong|invalid|bad)|(fail|refus|reject|denied|wrong|invalid|bad).*(auth|pap|chap|login|password|secret)'
log_has_auth_fail() {
	local lines
	lines=$(grep -iE -- "$PPP_AUTH_FAIL_RE" "${DAEMON_LOG[$1]}" |
		grep -viE 'conf(igure)?[-_ ]?(nak|rej)' || true)
	[ -z "${2:-}" ] || lines=$(grep -F -- "$2" <<<"$lines" || true)
	[ -n "$lines" ] || return 1
	head -n 3 <<<"$lines"
}

# --- tshark ----------------------------------------------------------------------
# lib.sh's ts_count/ts_at_least/ts_none, which fail on a display filter tshark
# refuses (never a count of 0).  pts_none also shows why the first matches
# matched.
pts_count() { ts_count "$@"; }
pts_at_least() { ts_at_least "$@"; }
pts_none() {
	local c
	c=$(ts_count "$1" "$2") || return 1
	echo "$c packets match '$2' (want 0)"
	[ "$c" -eq 0 ] || ts "$1" -Y "$2" -V | grep -E '^Frame|Expert|Malformed|\[' | head -n 20
	[ "$c" -eq 0 ]
}

# --- misc ------------------------------------------------------------------------

# rss_kb PID: VmRSS in kB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# build_kind: which build the daemon under test is (ASan inflates memory).
build_kind() {
	if grep -qa __asan_init "$L2PWD" 2>/dev/null; then
		echo "ASan+UBSan build ($L2PWD)"
	else
		echo "plain build ($L2PWD)"
	fi
}

# ping_pairs SITE...: every host pings every other host (3 echoes, all answered).
ping_pairs() {
	local a b
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" != "$b" ] || continue
			check "host of $a pings host of $b (${SHOST4[$b]})" ping_ok "${HNS[$a]}" "${SHOST4[$b]}" 3
		done
	done
}
# arping_pairs SITE...: every host resolves every other host by ARP.
arping_pairs() {
	local a b
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" != "$b" ] || continue
			check "host of $a resolves host of $b by ARP" arping_ok "${HNS[$a]}" "$PPP_HOST_IF" "${SHOST4[$b]}"
		done
	done
}
