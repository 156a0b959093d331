/*
 * Interop: the L2TPv2 engine replayed against real captures (tests/interop):
 * xl2tpd 1.3.18 as LNS and as LAC, freeRtr as LAC and as LNS, with and
 * without tunnel authentication (secret "s3cret").  We stand in for one side
 * of each capture, with its tunnel and session ids (and, for the secret
 * capture, its Challenge, handed out as our random bytes), and feed the
 * other side's recorded control messages to our engine.  Wherever the
 * capture has a message from our side, ours must be there too, with the
 * same type and Ns (so the peer's recorded acks and answers line up) and,
 * for Challenge Responses, the same bytes: what freeRtr accepted.  Where the
 * recorded side sent a CDN or StopCCN on its own, we are told to do the same.
 * Ours may come later than the recorded one (our slow start waits for an
 * ack where a scripted peer did not): it is matched when it is sent.
 */
#include <check.h>

#include "check_main.h"
#include "l2tp_avp.h"
#include "l2tp_engine.h"
#include "l2tp_pair.h"
#include "pcapvec.c"

struct rp {
	struct pair n; /* side 1 is ours; side 0 is the capture */
	uint8_t peer[4], us[4];
	int lac; /* we play the LAC: SCCRQ, ICRQ, ICCN */
	/* from a first pass over our side's recorded messages */
	uint16_t our_tid, our_sid;
	uint8_t our_chal[64];
	size_t our_chal_len;
	/* replay */
	int fed, rejected, compared, retrans;
	uint16_t next_ns;
	uint16_t type_at[64];
	char mismatch[256];
	/* recorded messages of ours not matched yet */
	struct rp_rec {
		size_t frame;
		uint16_t type, ns;
		int has_resp;
		uint8_t resp[16];
	} pend[8];
	int n_pend;
};

/* The value of IETF attribute type in a captured message (not hidden), or -1. */
static int avp_value(const struct buf *msg, uint16_t type, struct buf *val)
{
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_iter it;
	struct l2tp_avp a;
	struct buf avps;

	if (l2tp_ctrl_parse(msg, &h, &avps, NULL) == -1)
		return -1;
	l2tp_avp_iter_init(&it, &avps);
	while (l2tp_avp_next(&it, &a) == 1) {
		if (a.vendor == L2TP_VENDOR_IETF && a.type == type && !a.hidden) {
			*val = a.value;
			return 0;
		}
	}
	return -1;
}

static int ctrl_hdr(const struct buf *msg, struct l2tp_ctrl_hdr *h)
{
	struct buf avps;

	if (!l2tp_is_control(msg))
		return -1;
	return l2tp_ctrl_parse(msg, h, &avps, NULL);
}

static int prepass_cb(void *ctx, const struct pcapvec_pkt *pp)
{
	struct rp *r = ctx;
	struct l2tp_ctrl_hdr h;
	struct buf v;
	uint16_t id;

	if (memcmp(pp->src, r->us, 4) != 0 || ctrl_hdr(&pp->l2tp, &h) == -1)
		return 0;
	if ((h.msg_type == L2TP_MSG_SCCRQ || h.msg_type == L2TP_MSG_SCCRP) && !r->our_tid) {
		if (avp_value(&pp->l2tp, L2TP_AVP_ASSIGNED_TUNNEL_ID, &v) == 0 &&
		    buf_get_n16(&v, &id) == 0)
			r->our_tid = id;
		if (avp_value(&pp->l2tp, L2TP_AVP_CHALLENGE, &v) == 0 &&
		    buf_left(&v) <= sizeof(r->our_chal)) {
			r->our_chal_len = buf_left(&v);
			buf_get_bytes(&v, r->our_chal, r->our_chal_len);
		}
	}
	if ((h.msg_type == L2TP_MSG_ICRQ || h.msg_type == L2TP_MSG_ICRP) && !r->our_sid &&
	    avp_value(&pp->l2tp, L2TP_AVP_ASSIGNED_SESSION_ID, &v) == 0 &&
	    buf_get_n16(&v, &id) == 0)
		r->our_sid = id;
	return 0;
}

static void mismatch(struct rp *r, const char *what, size_t frame)
{
	if (r->mismatch[0] == '\0')
		snprintf(r->mismatch, sizeof(r->mismatch), "frame %zu: %s", frame, what);
}

/* Match what we sent against the recorded messages waiting for it. */
static void rp_match(struct rp *r)
{
	struct l2tp_ctrl_hdr h;
	struct buf mine, b;

	while (r->n_pend > 0 && r->n.qhead != r->n.qtail) {
		struct pair_pkt *p = &r->n.q[r->n.qhead];
		struct rp_rec *rec = &r->pend[0];

		r->n.qhead = (r->n.qhead + 1) % PAIR_QLEN;
		buf_init(&mine, p->data, p->len);
		if (ctrl_hdr(&mine, &h) == -1 || h.msg_type == L2TP_MSG_ZLB)
			continue;
		r->compared++;
		if (h.msg_type != rec->type || h.ns != rec->ns) {
			char why[96];

			snprintf(why, sizeof(why), "ours %s Ns %u, recorded %s Ns %u",
				 l2tp_msg_name(h.msg_type), h.ns, l2tp_msg_name(rec->type),
				 rec->ns);
			mismatch(r, why, rec->frame);
		}
		/* A recorded Challenge Response (the peer accepted it) must be ours, bytewise. */
		if (rec->has_resp &&
		    (avp_value(&mine, L2TP_AVP_CHALLENGE_RESPONSE, &b) == -1 ||
		     buf_left(&b) != 16 || memcmp(buf_cur(&b), rec->resp, 16) != 0))
			mismatch(r, "Challenge Response differs from the recorded one", rec->frame);
		memmove(&r->pend[0], &r->pend[1], sizeof(r->pend[0]) * (size_t)--r->n_pend);
	}
}

/* Our side's recorded message: act as it did, then check that ours matches. */
static void our_turn(struct rp *r, const struct pcapvec_pkt *pp, const struct l2tp_ctrl_hdr *rec)
{
	struct pair_side *sd = &r->n.s[1];
	struct l2tp_session_params sp;
	struct rp_rec *e;
	struct buf a;

	if (rec->msg_type == L2TP_MSG_ZLB)
		return;
	if ((uint16_t)(rec->ns - r->next_ns) >= 0x8000) {
		/* A retransmission of what we already have. */
		r->retrans++;
		if (rec->ns < 64 && r->type_at[rec->ns] != rec->msg_type)
			mismatch(r, "retransmission of another type", pp->frame);
		return;
	}
	if (rec->ns < 64)
		r->type_at[rec->ns] = rec->msg_type;
	r->next_ns = (uint16_t)(rec->ns + 1);
	if (rec->msg_type == L2TP_MSG_SCCRQ && sd->t == NULL && r->lac) {
		pair_tunnel(sd, 1);
		l2tp_tunnel_start(sd->t, r->n.now);
		memset(&sp, 0, sizeof(sp));
		sp.local_session_id = r->our_sid;
		sd->sess[sd->n_sess++] = l2tp_session_open(sd->t, &sp, r->n.now);
	}
	if (rec->msg_type == L2TP_MSG_CDN && sd->n_sess && sd->sess[0] != NULL)
		l2tp_session_close(sd->sess[0], L2TP_CDN_ADMIN, NULL, r->n.now);
	if (rec->msg_type == L2TP_MSG_STOPCCN && sd->t != NULL)
		l2tp_tunnel_stop(sd->t, 0, NULL, r->n.now);
	if (r->n_pend == (int)(sizeof(r->pend) / sizeof(r->pend[0]))) {
		mismatch(r, "too many of our messages missing", pp->frame);
		return;
	}
	e = &r->pend[r->n_pend++];
	memset(e, 0, sizeof(*e));
	e->frame = pp->frame;
	e->type = rec->msg_type;
	e->ns = rec->ns;
	if (avp_value(&pp->l2tp, L2TP_AVP_CHALLENGE_RESPONSE, &a) == 0 && buf_left(&a) == 16) {
		e->has_resp = 1;
		buf_get_bytes(&a, e->resp, 16);
	}
	rp_match(r);
}

static int replay_cb(void *ctx, const struct pcapvec_pkt *pp)
{
	struct rp *r = ctx;
	struct pair_side *sd = &r->n.s[1];
	struct l2tp_ctrl_hdr h;
	struct l2tp_ctrl_peek pk;

	if (ctrl_hdr(&pp->l2tp, &h) == -1)
		return 0; /* data: PPP, not ours to check here */
	if (memcmp(pp->src, r->us, 4) == 0) {
		our_turn(r, pp, &h);
		return 0;
	}
	if (memcmp(pp->src, r->peer, 4) != 0)
		return 0;
	l2tp_ctrl_peek(buf_cur(&pp->l2tp), buf_left(&pp->l2tp), &pk);
	if (pk.conn_id == 0 && pk.msg_type == L2TP_MSG_SCCRQ && sd->t != NULL) {
		/* As the daemon does: a retransmitted SCCRQ of our tunnel goes no further. */
		if (l2tp_tunnel_tie_break(sd->t, &pk, r->n.now) == L2TP_TIE_KEEP_MINE) {
			r->rejected++;
			return 0;
		}
	}
	if (sd->t == NULL)
		pair_tunnel(sd, 0);
	r->fed++;
	if (l2tp_tunnel_input(sd->t, buf_cur(&pp->l2tp), buf_left(&pp->l2tp), r->n.now) == -1)
		r->rejected++;
	r->n.now += 1;
	rp_match(r);
	return 0;
}

/*
 * Replay file with us at address us_last (198.18.x.us_last) as LAC or LNS.
 * Returns the replay for the caller's checks (free with rp_free).
 */
static struct rp *rp_run(const char *file, uint8_t net, uint8_t us_last, uint8_t peer_last, int lac,
			 const char *secret)
{
	struct rp *r = calloc(1, sizeof(*r));
	struct pair_side *sd;
	struct pcapvec_stats st;

	ck_assert_ptr_nonnull(r);
	pair_init_v2(&r->n, 1);
	sd = &r->n.s[1];
	r->lac = lac;
	r->us[0] = r->peer[0] = 198;
	r->us[1] = r->peer[1] = 18;
	r->us[2] = r->peer[2] = net;
	r->us[3] = us_last;
	r->peer[3] = peer_last;
	ck_assert_int_eq(pcapvec_each_in(file, prepass_cb, r, &st), 0);
	ck_assert_msg(r->our_tid != 0 && r->our_sid != 0, "%s: ids not found", file);
	sd->tunnel_id = r->our_tid;
	sd->next_sid = r->our_sid;
	sd->tp.secret = secret;
	sd->tp.tie_breaker = 1; /* our random bytes are the captured Challenge only */
	memcpy(sd->canned, r->our_chal, r->our_chal_len);
	sd->canned_len = r->our_chal_len;
	ck_assert_int_eq(pcapvec_each_in(file, replay_cb, r, &st), 0);
	ck_assert_msg(r->mismatch[0] == '\0', "%s: %s", file, r->mismatch);
	ck_assert_msg(r->n_pend == 0, "%s: frame %zu: we never sent the %s", file, r->pend[0].frame,
		      l2tp_msg_name(r->pend[0].type));
	ck_assert_ptr_nonnull(sd->t);
	ck_assert_uint_eq(l2tp_tunnel_stats(sd->t)->drop_malformed, 0);
	ck_assert_uint_eq(l2tp_tunnel_stats(sd->t)->auth_failed, 0);
	return r;
}

static void rp_free(struct rp *r)
{
	pair_free(&r->n);
	free(r);
}

/* xl2tpd runs to the end: LCP Terminate, CDN and StopCCN from the scripted side. */
static void xl2tpd(const char *file, int lac, int cdn_from_us)
{
	struct rp *r = rp_run(file, 7, 1, 2, lac, NULL);
	struct pair_side *sd = &r->n.s[1];

	ck_assert_int_eq(sd->tunnel_up, 1);
	ck_assert_int_eq(sd->sess_up, 1);
	ck_assert_int_eq(sd->sess_down, 1);
	/* The scripted side (us) sent CDN and StopCCN, acknowledged by xl2tpd. */
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_CDN], cdn_from_us);
	ck_assert_int_eq(sd->tx_by_type[L2TP_MSG_STOPCCN], 1);
	ck_assert_int_eq(l2tp_tunnel_state(sd->t), L2TP_TUNNEL_CLOSED);
	ck_assert_int_ge(r->compared, lac ? 6 : 4);
	ck_assert_str_eq(l2tp_tunnel_peer_host_name(sd->t), "kpeer-vm");
	rp_free(r);
}

START_TEST(test_xl2tpd_lac_we_lns)
{
	xl2tpd("xl2tpd-1.3.18/l2tpv2-lac-kernel.pcap", 0, 1);
	xl2tpd("xl2tpd-1.3.18/l2tpv2-lac-userspace.pcap", 0, 1);
}
END_TEST

START_TEST(test_xl2tpd_lns_we_lac)
{
	xl2tpd("xl2tpd-1.3.18/l2tpv2-lns-kernel.pcap", 1, 1);
	xl2tpd("xl2tpd-1.3.18/l2tpv2-lns-userspace.pcap", 1, 1);
	xl2tpd("xl2tpd-1.3.18/l2tpv2-lns-chap.pcap", 1, 1);
	xl2tpd("xl2tpd-1.3.18/l2tpv2-lns-pap.pcap", 1, 1);
}
END_TEST

/* freeRtr: both sides are freeRtr; the LAC drops the call without CDN at the end. */
static void freertr(const char *file, int lac, const char *secret)
{
	struct rp *r = rp_run(file, 0, lac ? 1 : 2, lac ? 2 : 1, lac, secret);
	struct pair_side *sd = &r->n.s[1];

	ck_assert_msg(sd->tunnel_up == 1, "%s lac %d", file, lac);
	ck_assert_int_eq(l2tp_tunnel_state(sd->t), L2TP_TUNNEL_ESTABLISHED);
	ck_assert_int_eq(sd->sess_up, 1);
	ck_assert_str_eq(l2tp_tunnel_peer_host_name(sd->t), lac ? "lns" : "lac");
	ck_assert_int_ge(r->compared, lac ? 4 : 2);
	rp_free(r);
}

START_TEST(test_freertr_both_roles)
{
	static const char *const files[] = {
	    "freertr/l2tpv2_bcp_no-multilink.pcap",
	    "freertr/l2tpv2_bcp_mp-long_mrru1600_frag512.pcap",
	    "freertr/l2tpv2_bcp_mp-short_mrru1600_frag256.pcap",
	    "freertr/l2tpv2_bcp_mp-long_mrru1600_frag512_vlan100-tagged.pcap",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		freertr(files[i], 0, NULL);
		freertr(files[i], 1, NULL);
	}
}
END_TEST

START_TEST(test_freertr_tunnel_secret)
{
	static const char file[] =
	    "freertr/l2tpv2_bcp_mp-long_frag512_tunnel-auth-secret-s3cret.pcap";
	struct rp *r;

	/* We verify freeRtr's response, and freeRtr accepted the one we compute. */
	freertr(file, 0, "s3cret");
	freertr(file, 1, "s3cret");
	/* With the wrong secret, our LNS refuses freeRtr's SCCCN and says why. */
	r = calloc(1, sizeof(*r));
	{
		struct pcapvec_stats st;

		pair_init_v2(&r->n, 1);
		memcpy(r->us, "\xc6\x12\x00\x02", 4);
		memcpy(r->peer, "\xc6\x12\x00\x01", 4);
		ck_assert_int_eq(pcapvec_each_in(file, prepass_cb, r, &st), 0);
		r->n.s[1].tunnel_id = r->our_tid;
		r->n.s[1].tp.secret = "wrong";
		ck_assert_int_eq(pcapvec_each_in(file, replay_cb, r, &st), 0);
	}
	ck_assert_int_eq(r->n.s[1].tunnel_up, 0);
	ck_assert_ptr_nonnull(strstr(r->n.s[1].log,
				     "tunnel authentication failed: wrong "
				     "tunnel-secret? (bad Challenge Response in SCCCN)"));
	ck_assert_uint_eq(l2tp_tunnel_stats(r->n.s[1].t)->auth_failed, 1);
	ck_assert_int_eq(r->n.s[1].tx_by_type[L2TP_MSG_STOPCCN], 1);
	rp_free(r);
}
END_TEST

START_TEST(test_freertr_lns_python_lac)
{
	/* We are the LAC (198.18.1.10) against the freeRtr LNS; it ends with CDNs. */
	struct rp *r = rp_run("freertr/hostattach_l2tpv2_python-smoke-lac-in-netns_to_freertr-lns_"
			      "real-tap.pcap",
			      1, 10, 1, 1, NULL);
	struct pair_side *sd = &r->n.s[1];

	ck_assert_int_eq(sd->tunnel_up, 1);
	ck_assert_int_eq(sd->sess_up, 1);
	ck_assert_int_eq(sd->sess_down, 1);
	ck_assert_ptr_nonnull(strstr(sd->sess_down_why[0], "peer sent CDN"));
	ck_assert_int_eq(l2tp_tunnel_state(sd->t), L2TP_TUNNEL_ESTABLISHED);
	rp_free(r);
}
END_TEST

static Suite *interop_suite(void)
{
	Suite *s = suite_create("l2tp_v2_interop");
	TCase *tc = tcase_create("replay");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_xl2tpd_lac_we_lns);
	tcase_add_test(tc, test_xl2tpd_lns_we_lac);
	tcase_add_test(tc, test_freertr_both_roles);
	tcase_add_test(tc, test_freertr_tunnel_secret);
	tcase_add_test(tc, test_freertr_lns_python_lac);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(interop_suite());
}
