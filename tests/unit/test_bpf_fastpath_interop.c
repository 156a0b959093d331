/*
 * BPF_PROG_TEST_RUN fixtures for the eBPF data path (xdp/) with packets
 * captured from other implementations (tests/interop, INDEX.md): Linux 6.1
 * L2TPv3 over UDP and IP, freeRtr L2TPv2 + BCP, xl2tpd L2TPv2 PPP.  The
 * decap must deliver (or leave) what the peer sent, and the encap must
 * produce the peer's bytes from the same parameters.  Needs root.
 */
#include "bpf_fixture.h"
#include "pcapvec.c"

/* ---- captures from other implementations ---- */

/* Frame number n (1-based, as tshark counts) of a capture, link layer on. */
static size_t pcap_frame(const char *file, int n, uint8_t *out)
{
	size_t caplen = 0, wire_len = 0;
	int rc = pcapvec_frame(file, (size_t)n, out, PKT_MAX, &caplen, &wire_len);

	ck_assert_msg(rc != -1, "%s/%s: cannot read", pcapvec_dir(), file);
	ck_assert_msg(rc == 1, "%s/%s has no frame %d", pcapvec_dir(), file, n);
	ck_assert_uint_le(caplen, PKT_MAX);
	ck_assert_uint_eq(caplen, wire_len);
	return caplen;
}

/*
 * Linux 6.1 (INDEX.md): the kernel, 198.18.7.2, sends session 2002 with
 * cookie 11223344 over UDP.  Our decap must deliver the inner frame, and
 * our encap, given the same parameters and inner frame, must produce the
 * kernel's bytes (all but the IPv4 id and so the header checksum).
 */
START_TEST(test_interop_linux_udp_cookie4)
{
	static const uint8_t ck[4] = {0x11, 0x22, 0x33, 0x44};
	static const uint8_t a[4] = {198, 18, 7, 1}, b[4] = {198, 18, 7, 2};
	const size_t hdr = 14 + 20 + 8 + 8 + 4;
	uint8_t pkt[PKT_MAX];
	struct l2pw_v3_key key = {.session_id = 2002};
	struct l2pw_rx_session s;
	struct l2pw_tx_session t;
	struct run r;
	int n, kernel = 0, encapsulated = 0;
	size_t len;

	rx_session(&s, L2PW_RX_F_UDP, 4);
	memcpy(s.cookie, ck, 4);
	s.peer_family = L2PW_FAMILY_V4;
	memcpy(s.peer_addr, b, 4);
	ck_assert_int_eq(fastpath_v3_set(fp, &key, &s), 0);

	/* TX template of the kernel's side, written by hand from the RFC */
	memset(&t, 0, sizeof(t));
	t.wan_ifindex = LO_IFINDEX;
	t.slot = SLOT;
	t.flags = L2PW_TX_F_UDP;
	{
		struct wbuf w;

		wbuf_init(&w, t.hdr, sizeof(t.hdr));
		wbuf_add_n32(&w, 0x45000000);
		wbuf_add_n32(&w, 0);	      /* id, DF clear like the kernel */
		wbuf_add_n32(&w, 0x40110000); /* TTL 64, UDP */
		wbuf_add_bytes(&w, b, 4);
		wbuf_add_bytes(&w, a, 4);
		wbuf_add_n32(&w, 0x06a506a5);
		wbuf_add_n32(&w, 0);
		wbuf_add_n32(&w, 0x00030000);
		wbuf_add_n32(&w, 2002);
		wbuf_add_bytes(&w, ck, 4);
		ck_assert_int_eq(w.err, 0);
		t.hdr_len = (uint8_t)w.len;
	}
	ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);

	for (n = 1; n <= 20; n++) {
		len = pcap_frame("linux-6.1-l2tpv3/l2tpv3-udp-cookie4.pcap", n, pkt);
		if (len <= hdr || memcmp(pkt + 26, b, 4) != 0 || pkt[23] != 17)
			continue; /* ARP, or the userspace peer's packets */
		expect_delivered(pkt, len, pkt + hdr, len - hdr);
		kernel++;

		run_prog(FASTPATH_PROG_TC_TX, pkt + hdr, len - hdr, &r);
		if (pkt[hdr + 12] != 0x08 || pkt[hdr + 13] != 0x00) {
			ck_assert_uint_eq(r.retval, TC_ACT_OK); /* inner ARP: slow path */
			continue;
		}
		ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
		ck_assert_uint_eq(r.len, len);
		ck_assert_mem_eq(r.out + 14, pkt + 14, 4);	  /* ver, tos, length */
		ck_assert_mem_eq(r.out + 20, pkt + 20, 4);	  /* flags, TTL, proto */
		ck_assert_mem_eq(r.out + 26, pkt + 26, len - 26); /* addrs .. frame */
		ck_assert_uint_eq(csum16(r.out + 14, 20), 0);
		encapsulated++;
	}
	ck_assert_int_ge(kernel, 8);
	ck_assert_int_ge(encapsulated, 6);
}
END_TEST

/* Linux 6.1 over IP 115 with an 8-byte cookie and sequenced sublayer:
 * Ns 0, 1, ... in the kernel's packets; replaying an old one is dropped,
 * and our encap numbers from 0 like the kernel. */
START_TEST(test_interop_linux_ip_cookie8_seq)
{
	static const uint8_t ck[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	const size_t hdr = 14 + 20 + 4 + 8 + 4;
	uint8_t pkt[PKT_MAX], first[PKT_MAX];
	struct l2pw_v3_key key = {.session_id = 2002};
	struct l2pw_rx_session s;
	struct l2pw_tx_session t;
	struct run r;
	size_t len, first_len;

	rx_session(&s, L2PW_RX_F_SUBLAYER | L2PW_RX_F_SEQ, 8);
	memcpy(s.cookie, ck, 8);
	ck_assert_int_eq(fastpath_v3_set(fp, &key, &s), 0);

	/* both decaps on Ns 0 (they share the sequence state: reset between) */
	first_len = pcap_frame("linux-6.1-l2tpv3/l2tpv3-ip-cookie8-seq.pcap", 4, first);
	run_prog(FASTPATH_PROG_TC_RX, first, first_len, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_mem_eq(r.out, first + hdr, first_len - hdr);
	ck_assert_int_eq(fastpath_slot_reset(fp, SLOT), 0);
	run_prog(FASTPATH_PROG_XDP_RX, first, first_len, &r);
	ck_assert_uint_eq(r.retval, XDP_REDIRECT);
	ck_assert_mem_eq(r.out, first + hdr, first_len - hdr);
	len = pcap_frame("linux-6.1-l2tpv3/l2tpv3-ip-cookie8-seq.pcap", 6, pkt);
	run_prog(FASTPATH_PROG_XDP_RX, pkt, len, &r);
	ck_assert_uint_eq(r.retval, XDP_REDIRECT);
	run_prog(FASTPATH_PROG_XDP_RX, first, first_len, &r);
	ck_assert_uint_eq(r.retval, XDP_DROP);

	/* encap: the template is the kernel's own header.  Frame 4 carries
	 * ARP, which the fast path leaves to the daemon: the daemon takes its
	 * Ns from the shared counter, and the next fast-path frame (frame 6,
	 * ICMP) must carry Ns 1 as the kernel's does. */
	ck_assert_int_eq(fastpath_slot_reset(fp, SLOT), 0);
	memset(&t, 0, sizeof(t));
	t.wan_ifindex = LO_IFINDEX;
	t.slot = SLOT;
	t.flags = L2PW_TX_F_SEQ_V3;
	t.hdr_len = (uint8_t)(hdr - 14);
	t.seq_off = 20 + 4 + 8;
	memcpy(t.hdr, first + 14, t.hdr_len);
	ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);
	run_prog(FASTPATH_PROG_TC_TX, first + hdr, first_len - hdr, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_OK);
	ck_assert_uint_eq(fastpath_seq_take_tx(fp, SLOT), 0);
	ck_assert_uint_eq(pkt[hdr + 12], 0x08); /* frame 6: IPv4 inside */
	run_prog(FASTPATH_PROG_TC_TX, pkt + hdr, len - hdr, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(r.out + 26, pkt + 26, len - 26);
	ck_assert_uint_eq(csum16(r.out + 14, 20), 0);
	ck_assert_uint_eq(fastpath_seq_take_tx(fp, SLOT), 2);
}
END_TEST

/*
 * freeRtr (INDEX.md), BCP without Multilink: we stand in for the LNS,
 * 198.18.0.2 port 1701, whose tunnel 0x1fc3 / session 0x1310 the LAC's data
 * names (frame 26).  Every frame of the capture is classified: bridged
 * frames (flags 0x0202, FF03, 0x0031, BCP 00 01, up to 1514 bytes) are
 * delivered, LCP/BCP negotiation and control messages are the daemon's,
 * the LNS's own packets (to the LAC's port) and ARP are not ours.
 */
START_TEST(test_interop_freertr_bcp)
{
	static const char file[] = "freertr/l2tpv2_bcp_no-multilink.pcap";
	const size_t l2tp = 14 + 20 + 8, hdr = l2tp + 8 + 2 + 2 + 2;
	uint8_t pkt[PKT_MAX];
	struct l2pw_v2_key key = {.tunnel_id = 0x1fc3, .session_id = 0x1310};
	struct l2pw_rx_session s;
	size_t len, big = 0;
	int n, delivered = 0, passed = 0;

	len = pcap_frame(file, 26, pkt);
	expect_passed(pkt, len, L2PW_R_UNKNOWN_SESSION);
	rx_session(&s, 0, 0);
	ck_assert_int_eq(fastpath_v2_set(fp, &key, &s), 0);
	for (n = 1; n <= 79; n++) {
		len = pcap_frame(file, n, pkt);
		if (pkt[12] != 0x08 || pkt[13] != 0x00 || pkt[l2tp - 6] != 0x06 ||
		    pkt[l2tp - 5] != 0xa5) {
			expect_passed(pkt, len, L2PW_R_NOT_L2TP);
		} else if (pkt[l2tp] & 0x80) {
			expect_passed(pkt, len, L2PW_R_CONTROL);
			passed++;
		} else if (pkt[l2tp + 10] != 0x00 || pkt[l2tp + 11] != 0x31) {
			expect_passed(pkt, len, L2PW_R_PPP_OTHER);
			passed++;
		} else {
			expect_delivered(pkt, len, pkt + hdr, len - hdr);
			delivered++;
			if (len - hdr > big)
				big = len - hdr;
		}
	}
	ck_assert_int_ge(delivered, 10);
	ck_assert_int_ge(passed, 10);
	ck_assert_uint_eq(big, 1514);
}
END_TEST

/* xl2tpd + kernel L2TPv2 carries PPP IP (0x0021), never bridged frames:
 * with its session known, still the daemon's (ppp-other). */
START_TEST(test_interop_xl2tpd_ppp_ip)
{
	uint8_t pkt[PKT_MAX];
	struct l2pw_v2_key key;
	struct l2pw_rx_session s;
	size_t len = pcap_frame("xl2tpd-1.3.18/l2tpv2-lns-kernel.pcap", 26, pkt);

	ck_assert_uint_eq(pkt[14 + 20 + 8] & 0x80, 0); /* a data message */
	key.tunnel_id = (uint16_t)(pkt[14 + 20 + 8 + 2] << 8 | pkt[14 + 20 + 8 + 3]);
	key.session_id = (uint16_t)(pkt[14 + 20 + 8 + 4] << 8 | pkt[14 + 20 + 8 + 5]);
	rx_session(&s, 0, 0);
	ck_assert_int_eq(fastpath_v2_set(fp, &key, &s), 0);
	expect_passed(pkt, len, L2PW_R_PPP_OTHER);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_interop_linux_udp_cookie4,
				      test_interop_linux_ip_cookie8_seq, test_interop_freertr_bcp,
				      test_interop_xl2tpd_ppp_ip};

	return bpf_fixture_main("bpf_fastpath_interop", "interop", tests,
				sizeof(tests) / sizeof(tests[0]), 0);
}
