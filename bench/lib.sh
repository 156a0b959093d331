# shellcheck shell=bash disable=SC2034 # results are read by run.sh
#
# bench/lib.sh: topology and measurement helpers for bench/run.sh.
#
# Every row of the benchmark gets a fresh copy of this picture, one network
# namespace per box, all named with the per-run prefix $P:
#
#   $P-hA          $P-sA                                   $P-sB          $P-hB
#  +-------+    +-------------+                        +-------------+    +-------+
#  | eth0  +----+ lan0  brA   |  wan0 ===== WAN ===== wan0 |  brB  lan0 +----+ eth0  |
#  +-------+    |  + tunnel   |  198.18.0.1      198.18.0.2|  tunnel +  |    +-------+
#  192.0.2.1    +-------------+                        +-------------+    192.0.2.2
#
# The tunnel port (VXLAN device, OpenVPN TAP, l2pwd pseudowire TAP) joins the
# site bridge.  The "veth" row is the limit: hA's eth0 and hB's eth0 are the
# two ends of one veth pair.  Links are created with `ip -n NS` only, never in
# the caller's namespace; cleanup stops the PIDs this run started and deletes
# the namespaces it created.

NETNS=()   # namespaces of the current row
PIDS=()    # background processes of the current row
LAST_PID=  # the last one spawn started
# Results per row name; R_STATUS is "ok", "n/a (why)", "failed (why)".
declare -A R_STATUS R_TCP1 R_TCP4 R_PPS R_PPSNOTE R_RTT50 R_RTT99 R_RTTLOSS R_CPU R_MCPU R_TPROC R_FAST R_LOAD R_NOTE
HA_IP=192.0.2.1
HB_IP=192.0.2.2
WA_IP=198.18.0.1
WB_IP=198.18.0.2

log() { printf '%s\n' "$*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or time is up.
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# pin CPU CMD...: run CMD bound to CPU when pinning is on (CPU non-empty).
pin() {
	local cpu=$1
	shift
	if [ -n "$cpu" ]; then
		taskset -c "$cpu" "$@"
	else
		"$@"
	fi
}

# spawn LOG CPU NS CMD...: start CMD in namespace NS (bound to CPU when that
# is not empty) in the background and remember its PID.  taskset and
# `ip netns exec` exec in place, so the PID is the command's own: cleanup
# signals it and /proc/PID/stat accounts for it.
spawn() {
	local out=$1 cpu=$2 ns=$3
	shift 3
	if [ -n "$cpu" ]; then
		set -- taskset -c "$cpu" ip netns exec "$ns" "$@"
	else
		set -- ip netns exec "$ns" "$@"
	fi
	"$@" >"$out" 2>&1 &
	PIDS+=("$!")
	LAST_PID=$!
}

ns_add() {
	local ns=$P-$1
	ip netns add "$ns"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
	# No IPv6: router/neighbour solicitations and MLD would only add noise.
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	# Bridged frames must not detour through netfilter in any row.
	if in_ns "$ns" test -w /proc/sys/net/bridge/bridge-nf-call-iptables; then
		in_ns "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
			net.bridge.bridge-nf-call-arptables=0
	fi
}

# Stop this row's processes (by PID, TERM then KILL) and delete its namespaces.
topo_down() {
	local pid ns i
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for i in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
	# Backstop: anything still living in our namespaces was started by us.
	for ns in "${NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	NETNS=()
}

# The limit: one veth pair between the two hosts.
topo_direct() {
	ns_add hA
	ns_add hB
	ip -n "$P-hA" link add eth0 type veth peer name eth0 netns "$P-hB"
	ip -n "$P-hA" addr add "$HA_IP/24" dev eth0
	ip -n "$P-hB" addr add "$HB_IP/24" dev eth0
	ip -n "$P-hA" link set eth0 up
	ip -n "$P-hB" link set eth0 up
}

# Two sites with LAN bridges and a WAN veth; the row adds the tunnel ports.
topo_sites() {
	local s
	for s in hA sA sB hB; do
		ns_add "$s"
	done
	ip -n "$P-hA" link add eth0 type veth peer name lan0 netns "$P-sA"
	ip -n "$P-hB" link add eth0 type veth peer name lan0 netns "$P-sB"
	ip -n "$P-sA" link add wan0 mtu "$WAN_MTU" type veth peer name wan0 netns "$P-sB" \
		mtu "$WAN_MTU"
	ip -n "$P-hA" addr add "$HA_IP/24" dev eth0
	ip -n "$P-hB" addr add "$HB_IP/24" dev eth0
	ip -n "$P-sA" addr add "$WA_IP/24" dev wan0
	ip -n "$P-sB" addr add "$WB_IP/24" dev wan0
	for s in A B; do
		# tx off: the stack segments and checksums before the WAN veth, so
		# the WAN carries MTU-sized packets as a wire does, in every row
		# (the eBPF fast path needs that on veth: xdp/README).
		if [ "$WAN_OFFLOAD" = off ]; then
			in_ns "$P-s$s" ethtool -K wan0 tx off >/dev/null
		fi
		ip -n "$P-s$s" link add "br$s" type bridge
		ip -n "$P-s$s" link set lan0 master "br$s"
		ip -n "$P-s$s" link set lan0 up
		ip -n "$P-s$s" link set wan0 up
		ip -n "$P-s$s" link set "br$s" up
		ip -n "$P-h$s" link set eth0 up
	done
}

# Until hostA reaches hostB through whatever the row built.
lan_reachable() {
	in_ns "$P-hA" ping -c 1 -W 1 -q "$HB_IP"
}

# --- CPU accounting -----------------------------------------------------
#
# /proc/stat "cpu" line: user nice system idle iowait irq softirq steal ...
# (USER_HZ ticks).  Prints "BUSY SOFTIRQ".
stat_cpu() {
	local _c u n s _i _w irq sirq _rest
	read -r _c u n s _i _w irq sirq _rest </proc/stat
	echo "$((u + n + s + irq + sirq)) $sirq"
}

# utime+stime of a process (all its threads), USER_HZ ticks; 0 when gone.
proc_ticks() {
	local line f
	line=$(cat "/proc/$1/stat" 2>/dev/null) || {
		echo 0
		return
	}
	# Skip "pid (comm) ": comm may contain spaces.
	read -r -a f <<<"${line##*) }"
	echo $((f[11] + f[12]))
}

# Sum of proc_ticks over a list of PIDs.
procs_ticks() {
	local pid t=0
	for pid in "$@"; do
		t=$((t + $(proc_ticks "$pid")))
	done
	echo "$t"
}

# --- measurements -------------------------------------------------------

# iperf3 server on hostB for the row.
iperf_server_start() {
	spawn "$ROWDIR/iperf3-server.log" "$CPU_SERVER" "$P-hB" iperf3 -s -B "$HB_IP" -p 5201
	wait_for 5 in_ns "$P-hB" sh -c "ss -Hltn 'sport = :5201' | grep -q ."
}

# iperf_client OUT ARGS...: one bounded iperf3 run from hostA, JSON in OUT.
iperf_client() {
	local out=$1 secs
	shift
	secs=$BENCH_SECONDS
	pin "$CPU_CLIENT" timeout -k 2 $((secs + 20)) ip netns exec "$P-hA" \
		iperf3 -c "$HB_IP" -p 5201 --connect-timeout 3000 -J "$@" >"$out" 2>&1
}

# rtt_stats FILE: "median p99 loss%" of a ping output.
rtt_stats() {
	local pf=$1 n med p99 loss
	n=$(grep -c 'time=' "$pf" || true)
	loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$pf")
	if [ "$n" -eq 0 ]; then
		echo "- - ${loss:-100}"
		return
	fi
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$pf" | sort -g >"$pf.sorted"
	med=$(sed -n "$(((n + 1) / 2))p" "$pf.sorted")
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" "$pf.sorted")
	echo "$med $p99 ${loss:-0}"
}

# TCP, one stream, with ping -i 0.01 alongside for latency under load.
measure_tcp1() {
	local j=$ROWDIR/tcp1.json pj=$ROWDIR/ping.txt ppid rc=0 pdeadline
	pdeadline=$((BENCH_SECONDS > 2 ? BENCH_SECONDS - 1 : 1))
	(
		sleep 0.5
		exec ip netns exec "$P-hA" ping -n -i 0.01 -w "$pdeadline" "$HB_IP"
	) >"$pj" 2>&1 &
	ppid=$!
	PIDS+=("$ppid")
	iperf_client "$j" -t "$BENCH_SECONDS" || rc=$?
	wait "$ppid" 2>/dev/null || true
	if [ "$rc" -ne 0 ] || ! jq -e .end.sum_received.bytes "$j" >/dev/null 2>&1; then
		log "    tcp1: iperf3 failed: $(jq -r '.error // empty' "$j" 2>/dev/null | head -c 200)"
		return 1
	fi
	R_TCP1["$ROW"]=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$j")
	read -r R_RTT50["$ROW"] R_RTT99["$ROW"] R_RTTLOSS["$ROW"] < <(rtt_stats "$pj")
}

# l2pwd rows: "ALL FAST" packets (rx + tx) of both sites' interfaces from
# `l2pwctl status --json`, FAST the part the eBPF programs handled
# (contract-s2.md: fastpath-rx-packets / fastpath-tx-packets).  Nothing for
# rows without status sockets.
l2pwd_packets() {
	local s all=0 fast=0 a f
	for s in a b; do
		[ -S "$ROWDIR/office-$s.sock" ] || return 1
		read -r a f < <(timeout 5 "$ROW_CTL" -s "$ROWDIR/office-$s.sock" status --json |
			jq -r '([.interfaces[] | (.["rx-packets"] + .["tx-packets"])] | add // 0),
			       ([.interfaces[] | ((.["fastpath-rx-packets"] // 0) + (.["fastpath-tx-packets"] // 0))] | add // 0)' |
			paste -s -d ' ') || return 1
		all=$((all + a))
		fast=$((fast + f))
	done
	echo "$all $fast"
}

# TCP, four streams; CPU accounting over this run (see the method in run.sh),
# and for l2pwd rows the share of packets the fast path carried.
measure_tcp4() {
	local j=$ROWDIR/tcp4.json rc=0 s0 s1 d0 d1 b0 b1 sq0 sq1 gbit cli srv p0 f0 p1 f1
	read -r p0 f0 < <(l2pwd_packets 2>/dev/null || echo "- -")
	read -r b0 sq0 < <(stat_cpu)
	d0=$(procs_ticks "${TUNNEL_PIDS[@]}")
	iperf_client "$j" -t "$BENCH_SECONDS" -P 4 || rc=$?
	d1=$(procs_ticks "${TUNNEL_PIDS[@]}")
	read -r b1 sq1 < <(stat_cpu)
	read -r p1 f1 < <(l2pwd_packets 2>/dev/null || echo "- -")
	if [ "$p0" != - ] && [ "$p1" != - ] && [ $((p1 - p0)) -gt 0 ]; then
		R_FAST["$ROW"]=$(awk -v a=$((p1 - p0)) -v f=$((f1 - f0)) 'BEGIN { printf "%.0f", 100 * f / a }')
	fi
	if [ "$rc" -ne 0 ] || ! jq -e .end.sum_received.bytes "$j" >/dev/null 2>&1; then
		log "    tcp4: iperf3 failed: $(jq -r '.error // empty' "$j" 2>/dev/null | head -c 200)"
		return 1
	fi
	R_TCP4["$ROW"]=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$j")
	gbit=$(jq -r '.end.sum_received.bytes * 8 / 1e9' "$j")
	s0=$(jq -r '.end.sum_sent.seconds' "$j")
	# iperf3 reports its own and its server's CPU as % of the test's wall time.
	cli=$(jq -r ".end.cpu_utilization_percent.host_total * $s0 / 100" "$j")
	srv=$(jq -r ".end.cpu_utilization_percent.remote_total * $s0 / 100" "$j")
	# Tick accounting counts a softirq tick in a process's stime and in the
	# softirq total: the machine's busy time caps the sum.
	s1=$(awk -v c="$cli" -v s="$srv" -v d=$((d1 - d0)) -v q=$((sq1 - sq0)) -v hz="$HZ" \
		-v b=$((b1 - b0)) -v g="$gbit" 'BEGIN {
			t = c + s + (d + q) / hz; if (t > b / hz) t = b / hz
			if (g > 0) printf "%.3f", t / g; else print "-" }')
	R_CPU["$ROW"]=$s1
	# CPU seconds of the userspace tunnel processes: a fast-path row with a
	# busy daemon means the traffic took the slow path.
	if [ ${#TUNNEL_PIDS[@]} -gt 0 ]; then
		R_TPROC["$ROW"]=$(awk -v d=$((d1 - d0)) -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz }')
	fi
	R_MCPU["$ROW"]=$(awk -v b=$((b1 - b0)) -v hz="$HZ" -v g="$gbit" \
		'BEGIN { if (g > 0) printf "%.3f", b / hz / g; else print "-" }')
	printf 'tcp4 cpu: iperf3 client %s s, server %s s, tunnel procs %s ticks, softirq %s ticks, machine busy %s ticks, %s Gbit\n' \
		"$cli" "$srv" $((d1 - d0)) $((sq1 - sq0)) $((b1 - b0)) "$gbit" >>"$ROWDIR/cpu.txt"
}

# udp_at PPS OUT: one UDP run offering PPS packets/s of BENCH_PPS_LEN bytes
# (0 = as fast as one iperf3 sender goes).  Prints "sent_pps recv_pps loss%".
udp_at() {
	local pps=$1 j=$2 bw rc=0
	bw=$((pps * BENCH_PPS_LEN * 8))
	pin "$CPU_CLIENT" timeout -k 2 $((BENCH_PPS_SECONDS + 20)) ip netns exec "$P-hA" \
		iperf3 -c "$HB_IP" -p 5201 --connect-timeout 3000 -J -u -l "$BENCH_PPS_LEN" \
		-b "$bw" -w 4M -t "$BENCH_PPS_SECONDS" >"$j" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || ! jq -e .end.sum.packets "$j" >/dev/null 2>&1; then
		return 1
	fi
	jq -r '.end.sum | "\(.packets / .seconds) \((.packets - .lost_packets) / .seconds) \(.lost_percent)"' "$j"
}

# Highest offered rate with < 1 % loss: probe flat out, then a bounded
# binary search below the rate one sender offers flat out.
measure_pps() {
	local sent recv loss lo=0 hi best=0 bestrecv=0 i mid
	if ! read -r sent recv loss < <(udp_at 0 "$ROWDIR/udp-max.json"); then
		log "    pps: iperf3 failed"
		return 1
	fi
	echo "max: sent $sent recv $recv loss $loss%" >>"$ROWDIR/pps.txt"
	if awk -v l="$loss" 'BEGIN { exit !(l < 1) }'; then
		R_PPS["$ROW"]=$(awk -v r="$recv" 'BEGIN { printf "%.0f", r }')
		R_PPSNOTE["$ROW"]="flat out"
		return 0
	fi
	# Up to what one sender offered flat out, not what got through then:
	# a load spike during the probe must not cap the search.
	hi=$(awk -v r="$sent" 'BEGIN { printf "%.0f", r }')
	for i in $(seq "$BENCH_PPS_STEPS"); do
		mid=$(((lo + hi) / 2))
		read -r sent recv loss < <(udp_at "$mid" "$ROWDIR/udp-$i.json") || {
			log "    pps: iperf3 failed at $mid pps"
			break
		}
		echo "step $i: offered $mid sent $sent recv $recv loss $loss%" >>"$ROWDIR/pps.txt"
		if awk -v l="$loss" 'BEGIN { exit !(l < 1) }'; then
			lo=$mid
			best=$mid
			bestrecv=$recv
		else
			hi=$mid
		fi
	done
	if [ "$best" -eq 0 ]; then
		R_PPS["$ROW"]=-
		R_PPSNOTE["$ROW"]="loss >= 1% at every rate tried, down to $mid pps"
		return 0
	fi
	R_PPS["$ROW"]=$(awk -v r="$bestrecv" 'BEGIN { printf "%.0f", r }')
	R_PPSNOTE["$ROW"]=""
}
