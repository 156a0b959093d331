#!/bin/sh
# Namespace smoke check of the eBPF data path (by hand; not in `make check`).
#
#   hostA                siteA                                  siteB                hostB
#   vA0 ---- vA1 [brA] pA_br==pA_x  wanA ===== WAN ===== wanB  pB_x==pB_br [brB] vB1 ---- vB0
#   192.0.2.1                       198.18.0.1       198.18.0.2                         192.0.2.2
#   2001:db8:1::1                                                                  2001:db8:1::2
#
# pX_br is the bridge port (a veth standing in for the daemon's port).  A
# fastpath_smoke per site plays the daemon: TC egress on pX_br encapsulates
# (L2TPv3, static session 1001 <-> 2002, cookies), and on the WAN either XDP
# decapsulates and redirects through the devmap into pX_x (mode xdp; pX_br
# has GRO on so the redirected frames have NAPI), or TC ingress decapsulates
# into pX_br's ingress (mode tc).  No slow path runs, so the hosts get static
# ARP entries (ARP is a slow-path frame); IPv6 ND crosses the fast path.
#
# usage: tests/bpf/smoke.sh [xdp|tc|vxlan] [udp|ip|v2] [v4|v6]  (root; builds what it needs)
# v2: L2TPv2 + PPP + BCP bridged frames (tunnel 10/20, session 11/21).
# vxlan: the same rig with kernel VXLAN ports instead of l2pw, as a baseline.
# v6 puts the WAN on 2001:db8:ff::1/2 (UDP then runs with checksum 0).
# SMOKE_PORT=tap (tc mode only): the bridge port is a TAP, held open by a
# reader that discards what the fast path leaves to the slow path.
set -eu

MODE=${1:-xdp}
ENCAP=${2:-udp}
FAMILY=${3:-v4}
if [ "$ENCAP" = v2 ]; then
	SA=$((10 << 16 | 11)) SB=$((20 << 16 | 21))
else
	SA=1001 SB=2002
fi
if [ "$FAMILY" = v6 ]; then
	WA=2001:db8:ff::1 WB=2001:db8:ff::2 PLEN=64
else
	WA=198.18.0.1 WB=198.18.0.2 PLEN=24
fi
P="l2sm$$"
TOOL=build/tests/bpf/fastpath_smoke
OUT=$(mktemp -d)
PIDS=""
SMOKE_WAN_OFFLOAD=${SMOKE_WAN_OFFLOAD:-off}
# 1600: every 1514-byte frame fits once encapsulated; with 1500 the
# fast path leaves full-size non-GSO frames to the slow path (tx-mtu).
SMOKE_WAN_MTU=${SMOKE_WAN_MTU:-1600}
SMOKE_PORT=${SMOKE_PORT:-veth}

# hold_tap NS NAME: a TAP only carries traffic while some process has it open
hold_tap() {
	ip netns exec "$1" /usr/bin/python3 -c '
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x0002 | 0x1000))
print("tap", sys.argv[1], "open", flush=True)
while True:
    os.read(fd, 65536)
' "$2" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 50); do
		ip -n "$1" link show "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
	for ns in hA sA sB hB; do ip netns del "$P$ns" 2>/dev/null || true; done
	rm -rf "$OUT"
}
trap cleanup EXIT

make -s "$TOOL" >/dev/null

for ns in hA sA sB hB; do ip netns add "$P$ns"; done
ip link add wanA netns "${P}sA" type veth peer name wanB netns "${P}sB"

site() { # site NS WAN WANADDR BR HOSTNS HOSTADDR HOSTMAC HOST6 PORT PEERADDR
	ns=$1
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$3/$PLEN" dev "$2" nodad
	ip -n "$ns" link set "$2" mtu "$SMOKE_WAN_MTU" up
	ip -n "$ns" link add "$4" type bridge
	ip -n "$ns" link set "$4" up
	ip link add v0 netns "$5" type veth peer name v1 netns "$ns"
	ip -n "$ns" link set v1 master "$4" up
	ip -n "$5" link set v0 address "$7" up
	ip -n "$5" addr add "$6/24" dev v0
	ip -n "$5" addr add "$8/64" dev v0 nodad
	if [ "$MODE" = vxlan ]; then
		ip -n "$ns" link add "${9}_br" type vxlan id 42 local "$3" remote "${10}" \
			dstport 4789 dev "$2"
		ip -n "$ns" link set "${9}_br" master "$4" up
	elif [ "$SMOKE_PORT" = tap ]; then
		hold_tap "$ns" "${9}_br"
		ip -n "$ns" link set "${9}_br" master "$4" up
	else
		ip -n "$ns" link add "${9}_br" type veth peer name "${9}_x"
		ip -n "$ns" link set "${9}_br" master "$4" up
		ip -n "$ns" link set "${9}_x" up
		ip netns exec "$ns" ethtool -K "${9}_br" gro on >/dev/null
	fi
	# veth hands its peer GSO super-frames and CHECKSUM_PARTIAL skbs as
	# they are; a real wire carries finished segments.  XDP on the peer
	# drops frames above a page (no frags support) and an XDP redirect
	# loses the partial-checksum state, so make the WAN veth behave like
	# a NIC without offloads: the stack segments and checksums at xmit.
	[ "$SMOKE_WAN_OFFLOAD" = on ] ||
		ip netns exec "$ns" ethtool -K "$2" tx off >/dev/null
}
site "${P}sA" wanA "$WA" brA "${P}hA" 192.0.2.1 02:00:00:00:0a:01 2001:db8:1::1 pA "$WB"
site "${P}sB" wanB "$WB" brB "${P}hB" 192.0.2.2 02:00:00:00:0b:01 2001:db8:1::2 pB "$WA"
ip -n "${P}hA" neigh add 192.0.2.2 lladdr 02:00:00:00:0b:01 dev v0 nud permanent
ip -n "${P}hB" neigh add 192.0.2.1 lladdr 02:00:00:00:0a:01 dev v0 nud permanent

if [ "$MODE" = vxlan ]; then
	echo ready >"$OUT/a"
	echo ready >"$OUT/b"
else
ip netns exec "${P}sA" "$TOOL" -m "$MODE" -e "$ENCAP" -w wanA -p pA_br -x pA_x \
	-l "$WA" -r "$WB" -s "$SA" -S "$SB" -c 55667788 -C 11223344 >"$OUT/a" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "${P}sB" "$TOOL" -m "$MODE" -e "$ENCAP" -w wanB -p pB_br -x pB_x \
	-l "$WB" -r "$WA" -s "$SB" -S "$SA" -c 11223344 -C 55667788 >"$OUT/b" 2>&1 &
PIDS="$PIDS $!"
fi
for i in $(seq 50); do
	grep -q ready "$OUT/a" 2>/dev/null && grep -q ready "$OUT/b" 2>/dev/null && break
	sleep 0.1
done
cat "$OUT/a" "$OUT/b"

ip netns exec "${P}sA" timeout 20 tcpdump -i wanA -c 6 -w "$OUT/wan.pcap" \
	"udp port 1701 or ip proto 115 or ip6 proto 115" 2>/dev/null &
TPID=$!
PIDS="$PIDS $TPID"
sleep 0.5
echo "== ping 192.0.2.2 (IPv4, static ARP)"
ip netns exec "${P}hA" ping -c 20 -i 0.05 -W 1 192.0.2.2 | tail -2
echo "== ping 2001:db8:1::2 (IPv6, ND over the fast path)"
ip netns exec "${P}hA" ping -6 -c 20 -i 0.05 -W 1 2001:db8:1::2 | tail -2
echo "== 1400-byte pings"
ip netns exec "${P}hA" ping -c 5 -i 0.05 -W 1 -s 1400 192.0.2.2 | tail -2
wait "$TPID" 2>/dev/null || true
echo "== tshark on the WAN"
tshark -r "$OUT/wan.pcap" -c 3 -O l2tp,ppp,bcp -o 'l2tp.cookie_size:4 Byte Cookie' \
	-o 'l2tp.l2_specific:None' -d 'l2tp.pw_type==0,eth' 2>/dev/null |
	grep -E '^Frame|^Layer 2|^Point|^PPP|Session|Tunnel ID|Cookie|Protocol:|MAC Type|Flags' ||
	true

echo "== iperf3 TCP 5 s hostA -> hostB"
ip netns exec "${P}hB" iperf3 -s -1 -B 192.0.2.2 >/dev/null 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
sleep 0.5
[ -n "${SMOKE_DEBUG:-}" ] && { ip netns exec "${P}sB" timeout 8 tcpdump -ni wanB -c 30 2>&1 | tail -12 & ip netns exec "${P}sA" timeout 8 tcpdump -ni pA_br -c 10 2>&1 | tail -12 & }
ip netns exec "${P}hA" timeout 8 iperf3 -c 192.0.2.2 -t 3 >"$OUT/iperf" 2>&1 || true
grep -E "sender|receiver|error" "$OUT/iperf" || tail -5 "$OUT/iperf"
kill "$SPID" 2>/dev/null || true

for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
sleep 0.5
echo "== siteA counters"; grep -v ready "$OUT/a" || true
echo "== siteB counters"; grep -v ready "$OUT/b" || true
