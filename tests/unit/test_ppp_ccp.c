/*
 * CCP and MPPE between two real PPP links back to back: use-encryption
 * default/no/yes/required on each side, MS-CHAP versus PAP/CHAP (no keys),
 * stateless/stateful preferences, the reasons on failure, and the
 * Reset-Request exchange of stateful MPPE (RFC 3078 §8.2: answered by the
 * flushed bit, no Reset-Ack).  Frames cross encrypted whenever MPPE is
 * negotiated, and never in plaintext then.
 */
#include <check.h>
#include <string.h>

#include "test_ppp_pair.h"

#define REFUSED	  "encryption required but peer refused MPPE"
#define NO_MSCHAP "encryption required but authentication is not MS-CHAP"

enum outcome { OUT_NONE, OUT_MPPE, OUT_FAIL };

static const char *const pol_names[] = {"default", "no", "yes", "required"};

/* One frame each way; returns how many arrived intact. */
static int cross(struct pair *pr, size_t len)
{
	uint8_t f[1514];
	int before_a = pr->a.frames, before_b = pr->b.frames, ok = 0;
	size_t i;

	for (i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 13 + len);
	ppp_send_frame(pr->a.ppp, f, len);
	ppp_send_frame(pr->b.ppp, f, len);
	pair_run(pr, 10);
	if (pr->b.frames == before_b + 1 && pr->b.last_frame_len == len &&
	    memcmp(pr->b.last_frame, f, len) == 0)
		ok++;
	if (pr->a.frames == before_a + 1 && pr->a.last_frame_len == len &&
	    memcmp(pr->a.last_frame, f, len) == 0)
		ok++;
	return ok;
}

static void assert_up(struct pair *pr, const char *encoding)
{
	ck_assert_int_eq(pr->a.downs, 0);
	ck_assert_int_eq(pr->b.downs, 0);
	ck_assert_int_eq(pr->a.ups, 1);
	ck_assert_int_eq(pr->b.ups, 1);
	ck_assert_int_eq(ppp_ready(pr->a.ppp), 1);
	ck_assert_int_eq(ppp_ready(pr->b.ppp), 1);
	ck_assert_str_eq(ppp_encoding(pr->a.ppp), encoding);
	ck_assert_str_eq(ppp_encoding(pr->b.ppp), encoding);
}

static enum outcome expect(enum cfg_encryption s, enum cfg_encryption c)
{
	if (s == CFG_ENC_NO || c == CFG_ENC_NO)
		return (s == CFG_ENC_REQUIRED || c == CFG_ENC_REQUIRED) ? OUT_FAIL : OUT_NONE;
	if (s == CFG_ENC_DEFAULT && c == CFG_ENC_DEFAULT)
		return OUT_NONE;
	return OUT_MPPE;
}

/* Every pair of policies, MS-CHAPv2: the RouterOS outcome table. */
START_TEST(policy_matrix)
{
	enum cfg_encryption s = (enum cfg_encryption)(_i / 4), c = (enum cfg_encryption)(_i % 4);
	enum outcome want = expect(s, c);
	struct pair pr;

	pair_start_enc(&pr, PPP_AUTH_BIT(PPP_AUTH_MSCHAP2), s, c);
	switch (want) {
	case OUT_NONE:
		assert_up(&pr, "none");
		ck_assert_int_eq(cross(&pr, 1400), 2);
		ck_assert_uint_eq(pr.a.proto_tx[1] + pr.b.proto_tx[1], 0);
		ck_assert_uint_eq(pr.a.proto_tx[0], 1);
		/* Nobody asked: two passive sides never speak CCP at all. */
		if (s != CFG_ENC_YES && c != CFG_ENC_YES)
			ck_assert_uint_eq(pr.a.proto_tx[3] + pr.b.proto_tx[3], 0);
		break;
	case OUT_MPPE:
		assert_up(&pr, "MPPE128 stateless");
		/*
		 * Bridging starts only once MPPE is on, also on a side whose
		 * policy is "default": the peer would drop plaintext frames.
		 */
		ck_assert_str_eq(pr.a.first_up_encoding, "MPPE128 stateless");
		ck_assert_str_eq(pr.b.first_up_encoding, "MPPE128 stateless");
		ck_assert_int_eq(cross(&pr, 1400), 2);
		ck_assert_int_eq(cross(&pr, 60), 2);
		/* Not one bridged frame in plaintext. */
		ck_assert_uint_eq(pr.a.proto_tx[0] + pr.b.proto_tx[0], 0);
		ck_assert_uint_eq(pr.a.proto_tx[1], 2);
		ck_assert_uint_eq(pr.b.proto_tx[1], 2);
		break;
	case OUT_FAIL:
		/* The side that did not care may have started bridging: never the one that did. */
		ck_assert_int_eq(s == CFG_ENC_REQUIRED ? pr.a.ups : pr.b.ups, 0);
		ck_assert_int_eq(pr.a.downs, 1);
		ck_assert_int_eq(pr.b.downs, 1);
		ck_assert_msg(strstr(pr.a.reason, REFUSED) && strstr(pr.b.reason, REFUSED),
			      "%s/%s: \"%s\" / \"%s\"", pol_names[s], pol_names[c], pr.a.reason,
			      pr.b.reason);
		/* The side that required it says so in its own words. */
		ck_assert_str_eq(s == CFG_ENC_REQUIRED ? pr.a.reason : pr.b.reason, REFUSED);
		ck_assert_int_eq(ppp_send_frame(pr.a.ppp, pr.a.last_frame, 60), -1);
		break;
	default:
		ck_abort();
	}
	pair_free(&pr);
}
END_TEST

/* MPPE with MS-CHAPv1 start keys (RFC 3079 §2.4) too. */
START_TEST(mschap1_keys_mppe)
{
	struct pair pr;

	pair_start_enc(&pr, PPP_AUTH_BIT(PPP_AUTH_MSCHAP1), CFG_ENC_REQUIRED, CFG_ENC_YES);
	assert_up(&pr, "MPPE128 stateless");
	ck_assert_int_eq(cross(&pr, 1000), 2);
	pair_free(&pr);
}
END_TEST

/* PAP and CHAP leave no keys: required fails before CCP, the rest run plaintext. */
START_TEST(no_keys_without_mschap)
{
	enum ppp_auth m = (_i & 1) ? PPP_AUTH_CHAP : PPP_AUTH_PAP;
	int req_on_server = (_i >> 1) & 1;
	struct pair pr;

	pair_start_enc(&pr, PPP_AUTH_BIT(m), req_on_server ? CFG_ENC_REQUIRED : CFG_ENC_YES,
		       req_on_server ? CFG_ENC_YES : CFG_ENC_REQUIRED);
	ck_assert_int_eq(pr.a.ups + pr.b.ups, 0);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_int_eq(pr.b.downs, 1);
	ck_assert_str_eq(req_on_server ? pr.a.reason : pr.b.reason, NO_MSCHAP);
	ck_assert_msg(strstr(req_on_server ? pr.b.reason : pr.a.reason, NO_MSCHAP), "%s / %s",
		      pr.a.reason, pr.b.reason);
	/* The side that required encryption never started CCP. */
	ck_assert_uint_eq(req_on_server ? pr.a.proto_tx[3] : pr.b.proto_tx[3], 0);
	pair_free(&pr);

	/* yes on both sides: up, unencrypted, MPPE never offered. */
	pair_start_enc(&pr, PPP_AUTH_BIT(m), CFG_ENC_YES, CFG_ENC_YES);
	assert_up(&pr, "none");
	ck_assert_int_eq(cross(&pr, 200), 2);
	ck_assert_uint_eq(ppp_ccp(pr.a.ppp)->want, 0);
	pair_free(&pr);
}
END_TEST

/*
 * Stateless is preferred, stateful accepted when the peer insists; a side
 * preferring stateful (pppd's mppe-stateful) gets it from either kind of
 * peer.  Cases: server/client preference stateless (0) or stateful (1).
 */
START_TEST(stateless_or_stateful)
{
	static const char *const enc[4] = {"MPPE128 stateless", "MPPE128 stateful",
					   "MPPE128 stateful", "MPPE128 stateful"};
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	srv.encryption = CFG_ENC_YES;
	cli.encryption = CFG_ENC_YES;
	srv.mppe_stateful = _i & 1;
	cli.mppe_stateful = (_i >> 1) & 1;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	pair_start(&pr);
	assert_up(&pr, enc[_i]);
	ck_assert_int_eq(cross(&pr, 1400), 2);
	ck_assert_int_eq(cross(&pr, 64), 2);
	pair_free(&pr);
}
END_TEST

static void stateful_pair(struct pair *pr)
{
	struct ppp_params srv, cli;

	pair_defaults(&srv, &cli);
	srv.encryption = CFG_ENC_REQUIRED;
	cli.encryption = CFG_ENC_REQUIRED;
	srv.mppe_stateful = 1;
	cli.mppe_stateful = 1;
	pair_init(pr, &srv, &cli, "office-b", "secret");
	pair_start(pr);
	assert_up(pr, "MPPE128 stateful");
}

/* Stateful loss: Reset-Request, the next packet flushed, nothing lost after. */
START_TEST(stateful_loss_reset_request)
{
	struct ppp_link_stats ls;
	uint8_t f[100] = {0};
	struct pair pr;
	int i;

	stateful_pair(&pr);
	pr.a.cut_proto = MPPE_PROTO;
	pr.a.cut_skip = 1;
	pr.a.cut_count = 1;
	for (i = 0; i < 5; i++) {
		f[20] = (uint8_t)i;
		ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
	}
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.a.cut_dropped, 1);
	/* #0 arrived; #1 lost; #2 revealed the loss; #3, #4 wait for the flush. */
	ck_assert_int_eq(pr.b.frames, 1);
	ck_assert_uint_eq(pr.b.ccp_code_tx[CCP_RESETREQ], 1);
	ck_assert_uint_eq(ppp_ccp(pr.a.ppp)->stats.resetreq_rx, 1);
	/* RFC 3078: the flushed bit answers; no Reset-Ack goes out. */
	ck_assert_uint_eq(pr.a.ccp_code_tx[CCP_RESETACK], 0);
	ppp_link_stats(pr.b.ppp, &ls);
	ck_assert_uint_eq(ls.mppe_rx.drops[MPPE_DROP_LOST], 1);
	ck_assert_uint_eq(ls.mppe_rx.drops[MPPE_DROP_AWAIT_FLUSH], 2);
	ck_assert_uint_eq(ppp_stats(pr.b.ppp)->drop_mppe, 3);
	/* The next packet carries A and resynchronises; everything after passes. */
	for (i = 0; i < 3; i++) {
		f[20] = (uint8_t)(10 + i);
		ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
		pair_run(&pr, 10);
		ck_assert_int_eq(pr.b.frames, 2 + i);
		ck_assert_uint_eq(pr.b.last_frame[20], 10 + i);
	}
	ppp_link_stats(pr.b.ppp, &ls);
	ck_assert_uint_eq(ls.mppe_rx.resyncs, 1);
	ppp_link_stats(pr.a.ppp, &ls);
	ck_assert_uint_ge(ls.mppe_tx.flushes, 1);
	ck_assert_int_eq(pr.a.downs + pr.b.downs, 0);
	pair_free(&pr);
}
END_TEST

/* Stateless loss costs the lost packet only, and no Reset-Request. */
START_TEST(stateless_loss_no_reset)
{
	uint8_t f[100] = {0};
	struct pair pr;
	int i;

	pair_start_enc(&pr, PPP_AUTH_BIT(PPP_AUTH_MSCHAP2), CFG_ENC_YES, CFG_ENC_YES);
	assert_up(&pr, "MPPE128 stateless");
	pr.a.cut_proto = MPPE_PROTO;
	pr.a.cut_skip = 1;
	pr.a.cut_count = 2;
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 4);
	ck_assert_uint_eq(pr.b.ccp_code_tx[CCP_RESETREQ], 0);
	pair_free(&pr);
}
END_TEST

/* A Reset-Request makes the next stateful packet flushed; a Reset-Ack is accepted silently. */
START_TEST(reset_request_and_ack_codes)
{
	static const uint8_t resetreq[] = {0xff, 0x03, 0x80, 0xfd, CCP_RESETREQ, 0x42, 0, 4};
	static const uint8_t resetack[] = {0xff, 0x03, 0x80, 0xfd, CCP_RESETACK, 0x43, 0, 4};
	struct ppp_link_stats ls;
	uint8_t f[80] = {0};
	struct pair pr;

	stateful_pair(&pr);
	ck_assert_int_eq(ppp_input(pr.a.ppp, resetreq, sizeof(resetreq), pr.now), 0);
	ck_assert_int_eq(ppp_input(pr.a.ppp, resetack, sizeof(resetack), pr.now), 0);
	ck_assert_uint_eq(ppp_ccp(pr.a.ppp)->stats.resetreq_rx, 1);
	ck_assert_uint_eq(ppp_ccp(pr.a.ppp)->stats.resetack_rx, 1);
	ck_assert_uint_eq(pr.a.ccp_code_tx[FSM_CODEREJ], 0);
	ck_assert_uint_eq(pr.a.ccp_code_tx[CCP_RESETACK], 0);
	ppp_link_stats(pr.a.ppp, &ls);
	ck_assert_uint_eq(ls.mppe_tx.flushes, 0);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), 0);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 1);
	ppp_link_stats(pr.a.ppp, &ls);
	ck_assert_uint_eq(ls.mppe_tx.flushes, 1);
	pair_free(&pr);
}
END_TEST

/* With MPPE on, plaintext bridged frames are dropped; 0x00FD without MPPE is too. */
START_TEST(plaintext_refused_when_encrypted)
{
	static const uint8_t plain[] = {0xff, 0x03, 0x00, 0x31, 0x00, 0x01, 1,	2,  3, 4,
					5,    6,    7,	  8,	9,    10,   11, 12, 8, 0};
	static const uint8_t mppe[] = {0xff, 0x03, 0x00, 0xfd, 0x90, 0x00, 1, 2, 3};
	struct pair pr;

	stateful_pair(&pr);
	ck_assert_int_eq(ppp_input(pr.a.ppp, plain, sizeof(plain), pr.now), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->drop_unencrypted, 1);
	ck_assert_int_eq(pr.a.frames, 0);
	pair_free(&pr);

	pair_start_enc(&pr, PPP_AUTH_ALL, CFG_ENC_DEFAULT, CFG_ENC_DEFAULT);
	assert_up(&pr, "none");
	ck_assert_int_eq(ppp_input(pr.a.ppp, mppe, sizeof(mppe), pr.now), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->drop_mppe_off, 1);
	ck_assert_int_eq(ppp_input(pr.a.ppp, plain, sizeof(plain), pr.now), 0);
	ck_assert_int_eq(pr.a.frames, 1);
	pair_free(&pr);
}
END_TEST

/* A peer without CCP Protocol-Rejects it: required goes down, yes runs plaintext. */
START_TEST(ccp_protocol_rejected)
{
	static const uint8_t protrej[] = {0xff, 0x03, 0xc0, 0x21, 8, 0x77, 0,
					  10,	0x80, 0xfd, 1,	  1, 0,	   4};
	enum cfg_encryption pol = _i ? CFG_ENC_REQUIRED : CFG_ENC_YES;
	struct pair pr;

	pair_start_enc(&pr, PPP_AUTH_BIT(PPP_AUTH_MSCHAP2), pol, CFG_ENC_DEFAULT);
	assert_up(&pr, "MPPE128 stateless");
	ck_assert_int_eq(ppp_input(pr.a.ppp, protrej, sizeof(protrej), pr.now), 0);
	pair_run(&pr, 30000);
	if (pol == CFG_ENC_REQUIRED) {
		ck_assert_int_eq(pr.a.downs, 1);
		ck_assert_str_eq(pr.a.reason, REFUSED);
	} else {
		ck_assert_int_eq(pr.a.downs, 0);
		ck_assert_int_eq(ppp_ready(pr.a.ppp), 1);
		ck_assert_str_eq(ppp_encoding(pr.a.ppp), "none");
	}
	pair_free(&pr);
}
END_TEST

/*
 * A peer that never answers CCP (neither Ack nor Protocol-Reject): after
 * Max-Configure, required goes down saying why, yes bridges unencrypted.
 */
START_TEST(ccp_silent_peer)
{
	enum cfg_encryption pol = _i ? CFG_ENC_REQUIRED : CFG_ENC_YES;
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	srv.encryption = pol;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	/* The client (default policy, passive) never hears the server's CCP. */
	pr.a.cut_proto = PPP_PROTO_CCP;
	pr.a.cut_count = 1000;
	ppp_start(pr.a.ppp, pr.now);
	ppp_start(pr.b.ppp, pr.now);
	pair_run(&pr, 5000);
	ck_assert_int_eq(ppp_bcp(pr.a.ppp)->fsm.state, FSM_OPENED);
	ck_assert_int_eq(pr.a.ups, 0);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, pr.a.last_frame, 60), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->tx_not_ready, 1);
	pair_run(&pr, 60000);
	ck_assert_uint_eq(pr.a.ccp_code_tx[FSM_CONFREQ], FSM_MAX_CONFIGURE);
	if (pol == CFG_ENC_REQUIRED) {
		ck_assert_int_eq(pr.a.downs, 1);
		ck_assert_str_eq(pr.a.reason, REFUSED " (ccp: peer does not answer)");
		ck_assert_int_eq(pr.a.ups, 0);
	} else {
		ck_assert_int_eq(pr.a.downs, 0);
		ck_assert_int_eq(pr.a.ups, 1);
		ck_assert_str_eq(ppp_encoding(pr.a.ppp), "none");
		ck_assert_int_eq(cross(&pr, 500), 2);
	}
	pair_free(&pr);
}
END_TEST

/* A garbled option list, unknown codes, CCP before the network phase: dropped, no crash. */
START_TEST(malformed_ccp)
{
	static const uint8_t bad_len[] = {0xff, 0x03, 0x80, 0xfd, 1, 9, 0, 10, 18, 6, 0, 0};
	static const uint8_t short_opt[] = {0xff, 0x03, 0x80, 0xfd, 1, 9, 0, 8, 18, 4, 0, 0};
	static const uint8_t unknown[] = {0xff, 0x03, 0x80, 0xfd, 33, 9, 0, 4};
	struct pair pr;
	struct ppp_params srv, cli;

	stateful_pair(&pr);
	ck_assert_int_eq(ppp_input(pr.a.ppp, bad_len, sizeof(bad_len), pr.now), -1);
	ppp_input(pr.a.ppp, unknown, sizeof(unknown), pr.now);
	ck_assert_uint_eq(pr.a.ccp_code_tx[FSM_CODEREJ], 1);
	/* A 4-byte MPPE option is Rejected, which renegotiates CCP: frames wait meanwhile. */
	ck_assert_int_eq(ppp_input(pr.a.ppp, short_opt, sizeof(short_opt), pr.now), 0);
	pair_run(&pr, 30000);
	ck_assert_int_eq(pr.a.downs + pr.b.downs, 0);
	ck_assert_int_eq(pr.a.ups, 2);
	ck_assert_int_eq(ppp_ready(pr.a.ppp), 1);
	ck_assert_str_eq(ppp_encoding(pr.a.ppp), "MPPE128 stateful");
	ck_assert_int_eq(cross(&pr, 300), 2);
	pair_free(&pr);

	pair_defaults(&srv, &cli);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	ppp_start(pr.a.ppp, pr.now);
	ck_assert_int_eq(ppp_input(pr.a.ppp, short_opt, sizeof(short_opt), pr.now), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->drop_phase, 1);
	pair_free(&pr);
}
END_TEST

static Suite *ccp_suite(void)
{
	Suite *s = suite_create("ppp_ccp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, policy_matrix, 0, 16);
	tcase_add_test(tc, mschap1_keys_mppe);
	tcase_add_loop_test(tc, no_keys_without_mschap, 0, 4);
	tcase_add_loop_test(tc, stateless_or_stateful, 0, 4);
	tcase_add_test(tc, stateful_loss_reset_request);
	tcase_add_test(tc, stateless_loss_no_reset);
	tcase_add_test(tc, reset_request_and_ack_codes);
	tcase_add_test(tc, plaintext_refused_when_encrypted);
	tcase_add_loop_test(tc, ccp_protocol_rejected, 0, 2);
	tcase_add_loop_test(tc, ccp_silent_peer, 0, 2);
	tcase_add_test(tc, malformed_ccp);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ccp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
