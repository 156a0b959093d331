# shellcheck shell=bash
#
# Helpers for the Multilink (MRRU) and MPPE scenarios (tests/netns/3?-*.sh):
# "Full-size frames and encryption over PPP".  Source it after lib.sh and
# lib-ppp.sh.  The picture is lib-ppp.sh's with one client site and a
# 1400-byte WAN:
#
#   $P-hS --[${P}brS  $P-sS]== ${P}wbr (MTU 1400) ==[$P-sC1  ${P}brC1]-- $P-hC1
#   192.0.2.1   l2tp-server     198.18.0.254          l2tp-client     192.0.2.2
#   (MTU 1500)  198.18.0.1                            198.18.0.2      (MTU 1500)
#
# The LAN hosts and bridges keep MTU 1500: a full-size Ethernet frame (1514
# bytes: `ping -M do -s 1472`) does not fit one PPP frame on that WAN, so it
# crosses only as Multilink fragments (RFC 1990) when both ends negotiated an
# MRRU.  max-mtu / max-mru are set to MP_MAX_MTU on both ends so that every
# L2TP packet fits the WAN whole (IP 20 + UDP 8 + L2TPv2 header <= 12 +
# FF 03 + protocol 2 + Information <= MP_MAX_MTU = 1400): what the WAN carries
# is never IP-fragmented.
#
# The PPP session is user $MP_USER; the server gives it the TAP ${P}s1.

MP_USER=site-c1
MP_PASS=mp-c1-secret
MP_WAN_MTU=1400
MP_MAX_MTU=1356
MP_SRV_TAP=${P}s1

# mp_topo: lib-ppp.sh's topology with S and C1, the WAN links at MTU 1400.
mp_topo() {
	local dev
	ppp_topo C1
	for dev in "${P}wS" "${P}wC1" "$WAN_BR"; do
		ip -n "$NS_W" link set "$dev" mtu "$MP_WAN_MTU"
	done
	ip -n "${SNS[S]}" link set "$PPP_WAN_IF" mtu "$MP_WAN_MTU"
	ip -n "${SNS[C1]}" link set "$PPP_WAN_IF" mtu "$MP_WAN_MTU"
	say "  WAN MTU $MP_WAN_MTU on ${P}wS ${P}wC1 $WAN_BR and both sites' $PPP_WAN_IF; LAN hosts at 1500"
}

# mp_mtus_ok: what the links actually have (for the log and as a check).
mp_mtus_ok() {
	local m
	for m in "${SNS[S]}:$PPP_WAN_IF:$MP_WAN_MTU" "${SNS[C1]}:$PPP_WAN_IF:$MP_WAN_MTU" \
		"$NS_W:$WAN_BR:$MP_WAN_MTU" "${HNS[S]}:$PPP_HOST_IF:1500" "${HNS[C1]}:$PPP_HOST_IF:1500"; do
		local ns=${m%%:*} rest=${m#*:}
		local dev=${rest%%:*} want=${rest#*:} got
		got=$(ip -n "$ns" -j link show "$dev" | jq -r '.[0].mtu')
		echo "$ns $dev mtu $got (want $want)"
		[ "$got" = "$want" ] || return 1
	done
}

# mp_confs SRV_MRRU CLI_MRRU SRV_ENC CLI_ENC [SERVER_LINE...]: $T/S.conf and
# $T/C1.conf.  Both ends: profile "lan" (the site bridge, use-encryption
# SRV_ENC / CLI_ENC), max-mtu/max-mru $MP_MAX_MTU, the given mrru (0 =
# disabled), authentication MS-CHAPv2 only (MPPE keys come from it, RFC 3079).
# The server's default-profile is "lan" too: CCP is negotiated before the
# user is known, so its use-encryption is what the server asks for.
mp_confs() {
	local smrru=$1 cmrru=$2 senc=$3 cenc=$4
	shift 4
	{
		conf_global S
		conf_profile lan "${SBR[S]}" "use-encryption = \"$senc\""
		conf_server 'authentication = {mschap2}' 'default-profile = "lan"' \
			"mrru = $smrru" "max-mtu = $MP_MAX_MTU" "max-mru = $MP_MAX_MTU" "$@"
		conf_secret "$MP_USER" "$MP_PASS" 'profile = "lan"' "interface = \"$MP_SRV_TAP\""
	} >"$T/S.conf"
	{
		conf_global C1
		conf_profile lan "${SBR[C1]}" "use-encryption = \"$cenc\""
		conf_client "$MP_USER" "$MP_PASS" 'profile = "lan"' 'allow = {mschap2}' \
			"mrru = $cmrru" "max-mtu = $MP_MAX_MTU" "max-mru = $MP_MAX_MTU"
	} >"$T/C1.conf"
}

# mp_get SITE KEY: a key of the PPP session's row at SITE.
mp_get() { ppp_get "$1" "$MP_USER" "$2"; }
# mp_connected: the session is "connected" on both sides.
mp_connected() { ppp_both_connected C1 "$MP_USER"; }

# mp_key_is SITE KEY WANT: prints what it found.
mp_key_is() {
	local v
	v=$(mp_get "$1" "$2") || {
		echo "site $1: no status row for user $MP_USER"
		return 1
	}
	echo "site $1 $MP_USER: $2 = \"$v\" (want \"$3\")"
	[ "$v" = "$3" ]
}

# counter_grew_ppp SITE KEY BEFORE: the session's counter KEY is above BEFORE.
counter_grew_ppp() {
	local now
	now=$(mp_get "$1" "$2") || return 1
	echo "site $1 $2: $3 -> $now"
	[ "$now" -gt "$3" ]
}

# mp_restart: stop both daemons (SIGTERM, verdicts from lib.sh), start them
# again from the current $T/S.conf and $T/C1.conf.  Each daemon log gets a
# marker line; mp_log_since SITE reads what came after the last one.
mp_restart() {
	stop_daemon C1
	stop_daemon S
	ppp_start S C1
}
# mp_log_since SITE: the daemon log from its last start on.
mp_log_since() {
	awk '/^=== .* -c / { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "${DAEMON_LOG[$1]}"
}
# mp_log_has SITE ERE: a line of the current run's log matches (case-insensitive).
# (No grep -m: under pipefail an early exit would SIGPIPE the writer and fail.)
mp_log_has() {
	local all out
	all=$(mp_log_since "$1")
	out=$(grep -iE -- "$2" <<<"$all") || return 1
	sed -n 1,3p <<<"$out"
}

# big_ping NS DST [COUNT]: full-size Ethernet frames (1472 + 28 = 1500-byte
# IP packets, DF set) all answered.
big_ping() { ping_ok "$1" "$2" "${3:-5}" -M 'do' -s 1472; }
# big_ping_none NS DST [COUNT]: not one answered (DF set, 1500-byte packets).
big_ping_none() {
	local out got
	out=$(in_ns "$1" ping -n -c "${3:-5}" -i 0.2 -W 1 -M 'do' -s 1472 "$2" 2>&1) || true
	got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
	printf '%s\n' "$out" | tail -n 3
	[ "${got:-0}" -eq 0 ]
}

# --- tshark ----------------------------------------------------------------------

# Every tshark call of these scenarios (lib.sh's ts*, lib-ppp.sh's pts_*)
# reads Multilink with the prefs in MPP, which a scenario sets per capture
# from mp_ts_prefs: one set of capture helpers serves, prefs included.
MPP=()
tshark() { command tshark "$@" "${MPP[@]}"; }

# mp_ts_prefs FILE: tshark options for Multilink in that capture.  The
# sequence number format is read from the capture's LCP: Short Sequence
# Number Header Format (option 18, RFC 1990 §5.1.2) acknowledged means the
# 12-bit form, else the 24-bit one.  Fragments of one frame: up to 16.
mp_ts_prefs() {
	local short=FALSE MPP=()
	if [ "$(pts_count "$1" 'lcp && ppp.code == 2 && lcp.opt.type == 18')" -gt 0 ] 2>/dev/null; then
		short=TRUE
	fi
	printf '%s\n' -o "mp.short_seqno:$short" -o mp.max_fragments:16
}

# pcap_hex_count FILE HEX: "HITS PACKETS": how many packets of the pcap FILE
# contain the bytes HEX anywhere (raw bytes as captured, not tshark's
# decode); fails if the file cannot be read, so an absent pattern is never
# confused with a broken capture.
pcap_hex_count() {
	"$PY" - "$1" "$2" <<'EOF'
import struct, sys
path, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
with open(path, "rb") as fh:
    data = fh.read()
magic = data[:4]
if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
    endian = "<"
elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
    endian = ">"
else:
    sys.exit(f"{path}: not a pcap file")
off, n, hits = 24, 0, 0
while off + 16 <= len(data):
    incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    n += 1
    hits += needle in pkt
print(hits, n)
EOF
}
# pcap_has_hex HEX FILE: some packet contains HEX.
pcap_has_hex() {
	local r
	r=$(pcap_hex_count "$2" "$1") || return 1
	echo "${r% *} of ${r#* } packets contain $1"
	[ "${r% *}" -gt 0 ]
}
# pcap_lacks_hex HEX FILE: the capture holds at least 10 packets and none contains HEX.
pcap_lacks_hex() {
	local r
	r=$(pcap_hex_count "$2" "$1") || return 1
	echo "${r% *} of ${r#* } packets contain $1"
	[ "${r% *}" -eq 0 ] && [ "${r#* }" -ge 10 ]
}

# mp_read_capture NAME: stop capture NAME, set W (its file) and MPP (its
# Multilink prefs), print the prefs and tshark's protocol hierarchy.
mp_read_capture() {
	cap_stop "$1"
	W=$(cap_file "$1")
	MPP=()
	mapfile -t MPP < <(mp_ts_prefs "$W")
	say "  tshark prefs: ${MPP[*]}; protocol hierarchy of $1:"
	say "$(ts "$W" -q -z io,phs | sed -n '/^eth/,/^=/p' | sed 's/^/    /' | sed -n 1,30p)"
}
