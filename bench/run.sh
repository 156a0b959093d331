#!/usr/bin/env bash
#
# bench/run.sh (`make bench`): l2pwd's data path side by side with what a user
# would run instead, on the same machine in the same run, one fresh set of
# network namespaces per row (bench/lib.sh draws the picture):
#
#   veth              hostA and hostB on one veth pair: the limit
#   vxlan             kernel VXLAN ports bridged at both sites
#   ovpn-none         OpenVPN, TAP bridged the same way, cleartext
#   ovpn-gcm          OpenVPN, TAP, AES-128-GCM data channel (TLS, generated certs)
#   l2tpv3-udp-MODE   l2pwd, L2TPv3 Ethernet pseudowire over UDP
#   l2tpv3-ip-MODE    l2pwd, L2TPv3 over IP protocol 115
#   l2tpv2-bcp-MODE   l2pwd, L2TPv2 + PPP + BCP (l2tp-server / l2tp-client)
#     MODE is the daemon's `fastpath` setting: off (slow path), xdp, tc.
#     A row whose mode the daemon does not do yet (status shows another
#     fastpath, or no such interface) says "n/a (not implemented ...)".
#
# Measures per row: iperf3 TCP one stream and four streams, the UDP packet
# rate with BENCH_PPS_LEN-byte datagrams at < 1 % loss (binary search),
# ping -i 0.01 RTT during the one-stream TCP run, CPU seconds per Gbit during
# the four-stream run, and for l2pwd rows the share of packets the eBPF
# fast path carried (from the daemon's status).  Prints a Markdown report on
# stdout (progress on stderr).  A measured row takes about 20 s at
# BENCH_SECONDS=2 and 25-35 s at the default 5, an n/a row a second or two:
# all 13 rows measured take about 6-7 minutes.  Needs root, iperf3, jq,
# ethtool; openvpn (and openssl for certificates) for the OpenVPN rows, which
# say n/a without them.
#
# Environment:
#   BENCH_SECONDS=5        seconds per TCP measurement
#   BENCH_PPS_SECONDS=2    seconds per UDP rate step
#   BENCH_PPS_STEPS=5      binary search steps after the flat-out probe
#   BENCH_PPS_LEN=64       UDP payload bytes for the packet rate
#   BENCH_ONLY=a,b*        rows to run (names or shell patterns, comma separated)
#   BENCH_REPEAT=1         runs per row, round robin over the rows; the table
#                          shows medians (and min-max of the throughput figures)
#   BENCH_PIN=auto|0|1     pin iperf3 client/server and the two tunnel processes
#                          to CPUs 0-3 (auto: when there are at least 4 CPUs)
#   BENCH_WAN_MTU=1600     WAN veth MTU: every tunnel carries 1500-byte LAN frames
#                          unfragmented
#   BENCH_WAN_OFFLOAD=off  `ethtool -K wan0 tx off` on both WAN veths (on: leave
#                          veth's offloads, GSO super-frames cross the WAN)
#   BENCH_BUDGET=570       seconds; rows that would not fit are skipped, and the
#                          whole run is killed 60 s after it
#   BENCH_OVPN_NONE=       keyless | tls: how the cleartext OpenVPN row runs
#                          (default: keyless before OpenVPN 2.7, tls from 2.7)
#   BENCH_OUT=FILE         also write the report to FILE
#   BENCH_KEEP=1           keep the work directory (configs, logs, JSON)
#   L2PWD, L2PWCTL         binaries (default build/l2pwd, build/l2pwctl)
#   BENCH_BASE=DIR         another l2pwd build (DIR/build/l2pwd, DIR/build/l2pwctl,
#                          e.g. an older commit): adds its slow-path rows
#                          (*-base) to the same run, for before/after figures;
#                          BENCH_BASE_DESC names it in the report

set -eu -o pipefail

BENCH_BUDGET=${BENCH_BUDGET:-570}
# Hard bound: re-run under timeout(1), which signals our whole process group;
# the EXIT trap still cleans up.
if [ -z "${BENCH_TIMED:-}" ]; then
	export BENCH_TIMED=1
	exec timeout -k 10 $((BENCH_BUDGET + 60)) bash "$0" "$@"
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

BENCH_SECONDS=${BENCH_SECONDS:-5}
BENCH_PPS_SECONDS=${BENCH_PPS_SECONDS:-2}
BENCH_PPS_STEPS=${BENCH_PPS_STEPS:-5}
BENCH_PPS_LEN=${BENCH_PPS_LEN:-64}
BENCH_ONLY=${BENCH_ONLY:-}
BENCH_REPEAT=${BENCH_REPEAT:-1}
BENCH_PIN=${BENCH_PIN:-auto}
WAN_MTU=${BENCH_WAN_MTU:-1600}
WAN_OFFLOAD=${BENCH_WAN_OFFLOAD:-off}
L2PWD=${L2PWD:-$ROOT/build/l2pwd}
L2PWCTL=${L2PWCTL:-$ROOT/build/l2pwctl}
BENCH_BASE=${BENCH_BASE:-}
HZ=$(getconf CLK_TCK)
T0=$(date +%s)

ALL_ROWS=(veth vxlan ovpn-none ovpn-gcm
	l2tpv3-udp-off l2tpv3-udp-xdp l2tpv3-udp-tc
	l2tpv3-ip-off l2tpv3-ip-xdp l2tpv3-ip-tc
	l2tpv2-bcp-off l2tpv2-bcp-xdp l2tpv2-bcp-tc)
BASE_DESC=""
if [ -n "$BENCH_BASE" ]; then
	if [ ! -x "$BENCH_BASE/build/l2pwd" ] || [ ! -x "$BENCH_BASE/build/l2pwctl" ]; then
		echo "bench: BENCH_BASE=$BENCH_BASE has no build/l2pwd and build/l2pwctl" >&2
		exit 2
	fi
	BASE_DESC=${BENCH_BASE_DESC:-$(git -C "$BENCH_BASE" describe --always 2>/dev/null ||
		basename "$BENCH_BASE")}
	ALL_ROWS+=(l2tpv3-udp-base l2tpv3-ip-base l2tpv2-bcp-base)
fi
declare -A LABEL=(
	[veth]="raw veth, no tunnel (limit)"
	[vxlan]="kernel VXLAN, bridged"
	[ovpn-none]="OpenVPN TAP, no cipher"
	[ovpn-gcm]="OpenVPN TAP, AES-128-GCM"
	[l2tpv3-udp-off]="l2pwd L2TPv3/UDP, slow path"
	[l2tpv3-udp-xdp]="l2pwd L2TPv3/UDP, fastpath xdp"
	[l2tpv3-udp-tc]="l2pwd L2TPv3/UDP, fastpath tc"
	[l2tpv3-ip-off]="l2pwd L2TPv3/IP, slow path"
	[l2tpv3-ip-xdp]="l2pwd L2TPv3/IP, fastpath xdp"
	[l2tpv3-ip-tc]="l2pwd L2TPv3/IP, fastpath tc"
	[l2tpv2-bcp-off]="l2pwd L2TPv2/BCP, slow path"
	[l2tpv2-bcp-xdp]="l2pwd L2TPv2/BCP, fastpath xdp"
	[l2tpv2-bcp-tc]="l2pwd L2TPv2/BCP, fastpath tc"
)
LABEL[l2tpv3-udp-base]="l2pwd L2TPv3/UDP, slow path, base build"
LABEL[l2tpv3-ip-base]="l2pwd L2TPv3/IP, slow path, base build"
LABEL[l2tpv2-bcp-base]="l2pwd L2TPv2/BCP, slow path, base build"

for v in BENCH_SECONDS BENCH_PPS_SECONDS BENCH_PPS_STEPS BENCH_PPS_LEN BENCH_REPEAT WAN_MTU \
	BENCH_BUDGET; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "bench: $v must be a positive integer (got '${!v}')" >&2
		exit 2
	fi
done
if [ "$BENCH_PPS_LEN" -lt 16 ]; then
	echo "bench: BENCH_PPS_LEN must be at least 16 (iperf3's own header)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces)" >&2
	exit 2
fi
case $BENCH_PIN in
auto | 0 | 1) ;;
*)
	echo "bench: BENCH_PIN must be auto, 0 or 1" >&2
	exit 2
	;;
esac
if [ "$WAN_OFFLOAD" != on ] && [ "$WAN_OFFLOAD" != off ]; then
	echo "bench: BENCH_WAN_OFFLOAD must be on or off" >&2
	exit 2
fi
for tool in ip iperf3 jq ping taskset timeout ss awk ethtool; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench: $tool missing (scripts/install-deps.sh installs it)" >&2
		exit 2
	fi
done

NCPU=$(nproc)
CPU_CLIENT="" CPU_SERVER="" CPU_SITEA="" CPU_SITEB=""
OVPN_NONE_HOW=""
if [ "$BENCH_PIN" = 1 ] || { [ "$BENCH_PIN" = auto ] && [ "$NCPU" -ge 4 ]; }; then
	if [ "$NCPU" -ge 4 ]; then
		CPU_CLIENT=0 CPU_SERVER=1 CPU_SITEA=2 CPU_SITEB=3
	else
		# Fewer than four CPUs: keep the two ends apart, tunnels with them.
		CPU_CLIENT=0 CPU_SERVER=$((NCPU - 1)) CPU_SITEA=0 CPU_SITEB=$((NCPU - 1))
	fi
fi

# Per-run prefix: namespaces are $P-hA, $P-sA, ...
P=bn$(printf %x $$)
WORK=$(mktemp -d "/tmp/l2pwd-bench.XXXXXX")

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	topo_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "bench: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

selected() {
	local r=$1 pat pats
	[ -n "$BENCH_ONLY" ] || return 0
	IFS=, read -r -a pats <<<"$BENCH_ONLY"
	for pat in "${pats[@]}"; do
		# shellcheck disable=SC2053 # the pattern is meant to glob
		[[ $r == $pat ]] && return 0
	done
	return 1
}

# --- rows: each builds its topology and tunnel, fills TUNNEL_PIDS, or sets
# R_STATUS[row] to "n/a (...)" / "failed (...)" and returns 1. ----------------

setup_veth() {
	topo_direct
}

setup_vxlan() {
	local s l r
	topo_sites
	for s in A B; do
		if [ $s = A ]; then l=$WA_IP r=$WB_IP; else l=$WB_IP r=$WA_IP; fi
		ip -n "$P-s$s" link add vx0 type vxlan id 100 local "$l" remote "$r" \
			dstport 4789 dev wan0
		ip -n "$P-s$s" link set vx0 master "br$s"
		ip -n "$P-s$s" link set vx0 up
	done
}

# OpenVPN point-to-point over UDP 1194 into a TAP on each site's bridge.
# --mssfix 0: every row carries the hosts' own 1500-byte frames (the WAN MTU
# leaves room), so OpenVPN must not clamp the hosts' TCP MSS either.
ovpn_start() {
	local s=$1 l=$2 r=$3 cpu=$4
	shift 4
	ip -n "$P-s$s" tuntap add dev ovpn0 mode tap
	ip -n "$P-s$s" link set ovpn0 master "br$s"
	ip -n "$P-s$s" link set ovpn0 up
	spawn "$ROWDIR/openvpn-$s.log" "$cpu" "$P-s$s" \
		openvpn --dev ovpn0 --dev-type tap --proto udp --local "$l" --lport 1194 \
		--remote "$r" --rport 1194 --disable-dco --mssfix 0 \
		--sndbuf 4194304 --rcvbuf 4194304 --txqueuelen 1000 --verb 3 "$@"
	TUNNEL_PIDS+=("$LAST_PID")
}

# A throw-away CA and one certificate per site for OpenVPN's TLS mode.
ovpn_certs() {
	local d=$1 s
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 2 -subj /CN=bench-ca -keyout "$d/ca.key" -out "$d/ca.crt" >"$d/openssl.log" 2>&1
	for s in A B; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=site$s" -keyout "$d/$s.key" -out "$d/$s.csr" >>"$d/openssl.log" 2>&1
		openssl x509 -req -in "$d/$s.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -out "$d/$s.crt" >>"$d/openssl.log" 2>&1
	done
}

# ovpn_tls CIPHER EXTRA...: both sites in TLS mode, data channel CIPHER.
ovpn_tls() {
	local cipher=$1 d=$ROWDIR want
	shift
	if ! command -v openssl >/dev/null; then
		R_STATUS[$ROW]="n/a (openssl command missing: apt-get install openssl)"
		return 1
	fi
	ovpn_certs "$d"
	ovpn_start A "$WA_IP" "$WB_IP" "$CPU_SITEA" --tls-server --dh none \
		--ca "$d/ca.crt" --cert "$d/A.crt" --key "$d/A.key" --data-ciphers "$cipher" "$@"
	ovpn_start B "$WB_IP" "$WA_IP" "$CPU_SITEB" --tls-client \
		--ca "$d/ca.crt" --cert "$d/B.crt" --key "$d/B.key" --data-ciphers "$cipher" "$@"
	if ! wait_for 20 grep -q 'Initialization Sequence Completed' "$d/openvpn-B.log"; then
		R_STATUS[$ROW]="failed (OpenVPN TLS did not complete; see openvpn-B.log)"
		return 1
	fi
	want=$cipher
	[ "$cipher" != none ] || want="[null-cipher]"
	if ! grep -qF "Data Channel: cipher '$want'" "$d/openvpn-B.log"; then
		R_STATUS[$ROW]="failed (data channel is not $cipher)"
		return 1
	fi
}

# Cleartext: 2.6 runs without any key ("--cipher none --auth none", nothing
# negotiated); 2.7 removes keyless mode, so there (or with
# BENCH_OVPN_NONE=tls) TLS negotiates the "none" data cipher instead, without
# HMAC and without the 64 MB renegotiation 2.6 forces on 64-bit ciphers.
# GCM: 2.6 has no AEAD cipher in static-key mode ("Cipher 'AES-128-GCM' mode
# not supported"), so it is TLS as well.
setup_ovpn() {
	local mode=$1 v how
	if ! command -v openvpn >/dev/null; then
		R_STATUS[$ROW]="n/a (openvpn not installed: apt-get install openvpn)"
		return 1
	fi
	topo_sites
	if [ "$mode" = gcm ]; then
		ovpn_tls AES-128-GCM
		return
	fi
	v=$(openvpn --version | head -n 1 | cut -d' ' -f2)
	how=${BENCH_OVPN_NONE:-$(printf '%s\n' 2.7 "$v" | sort -V | head -n 1 |
		sed 's/^2\.7$/tls/; /^tls$/!s/.*/keyless/')}
	OVPN_NONE_HOW=$how
	if [ "$how" = tls ]; then
		ovpn_tls none --auth none --reneg-bytes 0
	else
		ovpn_start A "$WA_IP" "$WB_IP" "$CPU_SITEA" --cipher none --auth none
		ovpn_start B "$WB_IP" "$WA_IP" "$CPU_SITEB" --cipher none --auth none
	fi
}

# l2pwd_conf SIDE ENCAP|v2 FASTPATH: one site's config, after
# examples/site-to-site/office-{a,b}.conf.
l2pwd_conf() {
	local s=$1 kind=$2 fp=$3 me peer l r
	if [ "$s" = A ]; then me=a peer=b l=$WA_IP r=$WB_IP; else me=b peer=a l=$WB_IP r=$WA_IP; fi
	cat <<EOF
name = "office-$me"
status-socket = "$ROWDIR/office-$me.sock"
bridge = "br$s"
wan-interface = "wan0"
fastpath = "$fp"
EOF
	case $kind in
	udp | ip)
		cat <<EOF
pseudowire "to-office-$peer" {
  remote = "$r"
  local = "$l"
  encap = "$kind"
  pw-id = 100
}
EOF
		;;
	v2)
		# RouterOS style: site A serves, site B dials; BCP bridges both.
		# No MPPE, no Multilink: MTU/MRU 1600 (the WAN has room) so a
		# 1514-byte frame goes as one PPP packet, as in the L2TPv3 rows.
		cat <<EOF
ppp-profile "bridged" {
  bridge = "br$s"
  use-encryption = "no"
}
EOF
		if [ "$s" = A ]; then
			cat <<EOF
l2tp-server {
  enabled = yes
  listen = "$l"
  authentication = {mschap2}
  default-profile = "bridged"
  max-mtu = 1600
  max-mru = 1600
}
ppp-secret "office-b" {
  password = "bench-secret"
  profile = "bridged"
}
EOF
		else
			cat <<EOF
l2tp-client "to-office-a" {
  connect-to = "$r"
  user = "office-b"
  password = "bench-secret"
  profile = "bridged"
  allow = {mschap2}
  max-mtu = 1600
  max-mru = 1600
}
EOF
		fi
		;;
	esac
}

# status_field SIDE JQ: a value from `l2pwctl status --json` of one site.
status_json() {
	timeout 5 "$ROW_CTL" -s "$ROWDIR/office-$1.sock" status --json 2>/dev/null
}
# Both sites show an interface with status "connected".
l2pwd_connected() {
	local s
	for s in a b; do
		status_json "$s" | jq -e '[.interfaces[] | select(.status == "connected")] | length > 0' \
			>/dev/null || return 1
	done
}

setup_l2pwd() {
	local kind=$1 fp=$2 s lc conf err fps
	ROW_D=$L2PWD ROW_CTL=$L2PWCTL
	if [ "$fp" = base ]; then
		ROW_D=$BENCH_BASE/build/l2pwd ROW_CTL=$BENCH_BASE/build/l2pwctl fp=off
	fi
	for s in "$ROW_D" "$ROW_CTL"; do
		if [ ! -x "$s" ]; then
			R_STATUS[$ROW]="n/a ($s not built: make)"
			return 1
		fi
	done
	for s in A B; do
		lc=$(echo "$s" | tr AB ab)
		conf=$ROWDIR/office-$lc.conf
		l2pwd_conf "$s" "$kind" "$fp" >"$conf"
		if ! err=$("$ROW_D" -n -c "$conf" 2>&1 >/dev/null); then
			R_STATUS[$ROW]="n/a (config rejected: $(echo "$err" | head -n 1))"
			return 1
		fi
	done
	topo_sites
	spawn "$ROWDIR/l2pwd-a.log" "$CPU_SITEA" "$P-sA" "$ROW_D" -c "$ROWDIR/office-a.conf"
	TUNNEL_PIDS+=("$LAST_PID")
	spawn "$ROWDIR/l2pwd-b.log" "$CPU_SITEB" "$P-sB" "$ROW_D" -c "$ROWDIR/office-b.conf"
	TUNNEL_PIDS+=("$LAST_PID")
	for s in a b; do
		if ! wait_for 10 status_json $s; then
			R_STATUS[$ROW]="failed (site $s: no answer on the status socket; see l2pwd-$s.log)"
			return 1
		fi
	done
	# A site always shows the rows it configured (pseudowires, l2tp-client)
	# while they connect; the L2TPv2 server's rows appear with sessions.
	for s in a b; do
		[ "$kind$s" != v2a ] || continue
		if ! status_json $s | jq -e '.interfaces | length > 0' >/dev/null; then
			R_STATUS[$ROW]="n/a (not implemented: site $s shows no interface for this config)"
			return 1
		fi
	done
	if ! wait_for 20 l2pwd_connected; then
		R_STATUS[$ROW]="failed (not connected within 20 s: $(status_json a |
			jq -r '[.interfaces[].status] | join(",")' 2>/dev/null))"
		return 1
	fi
	for s in a b; do
		fps=$(status_json $s | jq -r '[.interfaces[].fastpath] | unique | join(",")')
		if [ "$fps" != "$fp" ]; then
			R_STATUS[$ROW]="n/a (not implemented: fastpath \"$fp\" configured, daemon reports \"$fps\")"
			return 1
		fi
	done
}

setup_row() {
	case $1 in
	veth) setup_veth ;;
	vxlan) setup_vxlan ;;
	ovpn-none) setup_ovpn none ;;
	ovpn-gcm) setup_ovpn gcm ;;
	l2tpv3-udp-*) setup_l2pwd udp "${1#l2tpv3-udp-}" ;;
	l2tpv3-ip-*) setup_l2pwd ip "${1#l2tpv3-ip-}" ;;
	l2tpv2-bcp-*) setup_l2pwd v2 "${1#l2tpv2-bcp-}" ;;
	*) return 1 ;;
	esac
}

# Worst-case seconds a measured row takes (setup, five iperf3 start-ups).
row_estimate() {
	echo $((2 * (BENCH_SECONDS + 1) + (BENCH_PPS_STEPS + 1) * (BENCH_PPS_SECONDS + 1) + 15))
}

run_row() {
	local t0 rc=0 v
	ROWDIR=$WORK/$ROW.$REP
	mkdir -p "$ROWDIR"
	TUNNEL_PIDS=()
	for v in R_STATUS R_TCP1 R_TCP4 R_PPS R_PPSNOTE R_RTT50 R_RTT99 R_RTTLOSS R_CPU R_MCPU R_TPROC R_FAST R_LOAD R_NOTE; do
		unset "${v}[$ROW]"
	done
	t0=$(date +%s)
	R_LOAD[$ROW]=$(cut -d' ' -f1 /proc/loadavg)
	log "== $ROW: ${LABEL[$ROW]} (run $REP of $BENCH_REPEAT, load $(cut -d' ' -f1-3 /proc/loadavg))"
	if ! setup_row "$ROW"; then
		[ -n "${R_STATUS[$ROW]:-}" ] || R_STATUS[$ROW]="failed (setup)"
		log "   ${R_STATUS[$ROW]}"
		topo_down
		return 0
	fi
	if ! wait_for 20 lan_reachable; then
		R_STATUS[$ROW]="failed (hostA cannot ping hostB)"
		log "   ${R_STATUS[$ROW]}"
		topo_down
		return 0
	fi
	iperf_server_start || {
		R_STATUS[$ROW]="failed (iperf3 server did not start)"
		topo_down
		return 0
	}
	measure_tcp1 || rc=1
	measure_tcp4 || rc=1
	measure_pps || rc=1
	# A tunnel process that died mid-run makes the figures meaningless.
	for pid in "${TUNNEL_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || {
			rc=1
			R_NOTE[$ROW]="tunnel process $pid died"
		}
	done
	R_STATUS[$ROW]=$([ $rc -eq 0 ] && echo ok || echo "failed (${R_NOTE[$ROW]:-a measurement failed})")
	log "   tcp1 ${R_TCP1[$ROW]:-?} Gbit/s, tcp4 ${R_TCP4[$ROW]:-?} Gbit/s," \
		"pps ${R_PPS[$ROW]:-?} ${R_PPSNOTE[$ROW]:-}, rtt ${R_RTT50[$ROW]:-?}/${R_RTT99[$ROW]:-?} ms," \
		"cpu ${R_CPU[$ROW]:-?} s/Gbit ($(($(date +%s) - t0)) s)"
	topo_down
}

# Runs of a row: the figures of every successful run (space-separated lists),
# counts, and the verdict of rows that cannot run at all.
# shellcheck disable=SC2034 # read through namerefs
declare -A L_TCP1 L_TCP4 L_PPS L_RTT50 L_RTT99 L_RTTLOSS L_CPU L_MCPU L_TPROC L_FAST L_LOAD
declare -A N_OK N_FAIL N_FLAT LAST_FAIL FINAL

# Keep what run_row found for ROW.
collect() {
	local v
	case ${R_STATUS[$ROW]} in
	ok)
		N_OK[$ROW]=$((${N_OK[$ROW]:-0} + 1))
		[ "${R_PPSNOTE[$ROW]:-}" != "flat out" ] || N_FLAT[$ROW]=$((${N_FLAT[$ROW]:-0} + 1))
		for v in TCP1 TCP4 PPS RTT50 RTT99 RTTLOSS CPU MCPU TPROC FAST LOAD; do
			local -n src=R_$v dst=L_$v
			dst["$ROW"]="${dst["$ROW"]:-} ${src["$ROW"]:--}"
			unset -n src dst
		done
		;;
	n/a* | skipped*) FINAL[$ROW]=${R_STATUS[$ROW]} ;;
	*)
		N_FAIL[$ROW]=$((${N_FAIL[$ROW]:-0} + 1))
		LAST_FAIL[$ROW]=${R_STATUS[$ROW]}
		;;
	esac
}

# stats LIST: "median min max" of the numbers in LIST ("-" entries ignored).
stats() {
	tr ' ' '\n' <<<"$1" | grep -E '^[0-9.eE+-]+$' | grep -v '^-$' | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "- - -"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR] }'
}

# Round robin: every row once, then again, so load changes on the machine
# spread over all rows instead of hitting one.
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS_RUN=()
for ROW in "${ALL_ROWS[@]}"; do
	selected "$ROW" && ROWS_RUN+=("$ROW")
done
if [ ${#ROWS_RUN[@]} -eq 0 ]; then
	echo "bench: BENCH_ONLY='$BENCH_ONLY' matches no row (rows: ${ALL_ROWS[*]})" >&2
	exit 2
fi
for REP in $(seq "$BENCH_REPEAT"); do
	for ROW in "${ROWS_RUN[@]}"; do
		[ -z "${FINAL[$ROW]:-}" ] || continue
		if [ $(($(date +%s) - T0 + $(row_estimate))) -gt "$BENCH_BUDGET" ]; then
			R_STATUS[$ROW]="skipped (time budget BENCH_BUDGET=$BENCH_BUDGET s)"
			[ "${N_OK[$ROW]:-0}" -gt 0 ] || FINAL[$ROW]=${R_STATUS[$ROW]}
			continue
		fi
		run_row
		collect
	done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# Medians over the successful runs; R_SPREAD keeps "min-max" for the table.
# shellcheck disable=SC2034 # read by fig
declare -A R_SPREAD
for ROW in "${ROWS_RUN[@]}"; do
	if [ "${N_OK[$ROW]:-0}" -eq 0 ]; then
		R_STATUS[$ROW]=${FINAL[$ROW]:-${LAST_FAIL[$ROW]:-not run}}
		continue
	fi
	R_STATUS[$ROW]=ok
	for v in TCP1 TCP4 PPS RTT50 RTT99 RTTLOSS CPU MCPU TPROC FAST LOAD; do
		declare -n lsrc=L_$v rdst=R_$v
		read -r med lo hi < <(stats "${lsrc[$ROW]}")
		# shellcheck disable=SC2034 # a nameref to R_$v
		rdst["$ROW"]=$med
		R_SPREAD[$v.$ROW]="$lo $hi"
		unset -n lsrc rdst
	done
	R_PPSNOTE[$ROW]=""
	if [ "${N_FLAT[$ROW]:-0}" -eq "${N_OK[$ROW]}" ]; then
		R_PPSNOTE[$ROW]="flat out"
	elif [ "${N_FLAT[$ROW]:-0}" -gt 0 ]; then
		R_PPSNOTE[$ROW]="flat out in ${N_FLAT[$ROW]} of ${N_OK[$ROW]} runs"
	fi
	[ "${R_PPS[$ROW]}" != - ] || R_PPSNOTE[$ROW]="loss >= 1% at every rate tried"
	R_NOTE[$ROW]=""
	[ "${N_FAIL[$ROW]:-0}" -eq 0 ] ||
		R_NOTE[$ROW]="${N_FAIL[$ROW]} of $BENCH_REPEAT runs failed, last: ${LAST_FAIL[$ROW]}"
done

# --- report --------------------------------------------------------------

# fmt VALUE DIGITS: a number, or "-" when there is none.
fmt() {
	if [ -z "$1" ] || [ "$1" = - ]; then
		echo "-"
	else
		awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'
	fi
}
# ratio A B: A/B with two decimals, "-" when either is missing.
ratio() {
	if [ -z "$1" ] || [ -z "$2" ] || [ "$1" = - ] || [ "$2" = - ]; then
		echo "-"
	else
		awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
	fi
}
measured() { [ "${R_STATUS[$1]:-}" = ok ]; }
# fshare PERCENT: "NN %", or "-" for rows without l2pwd status.
fshare() {
	if [ -z "$1" ] || [ "$1" = - ]; then echo "-"; else echo "$(fmt "$1" 0) %"; fi
}
val() {
	local -n arr=$1
	measured "$2" && echo "${arr[$2]:-}" || echo ""
}

# target ROW WHAT ARRAY BASEROW MIN: one checked target line.
target() {
	local row=$1 what=$2 arr=$3 base=$4 min=$5 r
	if ! measured "$base"; then
		echo "- ${LABEL[$row]}: $what >= ${min}x ${LABEL[$base]}: not checked (baseline ${R_STATUS[$base]:-not run})"
		return
	fi
	r=$(ratio "$(val "$arr" "$row")" "$(val "$arr" "$base")")
	awk -v r="$r" -v m="$min" -v row="${LABEL[$row]}" -v w="$what" -v b="${LABEL[$base]}" 'BEGIN {
		if (r >= m) printf "- %s: %s %.2fx %s (target >= %sx): **met**\n", row, w, r, b, m;
		else printf "- %s: %s %.2fx %s (target >= %sx): **missed** by %.0f%% (%.2fx short)\n",
			row, w, r, b, m, (1 - r / m) * 100, m - r }'
}
# tv ROW ARRAY: a measured row's figure.
tv() { val "$2" "$1"; }

# fig METRIC ROW DIGITS DIVISOR: the median, with "(min-max)" after several runs.
fig() {
	local -n m=R_$1
	local lo hi
	printf '%s' "$(fmt "$(awk -v v="${m[$2]:-}" -v d="$4" 'BEGIN { if (v != "" && v != "-") print v / d }')" "$3")"
	read -r lo hi <<<"${R_SPREAD[$1.$2]:-- -}"
	if [ "${N_OK[$2]:-0}" -gt 1 ] && [ "$lo" != - ]; then
		printf ' (%s-%s)' "$(fmt "$(awk -v v="$lo" -v d="$4" 'BEGIN { print v / d }')" "$3")" \
			"$(fmt "$(awk -v v="$hi" -v d="$4" 'BEGIN { print v / d }')" "$3")"
	fi
}

report() {
	local row note model irqacct
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	irqacct="unknown"
	if [ -r /proc/config.gz ]; then
		if zcat /proc/config.gz | grep -q '^CONFIG_IRQ_TIME_ACCOUNTING=y'; then
			irqacct="on"
		else
			irqacct="off"
		fi
	fi
	echo "# l2pwd bench"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); kernel $(uname -r); $NCPU CPUs, ${model:-unknown CPU};" \
		"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)$(command -v systemd-detect-virt >/dev/null &&
			echo "; virtualization: $(systemd-detect-virt 2>/dev/null || echo none)")"
	echo "- Load average (1/5/15 min) at start: $LOAD0; at end: $LOAD1 (1-min figure at each row's start: \"load\" column)"
	echo "- BENCH_SECONDS=$BENCH_SECONDS, BENCH_REPEAT=$BENCH_REPEAT (medians$([ "$BENCH_REPEAT" -gt 1 ] &&
		echo ", min-max in parentheses")), UDP rate: ${BENCH_PPS_LEN}-byte payload, $BENCH_PPS_SECONDS s steps," \
		"$BENCH_PPS_STEPS binary-search steps; WAN MTU $WAN_MTU, WAN veth tx offload $WAN_OFFLOAD, LAN MTU 1500;" \
		"pinning: $([ -n "$CPU_CLIENT" ] && echo "client CPU $CPU_CLIENT, server CPU $CPU_SERVER, site A CPU $CPU_SITEA, site B CPU $CPU_SITEB" || echo none)"
	echo "- iperf3 $(iperf3 --version | head -n 1 | cut -d' ' -f2)$(command -v openvpn >/dev/null &&
		echo ", OpenVPN $(openvpn --version | head -n 1 | cut -d' ' -f2)${OVPN_NONE_HOW:+ (cleartext row: $OVPN_NONE_HOW)}");" \
		"l2pwd $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "?")${BASE_DESC:+; base build (*-base rows): $BASE_DESC}"
	echo
	echo "| Row | TCP 1 stream Gbit/s | TCP 4 streams Gbit/s | UDP ${BENCH_PPS_LEN} B kpps (<1% loss) | RTT under load median / p99 ms | CPU s/Gbit (procs + softirq) | CPU s/Gbit (machine) | tunnel process CPU s | fast-path share of packets | load |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for row in "${ROWS_RUN[@]}"; do
		if ! measured "$row"; then
			echo "| ${LABEL[$row]} | ${R_STATUS[$row]:-not run} | | | | | | | | |"
			continue
		fi
		note=""
		[ -z "${R_PPSNOTE[$row]:-}" ] || note=" (${R_PPSNOTE[$row]})"
		echo "| ${LABEL[$row]} | $(fig TCP1 "$row" 2 1) | $(fig TCP4 "$row" 2 1) |" \
			"$(fig PPS "$row" 0 1000)$note |" \
			"$(fmt "${R_RTT50[$row]:-}" 3) / $(fmt "${R_RTT99[$row]:-}" 3) (loss $(fmt "${R_RTTLOSS[$row]:-}" 1)%) |" \
			"$(fmt "${R_CPU[$row]:-}" 2) | $(fmt "${R_MCPU[$row]:-}" 2) | $(fmt "${R_TPROC[$row]:-}" 2) |" \
			"$(fshare "${R_FAST[$row]:-}") | $(fmt "${R_LOAD[$row]:-}" 1) |"
	done
	for row in "${ROWS_RUN[@]}"; do
		[ -z "${R_NOTE[$row]:-}" ] || printf '\n%s: %s\n' "${LABEL[$row]}" "${R_NOTE[$row]}"
	done
	echo
	echo "Ratios (row / baseline, medians; higher is better):"
	echo
	echo "| Row | TCP 1 × VXLAN | TCP 1 × veth | TCP 1 × OpenVPN | TCP 4 × VXLAN | TCP 4 × veth | TCP 4 × OpenVPN | pps × VXLAN | pps × veth | pps × OpenVPN |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for row in "${ROWS_RUN[@]}"; do
		measured "$row" || continue
		echo "| ${LABEL[$row]} | $(ratio "$(tv "$row" R_TCP1)" "$(tv vxlan R_TCP1)") |" \
			"$(ratio "$(tv "$row" R_TCP1)" "$(tv veth R_TCP1)") |" \
			"$(ratio "$(tv "$row" R_TCP1)" "$(tv ovpn-none R_TCP1)") |" \
			"$(ratio "$(tv "$row" R_TCP4)" "$(tv vxlan R_TCP4)") |" \
			"$(ratio "$(tv "$row" R_TCP4)" "$(tv veth R_TCP4)") |" \
			"$(ratio "$(tv "$row" R_TCP4)" "$(tv ovpn-none R_TCP4)") |" \
			"$(ratio "$(tv "$row" R_PPS)" "$(tv vxlan R_PPS)") |" \
			"$(ratio "$(tv "$row" R_PPS)" "$(tv veth R_PPS)") |" \
			"$(ratio "$(tv "$row" R_PPS)" "$(tv ovpn-none R_PPS)") |"
	done
	echo
	echo "Targets:"
	echo
	for row in "${ROWS_RUN[@]}"; do
		case $row in
		*-xdp | *-tc | *-off)
			if ! measured "$row"; then
				echo "- ${LABEL[$row]}: not checked, ${R_STATUS[$row]:-not run}"
				continue
			fi
			;;
		esac
		case $row in
		*-xdp | *-tc)
			target "$row" "TCP 1 stream" R_TCP1 vxlan 0.9
			target "$row" "TCP 4 streams" R_TCP4 vxlan 0.9
			target "$row" "TCP 1 stream" R_TCP1 veth 0.7
			target "$row" "TCP 4 streams" R_TCP4 veth 0.7
			target "$row" "${BENCH_PPS_LEN} B pps" R_PPS vxlan 1.0
			;;
		*-off)
			target "$row" "TCP 1 stream" R_TCP1 ovpn-none 2
			target "$row" "TCP 4 streams" R_TCP4 ovpn-none 2
			target "$row" "${BENCH_PPS_LEN} B pps" R_PPS ovpn-none 2
			;;
		esac
	done
	echo
	cat <<EOF
Method:

- Every row builds its own namespaces (hostA, siteA, siteB, hostB; the veth
  row only hostA and hostB) and deletes them afterwards; the tunnel ports join
  the site bridges; hosts send 1500-byte frames, the WAN veth has MTU $WAN_MTU
  so no row fragments, and tx offload $WAN_OFFLOAD (off: the stack segments
  and checksums before the WAN, which carries MTU-sized packets as a wire does).
- TCP: iperf3 hostA -> hostB for $BENCH_SECONDS s, the receiver's rate.
- RTT under load: ping -i 0.01 hostA -> hostB during the one-stream TCP run.
- Packet rate: iperf3 -u -l $BENCH_PPS_LEN flat out first.  Loss < 1 % there
  means the path kept up with one iperf3 sender ("flat out"; kernel tunnels do
  their work inside the sender's system call, so it is their rate as well).
  Otherwise a binary search of $BENCH_PPS_STEPS steps between 0 and the rate
  the sender offered flat out; the figure is the rate received at the highest offered
  rate with < 1 % loss.  Rows at the same figure are limited by iperf3.
- CPU s/Gbit (procs + softirq), measured over the four-stream TCP run:
  iperf3's own CPU figures for client and server + utime+stime of the tunnel
  processes (l2pwd, openvpn) from /proc/PID/stat + the softirq delta of
  /proc/stat, divided by the Gbit received.  Kernel tunnels work in softirq and
  in the iperf3 processes' system time, so they are covered (so does the
  eBPF fast path).  CPU accounting
  here is tick based (CONFIG_IRQ_TIME_ACCOUNTING $irqacct): when off, a softirq
  tick that lands in an iperf3 or tunnel process counts in both terms, and the
  softirq term includes other tenants' softirq, so the sum is capped at the
  machine's busy time.  "machine" is all busy CPU time in /proc/stat
  (user+nice+system+irq+softirq) over the same run per Gbit: exact on a quiet
  machine, inflated by anything else running.  "tunnel process CPU s": CPU
  seconds of the OpenVPN or l2pwd processes during that run (none for kernel
  tunnels); in a fast-path row it is what still took the userspace path.
- Fast-path share (l2pwd rows, over the four-stream TCP run): the part of
  both sites' rx+tx packets that \`l2pwctl status --json\` counts as
  fastpath-rx/tx-packets, i.e. handled by the eBPF programs.  A row's mode
  is what the daemon's status says its interfaces use; a row whose status
  shows another mode is reported n/a, not measured under a false name.
EOF
}

OUT=$WORK/report.md
report >"$OUT"
cat "$OUT"
if [ -n "${BENCH_OUT:-}" ]; then
	cp "$OUT" "$BENCH_OUT"
fi
log "bench: $(($(date +%s) - T0)) s"
