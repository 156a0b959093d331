/*
 * L2TP sessions: the incoming-call FSM of RFC 3931 §7.3 (ICRQ sender) and
 * §7.4 (ICRQ receiver), the same as RFC 2661 §7.4.1 (LAC) and §7.5.1
 * (LNS), with one dispatcher (sess_dispatch) and one transition function
 * (sess_change).  What a session agrees is the version's (negotiate in
 * l2tp_v3avp.c: pseudowire cookies, sublayer, sequencing; l2tp_v2avp.c:
 * the PPP call).  Outgoing calls (OCRQ) are refused with a CDN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp_engine.h"

enum sess_event {
	SE_OPEN, /* l2tp_session_open() */
	SE_TUNNEL_UP,
	SE_RX_ICRQ,
	SE_RX_ICRP,
	SE_RX_ICCN,
	SE_RX_CDN,
	SE_RX_SLI,
	SE_RX_WEN,
	SE_CLOSE, /* l2tp_session_close() */
	SE_FAIL,  /* a negotiation or protocol error: CDN with s->fail_* */
	SE_TUNNEL_DOWN,
};

static const char *sess_event_name(enum sess_event e)
{
	switch (e) {
	case SE_OPEN:
		return "open";
	case SE_TUNNEL_UP:
		return "tunnel-up";
	case SE_RX_ICRQ:
		return "ICRQ";
	case SE_RX_ICRP:
		return "ICRP";
	case SE_RX_ICCN:
		return "ICCN";
	case SE_RX_CDN:
		return "CDN";
	case SE_RX_SLI:
		return "SLI";
	case SE_RX_WEN:
		return "WEN";
	case SE_CLOSE:
		return "close";
	case SE_FAIL:
		return "error";
	case SE_TUNNEL_DOWN:
		return "tunnel-down";
	default:
		return "unknown";
	}
}

const char *l2tp_session_state_name(enum l2tp_session_state s)
{
	switch (s) {
	case L2TP_SESSION_IDLE:
		return "idle";
	case L2TP_SESSION_WAIT_TUNNEL:
		return "wait-tunnel";
	case L2TP_SESSION_WAIT_REPLY:
		return "wait-reply";
	case L2TP_SESSION_WAIT_CONNECT:
		return "wait-connect";
	case L2TP_SESSION_ESTABLISHED:
		return "established";
	case L2TP_SESSION_CLOSED:
		return "closed";
	default:
		return "unknown";
	}
}

static void sess_unlink(struct l2tp_session *s)
{
	struct l2tp_session **pp;

	for (pp = &s->t->sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

/*
 * The one place that changes a session's state.  Entering CLOSED tells the
 * daemon (session_down) and frees the session: callers must not touch s
 * after a change to CLOSED.
 */
static void sess_change(struct l2tp_session *s, enum l2tp_session_state next, enum sess_event ev,
			const char *why)
{
	struct l2tp_tunnel *t = s->t;
	enum l2tp_session_state prev = s->state;

	l2tp_tun_log(t, next == L2TP_SESSION_CLOSED ? LOG_NOTICE : LOG_INFO,
		     "session %u/%u: %s -> %s on %s%s%s", s->p.local_session_id,
		     s->info.peer_session_id, l2tp_session_state_name(prev),
		     l2tp_session_state_name(next), sess_event_name(ev), why ? ": " : "",
		     why ? why : "");
	s->state = next;
	/* ICRQ / ICRP answered by nothing but acks must not wedge the session. */
	s->setup_at = next == L2TP_SESSION_WAIT_REPLY || next == L2TP_SESSION_WAIT_CONNECT
			  ? t->now + l2tp_tun_setup_ms(t)
			  : 0;
	switch (next) {
	case L2TP_SESSION_WAIT_REPLY:
		s->initiator = 1;
		s->serial = s->p.v2.serial ? s->p.v2.serial : t->next_serial++;
		/* The Session Tie Breaker is ours for v3 pseudowires; v2 calls do not collide. */
		if (t->p.version == L2TP_VERSION_3)
			t->ops->random(t->ctx, &s->tie_breaker, sizeof(s->tie_breaker));
		l2tp_tun_send_session(s, L2TP_MSG_ICRQ, 0, NULL);
		break;
	case L2TP_SESSION_WAIT_CONNECT:
		l2tp_tun_send_session(s, L2TP_MSG_ICRP, 0, NULL);
		break;
	case L2TP_SESSION_ESTABLISHED:
		if (s->initiator)
			l2tp_tun_send_session(s, L2TP_MSG_ICCN, 0, NULL);
		if (t->ops->session_up)
			t->ops->session_up(t->ctx, s);
		break;
	case L2TP_SESSION_CLOSED:
		sess_unlink(s);
		if (t->ops->session_down)
			t->ops->session_down(t->ctx, s, why ? why : "closed");
		free(s);
		break;
	case L2TP_SESSION_IDLE:
	case L2TP_SESSION_WAIT_TUNNEL:
	default:
		break;
	}
}

/* Send CDN for a session the peer knows, then close it. */
static void sess_cdn_close(struct l2tp_session *s, enum sess_event ev, uint16_t result,
			   const char *why)
{
	/* The peer knows the session once it sent or got an ICRQ for it. */
	if (s->state == L2TP_SESSION_WAIT_REPLY || s->state == L2TP_SESSION_WAIT_CONNECT ||
	    s->state == L2TP_SESSION_ESTABLISHED ||
	    (s->state == L2TP_SESSION_IDLE && s->info.peer_session_id != 0))
		l2tp_tun_send_session(s, L2TP_MSG_CDN, result, why);
	sess_change(s, L2TP_SESSION_CLOSED, ev, why);
}

/*
 * The peer's ICRQ, ICRP or ICCN: what it says is agreed by the version's
 * negotiate (s->info), then the session goes on to next, or is refused
 * with a CDN saying why.
 */
static void sess_agree(struct l2tp_session *s, enum sess_event ev, const struct l2tp_cmsg *m,
		       enum l2tp_session_state next)
{
	char why[160];
	uint16_t res;

	if (s->t->avp->negotiate(s, m, &res, why, sizeof(why)) == -1) {
		sess_cdn_close(s, SE_FAIL, res, why);
		return;
	}
	/* Either version: the peer's session id goes in every message we send it; 0 is none. */
	if (s->info.peer_session_id == 0) {
		sess_cdn_close(s, SE_FAIL, L2TP_CDN_GENERAL_ERROR, "peer assigned session id 0");
		return;
	}
	sess_change(s, next, ev, NULL);
}

/* The dispatcher: every (state, event) pair of a session lands here. */
static void sess_dispatch(struct l2tp_session *s, enum sess_event ev, const struct l2tp_cmsg *m,
			  uint16_t result, const char *why)
{
	struct l2tp_tunnel *t = s->t;
	char buf[160];

	/* Events every state handles alike. */
	switch (ev) {
	case SE_RX_CDN:
		snprintf(buf, sizeof(buf), "peer sent CDN: %s%s%s%s%s",
			 l2tp_result_name(L2TP_MSG_CDN, m->result.result),
			 m->result.has_error && m->result.error ? ", " : "",
			 m->result.has_error && m->result.error ? l2tp_error_name(m->result.error)
								: "",
			 m->result_msg[0] ? ": " : "", m->result_msg);
		sess_change(s, L2TP_SESSION_CLOSED, ev, buf);
		return;
	case SE_CLOSE:
	case SE_FAIL:
		sess_cdn_close(s, ev, result, why);
		return;
	case SE_TUNNEL_DOWN:
		sess_change(s, L2TP_SESSION_CLOSED, ev, why);
		return;
	default:
		break;
	}
	switch (s->state) {
	case L2TP_SESSION_IDLE:
		if (ev == SE_OPEN) {
			sess_change(s,
				    t->state == L2TP_TUNNEL_ESTABLISHED ? L2TP_SESSION_WAIT_REPLY
									: L2TP_SESSION_WAIT_TUNNEL,
				    ev, NULL);
			return;
		}
		if (ev == SE_RX_ICRQ) {
			sess_agree(s, ev, m, L2TP_SESSION_WAIT_CONNECT);
			return;
		}
		break;
	case L2TP_SESSION_WAIT_TUNNEL:
		if (ev == SE_TUNNEL_UP) {
			sess_change(s, L2TP_SESSION_WAIT_REPLY, ev, NULL);
			return;
		}
		break;
	case L2TP_SESSION_WAIT_REPLY:
		if (ev == SE_RX_ICRP) {
			sess_agree(s, ev, m, L2TP_SESSION_ESTABLISHED);
			return;
		}
		break;
	case L2TP_SESSION_WAIT_CONNECT:
		if (ev == SE_RX_ICCN) {
			sess_agree(s, ev, m, L2TP_SESSION_ESTABLISHED);
			return;
		}
		break;
	case L2TP_SESSION_ESTABLISHED:
		if (ev == SE_RX_SLI && t->p.version == L2TP_VERSION_2) {
			/* RFC 2661 §6.14: the ACCM the PPP peer negotiated, for async LACs. */
			l2tp_tun_log(t, LOG_INFO, "session %u/%u: peer ACCM send %08x recv %08x",
				     s->p.local_session_id, s->info.peer_session_id, m->accm_send,
				     m->accm_recv);
			return;
		}
		if (ev == SE_RX_SLI) {
			/* RFC 3931 §6.15: circuit status only; the pseudowire stays. */
			l2tp_tun_log(t, LOG_INFO, "session %u/%u: peer circuit %s",
				     s->p.local_session_id, s->info.peer_session_id,
				     (m->circuit & 1) ? "up" : "down");
			return;
		}
		if (ev == SE_RX_WEN) {
			/* RFC 2661 §6.13 / RFC 3931 §6.14: error counters, informational. */
			l2tp_tun_log(t, LOG_INFO, "session %u/%u: peer reports WAN errors",
				     s->p.local_session_id, s->info.peer_session_id);
			return;
		}
		break;
	case L2TP_SESSION_CLOSED:
	default:
		break;
	}
	t->st.drop_bad_state++;
	l2tp_tun_log_rl(t, &t->rl_drop, "session %u/%u: unexpected %s in state %s",
			s->p.local_session_id, s->info.peer_session_id, sess_event_name(ev),
			l2tp_session_state_name(s->state));
	/* RFC 3931 §7.3/§7.4 tables: a message out of place clears the session. */
	if (m != NULL)
		sess_cdn_close(s, SE_FAIL, L2TP_CDN_FSM_ERROR, "unexpected message");
}

static struct l2tp_session *sess_new(struct l2tp_tunnel *t, const struct l2tp_session_params *p)
{
	struct l2tp_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->t = t;
	s->p = *p;
	s->state = L2TP_SESSION_IDLE;
	s->info.local_session_id = p->local_session_id;
	s->info.version = t->p.version;
	s->next = t->sessions;
	t->sessions = s;
	return s;
}

static struct l2tp_session *sess_find(struct l2tp_tunnel *t, uint32_t local_sid)
{
	struct l2tp_session *s;

	for (s = t->sessions; s != NULL; s = s->next)
		if (s->p.local_session_id == local_sid)
			return s;
	return NULL;
}

static struct l2tp_session *sess_find_peer(struct l2tp_tunnel *t, uint32_t peer_sid)
{
	struct l2tp_session *s;

	for (s = t->sessions; s != NULL; s = s->next)
		if (!s->initiator && s->info.peer_session_id == peer_sid)
			return s;
	return NULL;
}

/* Answer an ICRQ / OCRQ we will not take with a CDN (no session is kept). */
static void sess_refuse(struct l2tp_tunnel *t, const struct l2tp_cmsg *m, uint16_t result,
			uint16_t error, const char *why)
{
	struct l2tp_session tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.t = t;
	tmp.info.peer_session_id = m->local_sid;
	tmp.cdn_error = error;
	t->st.refused_calls++;
	if (t->p.version == L2TP_VERSION_2)
		l2tp_tun_log(t, LOG_NOTICE, "%s from session %u (call serial %u) refused: %s",
			     l2tp_msg_name(m->h.msg_type), m->local_sid, m->serial, why);
	else
		l2tp_tun_log(t, LOG_NOTICE, "%s for Remote End ID %u refused: %s",
			     l2tp_msg_name(m->h.msg_type), m->remote_end_id, why);
	l2tp_tun_send_session(&tmp, L2TP_MSG_CDN, result, why);
}

/* Whether a session id fits the version (v2 ids are 16 bits) and is free. */
static int sess_id_ok(struct l2tp_tunnel *t, const struct l2tp_session_params *p)
{
	if (p->local_session_id == 0 || sess_find(t, p->local_session_id) != NULL)
		return 0;
	if (t->p.version == L2TP_VERSION_2)
		return p->local_session_id <= UINT16_MAX;
	return p->cookie_len == 0 || p->cookie_len == 4 || p->cookie_len == 8;
}

/* Ask the daemon whether it takes the call; 0 with *p filled, or -1 with why. */
static int sess_ask(struct l2tp_tunnel *t, const struct l2tp_cmsg *m, struct l2tp_session_params *p,
		    const char **why)
{
	if (t->p.version == L2TP_VERSION_2 && t->ops->call_request != NULL)
		return t->ops->call_request(t->ctx, t, &m->call, p, why);
	if (t->ops->session_request == NULL)
		return -1;
	if (t->p.version == L2TP_VERSION_2)
		return t->ops->session_request(t->ctx, t, 0, L2TP_PWTYPE_PPP, p, why);
	return t->ops->session_request(t->ctx, t, m->remote_end_id, m->pw_type, p, why);
}

/*
 * Session collision (see l2tp_tunnel.h): 1 when our own outstanding ICRQ for
 * the same Remote End ID wins over theirs.
 */
static int sess_we_win_collision(struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	struct l2tp_session *s;

	for (s = t->sessions; s != NULL; s = s->next) {
		if (s->state != L2TP_SESSION_WAIT_REPLY || s->p.remote_end_id != m->remote_end_id)
			continue;
		/* Lower Tie Breaker wins (as for control connections, RFC 3931 §5.4.3). */
		if (!(m->has & L2TP_CM_TIE_BREAKER))
			return 1;
		if (s->tie_breaker != m->tie_breaker)
			return s->tie_breaker < m->tie_breaker;
		if (t->p.router_id != t->peer_router_id)
			return t->p.router_id > t->peer_router_id;
		return s->p.local_session_id > m->local_sid;
	}
	return 0;
}

static void sess_rx_icrq(struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	struct l2tp_session_params p;
	const char *why = "refused", *missing;
	struct l2tp_session *s;
	uint16_t result, error;
	char buf[160];

	if (m->has & L2TP_CM_UNKNOWN_M) {
		t->st.unknown_mandatory++;
		l2tp_unknown_mandatory_action(L2TP_MSG_ICRQ, &result, &error);
		snprintf(buf, sizeof(buf), "unknown mandatory AVP %u", m->unknown_type);
		sess_refuse(t, m, result, error, buf);
		return;
	}
	missing = l2tp_avpset_missing(t->avp, m);
	if (missing != NULL) {
		t->st.drop_missing_avp++;
		snprintf(buf, sizeof(buf), "ICRQ without mandatory AVP %s", missing);
		sess_refuse(t, m, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_NONE, buf);
		return;
	}
	if (t->p.version == L2TP_VERSION_3 && m->remote_end_id_len != 4) {
		snprintf(buf, sizeof(buf), "Remote End ID of %d octets (4 expected)",
			 m->remote_end_id_len);
		sess_refuse(t, m, L2TP_CDN_INVALID_DEST, L2TP_ERR_NONE, buf);
		return;
	}
	if (t->p.version == L2TP_VERSION_3 && sess_we_win_collision(t, m)) {
		sess_refuse(t, m, L2TP_CDN_LOST_TIE_BREAKER, L2TP_ERR_NONE,
			    "both sides opened this pseudowire: the lower Tie Breaker's is kept");
		return;
	}
	memset(&p, 0, sizeof(p));
	if (sess_ask(t, m, &p, &why) == -1) {
		if (t->p.version == L2TP_VERSION_2)
			snprintf(buf, sizeof(buf), "call refused: %s", why ? why : "refused");
		else
			snprintf(buf, sizeof(buf), "no pseudowire with Remote End ID %u here: %s",
				 m->remote_end_id, why ? why : "refused");
		sess_refuse(t, m, L2TP_CDN_INVALID_DEST, L2TP_ERR_NONE, buf);
		return;
	}
	if (!sess_id_ok(t, &p)) {
		sess_refuse(t, m, L2TP_CDN_NO_FACILITIES_TEMP, L2TP_ERR_NONE,
			    "bad local session parameters");
		return;
	}
	s = sess_new(t, &p);
	if (s == NULL) {
		sess_refuse(t, m, L2TP_CDN_NO_FACILITIES_TEMP, L2TP_ERR_NONE, "out of memory");
		return;
	}
	sess_dispatch(s, SE_RX_ICRQ, m, 0, NULL);
}

void l2tp_sess_rx(struct l2tp_tunnel *t, const struct l2tp_cmsg *m)
{
	struct l2tp_session *s;
	const char *missing;
	uint16_t result, error;
	char buf[160];
	enum sess_event ev;

	if (m->h.msg_type == L2TP_MSG_ICRQ) {
		sess_rx_icrq(t, m);
		return;
	}
	if (m->h.msg_type == L2TP_MSG_OCRQ) {
		/* We place no outgoing calls: refuse the call, keep the tunnel. */
		sess_refuse(t, m, L2TP_CDN_NO_FACILITIES_PERM, L2TP_ERR_NONE,
			    "outgoing calls are not supported");
		return;
	}
	s = (m->has & L2TP_CM_RSID) ? sess_find(t, m->remote_sid) : NULL;
	/* A CDN for an ICRQ we got but did not answer yet names only its sender's id. */
	if (s == NULL && m->h.msg_type == L2TP_MSG_CDN && m->remote_sid == 0 &&
	    (m->has & L2TP_CM_LSID) && m->local_sid != 0)
		s = sess_find_peer(t, m->local_sid);
	if (s == NULL) {
		t->st.drop_unknown_session++;
		l2tp_tun_log_rl(t, &t->rl_drop, "%s for unknown session %u dropped",
				l2tp_msg_name(m->h.msg_type), m->remote_sid);
		return;
	}
	if (m->has & L2TP_CM_UNKNOWN_M) {
		t->st.unknown_mandatory++;
		l2tp_unknown_mandatory_action(m->h.msg_type, &result, &error);
		snprintf(buf, sizeof(buf), "unknown mandatory AVP %u in %s", m->unknown_type,
			 l2tp_msg_name(m->h.msg_type));
		s->cdn_error = error;
		sess_dispatch(s, SE_FAIL, NULL, result, buf);
		return;
	}
	missing = l2tp_avpset_missing(t->avp, m);
	if (missing != NULL && m->h.msg_type != L2TP_MSG_CDN) {
		t->st.drop_missing_avp++;
		snprintf(buf, sizeof(buf), "%s without mandatory AVP %s",
			 l2tp_msg_name(m->h.msg_type), missing);
		sess_dispatch(s, SE_FAIL, NULL, L2TP_CDN_GENERAL_ERROR, buf);
		return;
	}
	switch (m->h.msg_type) {
	case L2TP_MSG_ICRP:
		ev = SE_RX_ICRP;
		break;
	case L2TP_MSG_ICCN:
		ev = SE_RX_ICCN;
		break;
	case L2TP_MSG_CDN:
		ev = SE_RX_CDN;
		break;
	case L2TP_MSG_SLI:
		ev = SE_RX_SLI;
		break;
	case L2TP_MSG_WEN:
		ev = SE_RX_WEN;
		break;
	default:
		t->st.drop_bad_state++;
		return;
	}
	sess_dispatch(s, ev, m, 0, NULL);
}

void l2tp_sess_tunnel_up(struct l2tp_tunnel *t)
{
	struct l2tp_session *s, *next;

	for (s = t->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->state == L2TP_SESSION_WAIT_TUNNEL)
			sess_dispatch(s, SE_TUNNEL_UP, NULL, 0, NULL);
	}
}

void l2tp_sess_tunnel_down(struct l2tp_tunnel *t, const char *why)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "tunnel down: %s", why);
	while (t->sessions != NULL)
		sess_dispatch(t->sessions, SE_TUNNEL_DOWN, NULL, 0, buf);
}

void l2tp_sess_timeout(struct l2tp_tunnel *t)
{
	struct l2tp_session *s, *next;
	char buf[64];

	for (s = t->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->setup_at == 0 || t->now < s->setup_at)
			continue;
		snprintf(buf, sizeof(buf), "no answer in %s", l2tp_session_state_name(s->state));
		sess_dispatch(s, SE_FAIL, NULL, L2TP_CDN_TIMEOUT, buf);
	}
}

uint64_t l2tp_sess_deadline(const struct l2tp_tunnel *t)
{
	const struct l2tp_session *s;
	uint64_t at = 0;

	for (s = t->sessions; s != NULL; s = s->next)
		if (s->setup_at && (!at || s->setup_at < at))
			at = s->setup_at;
	return at;
}

void l2tp_sess_free_all(struct l2tp_tunnel *t)
{
	struct l2tp_session *s, *next;

	for (s = t->sessions; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	t->sessions = NULL;
}

/* ---- API ---- */

struct l2tp_session *l2tp_session_open(struct l2tp_tunnel *t, const struct l2tp_session_params *p,
				       uint64_t now)
{
	struct l2tp_session *s;

	t->now = now;
	if (t->state == L2TP_TUNNEL_CLOSING || t->state == L2TP_TUNNEL_CLOSED || !sess_id_ok(t, p))
		return NULL;
	s = sess_new(t, p);
	if (s == NULL)
		return NULL;
	sess_dispatch(s, SE_OPEN, NULL, 0, NULL);
	l2tp_tun_rearm(t);
	return s;
}

void l2tp_session_close(struct l2tp_session *s, uint16_t result, const char *msg, uint64_t now)
{
	struct l2tp_tunnel *t = s->t;

	t->now = now;
	sess_dispatch(s, SE_CLOSE, NULL, result ? result : L2TP_CDN_ADMIN,
		      msg ? msg : "administratively closed");
	l2tp_tun_rearm(t);
}

enum l2tp_session_state l2tp_session_state(const struct l2tp_session *s)
{
	return s->state;
}

const struct l2tp_session_info *l2tp_session_info(const struct l2tp_session *s)
{
	return &s->info;
}

void *l2tp_session_user(const struct l2tp_session *s)
{
	return s->p.user;
}

struct l2tp_tunnel *l2tp_session_tunnel(const struct l2tp_session *s)
{
	return s->t;
}
