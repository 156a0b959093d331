/*
 * fastpath_smoke: stand-in for the daemon's fast-path wiring, for the
 * namespace smoke check (tests/bpf/smoke.sh).  Loads the programs through
 * the loader, attaches them, installs one static L2TPv3 Ethernet pseudowire
 * (IPv4 or IPv6 outer, UDP or IP 115, optional cookie; UDP over IPv6 with
 * checksum 0, RFC 6935) and waits for SIGINT/SIGTERM;
 * then prints the session counters and the pass reasons and detaches.
 *
 *   fastpath_smoke -m xdp|tc -w WAN -p PORT [-x XDPTARGET] -l LOCAL -r REMOTE
 *                  -s SESSION -S PEER_SESSION [-c COOKIE_HEX] [-C PEER_COOKIE_HEX]
 *                  [-e udp|ip|v2]
 *
 * -e v2: L2TPv2 + PPP + BCP instead; -s/-S are then TUNNEL<<16|SESSION.
 *
 * xdp: XDP on WAN decaps into XDPTARGET (a veth whose peer is PORT, the
 * bridge port); tc: TC ingress on WAN decaps into PORT's ingress.  Both: TC
 * egress on PORT encapsulates towards REMOTE out of WAN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loader.h"

static volatile sig_atomic_t smoke_stop;

static void smoke_on_signal(int sig)
{
	(void)sig;
	smoke_stop = 1;
}

static int smoke_hex(const char *s, uint8_t *out, uint8_t *len)
{
	size_t n = strlen(s), i;

	if (n != 8 && n != 16)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = (uint8_t)(n / 2);
	return 0;
}

static unsigned int smoke_ifindex(const char *name)
{
	unsigned int i = name ? if_nametoindex(name) : 0;

	if (!i) {
		fprintf(stderr, "no interface %s\n", name ? name : "(none)");
		exit(2);
	}
	return i;
}

int main(int argc, char **argv)
{
	const char *mode = "xdp", *wan = NULL, *port = NULL, *target = NULL, *encap = "udp";
	uint8_t local[16] = {0}, remote[16] = {0};
	int v6 = 0, v2;
	uint32_t sid = 0, peer_sid = 0;
	uint8_t cookie[8], peer_cookie[8], cookie_len = 0, peer_cookie_len = 0;
	struct l2pw_rx_session rx = {0};
	struct l2pw_tx_session tx = {0};
	struct l2pw_v3_key key = {0};
	enum fastpath_xdp_mode xm = FASTPATH_XDP_NONE;
	struct l2pw_counters c;
	uint64_t reasons[L2PW_R_MAX];
	struct fastpath *fp;
	struct wbuf w;
	int opt, err = 0, udp;
	unsigned int i, wan_i, port_i;

	while ((opt = getopt(argc, argv, "m:w:p:x:l:r:s:S:c:C:e:")) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 'w':
			wan = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'x':
			target = optarg;
			break;
		case 'l':
			v6 = strchr(optarg, ':') != NULL;
			if (inet_pton(v6 ? AF_INET6 : AF_INET, optarg, local) != 1)
				return 2;
			break;
		case 'r':
			if (inet_pton(strchr(optarg, ':') ? AF_INET6 : AF_INET, optarg, remote) !=
			    1)
				return 2;
			break;
		case 's':
			sid = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'S':
			peer_sid = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			if (smoke_hex(optarg, cookie, &cookie_len))
				return 2;
			break;
		case 'C':
			if (smoke_hex(optarg, peer_cookie, &peer_cookie_len))
				return 2;
			break;
		case 'e':
			encap = optarg;
			break;
		default:
			fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
			return 2;
		}
	}
	udp = strcmp(encap, "ip") != 0;
	v2 = strcmp(encap, "v2") == 0;
	wan_i = smoke_ifindex(wan);
	port_i = smoke_ifindex(port);

	fp = fastpath_open(NULL, &err);
	if (!fp) {
		fprintf(stderr, "fastpath_open: %s\n", strerror(-err));
		return 1;
	}

	/* RX: our session id, the cookie we expect, from the peer only */
	key.session_id = sid;
	rx.ifindex = strcmp(mode, "xdp") == 0 ? smoke_ifindex(target) : port_i;
	rx.slot = 0;
	rx.flags = udp ? L2PW_RX_F_UDP : 0;
	rx.cookie_len = cookie_len;
	memcpy(rx.cookie, cookie, cookie_len);
	rx.peer_family = v6 ? L2PW_FAMILY_V6 : L2PW_FAMILY_V4;
	memcpy(rx.peer_addr, remote, v6 ? 16 : 4);

	/* TX template: IPv4 (TTL 64, DF clear like Linux) or IPv6 (hop limit
	 * 64), UDP 1701, L2TPv3 */
	tx.wan_ifindex = wan_i;
	tx.slot = 0;
	tx.flags = (uint16_t)((udp ? L2PW_TX_F_UDP : 0) |
			      (v6 ? L2PW_TX_F_IPV6 | L2PW_TX_F_UDP6_ZERO_CSUM : 0));
	wbuf_init(&w, tx.hdr, sizeof(tx.hdr));
	if (v6) {
		wbuf_add_n32(&w, 0x60000000);
		wbuf_add_n16(&w, 0);
		wbuf_add_n8(&w, udp ? 17 : L2PW_IPPROTO_L2TP);
		wbuf_add_n8(&w, 64);
		wbuf_add_bytes(&w, local, 16);
		wbuf_add_bytes(&w, remote, 16);
	} else {
		wbuf_add_n32(&w, 0x45000000);
		wbuf_add_n32(&w, 0);
		wbuf_add_n8(&w, 64);
		wbuf_add_n8(&w, udp ? 17 : L2PW_IPPROTO_L2TP);
		wbuf_add_n16(&w, 0);
		wbuf_add_bytes(&w, local, 4);
		wbuf_add_bytes(&w, remote, 4);
	}
	if (udp) {
		wbuf_add_n32(&w, (uint32_t)L2PW_UDP_PORT << 16 | L2PW_UDP_PORT);
		wbuf_add_n32(&w, 0);
	}
	if (v2) {
		/* RFC 2661 data header like Linux sends it, PPP FF03, 0x0031,
		 * RFC 3518 flags 0 + MAC type 1 */
		wbuf_add_n16(&w, 0x0002);
		wbuf_add_n16(&w, (uint16_t)(peer_sid >> 16));
		wbuf_add_n16(&w, (uint16_t)peer_sid);
		wbuf_add_n32(&w, 0xff030031);
		wbuf_add_n16(&w, 0x0001);
	} else {
		if (udp)
			wbuf_add_n32(&w, 0x00030000);
		wbuf_add_n32(&w, peer_sid);
		wbuf_add_bytes(&w, peer_cookie, peer_cookie_len);
	}
	if (w.err)
		return 1;
	tx.hdr_len = (uint8_t)w.len;

	err = fastpath_slot_reset(fp, 0);
	if (!err && v2) {
		struct l2pw_v2_key k2 = {.tunnel_id = (uint16_t)(sid >> 16),
					 .session_id = (uint16_t)sid};

		rx.flags = 0;
		err = fastpath_v2_set(fp, &k2, &rx);
	} else if (!err) {
		err = fastpath_v3_set(fp, &key, &rx);
	}
	if (!err)
		err = fastpath_tx_set(fp, port_i, &tx);
	if (!err && strcmp(mode, "xdp") == 0) {
		err = fastpath_port_add(fp, rx.ifindex);
		if (!err)
			err = fastpath_attach_xdp(fp, (int)wan_i, &xm);
		if (!err)
			printf("xdp attached to %s in %s mode\n", wan,
			       xm == FASTPATH_XDP_NATIVE ? "native" : "generic");
	} else if (!err) {
		err = fastpath_attach_tc(fp, (int)wan_i, FASTPATH_PROG_TC_RX);
	}
	if (!err)
		err = fastpath_attach_tc(fp, (int)port_i, FASTPATH_PROG_TC_TX);
	if (err) {
		fprintf(stderr, "setup: %s\n", strerror(-err));
		fastpath_close(fp);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	signal(SIGINT, smoke_on_signal);
	signal(SIGTERM, smoke_on_signal);
	while (!smoke_stop)
		pause();

	if (fastpath_counters(fp, 0, &c) == 0)
		printf("session: rx %llu pkts %llu bytes, rx_passed %llu, tx %llu pkts %llu bytes, "
		       "tx_passed %llu\n",
		       (unsigned long long)c.rx_packets, (unsigned long long)c.rx_bytes,
		       (unsigned long long)c.rx_passed, (unsigned long long)c.tx_packets,
		       (unsigned long long)c.tx_bytes, (unsigned long long)c.tx_passed);
	if (fastpath_reasons(fp, reasons) == 0)
		for (i = 1; i < L2PW_R_MAX; i++)
			if (reasons[i])
				printf("reason %s: %llu\n", fastpath_reason_name(i),
				       (unsigned long long)reasons[i]);
	fastpath_close(fp);
	return 0;
}
