#!/bin/bash
# Scenario 25: Wireshark as the judge of what l2pwd puts on the wire in the
# L2TPv2 + PPP + BCP mode (TESTBED.md: BCP 0x8031 and bridged frames 0x0031
# decode with tshark's defaults).
#
# Server S (authentication = {pap, chap}, profile without encryption so the
# bridged frames are readable), C1 allow {pap}, C2 allow {chap}.  The WAN
# capture, from before the daemons start to after C1's l2pwd is stopped
# (SIGTERM), must hold: the L2TPv2 control exchange SCCRQ..ICCN, LCP
# Configure-Request/Ack, PAP Authenticate-Request/Ack, CHAP
# Challenge/Response/Success, BCP (NCP) Configure-Request/Ack, bridged
# Ethernet frames carrying ARP and ICMP both ways, LCP Echo (keepalive 3 s),
# and on C1's SIGTERM an LCP Terminate-Request or a CDN/StopCCN; and no
# packet tshark calls malformed (_ws.malformed) or flags with an
# Error-severity expert info.  Warnings are printed, not failed (Wireshark
# 4.0 wants 3-byte BCP Management-Inline options, RFC 3518 says 2).
L2T_TIMEOUT=150
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"

require_binaries
step "topology"
ppp_topo C1 C2

step "configs"
{
	conf_global S
	conf_profile clear "${SBR[S]}" 'use-encryption = "no"'
	conf_server 'authentication = {pap, chap}' 'keepalive-timeout = 3'
	conf_secret site-c1 pw-c1 'profile = "clear"'
	conf_secret site-c2 pw-c2 'profile = "clear"'
} >"$T/S.conf"
{
	conf_global C1
	conf_profile clear "${SBR[C1]}" 'use-encryption = "no"'
	conf_client site-c1 pw-c1 'profile = "clear"' 'allow = {pap}'
} >"$T/C1.conf"
{
	conf_global C2
	conf_profile clear "${SBR[C2]}" 'use-encryption = "no"'
	conf_client site-c2 pw-c2 'profile = "clear"' 'allow = {chap}'
} >"$T/C2.conf"
cap_start wan "$NS_W" "$WAN_BR"
ppp_start S C1 C2

step "sessions up, traffic"
require "site-c1 connected on both sides within 40 s" wait_for 40 ppp_both_connected C1 site-c1
require "site-c2 connected on both sides within 40 s" wait_for 40 ppp_both_connected C2 site-c2
check "host of C1 resolves the server's host by ARP" arping_ok "${HNS[C1]}" "$PPP_HOST_IF" 192.0.2.1
check "host of C1 pings the server's host" ping_ok "${HNS[C1]}" 192.0.2.1 5
check "host of C2 pings the host of C1" ping_ok "${HNS[C2]}" 192.0.2.2 5
# LCP echoes come after keepalive-timeout idle seconds: wait for one on the wire.
lcp_echo_seen() {
	[ "$(pts_count "$(cap_file wan)" '(lcp && ppp.code == 9) || (lcp && ppp.code == 10)')" -ge 1 ]
}
check "an LCP Echo-Request/Reply crossed within 20 s" wait_for 20 lcp_echo_seen
for c in C1 C2; do
	u=site-$(tr C c <<<"$c")
	check "$u: encoding \"none\" on both sides (use-encryption = no)" \
		eval "[ \"\$(ppp_get $c $u encoding)\" = none ] && [ \"\$(ppp_get S $u encoding)\" = none ]"
done

step "without MRRU a full-size frame does not fit the link: dropped and counted"
# max-mtu 1450, mrru 0: a 1514-byte frame exceeds the peer's MRU, so C1 must
# drop it (RFC 1661 6.1) and say so in its too-big counter.
too_big_before=$(ppp_row C1 site-c1 | jq -r '.drops["too-big"] // 0') || too_big_before=0
big_ping_unanswered() {
	local out got
	out=$(in_ns "${HNS[C1]}" ping -n -c 2 -i 0.3 -W 1 -M "do" -s 1472 192.0.2.1 2>&1) || true
	got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
	printf '%s\n' "$out" | tail -n 2
	[ "${got:-0}" -eq 0 ]
}
check "a 1500-byte DF ping from C1's host gets no answer" big_ping_unanswered
too_big_grew() {
	local n
	n=$(ppp_row C1 site-c1 | jq -r '.drops["too-big"] // 0') || return 1
	echo "C1 too-big drops: $too_big_before -> $n"
	[ "$n" -ge $((too_big_before + 2)) ]
}
check "C1's too-big drop counter counted both frames" too_big_grew
check "site-c1 still connected, small pings still cross" \
	eval 'ppp_both_connected C1 site-c1 && ping_ok "${HNS[C1]}" 192.0.2.1 2'

step "C1's l2pwd stops (SIGTERM): it says goodbye on the wire"
stop_daemon C1
# The capture is read as it grows: wait for the goodbye to be on disk.
goodbye_seen() {
	[ "$(pts_count "$(cap_file wan)" \
		'ip.src == 198.18.0.2 && ((lcp && ppp.code == 5) || l2tp.avp.message_type == 14 || l2tp.avp.message_type == 4)')" -ge 1 ]
}
check "C1 sent LCP Terminate-Request or CDN or StopCCN" wait_for 10 goodbye_seen
cap_stop wan
W=$(cap_file wan)

step "tshark's reading of the capture ($(pts_count "$W" frame || echo ?) frames)"
say "  protocol hierarchy:"
{ ts "$W" -q -z io,phs | grep 'frames:' | sed 's/^/    /' | head -n 30; } || true
# count_kind DESC FILTER: prints and asserts "> 0".
count_kind() { check "$1" pts_at_least 1 "$W" "$2"; }
count_kind "L2TPv2 SCCRQ" 'l2tp.version == 2 && l2tp.avp.message_type == 1'
count_kind "L2TPv2 SCCRP" 'l2tp.avp.message_type == 2'
count_kind "L2TPv2 SCCCN" 'l2tp.avp.message_type == 3'
count_kind "L2TPv2 ICRQ" 'l2tp.avp.message_type == 10'
count_kind "L2TPv2 ICRP" 'l2tp.avp.message_type == 11'
count_kind "L2TPv2 ICCN" 'l2tp.avp.message_type == 12'
count_kind "LCP Configure-Request" '(lcp && ppp.code == 1)'
count_kind "LCP Configure-Ack" '(lcp && ppp.code == 2)'
count_kind "LCP Configure-Request with an MRU option" '(lcp && ppp.code == 1) && lcp.opt.mru'
count_kind "LCP Configure-Ack naming PAP, sent by C1" 'ip.src == 198.18.0.2 && (lcp && ppp.code == 2) && lcp.opt.auth_protocol == 0xc023'
count_kind "LCP Configure-Ack naming CHAP-MD5, sent by C2" 'ip.src == 198.18.0.3 && (lcp && ppp.code == 2) && lcp.opt.auth_protocol == 0xc223 && lcp.opt.algorithm == 5'
count_kind "PAP Authenticate-Request from C1 with Peer-ID site-c1" 'ip.src == 198.18.0.2 && pap.code == 1 && pap.peer_id == "site-c1"'
count_kind "PAP Authenticate-Ack to C1" 'ip.dst == 198.18.0.2 && pap.code == 2'
count_kind "CHAP Challenge to C2" 'ip.dst == 198.18.0.3 && chap.code == 1'
count_kind "CHAP Response from C2 naming site-c2" 'ip.src == 198.18.0.3 && chap.code == 2 && chap.name == "site-c2"'
count_kind "CHAP Success to C2" 'ip.dst == 198.18.0.3 && chap.code == 3'
count_kind "BCP Configure-Request (0x8031)" 'bcp_ncp && ppp.protocol == 0x8031 && (bcp_ncp && ppp.code == 1)'
count_kind "BCP Configure-Ack" '(bcp_ncp && ppp.code == 2)'
count_kind "bridged frames (0x0031) with Ethernet inside" 'bcp_bpdu && eth'
count_kind "bridged ARP" 'bcp_bpdu && arp'
count_kind "bridged ICMP echo request 192.0.2.2 -> 192.0.2.1" 'bcp_bpdu && icmp.type == 8 && ip.src == 192.0.2.2 && ip.dst == 192.0.2.1'
count_kind "bridged ICMP echo reply 192.0.2.1 -> 192.0.2.2" 'bcp_bpdu && icmp.type == 0 && ip.src == 192.0.2.1 && ip.dst == 192.0.2.2'
count_kind "LCP Echo-Request" '(lcp && ppp.code == 9)'
count_kind "LCP Echo-Reply" '(lcp && ppp.code == 10)'
check "no malformed packets (_ws.malformed)" pts_none "$W" '_ws.malformed'
check "no Error-severity expert info" pts_none "$W" '_ws.expert.severity >= 8388608'
warn=$(ts "$W" -Y '_ws.expert.severity == 6291456' -T fields -e _ws.expert.message | sort | uniq -c | head -n 10) || true
[ -z "$warn" ] || {
	say "  tshark warnings (not failed):"
	printf '%s\n' "$warn" | sed 's/^/    /'
}
