/*
 * BPF_PROG_TEST_RUN fixtures for the eBPF data path (xdp/), receive side:
 * load the real programs through the loader, fill the maps with its API,
 * run packets built here from their parameters (tests/unit/bpf_fixture.h)
 * through both decap programs (XDP and TC) and compare verdicts, output
 * bytes and counters.  Transmit, loader and attach: test_bpf_fastpath_tx.c;
 * captured packets: test_bpf_fastpath_interop.c.  Needs root.
 */
#include "bpf_fixture.h"

/* ---- L2TPv3 receive: UDP/IP x v4/v6 x cookie 0/4/8 x sublayer none/default ---- */

START_TEST(test_v3_rx_matrix)
{
	static const uint8_t cookie_lens[] = {0, 4, 8};
	uint8_t frame[PKT_MAX], pkt[PKT_MAX];
	struct l2pw_counters c;
	size_t flen = inner_frame(frame, 98, 0x0800, 0x11), len;
	int v6, udp, ci, sub, n = 0;

	for (v6 = 0; v6 < 2; v6++)
		for (udp = 0; udp < 2; udp++)
			for (ci = 0; ci < 3; ci++)
				for (sub = 0; sub < 2; sub++) {
					struct l2pw_v3_key key = {.session_id =
								      0x1000u + (uint32_t)n};
					struct l2pw_rx_session s;
					struct v3 p = {
					    .o = {.v6 = v6, .udp = udp},
					    .session_id = key.session_id,
					    .cookie_len = cookie_lens[ci],
					    .cookie = cookie8,
					    .sublayer = sub,
					};

					/* half by exact local address, half wildcard */
					if (n & 1) {
						key.family = v6 ? L2PW_FAMILY_V6 : L2PW_FAMILY_V4;
						memcpy(key.local_addr, v6 ? v6_local : v4_local,
						       v6 ? 16 : 4);
					}
					rx_session(&s,
						   (uint16_t)((udp ? L2PW_RX_F_UDP : 0) |
							      (sub ? L2PW_RX_F_SUBLAYER : 0)),
						   cookie_lens[ci]);
					ck_assert_int_eq(fastpath_v3_set(fp, &key, &s), 0);
					len = build_v3(pkt, &p, frame, flen);
					expect_delivered(pkt, len, frame, flen);
					n++;
				}
	ck_assert_int_eq(n, 24);
	ck_assert_int_eq(fastpath_counters(fp, SLOT, &c), 0);
	ck_assert_uint_eq(c.rx_packets, 2 * 24);
	ck_assert_uint_eq(c.rx_bytes, 2 * 24 * flen);
}
END_TEST

START_TEST(test_v3_rx_sequencing)
{
	uint8_t frame[PKT_MAX], pkt[PKT_MAX];
	struct l2pw_v3_key key = {.session_id = 77};
	struct l2pw_rx_session s;
	struct l2pw_counters c;
	struct v3 p = {.o = {.udp = 1}, .session_id = 77, .sublayer = 1, .seq = 1};
	size_t flen = inner_frame(frame, 80, 0x0800, 0x22), len;
	static const struct {
		uint32_t ns;
		uint32_t verdict;
	} steps[] = {
	    {5, XDP_REDIRECT}, {5, XDP_DROP},	  {7, XDP_REDIRECT},
	    {6, XDP_DROP},     {8, XDP_REDIRECT}, {0xffffff, XDP_DROP}, /* far behind, not a wrap */
	};
	struct run r;
	size_t i;

	rx_session(&s, L2PW_RX_F_UDP | L2PW_RX_F_SUBLAYER | L2PW_RX_F_SEQ, 0);
	ck_assert_int_eq(fastpath_v3_set(fp, &key, &s), 0);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		p.ns = steps[i].ns;
		len = build_v3(pkt, &p, frame, flen);
		run_prog(FASTPATH_PROG_XDP_RX, pkt, len, &r);
		ck_assert_msg(r.retval == steps[i].verdict, "step %zu: Ns %u verdict %u", i,
			      steps[i].ns, r.retval);
	}
	ck_assert_int_eq(fastpath_counters(fp, SLOT, &c), 0);
	ck_assert_uint_eq(c.rx_packets, 3);
	ck_assert_uint_eq(c.rx_dropped, 3);
	ck_assert_uint_eq(reason_count(L2PW_R_SEQ_DROP), 3);

	/* Ns wraps at 2^24 (RFC 4719 4.4) */
	ck_assert_int_eq(fastpath_slot_reset(fp, SLOT), 0);
	p.ns = 0xfffffe;
	len = build_v3(pkt, &p, frame, flen);
	run_prog(FASTPATH_PROG_XDP_RX, pkt, len, &r);
	ck_assert_uint_eq(r.retval, XDP_REDIRECT);
	p.ns = 0;
	len = build_v3(pkt, &p, frame, flen);
	run_prog(FASTPATH_PROG_XDP_RX, pkt, len, &r);
	ck_assert_uint_eq(r.retval, XDP_REDIRECT);

	/* sequencing required, S bit clear: the daemon decides */
	p.seq = 0;
	v3_passed(&p, frame, flen, L2PW_R_SEQ_MISSING);
}
END_TEST

/* ---- L2TPv2 + PPP + BCP receive ---- */

START_TEST(test_v2_bcp_rx)
{
	uint8_t frame[PKT_MAX], pkt[PKT_MAX];
	struct l2pw_v2_key key = {.tunnel_id = 0x1fc3, .session_id = 0x1310};
	struct l2pw_rx_session s;
	size_t flen = inner_frame(frame, 1514, 0x0800, 0x33), len;
	struct v2 variants[] = {
	    {.proto = 0x0031, .bcp_mac = 1},			  /* kernel style, FF03 */
	    {.proto = 0x0031, .bcp_mac = 1, .acfc = 1},		  /* no FF03 */
	    {.proto = 0x0031, .bcp_mac = 1, .acfc = 1, .pfc = 1}, /* 1-byte protocol */
	    {.proto = 0x0031, .bcp_mac = 1, .off_bit = 1},	  /* freeRtr 0x0202 */
	    {.proto = 0x0031, .bcp_mac = 1, .off_bit = 1, .off_pad = 6},
	    {.proto = 0x0031, .bcp_mac = 1, .len_bit = 1, .seq_bit = 1, .ns = 9},
	};
	size_t i;

	rx_session(&s, 0, 0);
	ck_assert_int_eq(fastpath_v2_set(fp, &key, &s), 0);
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		variants[i].o.udp = 1;
		variants[i].o.sport = 37200; /* a LAC's ephemeral port */
		variants[i].tunnel_id = key.tunnel_id;
		variants[i].session_id = key.session_id;
		len = build_v2(pkt, &variants[i], frame, flen);
		expect_delivered(pkt, len, frame, flen);
	}
}
END_TEST

/* ---- everything the fast path leaves to the daemon ---- */

START_TEST(test_rx_pass_cases)
{
	uint8_t frame[PKT_MAX], pkt[PKT_MAX];
	struct l2pw_v3_key k3 = {.session_id = 0x2002};
	struct l2pw_v2_key k2 = {.tunnel_id = 10, .session_id = 20};
	struct l2pw_rx_session s;
	size_t flen = inner_frame(frame, 98, 0x0800, 0x44), len;
	struct v3 ok3 = {.o = {.udp = 1}, .session_id = 0x2002, .cookie_len = 8, .cookie = cookie8};
	struct v3 p3;
	struct v2 ok2 = {
	    .o = {.udp = 1}, .tunnel_id = 10, .session_id = 20, .proto = 0x0031, .bcp_mac = 1};
	struct v2 p2;
	uint8_t bad_cookie[8];
	static const struct {
		uint16_t proto;
		uint8_t bcp_flags, bcp_mac;
		unsigned int reason;
	} v2_odd[] = {
	    {0x003d, 0, 1, L2PW_R_PPP_MP},	  {0x00fd, 0, 1, L2PW_R_PPP_MPPE},
	    {0xc021, 0, 1, L2PW_R_PPP_OTHER},	  {0x0021, 0, 1, L2PW_R_PPP_OTHER},
	    {0x0031, 0x80, 1, L2PW_R_BCP_OPTION}, {0x0031, 0x03, 1, L2PW_R_BCP_OPTION},
	    {0x0031, 0, 4, L2PW_R_BCP_OPTION},
	};

	rx_session(&s, L2PW_RX_F_UDP, 8);
	s.peer_family = L2PW_FAMILY_V4;
	memcpy(s.peer_addr, v4_peer, 4);
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), 0);
	rx_session(&s, 0, 0);
	ck_assert_int_eq(fastpath_v2_set(fp, &k2, &s), 0);

	/* sanity: the unmodified packets are delivered */
	len = build_v3(pkt, &ok3, frame, flen);
	expect_delivered(pkt, len, frame, flen);
	len = build_v2(pkt, &ok2, frame, flen);
	expect_delivered(pkt, len, frame, flen);

	/* L2TPv3 control over UDP: T bit */
	len = build_v3(pkt, &ok3, frame, flen);
	pkt[14 + 20 + 8] = 0xc8;
	expect_passed(pkt, len, L2PW_R_CONTROL);
	/* L2TPv3 control over IP: session id 0 (RFC 3931 4.1.1.1) */
	p3 = ok3;
	p3.o.udp = 0;
	p3.session_id = 0;
	v3_passed(&p3, frame, flen, L2PW_R_CONTROL);
	/* L2TPv2 control */
	p2 = ok2;
	p2.control = 1;
	v2_passed(&p2, frame, flen, L2PW_R_CONTROL);

	/* unknown sessions */
	p3 = ok3;
	p3.session_id = 0x2003;
	v3_passed(&p3, frame, flen, L2PW_R_UNKNOWN_SESSION);
	p2 = ok2;
	p2.session_id = 21;
	v2_passed(&p2, frame, flen, L2PW_R_UNKNOWN_SESSION);

	/* bad cookie, each byte */
	for (int i = 0; i < 8; i++) {
		memcpy(bad_cookie, cookie8, 8);
		bad_cookie[i] ^= 0x80;
		p3 = ok3;
		p3.cookie = bad_cookie;
		v3_passed(&p3, frame, flen, L2PW_R_BAD_COOKIE);
	}
	/* cookie missing altogether: bytes of the frame stand in its place */
	p3 = ok3;
	p3.cookie_len = 0;
	v3_passed(&p3, frame, flen, L2PW_R_BAD_COOKIE);

	/* right session, wrong source address */
	len = build_v3(pkt, &ok3, frame, flen);
	pkt[14 + 12 + 3] ^= 1;
	ipv4_fix_csum(pkt);
	expect_passed(pkt, len, L2PW_R_WRONG_PEER);

	/* session is UDP, packet came over IP 115 */
	p3 = ok3;
	p3.o.udp = 0;
	v3_passed(&p3, frame, flen, L2PW_R_WRONG_ENCAP);

	/* PPP: Multilink fragment, MPPE, LCP, IP (not bridged); BCP with LAN
	 * FCS present, with pads, with another MAC type */
	for (size_t i = 0; i < sizeof(v2_odd) / sizeof(v2_odd[0]); i++) {
		p2 = ok2;
		p2.proto = v2_odd[i].proto;
		p2.bcp_flags = v2_odd[i].bcp_flags;
		p2.bcp_mac = v2_odd[i].bcp_mac;
		v2_passed(&p2, frame, flen, v2_odd[i].reason);
	}
	/* L2TPv2 Length field that lies */
	p2 = ok2;
	p2.len_bit = 1;
	len = build_v2(pkt, &p2, frame, flen);
	pkt[14 + 20 + 8 + 3] ^= 1;
	expect_passed(pkt, len, L2PW_R_V2_HEADER);

	/* outer IPv4 fragment: MF, then a non-zero offset */
	len = build_v3(pkt, &ok3, frame, flen);
	pkt[14 + 6] = 0x20;
	expect_passed(pkt, len, L2PW_R_IP_FRAGMENT);
	pkt[14 + 6] = 0x00;
	pkt[14 + 7] = 0x10;
	expect_passed(pkt, len, L2PW_R_IP_FRAGMENT);
	/* outer IPv6 fragment header */
	p3 = ok3;
	p3.o.v6 = 1;
	len = build_v3(pkt, &p3, frame, flen);
	pkt[14 + 6] = 44;
	expect_passed(pkt, len, L2PW_R_IP_FRAGMENT);
	/* IPv4 options: IHL 6 */
	len = build_v3(pkt, &ok3, frame, flen);
	pkt[14] = 0x46;
	expect_passed(pkt, len, L2PW_R_IP_OPTIONS);

	/* truncated: the IP length still claims the full packet */
	len = build_v3(pkt, &ok3, frame, flen);
	for (size_t cut = 15; cut < len; cut += 7)
		expect_passed(pkt, cut, L2PW_R_TRUNCATED);
	/* truncated with lengths that agree: cut anywhere inside the headers
	 * or the inner Ethernet header */
	for (size_t cut = 15; cut < 14 + 20 + 8 + 8 + 8 + 14; cut++) {
		len = build_v3(pkt, &ok3, frame, flen);
		if (cut >= 14 + 20) {
			pkt[14 + 2] = (uint8_t)((cut - 14) >> 8);
			pkt[14 + 3] = (uint8_t)(cut - 14);
			ipv4_fix_csum(pkt);
		}
		if (cut >= 14 + 20 + 6)
			pkt[14 + 20 + 5] = (uint8_t)(cut - 14 - 20);
		expect_passed(pkt, cut, L2PW_R_TRUNCATED);
	}
	/* a UDP length that disagrees with the IP length */
	len = build_v3(pkt, &ok3, frame, flen);
	pkt[14 + 20 + 5] ^= 4;
	expect_passed(pkt, len, L2PW_R_TRUNCATED);

	/* not ours: other UDP port, other protocol, ARP */
	len = build_v3(pkt, &ok3, frame, flen);
	pkt[14 + 20 + 3] = 0x35;
	expect_passed(pkt, len, L2PW_R_NOT_L2TP);
	/* ... until the daemon says it listens there too */
	ck_assert_int_eq(fastpath_udp_port_add(fp, 0x0635), 0);
	expect_delivered(pkt, len, frame, flen);
	ck_assert_int_eq(fastpath_udp_port_del(fp, 0x0635), 0);
	expect_passed(pkt, len, L2PW_R_NOT_L2TP);
	len = inner_frame(pkt, 60, 0x0806, 0);
	expect_passed(pkt, len, L2PW_R_NOT_L2TP);

	/* known session, port not in the devmap: XDP passes, TC needs none */
	ck_assert_int_eq(fastpath_port_del(fp, LO_IFINDEX), 0);
	len = build_v3(pkt, &ok3, frame, flen);
	{
		struct run r;

		run_prog(FASTPATH_PROG_XDP_RX, pkt, len, &r);
		ck_assert_uint_eq(r.retval, XDP_PASS);
		ck_assert_mem_eq(r.out, pkt, len);
		ck_assert_uint_eq(reason_count(L2PW_R_NO_PORT), 1);
	}
}
END_TEST

/* Ethernet padding after a short outer packet is not part of the frame. */
START_TEST(test_rx_link_padding)
{
	uint8_t frame[PKT_MAX], pkt[PKT_MAX];
	struct l2pw_v3_key key = {.session_id = 5};
	struct l2pw_rx_session s;
	struct v3 p = {.o = {.udp = 0}, .session_id = 5};
	size_t flen = inner_frame(frame, 60, 0x0800, 0x55), len;

	rx_session(&s, 0, 0);
	ck_assert_int_eq(fastpath_v3_set(fp, &key, &s), 0);
	len = build_v3(pkt, &p, frame, flen);
	memset(pkt + len, 0, 6);
	expect_delivered(pkt, len + 6, frame, flen);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_v3_rx_matrix, test_v3_rx_sequencing, test_v2_bcp_rx,
				      test_rx_pass_cases, test_rx_link_padding};

	return bpf_fixture_main("bpf_fastpath", "rx", tests, sizeof(tests) / sizeof(tests[0]), 60);
}
