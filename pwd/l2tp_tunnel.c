/*
 * The L2TP control connection (RFC 3931 §3.3, §7.2; RFC 2661 §7.2) as a pure
 * engine: one dispatcher (tun_dispatch) over named states and events, one
 * transition function (tun_change) that logs "A -> B on EVENT" and owns the
 * side effects.  Reliable delivery is l2tp_rel.c; the AVPs of each message
 * and the version's handshake checks are its struct l2tp_avpset
 * (l2tp_v3avp.c, l2tp_v2avp.c); sessions are l2tp_session.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp_engine.h"

enum tun_event {
	TE_START, /* l2tp_tunnel_start() */
	TE_RX_SCCRQ,
	TE_RX_SCCRP,
	TE_RX_SCCCN,
	TE_RX_STOPCCN,
	TE_STOP,	/* l2tp_tunnel_stop() */
	TE_FAIL,	/* a protocol error: StopCCN with t->fail_* */
	TE_GIVEUP,	/* retransmissions exhausted */
	TE_CLOSE_DONE,	/* StopCCN acknowledged, or the hold time is over */
	TE_TIE_LOST,	/* our SCCRQ lost the tie breaker */
	TE_TIE_RESTART, /* equal tie breakers: start over */
};

static const char *tun_event_name(enum tun_event e)
{
	switch (e) {
	case TE_START:
		return "start";
	case TE_RX_SCCRQ:
		return "SCCRQ";
	case TE_RX_SCCRP:
		return "SCCRP";
	case TE_RX_SCCCN:
		return "SCCCN";
	case TE_RX_STOPCCN:
		return "StopCCN";
	case TE_STOP:
		return "stop";
	case TE_FAIL:
		return "error";
	case TE_GIVEUP:
		return "give-up";
	case TE_CLOSE_DONE:
		return "close-done";
	case TE_TIE_LOST:
		return "lost-tie-breaker";
	case TE_TIE_RESTART:
		return "tie-restart";
	default:
		return "unknown";
	}
}

const char *l2tp_tunnel_state_name(enum l2tp_tunnel_state s)
{
	switch (s) {
	case L2TP_TUNNEL_IDLE:
		return "idle";
	case L2TP_TUNNEL_WAIT_CTL_REPLY:
		return "wait-ctl-reply";
	case L2TP_TUNNEL_WAIT_CTL_CONN:
		return "wait-ctl-conn";
	case L2TP_TUNNEL_ESTABLISHED:
		return "established";
	case L2TP_TUNNEL_CLOSING:
		return "closing";
	case L2TP_TUNNEL_CLOSED:
		return "closed";
	default:
		return "unknown";
	}
}

void l2tp_tunnel_params_default(struct l2tp_tunnel_params *p)
{
	struct l2tp_rel_params rp;

	l2tp_rel_params_default(&rp);
	memset(p, 0, sizeof(*p));
	p->version = 3;
	p->initiator = 1;
	snprintf(p->host_name, sizeof(p->host_name), "l2pwd");
	p->digest = L2TP_DIGEST_MD5;
	p->hello_interval_s = 60;
	p->rwin = rp.rwin;
	p->max_retries = rp.max_retries;
	p->rto_initial_ms = rp.rto_initial_ms;
	p->rto_max_ms = rp.rto_max_ms;
	p->ack_delay_ms = rp.ack_delay_ms;
	p->pw_caps[0] = L2TP_PWTYPE_ETH;
	p->pw_caps[1] = L2TP_PWTYPE_ETH_VLAN;
	p->n_pw_caps = 2;
	p->framing_caps = L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC;
}

/* ---- timers ---- */

uint64_t l2tp_tun_setup_ms(const struct l2tp_tunnel *t)
{
	return l2tp_rel_giveup_ms(&t->rel.p);
}

void l2tp_tun_rearm(struct l2tp_tunnel *t)
{
	uint64_t at = 0, d;

	if (t->state != L2TP_TUNNEL_CLOSED) {
		at = l2tp_rel_next_deadline(&t->rel);
		d = t->state == L2TP_TUNNEL_ESTABLISHED ? t->hello_at : 0;
		if (d && (!at || d < at))
			at = d;
		d = t->state == L2TP_TUNNEL_CLOSING ? t->close_at : 0;
		if (d && (!at || d < at))
			at = d;
		d = t->setup_at;
		if (d && (!at || d < at))
			at = d;
		d = l2tp_sess_deadline(t);
		if (d && (!at || d < at))
			at = d;
	}
	if (at == t->armed_at)
		return;
	t->armed_at = at;
	t->ops->arm_timer(t->ctx, at);
}

/* ---- the state machine ---- */

static int tun_live(enum l2tp_tunnel_state s)
{
	return s != L2TP_TUNNEL_CLOSING && s != L2TP_TUNNEL_CLOSED;
}

/* The one place that changes state and does what entering a state implies. */
static void tun_change(struct l2tp_tunnel *t, enum l2tp_tunnel_state next, enum tun_event ev,
		       const char *why)
{
	enum l2tp_tunnel_state prev = t->state;

	l2tp_tun_log(
	    t, next == L2TP_TUNNEL_CLOSING || next == L2TP_TUNNEL_CLOSED ? LOG_NOTICE : LOG_INFO,
	    "%s -> %s on %s%s%s", l2tp_tunnel_state_name(prev), l2tp_tunnel_state_name(next),
	    tun_event_name(ev), why ? ": " : "", why ? why : "");
	t->state = next;
	switch (next) {
	case L2TP_TUNNEL_IDLE:
		/* A restart after a tie: nothing of the old attempt survives. */
		l2tp_rel_reset(&t->rel);
		t->peer_id = 0;
		t->peer_nonce_len = 0;
		break;
	case L2TP_TUNNEL_WAIT_CTL_REPLY:
	case L2TP_TUNNEL_WAIT_CTL_CONN:
		/* A peer that acks our SCCRQ/SCCRP and says nothing more must not wedge us. */
		t->setup_at = t->now + l2tp_tun_setup_ms(t);
		break;
	case L2TP_TUNNEL_ESTABLISHED:
		t->setup_at = 0;
		t->last_rx = t->now;
		t->hello_at = t->p.hello_interval_s ? t->now + t->p.hello_interval_s * 1000ULL : 0;
		if (t->ops->tunnel_up)
			t->ops->tunnel_up(t->ctx, t);
		l2tp_sess_tunnel_up(t);
		break;
	case L2TP_TUNNEL_CLOSING:
	case L2TP_TUNNEL_CLOSED:
		t->setup_at = 0;
		if (tun_live(prev)) {
			if (why != t->down_why)
				snprintf(t->down_why, sizeof(t->down_why), "%s",
					 why ? why : "closed");
			l2tp_sess_tunnel_down(t, t->down_why);
			if (t->ops->tunnel_down)
				t->ops->tunnel_down(t->ctx, t, t->down_why);
		}
		if (next == L2TP_TUNNEL_CLOSING) {
			/*
			 * RFC 3931 §3.3: the receiver of a StopCCN keeps state for a
			 * full retransmission cycle (at least 31 s) to re-ack it; the
			 * sender waits for its ack (or gives up).
			 */
			uint64_t hold = l2tp_rel_giveup_ms(&t->rel.p);

			t->close_at = t->closer ? 0 : t->now + (hold > 31000 ? hold : 31000);
			break;
		}
		l2tp_rel_reset(&t->rel);
		t->close_at = t->hello_at = 0;
		l2tp_tun_rearm(t);
		if (t->ops->tunnel_closed)
			t->ops->tunnel_closed(t->ctx, t);
		break;
	default:
		break;
	}
}

static void tun_random(struct l2tp_tunnel *t, void *out, size_t len)
{
	memset(out, 0, len);
	t->ops->random(t->ctx, out, len);
}

static void tun_send_sccrq(struct l2tp_tunnel *t)
{
	t->initiator = 1;
	if (t->secret_len)
		tun_random(t, t->nonce, sizeof(t->nonce));
	if (t->tie_breaker == 0)
		tun_random(t, &t->tie_breaker, sizeof(t->tie_breaker));
	l2tp_tun_send_ctrl(t, L2TP_MSG_SCCRQ, 0, NULL);
}

/*
 * Take what an SCCRQ / SCCRP says about the peer, and let the version check
 * authentication (an SCCCN only has the latter).  Returns NULL, or why the
 * peer is not acceptable, with the StopCCN's result and error codes.
 */
static const char *tun_accept_peer(struct l2tp_tunnel *t, const struct l2tp_cmsg *m,
				   uint16_t *result, uint16_t *error)
{
	*error = L2TP_ERR_NONE;
	if (m->h.msg_type != L2TP_MSG_SCCCN) {
		t->peer_id = m->conn_id;
		snprintf(t->peer_host, sizeof(t->peer_host), "%s", m->host_name);
		t->peer_router_id = m->router_id;
		memcpy(t->peer_pw_caps, m->pw_caps, sizeof(t->peer_pw_caps));
		t->n_peer_pw_caps = m->n_pw_caps;
		l2tp_rel_set_peer_rwin(&t->rel, (m->has & L2TP_CM_RWIN) ? m->rwin : 0);
	}
	return t->avp->accept_peer(t, m, result, error);
}

static void tun_log_stopccn(struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	/* Result 4 during setup is how a peer says our secret is wrong (or missing). */
	int auth =
	    m->result.result == L2TP_STOPCCN_NOT_AUTHORIZED && t->state != L2TP_TUNNEL_ESTABLISHED;
	const char *hint = t->p.version == L2TP_VERSION_2
			       ? "tunnel authentication failed: wrong tunnel-secret? "
			       : "control message authentication failed: wrong secret? ";

	snprintf(t->down_why, sizeof(t->down_why), "%speer sent StopCCN: %s%s%s%s%s",
		 auth ? hint : "", l2tp_result_name(L2TP_MSG_STOPCCN, m->result.result),
		 m->result.has_error && m->result.error ? ", " : "",
		 m->result.has_error && m->result.error ? l2tp_error_name(m->result.error) : "",
		 m->result_msg[0] ? ": " : "", m->result_msg);
}

static void tun_send_stopccn(struct l2tp_tunnel *t, uint16_t result, uint16_t error,
			     const char *msg)
{
	t->closer = 1;
	t->fail_error = error;
	l2tp_tun_send_ctrl(t, L2TP_MSG_STOPCCN, result, msg);
}

/* The dispatcher: every (state, event) pair lands in one place. */
static void tun_dispatch(struct l2tp_tunnel *t, enum tun_event ev, const struct l2tp_cmsg *m,
			 const char *why)
{
	enum l2tp_tunnel_state s = t->state;
	uint16_t result, error;
	const char *bad;

	/* Events every live state handles alike. */
	if (tun_live(s)) {
		switch (ev) {
		case TE_RX_STOPCCN:
			tun_log_stopccn(t, m);
			t->closer = 0;
			/* §6.4: it names the sender's connection, so we can ack it before SCCRP. */
			if (t->peer_id == 0 && (m->has & L2TP_CM_CONN_ID))
				t->peer_id = m->conn_id;
			tun_change(t, L2TP_TUNNEL_CLOSING, ev, t->down_why);
			/* Ack it now: the peer may be waiting for nothing else. */
			l2tp_rel_ack_now(&t->rel);
			return;
		case TE_STOP:
			tun_send_stopccn(t, t->fail_result, 0, why);
			tun_change(t, L2TP_TUNNEL_CLOSING, ev, why);
			return;
		case TE_FAIL:
			tun_send_stopccn(t, t->fail_result, t->fail_error, why);
			tun_change(t, L2TP_TUNNEL_CLOSING, ev, why);
			return;
		case TE_GIVEUP:
			tun_change(t, L2TP_TUNNEL_CLOSED, ev, why);
			return;
		default:
			break;
		}
	}
	switch (s) {
	case L2TP_TUNNEL_IDLE:
		switch (ev) {
		case TE_START:
			tun_send_sccrq(t);
			tun_change(t, L2TP_TUNNEL_WAIT_CTL_REPLY, ev, NULL);
			return;
		case TE_RX_SCCRQ:
			t->initiator = 0;
			if (t->secret_len)
				tun_random(t, t->nonce, sizeof(t->nonce));
			bad = tun_accept_peer(t, m, &result, &error);
			if (bad != NULL)
				break;
			l2tp_tun_send_ctrl(t, L2TP_MSG_SCCRP, 0, NULL);
			tun_change(t, L2TP_TUNNEL_WAIT_CTL_CONN, ev, NULL);
			return;
		default:
			goto unexpected;
		}
		goto refuse;
	case L2TP_TUNNEL_WAIT_CTL_REPLY:
		switch (ev) {
		case TE_RX_SCCRP:
			bad = tun_accept_peer(t, m, &result, &error);
			if (bad != NULL)
				goto refuse;
			l2tp_tun_send_ctrl(t, L2TP_MSG_SCCCN, 0, NULL);
			tun_change(t, L2TP_TUNNEL_ESTABLISHED, ev, NULL);
			return;
		case TE_TIE_LOST:
			t->initiator = 0;
			tun_change(t, L2TP_TUNNEL_IDLE, ev, NULL);
			return;
		case TE_TIE_RESTART:
			t->tie_breaker = 0;
			tun_change(t, L2TP_TUNNEL_IDLE, ev, NULL);
			tun_dispatch(t, TE_START, NULL, NULL);
			return;
		default:
			goto unexpected;
		}
	case L2TP_TUNNEL_WAIT_CTL_CONN:
		switch (ev) {
		case TE_RX_SCCCN:
			bad = tun_accept_peer(t, m, &result, &error);
			if (bad != NULL)
				goto refuse;
			tun_change(t, L2TP_TUNNEL_ESTABLISHED, ev, NULL);
			return;
		default:
			goto unexpected;
		}
	case L2TP_TUNNEL_ESTABLISHED:
		goto unexpected;
	case L2TP_TUNNEL_CLOSING:
		switch (ev) {
		case TE_CLOSE_DONE:
		case TE_GIVEUP:
			tun_change(t, L2TP_TUNNEL_CLOSED, ev, why);
			return;
		case TE_RX_STOPCCN:
			/* Both sides closed at once: ours is still being acked. */
			l2tp_rel_ack_now(&t->rel);
			return;
		default:
			goto unexpected;
		}
	case L2TP_TUNNEL_CLOSED:
	default:
		goto unexpected;
	}
refuse:
	/* The peer's SCCRQ / SCCRP / SCCCN is not acceptable: StopCCN. */
	t->fail_result = result;
	t->fail_error = error;
	tun_dispatch(t, TE_FAIL, m, bad);
	return;
unexpected:
	t->st.drop_bad_state++;
	l2tp_tun_log_rl(t, &t->rl_drop, "unexpected %s in state %s", tun_event_name(ev),
			l2tp_tunnel_state_name(s));
	/*
	 * RFC 3931 §7.2 (RFC 2661 §7.2.1 tables): a control connection message
	 * out of place clears a live control connection.  Local events only log.
	 */
	if (tun_live(s) && m != NULL && ev != TE_RX_STOPCCN) {
		t->fail_result = L2TP_STOPCCN_FSM_ERROR;
		t->fail_error = 0;
		tun_dispatch(t, TE_FAIL, m, "unexpected control connection message");
	}
}

static void tun_fail_ev(struct l2tp_tunnel *t, uint16_t result, uint16_t error, const char *why)
{
	t->fail_result = result;
	t->fail_error = error;
	tun_dispatch(t, TE_FAIL, NULL, why);
}

/* ---- receiving ---- */

static int tun_known_type(const struct l2tp_tunnel *t, uint16_t type)
{
	/* The explicit ACK is L2TPv3's (RFC 3931 §6.1); RFC 2661 has no type 20. */
	if (type == L2TP_MSG_ACK)
		return t->p.version == L2TP_VERSION_3;
	switch (type) {
	case L2TP_MSG_SCCRQ:
	case L2TP_MSG_SCCRP:
	case L2TP_MSG_SCCCN:
	case L2TP_MSG_STOPCCN:
	case L2TP_MSG_HELLO:
	case L2TP_MSG_ICRQ:
	case L2TP_MSG_ICRP:
	case L2TP_MSG_ICCN:
	case L2TP_MSG_CDN:
	case L2TP_MSG_SLI:
	/* Known, so answered (CDN, or dropped as for an unknown session), not fatal. */
	case L2TP_MSG_OCRQ:
	case L2TP_MSG_OCRP:
	case L2TP_MSG_OCCN:
	case L2TP_MSG_WEN:
		return 1;
	default:
		return 0;
	}
}

/* An in-order, authenticated message: act on it. */
static void tun_process(struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	uint16_t type = m->h.msg_type, result, error;
	const char *missing;
	char why[160];

	if (m->h.msg_vendor != L2TP_VENDOR_IETF || !tun_known_type(t, type)) {
		/* RFC 3931 §5.2 / RFC 2661 §4.4.1: unknown + M bit clears the connection. */
		t->st.drop_bad_state++;
		if (!m->h.msg_mandatory)
			return;
		snprintf(why, sizeof(why), "unknown mandatory message type %u", type);
		tun_fail_ev(t, L2TP_STOPCCN_GENERAL_ERROR, L2TP_ERR_UNKNOWN_MANDATORY_AVP, why);
		return;
	}
	if (l2tp_msg_is_session(type)) {
		if (t->state != L2TP_TUNNEL_ESTABLISHED) {
			t->st.drop_bad_state++;
			l2tp_tun_log_rl(t, &t->rl_drop, "%s while %s: dropped", l2tp_msg_name(type),
					l2tp_tunnel_state_name(t->state));
			return;
		}
		l2tp_sess_rx(t, m);
		return;
	}
	if (m->has & L2TP_CM_UNKNOWN_M) {
		t->st.unknown_mandatory++;
		l2tp_unknown_mandatory_action(type, &result, &error);
		snprintf(why, sizeof(why), "unknown mandatory AVP %u in %s", m->unknown_type,
			 l2tp_msg_name(type));
		tun_fail_ev(t, result, error, why);
		return;
	}
	missing = l2tp_avpset_missing(t->avp, m);
	if (missing != NULL) {
		t->st.drop_missing_avp++;
		snprintf(why, sizeof(why), "%s without mandatory AVP %s", l2tp_msg_name(type),
			 missing);
		tun_fail_ev(t, L2TP_STOPCCN_GENERAL_ERROR, L2TP_ERR_NONE, why);
		return;
	}
	switch (type) {
	case L2TP_MSG_SCCRQ:
		tun_dispatch(t, TE_RX_SCCRQ, m, NULL);
		break;
	case L2TP_MSG_SCCRP:
		tun_dispatch(t, TE_RX_SCCRP, m, NULL);
		break;
	case L2TP_MSG_SCCCN:
		tun_dispatch(t, TE_RX_SCCCN, m, NULL);
		break;
	case L2TP_MSG_STOPCCN:
		tun_dispatch(t, TE_RX_STOPCCN, m, NULL);
		break;
	case L2TP_MSG_HELLO:
	default:
		/* HELLO only needs its acknowledgement (RFC 3931 §6.5). */
		break;
	}
}

/* Header and AVPs into m.  -1: malformed (counted, logged). */
static int tun_parse(struct l2tp_tunnel *t, const uint8_t *pkt, size_t len, struct l2tp_cmsg *m)
{
	struct buf b, avps;
	enum l2tp_hdr_err herr = L2TP_HDR_OK;
	const char *why = NULL;

	memset(m, 0, sizeof(*m));
	buf_init(&b, pkt, len);
	if (l2tp_ctrl_parse(&b, &m->h, &avps, &herr) == -1)
		why = l2tp_hdr_err_name(herr);
	else if (m->h.version != t->p.version)
		why = "wrong protocol version";
	else if (m->h.msg_type != L2TP_MSG_ZLB && t->avp->parse(t, &avps, m, &why) == -1 &&
		 why == NULL)
		why = "bad AVP";
	if (why != NULL) {
		t->st.drop_malformed++;
		l2tp_tun_log_rl(t, &t->rl_drop, "malformed control message dropped: %s", why);
		return -1;
	}
	m->pkt = pkt;
	m->len = m->h.length;
	return 0;
}

/*
 * RFC 3931 §4.3 / §5.4.1.  Returns 0 when the message may go on, -1 when it
 * is dropped (counted).  *refuse is set for an SCCRQ/SCCRP whose peer does not
 * authenticate the way we do: it is accepted into the sequence and answered
 * with a StopCCN by tun_accept_peer().
 */
static int tun_auth(struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	uint16_t type = m->h.msg_type;
	/*
	 * The SCCRQ/SCCRP carry the nonces, so they are checked against those;
	 * a StopCCN answering our SCCRQ may come from a peer without a secret:
	 * taken unauthenticated then, so that we can say why it refused.
	 */
	int handshake = type == L2TP_MSG_SCCRQ || type == L2TP_MSG_SCCRP ||
			(type == L2TP_MSG_STOPCCN && t->state == L2TP_TUNNEL_WAIT_CTL_REPLY &&
			 !(m->has & L2TP_CM_DIGEST));
	const uint8_t *peer_nonce = handshake ? m->nonce : t->peer_nonce;
	size_t peer_len = handshake ? m->nonce_len : t->peer_nonce_len;
	enum l2tp_digest_err err = L2TP_DIGEST_OK;
	struct buf b;

	/* v2 tunnel authentication is in the handshake itself (accept_peer). */
	if (!l2tp_tun_signs(t))
		return 0;
	if (type == L2TP_MSG_ZLB) {
		/*
		 * §6.1: ZLBs are not permitted with authentication; they prove
		 * nothing.  Except the ack of the StopCCN with which we refused a
		 * peer that does not authenticate: it can only end what we ended.
		 */
		if (t->state == L2TP_TUNNEL_CLOSING && t->closer && t->peer_nonce_len == 0)
			return 0;
		t->st.drop_digest++;
		return -1;
	}
	if (!(m->has & L2TP_CM_DIGEST))
		return handshake ? 0 : (t->st.drop_digest++, -1);
	if (!handshake && t->peer_nonce_len == 0) {
		/* Ahead of the SCCRQ/SCCRP that brings the peer's nonce: it will come again. */
		t->st.drop_bad_state++;
		return -1;
	}
	buf_init(&b, m->pkt, m->len);
	if (l2tp_digest_verify(&b, t->key, peer_nonce, peer_len, t->nonce, sizeof(t->nonce),
			       &err) == 0)
		return 0;
	t->st.drop_digest++;
	l2tp_tun_log_rl(t, &t->rl_digest, "message digest mismatch: wrong secret? (%s %s)",
			l2tp_msg_name(type), l2tp_digest_err_name(err));
	return -1;
}

static int tun_conn_id_ok(const struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	if (m->h.conn_id == t->local_id)
		return 1;
	/* A new SCCRQ is addressed to connection 0 (RFC 3931 §3.2.1). */
	return m->h.conn_id == 0 && m->h.msg_type == L2TP_MSG_SCCRQ &&
	       t->state == L2TP_TUNNEL_IDLE && !t->initiator;
}

static void tun_after_input(struct l2tp_tunnel *t)
{
	if (t->state == L2TP_TUNNEL_CLOSING && t->closer && l2tp_rel_idle(&t->rel))
		tun_dispatch(t, TE_CLOSE_DONE, NULL, "StopCCN acknowledged");
	l2tp_tun_rearm(t);
}

int l2tp_tunnel_input(struct l2tp_tunnel *t, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct l2tp_cmsg *m;
	uint8_t *held;
	size_t hlen;
	enum l2tp_rel_verdict v;
	int rc = -1, is_ack;

	t->now = now;
	if (t->state == L2TP_TUNNEL_CLOSED) {
		t->st.drop_bad_state++;
		return -1;
	}
	m = malloc(sizeof(*m) + L2TP_ENG_MAX_MSG);
	if (m == NULL)
		return -1;
	held = (uint8_t *)(m + 1);
	if (tun_parse(t, pkt, len, m) == -1)
		goto out;
	if (!tun_conn_id_ok(t, m)) {
		t->st.drop_malformed++;
		l2tp_tun_log_rl(t, &t->rl_drop, "%s for control connection %u dropped",
				l2tp_msg_name(m->h.msg_type), m->h.conn_id);
		goto out;
	}
	if (tun_auth(t, m) == -1)
		goto out;
	t->st.ctrl_rx++;
	t->last_rx = now;
	is_ack = m->h.msg_type == L2TP_MSG_ZLB ||
		 (m->h.msg_type == L2TP_MSG_ACK && t->p.version == L2TP_VERSION_3);
	v = l2tp_rel_recv(&t->rel, pkt, m->len, is_ack, now);
	switch (v) {
	case L2TP_REL_DELIVER:
		tun_process(t, m);
		/* Held messages were authenticated when they arrived. */
		while (t->state != L2TP_TUNNEL_CLOSED &&
		       (hlen = l2tp_rel_next_held(&t->rel, held, L2TP_ENG_MAX_MSG, now)) > 0) {
			if (tun_parse(t, held, hlen, m) == 0)
				tun_process(t, m);
		}
		rc = 0;
		break;
	case L2TP_REL_ACK_ONLY:
	case L2TP_REL_HELD:
		rc = 0;
		break;
	case L2TP_REL_DUPLICATE:
		t->st.drop_duplicate++;
		break;
	case L2TP_REL_OUT_OF_WINDOW:
	default:
		t->st.drop_out_of_window++;
		break;
	}
	tun_after_input(t);
out:
	free(m);
	return rc;
}

void l2tp_tunnel_timeout(struct l2tp_tunnel *t, uint64_t now)
{
	uint16_t type = 0;
	char why[128];

	t->now = now;
	if (t->state == L2TP_TUNNEL_CLOSED)
		return;
	if (l2tp_rel_timeout(&t->rel, now, &type) == -1) {
		snprintf(why, sizeof(why), "peer not responding: %u retransmissions of %s",
			 t->rel.p.max_retries, l2tp_msg_name(type));
		tun_dispatch(t, TE_GIVEUP, NULL, why);
	}
	if (t->state == L2TP_TUNNEL_CLOSING && t->close_at && now >= t->close_at)
		tun_dispatch(t, TE_CLOSE_DONE, NULL, "hold time over");
	if (t->state == L2TP_TUNNEL_ESTABLISHED)
		l2tp_sess_timeout(t);
	if (t->setup_at && now >= t->setup_at) {
		snprintf(why, sizeof(why), "no answer in %s", l2tp_tunnel_state_name(t->state));
		tun_fail_ev(t, L2TP_STOPCCN_FSM_ERROR, L2TP_ERR_NONE, why);
	}
	if (t->state == L2TP_TUNNEL_ESTABLISHED && t->hello_at && now >= t->hello_at) {
		uint64_t idle_until = t->last_rx + t->p.hello_interval_s * 1000ULL;

		if (now < idle_until) {
			t->hello_at = idle_until;
		} else {
			/* §6.5: a HELLO after hello-interval of silence; the
			 * retransmissions of anything in flight probe already. */
			if (l2tp_rel_idle(&t->rel))
				l2tp_tun_send_ctrl(t, L2TP_MSG_HELLO, 0, NULL);
			t->hello_at = now + t->p.hello_interval_s * 1000ULL;
		}
	}
	tun_after_input(t);
}

/* ---- API ---- */

struct l2tp_tunnel *l2tp_tunnel_new(const struct l2tp_tunnel_params *p, uint32_t local_tunnel_id,
				    const struct l2tp_tunnel_ops *ops, void *ctx)
{
	struct l2tp_tunnel *t;
	struct l2tp_rel_params rp;

	if ((p->version != L2TP_VERSION_3 && p->version != L2TP_VERSION_2) ||
	    local_tunnel_id == 0 || (p->version == L2TP_VERSION_2 && local_tunnel_id > UINT16_MAX))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->p = *p;
	t->p.host_name[sizeof(t->p.host_name) - 1] = '\0';
	if (p->secret != NULL && p->secret[0] != '\0') {
		snprintf(t->secret, sizeof(t->secret), "%s", p->secret);
		t->secret_len = strlen(t->secret);
		l2tp_digest_key(t->secret, t->secret_len, t->key);
	}
	t->p.secret = NULL; /* ours is the copy: the caller's string may go */
	t->ops = ops;
	t->ctx = ctx;
	t->avp = p->version == L2TP_VERSION_2 ? &l2tp_v2avp_set : &l2tp_v3avp_set;
	t->local_id = local_tunnel_id;
	t->initiator = p->initiator;
	t->tie_breaker = p->tie_breaker;
	t->next_serial = 1;
	l2tp_rel_params_default(&rp);
	rp.rwin = p->rwin ? p->rwin : rp.rwin;
	rp.max_retries = p->max_retries;
	rp.rto_initial_ms = p->rto_initial_ms ? p->rto_initial_ms : rp.rto_initial_ms;
	rp.rto_max_ms = p->rto_max_ms ? p->rto_max_ms : rp.rto_max_ms;
	rp.ack_delay_ms = p->ack_delay_ms ? p->ack_delay_ms : rp.ack_delay_ms;
	l2tp_rel_init(&t->rel, &rp, &l2tp_tun_rel_cb, t);
	t->state = L2TP_TUNNEL_IDLE;
	return t;
}

void l2tp_tunnel_free(struct l2tp_tunnel *t)
{
	if (t == NULL)
		return;
	l2tp_sess_free_all(t);
	l2tp_rel_reset(&t->rel);
	free(t);
}

void l2tp_tunnel_start(struct l2tp_tunnel *t, uint64_t now)
{
	t->now = now;
	tun_dispatch(t, TE_START, NULL, NULL);
	l2tp_tun_rearm(t);
}

void l2tp_tunnel_stop(struct l2tp_tunnel *t, uint16_t result, const char *msg, uint64_t now)
{
	t->now = now;
	if (!tun_live(t->state))
		return; /* already going or gone */
	if (t->state == L2TP_TUNNEL_IDLE && t->rel.ns_next == 0) {
		/* Nothing was ever sent: nobody to tell. */
		tun_change(t, L2TP_TUNNEL_CLOSED, TE_STOP, msg);
		return;
	}
	t->fail_result = result ? result : L2TP_STOPCCN_GENERAL_REQUEST;
	tun_dispatch(t, TE_STOP, NULL, msg ? msg : "administratively stopped");
	tun_after_input(t);
}

enum l2tp_tie l2tp_tunnel_tie_break(struct l2tp_tunnel *mine, const struct l2tp_ctrl_peek *theirs,
				    uint64_t now)
{
	mine->now = now;
	if (theirs->msg_type != L2TP_MSG_SCCRQ)
		return L2TP_TIE_NONE;
	/* A retransmitted SCCRQ of the connection we already have with this peer. */
	if (mine->peer_id != 0 && theirs->assigned_id == mine->peer_id && tun_live(mine->state))
		return L2TP_TIE_KEEP_MINE;
	if (mine->state != L2TP_TUNNEL_WAIT_CTL_REPLY)
		return L2TP_TIE_NONE;
	/* §5.4.3: the side that sent a Tie Breaker wins over one that did not; lower wins. */
	if (!theirs->has_tie_breaker || mine->tie_breaker < theirs->tie_breaker)
		return L2TP_TIE_KEEP_MINE;
	if (mine->tie_breaker == theirs->tie_breaker) {
		tun_dispatch(mine, TE_TIE_RESTART, NULL, NULL);
		l2tp_tun_rearm(mine);
		return L2TP_TIE_RESTART;
	}
	tun_dispatch(mine, TE_TIE_LOST, NULL, NULL);
	l2tp_tun_rearm(mine);
	return L2TP_TIE_KEEP_THEIRS;
}

enum l2tp_tunnel_state l2tp_tunnel_state(const struct l2tp_tunnel *t)
{
	return t->state;
}

uint32_t l2tp_tunnel_local_id(const struct l2tp_tunnel *t)
{
	return t->local_id;
}

uint32_t l2tp_tunnel_peer_id(const struct l2tp_tunnel *t)
{
	return t->peer_id;
}

uint8_t l2tp_tunnel_version(const struct l2tp_tunnel *t)
{
	return t->p.version;
}

const char *l2tp_tunnel_peer_host_name(const struct l2tp_tunnel *t)
{
	return t->peer_host;
}

const struct l2tp_tunnel_stats *l2tp_tunnel_stats(const struct l2tp_tunnel *t)
{
	struct l2tp_tunnel *w = (struct l2tp_tunnel *)(uintptr_t)t;

	w->st.retransmits = t->rel.st.retransmits;
	return &t->st;
}
