/*
 * Two L2TP engines back to back through in-memory queues, with a fake clock
 * and deterministic randomness: what the daemon does with sockets and
 * timers, done with arrays.  Shared by tests/unit/test_l2tp_tunnel.c,
 * test_l2tp_v2.c, test_l2tp_v2_interop.c and tests/fuzz/fuzz_l2tp_tunnel.c;
 * no Check here (the Check helpers over it: l2tp_pair_check.h).
 *
 * The demultiplexing follows what the daemon does: a message to control
 * connection 0 is a new SCCRQ (tie-broken against our own outstanding
 * SCCRQ), anything else goes to the tunnel whose local id it names.
 */
#ifndef L2PW_TEST_L2TP_PAIR_H
#define L2PW_TEST_L2TP_PAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp.h"
#include "l2tp_tunnel.h"

#define PAIR_QLEN     512
#define PAIR_PKT      1500
#define PAIR_LOG      (256 * 1024)
#define PAIR_MAX_SESS 16

struct pair;

struct pair_side {
	struct pair *net;
	int idx;
	struct l2tp_tunnel_params tp;
	uint32_t tunnel_id;
	struct l2tp_tunnel *t;
	uint64_t timer_at;
	uint64_t rng;
	uint8_t canned[64]; /* random bytes handed out first (replays: a captured Challenge) */
	size_t canned_len, canned_off;
	int tunnel_up, tunnel_down, tunnel_closed;
	char down_why[256];
	uint64_t down_at;
	/* Sessions we hold (opened or accepted), and what happened to them. */
	struct l2tp_session *sess[PAIR_MAX_SESS];
	int n_sess;
	int sess_up, sess_down;
	char sess_down_why[PAIR_MAX_SESS][256];
	int n_down_why;
	/* What session_request accepts, and the parameters it hands out. */
	uint32_t accept_pw[8];
	int n_accept;
	struct l2tp_session_params sp;
	uint32_t next_sid;
	int refuse_calls; /* v2 call_request refuses */
	int calls;	  /* v2 call_request calls */
	/* Events in order: 's' session down, 'T' tunnel down, for ordering checks. */
	char events[64];
	int n_events;
	int tx_by_type[32];
	char *log;
	size_t log_len;
	int verbose;
};

struct pair_pkt {
	int to;
	size_t len;
	uint8_t data[PAIR_PKT];
};

struct pair {
	struct pair_side s[2];
	struct pair_pkt *q;
	int qhead, qtail;
	uint64_t now;
	int tx;		   /* transmissions so far (both ways) */
	int drop_nth;	   /* drop this transmission (-1: none) */
	int drop_all_from; /* drop every transmission from this index on (-1: none) */
	unsigned loss_pct;
	uint64_t loss_rng;
	int dropped;
	int no_tunnel; /* delivered to nobody */
	/* Optional: sees every packet delivered (tests inspect the wire with it). */
	void (*observe)(void *arg, const struct pair_pkt *p);
	void *observe_arg;
};

static uint64_t pair_xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void pair_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct pair_side *sd = ctx;
	struct pair *n = sd->net;
	struct l2tp_ctrl_peek pk;
	int idx = n->tx++;
	struct pair_pkt *p;

	if (l2tp_ctrl_peek(pkt, len, &pk) == 0 && pk.msg_type < 32)
		sd->tx_by_type[pk.msg_type]++;
	if (idx == n->drop_nth || (n->drop_all_from >= 0 && idx >= n->drop_all_from) ||
	    (n->loss_pct && pair_xorshift(&n->loss_rng) % 100 < n->loss_pct)) {
		n->dropped++;
		return;
	}
	if ((n->qtail + 1) % PAIR_QLEN == n->qhead || len > PAIR_PKT)
		return;
	p = &n->q[n->qtail];
	n->qtail = (n->qtail + 1) % PAIR_QLEN;
	p->to = 1 - sd->idx;
	p->len = len;
	memcpy(p->data, pkt, len);
}

static void pair_arm(void *ctx, uint64_t at)
{
	struct pair_side *sd = ctx;

	sd->timer_at = at;
}

static void pair_random(void *ctx, void *out, size_t len)
{
	struct pair_side *sd = ctx;
	uint8_t *o = out;
	size_t i;

	for (i = 0; i < len; i++)
		o[i] = sd->canned_off < sd->canned_len ? sd->canned[sd->canned_off++]
						       : (uint8_t)pair_xorshift(&sd->rng);
}

static void pair_log(void *ctx, int level, const char *msg)
{
	struct pair_side *sd = ctx;
	size_t l = strlen(msg);

	(void)level;
	if (sd->verbose)
		fprintf(stderr, "[%llu] %c: %s\n", (unsigned long long)sd->net->now, 'A' + sd->idx,
			msg);
	if (sd->log != NULL && sd->log_len + l + 2 < PAIR_LOG) {
		memcpy(sd->log + sd->log_len, msg, l);
		sd->log_len += l;
		sd->log[sd->log_len++] = '\n';
		sd->log[sd->log_len] = '\0';
	}
}

static void pair_event(struct pair_side *sd, char e)
{
	if (sd->n_events < (int)sizeof(sd->events) - 1)
		sd->events[sd->n_events++] = e;
}

static void pair_tunnel_up(void *ctx, struct l2tp_tunnel *t)
{
	struct pair_side *sd = ctx;

	(void)t;
	sd->tunnel_up++;
	pair_event(sd, 'U');
}

static void pair_tunnel_down(void *ctx, struct l2tp_tunnel *t, const char *why)
{
	struct pair_side *sd = ctx;

	(void)t;
	sd->tunnel_down++;
	sd->down_at = sd->net->now;
	snprintf(sd->down_why, sizeof(sd->down_why), "%s", why);
	pair_event(sd, 'T');
}

static void pair_tunnel_closed(void *ctx, struct l2tp_tunnel *t)
{
	struct pair_side *sd = ctx;

	(void)t;
	sd->tunnel_closed++;
}

static void pair_forget(struct pair_side *sd, struct l2tp_session *s)
{
	int i;

	for (i = 0; i < sd->n_sess; i++)
		if (sd->sess[i] == s)
			sd->sess[i] = NULL;
}

static int pair_session_request(void *ctx, struct l2tp_tunnel *t, uint32_t remote_end_id,
				uint16_t pw_type, struct l2tp_session_params *out, const char **why)
{
	struct pair_side *sd = ctx;
	int i;

	(void)t;
	(void)pw_type;
	for (i = 0; i < sd->n_accept; i++)
		if (sd->accept_pw[i] == remote_end_id)
			break;
	if (i == sd->n_accept) {
		*why = "no such pw-id configured";
		return -1;
	}
	*out = sd->sp;
	out->remote_end_id = remote_end_id;
	out->local_session_id = sd->next_sid++;
	pair_random(sd, out->cookie, out->cookie_len);
	return 0;
}

static int pair_call_request(void *ctx, struct l2tp_tunnel *t, const struct l2tp_v2_call *call,
			     struct l2tp_session_params *out, const char **why)
{
	struct pair_side *sd = ctx;

	(void)t;
	(void)call;
	sd->calls++;
	if (sd->refuse_calls) {
		*why = "no PPP service here";
		return -1;
	}
	*out = sd->sp;
	out->local_session_id = sd->next_sid++;
	return 0;
}

static void pair_session_up(void *ctx, struct l2tp_session *s)
{
	struct pair_side *sd = ctx;
	int i;

	sd->sess_up++;
	for (i = 0; i < sd->n_sess; i++)
		if (sd->sess[i] == s)
			return;
	if (sd->n_sess < PAIR_MAX_SESS)
		sd->sess[sd->n_sess++] = s;
}

static void pair_session_down(void *ctx, struct l2tp_session *s, const char *why)
{
	struct pair_side *sd = ctx;

	sd->sess_down++;
	pair_forget(sd, s);
	if (sd->n_down_why < PAIR_MAX_SESS)
		snprintf(sd->sess_down_why[sd->n_down_why++], 256, "%s", why);
	pair_event(sd, 's');
}

static const struct l2tp_tunnel_ops pair_ops = {
    .send = pair_send,
    .arm_timer = pair_arm,
    .random = pair_random,
    .log = pair_log,
    .tunnel_up = pair_tunnel_up,
    .tunnel_down = pair_tunnel_down,
    .session_request = pair_session_request,
    .session_up = pair_session_up,
    .session_down = pair_session_down,
    .tunnel_closed = pair_tunnel_closed,
    .call_request = pair_call_request,
};

/* side 0 = A (initiator by default), side 1 = B (responder). */
static void pair_init(struct pair *n, int keep_log)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->q = calloc(PAIR_QLEN, sizeof(*n->q));
	n->drop_nth = -1;
	n->drop_all_from = -1;
	n->loss_rng = 88172645463325252ULL;
	n->now = 1000;
	for (i = 0; i < 2; i++) {
		struct pair_side *sd = &n->s[i];

		sd->net = n;
		sd->idx = i;
		l2tp_tunnel_params_default(&sd->tp);
		snprintf(sd->tp.host_name, sizeof(sd->tp.host_name), "site-%c", 'a' + i);
		sd->tp.router_id = 0x0a000001 + (uint32_t)i;
		sd->tp.initiator = i == 0;
		sd->tunnel_id = 100 + (uint32_t)i * 100;
		sd->rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		sd->next_sid = 1000 + (uint32_t)i * 1000;
		sd->sp.pw_type = L2TP_PWTYPE_ETH;
		sd->sp.l2spec_default = 1;
		sd->sp.cookie_len = 4;
		sd->verbose = getenv("PAIR_VERBOSE") != NULL;
		if (keep_log) {
			sd->log = calloc(1, PAIR_LOG);
		}
	}
}

/* Both sides speak L2TPv2 (RFC 2661). */
static __attribute__((unused)) void pair_init_v2(struct pair *n, int keep_log)
{
	pair_init(n, keep_log);
	n->s[0].tp.version = 2;
	n->s[1].tp.version = 2;
}

static void pair_free(struct pair *n)
{
	int i;

	for (i = 0; i < 2; i++) {
		l2tp_tunnel_free(n->s[i].t);
		free(n->s[i].log);
	}
	free(n->q);
}

static struct l2tp_tunnel *pair_tunnel(struct pair_side *sd, int initiator)
{
	sd->tp.initiator = initiator;
	sd->t = l2tp_tunnel_new(&sd->tp, sd->tunnel_id, &pair_ops, sd);
	return sd->t;
}

/* Start side i as an initiator. */
static __attribute__((unused)) void pair_start(struct pair *n, int i)
{
	if (pair_tunnel(&n->s[i], 1) != NULL)
		l2tp_tunnel_start(n->s[i].t, n->now);
}

static void pair_deliver(struct pair *n, struct pair_pkt *p)
{
	struct pair_side *sd = &n->s[p->to];
	struct l2tp_ctrl_peek pk;

	if (n->observe != NULL)
		n->observe(n->observe_arg, p);
	if (l2tp_ctrl_peek(p->data, p->len, &pk) == -1) {
		if (sd->t != NULL)
			l2tp_tunnel_input(sd->t, p->data, p->len, n->now);
		return;
	}
	if (pk.conn_id == 0 && pk.msg_type == L2TP_MSG_SCCRQ) {
		if (sd->t != NULL) {
			switch (l2tp_tunnel_tie_break(sd->t, &pk, n->now)) {
			case L2TP_TIE_KEEP_MINE:
			case L2TP_TIE_RESTART:
				return;
			case L2TP_TIE_KEEP_THEIRS:
				l2tp_tunnel_input(sd->t, p->data, p->len, n->now);
				return;
			case L2TP_TIE_NONE:
			default:
				break;
			}
			/* A responder still idle (its first SCCRQ was refused) takes the next. */
			if (l2tp_tunnel_state(sd->t) == L2TP_TUNNEL_IDLE) {
				l2tp_tunnel_input(sd->t, p->data, p->len, n->now);
				return;
			}
			if (l2tp_tunnel_state(sd->t) != L2TP_TUNNEL_CLOSED) {
				n->no_tunnel++;
				return;
			}
			l2tp_tunnel_free(sd->t);
			sd->t = NULL;
		}
		if (pair_tunnel(sd, 0) != NULL)
			l2tp_tunnel_input(sd->t, p->data, p->len, n->now);
		return;
	}
	if (sd->t == NULL || pk.conn_id != l2tp_tunnel_local_id(sd->t)) {
		n->no_tunnel++;
		return;
	}
	l2tp_tunnel_input(sd->t, p->data, p->len, n->now);
}

/* Deliver everything queued, then fire timers in time order, until the clock passes until. */
static __attribute__((unused)) void pair_run(struct pair *n, uint64_t until)
{
	for (;;) {
		uint64_t next = 0;
		int i;

		while (n->qhead != n->qtail) {
			struct pair_pkt *p = &n->q[n->qhead];

			n->qhead = (n->qhead + 1) % PAIR_QLEN;
			pair_deliver(n, p);
		}
		for (i = 0; i < 2; i++) {
			uint64_t at = n->s[i].t ? n->s[i].timer_at : 0;

			if (at && (!next || at < next))
				next = at;
		}
		if (!next || next > until) {
			if (n->now < until)
				n->now = until;
			return;
		}
		if (next > n->now)
			n->now = next;
		for (i = 0; i < 2; i++) {
			struct pair_side *sd = &n->s[i];

			if (sd->t && sd->timer_at && sd->timer_at <= n->now)
				l2tp_tunnel_timeout(sd->t, n->now);
		}
	}
}

static __attribute__((unused)) struct l2tp_session *pair_open(struct pair *n, int i, uint32_t pw_id)
{
	struct pair_side *sd = &n->s[i];
	struct l2tp_session_params p = sd->sp;
	struct l2tp_session *s;

	p.remote_end_id = pw_id;
	p.local_session_id = sd->next_sid++;
	pair_random(sd, p.cookie, p.cookie_len);
	s = l2tp_session_open(sd->t, &p, n->now);
	if (s != NULL && sd->n_sess < PAIR_MAX_SESS)
		sd->sess[sd->n_sess++] = s;
	return s;
}

static __attribute__((unused)) int pair_established(const struct pair *n)
{
	return n->s[0].t && n->s[1].t && l2tp_tunnel_state(n->s[0].t) == L2TP_TUNNEL_ESTABLISHED &&
	       l2tp_tunnel_state(n->s[1].t) == L2TP_TUNNEL_ESTABLISHED;
}

#endif
