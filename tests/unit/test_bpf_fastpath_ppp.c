/*
 * BPF_PROG_TEST_RUN fixtures for PPP sessions (L2TPv2 + PPP + BCP) in the
 * fast path: the template the daemon builds (ppp_fast_desc() ->
 * pw_fast_template()) run through the real TC egress program must give the
 * very bytes the slow path sends for the same frame: a real PPP link
 * (tests/unit/test_ppp_pair.h) encodes the bridged frame (BCP encoder
 * included), ppp_wire_header() adds L2TPv2 and PPP as ps_send() does.
 * Variants: ACFC and PFC as the peer may ask, data sequencing (Ns carried
 * on from the slow path).  Also: the peer's MRU holds in the fast path
 * (whole frames and GSO segments), bridge control frames with the
 * BCP-Indicator go slow, and what we send decodes in the receive programs.
 * Needs root.
 */
#include "bpf_fixture.h"

#include "bcp.h"
#include "lcp.h"
#include "ppp_fast.h"
#include "pw_fast.h"
#include "test_ppp_pair.h"

#define PEER_TID 0x1234
#define PEER_SID 0x5678

/* The engine's (protocol, Information) for a bridged frame, and the peer's MRU. */
struct engine_out {
	uint16_t proto;
	size_t len;
	uint8_t info[PAIR_PKT];
	uint16_t mru;
	struct bcp_enc enc;
};

/* A client link bridging to a server (no MPPE, no Multilink) sends frame. */
static void engine_bridged(const uint8_t *frame, size_t flen, struct engine_out *e)
{
	struct pair pr;
	struct pair_pkt *p;
	size_t before;

	pair_start_enc(&pr, PPP_AUTH_BIT(PPP_AUTH_MSCHAP2), CFG_ENC_NO, CFG_ENC_NO);
	ck_assert(ppp_ready(pr.b.ppp));
	ck_assert_uint_eq(ppp_mrru(pr.b.ppp), 0);
	before = pr.a.qtail;
	ck_assert_int_eq(ppp_send_frame(pr.b.ppp, frame, flen), 0);
	ck_assert_uint_eq(pr.a.qtail, before + 1);
	p = &pr.a.q[(pr.a.qtail - 1) % PAIR_QLEN];
	/* pair_send() stores FF 03 + protocol + Information */
	e->proto = (uint16_t)(p->b[2] << 8 | p->b[3]);
	e->len = p->len - 4;
	memcpy(e->info, p->b + 4, e->len);
	e->mru = lcp_his(ppp_lcp(pr.b.ppp))->mru;
	bcp_encoding(ppp_bcp(pr.b.ppp), &e->enc);
	pair_free(&pr);
}

/* The slow path's packet from the L2TP header on: what ps_send() writes. */
static size_t slow_l2tp(uint8_t *out, const struct ppp_wire *w, uint16_t ns,
			const struct engine_out *e)
{
	struct wbuf b;

	wbuf_init(&b, out, PKT_MAX);
	ck_assert_int_eq(ppp_wire_header(&b, w, ns, e->proto, e->len), 0);
	wbuf_add_bytes(&b, e->info, e->len);
	ck_assert_int_eq(b.err, 0);
	return b.len;
}

/* The fixture's outer headers (peer -> local, as build_v2) around an L2TP part. */
static size_t with_outer(uint8_t *out, uint16_t id, const uint8_t *l2tp, size_t len)
{
	struct outer o = {.udp = 1, .ttl = 64, .id = id};
	struct wbuf w;

	wbuf_init(&w, out, PKT_MAX);
	outer_begin(&w, &o, 17);
	wbuf_add_bytes(&w, l2tp, len);
	outer_end(&w, &o);
	ck_assert_int_eq(w.err, 0);
	return w.len;
}

/* The daemon's template for wire and mru, installed for the test port. */
static struct l2pw_tx_session install(const struct ppp_wire *w, uint16_t mru, int bcp_ind,
				      uint32_t first_ns)
{
	struct ppp_fast_key k;
	struct pw_fast_desc d;
	struct sockaddr_storage src = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&k.peer, *s4 = (struct sockaddr_in *)&src;
	uint8_t tail[PPP_FAST_TAIL_MAX];
	struct l2pw_tx_session t;

	memset(&k, 0, sizeof(k));
	k.wire = *w;
	k.mru = mru;
	k.bcp_ind = bcp_ind;
	k.ifindex = LO_IFINDEX;
	k.rx_ifindex = LO_IFINDEX;
	k.tunnel_id = 7;
	k.session_id = 8;
	k.local_port = 1701;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1701);
	memcpy(&sin->sin_addr, v4_local, 4);
	k.peer_len = sizeof(*sin);
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, v4_peer, 4);
	ck_assert_int_eq(ppp_fast_desc(&k, tail, &d), 0);
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(pw_fast_template(&d, &src, &t), 0);
	t.wan_ifindex = LO_IFINDEX;
	t.slot = SLOT;
	ck_assert_int_eq(fastpath_slot_reset(fp, SLOT), 0);
	ck_assert_int_eq(fastpath_seq_set_tx(fp, SLOT, first_ns), 0);
	ck_assert_int_eq(fastpath_tx_set(fp, LO_IFINDEX, &t), 0);
	return t;
}

/* The TC program's output for frame equals the slow path's packet with Ns ns. */
static void expect_same_as_slow(const uint8_t *frame, size_t flen, const struct ppp_wire *w,
				uint16_t ns, const struct engine_out *e)
{
	uint8_t l2tp[PKT_MAX], want[PKT_MAX];
	size_t len;
	struct run r;

	run_prog(FASTPATH_PROG_TC_TX, frame, flen, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	len = with_outer(want, (uint16_t)(r.out[18] << 8 | r.out[19]), l2tp,
			 slow_l2tp(l2tp, w, ns, e));
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(r.out, want, len);
}

START_TEST(test_ppp_template_is_slow_path)
{
	uint8_t frame[PKT_MAX];
	size_t flen = inner_frame(frame, 342, 0x0800, 0x31);
	struct engine_out e;
	int acfc, pfc, seq, n = 0;

	engine_bridged(frame, flen, &e);
	ck_assert_uint_eq(e.proto, PPP_PROTO_BRIDGED);
	ck_assert_uint_eq(e.len, flen + 2);
	for (acfc = 0; acfc < 2; acfc++)
		for (pfc = 0; pfc < 2; pfc++)
			for (seq = 0; seq < 2; seq++) {
				struct ppp_wire w = {.peer_tunnel_id = PEER_TID,
						     .peer_session_id = PEER_SID,
						     .seq = seq,
						     .acfc = acfc,
						     .pfc = pfc};
				/* the slow path sent Ns 0..40 (LCP, auth, BCP) before */
				uint16_t ns = seq ? 41 : 0;

				install(&w, e.mru, e.enc.bcp_ind, ns);
				expect_same_as_slow(frame, flen, &w, ns, &e);
				if (seq) /* one shared sequence: the next frame has the next Ns */
					expect_same_as_slow(frame, flen, &w, (uint16_t)(ns + 1), &e);
				n++;
			}
	ck_assert_int_eq(n, 8);
}
END_TEST

/* Sequence numbers wrap at 16 bits (RFC 2661 3.1) in both paths alike. */
START_TEST(test_ppp_template_ns_wraps)
{
	uint8_t frame[PKT_MAX];
	size_t flen = inner_frame(frame, 100, 0x0800, 0x44);
	struct ppp_wire w = {.peer_tunnel_id = 1, .peer_session_id = 2, .seq = 1};
	struct engine_out e;

	engine_bridged(frame, flen, &e);
	install(&w, e.mru, 0, 0xffff);
	expect_same_as_slow(frame, flen, &w, 0xffff, &e);
	expect_same_as_slow(frame, flen, &w, 0, &e);
}
END_TEST

/* RFC 1661 6.5/6.6: what the encoder compresses, and what it never does. */
START_TEST(test_ppp_wire_header_rules)
{
	static const struct {
		int acfc, pfc;
		uint16_t proto;
		uint8_t want[4];
		size_t want_len;
	} v[] = {
	    {0, 0, 0x0031, {0xff, 0x03, 0x00, 0x31}, 4},
	    {1, 0, 0x0031, {0x00, 0x31}, 2},
	    {0, 1, 0x0031, {0xff, 0x03, 0x31}, 3},
	    {1, 1, 0x0031, {0x31}, 1},
	    /* LCP keeps Address and Control under ACFC; 0xC021 can't be compressed */
	    {1, 1, PPP_PROTO_LCP, {0xff, 0x03, 0xc0, 0x21}, 4},
	    {1, 1, PPP_PROTO_BCP, {0x80, 0x31}, 2},
	};
	uint8_t buf[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct ppp_wire w = {.peer_tunnel_id = 0x0102,
				     .peer_session_id = 0x0304,
				     .acfc = v[i].acfc,
				     .pfc = v[i].pfc};
		struct wbuf b;

		wbuf_init(&b, buf, sizeof(buf));
		ck_assert_int_eq(ppp_wire_header(&b, &w, 0, v[i].proto, 10), 0);
		/* T=0 L=0 S=0 ver 2, tunnel, session (RFC 2661 3.1) */
		ck_assert_uint_eq(b.len, 6 + v[i].want_len);
		ck_assert_mem_eq(buf, ((const uint8_t[]){0x00, 0x02, 0x01, 0x02, 0x03, 0x04}), 6);
		ck_assert_mem_eq(buf + 6, v[i].want, v[i].want_len);
	}
}
END_TEST

/*
 * The slow path drops frames whose Information field exceeds the peer's MRU
 * (no Multilink); the fast path leaves them to it, whole frames and GSO
 * segments alike.
 */
START_TEST(test_ppp_mru)
{
	uint8_t frame[PKT_MAX];
	struct ppp_wire w = {.peer_tunnel_id = 1, .peer_session_id = 2};
	uint16_t mru = 1450;
	size_t flen;
	struct run r;
	uint64_t mtu0;

	install(&w, mru, 0, 0);
	/* Information = BCP header (2) + frame */
	flen = inner_frame(frame, mru - 2, 0x0800, 5);
	run_prog(FASTPATH_PROG_TC_TX, frame, flen, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	flen = inner_frame(frame, mru - 1, 0x0800, 5);
	expect_tx_passed(frame, flen, L2PW_R_TX_MTU);

	/* GSO: a TCP train whose segments would be 1 byte over the MRU */
	flen = inner_frame(frame, 1000, 0x0800, 6);
	frame[14 + 9] = 6;		    /* TCP */
	frame[14 + 20 + 12] = 0x50;	    /* data offset 5: 20 bytes */
	{
		/* segment = eth 14 + IP 20 + TCP 20 + gso_size; Information = 2 + that */
		uint32_t fit = mru - 2 - 14 - 20 - 20;
		struct __sk_buff ctx = {.gso_segs = 2, .gso_size = fit + 1};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)flen,
			    .data_out = r.out, .data_size_out = sizeof(r.out), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);

		mtu0 = reason_count(L2PW_R_TX_MTU);
		ck_assert_int_eq(bpf_prog_test_run_opts(fastpath_prog_fd(fp, FASTPATH_PROG_TC_TX), &o),
				 0);
		ck_assert_uint_eq(o.retval, TC_ACT_OK);
		ck_assert_uint_eq(reason_count(L2PW_R_TX_MTU), mtu0 + 1);
		/* one byte less: not an MTU matter any more */
		ctx.gso_size = fit;
		o.data_size_out = sizeof(r.out);
		ck_assert_int_eq(bpf_prog_test_run_opts(fastpath_prog_fd(fp, FASTPATH_PROG_TC_TX), &o),
				 0);
		ck_assert_uint_eq(reason_count(L2PW_R_TX_MTU), mtu0 + 1);
	}
}
END_TEST

/* With the BCP-Indicator the slow path sets B on bridge control frames. */
START_TEST(test_ppp_bcp_indicator)
{
	static const uint8_t stp_group[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
	uint8_t frame[PKT_MAX];
	struct ppp_wire w = {.peer_tunnel_id = 1, .peer_session_id = 2};
	size_t flen = inner_frame(frame, 120, 0x0800, 7);
	struct run r;

	memcpy(frame, stp_group, 6);
	install(&w, 1500, 1, 0);
	expect_tx_passed(frame, flen, L2PW_R_TX_NOT_IP);
	/* without the option the template's "00 01" is right for it */
	install(&w, 1500, 0, 0);
	run_prog(FASTPATH_PROG_TC_TX, frame, flen, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
}
END_TEST

/* What we send, in every variant, is what our receive programs take. */
START_TEST(test_ppp_slow_packets_decap)
{
	uint8_t frame[PKT_MAX], l2tp[PKT_MAX], pkt[PKT_MAX];
	size_t flen = inner_frame(frame, 200, 0x86dd, 0x21), len;
	struct l2pw_v2_key key = {.tunnel_id = PEER_TID, .session_id = PEER_SID};
	struct l2pw_rx_session s;
	struct engine_out e;
	int v;

	engine_bridged(frame, flen, &e);
	rx_session(&s, L2PW_RX_F_UDP, 0);
	ck_assert_int_eq(fastpath_v2_set(fp, &key, &s), 0);
	for (v = 0; v < 8; v++) {
		struct ppp_wire w = {.peer_tunnel_id = PEER_TID,
				     .peer_session_id = PEER_SID,
				     .acfc = v & 1,
				     .pfc = !!(v & 2),
				     .seq = !!(v & 4)};

		len = with_outer(pkt, 0, l2tp, slow_l2tp(l2tp, &w, (uint16_t)v, &e));
		expect_delivered(pkt, len, frame, flen);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_ppp_template_is_slow_path, test_ppp_template_ns_wraps,
				      test_ppp_wire_header_rules,     test_ppp_mru,
				      test_ppp_bcp_indicator,	      test_ppp_slow_packets_decap};

	return bpf_fixture_main("bpf_fastpath_ppp", "ppp", tests, sizeof(tests) / sizeof(tests[0]),
				0);
}
