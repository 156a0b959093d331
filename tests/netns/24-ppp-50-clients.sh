#!/bin/bash
# Scenario 24: fifty client sites against one l2tp-server.
#
# Each client is a separate site, as in the field: its own namespace, its own
# l2pwd (one l2tp-client section), its own LAN bridge and LAN host
# (C1..C50: WAN 198.18.0.2-51, host 192.0.2.2-51), all on one WAN segment with
# the server S (198.18.0.1, host 192.0.2.1).  The server has one ppp-secret
# per client (users c1..c50, dynamic TAPs l2tp-cN on its bridge), the default
# authentication (mschap1, mschap2) and keepalive.
#
# A user sees: all 50 sessions "connected" on the server and on every client;
# every client's LAN host pings the server's host.  Printed: the time from
# starting the 50 client daemons to all 50 connected on the server, and the
# server daemon's RSS with 50 sessions (VmRSS; the build used is printed:
# ASan inflates memory several times over).
#
# Cost: 103 namespaces, 51 daemons (ASan: some 20-40 MB each).  The machine
# (2 cores) takes it; L2T_PPP_CLIENTS=N runs fewer for a quick look.
L2T_TIMEOUT=230
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ppp.sh"
N=${L2T_PPP_CLIENTS:-50}
CONNECT_BOUND=90

require_binaries
step "topology: server + $N client sites"
t0=$(now_ms)
CL=()
for i in $(seq 1 "$N"); do CL+=("C$i"); done
ppp_topo "${CL[@]}" >/dev/null
say "  $((${#L2T_NETNS[@]})) namespaces built in $(($(now_ms) - t0)) ms"

step "configs"
{
	conf_global S
	conf_profile lan "${SBR[S]}"
	conf_server
	for i in $(seq 1 "$N"); do
		conf_secret "c$i" "pw-$i-x" 'profile = "lan"'
	done
} >"$T/S.conf"
for i in $(seq 1 "$N"); do
	{
		conf_global "C$i"
		conf_profile lan "${SBR[C$i]}"
		conf_client "c$i" "pw-$i-x" 'profile = "lan"'
	} >"$T/C$i.conf"
done
say "  server: $(grep -c ppp-secret "$T/S.conf") ppp-secrets; client C1's config:"
sed 's/^/    | /' "$T/C1.conf"
ppp_start -q S

step "start $N client daemons"
t_start=$(now_ms)
ppp_start_many "${CL[@]}"
say "  $N client daemons answering after $(($(now_ms) - t_start)) ms"

step "all $N connect"
# all_connected_verbose: progress line, success when N server rows are connected.
all_connected() {
	local n
	n=$(ppp_count_connected S l2tp-server) || true
	echo "${n:-0}" >"$T/connected.count"
	[ "${n:-0}" -ge "$N" ]
}
if wait_for "$CONNECT_BOUND" all_connected; then
	dt=$(($(now_ms) - t_start))
	say "  all $N sessions connected on the server $dt ms after the first client daemon started"
	ok "all $N sessions connected on the server within ${CONNECT_BOUND} s (took $dt ms)"
else
	fail "only $(cat "$T/connected.count" 2>/dev/null || echo 0) of $N sessions connected on the server after ${CONNECT_BOUND} s"
fi
# client_rows_connected: every client site shows its session connected.
client_rows_connected() {
	local i bad=""
	for i in $(seq 1 "$N"); do
		ppp_connected "C$i" "c$i" || bad="$bad C$i"
	done
	[ -z "$bad" ] || {
		echo "not connected:$bad"
		return 1
	}
}
check "every client site shows its session connected" wait_for 20 client_rows_connected
check "the server has $N TAPs on ${SBR[S]}" \
	eval "[ \"\$(ip -n ${SNS[S]} -o link show master ${SBR[S]} | grep -c ': l2tp-c[0-9]*[:@]')\" -eq $N ]"
check "spot check: ids crosswise for c1, c$(((N + 1) / 2)) and c$N" \
	eval "ppp_ids_crosswise C1 c1 && ppp_ids_crosswise C$(((N + 1) / 2)) c$(((N + 1) / 2)) && ppp_ids_crosswise C$N c$N"

step "every client's LAN host pings the server's host"
t_ping=$(now_ms)
pids=()
for i in $(seq 1 "$N"); do
	in_ns "${HNS[C$i]}" ping -n -c 3 -i 0.3 -W 3 -w 15 192.0.2.1 >"$T/ping-C$i.out" 2>&1 &
	pids+=($!)
	L2T_PIDS+=($!)
done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
bad=""
for i in $(seq 1 "$N"); do
	got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$T/ping-C$i.out")
	[ "${got:-0}" -eq 3 ] || bad="$bad C$i(${got:-0}/3)"
done
say "  $N hosts pinged in parallel, $(($(now_ms) - t_ping)) ms"
check "all $N hosts got 3 of 3 answers from 192.0.2.1" eval "[ -z '$bad' ] || { echo 'short:$bad'; false; }"
check "host of C1 pings host of C$N (client to client through the server's bridge)" \
	ping_ok "${HNS[C1]}" "${SHOST4[C$N]}" 3

step "resources"
rss=$(rss_kb "${DAEMON_PID[S]}" || echo 0)
crss=$(rss_kb "${DAEMON_PID[C1]}" || echo 0)
say "  build: $(build_kind)"
say "  server l2pwd (pid ${DAEMON_PID[S]}) VmRSS with $N sessions: $rss kB; one client's l2pwd (C1): $crss kB"
check "the server daemon is alive with $N sessions" daemon_alive S
check "still $N connected on the server after the pings" all_connected
say "  scenario time so far: $(elapsed)"
