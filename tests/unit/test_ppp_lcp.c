/*
 * LCP option negotiation on its own: the request we build, what we Ack,
 * Nak and Reject (MRU, Authentication-Protocol both roles, Magic-Number
 * loops, Multilink options as freeRtr sends them, bad lengths), and the
 * LCP-only codes (Echo, Protocol-Reject, Code-Reject, Identification).
 */
#include <check.h>
#include <string.h>

#include "lcp.h"

struct t {
	struct lcp l;
	uint8_t pkt[512];
	size_t len;
	int n;
	uint16_t rejected_proto;
	int ups, finished;
	uint32_t rng;
};

static void t_send(void *ctx, uint16_t proto, const uint8_t *p, size_t len)
{
	struct t *t = ctx;

	ck_assert_uint_eq(proto, PPP_PROTO_LCP);
	memcpy(t->pkt, p, len);
	t->len = len;
	t->n++;
}

static void t_random(void *ctx, void *out, size_t len)
{
	struct t *t = ctx;
	uint8_t *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		t->rng = t->rng * 1103515245u + 12345u;
		o[i] = (uint8_t)(t->rng >> 16);
	}
}

static void t_protrej(void *ctx, uint16_t proto)
{
	((struct t *)ctx)->rejected_proto = proto;
}

static void t_up(void *ctx)
{
	((struct t *)ctx)->ups++;
}

static void t_finished(void *ctx)
{
	((struct t *)ctx)->finished++;
}

static const struct fsm_io t_io = {.send = t_send};
static const struct lcp_ops t_ops = {
    .up = t_up,
    .finished = t_finished,
    .protocol_rejected = t_protrej,
    .random = t_random,
};

static void setup(struct t *t, const struct lcp_params *p)
{
	memset(t, 0, sizeof(*t));
	t->rng = 42;
	lcp_init(&t->l, p, &t_ops, t, &t_io, t);
	fsm_open(&t->l.fsm, 0);
	fsm_lower_up(&t->l.fsm, 0);
}

static void feed(struct t *t, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t pkt[256];

	pkt[0] = code;
	pkt[1] = id;
	pkt[2] = 0;
	pkt[3] = (uint8_t)(n + 4);
	if (n)
		memcpy(pkt + 4, d, n);
	fsm_input(&t->l.fsm, pkt, n + 4, 0);
}

static void open_link(struct t *t)
{
	uint8_t ours[64];
	size_t n = t->l.fsm.req_len;

	memcpy(ours, t->l.fsm.req, n);
	feed(t, FSM_CONFREQ, 1, NULL, 0);
	feed(t, FSM_CONFACK, t->l.fsm.reqid, ours, n);
	ck_assert_int_eq(fsm_state(&t->l.fsm), FSM_OPENED);
}

START_TEST(server_request)
{
	struct lcp_params p = {.authenticator = 1, .auth = PPP_AUTH_ALL, .mru = 1450};
	struct t t;

	setup(&t, &p);
	ck_assert_uint_eq(t.pkt[0], FSM_CONFREQ);
	ck_assert_uint_eq(t.len, 4 + 4 + 5 + 6);
	ck_assert_mem_eq(t.pkt + 4, "\x01\x04\x05\xaa\x03\x05\xc2\x23\x81\x05\x06", 11);
}
END_TEST

/* The first request of freeRtr's LNS in the captures. */
static const uint8_t freertr_req[] = {0x05, 0x06, 0x23, 0xd0, 0xd9, 0xed, 0x11, 0x04,
				      0x06, 0x40, 0x13, 0x06, 0x01, 0x6c, 0x6e, 0x73};

START_TEST(freertr_multilink_without_mrru)
{
	struct lcp_params p = {.auth = PPP_AUTH_ALL};
	struct t t;

	setup(&t, &p);
	feed(&t, FSM_CONFREQ, 0x1f, freertr_req, sizeof(freertr_req));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFREJ);
	ck_assert_uint_eq(t.len, 4 + 4 + 6);
	ck_assert_mem_eq(t.pkt + 4, freertr_req + 6, 10);
}
END_TEST

START_TEST(freertr_multilink_with_mrru)
{
	struct lcp_params p = {.auth = PPP_AUTH_ALL, .mrru = 1600};
	struct t t;

	setup(&t, &p);
	/* Our request offers MRRU 1600 too. */
	ck_assert_mem_eq(t.pkt + 4 + 6, "\x11\x04\x06\x40", 4);
	feed(&t, FSM_CONFREQ, 0x1f, freertr_req, sizeof(freertr_req));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFACK);
	ck_assert_mem_eq(t.pkt + 4, freertr_req, sizeof(freertr_req));
	ck_assert_uint_eq(t.l.his.mrru, 1600);
	ck_assert_uint_eq(t.l.his.magic, 0x23d0d9edu);
	ck_assert_uint_eq(t.l.his.ed_class, LCP_ED_LOCAL);
	ck_assert_uint_eq(t.l.his.ed_len, 3);
	ck_assert_mem_eq(t.l.his.ed, "lns", 3);
}
END_TEST

START_TEST(client_auth_choices)
{
	static const uint8_t pap[] = {0x03, 0x04, 0xc0, 0x23};
	static const uint8_t md5[] = {0x03, 0x05, 0xc2, 0x23, 0x05};
	static const uint8_t weird[] = {0x03, 0x05, 0xc2, 0x23, 0x06};
	struct lcp_params p = {.auth =
				   PPP_AUTH_BIT(PPP_AUTH_MSCHAP2) | PPP_AUTH_BIT(PPP_AUTH_CHAP)};
	struct t t;

	setup(&t, &p);
	feed(&t, FSM_CONFREQ, 1, pap, sizeof(pap));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFNAK);
	ck_assert_mem_eq(t.pkt + 4, "\x03\x05\xc2\x23\x81", 5);
	feed(&t, FSM_CONFREQ, 2, weird, sizeof(weird));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFNAK);
	feed(&t, FSM_CONFREQ, 3, md5, sizeof(md5));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFACK);
	ck_assert_int_eq(t.l.his.auth, PPP_AUTH_CHAP);

	/* A client that allows nothing rejects the option. */
	p.auth = 0;
	setup(&t, &p);
	feed(&t, FSM_CONFREQ, 1, md5, sizeof(md5));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFREJ);
}
END_TEST

START_TEST(server_auth_walk_and_fail)
{
	static const uint8_t nak_pap[] = {0x03, 0x04, 0xc0, 0x23};
	struct lcp_params p = {.authenticator = 1,
			       .auth = PPP_AUTH_BIT(PPP_AUTH_MSCHAP2) |
				       PPP_AUTH_BIT(PPP_AUTH_MSCHAP1) | PPP_AUTH_BIT(PPP_AUTH_PAP)};
	struct t t;

	setup(&t, &p);
	/* Peer suggests PAP, which we accept: the next request asks for PAP. */
	feed(&t, FSM_CONFNAK, t.l.fsm.reqid, nak_pap, sizeof(nak_pap));
	ck_assert_mem_eq(t.pkt + 4, "\x03\x04\xc0\x23", 4);
	/* Peer Naks PAP too, suggesting it again: the next one left is mschap1. */
	feed(&t, FSM_CONFNAK, t.l.fsm.reqid, nak_pap, sizeof(nak_pap));
	ck_assert_mem_eq(t.pkt + 4, "\x03\x05\xc2\x23\x80", 5);
	/* And that one Nak'ed too: nothing left. */
	feed(&t, FSM_CONFNAK, t.l.fsm.reqid, nak_pap, sizeof(nak_pap));
	ck_assert_uint_eq(t.pkt[0], FSM_TERMREQ);
	ck_assert_mem_eq(t.pkt + 4, "no common authentication method", 31);
	ck_assert_int_eq(fsm_state(&t.l.fsm), FSM_CLOSING);

	/* A peer that rejects authentication altogether. */
	setup(&t, &p);
	feed(&t, FSM_CONFREJ, t.l.fsm.reqid, (const uint8_t *)"\x03\x05\xc2\x23\x81", 5);
	ck_assert_uint_eq(t.pkt[0], FSM_TERMREQ);
	ck_assert_str_eq(lcp_reason(&t.l), "peer refuses to authenticate");
}
END_TEST

START_TEST(magic_loop)
{
	struct lcp_params p = {.auth = PPP_AUTH_ALL};
	struct t t;
	uint8_t req[6] = {0x05, 0x06};
	uint32_t m;
	int i;

	setup(&t, &p);
	for (i = 0; i <= FSM_MAX_FAILURE; i++) {
		m = t.l.want.magic;
		req[2] = (uint8_t)(m >> 24);
		req[3] = (uint8_t)(m >> 16);
		req[4] = (uint8_t)(m >> 8);
		req[5] = (uint8_t)m;
		feed(&t, FSM_CONFREQ, (uint8_t)i, req, sizeof(req));
		if (i < FSM_MAX_FAILURE) {
			ck_assert_uint_eq(t.pkt[0], FSM_CONFNAK);
			/* A different number, and we moved too. */
			ck_assert(memcmp(t.pkt + 6, req + 2, 4) != 0);
			ck_assert_uint_ne(t.l.want.magic, m);
		}
	}
	ck_assert_str_eq(lcp_reason(&t.l), "link is looped back");
	ck_assert_int_eq(fsm_state(&t.l.fsm), FSM_CLOSING);
}
END_TEST

START_TEST(mru_and_lengths)
{
	static const uint8_t small_mru[] = {0x01, 0x04, 0x00, 0x40};
	static const uint8_t bad_mru_len[] = {0x01, 0x03, 0x05};
	static const uint8_t bad_ed[] = {0x13, 0x06, 0x02, 1, 2, 3};
	static const uint8_t pfc_acfc_accm[] = {0x07, 0x02, 0x08, 0x02, 0x02, 0x06, 0, 0, 0, 0};
	static const uint8_t nak_mru[] = {0x01, 0x04, 0x05, 0x78};
	struct lcp_params p = {.auth = PPP_AUTH_ALL, .mru = 1460, .mrru = 1600};
	struct t t;

	setup(&t, &p);
	feed(&t, FSM_CONFREQ, 1, small_mru, sizeof(small_mru));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFNAK);
	ck_assert_mem_eq(t.pkt + 4, "\x01\x04\x00\x80", 4);
	feed(&t, FSM_CONFREQ, 2, bad_mru_len, sizeof(bad_mru_len));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFREJ);
	feed(&t, FSM_CONFREQ, 3, bad_ed, sizeof(bad_ed));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFREJ);
	feed(&t, FSM_CONFREQ, 4, pfc_acfc_accm, sizeof(pfc_acfc_accm));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFACK);
	ck_assert_int_eq(t.l.his.pfc, 1);
	ck_assert_int_eq(t.l.his.acfc, 1);
	feed(&t, FSM_CONFNAK, t.l.fsm.reqid, nak_mru, sizeof(nak_mru));
	ck_assert_uint_eq(t.pkt[0], FSM_CONFREQ);
	ck_assert_mem_eq(t.pkt + 4, nak_mru, 4);
}
END_TEST

START_TEST(lcp_codes_when_opened)
{
	static const uint8_t echo[] = {0x11, 0x22, 0x33, 0x44, 0xde, 0xad};
	static const uint8_t protrej_bcp[] = {0x80, 0x31, 0x01, 0x01, 0x00, 0x04};
	struct lcp_params p = {.auth = PPP_AUTH_ALL};
	struct t t;
	uint32_t m;
	int n;

	setup(&t, &p);
	open_link(&t);
	ck_assert_int_eq(t.ups, 1);
	m = t.l.want.magic;
	feed(&t, FSM_ECHOREQ, 9, echo, sizeof(echo));
	ck_assert_uint_eq(t.pkt[0], FSM_ECHOREP);
	ck_assert_uint_eq(t.pkt[1], 9);
	ck_assert_uint_eq(t.pkt[4], (uint8_t)(m >> 24));
	ck_assert_mem_eq(t.pkt + 8, "\xde\xad", 2);
	n = t.n;
	feed(&t, LCP_CODE_IDENTIFICATION, 10, (const uint8_t *)"\0\0\0\0MSRASV5.20", 14);
	feed(&t, FSM_DISCREQ, 11, echo, 4);
	ck_assert_int_eq(t.n, n); /* silently taken */
	feed(&t, 0x42, 12, NULL, 0);
	ck_assert_uint_eq(t.pkt[0], FSM_CODEREJ);
	ck_assert_uint_eq(t.pkt[4], 0x42);
	feed(&t, FSM_PROTREJ, 13, protrej_bcp, sizeof(protrej_bcp));
	ck_assert_uint_eq(t.rejected_proto, 0x8031);
	ck_assert_int_eq(fsm_state(&t.l.fsm), FSM_OPENED);
	/* Code-Reject of Configure-Request: catastrophic (RXJ-). */
	feed(&t, FSM_CODEREJ, 14, (const uint8_t *)"\x01\x01\x00\x04", 4);
	ck_assert_int_eq(fsm_state(&t.l.fsm), FSM_STOPPING);
}
END_TEST

static Suite *lcp_suite(void)
{
	Suite *s = suite_create("ppp_lcp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, server_request);
	tcase_add_test(tc, freertr_multilink_without_mrru);
	tcase_add_test(tc, freertr_multilink_with_mrru);
	tcase_add_test(tc, client_auth_choices);
	tcase_add_test(tc, server_auth_walk_and_fail);
	tcase_add_test(tc, magic_loop);
	tcase_add_test(tc, mru_and_lengths);
	tcase_add_test(tc, lcp_codes_when_opened);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
