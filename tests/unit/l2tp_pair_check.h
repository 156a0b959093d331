/*
 * Check helpers over tests/unit/l2tp_pair.h, shared by test_l2tp_tunnel.c
 * (L2TPv3) and test_l2tp_v2.c (L2TPv2): bringing a pair up, putting one side
 * of a fresh pair into each control connection state, messages "from the
 * peer" of a tunnel built in sequence for it, and whether the engine acted
 * on a message or counted it.  l2tp_pair.h stays free of Check for the
 * fuzz target.
 */
#ifndef L2PW_TEST_L2TP_PAIR_CHECK_H
#define L2PW_TEST_L2TP_PAIR_CHECK_H

#include <check.h>

#include "l2tp_avp.h"
#include "l2tp_engine.h"
#include "l2tp_pair.h"

#define SEC 1000ULL

static inline void up_pair(struct pair *n)
{
	pair_start(n, 0);
	pair_run(n, n->now + 10 * SEC);
	ck_assert(pair_established(n));
}

/* Every drop counter of a tunnel, added up: a message not acted on must raise one. */
static inline uint64_t pair_drops(const struct l2tp_tunnel_stats *s)
{
	return s->drop_malformed + s->drop_digest + s->drop_duplicate + s->drop_out_of_window +
	       s->drop_unknown_session + s->drop_bad_state + s->drop_missing_avp +
	       s->unknown_mandatory + s->refused_calls;
}

/* The control connection states a fresh pair is put into by pair_stage(). */
enum pair_stage {
	PAIR_IDLE_RESPONDER,
	PAIR_WAIT_CTL_REPLY,
	PAIR_WAIT_CTL_CONN,
	PAIR_ESTABLISHED,
	PAIR_CLOSING, /* the receiver of a StopCCN */
	PAIR_CLOSED,
};

/* Drive a fresh pair n into st; the tunnel of the side that is in it. */
static inline struct l2tp_tunnel *pair_stage(struct pair *n, enum pair_stage st)
{
	switch (st) {
	case PAIR_IDLE_RESPONDER:
		pair_tunnel(&n->s[1], 0);
		return n->s[1].t;
	case PAIR_WAIT_CTL_REPLY:
		n->drop_all_from = 0;
		pair_start(n, 0);
		return n->s[0].t;
	case PAIR_WAIT_CTL_CONN:
		n->drop_all_from = 1;
		pair_start(n, 0);
		pair_run(n, n->now + 1);
		return n->s[1].t;
	case PAIR_ESTABLISHED:
		up_pair(n);
		return n->s[1].t;
	case PAIR_CLOSING:
		up_pair(n);
		l2tp_tunnel_stop(n->s[0].t, 0, NULL, n->now);
		pair_run(n, n->now + 1 * SEC);
		return n->s[1].t;
	case PAIR_CLOSED:
	default:
		n->drop_all_from = 0;
		pair_start(n, 0);
		pair_run(n, n->now + 100 * SEC);
		return n->s[0].t;
	}
}

/*
 * Feed t a message and run the pair 200 s: 1 when t acted on it (its state
 * moved) or counted it as a drop.
 */
static inline int pair_feed_acted(struct pair *n, struct l2tp_tunnel *t, const uint8_t *pkt,
				  size_t len)
{
	enum l2tp_tunnel_state before = l2tp_tunnel_state(t);
	uint64_t d0 = pair_drops(l2tp_tunnel_stats(t));

	l2tp_tunnel_input(t, pkt, len, n->now);
	pair_run(n, n->now + 200 * SEC);
	return pair_drops(l2tp_tunnel_stats(t)) > d0 || l2tp_tunnel_state(t) != before;
}

/*
 * Start a message from t's peer in mem, in t's version and addressed to t
 * (an SCCRQ to an idle t goes to connection 0); sid is the session id of the
 * v2 header (v3 has none there).
 */
static inline void peer_msg_begin(struct l2tp_builder *b, struct wbuf *w, uint8_t *mem, size_t cap,
				  const struct l2tp_tunnel *t, uint16_t sid, uint16_t type)
{
	wbuf_init(w, mem, cap);
	l2tp_build_begin(b, w, (uint8_t)t->p.version,
			 type == L2TP_MSG_SCCRQ && t->state == L2TP_TUNNEL_IDLE ? 0 : t->local_id,
			 sid, type);
}

/* Finish it: Ns is the one t expects next, Nr the given one.  Its length. */
static inline size_t peer_msg_finish(struct l2tp_builder *b, uint8_t *mem,
				     const struct l2tp_tunnel *t, uint16_t nr)
{
	size_t len = 0;

	l2tp_build_finish(b, &len);
	l2tp_ctrl_set_nsnr(mem, len, t->rel.nr, nr);
	return len;
}

/*
 * A message of type from t's peer, in sequence, carrying one unknown AVP
 * avp with the M bit (RFC 2661 §4.1, RFC 3931 §5.2): what
 * l2tp_tunnel_input() says of it.
 */
static inline int pair_input_unknown_m(struct pair *n, struct l2tp_tunnel *t, uint16_t sid,
				       uint16_t type, uint16_t avp)
{
	uint8_t pkt[256];
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;

	peer_msg_begin(&b, &w, pkt, sizeof(pkt), t, sid, type);
	l2tp_build_n16(&b, avp, 1, 1);
	len = peer_msg_finish(&b, pkt, t, t->rel.una);
	return l2tp_tunnel_input(t, pkt, len, n->now);
}

#endif
