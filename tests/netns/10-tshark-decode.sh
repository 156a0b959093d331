#!/bin/bash
# Scenario 10: Wireshark is the judge of the wire format.  A WAN capture of a
# dynamic pseudowire coming up, carrying pings and going down (site A gets
# SIGTERM) must decode as L2TPv3: the control connection (SCCRQ, SCCRP,
# SCCCN), the session (ICRQ, ICRP, ICCN) with the AVPs RFC 3931/4719
# require, data packets with an Ethernet frame and ICMP inside, and the
# StopCCN; no malformed packets, no expert errors.
#
#   hostA --- [brA siteA] ===== WAN (capture here) ===== [siteB brB] --- hostB
#
# The session uses 8-byte cookies and the default L2-specific sublayer with
# sequencing; the data is decoded with those given as tshark prefs.
L2T_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

require_binaries
step "topology"
topo_build

step "configs: dynamic, 8-byte cookies, default sublayer, sequencing"
dyn_confs 4 "cookie-length = 8" 'l2-sublayer = "default"' "sequencing = yes"
cap_start wan "$NS_W" "$WAN_BR"
start_sites
require "both sites \"connected\" within 30 s" wait_for 30 both_connected
check "hostA pings hostB" ping_ok "$NS_HA" 192.0.2.2 5
check "hostB pings hostA" ping_ok "$NS_HB" 192.0.2.1 5

step "site A stops (SIGTERM): StopCCN on the wire, site B notices"
stop_daemon A
check "site B no longer shows \"connected\" within 5 s" wait_for 5 pw_not_connected B
say "  site B now: $(pw_get B status || true)"
cap_stop wan
PCAP=$(cap_file wan)
say "  control messages as tshark shows them:"
ts "$PCAP" -Y 'l2tp.type == 1 && l2tp.avp.message_type' -T fields -e ip.src -e _ws.col.Info |
	head -n 20 | sed 's/^/    /' || true

step "control connection and session setup"
for m in 1:SCCRQ 2:SCCRP 3:SCCCN 10:ICRQ 11:ICRP 12:ICCN 4:StopCCN; do
	check "tshark decodes ${m#*:}" ts_at_least 1 "$PCAP" "l2tp.avp.message_type == ${m%%:*}"
done
check "SCCRQ carries Host Name (7), Assigned Control Connection ID (61), Pseudowire Capabilities List (62)" \
	ts_at_least 1 "$PCAP" 'l2tp.avp.message_type == 1 && l2tp.avp.type == 7 && l2tp.avp.type == 61 && l2tp.avp.type == 62'
check "ICRQ carries Local Session ID (63), Remote Session ID (64), Pseudowire Type (68) Ethernet, Remote End ID (66)" \
	ts_at_least 1 "$PCAP" 'l2tp.avp.message_type == 10 && l2tp.avp.type == 63 && l2tp.avp.type == 64 && l2tp.avp.type == 66 && l2tp.avp.type == 68 && l2tp.avp.pseudowire_type == 5'
check "ICRQ/ICRP announce 8-byte cookies (Assigned Cookie AVP 65)" \
	ts_at_least 2 "$PCAP" '(l2tp.avp.message_type == 10 || l2tp.avp.message_type == 11) && l2tp.avp.type == 65 && l2tp.avp.length == 14'
check "ICRQ/ICRP announce the default L2-specific sublayer (AVP 69, value 1)" \
	ts_at_least 2 "$PCAP" '(l2tp.avp.message_type == 10 || l2tp.avp.message_type == 11) && l2tp.avp.layer2_specific_sublayer == 1'
check "the StopCCN comes from site A and carries a Result Code (AVP 1)" \
	ts_at_least 1 "$PCAP" 'l2tp.avp.message_type == 4 && ip.src == 198.18.0.1 && l2tp.avp.type == 1'
check "control messages are acknowledged (ZLBs or piggy-backed Nr)" ts_at_least 3 "$PCAP" 'l2tp.type == 1 && l2tp.Nr > 0'

# tshark's "Detect" (cookie size and sublayer from the ICRQ/ICRP) loses
# track when both sides send SCCRQ at once (RFC 3931 5.4.3 tie breaking),
# which our two daemons do: informational only.
say "  with Detect prefs, data packets with ICMP inside: $(ts_count "$PCAP" 'l2tp.sid > 0 && eth && icmp')"

step "data: Ethernet with ICMP inside, prefs given explicitly"
mapfile -t PREFS < <(ts_prefs 8 default)
say "  prefs: ${PREFS[*]}"
check "ARP inside L2TP data packets" ts_at_least 2 "$PCAP" 'l2tp && arp' "${PREFS[@]}"
check "echo requests and replies decoded" \
	eval 'ts_at_least 10 "$PCAP" "l2tp && icmp.type == 8" "${PREFS[@]}" && ts_at_least 10 "$PCAP" "l2tp && icmp.type == 0" "${PREFS[@]}"'
check "every data packet has the S bit set (sequencing)" \
	ts_none "$PCAP" 'l2tp && l2tp.sid != 0 && l2tp.l2_spec_s != 1' "${PREFS[@]}"
check "no malformed packets with explicit prefs" ts_none "$PCAP" '_ws.malformed || _ws.expert.severity == error' "${PREFS[@]}"
check "two distinct 8-byte cookies on the data packets, one per direction" \
	eval '[ "$(ts "$PCAP" "${PREFS[@]}" -Y "l2tp && icmp" -T fields -e l2tp.cookie | sort -u | awk "length(\$0) == 16" | wc -l)" -eq 2 ]'
