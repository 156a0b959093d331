/*
 * The L2TPv2 (RFC 2661) side of the control engine, two engines back to back
 * (tests/unit/l2tp_pair.h) or one engine against a scripted peer: tunnel
 * setup in both roles, tunnel authentication (right, wrong, one-sided,
 * forged SCCCN), AVP hiding (ours on the wire, the peer's always decoded),
 * incoming calls with their call data and proxy AVPs, CDN both ways, OCRQ,
 * StopCCN, loss, tie breaking, ids, and every state against every message.
 */
#include "check_main.h"
#include "l2tp_digest.h"
#include "l2tp_pair_check.h"

/* A LAC call with some call data. */
static struct l2tp_session *open_call(struct pair *n, int i, const char *calling, int seq)
{
	struct pair_side *sd = &n->s[i];
	struct l2tp_session_params p;
	struct l2tp_session *s;

	memset(&p, 0, sizeof(p));
	p.local_session_id = sd->next_sid++;
	snprintf(p.v2.calling, sizeof(p.v2.calling), "%s", calling);
	snprintf(p.v2.called, sizeof(p.v2.called), "lns");
	p.v2.bearer_type = 2;
	p.v2.tx_speed = 100000000;
	p.v2.rx_speed = 50000000;
	p.v2.seq_required = seq;
	s = l2tp_session_open(sd->t, &p, n->now);
	if (s != NULL && sd->n_sess < PAIR_MAX_SESS)
		sd->sess[sd->n_sess++] = s;
	return s;
}

/* How many AVPs of a message carry the H bit, and whether attribute type is one of them. */
static int hidden_avps(const uint8_t *pkt, size_t len, uint16_t type, int *type_hidden)
{
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_iter it;
	struct l2tp_avp a;
	struct buf b, avps;
	int n = 0;

	*type_hidden = 0;
	buf_init(&b, pkt, len);
	if (l2tp_ctrl_parse(&b, &h, &avps, NULL) == -1)
		return -1;
	l2tp_avp_iter_init(&it, &avps);
	while (l2tp_avp_next(&it, &a) == 1) {
		n += a.hidden;
		if (a.hidden && a.type == type)
			*type_hidden = 1;
	}
	return n;
}

/* What went over the wire: hidden AVPs per message type, ICRP headers. */
struct wire {
	int hidden[32];
	int sid_hidden;
	int icrp;
	struct l2tp_ctrl_peek icrp_peek;
};

static void wire_observe(void *arg, const struct pair_pkt *p)
{
	struct wire *w = arg;
	struct l2tp_ctrl_peek pk;
	int th = 0, c;

	if (l2tp_ctrl_peek(p->data, p->len, &pk) == -1 || pk.msg_type >= 32)
		return;
	c = hidden_avps(p->data, p->len, L2TP_AVP_ASSIGNED_SESSION_ID, &th);
	if (c > 0)
		w->hidden[pk.msg_type] += c;
	w->sid_hidden |= th;
	if (pk.msg_type == L2TP_MSG_ICRP) {
		w->icrp++;
		w->icrp_peek = pk;
	}
}

static void wire_watch(struct pair *n, struct wire *w)
{
	memset(w, 0, sizeof(*w));
	n->observe = wire_observe;
	n->observe_arg = w;
}

START_TEST(test_v2_tunnel_up_both_roles)
{
	struct pair n;
	struct l2tp_ctrl_peek pk;
	int role;

	for (role = 0; role < 2; role++) {
		pair_init_v2(&n, 1);
		pair_start(&n, role);
		ck_assert_int_ne(n.qhead, n.qtail);
		ck_assert_int_eq(l2tp_ctrl_peek(n.q[n.qhead].data, n.q[n.qhead].len, &pk), 0);
		ck_assert_uint_eq(pk.version, 2);
		ck_assert_uint_eq(pk.msg_type, L2TP_MSG_SCCRQ);
		ck_assert_uint_eq(pk.assigned_id, n.s[role].tunnel_id);
		ck_assert(pk.has_tie_breaker);
		pair_run(&n, n.now + 10 * SEC);
		ck_assert(pair_established(&n));
		ck_assert_uint_eq(l2tp_tunnel_version(n.s[0].t), 2);
		ck_assert_uint_eq(l2tp_tunnel_peer_id(n.s[0].t), 200);
		ck_assert_uint_eq(l2tp_tunnel_peer_id(n.s[1].t), 100);
		ck_assert_str_eq(l2tp_tunnel_peer_host_name(n.s[role].t),
				 role ? "site-a" : "site-b");
		ck_assert_int_eq(n.s[role].tx_by_type[L2TP_MSG_SCCRQ], 1);
		ck_assert_int_eq(n.s[1 - role].tx_by_type[L2TP_MSG_SCCRP], 1);
		ck_assert_int_eq(n.s[role].tx_by_type[L2TP_MSG_SCCCN], 1);
		ck_assert_ptr_nonnull(
		    strstr(n.s[1 - role].log, "wait-ctl-conn -> established on SCCCN"));
		/* HELLO after a silent minute keeps it up. */
		pair_run(&n, n.now + 200 * SEC);
		ck_assert(pair_established(&n));
		ck_assert_int_ge(n.s[0].tx_by_type[L2TP_MSG_HELLO], 1);
		pair_free(&n);
	}
}
END_TEST

START_TEST(test_v2_ids_16_bit)
{
	struct pair n;
	struct l2tp_session_params p;

	pair_init_v2(&n, 0);
	ck_assert_ptr_null(l2tp_tunnel_new(&n.s[0].tp, 70000, &pair_ops, &n.s[0]));
	ck_assert_ptr_null(l2tp_tunnel_new(&n.s[0].tp, 0, &pair_ops, &n.s[0]));
	up_pair(&n);
	memset(&p, 0, sizeof(p));
	p.local_session_id = 70000;
	ck_assert_ptr_null(l2tp_session_open(n.s[0].t, &p, n.now));
	p.local_session_id = 65535;
	ck_assert_ptr_nonnull(l2tp_session_open(n.s[0].t, &p, n.now));
	ck_assert_ptr_null(l2tp_session_open(n.s[0].t, &p, n.now)); /* taken */
	pair_free(&n);
}
END_TEST

static void secrets(const char *a, const char *b, struct pair *n)
{
	pair_init_v2(n, 1);
	n->s[0].tp.secret = a;
	n->s[1].tp.secret = b;
	pair_start(n, 0);
	pair_run(n, n->now + 10 * SEC);
}

START_TEST(test_v2_secret_right)
{
	struct pair n;

	secrets("s3cret", "s3cret", &n);
	ck_assert(pair_established(&n));
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[0].t)->auth_failed, 0);
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[1].t)->auth_failed, 0);
	/* No Message Digest and no ACK messages in v2: ZLBs acknowledge. */
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_int_ge(n.s[1].tx_by_type[L2TP_MSG_ZLB], 1);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_ACK] + n.s[1].tx_by_type[L2TP_MSG_ACK], 0);
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_secret_wrong)
{
	struct pair n;

	secrets("s3cret", "other", &n);
	pair_run(&n, n.now + 60 * SEC);
	ck_assert_int_eq(n.s[0].tunnel_up + n.s[1].tunnel_up, 0);
	/* The initiator finds the SCCRP's response wrong and says so. */
	ck_assert_ptr_nonnull(strstr(n.s[0].log,
				     "tunnel authentication failed: wrong tunnel-secret? "
				     "(bad Challenge Response in SCCRP)"));
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[0].t)->auth_failed, 1);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_STOPCCN], 1);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_SCCCN], 0);
	/* The responder hears result 4 and points at the secret too. */
	ck_assert_int_eq(n.s[1].tunnel_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[1].down_why, "tunnel authentication failed"));
	ck_assert_ptr_nonnull(strstr(n.s[1].down_why, "not authorized"));
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_secret_one_sided)
{
	struct pair n;

	/* Only the initiator has one: the responder cannot answer its Challenge. */
	secrets("s3cret", NULL, &n);
	pair_run(&n, n.now + 60 * SEC);
	ck_assert_int_eq(n.s[0].tunnel_up + n.s[1].tunnel_up, 0);
	ck_assert_ptr_nonnull(strstr(n.s[1].log, "tunnel authentication failed: peer sent a "
						 "Challenge but no tunnel-secret is set here"));
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_STOPCCN], 1);
	ck_assert_ptr_nonnull(strstr(n.s[0].down_why, "tunnel authentication failed"));
	pair_free(&n);

	/* Only the responder has one: the initiator cannot answer the SCCRP's Challenge. */
	secrets(NULL, "s3cret", &n);
	pair_run(&n, n.now + 60 * SEC);
	ck_assert_int_eq(n.s[0].tunnel_up + n.s[1].tunnel_up, 0);
	ck_assert_ptr_nonnull(strstr(n.s[0].log, "peer sent a Challenge but no tunnel-secret"));
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_STOPCCN], 1);
	ck_assert_int_eq(n.s[1].tunnel_down, 1);
	pair_free(&n);
}
END_TEST

/* An SCCCN for the responder's connection, in sequence, with or without a response. */
static size_t forged_scccn(struct l2tp_tunnel *t, const uint8_t *resp, uint8_t *mem, size_t cap)
{
	struct l2tp_builder b;
	struct wbuf w;

	peer_msg_begin(&b, &w, mem, cap, t, 0, L2TP_MSG_SCCCN);
	if (resp)
		l2tp_build_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, 1, resp, 16);
	/* It acknowledges the SCCRP, so the StopCCN may go out at once. */
	return peer_msg_finish(&b, mem, t, (uint16_t)(t->rel.una + 1));
}

START_TEST(test_v2_scccn_response_checked)
{
	static const uint8_t zero[16];
	uint8_t pkt[128], right[16];
	int variant;

	for (variant = 0; variant < 3; variant++) {
		struct pair n;
		struct l2tp_tunnel *t;
		size_t len;

		pair_init_v2(&n, 1);
		n.s[0].tp.secret = "s3cret";
		n.s[1].tp.secret = "s3cret";
		n.drop_all_from = 1; /* the SCCRP and everything after it get lost */
		pair_start(&n, 0);
		pair_run(&n, n.now + 1);
		t = n.s[1].t;
		ck_assert_int_eq(l2tp_tunnel_state(t), L2TP_TUNNEL_WAIT_CTL_CONN);
		n.drop_all_from = -1;
		l2tp_challenge_response(L2TP_MSG_SCCCN, "s3cret", 6, t->nonce, sizeof(t->nonce),
					right);
		len = forged_scccn(t,
				   variant == 0	  ? NULL
				   : variant == 1 ? zero
						  : right,
				   pkt, sizeof(pkt));
		l2tp_tunnel_input(t, pkt, len, n.now);
		if (variant == 2) {
			ck_assert_int_eq(l2tp_tunnel_state(t), L2TP_TUNNEL_ESTABLISHED);
		} else {
			ck_assert_int_eq(l2tp_tunnel_state(t), L2TP_TUNNEL_CLOSING);
			ck_assert_ptr_nonnull(
			    strstr(n.s[1].down_why, variant ? "wrong tunnel-secret? (bad Challenge "
							      "Response in SCCCN)"
							    : "wrong tunnel-secret? (no Challenge "
							      "Response in SCCCN)"));
			ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_STOPCCN], 1);
		}
		pair_free(&n);
	}
}
END_TEST

START_TEST(test_v2_hidden_avps)
{
	int hide_a, hide_b;

	for (hide_a = 0; hide_a < 2; hide_a++) {
		for (hide_b = 0; hide_b < 2; hide_b++) {
			struct pair n;
			struct wire w;
			const struct l2tp_session_info *si;

			pair_init_v2(&n, 1);
			n.s[0].tp.secret = "s3cret";
			n.s[1].tp.secret = "s3cret";
			n.s[0].tp.hide_avps = hide_a;
			n.s[1].tp.hide_avps = hide_b;
			wire_watch(&n, &w);
			pair_start(&n, 0);
			ck_assert_ptr_nonnull(open_call(&n, 0, "0301", 0));
			pair_run(&n, n.now + 10 * SEC);
			ck_assert(pair_established(&n));
			ck_assert_int_eq(n.s[0].sess_up, 1);
			ck_assert_int_eq(n.s[1].sess_up, 1);
			/* The peer's hidden AVPs were decoded: the call data arrived. */
			si = l2tp_session_info(n.s[1].sess[0]);
			ck_assert_str_eq(si->v2.calling, "0301");
			ck_assert_uint_eq(si->v2.tx_speed, 100000000);
			ck_assert_uint_eq(si->peer_session_id, 1000);
			/* Ours: hidden only when asked; never the tunnel ids. */
			ck_assert_int_eq(w.hidden[L2TP_MSG_SCCRQ] > 0, hide_a);
			ck_assert_int_eq(w.hidden[L2TP_MSG_ICRQ] > 0, hide_a);
			ck_assert_int_eq(w.hidden[L2TP_MSG_ICCN] > 0, hide_a);
			ck_assert_int_eq(w.hidden[L2TP_MSG_SCCRP] > 0, hide_b);
			ck_assert_int_eq(w.hidden[L2TP_MSG_ICRP] > 0, hide_b);
			ck_assert_int_eq(w.sid_hidden, hide_a || hide_b);
			ck_assert_uint_eq(l2tp_tunnel_peer_id(n.s[1].t), 100);
			pair_free(&n);
		}
	}
}
END_TEST

START_TEST(test_v2_hide_needs_secret)
{
	struct pair n;
	struct wire w;
	int i;

	/* hide-avps without a tunnel secret hides nothing (there is no key). */
	pair_init_v2(&n, 0);
	n.s[0].tp.hide_avps = 1;
	wire_watch(&n, &w);
	pair_start(&n, 0);
	open_call(&n, 0, "1", 0);
	pair_run(&n, n.now + 10 * SEC);
	ck_assert_int_eq(n.s[1].sess_up, 1);
	for (i = 0; i < 32; i++)
		ck_assert_int_eq(w.hidden[i], 0);
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_sessions_and_cdn)
{
	struct pair n;
	const struct l2tp_session_info *a, *b;
	int i, j;

	pair_init_v2(&n, 1);
	pair_start(&n, 0);
	for (i = 0; i < 6; i++) {
		char num[8];

		snprintf(num, sizeof(num), "10%d", i);
		ck_assert_ptr_nonnull(open_call(&n, 0, num, i == 3));
	}
	pair_run(&n, n.now + 10 * SEC);
	ck_assert_int_eq(n.s[0].sess_up, 6);
	ck_assert_int_eq(n.s[1].sess_up, 6);
	ck_assert_int_eq(n.s[1].calls, 6);
	for (i = 0; i < 6; i++) {
		a = l2tp_session_info(n.s[0].sess[i]);
		ck_assert_uint_eq(a->version, 2);
		ck_assert_uint_eq(a->v2.framing_type, L2TP_FRAMING_SYNC);
		for (j = 0; j < 6; j++) {
			b = l2tp_session_info(n.s[1].sess[j]);
			if (b->peer_session_id == a->local_session_id)
				break;
		}
		ck_assert_int_lt(j, 6);
		ck_assert_uint_eq(a->peer_session_id, b->local_session_id);
		ck_assert_uint_eq(b->v2.serial, a->v2.serial);
		ck_assert_str_eq(b->v2.calling, a->v2.calling);
		ck_assert_str_eq(b->v2.called, "lns");
		ck_assert_uint_eq(b->v2.bearer_type, 2);
		ck_assert_uint_eq(b->v2.rx_speed, 50000000);
		ck_assert_uint_eq(b->v2.framing_type, L2TP_FRAMING_SYNC);
		ck_assert_int_eq(b->v2.seq_required, a->v2.seq_required);
		ck_assert_int_eq(b->seq_rx, a->local_session_id == 1003);
		ck_assert_int_eq(b->v2_proxy.auth_type, 0);
	}
	/* CDN from the LAC, with its result code. */
	l2tp_session_close(n.s[0].sess[0], L2TP_CDN_LOST_CARRIER, "modem hung up", n.now);
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_int_eq(n.s[1].sess_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[1].sess_down_why[0], "peer sent CDN: "));
	ck_assert_ptr_nonnull(strstr(n.s[1].sess_down_why[0], "modem hung up"));
	/* CDN from the LNS. */
	for (j = 0; n.s[1].sess[j] == NULL; j++)
		;
	l2tp_session_close(n.s[1].sess[j], 0, NULL, n.now);
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_int_eq(n.s[0].sess_down, 2);
	ck_assert_ptr_nonnull(strstr(n.s[0].sess_down_why[1], "administratively closed"));
	ck_assert(pair_established(&n));
	/* StopCCN: the remaining sessions go down first, on both sides. */
	l2tp_tunnel_stop(n.s[0].t, 0, NULL, n.now);
	pair_run(&n, n.now + 60 * SEC);
	ck_assert_int_eq(n.s[0].sess_down, 6);
	ck_assert_int_eq(n.s[1].sess_down, 6);
	ck_assert_str_eq(n.s[0].events, "UssssssT");
	ck_assert_int_eq(n.s[1].tunnel_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[1].down_why, "peer sent StopCCN"));
	ck_assert_int_eq(n.s[0].tunnel_closed, 1);
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[0].t)->drop_malformed, 0);
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[1].t)->drop_malformed, 0);
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_call_refused)
{
	struct pair n;

	pair_init_v2(&n, 1);
	n.s[1].refuse_calls = 1;
	up_pair(&n);
	open_call(&n, 0, "1", 0);
	pair_run(&n, n.now + 5 * SEC);
	ck_assert_int_eq(n.s[0].sess_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[0].sess_down_why[0], "no PPP service here"));
	ck_assert_uint_eq(l2tp_tunnel_stats(n.s[1].t)->refused_calls, 1);
	ck_assert(pair_established(&n));
	/* Without call_request, session_request decides (pw-id 0, PPP): refused here. */
	pair_free(&n);
}
END_TEST

/* A session message from "the peer" of t, in sequence. */
static size_t mk_v2(struct l2tp_tunnel *t, uint16_t type, uint16_t sid, int full, uint8_t *mem,
		    size_t cap)
{
	static const uint8_t lcp[4] = {1, 4, 5, 0xdc};
	struct l2tp_builder b;
	struct wbuf w;

	peer_msg_begin(&b, &w, mem, cap, t, sid, type);
	if (full) {
		l2tp_build_n16(&b, L2TP_AVP_PROTOCOL_VERSION, 1, 0x0100);
		l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "x");
		l2tp_build_n32(&b, L2TP_AVP_FRAMING_CAP, 1, 3);
		l2tp_build_n16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1, 77);
		l2tp_build_result(&b, 1, -1, NULL);
		l2tp_build_n32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1, 9);
		l2tp_build_n32(&b, L2TP_AVP_TX_CONNECT_SPEED, 1, 64000);
		/* The rest hidden after a Random Vector, as a peer may send them. */
		l2tp_build_random_vector(&b, "0123456789abcdef", 16, "s3cret", 6);
		l2tp_build_hidden(&b, 0, L2TP_AVP_ASSIGNED_SESSION_ID, 1, "\x00\x05", 2);
		l2tp_build_hidden(&b, 0, L2TP_AVP_FRAMING_TYPE, 1, "\x00\x00\x00\x02", 4);
		l2tp_build_hidden(&b, 0, L2TP_AVP_PROXY_AUTHEN_NAME, 0, "office-b", 8);
		l2tp_build_hidden(&b, 0, L2TP_AVP_PROXY_AUTHEN_TYPE, 0, "\x00\x02", 2);
		l2tp_build_hidden(&b, 0, L2TP_AVP_LAST_SENT_CONFREQ, 0, lcp, sizeof(lcp));
		l2tp_build_avp(&b, 0, L2TP_AVP_CALL_ERRORS, 1,
			       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 26);
		l2tp_build_avp(&b, 0, L2TP_AVP_ACCM, 1, "\0\0\xff\xff\xff\xff\0\0\0\0", 10);
	}
	return peer_msg_finish(&b, mem, t, t->rel.una);
}

/*
 * A scripted LAC against our LNS: the ICRQ and ICCN carry hidden AVPs and
 * the proxy AVPs, which reach session_up decoded.
 */
START_TEST(test_v2_lns_scripted_lac_proxy)
{
	struct pair n;
	struct l2tp_tunnel *t;
	const struct l2tp_session_info *si;
	uint8_t pkt[512];
	size_t len;

	pair_init_v2(&n, 1);
	n.s[1].tp.secret = "s3cret";
	n.drop_all_from = 0; /* nothing of ours reaches the (absent) other side */
	pair_tunnel(&n.s[1], 0);
	t = n.s[1].t;
	len = mk_v2(t, L2TP_MSG_SCCRQ, 0, 1, pkt, sizeof(pkt));
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(l2tp_tunnel_state(t), L2TP_TUNNEL_WAIT_CTL_CONN);
	/* Hidden AVPs decoded: the session id 5 made it into the cmsg, not the tunnel. */
	{
		uint8_t resp[16];
		struct l2tp_builder b;
		struct wbuf w;

		l2tp_challenge_response(L2TP_MSG_SCCCN, "s3cret", 6, t->nonce, 16, resp);
		wbuf_init(&w, pkt, sizeof(pkt));
		l2tp_build_begin(&b, &w, 2, t->local_id, 0, L2TP_MSG_SCCCN);
		l2tp_build_random_vector(&b, "rv", 2, "s3cret", 6);
		l2tp_build_hidden(&b, 0, L2TP_AVP_CHALLENGE_RESPONSE, 1, resp, 16);
		l2tp_build_finish(&b, &len);
		l2tp_ctrl_set_nsnr(pkt, len, t->rel.nr, t->rel.una);
	}
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(l2tp_tunnel_state(t), L2TP_TUNNEL_ESTABLISHED);
	len = mk_v2(t, L2TP_MSG_ICRQ, 0, 1, pkt, sizeof(pkt));
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(n.s[1].calls, 1);
	ck_assert_int_eq(n.s[1].sess_up, 0);
	len = mk_v2(t, L2TP_MSG_ICCN, 2000, 1, pkt, sizeof(pkt));
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(n.s[1].sess_up, 1);
	si = l2tp_session_info(n.s[1].sess[0]);
	ck_assert_uint_eq(si->local_session_id, 2000);
	ck_assert_uint_eq(si->peer_session_id, 5);
	ck_assert_uint_eq(si->v2.serial, 9);
	ck_assert_uint_eq(si->v2.tx_speed, 64000);
	ck_assert_uint_eq(si->v2.framing_type, L2TP_FRAMING_ASYNC);
	ck_assert_str_eq(si->v2_proxy.auth_name, "office-b");
	ck_assert_uint_eq(si->v2_proxy.auth_type, 2);
	ck_assert_uint_eq(si->v2_proxy.lcp_last_sent_len, 4);
	ck_assert_uint_eq(si->v2_proxy.lcp_last_sent[3], 0xdc);
	/* WEN and SLI are informational; an SLI with its ACCM is logged. */
	len = mk_v2(t, L2TP_MSG_SLI, 2000, 1, pkt, sizeof(pkt));
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_ptr_nonnull(strstr(n.s[1].log, "peer ACCM send ffffffff recv 00000000"));
	len = mk_v2(t, L2TP_MSG_WEN, 2000, 1, pkt, sizeof(pkt));
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(n.s[1].sess_down, 0);
	/* A CDN naming our session in the header ends it. */
	len = mk_v2(t, L2TP_MSG_CDN, 2000, 1, pkt, sizeof(pkt));
	ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
	ck_assert_int_eq(n.s[1].sess_down, 1);
	ck_assert_uint_eq(l2tp_tunnel_stats(t)->drop_malformed, 0);
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_hidden_wrong_or_no_secret)
{
	struct pair n;
	struct l2tp_tunnel *t;
	uint8_t pkt[512];
	size_t len;
	int have;

	/* A peer's SCCRQ with hidden AVPs (secret "s3cret"): we have another, or none. */
	for (have = 0; have < 2; have++) {
		pair_init_v2(&n, 1);
		n.s[1].tp.secret = have ? "other" : NULL;
		pair_tunnel(&n.s[1], 0);
		t = n.s[1].t;
		len = mk_v2(t, L2TP_MSG_ICRQ, 0, 1, pkt, sizeof(pkt));
		ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), -1);
		ck_assert_uint_eq(l2tp_tunnel_stats(t)->drop_malformed, 1);
		ck_assert_ptr_nonnull(strstr(n.s[1].log, have ? "wrong tunnel-secret?"
							      : "no tunnel-secret is set here"));
		pair_free(&n);
	}
}
END_TEST

START_TEST(test_v2_ocrq_gets_cdn)
{
	struct pair n;
	struct l2tp_tunnel *t;
	uint8_t pkt[512];
	size_t len;
	int v;

	for (v = 2; v <= 3; v++) {
		pair_init(&n, 1);
		n.s[0].tp.version = (uint8_t)v;
		n.s[1].tp.version = (uint8_t)v;
		/* v2: the secret to decode mk_v2's hidden AVPs. */
		n.s[0].tp.secret = v == 2 ? "s3cret" : NULL;
		n.s[1].tp.secret = v == 2 ? "s3cret" : NULL;
		up_pair(&n);
		t = n.s[1].t;
		len = mk_v2(t, L2TP_MSG_OCRQ, 0, 1, pkt, sizeof(pkt));
		if (v == 3) {
			struct l2tp_builder b;
			struct wbuf w;

			wbuf_init(&w, pkt, sizeof(pkt));
			l2tp_build_begin(&b, &w, 3, t->local_id, 0, L2TP_MSG_OCRQ);
			l2tp_build_n32(&b, L2TP_AVP_LOCAL_SESSION_ID, 1, 5);
			l2tp_build_finish(&b, &len);
			l2tp_ctrl_set_nsnr(pkt, len, t->rel.nr, t->rel.una);
		}
		ck_assert_int_eq(l2tp_tunnel_input(t, pkt, len, n.now), 0);
		pair_run(&n, n.now + 5 * SEC);
		ck_assert(pair_established(&n));
		ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_CDN], 1);
		ck_assert_uint_eq(l2tp_tunnel_stats(t)->refused_calls, 1);
		ck_assert_ptr_nonnull(strstr(n.s[1].log, v == 2
							     ? "OCRQ from session 5 (call serial "
							       "9) refused: outgoing calls"
							     : "OCRQ for Remote End ID 0 refused"));
		pair_free(&n);
	}
}
END_TEST

static void converge(unsigned loss, uint64_t seed, int drop_nth)
{
	struct pair n;

	pair_init_v2(&n, 0);
	n.s[0].tp.secret = "s3cret";
	n.s[1].tp.secret = "s3cret";
	n.s[0].tp.hide_avps = 1;
	n.loss_pct = loss;
	n.loss_rng = seed;
	n.drop_nth = drop_nth;
	pair_start(&n, 0);
	open_call(&n, 0, "1", 0);
	open_call(&n, 0, "2", 0);
	pair_run(&n, n.now + 200 * SEC);
	ck_assert_msg(pair_established(&n), "loss %u seed %llu drop %d", loss,
		      (unsigned long long)seed, drop_nth);
	ck_assert_int_eq(n.s[0].sess_up, 2);
	ck_assert_int_eq(n.s[1].sess_up, 2);
	n.loss_pct = 0;
	n.drop_nth = -1;
	l2tp_tunnel_stop(n.s[0].t, 0, NULL, n.now);
	pair_run(&n, n.now + 100 * SEC);
	ck_assert_int_eq(n.s[1].tunnel_down, 1);
	pair_free(&n);
}

START_TEST(test_v2_loss)
{
	uint64_t seed;
	int i;

	for (i = 0; i < 14; i++)
		converge(0, 1, i);
	for (seed = 1; seed <= 20; seed++)
		converge(20, seed * 7919, -1);
}
END_TEST

START_TEST(test_v2_tie_breaker)
{
	struct pair n;

	/* Both send an SCCRQ at once: the lower Tie Breaker's connection is kept. */
	pair_init_v2(&n, 1);
	n.s[0].tp.tie_breaker = 5;
	n.s[1].tp.tie_breaker = 9;
	pair_start(&n, 0);
	pair_start(&n, 1);
	pair_run(&n, n.now + 20 * SEC);
	ck_assert(pair_established(&n));
	ck_assert_uint_eq(l2tp_tunnel_local_id(n.s[1].t), 200);
	ck_assert_uint_eq(l2tp_tunnel_peer_id(n.s[1].t), 100);
	ck_assert_int_eq(n.s[0].tx_by_type[L2TP_MSG_SCCCN], 1);
	ck_assert_int_eq(n.s[1].tx_by_type[L2TP_MSG_SCCRP], 1);
	pair_free(&n);

	/* xl2tpd and freeRtr send no Tie Breaker: ours, which has one, wins (§4.4.3). */
	pair_init_v2(&n, 0);
	n.drop_all_from = 0;
	pair_start(&n, 0);
	{
		uint8_t pkt[512];
		struct l2tp_ctrl_peek pk;
		size_t len = mk_v2(n.s[0].t, L2TP_MSG_SCCRQ, 0, 1, pkt, sizeof(pkt));
		struct wbuf w = {.p = pkt, .cap = len, .len = len};

		wbuf_set_n16(&w, 4, 0); /* to tunnel 0, as a new SCCRQ is */
		ck_assert_int_eq(l2tp_ctrl_peek(pkt, len, &pk), 0);
		ck_assert(!pk.has_tie_breaker);
		ck_assert_uint_eq(pk.assigned_id, 77);
		ck_assert_int_eq(l2tp_tunnel_tie_break(n.s[0].t, &pk, n.now), L2TP_TIE_KEEP_MINE);
		ck_assert_int_eq(l2tp_tunnel_state(n.s[0].t), L2TP_TUNNEL_WAIT_CTL_REPLY);
	}
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_peek_session)
{
	struct pair n;
	struct wire w;

	pair_init_v2(&n, 0);
	wire_watch(&n, &w);
	up_pair(&n);
	open_call(&n, 0, "1", 0);
	pair_run(&n, n.now + 5 * SEC);
	/* B's ICRP: its header names A's tunnel and A's session. */
	ck_assert_int_eq(w.icrp, 1);
	ck_assert_uint_eq(w.icrp_peek.version, 2);
	ck_assert_uint_eq(w.icrp_peek.conn_id, 100);
	ck_assert_uint_eq(w.icrp_peek.session_id, 1000);
	pair_free(&n);
}
END_TEST

START_TEST(test_v2_every_state_every_message)
{
	static const uint16_t types[] = {1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 20, 99};
	int st, i, full;

	/* The stages of pair_stage(), and established with a session 2000 on B (st 4). */
	for (st = 0; st < 7; st++) {
		for (i = 0; i < (int)(sizeof(types) / sizeof(types[0])); i++) {
			for (full = 0; full < 2; full++) {
				struct pair n;
				struct l2tp_tunnel *t;
				int sdown, sup, acted;
				uint8_t pkt[512];
				size_t len;

				pair_init_v2(&n, 0);
				n.s[0].tp.secret = "s3cret";
				n.s[1].tp.secret = "s3cret";
				t = pair_stage(&n, (enum pair_stage)(st <= 3 ? st : st - 1));
				if (st == 4) {
					open_call(&n, 0, "1", 0);
					pair_run(&n, n.now + 5 * SEC);
					ck_assert_int_eq(n.s[1].sess_up, 1);
				}
				ck_assert_ptr_nonnull(t);
				sup = n.s[1].sess_up;
				sdown = n.s[1].sess_down;
				len =
				    mk_v2(t, types[i], st == 4 ? 2000 : 0, full, pkt, sizeof(pkt));
				acted = pair_feed_acted(&n, t, pkt, len);
				/* A legitimate event (state or session moved), or counted. */
				ck_assert_msg(acted || n.s[1].sess_up != sup ||
						  n.s[1].sess_down != sdown ||
						  types[i] == L2TP_MSG_HELLO,
					      "state %d type %u full %d", st, types[i], full);
				pair_free(&n);
			}
		}
	}
}
END_TEST

START_TEST(test_v2_unknown_mandatory)
{
	struct pair n;
	struct l2tp_tunnel *t;

	pair_init_v2(&n, 1);
	up_pair(&n);
	open_call(&n, 0, "1", 0);
	pair_run(&n, n.now + 5 * SEC);
	t = n.s[1].t;
	/* In a session message: that session goes (CDN), the tunnel stays (RFC 2661 §4.1). */
	ck_assert_int_eq(pair_input_unknown_m(&n, t, 2000, L2TP_MSG_SLI, 250), 0);
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_int_eq(n.s[0].sess_down, 1);
	ck_assert_ptr_nonnull(strstr(n.s[0].sess_down_why[0], "unknown mandatory AVP 250"));
	ck_assert(pair_established(&n));
	/* In a HELLO: the tunnel goes. */
	ck_assert_int_eq(pair_input_unknown_m(&n, t, 0, L2TP_MSG_HELLO, 251), 0);
	pair_run(&n, n.now + 2 * SEC);
	ck_assert_ptr_nonnull(strstr(n.s[0].down_why, "unknown mandatory AVP 251"));
	pair_free(&n);
}
END_TEST

static Suite *v2_suite(void)
{
	Suite *s = suite_create("l2tp_v2");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_v2_tunnel_up_both_roles);
	tcase_add_test(tc, test_v2_ids_16_bit);
	tcase_add_test(tc, test_v2_secret_right);
	tcase_add_test(tc, test_v2_secret_wrong);
	tcase_add_test(tc, test_v2_secret_one_sided);
	tcase_add_test(tc, test_v2_scccn_response_checked);
	tcase_add_test(tc, test_v2_hidden_avps);
	tcase_add_test(tc, test_v2_hide_needs_secret);
	tcase_add_test(tc, test_v2_sessions_and_cdn);
	tcase_add_test(tc, test_v2_call_refused);
	tcase_add_test(tc, test_v2_lns_scripted_lac_proxy);
	tcase_add_test(tc, test_v2_hidden_wrong_or_no_secret);
	tcase_add_test(tc, test_v2_ocrq_gets_cdn);
	tcase_add_test(tc, test_v2_loss);
	tcase_add_test(tc, test_v2_tie_breaker);
	tcase_add_test(tc, test_v2_peek_session);
	tcase_add_test(tc, test_v2_every_state_every_message);
	tcase_add_test(tc, test_v2_unknown_mandatory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(v2_suite());
}
