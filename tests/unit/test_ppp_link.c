/*
 * Two PPP links back to back (server and client roles): each
 * authentication method reaches the network phase with BCP Opened, wrong
 * passwords and disjoint method sets fail cleanly with a reason on both
 * sides, frames cross, keepalive takes a silent link down, unknown
 * protocols are Protocol-Rejected.
 */
#include <check.h>
#include <string.h>

#include "test_ppp_pair.h"

static const enum ppp_auth methods[] = {
    PPP_AUTH_PAP,
    PPP_AUTH_CHAP,
    PPP_AUTH_MSCHAP1,
    PPP_AUTH_MSCHAP2,
};

static void start(struct pair *pr)
{
	ppp_start(pr->a.ppp, pr->now);
	ppp_start(pr->b.ppp, pr->now);
	pair_run(pr, 20000);
}

static void assert_up(struct pair *pr)
{
	ck_assert_int_eq(pr->a.ups, 1);
	ck_assert_int_eq(pr->b.ups, 1);
	ck_assert_int_eq(pr->a.downs, 0);
	ck_assert_int_eq(pr->b.downs, 0);
	ck_assert_int_eq(ppp_phase(pr->a.ppp), PPP_PHASE_NETWORK);
	ck_assert_int_eq(ppp_phase(pr->b.ppp), PPP_PHASE_NETWORK);
	ck_assert_int_eq(fsm_state(&ppp_bcp(pr->a.ppp)->fsm), FSM_OPENED);
	ck_assert_int_eq(fsm_state(&ppp_bcp(pr->b.ppp)->fsm), FSM_OPENED);
}

/* The default RouterOS-like pair, up and bridging. */
static void default_up(struct pair *pr)
{
	struct ppp_params srv, cli;

	pair_defaults(&srv, &cli);
	pair_init(pr, &srv, &cli, "office-b", "secret");
	start(pr);
	assert_up(pr);
}

START_TEST(each_method_reaches_network)
{
	struct ppp_params srv, cli;
	struct pair pr;
	enum ppp_auth m = methods[_i];
	uint8_t ss[16], sr[16], cs[16], cr[16];

	pair_defaults(&srv, &cli);
	srv.auth = PPP_AUTH_BIT(m);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	assert_up(&pr);
	ck_assert_int_eq(lcp_ours(ppp_lcp(pr.a.ppp))->auth, m);
	ck_assert_int_eq(lcp_his(ppp_lcp(pr.b.ppp))->auth, m);
	ck_assert_str_eq(ppp_user(pr.a.ppp), "office-b");
	/* MRU both ways as configured. */
	ck_assert_uint_eq(lcp_his(ppp_lcp(pr.a.ppp))->mru, 1460);
	ck_assert_uint_eq(lcp_his(ppp_lcp(pr.b.ppp))->mru, 1450);
	if (m == PPP_AUTH_MSCHAP1 || m == PPP_AUTH_MSCHAP2) {
		ck_assert_int_eq(ppp_mppe_keys(pr.a.ppp, ss, sr), 0);
		ck_assert_int_eq(ppp_mppe_keys(pr.b.ppp, cs, cr), 0);
		/* What the server sends with, the client receives with. */
		ck_assert_mem_eq(ss, cr, 16);
		ck_assert_mem_eq(sr, cs, 16);
	} else {
		ck_assert_int_eq(ppp_mppe_keys(pr.a.ppp, ss, sr), -1);
	}
	pair_free(&pr);
}
END_TEST

START_TEST(wrong_password_fails_both_sides)
{
	struct ppp_params srv, cli;
	struct pair pr;
	enum ppp_auth m = methods[_i];

	pair_defaults(&srv, &cli);
	srv.auth = PPP_AUTH_BIT(m);
	pair_init(&pr, &srv, &cli, "office-b", "other-secret");
	start(&pr);
	ck_assert_int_eq(pr.a.ups, 0);
	ck_assert_int_eq(pr.b.ups, 0);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_int_eq(pr.b.downs, 1);
	ck_assert_int_eq(ppp_phase(pr.a.ppp), PPP_PHASE_DEAD);
	ck_assert_int_eq(ppp_phase(pr.b.ppp), PPP_PHASE_DEAD);
	ck_assert_msg(strstr(pr.a.reason, "wrong user name or password") != NULL, "server: %s",
		      pr.a.reason);
	ck_assert_msg(strstr(pr.b.reason, "authentication failed") != NULL, "client: %s",
		      pr.b.reason);
	if (m == PPP_AUTH_MSCHAP2)
		ck_assert_msg(strstr(pr.b.reason, "E=691 R=0 C=") != NULL, "%s", pr.b.reason);
	pair_free(&pr);
}
END_TEST

START_TEST(unknown_user_fails)
{
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	pair_init(&pr, &srv, &cli, "someone-else", "secret");
	start(&pr);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_int_eq(pr.b.downs, 1);
	ck_assert_msg(strstr(pr.a.reason, "office-b") != NULL, "%s", pr.a.reason);
	pair_free(&pr);
}
END_TEST

/* The server walks down its preference list to what the client allows. */
START_TEST(server_walks_to_client_method)
{
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	srv.auth = PPP_AUTH_ALL;
	cli.auth = PPP_AUTH_BIT(PPP_AUTH_PAP) | PPP_AUTH_BIT(PPP_AUTH_CHAP);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	assert_up(&pr);
	ck_assert_int_eq(lcp_ours(ppp_lcp(pr.a.ppp))->auth, PPP_AUTH_CHAP);
	pair_free(&pr);
}
END_TEST

START_TEST(no_common_method)
{
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	srv.auth = PPP_AUTH_BIT(PPP_AUTH_MSCHAP2);
	cli.auth = PPP_AUTH_BIT(PPP_AUTH_PAP);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	ck_assert_int_eq(pr.a.ups + pr.b.ups, 0);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_int_eq(pr.b.downs, 1);
	ck_assert_msg(strstr(pr.a.reason, "no common authentication method") != NULL, "%s",
		      pr.a.reason);
	ck_assert_msg(strstr(pr.b.reason, "no common authentication method") != NULL, "%s",
		      pr.b.reason);
	pair_free(&pr);
}
END_TEST

START_TEST(frames_cross_both_ways)
{
	struct pair pr;
	uint8_t f[1514];
	size_t i;

	default_up(&pr);
	for (i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	/* The client's MRU is 1460: 1458 bytes + the 2-byte BCP header fill it exactly. */
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, 1458), 0);
	ck_assert_int_eq(ppp_send_frame(pr.b.ppp, f, 60), 0);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 1);
	ck_assert_uint_eq(pr.b.last_frame_len, 1458);
	ck_assert_mem_eq(pr.b.last_frame, f, 1458);
	ck_assert_int_eq(pr.a.frames, 1);
	ck_assert_uint_eq(pr.a.last_frame_len, 60);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->rx_bridged, 1);
	/* Without Multilink, one byte more than the peer's MRU is dropped and counted. */
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, 1459), -1);
	ck_assert_int_eq(ppp_send_frame(pr.a.ppp, f, sizeof(f)), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->tx_over_mru, 2);
	pair_run(&pr, 10);
	ck_assert_int_eq(pr.b.frames, 1);
	ck_assert_str_eq(ppp_encoding(pr.a.ppp), "none");
	ck_assert_uint_eq(ppp_mtu(pr.a.ppp), 1460);
	ck_assert_uint_eq(ppp_mru(pr.a.ppp), 1450);
	ck_assert_uint_eq(ppp_mrru(pr.a.ppp), 0);
	pair_free(&pr);
}
END_TEST

/*
 * RouterOS keepalive-timeout: quiet for the timeout, then one echo a
 * second, down after the fifth goes unanswered.
 */
START_TEST(keepalive_takes_silent_link_down)
{
	struct ppp_params srv, cli;
	struct pair pr;
	uint64_t cut;
	unsigned lcp_before;

	pair_defaults(&srv, &cli);
	srv.keepalive_timeout_s = 10;
	cli.keepalive_timeout_s = 0;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	assert_up(&pr);
	/* With the peer answering, echoes keep the link up for a long time. */
	pair_run(&pr, 120000);
	ck_assert_int_eq(pr.a.downs, 0);
	ck_assert_uint_ge(ppp_lcp(pr.a.ppp)->stats.echo_tx, 1);
	ck_assert_uint_ge(ppp_lcp(pr.a.ppp)->stats.echo_reply_rx, 1);
	/* Now the client goes silent. */
	pr.b.wire_cut = 1;
	cut = pr.now;
	lcp_before = pr.a.sent_proto_count[0];
	pair_run(&pr, 9000);
	pair_run(&pr, 20000);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_str_eq(pr.a.reason, "keepalive timeout");
	ck_assert_uint_eq(pr.a.sent_proto_count[0] - lcp_before, 5);
	ck_assert_uint_le(pr.now - cut, 30000);
	ck_assert_int_eq(ppp_phase(pr.a.ppp), PPP_PHASE_DEAD);
	pair_free(&pr);
}
END_TEST

/* Data traffic alone keeps the keepalive quiet. */
START_TEST(traffic_postpones_keepalive)
{
	struct ppp_params srv, cli;
	struct pair pr;
	uint8_t f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
	int i;
	uint64_t echoes;

	pair_defaults(&srv, &cli);
	srv.keepalive_timeout_s = 10;
	cli.keepalive_timeout_s = 0;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	echoes = ppp_lcp(pr.a.ppp)->stats.echo_tx;
	for (i = 0; i < 30; i++) {
		ppp_send_frame(pr.b.ppp, f, sizeof(f));
		pair_run(&pr, 5000);
	}
	ck_assert_uint_eq(ppp_lcp(pr.a.ppp)->stats.echo_tx, echoes);
	ck_assert_int_eq(pr.a.downs, 0);
	/* Traffic the fast path saw counts too, with the wire otherwise silent. */
	pr.b.wire_cut = 1;
	for (i = 0; i < 30; i++) {
		ppp_traffic(pr.a.ppp, pr.now);
		pair_run(&pr, 5000);
	}
	ck_assert_uint_eq(ppp_lcp(pr.a.ppp)->stats.echo_tx, echoes);
	ck_assert_int_eq(pr.a.downs, 0);
	pair_free(&pr);
}
END_TEST

START_TEST(unknown_protocol_is_rejected)
{
	struct pair pr;
	static const uint8_t ipcp[] = {0xff, 0x03, 0x80, 0x21, 1, 1, 0, 4};
	static const uint8_t bad[] = {0xff, 0x03, 0x80, 0x20, 1};

	default_up(&pr);
	ck_assert_int_eq(ppp_input(pr.a.ppp, ipcp, sizeof(ipcp), pr.now), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->protrej_tx, 1);
	pair_run(&pr, 10);
	ck_assert_uint_eq(ppp_lcp(pr.b.ppp)->stats.protrej_rx, 1);
	/* An even protocol number is malformed, not rejected. */
	ck_assert_int_eq(ppp_input(pr.a.ppp, bad, sizeof(bad), pr.now), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->drop_bad_proto, 1);
	assert_up(&pr);
	pair_free(&pr);
}
END_TEST

START_TEST(multilink_options)
{
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	srv.mrru = 1600;
	srv.ed_class = LCP_ED_LOCAL;
	srv.ed_len = 3;
	memcpy(srv.ed, "lns", 3);
	cli.mrru = 1600;
	cli.short_seq = 1;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	assert_up(&pr);
	ck_assert_uint_eq(lcp_his(ppp_lcp(pr.a.ppp))->mrru, 1600);
	ck_assert_int_eq(lcp_his(ppp_lcp(pr.a.ppp))->short_seq, 1);
	ck_assert_uint_eq(lcp_his(ppp_lcp(pr.b.ppp))->mrru, 1600);
	ck_assert_uint_eq(lcp_his(ppp_lcp(pr.b.ppp))->ed_class, LCP_ED_LOCAL);
	ck_assert_mem_eq(lcp_his(ppp_lcp(pr.b.ppp))->ed, "lns", 3);
	pair_free(&pr);

	/* Only one side configured: the other rejects, no Multilink either way. */
	pair_defaults(&srv, &cli);
	srv.mrru = 1600;
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	start(&pr);
	assert_up(&pr);
	ck_assert_uint_eq(lcp_ours(ppp_lcp(pr.a.ppp))->mrru, 0);
	ck_assert_uint_eq(lcp_his(ppp_lcp(pr.b.ppp))->mrru, 0);
	pair_free(&pr);
}
END_TEST

START_TEST(admin_close_reaches_dead)
{
	struct pair pr;

	default_up(&pr);
	ppp_close(pr.b.ppp, "user request", pr.now);
	pair_run(&pr, 20000);
	ck_assert_int_eq(pr.b.downs, 1);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_str_eq(pr.b.reason, "user request");
	ck_assert_str_eq(pr.a.reason, "peer: user request");
	pair_free(&pr);
}
END_TEST

/* A peer that never answers: LCP gives up after Max-Configure and reports it. */
START_TEST(silent_peer_gives_up)
{
	struct ppp_params srv, cli;
	struct pair pr;

	pair_defaults(&srv, &cli);
	pair_init(&pr, &srv, &cli, "office-b", "secret");
	ppp_start(pr.a.ppp, pr.now);
	pair_run(&pr, 60000);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_str_eq(pr.a.reason, "peer does not answer");
	ck_assert_uint_eq(pr.a.sent_proto_count[0], FSM_MAX_CONFIGURE);
	pair_free(&pr);
}
END_TEST

/* Frames without FF 03 and with a compressed protocol field (RFC 1661 §6.5). */
START_TEST(compressed_headers)
{
	struct pair pr;
	static const uint8_t echo_no_ac[] = {0xc0, 0x21, 9, 77, 0, 8, 0, 0, 0, 0};
	static const uint8_t ip_pfc[] = {0x21, 0x45, 0x00};
	uint64_t rep;

	default_up(&pr);
	rep = pr.a.sent_proto_count[0];
	ck_assert_int_eq(ppp_input(pr.a.ppp, echo_no_ac, sizeof(echo_no_ac), pr.now), 0);
	ck_assert_uint_eq(pr.a.sent_proto_count[0], rep + 1); /* the Echo-Reply */
	ck_assert_int_eq(ppp_input(pr.a.ppp, ip_pfc, sizeof(ip_pfc), pr.now), -1);
	ck_assert_uint_eq(ppp_stats(pr.a.ppp)->protrej_tx, 1);
	pair_free(&pr);
}
END_TEST

/* A Dead link can be started again and comes up afresh. */
START_TEST(restart_after_dead)
{
	struct pair pr;

	default_up(&pr);
	ppp_close(pr.a.ppp, "maintenance", pr.now);
	pair_run(&pr, 20000);
	ck_assert_int_eq(pr.a.downs, 1);
	ck_assert_int_eq(pr.b.downs, 1);
	start(&pr);
	ck_assert_int_eq(pr.a.ups, 2);
	ck_assert_int_eq(pr.b.ups, 2);
	ck_assert_int_eq(ppp_phase(pr.a.ppp), PPP_PHASE_NETWORK);
	ck_assert_str_eq(ppp_reason(pr.a.ppp), "");
	pair_free(&pr);
}
END_TEST

static Suite *ppp_link_suite(void)
{
	Suite *s = suite_create("ppp_link");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, each_method_reaches_network, 0, 4);
	tcase_add_loop_test(tc, wrong_password_fails_both_sides, 0, 4);
	tcase_add_test(tc, unknown_user_fails);
	tcase_add_test(tc, server_walks_to_client_method);
	tcase_add_test(tc, no_common_method);
	tcase_add_test(tc, frames_cross_both_ways);
	tcase_add_test(tc, keepalive_takes_silent_link_down);
	tcase_add_test(tc, traffic_postpones_keepalive);
	tcase_add_test(tc, unknown_protocol_is_rejected);
	tcase_add_test(tc, multilink_options);
	tcase_add_test(tc, admin_close_reaches_dead);
	tcase_add_test(tc, silent_peer_gives_up);
	tcase_add_test(tc, compressed_headers);
	tcase_add_test(tc, restart_after_dead);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ppp_link_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
