/*
 * The L2TPv3 control connection and session engines, two of them back to
 * back (tests/unit/l2tp_pair.h): setup, HELLO, loss, authentication, tie
 * breaking, sessions and what they agree, teardown, give-up timing, and
 * every state against every message type.
 */
#include "check_main.h"
#include "l2tp_pair_check.h"
#include "pcapvec.c"

static int count_lines(const char *log, const char *needle)
{
	int c = 0;
	const char *p = log;

	while (p && (p = strstr(p, needle)) != NULL) {
		c++;
		p += strlen(needle);
	}
	return c;
}

START_TEST(test_tunnel_up)
{
	struct pair n;

	pair_init(&n, 1);
	up_pair(&n);
	ck_assert_int_eq(n.s[0].tunnel_up, 1);
	ck_assert_int_eq(n.s[1].tunnel_up, 1);
	ck_assert_uint_eq(l2tp_tunnel_peer_id(n.s[0].t), 200);
	ck_assert_uint_eq(l2tp_tunnel_peer_id(n.s[1].t), 100);
	ck_assert_str_eq(l2tp_tunnel_peer_host_name(n.s[0].t), "site-b");
	ck_assert_str_eq(l2tp_tunnel_peer_host_name(n.s[1].t), "site-a");
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_SCCRQ], 1);
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_SCCRP], 1);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_SCCCN], 1);
	ck_assert_ptr_nonnull(strstr(n.s[0].log, "tunnel 100/0: idle -> wait-ctl-reply on start"));
	ck_assert_ptr_nonnull(strstr(n.s[1].log, "wait-ctl-conn -> established on SCCCN"));
	/* The SCCCN is acknowledged by a ZLB after the ack delay. */
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_ZLB], 1);
	ck_assert(l2tp_rel_idle(&n.s[0].t->rel));
	pair_free(&n);
}
END_TEST

START_TEST(test_hello_keeps_up)
{
	struct pair n;

	pair_init(&n, 0);
	up_pair(&n);
	pair_run(&n, n.now + 3600 * SEC);
	ck_assert(pair_established(&n));
	/* Hello every 60 s of silence from each side: the other's HELLO is traffic too. */
	ck_assert_int_ge(n.s[0].tx_by_type[L2TP_MSG_HELLO] + n.s[1].tx_by_type[L2TP_MSG_HELLO], 59);
	ck_assert_int_le(n.s[0].tx_by_type[L2TP_MSG_HELLO] + n.s[1].tx_by_type[L2TP_MSG_HELLO],
			 121);
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[0].t)->retransmits, 0);
	pair_free(&n);
}
END_TEST

/* Tunnel + one session each way, with the Nth transmission lost. */
static void converge_with(int drop_nth, unsigned loss, uint64_t seed, uint64_t bound)
{
	struct pair n;

	pair_init(&n, 0);
	n.drop_nth = drop_nth;
	n.loss_pct = loss;
	n.loss_rng ^= seed;
	n.s[0].accept_pw[n.s[0].n_accept++] = 7;
	n.s[1].accept_pw[n.s[1].n_accept++] = 5;
	n.s[1].accept_pw[n.s[1].n_accept++] = 6;
	pair_start(&n, 0);
	ck_assert_ptr_nonnull(pair_open(&n, 0, 5));
	ck_assert_ptr_nonnull(pair_open(&n, 0, 6));
	pair_run(&n, n.now + 1);
	while (!pair_established(&n) && n.now < 1000 + bound)
		pair_run(&n, n.now + 100);
	ck_assert_msg(pair_established(&n), "drop %d loss %u seed %llu", drop_nth, loss,
		      (unsigned long long)seed);
	ck_assert_ptr_nonnull(pair_open(&n, 1, 7));
	while ((n.s[0].sess_up < 3 || n.s[1].sess_up < 3) && n.now < 1000 + bound)
		pair_run(&n, n.now + 100);
	ck_assert_msg(n.s[0].sess_up == 3 && n.s[1].sess_up == 3,
		      "drop %d loss %u seed %llu: up %d/%d", drop_nth, loss,
		      (unsigned long long)seed, n.s[0].sess_up, n.s[1].sess_up);
	ck_assert_int_eq(n.s[0].sess_down + n.s[1].sess_down, 0);
	pair_free(&n);
}

START_TEST(test_lose_each_message)
{
	int i;

	/* The exchange takes about 14 transmissions; one loss costs one RTO or so. */
	for (i = 0; i < 20; i++)
		converge_with(i, 0, 0, 10 * SEC);
}
END_TEST

START_TEST(test_random_loss)
{
	uint64_t seed;

	for (seed = 1; seed <= 20; seed++)
		converge_with(-1, 10, seed * 7919, 120 * SEC);
}
END_TEST

START_TEST(test_wrong_secret)
{
	struct pair n;
	int lines;

	pair_init(&n, 1);
	n.s[0].tp.secret = "alpha";
	n.s[1].tp.secret = "bravo";
	pair_start(&n, 0);
	pair_run(&n, n.now + 200 * SEC);
	ck_assert_int_eq(n.s[0].tunnel_up + n.s[1].tunnel_up, 0);
	ck_assert_int_eq(n.s[0].tunnel_down, 1);
	ck_assert_ptr_nonnull(
	    strstr(n.s[0].down_why, "peer not responding: 10 retransmissions of SCCRQ"));
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[1].t)->drop_digest, 11);
	lines = count_lines(n.s[1].log, "message digest mismatch: wrong secret?");
	/* Rate-limited: 11 bad SCCRQs over 71 s, at most one line per 5 s. */
	ck_assert_int_ge(lines, 1);
	ck_assert_int_lt(lines, 11);
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_SCCRP], 0);
	pair_free(&n);
}
END_TEST

START_TEST(test_secret_one_side)
{
	int which;

	for (which = 0; which < 2; which++) {
		struct pair n;

		pair_init(&n, 1);
		n.s[which].tp.secret = "alpha";
		pair_start(&n, 0);
		pair_run(&n, n.now + 200 * SEC);
		ck_assert_int_eq(n.s[0].tunnel_up + n.s[1].tunnel_up, 0);
		ck_assert_int_eq(n.s[0].tunnel_down, 1);
		/* The responder refuses with a StopCCN that says why. */
		ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_STOPCCN], 1);
		ck_assert_ptr_nonnull(strstr(n.s[0].down_why, "peer sent StopCCN"));
		ck_assert_ptr_nonnull(strstr(n.s[0].down_why, which == 0
								  ? "no secret is configured here"
								  : "peer sent no Message Digest"));
		ck_assert_uint_lt(n.s[0].down_at, 1000 + 5 * SEC);
		pair_free(&n);
	}
}
END_TEST

/* The Digest Type in the first Message Digest AVP of a message we sent. */
static void check_digest_type(enum l2tp_digest dig, uint16_t want)
{
	struct pair n;
	uint8_t mem[256];
	struct wbuf w;
	struct l2tp_builder b;
	struct buf rb;
	size_t len;
	uint16_t attr;
	uint8_t dt;

	pair_init(&n, 0);
	n.s[0].tp.secret = "shared secret";
	n.s[1].tp.secret = "shared secret";
	n.s[0].tp.digest = dig;
	n.s[1].tp.digest = dig;
	n.s[1].accept_pw[n.s[1].n_accept++] = 5;
	pair_start(&n, 0);
	pair_open(&n, 0, 5);
	pair_run(&n, n.now + 5 * SEC);
	ck_assert(pair_established(&n));
	ck_assert_int_eq(n.s[0].sess_up, 1);
	ck_assert_int_eq(n.s[1].sess_up, 1);
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[0].t)->drop_digest, 0);
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[1].t)->drop_digest, 0);
	/* The acks are signed ACK messages, never ZLBs (RFC 3931 §6.1). */
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_ZLB] + n.s[1].tx_by_type[L2TP_MSG_ZLB], 0);
	ck_assert_int_gt(n.s[0].tx_by_type[L2TP_MSG_ACK] + n.s[1].tx_by_type[L2TP_MSG_ACK], 0);
	/* A HELLO as the engine builds it carries the digest type configured. */
	wbuf_init(&w, mem, sizeof(mem));
	l2tp_build_begin(&b, &w, 3, 1, 0, L2TP_MSG_HELLO);
	ck_assert_int_eq(l2tp_build_digest(&b, (uint8_t)want), 0);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	buf_init(&rb, mem, len);
	ck_assert_int_eq(buf_peek_n16(&rb, L2TP_DIGEST_AVP_OFF + 4, &attr), 0);
	ck_assert_uint_eq(attr, L2TP_AVP_MESSAGE_DIGEST);
	/* RFC 3931 §5.4.1: a one-octet Digest Type. */
	ck_assert_int_eq(buf_peek_n8(&rb, L2TP_DIGEST_AVP_OFF + 6, &dt), 0);
	ck_assert_uint_eq(dt, want);
	/* Now tamper: a bit flipped in flight is dropped and counted. */
	{
		uint64_t before = l2tp_tunnel_stats(n.s[1].t)->drop_digest;
		uint8_t pkt[64];
		struct l2tp_builder hb;
		struct wbuf hw;
		size_t hl;

		wbuf_init(&hw, pkt, sizeof(pkt));
		l2tp_build_begin(&hb, &hw, 3, 200, 0, L2TP_MSG_HELLO);
		l2tp_build_digest(&hb, (uint8_t)want);
		l2tp_build_finish(&hb, &hl);
		ck_assert_int_eq(l2tp_tunnel_input(n.s[1].t, pkt, hl, n.now), -1);
		ck_assert_uint_eq(l2tp_tunnel_stats(n.s[1].t)->drop_digest, before + 1);
	}
	pair_free(&n);
}

START_TEST(test_digest_md5_sha1)
{
	check_digest_type(L2TP_DIGEST_MD5, L2TP_DIGEST_TYPE_HMAC_MD5);
	check_digest_type(L2TP_DIGEST_SHA1, L2TP_DIGEST_TYPE_HMAC_SHA1);
}
END_TEST

START_TEST(test_mixed_digest_types)
{
	struct pair n;

	/* Each side signs with its own algorithm; the receiver follows the Digest Type. */
	pair_init(&n, 0);
	n.s[0].tp.secret = "k";
	n.s[1].tp.secret = "k";
	n.s[0].tp.digest = L2TP_DIGEST_SHA1;
	up_pair(&n);
	pair_free(&n);
}
END_TEST

static void crossing(uint64_t tb_a, uint64_t tb_b)
{
	struct pair n;

	pair_init(&n, 1);
	n.s[0].tp.tie_breaker = tb_a;
	n.s[1].tp.tie_breaker = tb_b;
	n.s[0].accept_pw[n.s[0].n_accept++] = 9;
	n.s[1].accept_pw[n.s[1].n_accept++] = 9;
	pair_start(&n, 0);
	pair_start(&n, 1);
	/* A session waiting on the loser's tunnel survives the switch to responder. */
	ck_assert_ptr_nonnull(pair_open(&n, 1, 9));
	pair_run(&n, n.now + 10 * SEC);
	ck_assert(pair_established(&n));
	ck_assert_int_eq(n.s[0].tunnel_up, 1);
	ck_assert_int_eq(n.s[1].tunnel_up, 1);
	ck_assert_int_eq(n.s[0].tunnel_down + n.s[1].tunnel_down, 0);
	ck_assert_int_eq(n.s[0].sess_up, 1);
	ck_assert_int_eq(n.s[1].sess_up, 1);
	if (tb_a < tb_b) {
		ck_assert_ptr_nonnull(strstr(n.s[1].log, "on lost-tie-breaker"));
		ck_assert_ptr_null(strstr(n.s[0].log, "on lost-tie-breaker"));
	} else if (tb_b < tb_a) {
		ck_assert_ptr_nonnull(strstr(n.s[0].log, "on lost-tie-breaker"));
	} else {
		ck_assert_ptr_nonnull(strstr(n.s[0].log, "on tie-restart"));
	}
	pair_free(&n);
}

START_TEST(test_tie_breaker)
{
	crossing(5, 9);
	crossing(0xffffffffffffffffULL, 3);
	/* Equal: both restart with random values (different per side here). */
	crossing(42, 42);
}
END_TEST

START_TEST(test_several_sessions_and_cookies)
{
	static const uint8_t lens[] = {0, 4, 8};
	int i, j, k;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++) {
			struct pair n;

			pair_init(&n, 0);
			n.s[0].sp.cookie_len = lens[i];
			n.s[1].sp.cookie_len = lens[j];
			n.s[0].accept_pw[n.s[0].n_accept++] = 50;
			for (k = 0; k < 3; k++)
				n.s[1].accept_pw[n.s[1].n_accept++] = 10 + (uint32_t)k;
			pair_start(&n, 0);
			for (k = 0; k < 3; k++)
				pair_open(&n, 0, 10 + (uint32_t)k);
			pair_run(&n, n.now + 3 * SEC);
			pair_open(&n, 1, 50);
			pair_run(&n, n.now + 3 * SEC);
			ck_assert_int_eq(n.s[0].sess_up, 4);
			ck_assert_int_eq(n.s[1].sess_up, 4);
			/* Every session's view matches its peer's. */
			for (k = 0; k < n.s[0].n_sess; k++) {
				const struct l2tp_session_info *a =
				    l2tp_session_info(n.s[0].sess[k]);
				const struct l2tp_session_info *b = NULL;
				int m;

				for (m = 0; m < n.s[1].n_sess; m++)
					if (l2tp_session_info(n.s[1].sess[m])->local_session_id ==
					    a->peer_session_id)
						b = l2tp_session_info(n.s[1].sess[m]);
				ck_assert_ptr_nonnull(b);
				ck_assert_uint_eq(b->peer_session_id, a->local_session_id);
				ck_assert_uint_eq(a->remote_end_id, b->remote_end_id);
				ck_assert_uint_eq(a->cookie_len, lens[i]);
				ck_assert_uint_eq(a->peer_cookie_len, lens[j]);
				ck_assert_uint_eq(b->peer_cookie_len, a->cookie_len);
				ck_assert_mem_eq(b->peer_cookie, a->cookie, a->cookie_len);
				ck_assert_mem_eq(a->peer_cookie, b->cookie, b->cookie_len);
				ck_assert(a->l2spec_default && b->l2spec_default);
			}
			pair_free(&n);
		}
	}
}
END_TEST

/* One session A -> B with the given settings; returns A's session_down reason or "". */
static void one_session(int a_sub, int a_seq, int b_sub, int b_seq, char *why, size_t cap,
			struct l2tp_session_info *ia, struct l2tp_session_info *ib)
{
	struct pair n;

	pair_init(&n, 0);
	n.s[0].sp.l2spec_default = a_sub;
	n.s[0].sp.data_seq = a_seq;
	n.s[1].sp.l2spec_default = b_sub;
	n.s[1].sp.data_seq = b_seq;
	n.s[1].accept_pw[n.s[1].n_accept++] = 5;
	pair_start(&n, 0);
	pair_open(&n, 0, 5);
	pair_run(&n, n.now + 5 * SEC);
	why[0] = '\0';
	if (n.s[0].n_down_why)
		snprintf(why, cap, "%s", n.s[0].sess_down_why[0]);
	if (n.s[0].sess_up && n.s[1].sess_up) {
		*ia = *l2tp_session_info(n.s[0].sess[0]);
		*ib = *l2tp_session_info(n.s[1].sess[0]);
	}
	ck_assert(pair_established(&n)); /* a session failure never takes the tunnel */
	pair_free(&n);
}

START_TEST(test_sublayer_sequencing)
{
	struct l2tp_session_info a, b;
	char why[256];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	one_session(1, 1, 1, 0, why, sizeof(why), &a, &b);
	ck_assert_str_eq(why, "");
	ck_assert(a.seq_rx && !a.seq_tx);
	ck_assert(b.seq_tx && !b.seq_rx);
	ck_assert(a.l2spec_default && b.l2spec_default);
	one_session(0, 0, 0, 0, why, sizeof(why), &a, &b);
	ck_assert_str_eq(why, "");
	ck_assert(!a.l2spec_default && !b.l2spec_default);
	one_session(1, 0, 0, 0, why, sizeof(why), &a, &b);
	/* The responder refuses; its reason reaches us in the CDN. */
	ck_assert_ptr_nonnull(strstr(why, "peer sent CDN"));
	ck_assert_ptr_nonnull(
	    strstr(why, "L2-Specific Sublayer mismatch: peer default, here none"));
	one_session(0, 1, 0, 0, why, sizeof(why), &a, &b);
	ck_assert_ptr_nonnull(
	    strstr(why, "data sequencing needs the default L2-Specific Sublayer"));
}
END_TEST

START_TEST(test_pw_id_mismatch)
{
	struct pair n;

	pair_init(&n, 1);
	n.s[1].accept_pw[n.s[1].n_accept++] = 200;
	pair_start(&n, 0);
	pair_open(&n, 0, 100);
	pair_run(&n, n.now + 5 * SEC);
	ck_assert_int_eq(n.s[0].sess_up, 0);
	ck_assert_int_eq(n.s[0].sess_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[0].sess_down_why[0], "peer sent CDN"));
	ck_assert_ptr_nonnull(
	    strstr(n.s[0].sess_down_why[0], "no pseudowire with Remote End ID 100 here"));
	ck_assert(pair_established(&n));
	pair_free(&n);
}
END_TEST

START_TEST(test_session_collision)
{
	struct pair n;

	pair_init(&n, 1);
	n.s[0].accept_pw[n.s[0].n_accept++] = 77;
	n.s[1].accept_pw[n.s[1].n_accept++] = 77;
	up_pair(&n);
	/* Both open pw 77 at once: exactly one of the two sessions survives. */
	pair_open(&n, 0, 77);
	pair_open(&n, 1, 77);
	pair_run(&n, n.now + 5 * SEC);
	ck_assert_int_eq(n.s[0].sess_up, 1);
	ck_assert_int_eq(n.s[1].sess_up, 1);
	ck_assert_int_eq(n.s[0].sess_down + n.s[1].sess_down, 1);
	ck_assert_ptr_nonnull(
	    strstr(n.s[n.s[0].sess_down ? 0 : 1].sess_down_why[0], "lower Tie Breaker"));
	pair_free(&n);
}
END_TEST

START_TEST(test_remote_end_id_decimal)
{
	struct pair n;
	uint8_t pkt[256];
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;
	struct l2tp_tunnel *t;

	/* An ICRQ as freeRtr sends it: Remote End ID "1234" in ASCII, M bits clear. */
	pair_init(&n, 0);
	n.s[1].accept_pw[n.s[1].n_accept++] = 1234;
	n.s[1].sp.l2spec_default = 0;
	n.s[1].sp.cookie_len = 0;
	up_pair(&n);
	pair_run(&n, n.now + 2 * SEC);
	t = n.s[1].t;
	wbuf_init(&w, pkt, sizeof(pkt));
	l2tp_build_begin(&b, &w, 3, t->local_id, 0, L2TP_MSG_ICRQ);
	l2tp_build_n64(&b, L2TP_AVP_TIE_BREAKER, 0, 0xfffffffffffffff0ULL);
	l2tp_build_n32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1, 1);
	l2tp_build_n32(&b, L2TP_AVP_LOCAL_SESSION_ID, 0, 0x3dd655a0);
	l2tp_build_n32(&b, L2TP_AVP_REMOTE_SESSION_ID, 0, 0);
	l2tp_build_bytes(&b, L2TP_AVP_REMOTE_END_ID, 0, "1234", 4);
	l2tp_build_n16(&b, L2TP_AVP_PW_TYPE, 0, L2TP_PWTYPE_ETH);
	l2tp_build_n16(&b, L2TP_AVP_CIRCUIT_STATUS, 0, 1);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	l2tp_ctrl_set_nsnr(pkt, len, t->rel.nr, t->rel.una);
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_ICRP], 1);
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_CDN], 0);
	pair_free(&n);
}
END_TEST

START_TEST(test_session_close_early)
{
	struct pair n;
	struct l2tp_session *s;

	/* Closed by its initiator before the ICRP arrived: the responder's goes too. */
	pair_init(&n, 0);
	n.s[1].accept_pw[n.s[1].n_accept++] = 5;
	up_pair(&n);
	s = pair_open(&n, 0, 5);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(l2tp_session_state(s), L2TP_SESSION_WAIT_REPLY);
	l2tp_session_close(s, 0, "changed my mind", n.now);
	pair_run(&n, n.now + 5 * SEC);
	ck_assert_int_eq(n.s[0].sess_down, 1);
	ck_assert_int_eq(n.s[1].sess_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[1].sess_down_why[0], "changed my mind"));
	/* B's ICRP crossed our CDN: dropped and counted, nothing else. */
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[0].t)->drop_unknown_session, 1);
	ck_assert(pair_established(&n));
	pair_free(&n);
}
END_TEST

START_TEST(test_stopccn_teardown)
{
	struct pair n;
	uint64_t t0;

	pair_init(&n, 1);
	n.s[0].accept_pw[n.s[0].n_accept++] = 3;
	n.s[1].accept_pw[n.s[1].n_accept++] = 4;
	up_pair(&n);
	pair_open(&n, 0, 4);
	pair_open(&n, 1, 3);
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_int_eq(n.s[0].sess_up, 2);
	t0 = n.now;
	l2tp_tunnel_stop(n.s[0].t, L2TP_STOPCCN_GENERAL_REQUEST, "going away", n.now);
	pair_run(&n, n.now + 1 * SEC);
	/* Sessions go down before the tunnel, on both sides. */
	ck_assert_str_eq(n.s[0].events, "UssT");
	ck_assert_str_eq(n.s[1].events, "UssT");
	ck_assert_ptr_nonnull(strstr(n.s[1].down_why, "peer sent StopCCN"));
	ck_assert_ptr_nonnull(strstr(n.s[1].down_why, "going away"));
	/* The closer is done once acked; the receiver holds a full cycle (>= 31 s). */
	ck_assert_int_eq(l2tp_tunnel_state(n.s[0].t), L2TP_TUNNEL_CLOSED);
	ck_assert_int_eq(n.s[0].tunnel_closed, 1);
	ck_assert_int_eq(l2tp_tunnel_state(n.s[1].t), L2TP_TUNNEL_CLOSING);
	pair_run(&n, t0 + 30 * SEC);
	ck_assert_int_eq(l2tp_tunnel_state(n.s[1].t), L2TP_TUNNEL_CLOSING);
	pair_run(&n, t0 + 100 * SEC);
	ck_assert_int_eq(l2tp_tunnel_state(n.s[1].t), L2TP_TUNNEL_CLOSED);
	ck_assert_int_eq(n.s[1].tunnel_closed, 1);
	pair_free(&n);
}
END_TEST

START_TEST(test_stopccn_ack_lost)
{
	struct pair n;

	/* The receiver's ack of the StopCCN is lost: the retransmission is re-acked. */
	pair_init(&n, 0);
	up_pair(&n);
	pair_run(&n, n.now + 2 * SEC);
	n.drop_nth = n.tx + 1;
	l2tp_tunnel_stop(n.s[0].t, 0, NULL, n.now);
	pair_run(&n, n.now + 10 * SEC);
	ck_assert_int_eq(l2tp_tunnel_state(n.s[0].t), L2TP_TUNNEL_CLOSED);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_STOPCCN], 2);
	ck_assert_int_eq(n.s[1].tunnel_down, 1);
	pair_free(&n);
}
END_TEST

START_TEST(test_peer_silence)
{
	struct pair n;

	/* Nobody answers the SCCRQ: 1+2+4+8*8 = 71 s after it, the tunnel goes down. */
	pair_init(&n, 1);
	n.drop_all_from = 0;
	pair_start(&n, 0);
	pair_run(&n, n.now + 300 * SEC);
	ck_assert_int_eq(n.s[0].tunnel_down, 1);
	ck_assert_str_eq(n.s[0].down_why, "peer not responding: 10 retransmissions of SCCRQ");
	ck_assert_uint_eq(n.s[0].down_at - 1000, 71 * SEC);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_SCCRQ], 11);
	ck_assert_int_eq(l2tp_tunnel_state(n.s[0].t), L2TP_TUNNEL_CLOSED);
	pair_free(&n);

	/* The peer vanishes once up: HELLO after 60 s idle, given up 71 s later. */
	pair_init(&n, 1);
	n.s[1].accept_pw[n.s[1].n_accept++] = 1;
	up_pair(&n);
	pair_open(&n, 0, 1);
	pair_run(&n, n.now + 1 * SEC);
	ck_assert_int_eq(n.s[0].sess_up, 1);
	n.drop_all_from = n.tx;
	{
		uint64_t last = n.now;

		pair_run(&n, n.now + 400 * SEC);
		ck_assert_int_eq(n.s[0].tunnel_down, 1);
		ck_assert_str_eq(n.s[0].down_why,
				 "peer not responding: 10 retransmissions of HELLO");
		ck_assert_uint_le(n.s[0].down_at - last, 60 * SEC + 71 * SEC);
		ck_assert_uint_ge(n.s[0].down_at - last, 59 * SEC + 71 * SEC);
		ck_assert_str_eq(n.s[0].events, "UsT");
	}
	pair_free(&n);
}
END_TEST

/* A ZLB to t acknowledging everything it sent, as a peer that then falls silent. */
static void fake_ack(struct l2tp_tunnel *t, uint64_t now)
{
	uint8_t pkt[16];
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;

	peer_msg_begin(&b, &w, pkt, sizeof(pkt), t, 0, L2TP_MSG_ZLB);
	len = peer_msg_finish(&b, pkt, t, t->rel.ns_next);
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, now), 0);
}

START_TEST(test_setup_timeouts)
{
	struct pair n;

	/* The SCCRQ is acked, the SCCRP never comes: down after one retransmission cycle. */
	pair_init(&n, 1);
	n.drop_all_from = 0;
	pair_start(&n, 0);
	fake_ack(n.s[0].t, n.now);
	ck_assert(l2tp_rel_idle(&n.s[0].t->rel));
	pair_run(&n, n.now + 300 * SEC);
	ck_assert_int_eq(n.s[0].tunnel_down, 1);
	ck_assert_str_eq(n.s[0].down_why, "no answer in wait-ctl-reply");
	ck_assert_uint_eq(n.s[0].down_at, 1000 + 71 * SEC);
	pair_free(&n);

	/* The ICRQ is acked, the ICRP never comes: CDN, the tunnel stays. */
	pair_init(&n, 1);
	up_pair(&n);
	pair_run(&n, n.now + 1 * SEC);
	ck_assert_ptr_nonnull(pair_open(&n, 0, 42));
	n.qhead = n.qtail;
	fake_ack(n.s[0].t, n.now);
	/* (The fake ack skipped B's sequence: A's CDN goes unacked, so look early.) */
	pair_run(&n, n.now + 72 * SEC);
	ck_assert_int_eq(n.s[0].sess_down, 1);
	ck_assert_str_eq(n.s[0].sess_down_why[0], "no answer in wait-reply");
	ck_assert_int_ge(n.s[0].tx_by_type[L2TP_MSG_CDN], 1);
	ck_assert(pair_established(&n));
	pair_free(&n);
}
END_TEST

/* A message of the given type with only a Message Type AVP, in sequence for t. */
static size_t mk_msg(struct l2tp_tunnel *t, uint16_t type, int full, uint8_t *mem, size_t cap)
{
	struct l2tp_builder b;
	struct wbuf w;

	peer_msg_begin(&b, &w, mem, cap, t, 0, type);
	if (full) {
		l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "x");
		l2tp_build_n32(&b, L2TP_AVP_ROUTER_ID, 1, 1);
		l2tp_build_n32(&b, L2TP_AVP_ASSIGNED_CONN_ID, 1, 77);
		l2tp_build_n16(&b, L2TP_AVP_PW_CAP_LIST, 1, 5);
		l2tp_build_result(&b, 1, -1, NULL);
		l2tp_build_n32(&b, L2TP_AVP_LOCAL_SESSION_ID, 1, 5);
		l2tp_build_n32(&b, L2TP_AVP_REMOTE_SESSION_ID, 1, 1000);
		l2tp_build_n16(&b, L2TP_AVP_PW_TYPE, 1, 5);
		l2tp_build_n32(&b, L2TP_AVP_REMOTE_END_ID, 1, 5);
	}
	return peer_msg_finish(&b, mem, t, t->rel.una);
}

START_TEST(test_every_state_every_message)
{
	static const uint16_t types[] = {1,  2,	 3,  4,	 6,  7,	 8,  9,	 10,
					 11, 12, 14, 15, 16, 20, 21, 22, 99};
	int st, i, full;

	for (st = PAIR_IDLE_RESPONDER; st <= PAIR_CLOSED; st++) {
		for (i = 0; i < (int)(sizeof(types) / sizeof(types[0])); i++) {
			for (full = 0; full < 2; full++) {
				struct pair n;
				struct l2tp_tunnel *t;
				uint8_t pkt[512];
				size_t len;

				pair_init(&n, 0);
				n.s[1].accept_pw[n.s[1].n_accept++] = 5;
				t = pair_stage(&n, (enum pair_stage)st);
				ck_assert_ptr_nonnull(t);
				len = mk_msg(t, types[i], full, pkt, sizeof(pkt));
				/* Either it was a legitimate event (state moved) or it was counted.
				 */
				ck_assert_msg(pair_feed_acted(&n, t, pkt, len) ||
						  types[i] == L2TP_MSG_HELLO ||
						  types[i] == L2TP_MSG_ACK ||
						  (types[i] == L2TP_MSG_ICRQ && full),
					      "state %d type %u full %d", st, types[i], full);
				pair_free(&n);
			}
		}
	}
}
END_TEST

START_TEST(test_unknown_mandatory_avp)
{
	struct pair n;
	struct l2tp_tunnel *t;

	pair_init(&n, 1);
	up_pair(&n);
	t = n.s[1].t;
	/* An unknown M=1 AVP in a HELLO clears the control connection (RFC 3931 §5.2). */
	ck_assert_int_eq(pair_input_unknown_m(&n, t, 0, L2TP_MSG_HELLO, 250), 0);
	ck_assert_uint_eq(l2tp_tunnel_stats(t)->unknown_mandatory, 1);
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_ptr_nonnull(strstr(n.s[0].down_why, "unknown mandatory AVP 250"));
	ck_assert_int_eq(n.s[1].tunnel_down, 1);
	pair_free(&n);
}
END_TEST

START_TEST(test_peek)
{
	struct pair n;
	struct l2tp_ctrl_peek pk;
	uint8_t junk[5] = {0xc8, 0x03, 0, 5, 0};

	pair_init(&n, 0);
	n.s[0].tp.tie_breaker = 0x1122334455667788ULL;
	pair_start(&n, 0);
	ck_assert_int_ne(n.qhead, n.qtail);
	ck_assert_int_eq(l2tp_ctrl_peek(n.q[n.qhead].data, n.q[n.qhead].len, &pk), 0);
	ck_assert_uint_eq(pk.version, 3);
	ck_assert_uint_eq(pk.conn_id, 0);
	ck_assert_uint_eq(pk.msg_type, L2TP_MSG_SCCRQ);
	ck_assert_uint_eq(pk.assigned_id, 100);
	ck_assert(pk.has_tie_breaker);
	ck_assert_uint_eq(pk.tie_breaker, 0x1122334455667788ULL);
	ck_assert_int_eq(l2tp_ctrl_peek(junk, sizeof(junk), &pk), -1);
	pair_free(&n);
}
END_TEST

/*
 * Interop: replay one side of a freeRtr L2TPv3-over-IP capture into our
 * engine standing in for the other side, with that side's ids.  Our replies
 * must carry the same sequence numbers the real peer used, so freeRtr's acks
 * and messages line up: tunnel and session come up with the ids, pw-id and
 * settings of the capture.
 */
struct replay {
	struct pair n;
	uint8_t src_last; /* last octet of the address whose packets we feed */
	int fed, rejected;
};

static int replay_cb(void *ctx, const struct pcapvec_pkt *pp)
{
	struct replay *r = ctx;
	struct pair_side *sd = &r->n.s[1];
	struct buf msg = pp->l2tp;
	uint32_t sid;
	struct l2tp_ctrl_peek pk;

	/* Control messages over IP follow a zero Session ID (RFC 3931 §4.1.1.2). */
	if (pp->src[3] != r->src_last || buf_get_n32(&msg, &sid) == -1 || sid != 0)
		return 0;
	if (l2tp_ctrl_peek(buf_cur(&msg), buf_left(&msg), &pk) == -1)
		return 0;
	if (sd->t == NULL)
		pair_tunnel(sd, 0);
	r->fed++;
	if (l2tp_tunnel_input(sd->t, buf_cur(&msg), buf_left(&msg), r->n.now) == -1)
		r->rejected++;
	r->n.qhead = r->n.qtail; /* what we answer goes nowhere: the capture has the peer */
	r->n.now += 1;
	return 0;
}

START_TEST(test_interop_freertr_replay)
{
	static const char file[] = "freertr/l2tpv3-ip_ethernet-pw_no-cookie.pcap";
	struct replay *r = calloc(1, sizeof(*r));
	struct pair_side *sd;
	const struct l2tp_session_info *si;
	struct pcapvec_stats st;

	/* We are 198.18.0.2, the responder: freeRtr's 198.18.0.1 packets come in. */
	pair_init(&r->n, 1);
	sd = &r->n.s[1];
	r->src_last = 1;
	sd->tunnel_id = 0x674714FE;
	sd->next_sid = 0x4DD2B056;
	sd->sp.cookie_len = 0;
	sd->sp.l2spec_default = 0;
	sd->accept_pw[sd->n_accept++] = 1234;
	ck_assert_int_eq(pcapvec_each_in(file, replay_cb, r, &st), 0);
	/* SCCRQ SCCCN ICRQ ZLB ICCN ZLB SLI, then HELLOs and their acks */
	ck_assert_int_eq(r->fed, 12);
	/* Frame 45 re-sends the HELLO of frame 43 (its ack went to the real peer). */
	ck_assert_int_eq(r->rejected, 1);
	ck_assert_uint_eq(l2tp_tunnel_stats(sd->t)->drop_duplicate, 1);
	ck_assert_int_eq(l2tp_tunnel_state(sd->t), L2TP_TUNNEL_ESTABLISHED);
	ck_assert_uint_eq(l2tp_tunnel_peer_id(sd->t), 0x1A933B77);
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_SCCRP], 1);
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_ICRP], 1);
	ck_assert_int_eq(sd->sess_up, 1);
	si = l2tp_session_info(sd->sess[0]);
	ck_assert_uint_eq(si->local_session_id, 0x4DD2B056);
	ck_assert_uint_eq(si->peer_session_id, 0x3DD655A0);
	ck_assert_uint_eq(si->remote_end_id, 1234);
	ck_assert_uint_eq(si->peer_cookie_len, 0);
	ck_assert(!si->l2spec_default && !si->seq_tx);
	ck_assert_uint_eq(l2tp_tunnel_stats(sd->t)->drop_malformed, 0);
	pair_free(&r->n);
	free(r);
}
END_TEST

START_TEST(test_interop_freertr_replay_initiator)
{
	static const char file[] = "freertr/l2tpv3-ip_ethernet-pw_no-cookie.pcap";
	struct replay *r = calloc(1, sizeof(*r));
	struct pair_side *sd;
	struct l2tp_session_params sp;
	const struct l2tp_session_info *si;
	struct pcapvec_stats st;

	/* We are 198.18.0.1, the initiator, with a pseudowire waiting for the tunnel. */
	pair_init(&r->n, 1);
	sd = &r->n.s[1];
	r->src_last = 2;
	sd->tunnel_id = 0x1A933B77;
	pair_tunnel(sd, 1);
	l2tp_tunnel_start(sd->t, r->n.now);
	memset(&sp, 0, sizeof(sp));
	sp.local_session_id = 0x3DD655A0;
	sp.pw_type = L2TP_PWTYPE_ETH;
	sp.remote_end_id = 1234;
	sd->sess[sd->n_sess++] = l2tp_session_open(sd->t, &sp, r->n.now);
	ck_assert_ptr_nonnull(sd->sess[0]);
	r->n.qhead = r->n.qtail;
	ck_assert_int_eq(pcapvec_each_in(file, replay_cb, r, &st), 0);
	ck_assert_int_eq(l2tp_tunnel_state(sd->t), L2TP_TUNNEL_ESTABLISHED);
	ck_assert_uint_eq(l2tp_tunnel_peer_id(sd->t), 0x674714FE);
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_SCCCN], 1);
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_ICRQ], 1);
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_ICCN], 1);
	ck_assert_int_eq(sd->sess_up, 1);
	si = l2tp_session_info(sd->sess[0]);
	ck_assert_uint_eq(si->peer_session_id, 0x4DD2B056);
	ck_assert_uint_eq(l2tp_tunnel_stats(sd->t)->drop_malformed, 0);
	ck_assert_uint_eq(l2tp_tunnel_stats(sd->t)->drop_bad_state, 0);
	pair_free(&r->n);
	free(r);
}
END_TEST

static Suite *tunnel_suite(void)
{
	Suite *s = suite_create("l2tp_tunnel");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_tunnel_up);
	tcase_add_test(tc, test_hello_keeps_up);
	tcase_add_test(tc, test_lose_each_message);
	tcase_add_test(tc, test_random_loss);
	tcase_add_test(tc, test_wrong_secret);
	tcase_add_test(tc, test_secret_one_side);
	tcase_add_test(tc, test_digest_md5_sha1);
	tcase_add_test(tc, test_mixed_digest_types);
	tcase_add_test(tc, test_tie_breaker);
	tcase_add_test(tc, test_several_sessions_and_cookies);
	tcase_add_test(tc, test_sublayer_sequencing);
	tcase_add_test(tc, test_pw_id_mismatch);
	tcase_add_test(tc, test_session_collision);
	tcase_add_test(tc, test_remote_end_id_decimal);
	tcase_add_test(tc, test_session_close_early);
	tcase_add_test(tc, test_stopccn_teardown);
	tcase_add_test(tc, test_stopccn_ack_lost);
	tcase_add_test(tc, test_peer_silence);
	tcase_add_test(tc, test_setup_timeouts);
	tcase_add_test(tc, test_every_state_every_message);
	tcase_add_test(tc, test_unknown_mandatory_avp);
	tcase_add_test(tc, test_peek);
	tcase_add_test(tc, test_interop_freertr_replay);
	tcase_add_test(tc, test_interop_freertr_replay_initiator);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(tunnel_suite());
}
