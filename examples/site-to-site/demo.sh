#!/bin/bash
# `make demo`: two offices joined at layer 2 by l2pwd, in network namespaces.
#
#   hostA ---- [brA  office-a] ======== WAN ======== [office-b  brB] ---- hostB
#   192.0.2.1        wan0 198.18.0.1          198.18.0.2 wan0            192.0.2.2
#
# Each box is a network namespace named with a per-run prefix; the two
# daemons run with office-a.conf and office-b.conf from this directory
# unchanged except for the status socket, which goes to a temp dir so the
# demo never touches a real install's /run/l2pwd.  The interface names of
# the configs (brA, brB, wan0) exist only inside the demo's namespaces.
# Everything is removed at the end, also on Ctrl-C.  Needs root.
#
# Environment: L2PWD, L2PWCTL (default: build/), L2T_PFX (name prefix).
set -eu -o pipefail

if [ -z "${L2T_TIMED:-}" ]; then # bounded: two minutes at most
	export L2T_TIMED=1
	exec timeout -k 10 120 bash "$0" "$@"
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
L2PWD=${L2PWD:-$ROOT/build/l2pwd}
L2PWCTL=${L2PWCTL:-$ROOT/build/l2pwctl}
P=${L2T_PFX:-l2d$(printf %x $$)}
T=$(mktemp -d "/tmp/$P-demo.XXXXXX")
NS_HA=$P-hostA NS_A=$P-office-a NS_W=$P-wan NS_B=$P-office-b NS_HB=$P-hostB
NETNS=()
PIDS=()
declare -A DPID=()
OK=0

say() { printf '%s\n' "$*"; }
if [ -t 1 ]; then BOLD=$(printf '\033[1m') PLAIN=$(printf '\033[0m'); else BOLD="" PLAIN=""; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"; }
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	set +eu
	step "Cleaning up: stopping the daemons (they send StopCCN) and deleting the namespaces"
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$OK" = 1 ]; then
		rm -rf "$T"
		say "Done."
	else
		say "The demo did not complete (status $rc). Daemon logs:"
		for f in "$T"/*.log; do
			[ -e "$f" ] || continue
			say "---- $f"
			tail -n 60 "$f"
		done
		exit 1
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

[ "$(id -u)" -eq 0 ] || {
	say "The demo creates network namespaces: run it as root."
	exit 1
}
for b in "$L2PWD" "$L2PWCTL"; do
	[ -x "$b" ] || {
		say "$b is missing: run 'make' first."
		exit 1
	}
done

# conf_get FILE KEY: the first `KEY = "value"` of a config.
conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$1" | head -n1; }

step "Reading the two site configs"
for site in a b; do
	sed "s|^\([[:space:]]*status-socket[[:space:]]*=[[:space:]]*\)\"[^\"]*\"|\1\"$T/office-$site.sock\"|" \
		"$HERE/office-$site.conf" >"$T/office-$site.conf"
	say "office-$site.conf (status socket moved to $T/office-$site.sock):"
	grep -vE '^[[:space:]]*(#|$)' "$T/office-$site.conf" | sed 's/^/    /'
done
BR_A=$(conf_get "$T/office-a.conf" bridge)
BR_B=$(conf_get "$T/office-b.conf" bridge)
WAN_A=$(conf_get "$T/office-a.conf" wan-interface)
WAN_B=$(conf_get "$T/office-b.conf" wan-interface)
ADDR_A=$(conf_get "$T/office-a.conf" local)
ADDR_B=$(conf_get "$T/office-b.conf" local)

step "Building the network: five namespaces, two LAN bridges, one WAN switch"
cat <<EOF
    hostA ---- [$BR_A  office-a] ======== WAN ======== [office-b  $BR_B] ---- hostB
    192.0.2.1      $WAN_A $ADDR_A          $ADDR_B $WAN_B         192.0.2.2
EOF
say "Namespaces: $NS_HA $NS_A $NS_W $NS_B $NS_HB"
for ns in "$NS_HA" "$NS_A" "$NS_W" "$NS_B" "$NS_HB"; do
	[ ! -e "/run/netns/$ns" ] || {
		say "namespace $ns exists already (another demo running with prefix $P?)"
		exit 1
	}
	ip netns add "$ns"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
	in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
ip -n "$NS_W" link add "${P}sw" type bridge
ip -n "$NS_W" link set "${P}sw" up
for site in A B; do
	if [ $site = A ]; then
		ns=$NS_A nh=$NS_HA br=$BR_A wan=$WAN_A addr=$ADDR_A host=192.0.2.1
	else
		ns=$NS_B nh=$NS_HB br=$BR_B wan=$WAN_B addr=$ADDR_B host=192.0.2.2
	fi
	ip -n "$ns" link add "$wan" type veth peer name "${P}w$site" netns "$NS_W"
	ip -n "$NS_W" link set "${P}w$site" master "${P}sw" up
	ip -n "$ns" addr add "$addr/24" dev "$wan"
	ip -n "$ns" link set "$wan" up
	ip -n "$ns" link add "$br" type bridge
	ip -n "$ns" link set "$br" up
	ip -n "$nh" link add eth0 type veth peer name "${P}l$site" netns "$ns"
	ip -n "$ns" link set "${P}l$site" master "$br" up
	ip -n "$nh" addr add "$host/24" dev eth0
	ip -n "$nh" link set eth0 up
done
say "The offices reach each other over the WAN:"
in_ns "$NS_A" ping -n -c 1 -W 2 "$ADDR_B" | sed -n '2p' | sed 's/^/    /'
say "but hostA cannot reach hostB yet (no pseudowire):"
if in_ns "$NS_HA" ping -n -c 1 -W 1 192.0.2.2 >/dev/null 2>&1; then
	say "    unexpected: hostA already reaches hostB"
	exit 1
fi
say "    ping 192.0.2.2: no answer"
# Forget the failed ARP lookup, or the kernel answers "unreachable" for a while.
ip -n "$NS_HA" neigh flush dev eth0

step "Starting l2pwd in office-a and office-b"
for site in a b; do
	ns=$P-office-$site
	# ip netns exec execs l2pwd: $! is the daemon itself, for the cleanup.
	ip netns exec "$ns" "$L2PWD" -c "$T/office-$site.conf" >"$T/office-$site.log" 2>&1 &
	PIDS+=($!)
	DPID[$site]=$!
	say "office-$site: l2pwd -c office-$site.conf (pid $!, log $T/office-$site.log)"
done

# row SITE: "name status" of the first interface, from the status socket.
row() {
	timeout 5 ip netns exec "$P-office-$1" "$L2PWCTL" -s "$T/office-$1.sock" status --json 2>/dev/null |
		jq -r '.interfaces[0] | "\(.name) \(.status)"' 2>/dev/null
}

step "Watching the pseudowire come up (SCCRQ, SCCRP, SCCCN, then ICRQ, ICRP, ICCN)"
declare -A last=([a]="" [b]="")
start=$(date +%s%N)
up=0
while [ $((($(date +%s%N) - start) / 1000000000)) -lt 30 ]; do
	up=1
	for site in a b; do
		kill -0 "${DPID[$site]}" 2>/dev/null || {
			say "office-$site: l2pwd exited"
			exit 1
		}
		r=$(row $site) || r=""
		if [ "$r" != "${last[$site]}" ]; then
			ms=$((($(date +%s%N) - start) / 1000000))
			printf '  %3d.%ds  office-%s: %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$site" \
				"${r:-(status socket not answering yet)}"
			last[$site]=$r
		fi
		[ "${r##* }" = connected ] || up=0
	done
	[ $up = 0 ] || break
	sleep 0.2
done
if [ $up = 0 ]; then
	say "The pseudowire did not come up within 30 s."
	exit 1
fi
say "Both offices say: connected."

step "hostA pings hostB across the pseudowire"
in_ns "$NS_HA" ping -n -c 3 -i 0.3 -w 10 192.0.2.2 | sed 's/^/    /'

step "l2pwctl status, office-a"
in_ns "$NS_A" "$L2PWCTL" -s "$T/office-a.sock" status | sed 's/^/    /'
step "l2pwctl status, office-b"
in_ns "$NS_B" "$L2PWCTL" -s "$T/office-b.sock" status | sed 's/^/    /'
say ""
say "hostA (office-a's LAN) reached hostB (office-b's LAN) through a connected L2TPv3 pseudowire."
OK=1
