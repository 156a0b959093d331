/*
 * Reliable delivery of L2TP control messages (RFC 3931 §4.2, RFC 2661 §5.8
 * and Appendix A).  See l2tp_rel.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "l2tp_rel.h"

struct l2tp_rel_msg {
	struct l2tp_rel_msg *next;
	uint16_t ns;
	uint16_t type;
	size_t len;
	uint8_t pkt[];
};

/* RFC 2661 §5.8 / RFC 3931 §4.2: a peer that sends no Receive Window Size has 4. */
#define L2TP_REL_DEFAULT_PEER_RWIN 4

void l2tp_rel_params_default(struct l2tp_rel_params *p)
{
	p->rwin = 16;
	p->max_retries = 10;
	p->rto_initial_ms = 1000;
	p->rto_max_ms = 8000;
	p->ack_delay_ms = 200;
}

static struct l2tp_rel_msg *rel_msg_new(const uint8_t *pkt, size_t len)
{
	struct l2tp_rel_msg *m = malloc(sizeof(*m) + len);

	if (m == NULL)
		return NULL;
	m->next = NULL;
	m->len = len;
	memcpy(m->pkt, pkt, len);
	return m;
}

void l2tp_rel_init(struct l2tp_rel *r, const struct l2tp_rel_params *p,
		   const struct l2tp_rel_cb *cb, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->p = *p;
	if (r->p.rwin == 0 || r->p.rwin > L2TP_REL_MAX_HOLD)
		r->p.rwin = L2TP_REL_MAX_HOLD;
	if (r->p.rto_initial_ms == 0)
		r->p.rto_initial_ms = 1;
	if (r->p.rto_max_ms < r->p.rto_initial_ms)
		r->p.rto_max_ms = r->p.rto_initial_ms;
	r->cb = cb;
	r->ctx = ctx;
	l2tp_rel_reset(r);
}

void l2tp_rel_reset(struct l2tp_rel *r)
{
	struct l2tp_rel_msg *m, *next;
	size_t i;

	for (m = r->head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	for (i = 0; i < L2TP_REL_MAX_HOLD; i++) {
		free(r->hold[i]);
		r->hold[i] = NULL;
	}
	r->head = r->tail = r->unsent = NULL;
	r->queued = r->inflight = 0;
	r->ns_next = r->una = r->nr = 0;
	r->rto_ms = r->p.rto_initial_ms;
	r->retries = 0;
	r->rtx_at = r->ack_at = 0;
	l2tp_rel_set_peer_rwin(r, 0);
}

void l2tp_rel_set_peer_rwin(struct l2tp_rel *r, uint16_t rwin)
{
	r->peer_rwin = rwin ? rwin : L2TP_REL_DEFAULT_PEER_RWIN;
	/* Appendix A: slow start begins at one message, threshold the peer's window. */
	r->cwnd = 1;
	r->ssthresh = r->peer_rwin;
	r->cwnd_acks = 0;
}

/* Fill in Ns/Nr and hand the message to the owner; any owed ack rides along. */
static void rel_transmit(struct l2tp_rel *r, struct l2tp_rel_msg *m)
{
	struct wbuf w = {.p = m->pkt, .cap = m->len, .len = m->len};

	wbuf_set_n16(&w, L2TP_REL_NS_OFF, m->ns);
	wbuf_set_n16(&w, L2TP_REL_NR_OFF, r->nr);
	r->ack_at = 0;
	r->st.tx++;
	r->cb->xmit(r->ctx, m->pkt, m->len);
}

static uint16_t rel_send_limit(const struct l2tp_rel *r)
{
	return r->cwnd < r->peer_rwin ? r->cwnd : r->peer_rwin;
}

/* Send queued messages while the window has room. */
static void rel_pump(struct l2tp_rel *r, uint64_t now)
{
	while (r->unsent != NULL && r->inflight < rel_send_limit(r)) {
		struct l2tp_rel_msg *m = r->unsent;

		r->unsent = m->next;
		r->inflight++;
		rel_transmit(r, m);
		if (r->rtx_at == 0)
			r->rtx_at = now + r->rto_ms;
	}
}

int l2tp_rel_send(struct l2tp_rel *r, const uint8_t *pkt, size_t len, uint16_t msg_type,
		  uint64_t now)
{
	struct l2tp_rel_msg *m;

	if (len < L2TP_REL_HDR_LEN || r->queued >= L2TP_REL_MAX_QUEUE) {
		r->st.drop_queue_full++;
		return -1;
	}
	m = rel_msg_new(pkt, len);
	if (m == NULL) {
		r->st.drop_queue_full++;
		return -1;
	}
	m->ns = r->ns_next++;
	m->type = msg_type;
	if (r->tail != NULL)
		r->tail->next = m;
	else
		r->head = m;
	r->tail = m;
	if (r->unsent == NULL)
		r->unsent = m;
	r->queued++;
	rel_pump(r, now);
	return 0;
}

/* Appendix A: one more message per ack in slow start, one per window after. */
static void rel_open_cwnd(struct l2tp_rel *r)
{
	if (r->cwnd >= r->peer_rwin)
		return;
	if (r->cwnd < r->ssthresh) {
		r->cwnd++;
		return;
	}
	if (++r->cwnd_acks >= r->cwnd) {
		r->cwnd_acks = 0;
		r->cwnd++;
	}
}

/* The peer has everything before nr. */
static void rel_ack(struct l2tp_rel *r, uint16_t nr, uint64_t now)
{
	uint16_t sent_end = (uint16_t)(r->una + r->inflight);
	int acked = 0;

	/* An Nr behind una is an old ack; one beyond what we sent is a lie. */
	if (l2tp_rel_seq_lt(nr, r->una))
		return;
	if (l2tp_rel_seq_lt(sent_end, nr)) {
		r->st.drop_bad_ack++;
		return;
	}
	while (r->inflight > 0 && l2tp_rel_seq_lt(r->head->ns, nr)) {
		struct l2tp_rel_msg *m = r->head;

		r->head = m->next;
		if (r->head == NULL)
			r->tail = NULL;
		free(m);
		r->queued--;
		r->inflight--;
		r->una++;
		acked++;
		rel_open_cwnd(r);
	}
	if (!acked)
		return;
	r->retries = 0;
	r->rto_ms = r->p.rto_initial_ms;
	r->rtx_at = r->inflight ? now + r->rto_ms : 0;
	rel_pump(r, now);
}

static void rel_owe_ack(struct l2tp_rel *r, uint64_t now)
{
	if (r->ack_at == 0)
		r->ack_at = now + r->p.ack_delay_ms;
	if (r->ack_at == 0)
		r->ack_at = 1;
}

void l2tp_rel_ack_now(struct l2tp_rel *r)
{
	if (r->ack_at == 0)
		return;
	r->ack_at = 0;
	r->st.zlb_tx++;
	r->cb->zlb(r->ctx, (uint16_t)(r->una + r->inflight), r->nr);
}

enum l2tp_rel_verdict l2tp_rel_recv(struct l2tp_rel *r, const uint8_t *pkt, size_t len, int is_zlb,
				    uint64_t now)
{
	struct buf b;
	uint16_t ns, nr, ahead;
	struct l2tp_rel_msg **slot;

	buf_init(&b, pkt, len);
	if (buf_peek_n16(&b, L2TP_REL_NS_OFF, &ns) == -1 ||
	    buf_peek_n16(&b, L2TP_REL_NR_OFF, &nr) == -1) {
		r->st.drop_out_of_window++;
		return L2TP_REL_OUT_OF_WINDOW;
	}
	rel_ack(r, nr, now);
	if (is_zlb) {
		r->st.zlb_rx++;
		return L2TP_REL_ACK_ONLY;
	}
	if (ns == r->nr) {
		r->nr++;
		r->st.rx++;
		rel_owe_ack(r, now);
		return L2TP_REL_DELIVER;
	}
	if (l2tp_rel_seq_lt(ns, r->nr)) {
		/* Our ack was lost: say again what we have, at once (§4.2). */
		r->st.drop_duplicate++;
		rel_owe_ack(r, now);
		l2tp_rel_ack_now(r);
		return L2TP_REL_DUPLICATE;
	}
	ahead = (uint16_t)(ns - r->nr);
	if (ahead >= r->p.rwin) {
		r->st.drop_out_of_window++;
		return L2TP_REL_OUT_OF_WINDOW;
	}
	slot = &r->hold[ns % L2TP_REL_MAX_HOLD];
	if (*slot != NULL) {
		r->st.drop_duplicate++;
		return L2TP_REL_DUPLICATE;
	}
	*slot = rel_msg_new(pkt, len);
	if (*slot == NULL) {
		r->st.drop_out_of_window++;
		return L2TP_REL_OUT_OF_WINDOW;
	}
	(*slot)->ns = ns;
	return L2TP_REL_HELD;
}

size_t l2tp_rel_next_held(struct l2tp_rel *r, uint8_t *out, size_t cap, uint64_t now)
{
	struct l2tp_rel_msg **slot = &r->hold[r->nr % L2TP_REL_MAX_HOLD];
	struct l2tp_rel_msg *m = *slot;
	size_t len;

	if (m == NULL || m->ns != r->nr)
		return 0;
	*slot = NULL;
	r->nr++;
	rel_owe_ack(r, now);
	if (m->len > cap) {
		r->st.drop_out_of_window++;
		free(m);
		return l2tp_rel_next_held(r, out, cap, now);
	}
	r->st.rx++;
	len = m->len;
	memcpy(out, m->pkt, len);
	free(m);
	return len;
}

uint64_t l2tp_rel_next_deadline(const struct l2tp_rel *r)
{
	if (r->rtx_at == 0)
		return r->ack_at;
	if (r->ack_at == 0)
		return r->rtx_at;
	return r->ack_at < r->rtx_at ? r->ack_at : r->rtx_at;
}

int l2tp_rel_timeout(struct l2tp_rel *r, uint64_t now, uint16_t *gave_up_type)
{
	if (r->ack_at != 0 && now >= r->ack_at)
		l2tp_rel_ack_now(r);
	if (r->rtx_at == 0 || now < r->rtx_at || r->inflight == 0)
		return 0;
	if (r->retries >= r->p.max_retries) {
		r->rtx_at = 0;
		*gave_up_type = r->head->type;
		return -1;
	}
	/* Appendix A: halve the threshold, back to one message, back off the timer. */
	r->ssthresh = r->cwnd / 2 ? r->cwnd / 2 : 1;
	r->cwnd = 1;
	r->cwnd_acks = 0;
	r->retries++;
	r->st.retransmits++;
	r->rto_ms = r->rto_ms * 2 < r->p.rto_max_ms ? r->rto_ms * 2 : r->p.rto_max_ms;
	r->rtx_at = now + r->rto_ms;
	rel_transmit(r, r->head);
	return 0;
}

int l2tp_rel_idle(const struct l2tp_rel *r)
{
	return r->queued == 0;
}

uint64_t l2tp_rel_giveup_ms(const struct l2tp_rel_params *p)
{
	uint64_t total = 0, rto = p->rto_initial_ms ? p->rto_initial_ms : 1;
	uint32_t i;

	for (i = 0; i <= p->max_retries; i++) {
		total += rto;
		rto = rto * 2 < p->rto_max_ms ? rto * 2 : p->rto_max_ms;
		if (rto < p->rto_initial_ms)
			rto = p->rto_initial_ms;
	}
	return total;
}
