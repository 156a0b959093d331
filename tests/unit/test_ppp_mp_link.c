/*
 * Multilink on a real pair of PPP links (MRRU 1600, MRU 1400, the DESIGN's
 * "1514-byte frames across a 1400-byte WAN"): whole frames out of
 * fragments, with MPPE on top (encrypted at the bundle, then cut), a lost
 * fragment (counted, the session stays up, later frames pass), and the
 * peer rejecting MRRU (plain PPP; a frame over the peer's MRU is dropped
 * and counted: the tunnel MTU rule).
 */
#include <check.h>
#include <string.h>

#include "test_ppp_pair.h"

static void mp_params(struct ppp_params *srv, struct ppp_params *cli, enum cfg_encryption enc,
		      int short_seq)
{
	pair_defaults(srv, cli);
	srv->mru = cli->mru = 1400;
	srv->mrru = cli->mrru = 1600;
	srv->short_seq = cli->short_seq = short_seq;
	srv->encryption = cli->encryption = enc;
}

static void start(struct pair *pr)
{
	pair_start(pr);
	ck_assert_int_eq(pr->a.downs + pr->b.downs, 0);
	ck_assert_int_eq(ppp_ready(pr->a.ppp), 1);
	ck_assert_int_eq(ppp_ready(pr->b.ppp), 1);
}

static void fill(uint8_t *f, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		f[i] = (uint8_t)(i * 31 + seed);
}

/* Cases: long/short sequence numbers x no encryption/MPPE. */
START_TEST(big_frame_crosses_as_fragments)
{
	int short_seq = _i & 1, mppe = (_i >> 1) & 1;
	struct ppp_params srv, cli;
	struct ppp_link_stats ls;
	uint8_t f[1514];
	struct pair pr;
	unsigned mp_before;

	mp_params(&srv, &cli, mppe ? CFG_ENC_YES : CFG_ENC_DEFAULT, short_seq);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	ck_assert_str_eq(ppp_encoding(pr.a.ppp), mppe ? "MPPE128 stateless" : "none");
	ck_assert_uint_eq(ppp_mrru(pr.a.ppp), 1600);
	ck_assert_uint_eq(ppp_mtu(pr.a.ppp), 1400);
	fill(f, sizeof(f), 1);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
	ck_assert_int_eq(ppp_send_frame(pr.b.ppp, f, sizeof(f)), 0);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 1);
	ck_assert_uint_eq(pr.b.last_frame_len, sizeof(f));
	ck_assert_mem_eq(pr.b.last_frame, f, sizeof(f));
	ck_assert_int_eq(pr.a.frames, 1);
	ck_assert_mem_eq(pr.a.last_frame, f, sizeof(f));
	/* 1514 + BCP 2 + protocol 2 (+ MPPE 4) over 1396/1398-byte slices: two fragments. */
	ck_assert_uint_eq(pr.a.proto_tx[2], 2);
	ck_assert_uint_eq(pr.a.proto_tx[0] + pr.a.proto_tx[1], 0);
	ppp_link_stats(pr.b.ppp, &ls);
	ck_assert_uint_eq(ls.mp_rx.reassembled, 1);
	ck_assert_uint_eq(ls.mp_rx.fragments, 2);
	ck_assert_uint_eq(ls.mppe_rx.packets, (uint64_t)mppe);
	ppp_link_stats(pr.a.ppp, &ls);
	ck_assert_uint_eq(ls.mp_tx.fragments, 2);
	/* A small frame fits one fragment and goes plain, without an MP header. */
	mp_before = pr.a.proto_tx[2];
	fill(f, 60, 2);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, 60), 0);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 2);
	ck_assert_mem_eq(pr.b.last_frame, f, 60);
	ck_assert_uint_eq(pr.a.proto_tx[2], mp_before);
	ck_assert_uint_eq(pr.a.proto_tx[mppe ? 1 : 0], 1);
	pair_free(&pr);
}
END_TEST

/* A lost fragment costs its frame only: counted, the link stays up, the next frames pass. */
START_TEST(lost_fragment)
{
	int mppe = _i & 1, which = _i >> 1; /* which: the first or the last fragment is lost */
	struct ppp_params srv, cli;
	struct ppp_link_stats ls;
	uint8_t f[1514];
	struct pair pr;
	int i;

	mp_params(&srv, &cli, mppe ? CFG_ENC_REQUIRED : CFG_ENC_DEFAULT, 0);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	pr.a.cut_proto = PPP_PROTO_MP;
	pr.a.cut_skip = which;
	pr.a.cut_count = 1;
	for (i = 0; i < 4; i++) {
		fill(f, sizeof(f), (unsigned)i);
		ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
	}
	/* Long enough for the reassembly timer to give up on the gap. */
	pair_run(&pr, 2000);
	ck_assert_int_eq(pr.a.cut_dropped, 1);
	ck_assert_int_eq(pr.b.frames, 3);
	ck_assert_mem_eq(pr.b.last_frame, f, sizeof(f));
	ppp_link_stats(pr.b.ppp, &ls);
	ck_assert_uint_eq(ls.mp_rx.reassembled, 3);
	ck_assert_uint_eq(ls.mp_rx.lost, 1);
	ck_assert_uint_ge(ls.mp_rx.discarded + ls.mp_rx.orphans, 1);
	ck_assert_int_eq(pr.a.downs + pr.b.downs, 0);
	/* And afterwards everything passes again. */
	for (i = 0; i < 3; i++) {
		fill(f, sizeof(f), 100u + (unsigned)i);
		ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
		pair_run(&pr, 10);
		ck_assert_int_eq(pr.b.frames, 4 + i);
		ck_assert_mem_eq(pr.b.last_frame, f, sizeof(f));
	}
	pair_free(&pr);
}
END_TEST

/* The peer rejects MRRU: plain PPP, and the tunnel MTU rule for big frames. */
START_TEST(mrru_rejected_mtu_rule)
{
	struct ppp_params srv, cli;
	uint8_t f[1514];
	struct pair pr;

	mp_params(&srv, &cli, _i ? CFG_ENC_YES : CFG_ENC_DEFAULT, 0);
	cli.mrru = 0;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	ck_assert_uint_eq(ppp_mrru(pr.a.ppp), 0);
	ck_assert_uint_eq(ppp_mrru(pr.b.ppp), 0);
	fill(f, sizeof(f), 7);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->tx_over_mru, 1);
	/* The biggest that fits: MRU 1400 - BCP 2 (- MPPE 4 incl. the inner protocol). */
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, _i ? 1394 : 1398), 0);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, _i ? 1395 : 1399), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->tx_over_mru, 2);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 1);
	ck_assert_uint_eq(pr.b.last_frame_len, _i ? 1394 : 1398);
	ck_assert_uint_eq(pr.a.proto_tx[2], 0);
	/* MP sent to us anyway is not ours to reassemble. */
	{
		static const uint8_t mp[] = {0xff, 0x03, 0x00, 0x3d, 0xc0, 0, 0, 0, 0x00, 0x31};
		ck_assert_int_eq(ppp_input(pr.a.ppp, mp, sizeof(mp), pr.now), -1);
		ck_assert_uint_eq(ppp_stats(pr.a.ppp)->drop_mp, 1);
	}
	ck_assert_int_eq(pr.a.downs + pr.b.downs, 0);
	pair_free(&pr);
}
END_TEST

/* Link protocols never come out of the bundle; MP inside MP neither. */
START_TEST(nesting_rules)
{
	/* One whole fragment (B|E) carrying an LCP Echo-Request, then one carrying MP. */
	static const uint8_t lcp_in_mp[] = {0xff, 0x03, 0x00, 0x3d, 0xc0, 0, 0, 0, 0xc0,
					    0x21, 9,	1,    0,    8,	  0, 0, 0, 0};
	static const uint8_t mp_in_mp[] = {0xff, 0x03, 0x00, 0x3d, 0xc0, 0, 0, 1,
					   0x00, 0x3d, 0xc0, 0,	   0,	 0, 0, 0x31};
	struct ppp_params srv, cli;
	struct ppp_link_stats ls;
	struct pair pr;
	unsigned lcp_before;

	mp_params(&srv, &cli, CFG_ENC_DEFAULT, 0);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	lcp_before = pr.a.sent_proto_count[0];
	ppp_input(pr.a.ppp, lcp_in_mp, sizeof(lcp_in_mp), pr.now);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->drop_nested, 1);
	ck_assert_uint_eq(pr.a.sent_proto_count[0], lcp_before);
	ppp_input(pr.a.ppp, mp_in_mp, sizeof(mp_in_mp), pr.now);
	ppp_link_stats(pr.a.ppp, &ls);
	ck_assert_uint_eq(ls.mp_rx.nested + ppp_stats(pr.a.ppp)->drop_nested, 2);
	ck_assert_int_eq(pr.a.downs, 0);
	pair_free(&pr);
}
END_TEST

static Suite *mp_link_suite(void)
{
	Suite *s = suite_create("ppp_mp_link");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, big_frame_crosses_as_fragments, 0, 4);
	tcase_add_loop_test(tc, lost_fragment, 0, 4);
	tcase_add_loop_test(tc, mrru_rejected_mtu_rule, 0, 2);
	tcase_add_test(tc, nesting_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mp_link_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
