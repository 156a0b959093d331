#!/bin/bash
# Scenario 3a: a static L2TPv3 pseudowire (no control connection, like
# `ip l2tp add tunnel/session`) with 4-byte cookies and no L2-specific
# sublayer, over UDP/IPv4.
#
#   hostA --- [brA siteA] ===== WAN (198.18.0.0/24) ===== [siteB brB] --- hostB
#   192.0.2.1   tunnel 10 -> 20, session 11 -> 21   tunnel 20 -> 10, session 21 -> 11
#
# A user sees: ARP and ping across; status "connected" with the configured
# ids; and on the wire (tshark with explicit cookie/sublayer prefs, as for a
# capture without a control exchange) every data packet carries the peer's
# session id, the configured cookie, the sublayer (and sequence numbers
# counting up when sequencing is on), and an Ethernet frame with ICMP inside.
#
# Other scenarios run this file with other parameters (environment):
#   L2T_ENCAP udp|ip   L2T_COOKIE_LEN 0|4|8   L2T_SUBLAYER none|default
#   L2T_SEQ yes|no     L2T_IDS "A-tunnel B-tunnel A-session B-session"
#   L2T_COOKIES "A-sends B-sends" (hex)   L2T_KERNEL_PCAP (scenario 12)
# Cookie semantics are those of `ip l2tp`: "cookie" is what this side sends,
# "peer-cookie" what it expects from the peer.
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"
ENCAP=${L2T_ENCAP:-udp}
CLEN=${L2T_COOKIE_LEN:-4}
SUBLAYER=${L2T_SUBLAYER:-none}
SEQ=${L2T_SEQ:-no}
read -r TUN_A TUN_B SES_A SES_B <<<"${L2T_IDS:-10 20 11 21}"
read -r COOKIE_A COOKIE_B <<<"${L2T_COOKIES:-1a2b3c4d 5e6f7a8b}"
[ "$CLEN" != 0 ] || COOKIE_A="" COOKIE_B=""

require_binaries
step "topology"
topo_build

step "configs: static, encap $ENCAP, cookie-length $CLEN, l2-sublayer $SUBLAYER, sequencing $SEQ"
for s in A B; do
	site_vars "$s"
	if [ "$s" = A ]; then
		ids="tunnel-id = $TUN_A peer-tunnel-id = $TUN_B session-id = $SES_A peer-session-id = $SES_B"
		cookies="cookie = \"0x$COOKIE_A\" peer-cookie = \"0x$COOKIE_B\""
	else
		ids="tunnel-id = $TUN_B peer-tunnel-id = $TUN_A session-id = $SES_B peer-session-id = $SES_A"
		cookies="cookie = \"0x$COOKIE_B\" peer-cookie = \"0x$COOKIE_A\""
	fi
	[ "$CLEN" != 0 ] || cookies=""
	{
		conf_head "$s"
		cat <<EOF
pseudowire "to-site-$PEER_SITE" {
	mode = "static"
	remote = "$PEER4"
	local = "$ME4"
	encap = "$ENCAP"
	cookie-length = $CLEN
	l2-sublayer = "$SUBLAYER"
	sequencing = $SEQ
	$ids
	$cookies
	interface = "$PW_IF"
}
EOF
	} >"$T/$s.conf"
done
cap_start wan "$NS_W" "$WAN_BR"
start_sites

step "the static pseudowire is up"
check "both sites report \"connected\" within 10 s" wait_for 10 both_connected
show_status A
show_status B
check "site A shows its configured ids ($TUN_A/$TUN_B, $SES_A/$SES_B)" \
	eval '[ "$(pw_get A tunnel-id) $(pw_get A peer-tunnel-id) $(pw_get A session-id) $(pw_get A peer-session-id)" = "$TUN_A $TUN_B $SES_A $SES_B" ]'
check "tunnel and session ids match crosswise" ids_crosswise

step "traffic"
check "hostA resolves hostB by ARP (arping)" arping_ok "$NS_HA" "$HOST_IF" 192.0.2.2
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 5
check "hostB pings hostA with 1300-byte packets" ping_ok "$NS_HB" 192.0.2.1 3 -s 1300
check "site B counted received packets" eval '[ "$(pw_get B rx-packets)" -gt 0 ]'
check "no frames dropped at site A" eval '[ "$(pw_get A rx-dropped)" -eq 0 ]'
check "no frames dropped at site B" eval '[ "$(pw_get B rx-dropped)" -eq 0 ]'

step "tshark decodes the WAN capture with explicit prefs"
cap_stop wan
mapfile -t PREFS < <(ts_prefs "$CLEN" "$SUBLAYER")
PCAP=$(cap_file wan)
say "  prefs: ${PREFS[*]}"
if [ "$ENCAP" = ip ]; then under='ip.proto == 115'; else under='udp.port == 1701'; fi
# Frames sent before the peer's socket was open come back quoted in ICMP
# port/protocol unreachables; those are not the sender's packets.
under="$under && !(icmp.type == 3)"

# wire_ok FROM SID COOKIE: every L2TP packet FROM sends has our expectations.
wire_ok() {
	local from=$1 sid=$2 cookie=$3 total bad want
	want="l2tp.sid == $sid"
	[ "$CLEN" = 0 ] || want="$want && l2tp.cookie == $(sed 's/../&:/g; s/:$//' <<<"$cookie")"
	if [ "$SUBLAYER" = default ]; then
		if [ "$SEQ" = yes ]; then want="$want && l2tp.l2_spec_s == 1"; else want="$want && l2tp.l2_spec_s == 0"; fi
	fi
	total=$(ts_count "$PCAP" "ip.src == $from && l2tp && $under" "${PREFS[@]}")
	bad=$(ts_count "$PCAP" "ip.src == $from && l2tp && $under && !($want)" "${PREFS[@]}")
	echo "from $from: $total L2TP packets, $bad not matching ($want)"
	[ "$total" -ge 5 ] && [ "$bad" -eq 0 ]
}
check "site A sends session id $SES_B${COOKIE_A:+, cookie $COOKIE_A} on every packet" \
	wire_ok 198.18.0.1 "$SES_B" "$COOKIE_A"
check "site B sends session id $SES_A${COOKIE_B:+, cookie $COOKIE_B} on every packet" \
	wire_ok 198.18.0.2 "$SES_A" "$COOKIE_B"
check "ICMP echo requests and replies decoded inside the pseudowire" \
	eval 'ts_at_least 5 "$PCAP" "l2tp && eth && icmp.type == 8" "${PREFS[@]}" && ts_at_least 5 "$PCAP" "l2tp && eth && icmp.type == 0" "${PREFS[@]}"'
check "ARP decoded inside the pseudowire" ts_at_least 2 "$PCAP" "l2tp && arp" "${PREFS[@]}"
check "no malformed packets" ts_none "$PCAP" "_ws.malformed || _ws.expert.severity == error" "${PREFS[@]}"

# seq_ok FROM: the sublayer's sequence numbers count up by one (RFC 4719 4.2).
seq_ok() {
	local seqs
	seqs=$(ts "$PCAP" "${PREFS[@]}" -Y "ip.src == $1 && l2tp && $under" -T fields -e l2tp.l2_spec_sequence)
	echo "from $1: sequence numbers $(tr '\n' ' ' <<<"$seqs" | cut -c1-200)"
	awk 'NR > 1 && $1 != (prev + 1) % 16777216 { bad = 1 } { prev = $1; n++ } END { exit (bad || n < 5) }' <<<"$seqs"
}
if [ "$SEQ" = yes ]; then
	check "site A's sequence numbers count up by one" seq_ok 198.18.0.1
	check "site B's sequence numbers count up by one" seq_ok 198.18.0.2
fi

# Scenario 12: the same fields, the same prefs, in the kernel's capture.
if [ -n "${L2T_KERNEL_PCAP:-}" ]; then
	step "compare with the Linux kernel's capture $(basename "$L2T_KERNEL_PCAP")"
	# fields FILE SRC: the L2TP header fields of one sender, one line per distinct tuple.
	fields() {
		ts "$1" "${PREFS[@]}" -Y "ip.src == $2 && l2tp && $under" -T fields \
			-e l2tp.sid -e l2tp.cookie -e l2tp.l2_spec_s | sort -u
	}
	kern=$(fields "$L2T_KERNEL_PCAP" 198.18.7.2)
	ours=$(fields "$PCAP" 198.18.0.2)
	say "  kernel (198.18.7.2) sends: $kern"
	say "  site B (198.18.0.2) sends: $ours"
	check "site B's data header equals the kernel's (session id, cookie, S bit)" \
		test -n "$kern" -a "$kern" = "$ours"
	kpeer=$(fields "$L2T_KERNEL_PCAP" 198.18.7.1)
	opeer=$(fields "$PCAP" 198.18.0.1)
	say "  kernel's peer (198.18.7.1) sends: $kpeer"
	say "  site A (198.18.0.1) sends:        $opeer"
	check "site A's data header equals what the kernel expects" test -n "$kpeer" -a "$kpeer" = "$opeer"
	check "the kernel capture decodes with the same prefs, nothing malformed" \
		ts_none "$L2T_KERNEL_PCAP" "_ws.malformed || _ws.expert.severity == error" "${PREFS[@]}"
fi
