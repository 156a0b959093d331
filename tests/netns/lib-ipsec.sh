# shellcheck shell=bash
#
# strongSwan (charon) in test namespaces.  Source it from a scenario after the
# scenario's own prelude (tests/netns/lib.sh or tests/netns/ipsec/01-smoke.sh):
# it defines functions only and starts nothing by itself.
#
# What the test machine allows (TESTBED.md, re-checked by 01-smoke.sh): the
# kernel has no ESP, so charon runs the kernel-libipsec plugin (userspace ESP
# through a TUN named ipsec0, tunnel mode only, ESP always UDP-encapsulated on
# 4500).  IKE and ESP-in-UDP sockets carry fwmark 0x42 and the policy rule
# kernel-netlink installs for table 220 skips marked packets, so they do not
# loop into the TUN.
#
# One charon per namespace.  charon's pid file path is fixed (/run/charon.pid),
# so each one runs under `ip netns exec` (a mount namespace of its own) with a
# private directory bind-mounted on /run; its vici socket lives in that same
# directory under its real path, so swanctl outside reaches it with
# `--uri unix://DIR/charon.vici`.
#
#   ipsec_charon_start NS DIR    start charon in NS, state in DIR (created);
#                                waits until its vici socket answers.  Call it
#                                in the scenario's shell, never in $(...) or a
#                                pipeline: the PID must be remembered there
#   ipsec_charon_stop NS         SIGTERM to that charon only, bounded wait
#   ipsec_charon_stop_all        every charon started here (for EXIT traps)
#   ipsec_swanctl NS ARGS...     swanctl against NS's charon (adds --uri)
#   ipsec_uri NS                 that URI
#   ipsec_child_installed NS C   true when child SA C is INSTALLED
#
# Environment: IPSEC_CHARON (default /usr/lib/ipsec/charon),
# IPSEC_WAIT (seconds for start/stop, default 15).

IPSEC_CHARON=${IPSEC_CHARON:-/usr/lib/ipsec/charon}
IPSEC_WAIT=${IPSEC_WAIT:-15}
declare -A IPSEC_PID=() # namespace -> charon pid
declare -A IPSEC_DIR=() # namespace -> state directory

# Plugins: openssl does IKE crypto and, with gcm/aes/sha*/hmac as fallbacks,
# what libipsec needs for ESP; kdf is the PRF+ of 5.9.6+.
IPSEC_PLUGINS="random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey
	kernel-libipsec kernel-netlink socket-default vici"

ipsec_uri() { echo "unix://${IPSEC_DIR[$1]}/charon.vici"; }

# ipsec_write_conf DIR: strongswan.conf for one instance.
ipsec_write_conf() {
	local d=$1
	cat >"$d/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = $(echo $IPSEC_PLUGINS)
	# libipsec cannot work without routes into its TUN (table 220).
	install_routes = yes
	retransmit_tries = 3
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
		kernel-libipsec {
			# host-to-host: the traffic selector is the IKE peer itself
			allow_peer_ts = yes
		}
		socket-default {
			fwmark = 0x42
		}
		kernel-netlink {
			fwmark = !0x42
		}
	}
	filelog {
		log {
			path = $d/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = 2
			cfg = 2
			esp = 1
			flush_line = yes
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = pem pkcs1 x509 pubkey random openssl
}
CONF
}

ipsec_charon_start() {
	local ns=$1 d=$2 pid
	mkdir -p "$d"
	chmod 0700 "$d"
	IPSEC_DIR[$ns]=$d
	ipsec_write_conf "$d"
	# The bind mount on /run stays inside the mount namespace ip-netns-exec
	# made for this command; nothing outside sees it.
	ip netns exec "$ns" sh -c 'mount --bind "$1" /run && exec env STRONGSWAN_CONF="$1/strongswan.conf" "$2"' \
		sh "$d" "$IPSEC_CHARON" >"$d/charon.out" 2>&1 &
	pid=$!
	IPSEC_PID[$ns]=$pid
	ipsec_wait "$IPSEC_WAIT" ipsec_vici_up "$ns" || {
		echo "charon in $ns did not open its vici socket within ${IPSEC_WAIT}s" >&2
		tail -n 20 "$d/charon.out" "$d/charon.log" >&2 2>/dev/null || true
		return 1
	}
}

ipsec_vici_up() {
	kill -0 "${IPSEC_PID[$1]}" 2>/dev/null &&
		swanctl --stats --uri "$(ipsec_uri "$1")" >/dev/null 2>&1
}

ipsec_swanctl() {
	local ns=$1
	shift
	swanctl "$@" --uri "$(ipsec_uri "$ns")"
}

# ipsec_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
ipsec_wait() {
	local t=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + t * 1000))
	until "$@" >/dev/null 2>&1; do
		[ "$(($(date +%s%N) / 1000000))" -lt "$end" ] || return 1
		sleep 0.1
	done
}

ipsec_child_installed() {
	ipsec_swanctl "$1" --list-sas --child "$2" 2>/dev/null | grep -q "^  *$2: .*INSTALLED"
}

ipsec_charon_stop() {
	local ns=$1 pid=${IPSEC_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	if ! ipsec_wait "$IPSEC_WAIT" ipsec_dead "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	unset "IPSEC_PID[$ns]"
}

ipsec_dead() { ! kill -0 "$1" 2>/dev/null; }

ipsec_charon_stop_all() {
	local ns
	for ns in "${!IPSEC_PID[@]}"; do
		ipsec_charon_stop "$ns"
	done
}

# --- l2pwd sites with IPsec (scenarios on lib.sh / lib-ppp.sh topologies) -------
#
# A site SITE (A, B of lib.sh's topo_build; S, C1, ... of lib-ppp.sh) runs its
# charon in its site namespace DAEMON_NS[SITE], state in $T/charon-SITE, and
# its l2pwd points ipsec-vici at that charon and ipsec-dir at $T/swanctl-SITE.
#
#   ipsec_sites SITE...          start a charon per site (main shell only, as
#                                ipsec_charon_start); registers the cleanup
#                                hook and the charon logs for failure reports
#   ipsec_require_tools          require_binaries, swanctl, charon, tshark, arping
#   ipsec_pw_topology            topo_build + ipsec_sites A B; sets CONN
#   ipsec_conf_global SITE       the two global config lines for that site
#   ipsec_conf_lines MODE SECRET the section lines: use-ipsec = MODE, the
#                                secret, ipsec-mode = "tunnel" (this kernel
#                                has no ESP: kernel-libipsec, tunnel only)
#   ipsec_conn IFACE             the swanctl name l2pwd gives an interface
#   ipsec_site_installed SITE C  child SA C is INSTALLED in SITE's charon
#   ipsec_pw_is SITE WANT [IFACE]  the status row's `ipsec` field is WANT
#   ipsec_row_is SITE USER WANT  the same for a PPP row (lib-ppp.sh)
#   ipsec_child_in_packets SITE C  inbound packets of child SA C (first one)
#   ipsec_charon_kill NS         SIGKILL that charon (no DELETE to the peer)
#   ipsec_pattern_hex            $IPSEC_PATTERN as `ping -p` wants it
#   ipsec_wan_checks PCAP MIN    checks: only IKE + ESP-in-UDP on the WAN
#                                (ARP/ND aside), >= MIN ESP packets, no L2TP
#                                (UDP 1701, IP 115), no $IPSEC_PATTERN bytes

IPSEC_PSK=${IPSEC_PSK:-l2pw netns test psk 7f3a9c}
# 16 bytes of text: `ping -p` repeats them through the payload, so each echo
# carries the string whole; a capture that holds it saw cleartext.
IPSEC_PATTERN=L2PW-IPSEC-PROOF

ipsec_sites() {
	local s
	if [ -z "${IPSEC_HOOKED:-}" ]; then
		IPSEC_HOOKED=1
		L2T_PRE_CLEANUP+=(ipsec_charon_stop_all)
	fi
	for s in "$@"; do
		L2T_FAIL_LOGS+=("$T/charon-$s/charon.log")
		ipsec_charon_start "${DAEMON_NS[$s]}" "$T/charon-$s" || return 1
	done
}

# ipsec_require_tools: the daemon under test and what the IPsec scenarios run.
ipsec_require_tools() {
	local tool
	require_binaries
	for tool in swanctl "$IPSEC_CHARON" tshark arping; do
		require "have $tool" command -v "$tool"
	done
}

# ipsec_pw_topology: lib.sh's standard topology with a charon in each site
# namespace; CONN is the swanctl name of the pseudowire $PW_IF.
ipsec_pw_topology() {
	local rc=0
	ipsec_require_tools
	step "topology, one charon per site"
	topo_build
	ipsec_sites A B || rc=$?
	require "charon answers on vici in both site namespaces" test "$rc" -eq 0
	CONN=$(ipsec_conn "$PW_IF")
}

ipsec_conf_global() {
	printf 'ipsec-vici = "unix://%s/charon.vici"\nipsec-dir = "%s"\n' "$T/charon-$1" "$T/swanctl-$1"
}

ipsec_conf_lines() {
	printf '%s\n' "use-ipsec = \"$1\"" "ipsec-secret = \"$2\"" 'ipsec-mode = "tunnel"'
}

ipsec_conn() { echo "l2pw-$1"; }

# ipsec_row_is SITE USER WANT: the `ipsec` field of the PPP row of USER
# (lib-ppp.sh's ppp_get) is WANT; prints it.
ipsec_row_is() {
	local v
	v=$(ppp_get "$1" "$2" ipsec) || return 1
	echo "site $1 row $2 ipsec: \"$v\""
	[ "$v" = "$3" ]
}

ipsec_site_installed() { ipsec_child_installed "${DAEMON_NS[$1]}" "$2"; }

# ipsec_pw_is SITE WANT [IFACE]: the row's `ipsec` field (lib.sh's pw_get) is
# WANT; prints it.
ipsec_pw_is() {
	local v
	v=$(pw_get "$1" ipsec "${3:-}") || return 1
	echo "site $1 ipsec: \"$v\""
	[ "$v" = "$2" ]
}

# The CHILD_SA's "in  SPI, N bytes, M packets" line (swanctl --list-sas).
ipsec_child_in_packets() {
	local out
	out=$(ipsec_swanctl "${DAEMON_NS[$1]}" --list-sas --child "$2" --noblock 2>/dev/null) || return 1
	sed -n 's/^ *in  .*, *\([0-9]\+\) packets.*/\1/p' <<<"$out" | head -n1 | grep .
}

ipsec_charon_kill() {
	local ns=$1 pid=${IPSEC_PID[$1]:-}
	[ -n "$pid" ] || return 1
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "IPSEC_PID[$ns]"
}

ipsec_pattern_hex() { printf %s "$IPSEC_PATTERN" | od -An -tx1 | tr -d ' \n'; }

# ipsec_has_pattern PCAP: the capture holds $IPSEC_PATTERN (prints the count
# of capture "lines" holding it).
ipsec_has_pattern() {
	local n
	n=$(grep -caF -- "$IPSEC_PATTERN" "$1" || true)
	echo "$n stretches of $1 hold \"$IPSEC_PATTERN\""
	[ "$n" -gt 0 ]
}

ipsec_wan_checks() {
	local pcap=$1 min=$2
	check "WAN: no UDP 1701 in clear" ts_none "$pcap" 'udp.port == 1701 || l2tp'
	check "WAN: no L2TPv3 over IP (protocol 115) in clear" ts_none "$pcap" 'ip.proto == 115 || ipv6.nxt == 115'
	check "WAN: IKE seen" ts_at_least 2 "$pcap" 'isakmp'
	check "WAN: at least $min ESP packets (ESP-in-UDP, port 4500)" ts_at_least "$min" "$pcap" 'esp && udp.port == 4500'
	check "WAN: nothing but IKE/ESP, ARP and ICMPv6 (ND/MLD)" \
		ts_none "$pcap" 'not (udp.port == 500 || udp.port == 4500 || arp || icmpv6)'
	check_not "WAN: the payload pattern \"$IPSEC_PATTERN\" never in clear" ipsec_has_pattern "$pcap"
}
