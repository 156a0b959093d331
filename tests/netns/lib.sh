# shellcheck shell=bash
#
# Shared harness for the l2pwd namespace scenarios (tests/netns/NN-*.sh).
# Source it first thing; it re-executes the scenario under a hard timeout.
#
# The standard picture (topo_build), one network namespace per box:
#
#   $P-hA              $P-sA                 $P-wan                 $P-sB              $P-hB
#  +--------+      +------------+        +-------------+        +------------+      +--------+
#  | hostA  |      | siteA      |        | WAN switch  |        | siteB      |      | hostB  |
#  |    $Ph +------+ $PpA       |        |   $Pwbr     |        |      $PpB  +------+ $Ph    |
#  |        |      |  $PbrA     |        | 198.18.0.254|        |     $PbrB  |      |        |
#  |        |      |   +tap $Ppw|        |             |        |  $Ppw tap+ |      |        |
#  |        |      |       $Pwan+--------+ $PwA   $PwB +--------+ $Pwan      |      |        |
#  +--------+      +------------+        +-------------+        +------------+      +--------+
#  192.0.2.1       198.18.0.1                                    198.18.0.2         192.0.2.2
#  2001:db8:1::1   2001:db8::1          2001:db8::fe             2001:db8::2        2001:db8:1::2
#
# l2pwd runs in $P-sA and $P-sB; it creates the TAP ($Ppw unless the scenario
# names it otherwise) and enslaves it to the site bridge.  Everything the
# scenario creates carries the per-run prefix $P (at most 9 characters, and
# no suffix is longer than 6, so names stay within IFNAMSIZ), links are only ever created with
# `ip -n NS`, never in the caller's namespace, and cleanup (trap EXIT) stops
# the daemons and captures this run started, by PID, then deletes the
# namespaces.  No traffic leaves them.
#
# Environment:
#   L2PWD, L2PWCTL   binaries under test (default build-san/, the ASan+UBSan build)
#   L2T_PFX          per-run prefix (default "l2" + hex PID); the runner sets it
#   L2T_TIMEOUT      hard limit in seconds for the whole scenario (set before sourcing)
#   L2T_KEEP=1       keep the temp dir (configs, logs, captures) after the run
#
# Assertions: `check DESC CMD...` runs CMD, prints "ok: DESC" or "FAIL: DESC"
# and carries on; `require DESC CMD...` stops the scenario on failure.  The
# scenario passes only if at least one check ran and none failed, every daemon
# it started was still alive at the end, exited 0 on SIGTERM and left no
# sanitizer report in its log, and no process the scenario started outlived it.

set -eu -o pipefail

# Hard bound: re-run ourselves under timeout(1).  timeout puts us in our own
# process group and signals the whole group, so children die with us and the
# EXIT trap still runs.
if [ -z "${L2T_TIMED:-}" ]; then
	export L2T_TIMED=1
	exec timeout -k 15 "${L2T_TIMEOUT:-180}" bash "$0" "$@"
fi

L2T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
L2PWD=${L2PWD:-$L2T_ROOT/build-san/l2pwd}
L2PWCTL=${L2PWCTL:-$L2T_ROOT/build-san/l2pwctl}
PY=/usr/bin/python3 # Debian's python3 has scapy; a pyenv shim may not
L2T_NAME=${L2T_NAME_OVERRIDE:-$(basename "$0" .sh)}

P=${L2T_PFX:-l2$(printf %x $$)}
if [ ${#P} -gt 9 ] || ! [[ $P =~ ^[a-z0-9]+$ ]]; then
	echo "lib.sh: prefix '$P' must be 1-9 characters [a-z0-9]" >&2
	exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

L2T_NETNS=()          # namespaces we created, deleted at cleanup
L2T_PIDS=()           # every background PID we started
declare -A DAEMON_PID=() # site -> pid
declare -A DAEMON_LOG=() # site -> log file
declare -A DAEMON_NS=()  # site -> namespace
declare -A DAEMON_CONF=()
declare -A SITE_SOCK=() # site -> status socket
declare -A CAP_PID=()   # capture name -> tcpdump pid
L2T_PRE_CLEANUP=()      # commands run first at cleanup (e.g. SIGCONT a stopped daemon)
L2T_FAIL_LOGS=()        # extra files whose tail a failure shows (e.g. charon logs)
L2T_CHECKS=0
L2T_FAILS=0
L2T_T0=$(date +%s%N)

T=$(mktemp -d "/tmp/$P.XXXXXX")

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
# Milliseconds since an arbitrary origin (for measured bounds).
now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { echo "$((($(date +%s%N) - L2T_T0) / 1000000))ms"; }

ok() {
	L2T_CHECKS=$((L2T_CHECKS + 1))
	say "  ok: $*"
}
fail() {
	L2T_CHECKS=$((L2T_CHECKS + 1))
	L2T_FAILS=$((L2T_FAILS + 1))
	say "  FAIL: $*"
}

# check DESC CMD...: one assertion; the command's output is shown on failure.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		fail "$desc (exit $rc)"
		[ -z "$out" ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/      | /'
	fi
	return 0
}

# require DESC CMD...: like check, but the scenario cannot go on without it.
require() {
	local before=$L2T_FAILS
	check "$@"
	if [ "$L2T_FAILS" -ne "$before" ]; then
		say "  cannot continue after this failure"
		exit 1
	fi
}

# check_not DESC CMD...: CMD must fail.
check_not() {
	local desc=$1
	shift
	check "$desc" l2t_not "$@"
}
l2t_not() { ! "$@"; }

# out_has REGEX CMD...: CMD's output matches REGEX.  Not `CMD | grep -q`:
# under pipefail, grep leaving early kills CMD with SIGPIPE and the
# pipeline fails although the line was there.
out_has() {
	local re=$1 out
	shift
	out=$("$@" 2>/dev/null) || true
	grep -qE -- "$re" <<<"$out"
}

# wait_for TIMEOUT CMD...: poll CMD every 0.2 s until it succeeds (0) or
# TIMEOUT seconds pass (1).  No fixed sleeps elsewhere.
wait_for() {
	local t=$1 end
	shift
	end=$(($(now_ms) + t * 1000))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# in_ns NS CMD...: run CMD inside NS.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ns_add() {
	local ns=$1
	if [ -e "/run/netns/$ns" ]; then
		echo "ns_add: namespace $ns already exists (a stale run with prefix $P?)" >&2
		return 1
	fi
	ip netns add "$ns"
	L2T_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	# Addresses are usable at once (no DAD wait), no stray router solicitations.
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
}

# bridge_add NS NAME
bridge_add() {
	ip -n "$1" link add "$2" type bridge stp_state 0 mcast_snooping 0
	ip -n "$1" link set "$2" up
}

# wan_offload_off NS DEV: a site's veth WAN leg behaves like a NIC without
# transmit offloads (`ethtool -K DEV tx off`: the stack finishes checksums and
# segments before the wire).  veth otherwise hands its peer GSO super-frames
# and CHECKSUM_PARTIAL skbs, which the fast path cannot take (xdp/README.md,
# "Test rigs with veth WANs").  Every topology does this in every fast-path
# mode, so off, tc and xdp runs of a scenario see the same rig.
wan_offload_off() {
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
}

# The standard topology of the header.  Sets NS_HA NS_SA NS_W NS_SB NS_HB,
# BR_A BR_B (site bridges), WAN_IF (site side of the WAN, same name in both
# sites), WAN_A WAN_B (switch side), WAN_BR, HOST_IF (same name in both
# hosts), PW_IF (the TAP name scenarios give their pseudowire).
topo_build() {
	NS_HA=$P-hA NS_SA=$P-sA NS_W=$P-wan NS_SB=$P-sB NS_HB=$P-hB
	BR_A=${P}brA BR_B=${P}brB WAN_IF=${P}wan WAN_A=${P}wA WAN_B=${P}wB WAN_BR=${P}wbr
	HOST_IF=${P}h PW_IF=${P}pw
	local ns
	for ns in "$NS_HA" "$NS_SA" "$NS_W" "$NS_SB" "$NS_HB"; do
		ns_add "$ns"
	done

	bridge_add "$NS_W" "$WAN_BR"
	ip -n "$NS_W" addr add 198.18.0.254/24 dev "$WAN_BR"
	ip -n "$NS_W" addr add 2001:db8::fe/64 dev "$WAN_BR" nodad

	local side ns_s ns_h br wan addr4 addr6 h4 h6
	for side in A B; do
		if [ $side = A ]; then
			ns_s=$NS_SA ns_h=$NS_HA br=$BR_A wan=$WAN_A
			addr4=198.18.0.1 addr6=2001:db8::1 h4=192.0.2.1 h6=2001:db8:1::1
		else
			ns_s=$NS_SB ns_h=$NS_HB br=$BR_B wan=$WAN_B
			addr4=198.18.0.2 addr6=2001:db8::2 h4=192.0.2.2 h6=2001:db8:1::2
		fi
		# WAN leg: site <-> WAN switch
		ip -n "$ns_s" link add "$WAN_IF" type veth peer name "$wan" netns "$NS_W"
		ip -n "$NS_W" link set "$wan" master "$WAN_BR" up
		ip -n "$ns_s" addr add "$addr4/24" dev "$WAN_IF"
		ip -n "$ns_s" addr add "$addr6/64" dev "$WAN_IF" nodad
		ip -n "$ns_s" link set "$WAN_IF" up
		wan_offload_off "$ns_s" "$WAN_IF"
		# LAN leg: host <-> site bridge
		bridge_add "$ns_s" "$br"
		ip -n "$ns_h" link add "$HOST_IF" type veth peer name "${P}p$side" netns "$ns_s"
		ip -n "$ns_s" link set "${P}p$side" master "$br" up
		ip -n "$ns_h" addr add "$h4/24" dev "$HOST_IF"
		ip -n "$ns_h" addr add "$h6/64" dev "$HOST_IF" nodad
		ip -n "$ns_h" link set "$HOST_IF" up
	done
	DAEMON_NS[A]=$NS_SA
	DAEMON_NS[B]=$NS_SB
	say "  topology: $NS_HA -- $NS_SA ($BR_A) == $NS_W ($WAN_BR) == $NS_SB ($BR_B) -- $NS_HB"
}

# Is the binary under test there at all?  A missing build is a failure.
require_binaries() {
	require "daemon binary $L2PWD exists" test -x "$L2PWD"
	require "l2pwctl binary $L2PWCTL exists" test -x "$L2PWCTL"
}

# start_daemon SITE CONF: run l2pwd -c CONF in DAEMON_NS[SITE] (set by
# topo_build for A and B), log to $T/SITE.log, remember the PID.  The status
# socket path is read from the config (status-socket = "...").
start_daemon() {
	local site=$1 conf=$2 ns=${DAEMON_NS[$1]} log=$T/$1.log pid
	SITE_SOCK[$site]=$(sed -n 's/^[[:space:]]*status-socket[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$conf" | head -n1)
	[ -n "${SITE_SOCK[$site]}" ] || {
		echo "start_daemon: $conf has no status-socket" >&2
		return 1
	}
	DAEMON_CONF[$site]=$conf
	DAEMON_LOG[$site]=$log
	printf '=== %s: %s -c %s (ns %s)\n' "$(date +%T.%N | cut -c1-12)" "$L2PWD" "$conf" "$ns" >>"$log"
	ip netns exec "$ns" "$L2PWD" -c "$conf" >>"$log" 2>&1 &
	pid=$!
	DAEMON_PID[$site]=$pid
	L2T_PIDS+=("$pid")
	say "  started l2pwd for site $site (pid $pid, ns $ns, log $log)"
}

daemon_alive() { [ -n "${DAEMON_PID[$1]:-}" ] && kill -0 "${DAEMON_PID[$1]}" 2>/dev/null; }

# wait_daemon SITE [TIMEOUT]: until its status socket answers; fails at once if
# the daemon died.
wait_daemon() {
	local site=$1 t=${2:-15} end
	end=$(($(now_ms) + t * 1000))
	while :; do
		daemon_alive "$site" || {
			echo "l2pwd for site $site exited; log tail:"
			tail -n 20 "${DAEMON_LOG[$site]}"
			return 1
		}
		site_status "$site" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -lt "$end" ] || {
			echo "status socket ${SITE_SOCK[$site]} did not answer in ${t}s"
			return 1
		}
		sleep 0.2
	done
}

# stop_daemon SITE: SIGTERM, wait (bounded), then check exit status and log.
stop_daemon() {
	local site=$1 pid=${DAEMON_PID[$1]:-} rc=0 end
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		end=$(($(now_ms) + 10000))
		while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			DAEMON_PID[$site]=
			fail "l2pwd for site $site did not exit within 10 s of SIGTERM"
			return 0
		fi
		wait "$pid" 2>/dev/null || rc=$?
		DAEMON_PID[$site]=
		if [ "$rc" -eq 0 ]; then
			ok "l2pwd for site $site exited 0 on SIGTERM"
		else
			fail "l2pwd for site $site exited $rc on SIGTERM"
		fi
	else
		wait "$pid" 2>/dev/null || rc=$?
		DAEMON_PID[$site]=
		fail "l2pwd for site $site had already exited (status $rc) before cleanup"
	fi
}

# kill_daemon SITE: SIGKILL (scenario 8), reaped, no verdict.
kill_daemon() {
	local pid=${DAEMON_PID[$1]}
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	DAEMON_PID[$1]=
}

# Sanitizer reports anywhere in a daemon log are failures.
check_sanitizers() {
	local site log
	for site in "${!DAEMON_LOG[@]}"; do
		log=${DAEMON_LOG[$site]}
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$log"; then
			fail "sanitizer report in the site $site log"
			grep -E -A12 'ERROR: |runtime error:' "$log" | head -n 40 | sed 's/^/      | /'
		else
			ok "no sanitizer report in the site $site log"
		fi
	done
}

# --- configs -----------------------------------------------------------------

# site_vars SITE: the addressing of one side of the standard topology, for
# here-doc configs: ME4 PEER4 ME6 PEER6 (underlay), BR (site bridge),
# PEER_SITE (the other letter), SITE_NAME.
site_vars() {
	if [ "$1" = A ]; then
		ME4=198.18.0.1 PEER4=198.18.0.2 ME6=2001:db8::1 PEER6=2001:db8::2 BR=$BR_A PEER_SITE=B
	else
		ME4=198.18.0.2 PEER4=198.18.0.1 ME6=2001:db8::2 PEER6=2001:db8::1 BR=$BR_B PEER_SITE=A
	fi
	SITE_NAME=site-$(tr AB ab <<<"$1")
}

# conf_head SITE: the global part of a site config (status socket in $T, the
# site bridge, the WAN interface, debug logs for the failure report).
# L2T_FASTPATH=off|tc|xdp pins the fast path (default: the daemon's default).
conf_head() {
	site_vars "$1"
	cat <<EOF
# $L2T_NAME, site $1 (written by the test)
name = "$SITE_NAME"
status-socket = "$T/$1.sock"
log-level = "debug"
bridge = "$BR"
wan-interface = "$WAN_IF"
EOF
	[ -z "${L2T_FASTPATH:-}" ] || echo "fastpath = \"$L2T_FASTPATH\""
}

# dyn_confs FAMILY [LINE...]: $T/A.conf and $T/B.conf for one dynamic
# pseudowire between the sites (pw-id 100, TAP $PW_IF) over IPv4 or IPv6
# (FAMILY 4|6), each LINE ("key = value") added to the pseudowire section.
dyn_confs() {
	local fam=$1 s l r line
	shift
	for s in A B; do
		site_vars "$s"
		if [ "$fam" = 6 ]; then l=$ME6 r=$PEER6; else l=$ME4 r=$PEER4; fi
		{
			conf_head "$s"
			cat <<EOF
pseudowire "to-site-$PEER_SITE" {
	mode = "dynamic"
	remote = "$r"
	local = "$l"
	pw-id = 100
	interface = "$PW_IF"
EOF
			for line in "$@"; do
				printf '\t%s\n' "$line"
			done
			echo "}"
		} >"$T/$s.conf"
	done
}

# start_sites: start A and B from $T/A.conf and $T/B.conf, wait until both
# status sockets answer.
start_sites() {
	local s
	for s in A B; do
		say "  config of site $s ($T/$s.conf):"
		sed 's/^/    | /' "$T/$s.conf"
		start_daemon "$s" "$T/$s.conf"
	done
	for s in A B; do
		require "site $s: l2pwd runs and its status socket answers" wait_daemon "$s" 20
	done
}

# --- status ------------------------------------------------------------------

# status_json NS SOCK: `l2pwctl -s SOCK status --json` run inside NS.
status_json() {
	timeout 5 ip netns exec "$1" "$L2PWCTL" -s "$2" status --json
}
site_status() { status_json "${DAEMON_NS[$1]}" "${SITE_SOCK[$1]}"; }

# json_field JSON IFACE KEY: one key of one interface row, raw ("" if absent).
json_field() {
	jq -er --arg n "$2" --arg k "$3" \
		'.interfaces[] | select(.name == $n) | .[$k] | if . == null then "" else . end' <<<"$1"
}

# pw_get SITE KEY [IFACE]: a key of the site's pseudowire row (default $PW_IF).
pw_get() {
	local js
	js=$(site_status "$1") || return 1
	json_field "$js" "${3:-$PW_IF}" "$2"
}

# pw_status_is SITE WANT [IFACE]
pw_status_is() { [ "$(pw_get "$1" status "${3:-}")" = "$2" ]; }
pw_connected() { pw_status_is "$1" connected "${2:-}"; }
both_connected() { pw_connected A "${1:-}" && pw_connected B "${1:-}"; }
# pw_not_connected SITE [IFACE]: the site answers, and not "connected".
pw_not_connected() {
	local st
	st=$(pw_get "$1" status "${2:-}") && [ "$st" != connected ]
}

# pw_drops SITE REGEX [IFACE]: sum of the named drop counters matching REGEX.
pw_drops() {
	local js
	js=$(site_status "$1") || return 1
	jq -er --arg n "${3:-$PW_IF}" --arg re "$2" \
		'[.interfaces[] | select(.name == $n) | (.drops // {}) | to_entries[]
		  | select(.key | test($re)) | .value] | add // 0' <<<"$js"
}

# show_status SITE: the human table, for the log.
show_status() {
	say "  l2pwctl status at site $1:"
	timeout 5 ip netns exec "${DAEMON_NS[$1]}" "$L2PWCTL" -s "${SITE_SOCK[$1]}" status 2>&1 |
		sed 's/^/    /' || true
}

# ids_crosswise [IFACE]: our tunnel/session ids are the peer's peer ids, both ways.
ids_crosswise() {
	local i=${1:-$PW_IF} a b k
	a=$(site_status A) && b=$(site_status B) || return 1
	for k in tunnel-id session-id; do
		local ak bk apk bpk
		ak=$(json_field "$a" "$i" "$k") bk=$(json_field "$b" "$i" "$k")
		apk=$(json_field "$a" "$i" "peer-$k") bpk=$(json_field "$b" "$i" "peer-$k")
		echo "A $k=$ak peer-$k=$apk; B $k=$bk peer-$k=$bpk"
		[ -n "$ak" ] && [ "$ak" != 0 ] && [ -n "$bk" ] && [ "$bk" != 0 ] || return 1
		[ "$ak" = "$bpk" ] && [ "$bk" = "$apk" ] || return 1
	done
}

# counter_grew SITE KEY BEFORE [IFACE]
counter_grew() {
	local now
	now=$(pw_get "$1" "$2" "${4:-}") || return 1
	echo "site $1 $2: $3 -> $now"
	[ "$now" -gt "$3" ]
}

# --- traffic -----------------------------------------------------------------

# ping_ok NS DEST [COUNT] [extra ping args...]: every echo answered.
ping_ok() {
	local ns=$1 dst=$2 n=${3:-3}
	shift 3 2>/dev/null || shift $#
	in_ns "$ns" ping -n -c "$n" -i 0.2 -W 2 -w $((n + 5)) "$@" "$dst"
}
# ping_some NS DEST COUNT MIN: at least MIN answers out of COUNT.
ping_some() {
	local out got
	out=$(in_ns "$1" ping -n -c "$3" -i 0.2 -W 1 "$2" 2>&1) || true
	got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
	printf '%s\n' "$out" | tail -n 3
	[ "${got:-0}" -ge "$4" ]
}
# ping_none NS DEST [COUNT]: no answer at all.  Afterwards NS forgets its
# failed ARP/ND lookups: the kernel would otherwise refuse the next pings
# ("Destination Host Unreachable") for a few seconds, whatever the pseudowire
# does by then.
ping_none() {
	local out got
	out=$(in_ns "$1" ping -n -c "${3:-3}" -i 0.3 -W 1 "$2" 2>&1) || true
	ip -n "$1" neigh flush all >/dev/null 2>&1 || true
	got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
	printf '%s\n' "$out" | tail -n 3
	[ "${got:-0}" -eq 0 ]
}
# arping_ok NS IFACE DEST: ARP request/reply across.
arping_ok() { in_ns "$1" arping -c 3 -w 6 -I "$2" "$3"; }

# iperf3_across CLIENT_NS SERVER_NS SERVER_ADDR SECS: a TCP transfer; prints
# "BYTES bytes, N Mbit/s, R retransmits" (also in $T/iperf3.sum) and
# leaves the bytes received in $T/iperf3.bytes.
iperf3_across() {
	local out spid rc=0
	rm -f "$T/iperf3.bytes" "$T/iperf3.sum"
	# Often called inside check's subshell: the server is stopped here, not
	# left to the cleanup's PID list.
	ip netns exec "$2" iperf3 -s -1 -B "$3" >"$T/iperf3-server.out" 2>&1 &
	spid=$!
	if wait_for 10 out_has ':5201' ip netns exec "$2" ss -ltn; then
		out=$(in_ns "$1" timeout $(($4 + 15)) iperf3 -c "$3" -t "$4" -J) || rc=1
	else
		out='{"error": "the iperf3 server did not listen"}'
		rc=1
	fi
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		echo "iperf3 failed: $(jq -r '.error? // empty' <<<"$out" 2>/dev/null)"
		return 1
	fi
	jq '.end.sum_received.bytes' <<<"$out" >"$T/iperf3.bytes"
	jq -r '"\(.end.sum_received.bytes) bytes, \(.end.sum_received.bits_per_second / 1e6 | floor) Mbit/s, \(.end.sum_sent.retransmits) retransmits"' \
		<<<"$out" | tee "$T/iperf3.sum"
}
# iperf3_moves MIN CLIENT_NS SERVER_NS SERVER_ADDR SECS: at least MIN bytes arrived.
iperf3_moves() {
	local min=$1
	shift
	iperf3_across "$@" && [ "$(cat "$T/iperf3.bytes")" -ge "$min" ]
}

# --- captures and tshark -----------------------------------------------------

# cap_start NAME NS IFACE [pcap filter...]: tcpdump into $T/NAME.pcap.
cap_start() {
	local name=$1 ns=$2 dev=$3 pid
	shift 3
	ip netns exec "$ns" tcpdump -i "$dev" -s 0 -U --immediate-mode -n -w "$T/$name.pcap" "$@" 2>"$T/$name.tcpdump.log" &
	pid=$!
	CAP_PID[$name]=$pid
	L2T_PIDS+=("$pid")
	wait_for 10 grep -q 'listening on' "$T/$name.tcpdump.log" || {
		cat "$T/$name.tcpdump.log"
		return 1
	}
}
cap_stop() {
	local pid=${CAP_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	CAP_PID[$1]=
}
cap_file() { echo "$T/$1.pcap"; }

# ts FILE [tshark args...]: read a capture quietly.
ts() {
	local f=$1
	shift
	tshark -n -r "$f" "$@" 2>/dev/null
}
# ts_count FILE FILTER [tshark args...]: packets matching a display filter.
# A filter tshark rejects (a misspelt field) fails with tshark's message
# instead of counting 0, so ts_none cannot pass on a typo.
ts_count() {
	local f=$1 flt=$2 out err
	shift 2
	err=$(mktemp "$T/tshark.XXXXXX")
	out=$(tshark -n -r "$f" "$@" -Y "$flt" -T fields -e frame.number 2>"$err") || {
		grep -v '^Running as' "$err" | head -n 3 >&2
		rm -f "$err"
		return 1
	}
	rm -f "$err"
	grep -c . <<<"$out" || true
}
# ts_at_least N FILE FILTER [args...]
ts_at_least() {
	local n=$1 c
	shift
	c=$(ts_count "$@") || return 1
	echo "$c packets match '$2' (want >= $n)"
	[ "$c" -ge "$n" ]
}
# ts_none FILE FILTER [args...]
ts_none() {
	local c
	c=$(ts_count "$@") || return 1
	echo "$c packets match '$2' (want 0)"
	if [ "$c" -ne 0 ]; then
		ts "$1" "${@:3}" -Y "$2" | head -n 10
	fi
	[ "$c" -eq 0 ]
}
# tshark prefs for L2TPv3 data without the control exchange in the capture.
ts_prefs() { # COOKIE_BYTES(0|4|8) SUBLAYER(none|default)
	local c s
	case $1 in 0) c='None' ;; 4) c='4 Byte Cookie' ;; 8) c='8 Byte Cookie' ;; esac
	case $2 in none) s='None' ;; default) s='Default L2-Specific' ;; esac
	printf '%s\n' -o "l2tp.cookie_size:$c" -o "l2tp.l2_specific:$s" -d 'l2tp.pw_type==0,eth'
}

# --- loss --------------------------------------------------------------------

# wan_loss PCT: drop PCT% of the packets entering the WAN switch from either
# site (nftables netdev ingress on both switch ports: both directions).
wan_loss() {
	ip netns exec "$NS_W" nft -f - <<EOF
table netdev l2tloss {
	chain from_a {
		type filter hook ingress device "$WAN_A" priority 0; policy accept;
		numgen random mod 100 < $1 counter drop
	}
	chain from_b {
		type filter hook ingress device "$WAN_B" priority 0; policy accept;
		numgen random mod 100 < $1 counter drop
	}
}
EOF
}
# wan_loss_dropped: packets the loss rules dropped so far.
wan_loss_dropped() {
	ip netns exec "$NS_W" nft -j list table netdev l2tloss |
		jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add // 0'
}

# --- cleanup -----------------------------------------------------------------

l2t_dump_logs() {
	local site f
	for site in "${!DAEMON_LOG[@]}"; do
		say "---- site $site daemon log (${DAEMON_LOG[$site]}), last 150 lines:"
		tail -n 150 "${DAEMON_LOG[$site]}" | sed 's/^/    /'
		say "---- site $site config (${DAEMON_CONF[$site]}):"
		sed 's/^/    /' "${DAEMON_CONF[$site]}"
	done
	for f in "${L2T_FAIL_LOGS[@]}"; do
		[ -f "$f" ] || continue
		say "---- $f, last 40 lines:"
		tail -n 40 "$f" | sed 's/^/    /'
	done
}

l2t_cleanup() {
	local rc=$? site pid ns c user_checks=$L2T_CHECKS
	trap - EXIT INT TERM HUP ERR
	set +eu
	for c in "${L2T_PRE_CLEANUP[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	# Final status snapshot while the daemons still run (for the failure log).
	if [ "$rc" -ne 0 ] || [ "$L2T_FAILS" -ne 0 ]; then
		for site in "${!DAEMON_PID[@]}"; do
			if daemon_alive "$site"; then
				say "---- site $site status --json at the end:"
				site_status "$site" 2>&1 | sed 's/^/    /'
			fi
		done
	fi
	for site in "${!DAEMON_PID[@]}"; do
		stop_daemon "$site"
	done
	for pid in "${L2T_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
		fi
	done
	for pid in "${L2T_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	[ "${#DAEMON_LOG[@]}" -eq 0 ] || check_sanitizers
	# Anything still running with our temp dir on its command line is a
	# process this run started and failed to stop: a leak.
	for pid in $(pgrep -f -- "$T/" || true); do
		[ "$pid" != $$ ] || continue
		fail "process $pid outlived the scenario: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		kill -KILL "$pid" 2>/dev/null
	done
	# Whatever still runs inside our namespaces is ours and must go too.
	for ns in "${L2T_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			say "  cleanup: ending pid $pid left in $ns: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$rc" -eq 0 ] && [ "$user_checks" -eq 0 ]; then
		say "  FAIL: the scenario asserted nothing"
		L2T_FAILS=1
	fi
	if [ "$rc" -ne 0 ] || [ "$L2T_FAILS" -ne 0 ]; then
		[ "$rc" -ne 0 ] && say "  scenario stopped early (status $rc)"
		l2t_dump_logs
		say "RESULT $L2T_NAME: FAIL ($L2T_FAILS of $L2T_CHECKS checks failed, $(elapsed)); files in $T"
		exit 1
	fi
	say "RESULT $L2T_NAME: PASS ($L2T_CHECKS checks, $(elapsed))"
	[ "${L2T_KEEP:-0}" = 1 ] || rm -rf "$T"
	exit 0
}
l2t_on_err() { say "  error: line $1: '$2' failed (status $3)"; }

trap l2t_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
set -E
trap 'l2t_on_err "$LINENO" "$BASH_COMMAND" "$?"' ERR

[ "$(id -u)" -eq 0 ] || {
	echo "namespace scenarios need root" >&2
	exit 1
}
say "# $L2T_NAME: prefix $P, temp dir $T, daemon $L2PWD"
