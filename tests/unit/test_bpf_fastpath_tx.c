/*
 * BPF_PROG_TEST_RUN fixtures for the eBPF data path (xdp/), transmit side:
 * the encap program against packets rebuilt here from the same parameters
 * (tests/unit/bpf_fixture.h), what it leaves to the slow path, the
 * loader's refusal of invalid map values, and attaching / detaching XDP
 * and TC programs in a network namespace of the test's own.  Needs root.
 */
#include "bpf_fixture.h"

/* ---- transmit ---- */

START_TEST(test_v3_tx)
{
	uint8_t frame[PKT_MAX], hdr[PKT_MAX];
	struct l2pw_tx_session t;
	size_t flen = inner_frame(frame, 342, 0x0800, 0x66), hlen;
	struct l2pw_counters c;
	int v6, udp, ci, sub, n = 0;

	for (v6 = 0; v6 < 2; v6++)
		for (udp = 0; udp < 2; udp++)
			for (ci = 0; ci < 3; ci++)
				for (sub = 0; sub < 2; sub++) {
					struct v3 p = {
					    .o = {.v6 = v6, .udp = udp, .ttl = 64},
					    .session_id = 0x3000u + (uint32_t)n,
					    .cookie_len = (uint8_t)(ci * 4),
					    .cookie = cookie8,
					    .sublayer = sub,
					};

					hlen = build_v3(hdr, &p, NULL, 0);
					tx_template(&t, hdr, hlen,
						    (uint16_t)((v6 ? L2PW_TX_F_IPV6 : 0) |
							       (udp ? L2PW_TX_F_UDP : 0)));
					ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);
					n++;
					if (v6 && udp) {
						/* documented: UDP/IPv6 needs a checksum */
						expect_tx_passed(frame, flen, L2PW_R_TX_V6_UDP);
						/* unless the peer takes checksum 0 */
						t.flags |= L2PW_TX_F_UDP6_ZERO_CSUM;
						ck_assert_int_eq(
						    fastpath_tx_set(fp, LO_IFINDEX, &t), 0);
					}
					expect_encap(frame, flen, &p, NULL);
				}
	ck_assert_int_eq(fastpath_counters(fp, SLOT, &c), 0);
	ck_assert_uint_eq(c.tx_packets, 24);
	ck_assert_uint_eq(c.tx_bytes, 24 * flen);
	ck_assert_uint_eq(c.tx_passed, 6);
}
END_TEST

START_TEST(test_v3_tx_sequence)
{
	uint8_t frame[PKT_MAX], hdr[PKT_MAX];
	struct l2pw_tx_session t;
	struct v3 p = {.o = {.udp = 1, .ttl = 64}, .session_id = 99, .sublayer = 1, .seq = 1};
	size_t flen = inner_frame(frame, 100, 0x0800, 0x77), hlen;

	hlen = build_v3(hdr, &p, NULL, 0);
	tx_template(&t, hdr, hlen, L2PW_TX_F_UDP | L2PW_TX_F_SEQ_V3);
	t.seq_off = 20 + 8 + 8; /* IPv4 + UDP + L2TPv3 header */
	ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);
	for (p.ns = 0; p.ns < 4; p.ns++)
		expect_encap(frame, flen, &p, NULL);
}
END_TEST

START_TEST(test_v2_tx)
{
	uint8_t frame[PKT_MAX], hdr[PKT_MAX];
	struct l2pw_tx_session t;
	size_t flen = inner_frame(frame, 200, 0x86dd, 0x12), hlen;
	struct v2 variants[] = {
	    {.proto = 0x0031, .bcp_mac = 1},
	    {.proto = 0x0031, .bcp_mac = 1, .acfc = 1},
	    {.proto = 0x0031, .bcp_mac = 1, .len_bit = 1},
	    {.proto = 0x0031, .bcp_mac = 1, .len_bit = 1, .seq_bit = 1},
	};
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct v2 *p = &variants[i];
		uint16_t flags = L2PW_TX_F_UDP;

		p->o.udp = 1;
		p->o.ttl = 64;
		p->o.dport = 37200;
		p->tunnel_id = 4;
		p->session_id = 5;
		hlen = build_v2(hdr, p, NULL, 0);
		tx_template(&t, hdr, hlen, 0);
		if (p->len_bit) {
			flags |= L2PW_TX_F_LEN_V2;
			t.len_off = 20 + 8 + 2;
		}
		if (p->seq_bit) {
			flags |= L2PW_TX_F_SEQ_V2;
			t.seq_off = 20 + 8 + 2 + 2 + 4;
		}
		t.flags = flags;
		ck_assert_int_eq(fastpath_slot_reset(fp, SLOT), 0);
		ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);
		p->ns = 0;
		expect_encap(frame, flen, NULL, p);
		if (p->seq_bit) {
			p->ns = 1;
			expect_encap(frame, flen, NULL, p);
		}
	}
}
END_TEST

START_TEST(test_tx_pass_cases)
{
	uint8_t frame[PKT_MAX], hdr[PKT_MAX];
	struct l2pw_tx_session t;
	struct v3 p = {.o = {.udp = 1}, .session_id = 1};
	size_t flen, hlen = build_v3(hdr, &p, NULL, 0);
	struct l2pw_counters c;
	struct run r;

	/* no template for this port */
	flen = inner_frame(frame, 100, 0x0800, 1);
	expect_tx_passed(frame, flen, L2PW_R_TX_NO_SESSION);

	tx_template(&t, hdr, hlen, L2PW_TX_F_UDP);
	t.mtu = 1400;
	ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);

	/* ARP: adjust_room can't, the daemon does */
	flen = inner_frame(frame, 60, 0x0806, 2);
	expect_tx_passed(frame, flen, L2PW_R_TX_NOT_IP);

	/* MTU: 1400 - 20 - 8 - 8 - 14 = 1350 bytes of frame fit, 1351 don't */
	flen = inner_frame(frame, 14 + 1350, 0x0800, 3);
	run_prog(FASTPATH_PROG_TC_TX, frame, flen, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(r.len, flen + 50);
	flen = inner_frame(frame, 14 + 1351, 0x0800, 3);
	expect_tx_passed(frame, flen, L2PW_R_TX_MTU);

	ck_assert_int_eq(fastpath_counters(fp, SLOT, &c), 0);
	ck_assert_uint_eq(c.tx_packets, 1);
	ck_assert_uint_eq(c.tx_passed, 2);
}
END_TEST

/* Invalid map values are refused before they reach the kernel. */
START_TEST(test_loader_validation)
{
	struct l2pw_v3_key k3 = {.session_id = 1};
	struct l2pw_v2_key k2 = {.tunnel_id = 1, .session_id = 1};
	struct l2pw_rx_session s;
	struct l2pw_tx_session t;
	struct l2pw_counters c;

	rx_session(&s, 0, 4);
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), 0);
	s.cookie_len = 5;
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), -EINVAL);
	rx_session(&s, 0, 0);
	s.slot = fastpath_max_sessions(fp);
	ck_assert_int_eq(fastpath_v2_set(fp, &k2, &s), -EINVAL);
	k3.session_id = 0;
	rx_session(&s, 0, 0);
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), -EINVAL);
	k3.session_id = 1;
	k3.local_addr[4] = 1; /* wildcard key with an address: never matches */
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), -EINVAL);
	k3.family = L2PW_FAMILY_V4; /* v4 uses only 4 bytes */
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), -EINVAL);
	k3.family = L2PW_FAMILY_V6;
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), 0);
	ck_assert_int_eq(fastpath_v3_del(fp, &k3), 0);
	memset(k3.local_addr, 0, sizeof(k3.local_addr));
	k3.family = L2PW_FAMILY_NONE;
	ck_assert_int_eq(fastpath_v3_set(fp, &k3, &s), 0);
	ck_assert_int_eq(fastpath_v3_del(fp, &k3), 0);
	ck_assert_int_eq(fastpath_v3_del(fp, &k3), -ENOENT);

	memset(&t, 0, sizeof(t));
	t.wan_ifindex = 1;
	t.hdr_len = 27; /* IPv4 + UDP needs 28 */
	t.flags = L2PW_TX_F_UDP;
	ck_assert_int_eq(fastpath_tx_set(fp, 1, &t), -EINVAL);
	t.hdr_len = 36;
	t.flags |= L2PW_TX_F_SEQ_V3;
	t.seq_off = 34; /* word would end past hdr_len */
	ck_assert_int_eq(fastpath_tx_set(fp, 1, &t), -EINVAL);
	t.seq_off = 32;
	ck_assert_int_eq(fastpath_tx_set(fp, 1, &t), 0);
	ck_assert_int_eq(fastpath_tx_del(fp, 1), 0);
	ck_assert_int_eq(fastpath_counters(fp, fastpath_max_sessions(fp), &c), -EINVAL);
	ck_assert_str_eq(fastpath_reason_name(L2PW_R_BAD_COOKIE), "bad-cookie");
	ck_assert_str_eq(fastpath_reason_name(L2PW_R_MAX), "?");
}
END_TEST

/* ---- attaching (in a network namespace of the test's own) ---- */

static uint32_t prog_id(enum fastpath_prog prog)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(bpf_obj_get_info_by_fd(fastpath_prog_fd(fp, prog), &info, &len), 0);
	return info.id;
}

static uint32_t tc_attached_id(int ifindex, enum bpf_tc_attach_point point)
{
	uint32_t id = 0;

	/* tcx link or cls_bpf filter, whichever the loader used */
	ck_assert_int_eq(
	    fastpath_tc_query(
		ifindex, point == BPF_TC_INGRESS ? FASTPATH_PROG_TC_RX : FASTPATH_PROG_TC_TX, &id),
	    0);
	return id;
}

START_TEST(test_attach_detach)
{
	enum fastpath_xdp_mode mode = FASTPATH_XDP_NONE;
	uint32_t id = 0;
	int veth, bridge;

	/* Check runs each test in its own process: the namespace dies with it */
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	ck_assert_int_eq(system("ip link add fpa type veth peer name fpb && "
				"ip link add fpd type bridge && "
				"ip link set fpa up && ip link set fpb up && ip link set fpd up"),
			 0);
	veth = (int)if_nametoindex("fpa");
	bridge = (int)if_nametoindex("fpd");
	ck_assert_int_gt(veth, 0);
	ck_assert_int_gt(bridge, 0);

	/* veth has native XDP; a bridge has none: generic, reported as such */
	ck_assert_int_eq(fastpath_attach_xdp(fp, veth, &mode), 0);
	ck_assert_int_eq(mode, FASTPATH_XDP_NATIVE);
	ck_assert_int_eq(bpf_xdp_query_id(veth, XDP_FLAGS_DRV_MODE, &id), 0);
	ck_assert_uint_eq(id, prog_id(FASTPATH_PROG_XDP_RX));
	ck_assert_int_eq(fastpath_attach_xdp(fp, bridge, &mode), 0);
	ck_assert_int_eq(mode, FASTPATH_XDP_GENERIC);
	ck_assert_int_eq(bpf_xdp_query_id(bridge, XDP_FLAGS_SKB_MODE, &id), 0);
	ck_assert_uint_eq(id, prog_id(FASTPATH_PROG_XDP_RX));

	ck_assert_int_eq(fastpath_attach_tc(fp, veth, FASTPATH_PROG_TC_RX), 0);
	ck_assert_int_eq(fastpath_attach_tc(fp, veth, FASTPATH_PROG_TC_TX), 0);
	ck_assert_int_eq(fastpath_attach_tc(fp, bridge, FASTPATH_PROG_XDP_RX), -EINVAL);
	ck_assert_uint_eq(tc_attached_id(veth, BPF_TC_INGRESS), prog_id(FASTPATH_PROG_TC_RX));
	ck_assert_uint_eq(tc_attached_id(veth, BPF_TC_EGRESS), prog_id(FASTPATH_PROG_TC_TX));
	/* again: replaces, no error */
	ck_assert_int_eq(fastpath_attach_tc(fp, veth, FASTPATH_PROG_TC_TX), 0);

	ck_assert_int_eq(fastpath_detach_tc(fp, veth, FASTPATH_PROG_TC_RX), 0);
	ck_assert_uint_eq(tc_attached_id(veth, BPF_TC_INGRESS), 0);
	ck_assert_int_eq(fastpath_detach_tc(fp, veth, FASTPATH_PROG_TC_RX), -ENOENT);
	ck_assert_int_eq(fastpath_detach_xdp(fp, veth), 0);
	ck_assert_int_eq(bpf_xdp_query_id(veth, 0, &id), 0);
	ck_assert_uint_eq(id, 0);

	/* close undoes the rest: XDP on the bridge, TC egress on the veth */
	fastpath_close(fp);
	fp = NULL;
	ck_assert_int_eq(bpf_xdp_query_id(bridge, 0, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(tc_attached_id(veth, BPF_TC_EGRESS), 0);
}
END_TEST

/*
 * What a killed daemon of the netlink era left (XDP attached through netlink,
 * cls_bpf filters at 0x1701) is ours to remove; links are not: they die with
 * their process, and a live one stays.
 */
START_TEST(test_cleanup_stale)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x1701, .priority = 0x1701);
	enum fastpath_xdp_mode mode = FASTPATH_XDP_NONE;
	uint32_t id = 0;
	int veth, other;

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	ck_assert_int_eq(system("ip link add fpa type veth peer name fpb && "
				"ip link add fpc type veth peer name fpe && "
				"ip link set fpa up && ip link set fpb up"),
			 0);
	veth = (int)if_nametoindex("fpa");
	other = (int)if_nametoindex("fpc");
	hook.ifindex = veth;
	/* the old way: netlink XDP and a cls_bpf filter, outliving their process */
	ck_assert_int_eq(bpf_xdp_attach(veth, fastpath_prog_fd(fp, FASTPATH_PROG_XDP_RX),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	ck_assert_int_eq(bpf_tc_hook_create(&hook), 0);
	opts.prog_fd = fastpath_prog_fd(fp, FASTPATH_PROG_TC_RX);
	ck_assert_int_eq(bpf_tc_attach(&hook, &opts), 0);
	/* a link of ours never replaces them */
	ck_assert_int_eq(fastpath_attach_xdp(fp, veth, &mode), -EBUSY);

	ck_assert_int_eq(fastpath_cleanup_stale(veth), 2);
	ck_assert_int_eq(bpf_xdp_query_id(veth, 0, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(tc_attached_id(veth, BPF_TC_INGRESS), 0);
	ck_assert_int_eq(fastpath_cleanup_stale(veth), 0);

	/* now a link attaches; cleanup leaves a live link alone */
	ck_assert_int_eq(fastpath_attach_xdp(fp, veth, &mode), 0);
	ck_assert_int_eq(mode, FASTPATH_XDP_NATIVE);
	ck_assert_int_eq(fastpath_attach_tc(fp, other, FASTPATH_PROG_TC_TX), 0);
	ck_assert_int_eq(fastpath_cleanup_stale(veth), 0);
	ck_assert_int_eq(fastpath_cleanup_stale(other), 0);
	ck_assert_int_eq(bpf_xdp_query_id(veth, XDP_FLAGS_DRV_MODE, &id), 0);
	ck_assert_uint_eq(id, prog_id(FASTPATH_PROG_XDP_RX));
	ck_assert_uint_eq(tc_attached_id(other, BPF_TC_EGRESS), prog_id(FASTPATH_PROG_TC_TX));
	/* and the links go with the object (as with the process) */
	fastpath_close(fp);
	fp = NULL;
	ck_assert_int_eq(bpf_xdp_query_id(veth, 0, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(tc_attached_id(other, BPF_TC_EGRESS), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    test_v3_tx,		test_v3_tx_sequence,	test_v2_tx,
	    test_tx_pass_cases, test_loader_validation, test_attach_detach,
	    test_cleanup_stale};

	return bpf_fixture_main("bpf_fastpath_tx", "tx", tests, sizeof(tests) / sizeof(tests[0]),
				0);
}
