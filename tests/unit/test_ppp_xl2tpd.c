/*
 * Interop with pppd 2.4.9 (behind xl2tpd 1.3.18, tests/interop/xl2tpd-1.3.18):
 * every PPP frame of the captures decodes; pppd's LCP Configure-Requests
 * are Acked by our client-role LCP; our CHAP-MD5 and PAP peers produce,
 * for pppd's challenge and the same credentials (kpeer/kpeer), the very
 * packets pppd accepted ("Access granted"); our authenticator accepts the
 * captured PAP request.
 */
#include <check.h>
#include <glob.h>
#include <string.h>

#include "auth.h"
#include "cpopt.h"
#include "lcp.h"
#include "test_ppp_pcap.h"

#define CAPDIR "tests/interop/xl2tpd-1.3.18/"

struct seen {
	uint8_t chap_chal[128], chap_resp[128], pap_req[128], lcp_req[8][128];
	size_t chap_chal_len, chap_resp_len, pap_req_len, lcp_req_len[8];
	int n_lcp_req;
	unsigned frames, lcp, auth, ncp, data;
};

static void on_frame(void *ctx, const uint8_t *frame, size_t len, uint32_t src, unsigned no)
{
	struct seen *s = ctx;
	struct buf b, body, val;
	uint8_t a, c, code, id, type;
	uint16_t proto, plen;
	int r;

	(void)src;
	s->frames++;
	buf_init(&b, frame, len);
	if (buf_peek_n8(&b, 0, &a) == 0 && buf_peek_n8(&b, 1, &c) == 0 && a == 0xff && c == 0x03)
		buf_skip(&b, 2);
	ck_assert_int_eq(buf_get_n16(&b, &proto), 0);
	if (proto == 0x0021 || proto == 0x0057) {
		s->data++;
		return;
	}
	/* Every control protocol here (LCP, PAP, CHAP, IPCP, IPV6CP) has the RFC 1661 header. */
	ck_assert_msg(buf_peek_n8(&b, 0, &code) == 0 && buf_peek_n8(&b, 1, &id) == 0 &&
			  buf_peek_n16(&b, 2, &plen) == 0 && plen >= 4 && plen <= buf_left(&b),
		      "#%u: bad header for protocol 0x%04x", no, proto);
	switch (proto) {
	case PPP_PROTO_LCP:
		s->lcp++;
		if (code <= FSM_CONFREJ) {
			buf_init(&body, buf_cur(&b) + 4, plen - 4u);
			while ((r = cpopt_next(&body, &type, &val)) == 0)
				;
			ck_assert_msg(r == 1, "#%u: bad LCP options", no);
		}
		if (code == FSM_CONFREQ && s->n_lcp_req < 8 && plen <= 128) {
			memcpy(s->lcp_req[s->n_lcp_req], buf_cur(&b), plen);
			s->lcp_req_len[s->n_lcp_req++] = plen;
		}
		break;
	case PPP_PROTO_CHAP:
		s->auth++;
		if (code == 1 && plen <= 128) {
			memcpy(s->chap_chal, buf_cur(&b), plen);
			s->chap_chal_len = plen;
		} else if (code == 2 && plen <= 128) {
			memcpy(s->chap_resp, buf_cur(&b), plen);
			s->chap_resp_len = plen;
		}
		break;
	case PPP_PROTO_PAP:
		s->auth++;
		if (code == 1 && plen <= 128) {
			memcpy(s->pap_req, buf_cur(&b), plen);
			s->pap_req_len = plen;
		}
		break;
	case 0x8021:
	case 0x8057:
		s->ncp++;
		break;
	default:
		ck_abort_msg("#%u: unexpected protocol 0x%04x", no, proto);
	}
}

/* ---- a struct auth whose packets we capture ---- */

struct cap {
	uint8_t pkt[256];
	size_t len;
	int done, ok;
};

static void cap_send(void *ctx, uint16_t proto, const uint8_t *p, size_t n)
{
	struct cap *c = ctx;

	(void)proto;
	memcpy(c->pkt, p, n);
	c->len = n;
}

static int cap_secret(void *ctx, const char *user, char *pw, size_t cap)
{
	(void)ctx;
	if (strcmp(user, "kpeer") != 0)
		return -1;
	snprintf(pw, cap, "kpeer");
	return 0;
}

static void cap_done(void *ctx, int ok, const char *user, const char *why)
{
	struct cap *c = ctx;

	(void)user, (void)why;
	c->done++;
	c->ok = ok;
}

static const struct auth_ops cap_ops = {.send = cap_send, .secret = cap_secret, .done = cap_done};

static uint8_t lcp_reply;

static void lcp_sink(void *ctx, uint16_t proto, const uint8_t *p, size_t n)
{
	(void)ctx, (void)proto, (void)n;
	lcp_reply = p[0];
}

static void lcp_random(void *ctx, void *out, size_t n)
{
	(void)ctx;
	memset(out, 0x33, n);
}

static const struct fsm_io lcp_io = {.send = lcp_sink};
static const struct lcp_ops lcp_ops_ = {.random = lcp_random};

START_TEST(all_frames_decode)
{
	glob_t g;
	size_t i;
	struct seen s;
	unsigned total = 0, files = 0;

	ck_assert_int_eq(glob(CAPDIR "*.pcap", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		memset(&s, 0, sizeof(s));
		total += pcap_ppp_walk(g.gl_pathv[i], on_frame, &s);
		files++;
		/* Our client-role LCP Acks what pppd asks (auth, magic, ACCM, PFC, ACFC). */
		for (int k = 0; k < s.n_lcp_req; k++) {
			struct lcp_params p = {.auth = PPP_AUTH_ALL};
			static struct lcp l;

			lcp_init(&l, &p, &lcp_ops_, NULL, &lcp_io, NULL);
			fsm_open(&l.fsm, 0);
			fsm_lower_up(&l.fsm, 0);
			fsm_input(&l.fsm, s.lcp_req[k], s.lcp_req_len[k], 0);
			ck_assert_msg(lcp_reply == FSM_CONFACK, "%s: LCP request %d answered %u",
				      g.gl_pathv[i], k, lcp_reply);
		}
	}
	globfree(&g);
	printf("xl2tpd: %u captures, %u PPP frames decoded\n", files, total);
	ck_assert_uint_ge(files, 6);
	ck_assert_uint_gt(total, 50);
}
END_TEST

START_TEST(chap_md5_matches_pppd)
{
	struct seen s;
	struct auth a;
	struct cap c;

	memset(&s, 0, sizeof(s));
	pcap_ppp_walk(CAPDIR "l2tpv2-lns-chap.pcap", on_frame, &s);
	ck_assert_uint_gt(s.chap_chal_len, 4);
	ck_assert_uint_gt(s.chap_resp_len, 4);
	/* pppd's challenge is longer than 16 bytes: must still be answered. */
	ck_assert_uint_gt(s.chap_chal[4], 16);
	memset(&c, 0, sizeof(c));
	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 0, PPP_AUTH_CHAP, NULL, "kpeer", "kpeer", 0);
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, s.chap_chal, s.chap_chal_len, 0), 0);
	ck_assert_uint_eq(c.len, s.chap_resp_len);
	ck_assert_mem_eq(c.pkt, s.chap_resp, c.len);
	/* A wrong password gives another answer. */
	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 0, PPP_AUTH_CHAP, NULL, "kpeer", "kpeex", 0);
	auth_input(&a, PPP_PROTO_CHAP, s.chap_chal, s.chap_chal_len, 0);
	ck_assert(memcmp(c.pkt, s.chap_resp, c.len) != 0);
}
END_TEST

START_TEST(pap_matches_pppd)
{
	struct seen s;
	struct auth a;
	struct cap c;

	memset(&s, 0, sizeof(s));
	pcap_ppp_walk(CAPDIR "l2tpv2-lns-pap.pcap", on_frame, &s);
	ck_assert_uint_gt(s.pap_req_len, 4);
	/* Our peer builds the same Authenticate-Request (same identifier). */
	memset(&c, 0, sizeof(c));
	auth_init(&a, &cap_ops, &c);
	a.id = (uint8_t)(s.pap_req[1] - 1);
	auth_start(&a, 0, PPP_AUTH_PAP, NULL, "kpeer", "kpeer", 0);
	ck_assert_uint_eq(c.len, s.pap_req_len);
	ck_assert_mem_eq(c.pkt, s.pap_req, c.len);
	/* Our authenticator accepts it and Acks. */
	memset(&c, 0, sizeof(c));
	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 1, PPP_AUTH_PAP, "lns", NULL, NULL, 0);
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_PAP, s.pap_req, s.pap_req_len, 0), 0);
	ck_assert_int_eq(c.done, 1);
	ck_assert_int_eq(c.ok, 1);
	ck_assert_uint_eq(c.pkt[0], 2);
	ck_assert_uint_eq(c.pkt[1], s.pap_req[1]);
}
END_TEST

static Suite *xl2tpd_suite(void)
{
	Suite *s = suite_create("ppp_xl2tpd");
	TCase *tc = tcase_create("pppd");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, all_frames_decode);
	tcase_add_test(tc, chap_md5_matches_pppd);
	tcase_add_test(tc, pap_matches_pppd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(xl2tpd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
