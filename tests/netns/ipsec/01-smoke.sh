#!/bin/bash
# strongSwan on this machine, with the connections pwd/ipsec.c writes: two
# charons (kernel-libipsec), the module's swanctl text rendered by
# build/tests/test_ipsec --render, written and loaded by its file functions
# and swanctl runner (--write, --job), UDP 1701 protected on the wire, a wrong
# ipsec-secret refused, charon gone reported.  The module's parsers read the
# live swanctl output (test_ipsec --parse-sas / --explain).
#
#    $P-a (office A)                               $P-b (office B)
#   +-------------------------+                   +-------------------------+
#   | charon + libipsec ipsec0|                   | charon + libipsec ipsec0|
#   | l2pw-pw0: initiator     |                   | l2pw-pw0: responder     |
#   |   IKEv2, tunnel, trap   |                   |   %any, IKEv1/2         |
#   |       ${P}w 198.18.0.1 +---------- veth ----------+ ${P}w 198.18.0.2  |
#   +-------------------------+    (captured)     +-------------------------+
#
# Checks: the capture proves it can see clear UDP 1701 (control run before
# IPsec), then with the SA up sees only IKE (500/4500 with ESP-in-UDP) and no
# UDP 1701, no payload string; every datagram arrives; SA setup time and a
# throughput figure are printed.
#
# Environment: TEST_IPSEC (default: tests/test_ipsec of the build L2PWD comes
# from, build-san/ as for every scenario), L2T_PFX (prefix,
# <= 9 of [a-z0-9]), L2T_TIMEOUT (hard limit, default 120 s), L2T_KEEP=1 keeps
# the temp dir.  Needs root, strongswan-swanctl, strongswan-charon,
# libcharon-extra-plugins, libstrongswan-standard-plugins, tcpdump, tshark.

L2T_TIMEOUT=120
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
ROOT=$L2T_ROOT
TEST_IPSEC=${TEST_IPSEC:-$(dirname "$L2PWD")/tests/test_ipsec}
A=$P-a
B=$P-b
W=${P}w # WAN veth, both ends (one per namespace)
NAME=l2pw-pw0
PSK='office psk "with quotes" \ and 0x prefix-free'

# shellcheck source=tests/netns/lib-ipsec.sh
source "$ROOT/tests/netns/lib-ipsec.sh"
L2T_PRE_CLEANUP+=(ipsec_charon_stop_all)
L2T_FAIL_LOGS+=("$T/a/charon.log" "$T/b/charon.log")

for tool in swanctl "$IPSEC_CHARON" tcpdump tshark "$TEST_IPSEC"; do
	require "have $tool" command -v "$tool"
done

step "topology"
for ns in "$A" "$B"; do
	ip netns add "$ns"
	L2T_NETNS+=("$ns")
	ip -n "$ns" link set lo up
done
ip -n "$A" link add "$W" type veth peer name "$W" netns "$B"
ip -n "$A" addr add 198.18.0.1/24 dev "$W"
ip -n "$B" addr add 198.18.0.2/24 dev "$W"
ip -n "$A" link set "$W" up
ip -n "$B" link set "$W" up
require "WAN up" ipsec_wait 5 ip netns exec "$A" ping -c1 -W1 198.18.0.2

step "charon in each namespace"
t0=$(now_ms)
# not inside check/require: those run in a subshell, and the PIDs must stay here
rc=0
ipsec_charon_start "$A" "$T/a" && ipsec_charon_start "$B" "$T/b" || rc=$?
require "both charons answer on vici" test "$rc" -eq 0
echo "  two charons up in $(($(now_ms) - t0)) ms"
check "kernel-libipsec made its TUN in A" ip -n "$A" link show ipsec0
check "IKE sockets bypass the TUN table (fwmark rule)" \
	sh -c "ip -n $A rule | grep -q 'not from all fwmark 0x42 lookup 220'"

# capture NAME NS IFACE: tcpdump into $T/NAME.pcap until capture_stop NAME.
declare -A CAP=()
capture() {
	ip netns exec "$2" tcpdump -i "$3" -n -U --immediate-mode -w "$T/$1.pcap" >"$T/$1.tcpdump" 2>&1 &
	CAP[$1]=$!
	L2T_PIDS+=("${CAP[$1]}")
	ipsec_wait 10 grep -q "listening on" "$T/$1.tcpdump"
}
capture_stop() {
	kill -INT "${CAP[$1]}" 2>/dev/null || true
	wait "${CAP[$1]}" 2>/dev/null || true
}

# receiver NS ADDR COUNT FILE: UDP 1701 receiver; appends each payload to
# FILE, echoes it back, exits after COUNT datagrams (or 20 s of silence).
# Returns once it is bound (FILE.ready); rx_done ends it.
receiver() {
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 1701)); s.settimeout(20)
open(sys.argv[3] + ".ready", "w").close()
with open(sys.argv[3], "ab", buffering=0) as f:
    for _ in range(int(sys.argv[2])):
        d, peer = s.recvfrom(65535); f.write(d + b"\n"); s.sendto(d, peer)
' "$2" "$3" "$4" &
	RX=$!
	L2T_PIDS+=("$RX")
	ipsec_wait 10 test -e "$4.ready"
}
# rx_done: the last receiver has had its datagrams; stop it if it still waits.
rx_done() {
	kill "$RX" 2>/dev/null || true
	wait "$RX" 2>/dev/null || true
}
# sender NS SRC DST COUNT TAG: COUNT datagrams from SRC:1701 to DST:1701,
# each waiting for its echo; prints how many came back.
sender() {
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 1701)); s.settimeout(2)
got = 0
for i in range(int(sys.argv[3])):
    s.sendto(("%s-%d" % (sys.argv[4], i)).encode(), (sys.argv[2], 1701))
    try:
        s.recvfrom(65535); got += 1
    except socket.timeout:
        pass
print(got)
' "$2" "$3" "$4" "$5"
}

step "control: without IPsec the capture sees UDP 1701 in clear"
capture clear "$B" "$W"
receiver "$B" 198.18.0.2 5 "$T/clear.rx"
got=$(sender "$A" 198.18.0.1 198.18.0.2 5 L2PW-CLEAR-CONTROL)
rx_done
capture_stop clear
check "5 clear datagrams echoed" test "$got" = 5
check "capture shows UDP 1701" \
	sh -c "[ \$(tshark -r $T/clear.pcap -Y 'udp.port==1701' 2>/dev/null | wc -l) -ge 10 ]"
check "capture shows the clear payload" grep -qa L2PW-CLEAR-CONTROL "$T/clear.pcap"

step "connections rendered and written by pwd/ipsec.c, loaded by its runner"
# write_conn SIDE SECRET RENDER-ARGS...: ipsec_conn_render() into the side's
# ipsec-dir ($T/SIDE/swanctl) through ipsec_dir_prepare() + ipsec_conn_write().
write_conn() {
	local side=$1 secret=$2
	shift 2
	printf '%s' "$secret" | "$TEST_IPSEC" --render "$NAME" "$@" |
		"$TEST_IPSEC" --write "$T/$side/swanctl" "$NAME"
}
# job NS SIDE OP [SECONDS]: one ipsec_job_run() with real swanctl.
job() { "$TEST_IPSEC" --job "$3" "$(ipsec_uri "$1")" "$T/$2/swanctl" "$NAME" "${4:-10}"; }
load() { job "$1" "$2" load; }
no_sa() { ! ipsec_swanctl "$1" --list-sas --ike "$NAME" --noblock | grep -q INSTALLED; }
parsed() { ipsec_swanctl "$1" --list-sas --ike "$NAME" --noblock | "$TEST_IPSEC" --parse-sas "$NAME"; }
write_conn a "$PSK" 2 initiator tunnel udp 198.18.0.1 198.18.0.2 1701 1701 trap
write_conn b "$PSK" 0 responder tunnel udp 198.18.0.2 "" 1701 0 trap
check "ipsec-dir is 0700, the connection file 0600" test \
	"$(stat -c %a "$T/a/swanctl") $(stat -c %a "$T/a/swanctl/conf.d/$NAME.conf")" = "700 600"
check "A loads (ipsec_job_run LOAD)" load "$A" a
check "B loads" load "$B" b
loaded() { ipsec_swanctl "$1" --list-conns | grep -q "^$NAME: IKEv"; }
check "charon A holds $NAME" loaded "$A"

step "SA up, L2TP port protected"
capture esp "$B" "$W"
t0=$(now_ms)
check "initiate completed (ipsec_job_run INITIATE)" job "$A" a initiate
setup_ms=$(($(now_ms) - t0))
echo "  SA setup (IKE_SA_INIT + IKE_AUTH, swanctl round trip): $setup_ms ms"
sa_a=$(parsed "$A")
sa_b=$(parsed "$B")
check "the runner's LIST_SAS sees it too" grep -q '^ike=ESTABLISHED child=INSTALLED esp=ESP ' <<<"$(job "$A" a list-sas)"
echo "  A: $sa_a"
echo "  B: $sa_b"
check "A parses ESTABLISHED + INSTALLED" grep -q '^ike=ESTABLISHED child=INSTALLED esp=ESP ' <<<"$sa_a"
check "B parses ESTABLISHED + INSTALLED" grep -q '^ike=ESTABLISHED child=INSTALLED esp=ESP ' <<<"$sa_b"

receiver "$B" 198.18.0.2 50 "$T/esp.rx"
got=$(sender "$A" 198.18.0.1 198.18.0.2 50 L2PW-SECRET-PAYLOAD)
rx_done
check "50 protected datagrams echoed" test "$got" = 50
check "receiver saw every payload" sh -c "[ \$(grep -c L2PW-SECRET-PAYLOAD $T/esp.rx) -eq 50 ]"
sa_a=$(parsed "$A")
echo "  A after traffic: $sa_a"
check "A's CHILD_SA counted the 50 out and 50 in" grep -q ' in=50 out=50 ' <<<"$sa_a"

# throughput: UDP 1701 blast through libipsec for 2 s (datagrams of 1200 bytes)
ip netns exec "$B" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 1701)); s.settimeout(3)
open(sys.argv[1], "w").close()
n = 0; t0 = None
try:
    while True:
        d = s.recv(2048)
        if t0 is None: t0 = time.time()
        n += len(d); t1 = time.time()
except socket.timeout:
    pass
print("%.1f" % (n * 8 / 1e6 / max(t1 - t0, 1e-3)) if t0 else "0")
' "$T/tput.ready" >"$T/tput.out" &
tput_pid=$!
L2T_PIDS+=("$tput_pid")
ipsec_wait 10 test -e "$T/tput.ready"
ip netns exec "$A" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 1701)); d = b"L2PW-SECRET-PAYLOAD-BULK" + b"x" * 1176
end = time.time() + 2
while time.time() < end:
    try: s.sendto(d, ("198.18.0.2", 1701))
    except OSError: pass
'
wait "$tput_pid" || true
echo "  UDP 1701 goodput through kernel-libipsec, 1200-byte datagrams: $(cat "$T/tput.out") Mbit/s (received)"
capture_stop esp

n1701=$(tshark -r "$T/esp.pcap" -Y 'udp.port==1701' 2>/dev/null | wc -l)
nesp=$(tshark -r "$T/esp.pcap" -Y 'esp' 2>/dev/null | wc -l)
nike=$(tshark -r "$T/esp.pcap" -Y 'isakmp' 2>/dev/null | wc -l)
nother=$(tshark -r "$T/esp.pcap" -Y 'not (udp.port==500 or udp.port==4500 or arp or icmpv6)' 2>/dev/null | wc -l)
echo "  WAN capture: $nike IKE, $nesp ESP-in-UDP, $n1701 UDP 1701, $nother other"
check "no UDP 1701 in clear on the WAN" test "$n1701" -eq 0
check "ESP-in-UDP carried the traffic" test "$nesp" -ge 100
check "IKE seen" test "$nike" -ge 4
check "nothing but IKE/ESP (and ARP) on the WAN" test "$nother" -eq 0
check "payload string never in clear" sh -c "! grep -qa L2PW-SECRET-PAYLOAD $T/esp.pcap"

step "start_action = start: up on load, back after the peer deletes it"
# kernel-libipsec raises no acquires ("could not find an outbound IPsec SA for
# reqid {1}, dropping packet"), so trap never fires here: the daemon loads
# its connections with IPSEC_START_START.
ipsec_swanctl "$A" --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1 || true
check "SA gone after terminate" no_sa "$A"
write_conn a "$PSK" 2 initiator tunnel udp \
	198.18.0.1 198.18.0.2 1701 1701 start
t0=$(now_ms)
load "$A" a >/dev/null 2>&1 || true
check "loading alone brings the SA up" ipsec_wait 10 ipsec_child_installed "$A" "$NAME"
echo "  SA up $(($(now_ms) - t0)) ms after swanctl --load-all"
ipsec_swanctl "$B" --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1 || true
t0=$(now_ms)
check "close_action = restart: A brings it back after B deleted it" \
	ipsec_wait 15 ipsec_child_installed "$A" "$NAME"
echo "  SA back $(($(now_ms) - t0)) ms after the peer's DELETE"
receiver "$B" 198.18.0.2 5 "$T/again.rx"
check "traffic crosses the new SA" test "$(sender "$A" 198.18.0.1 198.18.0.2 5 L2PW-SECRET-AGAIN)" = 5
rx_done

step "IKEv1 (the l2tp-client shape: any local port) and IPv6 + IP protocol 115"
# render_pair A-ARGS... -- B-ARGS...: both sides' files, then load both.
render_pair() {
	local a=() b=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	write_conn a "$PSK" "${a[@]}"
	write_conn b "$PSK" "${b[@]}"
	ipsec_swanctl "$A" --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1 || true
	# the responder first: charon gives up for good on NO_PROPOSAL_CHOSEN
	load "$B" b >/dev/null 2>&1 || true
	load "$A" a >/dev/null 2>&1 || true
}
ikev1() { ipsec_swanctl "$1" --list-sas --ike "$NAME" --noblock | grep -q "ESTABLISHED, IKEv1"; }
render_pair 1 initiator tunnel udp 198.18.0.1 198.18.0.2 0 1701 start -- \
	0 responder tunnel udp 198.18.0.2 "" 1701 0 trap
check "IKEv1 SA up on load" ipsec_wait 15 ipsec_child_installed "$A" "$NAME"
check "it is IKEv1 (main mode)" ikev1 "$A"
receiver "$B" 198.18.0.2 5 "$T/v1.rx"
check "UDP 1701 crosses the IKEv1 SA" test "$(sender "$A" 198.18.0.1 198.18.0.2 5 L2PW-SECRET-V1)" = 5
rx_done

ip -n "$A" addr add 2001:db8::1/64 dev "$W" nodad
ip -n "$B" addr add 2001:db8::2/64 dev "$W" nodad
require "IPv6 WAN up" ipsec_wait 5 ip netns exec "$A" ping -6 -c1 -W1 2001:db8::2
render_pair 2 initiator tunnel ip 2001:db8::1 2001:db8::2 0 0 start -- \
	0 responder tunnel ip 2001:db8::2 "" 0 0 trap
check "IPv6 SA for protocol 115 up on load" ipsec_wait 15 ipsec_child_installed "$A" "$NAME"
# /etc/protocols names 115 "l2tp"
ts115() { ipsec_swanctl "$A" --list-sas --ike "$NAME" --noblock | grep -Eq 'local  2001:db8::1/128\[(115|l2tp)\]'; }
check "selectors are protocol 115" ts115
capture ip115 "$B" "$W"
ip netns exec "$B" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 115); s.settimeout(10)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    for _ in range(5):
        f.write(s.recv(2048) + b"\n")
' "$T/ip115.rx" &
L2T_PIDS+=($!)
rx115=$!
ipsec_wait 10 test -e "$T/ip115.rx.ready"
ip netns exec "$A" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 115)
for i in range(5):
    s.sendto(b"L2PW-SECRET-IP115-%d" % i, ("2001:db8::2", 0))
'
wait "$rx115" || true
capture_stop ip115
check "5 IP-115 packets arrived over IPv6" sh -c "[ \$(grep -ac L2PW-SECRET-IP115 $T/ip115.rx) -eq 5 ]"
n115=$(tshark -r "$T/ip115.pcap" -Y 'ipv6.nxt==115 or ip.proto==115' 2>/dev/null | wc -l)
check "no protocol 115 in clear on the WAN" test "$n115" -eq 0
check "IP-115 payload never in clear" sh -c "! grep -qa L2PW-SECRET-IP115 $T/ip115.pcap"

step "wrong ipsec-secret"
write_conn a "$PSK" 2 initiator tunnel udp \
	198.18.0.1 198.18.0.2 1701 1701 trap
load "$A" a >/dev/null 2>&1 || true
write_conn b "not the secret" 0 responder tunnel udp \
	198.18.0.2 "" 1701 0 trap
load "$B" b >/dev/null 2>&1 || true
ipsec_swanctl "$A" --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1 || true
rc=0
ipsec_swanctl "$A" --initiate --child "$NAME" --ike "$NAME" --timeout 10 >"$T/badpsk.out" 2>&1 || rc=$?
reason=$("$TEST_IPSEC" --explain "$rc" <"$T/badpsk.out")
echo "  swanctl exit $rc: $(grep -m1 'initiate failed' "$T/badpsk.out" || true)"
echo "  reason for status: $reason"
check "initiate fails" test "$rc" -ne 0
check "reason names the secret" test "$reason" = "IKE authentication failed (wrong ipsec-secret?)"
check "no SA with a wrong secret" no_sa "$A"
ipsec_swanctl "$A" --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1 || true
jr=$(job "$A" a initiate) || true
echo "  ipsec_job_run INITIATE: $jr"
check "the runner reports the same reason" test "$jr" = "failed: IKE authentication failed (wrong ipsec-secret?)"
check "B logged the failed authentication" grep -q "but MAC mismatched" "$T/b/charon.log"

step "transport mode with kernel-libipsec (what TESTBED.md says)"
write_conn a "$PSK" 2 initiator transport udp \
	198.18.0.1 198.18.0.2 1701 1701 trap
write_conn b "$PSK" 0 responder transport udp \
	198.18.0.2 "" 1701 0 trap
load "$A" a >/dev/null 2>&1 || true
load "$B" b >/dev/null 2>&1 || true
ipsec_swanctl "$A" --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1 || true
rc=0
ipsec_swanctl "$A" --initiate --child "$NAME" --ike "$NAME" --timeout 10 >"$T/transport.out" 2>&1 || rc=$?
reason=$("$TEST_IPSEC" --explain "$rc" <"$T/transport.out")
echo "  swanctl exit $rc; reason for status: $reason"
check "transport refused here" test "$rc" -ne 0
check "the reason points at the mode" grep -q "ipsec-mode = tunnel" <<<"$reason"
check "B's libipsec said why" grep -q "IPsec SA: unsupported mode" "$T/b/charon.log"

step "charon gone"
ipsec_charon_stop "$B"
rc=0
swanctl --list-sas --uri "unix://$T/b/charon.vici" >"$T/gone.out" 2>&1 || rc=$?
reason=$("$TEST_IPSEC" --explain "$rc" <"$T/gone.out")
echo "  reason for status: $reason"
check "reason says charon is not reachable" \
	grep -qF "charon not reachable at unix://$T/b/charon.vici (" <<<"$reason"
