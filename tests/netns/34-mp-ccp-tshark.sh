#!/bin/bash
# Scenario 34: tshark, the independent judge, reads the Multilink and CCP/MPPE
# wire format from the WAN capture (mrru 1600 both ends, WAN MTU 1400).
#
#   hS --[brS  S]== WAN, MTU 1400, captured ==[C1 brC1]-- hC1
#
# Part 1, use-encryption = no: LCP negotiates MRRU 1600 both ways (RFC 1990
# §5.1.1); full-size pings cross as Multilink fragments (PPP 0x003d) with
# Begin/End bits, consecutive sequence numbers per direction, and tshark
# reassembles them into bridged Ethernet frames (BCP 0x0031) carrying the
# 1500-byte ICMP packets; nothing malformed, no reassembly errors.
# Part 2, use-encryption = required both ends: CCP Configure-Request/Ack with
# the MPPE option (type 18, RFC 3078 §2.1: S = 128-bit keys, H = stateless)
# both ways, then MPPE packets (0x00fd) inside reassembled Multilink frames;
# nothing malformed.
L2T_TIMEOUT=200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
. "$(dirname "$0")/lib-mp.sh"

S4=198.18.0.1 C4=198.18.0.2

# seq_consecutive FILE SRC: the Multilink sequence numbers SRC sent go up by
# one from fragment to fragment (no loss on this WAN, one link per bundle).
seq_consecutive() {
	local f
	f=$(if [ "${MPP[1]}" = mp.short_seqno:TRUE ]; then echo mp.sseq; else echo mp.seq; fi)
	tshark -n -r "$1" -Y "ppp.protocol == 0x003d && ip.src == $2" -T fields -e "$f" 2>/dev/null |
		awk -v src="$2" 'NF { n++; if (n > 1 && $1 != prev + 1) { bad++; if (bad < 4) printf "gap: %s then %s\n", prev, $1 }
			prev = $1 } END { printf "%s: %d fragments, %d gaps\n", src, n, bad; exit (n < 10 || bad > 0) }'
}

require_binaries
step "topology, WAN MTU $MP_WAN_MTU"
mp_topo

step "part 1: mrru 1600, use-encryption = no"
mp_confs 1600 1600 no no
cap_start wan1 "$NS_W" "$WAN_BR"
ppp_start S C1
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
check "full-size pings hS -> hC1" big_ping "${HNS[S]}" "${SHOST4[C1]}" 5
check "full-size pings hC1 -> hS" big_ping "${HNS[C1]}" "${SHOST4[S]}" 5
mp_read_capture wan1
for src in $S4 $C4; do
	check "LCP Configure-Request from $src offers MRRU 1600" \
		pts_at_least 1 "$W" "ip.src == $src && lcp && ppp.code == 1 && lcp.opt.mrru == 1600"
	check "LCP Configure-Ack from $src accepts MRRU 1600" \
		pts_at_least 1 "$W" "ip.src == $src && lcp && ppp.code == 2 && lcp.opt.mrru == 1600"
	check "Multilink fragments from $src (PPP 0x003d)" pts_at_least 20 "$W" "ip.src == $src && ppp.protocol == 0x003d"
	check "first fragments (B bit, not E) from $src" pts_at_least 10 "$W" "ip.src == $src && mp.first == 1 && mp.last == 0"
	check "last fragments (E bit, not B) from $src" pts_at_least 10 "$W" "ip.src == $src && mp.first == 0 && mp.last == 1"
	check "sequence numbers from $src are consecutive" seq_consecutive "$W" "$src"
done
check "tshark reassembles fragments into bridged frames with 1500-byte ICMP echo requests hS -> hC1" \
	pts_at_least 5 "$W" 'mp.fragment.count >= 2 && bcp_bpdu && icmp.type == 8 && ip.src == 192.0.2.1 && ip.len == 1500'
check "... and the echo replies hC1 -> hS" \
	pts_at_least 5 "$W" 'mp.fragment.count >= 2 && bcp_bpdu && icmp.type == 0 && ip.src == 192.0.2.2 && ip.len == 1500'
check "... and hC1's requests / hS's replies" \
	pts_at_least 10 "$W" 'mp.fragment.count >= 2 && bcp_bpdu && icmp && ip.len == 1500 && (ip.src == 192.0.2.2 && icmp.type == 8 || ip.src == 192.0.2.1 && icmp.type == 0)'
check "reassembled lengths are the BCP frame of a 1514-byte Ethernet frame (>= 1516)" \
	pts_at_least 20 "$W" 'mp.reassembled.length >= 1516'
check "no reassembly errors or conflicting overlaps" \
	pts_none "$W" 'mp.fragment.error || mp.fragment.overlap.conflicts || mp.fragment.multiple_tails || mp.fragment.too_long_fragment'
check "no CCP without encryption configured" pts_none "$W" 'ccp'
check "no malformed packets" pts_none "$W" '_ws.malformed'
check "no Error-severity expert info" pts_none "$W" '_ws.expert.severity >= 8388608'

step "part 2: mrru 1600, use-encryption = required on both ends"
mp_confs 1600 1600 required required
cap_start wan2 "$NS_W" "$WAN_BR"
mp_restart
require "the session is connected on both sides within 40 s" wait_for 40 mp_connected
check "S: encoding \"MPPE128 stateless\"" mp_key_is S encoding "MPPE128 stateless"
check "full-size pings hS -> hC1 through MPPE + Multilink" big_ping "${HNS[S]}" "${SHOST4[C1]}" 5
check "full-size pings hC1 -> hS" big_ping "${HNS[C1]}" "${SHOST4[S]}" 5
mp_read_capture wan2
for src in $S4 $C4; do
	check "CCP Configure-Request from $src with the MPPE option, 128-bit, stateless" \
		pts_at_least 1 "$W" "ip.src == $src && ccp && ppp.code == 1 && ccp.opt.type == 18 && ccp.opt.supported_bits.s == 1 && ccp.opt.supported_bits.h == 1"
	check "CCP Configure-Ack from $src with the MPPE option" \
		pts_at_least 1 "$W" "ip.src == $src && ccp && ppp.code == 2 && ccp.opt.type == 18"
	check "Multilink fragments from $src" pts_at_least 10 "$W" "ip.src == $src && ppp.protocol == 0x003d"
	check "sequence numbers from $src are consecutive" seq_consecutive "$W" "$src"
done
check "CCP negotiated no 40/56-bit MPPE nor MPPC" \
	pts_none "$W" 'ccp && ppp.code == 2 && (ccp.opt.supported_bits.l == 1 || ccp.opt.supported_bits.m == 1 || ccp.opt.supported_bits.c == 1)'
check "reassembled Multilink frames carry MPPE (PPP 0x00fd)" \
	pts_at_least 10 "$W" 'mp.fragment.count >= 2 && ppp.protocol == 0x00fd'
check "no bridged frame in the clear" pts_none "$W" 'bcp_bpdu'
check "no reassembly errors" pts_none "$W" 'mp.fragment.error || mp.fragment.overlap.conflicts'
check "no malformed packets" pts_none "$W" '_ws.malformed'
check "no Error-severity expert info" pts_none "$W" '_ws.expert.severity >= 8388608'
