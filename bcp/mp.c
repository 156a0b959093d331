/*
 * PPP Multilink fragmenting and reassembly (RFC 1990 §3, §4), one member
 * link.  See mp.h for the model; the comments here say why each rule is
 * what it is.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

/* The protocol field is 1 octet when its first octet is odd (RFC 1661 §2, PFC). */
static size_t mp_proto_len(uint8_t first)
{
	return (first & 1) ? 1 : 2;
}

static size_t mp_hdr_len(int short_seq)
{
	return short_seq ? MP_HDR_SHORT : MP_HDR_LONG;
}

static uint32_t mp_seq_mask(int short_seq)
{
	return short_seq ? (1u << MP_SEQ_SHORT_BITS) - 1 : (1u << MP_SEQ_LONG_BITS) - 1;
}

/* ---- sender ---- */

uint16_t mp_frag_max(uint16_t peer_mru, int short_seq)
{
	size_t h = mp_hdr_len(short_seq);

	return peer_mru > h ? (uint16_t)(peer_mru - h) : 0;
}

int mp_tx_init(struct mp_tx *t, const struct mp_tx_params *p)
{
	if (p->frag_max == 0 || p->mrru == 0)
		return -1;
	memset(t, 0, sizeof(*t));
	t->p = *p;
	return 0;
}

int mp_tx_begin(struct mp_tx *t, struct mp_tx_iter *it, const uint8_t *payload, size_t len)
{
	memset(it, 0, sizeof(*it));
	if (len == 0 || len < mp_proto_len(payload[0])) {
		t->stats.too_big++;
		return -1;
	}
	/* RFC 1990 §5.1.1: the peer reassembles at most MRRU octets of Information. */
	if (len - mp_proto_len(payload[0]) > t->p.mrru) {
		t->stats.too_big++;
		return -1;
	}
	it->payload = payload;
	it->len = len;
	it->plain = t->p.plain_max && len <= t->p.plain_max;
	t->stats.payloads++;
	if (it->plain)
		t->stats.plain++;
	return 0;
}

int mp_tx_next(struct mp_tx *t, struct mp_tx_iter *it, struct wbuf *w)
{
	size_t n, hdr = mp_hdr_len(t->p.short_seq);
	uint8_t flags = 0;

	if (it->off >= it->len)
		return 0;
	if (it->plain) {
		if (w->cap - w->len < it->len)
			return -1;
		wbuf_add_bytes(w, it->payload, it->len);
		it->off = it->len;
		return 1;
	}
	n = it->len - it->off;
	if (n > t->p.frag_max)
		n = t->p.frag_max;
	if (w->cap - w->len < 2 + hdr + n)
		return -1;
	if (it->off == 0)
		flags |= MP_FLAG_B;
	if (it->off + n == it->len)
		flags |= MP_FLAG_E;
	wbuf_add_n16(w, MP_PROTO);
	if (t->p.short_seq) {
		wbuf_add_n16(w, (uint16_t)(flags << 8 | (t->seq & 0x0fff)));
	} else {
		wbuf_add_n8(w, flags);
		wbuf_add_n8(w, (uint8_t)(t->seq >> 16));
		wbuf_add_n16(w, (uint16_t)t->seq);
	}
	wbuf_add_bytes(w, it->payload + it->off, n);
	it->off += n;
	t->seq = (t->seq + 1) & mp_seq_mask(t->p.short_seq);
	t->stats.fragments++;
	return 1;
}

/* ---- receiver ---- */

/*
 * How far behind `next` a number still counts as late (a reordered
 * straggler or a duplicate) rather than a peer that jumped: twice the
 * largest window.  Anything further behind resynchronises, so a bogus
 * number can cost a partial frame but never makes us refuse the real ones.
 */
#define MP_RX_LATE_SPAN (2 * MP_RX_WINDOW_MAX)

enum mp_rx_state {
	MP_RX_IDLE,	  /* no partial payload: the next in-order fragment must carry B */
	MP_RX_ASSEMBLING, /* frame[] holds the start of a payload, waiting for E */
};

struct mp_slot {
	uint32_t seq;
	uint16_t len;
	uint8_t flags;
	uint8_t used;
	uint8_t *data; /* frag_max bytes of the pool */
};

struct mp_rx {
	struct mp_rx_params p;
	const struct mp_rx_ops *ops;
	void *ctx;
	uint32_t mask; /* sequence space - 1 */
	int synced;    /* a fragment was seen since creation or mp_rx_reset() */
	uint32_t next; /* the sequence number expected in order */
	enum mp_rx_state state;
	uint8_t *frame; /* frame_cap bytes */
	size_t frame_len, frame_cap;
	struct mp_slot slots[MP_RX_WINDOW_MAX];
	unsigned held;
	size_t held_bytes;
	uint8_t *pool; /* window * frag_max bytes behind the slots */
	uint64_t deadline;
	int delivering;
	struct mp_rx_stats stats;
};

void mp_rx_params_default(struct mp_rx_params *p, uint16_t mrru, int short_seq)
{
	memset(p, 0, sizeof(*p));
	p->short_seq = short_seq;
	p->mrru = mrru;
	p->frag_max = MP_RX_FRAG_MAX_DEFAULT;
	p->window = MP_RX_WINDOW_DEFAULT;
	p->timeout_ms = MP_RX_TIMEOUT_DEFAULT;
}

struct mp_rx *mp_rx_new(const struct mp_rx_params *p, const struct mp_rx_ops *ops, void *ctx)
{
	struct mp_rx *rx;
	unsigned i;

	if (p->mrru == 0 || p->frag_max == 0 || p->window > MP_RX_WINDOW_MAX || p->timeout_ms == 0)
		return NULL;
	rx = calloc(1, sizeof(*rx));
	if (rx == NULL)
		return NULL;
	rx->p = *p;
	rx->ops = ops;
	rx->ctx = ctx;
	rx->mask = mp_seq_mask(p->short_seq);
	/* The protocol field is not part of MRRU (RFC 1990 §5.1.1 counts Information). */
	rx->frame_cap = (size_t)p->mrru + 2;
	rx->frame = malloc(rx->frame_cap);
	if (rx->frame == NULL)
		goto free_rx;
	if (p->window) {
		rx->pool = malloc((size_t)p->window * p->frag_max);
		if (rx->pool == NULL)
			goto free_frame;
	}
	for (i = 0; i < p->window; i++)
		rx->slots[i].data = rx->pool + (size_t)i * p->frag_max;
	return rx;

free_frame:
	free(rx->frame);
free_rx:
	free(rx);
	return NULL;
}

void mp_rx_free(struct mp_rx *rx)
{
	if (rx == NULL)
		return;
	free(rx->pool);
	free(rx->frame);
	free(rx);
}

static void mp_rx_set_state(struct mp_rx *rx, enum mp_rx_state s)
{
	rx->state = s;
	if (s == MP_RX_IDLE)
		rx->frame_len = 0;
}

/* Sequence numbers were lost: a payload they belonged to cannot complete. */
static void mp_rx_gap(struct mp_rx *rx, uint32_t count)
{
	rx->stats.lost += count;
	if (rx->state == MP_RX_ASSEMBLING) {
		rx->stats.discarded++;
		mp_rx_set_state(rx, MP_RX_IDLE);
	}
}

static void mp_rx_deliver(struct mp_rx *rx)
{
	size_t pl, len = rx->frame_len;
	uint16_t proto;

	mp_rx_set_state(rx, MP_RX_IDLE);
	if (len == 0 || len < mp_proto_len(rx->frame[0])) {
		rx->stats.runt++;
		return;
	}
	pl = mp_proto_len(rx->frame[0]);
	proto = pl == 1 ? rx->frame[0] : (uint16_t)(rx->frame[0] << 8 | rx->frame[1]);
	/* MP inside MP would re-enter this reassembler from its own callback. */
	if (proto == MP_PROTO) {
		rx->stats.nested++;
		return;
	}
	rx->stats.reassembled++;
	if (rx->ops && rx->ops->frame) {
		rx->delivering = 1;
		rx->ops->frame(rx->ctx, rx->frame, len);
		rx->delivering = 0;
	}
}

/* The fragment with sequence number rx->next, in order (RFC 1990 §4.1). */
static void mp_rx_consume(struct mp_rx *rx, uint8_t flags, const uint8_t *data, size_t n)
{
	size_t len;

	if (flags & MP_FLAG_B) {
		/* B while assembling: the previous payload's E never came. */
		if (rx->state == MP_RX_ASSEMBLING)
			rx->stats.discarded++;
		rx->frame_len = 0;
		rx->state = MP_RX_ASSEMBLING;
	} else if (rx->state != MP_RX_ASSEMBLING) {
		rx->stats.orphans++;
		return;
	}
	len = rx->frame_len;
	if (n > rx->frame_cap - len) {
		rx->stats.oversize++;
		mp_rx_set_state(rx, MP_RX_IDLE);
		return;
	}
	/* The bytes are copied here, so a zero-length slice has no pointer to read. */
	if (n)
		memcpy(rx->frame + len, data, n);
	rx->frame_len = len + n;
	if (flags & MP_FLAG_E)
		mp_rx_deliver(rx);
}

static uint32_t mp_rx_dist(const struct mp_rx *rx, uint32_t seq)
{
	return (seq - rx->next) & rx->mask;
}

static void mp_rx_take_slot(struct mp_rx *rx, struct mp_slot *s)
{
	s->used = 0;
	rx->held--;
	rx->held_bytes -= s->len;
	mp_rx_consume(rx, s->flags, s->data, s->len);
	rx->next = (rx->next + 1) & rx->mask;
}

/* The held fragment nearest ahead of next, or NULL. */
static struct mp_slot *mp_rx_first_held(struct mp_rx *rx)
{
	struct mp_slot *best = NULL;
	uint32_t bd = 0, d;
	unsigned i;

	for (i = 0; i < rx->p.window && rx->held; i++) {
		if (!rx->slots[i].used)
			continue;
		d = mp_rx_dist(rx, rx->slots[i].seq);
		if (best == NULL || d < bd) {
			best = &rx->slots[i];
			bd = d;
		}
	}
	return best;
}

/* Take held fragments while they continue the sequence. */
static void mp_rx_drain(struct mp_rx *rx)
{
	struct mp_slot *s;

	while (rx->held && (s = mp_rx_first_held(rx)) != NULL && s->seq == rx->next)
		mp_rx_take_slot(rx, s);
}

/*
 * Move next forward to target: numbers in between that are held are taken
 * in order, the others are lost.  Costs O(window^2) at most, never the
 * distance itself, so a peer's jump of 2^23 is as cheap as one of 2.
 */
static void mp_rx_skip_to(struct mp_rx *rx, uint32_t target)
{
	struct mp_slot *s;
	uint32_t d;

	while (rx->held && (s = mp_rx_first_held(rx)) != NULL &&
	       (d = mp_rx_dist(rx, s->seq)) < mp_rx_dist(rx, target)) {
		if (d)
			mp_rx_gap(rx, d);
		rx->next = s->seq;
		mp_rx_take_slot(rx, s);
	}
	d = mp_rx_dist(rx, target);
	if (d) {
		mp_rx_gap(rx, d);
		rx->next = target;
	}
	mp_rx_drain(rx);
}

static int mp_rx_hold(struct mp_rx *rx, uint32_t seq, uint8_t flags, const uint8_t *data, size_t n)
{
	struct mp_slot *free_slot = NULL;
	unsigned i;

	for (i = 0; i < rx->p.window; i++) {
		if (!rx->slots[i].used) {
			if (free_slot == NULL)
				free_slot = &rx->slots[i];
		} else if (rx->slots[i].seq == seq) {
			rx->stats.late++; /* a duplicate of one we hold */
			return -1;
		}
	}
	/*
	 * Held numbers lie in next+1..next+window, all different, so a free
	 * slot always exists; the check guards against a broken invariant.
	 */
	if (free_slot == NULL) {
		rx->stats.late++;
		return -1;
	}
	free_slot->used = 1;
	free_slot->seq = seq;
	free_slot->flags = flags;
	free_slot->len = (uint16_t)n;
	if (n)
		memcpy(free_slot->data, data, n);
	rx->held++;
	rx->held_bytes += n;
	return 0;
}

/* Drop everything held: the peer's numbering moved somewhere else. */
static void mp_rx_forget(struct mp_rx *rx)
{
	unsigned i;

	for (i = 0; i < rx->p.window; i++)
		rx->slots[i].used = 0;
	rx->held = 0;
	rx->held_bytes = 0;
	mp_rx_set_state(rx, MP_RX_IDLE);
}

static void mp_rx_set_deadline(struct mp_rx *rx, uint64_t at)
{
	if (at == rx->deadline)
		return;
	rx->deadline = at;
	if (rx->ops && rx->ops->arm_timer)
		rx->ops->arm_timer(rx->ctx, at);
}

/*
 * The timer measures time without progress while something waits (held
 * fragments, or a partial payload): progress restarts it, nothing waiting
 * stops it.
 */
static void mp_rx_update_timer(struct mp_rx *rx, uint64_t now, int progress)
{
	if (rx->held == 0 && rx->state == MP_RX_IDLE)
		mp_rx_set_deadline(rx, 0);
	else if (progress || rx->deadline == 0)
		mp_rx_set_deadline(rx, now + rx->p.timeout_ms);
}

static int mp_rx_parse(const struct mp_rx *rx, struct buf *pkt, uint8_t *flags, uint32_t *seq)
{
	uint16_t v;
	uint8_t f, hi;

	/* Reserved bits are ignored: RFC 1990 §3 gives them no meaning on receipt. */
	if (rx->p.short_seq) {
		if (buf_get_n16(pkt, &v) == -1)
			return -1;
		*flags = (uint8_t)(v >> 8) & (MP_FLAG_B | MP_FLAG_E);
		*seq = v & 0x0fff;
		return 0;
	}
	if (buf_get_n8(pkt, &f) == -1 || buf_get_n8(pkt, &hi) == -1 || buf_get_n16(pkt, &v) == -1)
		return -1;
	*flags = f & (MP_FLAG_B | MP_FLAG_E);
	*seq = (uint32_t)hi << 16 | v;
	return 0;
}

/* A fragment within the window: in order now, or held for later. */
static int mp_rx_place(struct mp_rx *rx, uint32_t seq, uint8_t flags, const uint8_t *data, size_t n)
{
	if (mp_rx_dist(rx, seq) != 0)
		return mp_rx_hold(rx, seq, flags, data, n);
	mp_rx_consume(rx, flags, data, n);
	rx->next = (rx->next + 1) & rx->mask;
	mp_rx_drain(rx);
	return 0;
}

int mp_rx_input(struct mp_rx *rx, struct buf *pkt, uint64_t now)
{
	const uint8_t *data;
	uint32_t seq, d, space = rx->mask + 1;
	uint8_t flags;
	size_t n;
	int r;

	if (rx->delivering) {
		rx->stats.reentered++;
		return -1;
	}
	rx->stats.fragments++;
	if (mp_rx_parse(rx, pkt, &flags, &seq) == -1) {
		rx->stats.bad_header++;
		return -1;
	}
	n = buf_left(pkt);
	/* The peer must respect our MRU; a longer slice is not ours to hold. */
	if (n > rx->p.frag_max) {
		rx->stats.frag_too_big++;
		return -1;
	}
	data = buf_cur(pkt);
	/*
	 * Senders number from 0 (freeRtr, Linux), so next starts there and a
	 * reordered or lost first fragment is handled like any other.  A peer
	 * that starts elsewhere is followed without counting the difference.
	 */
	if (!rx->synced) {
		rx->synced = 1;
		if (mp_rx_dist(rx, seq) > MP_RX_LATE_SPAN)
			rx->next = seq;
	}
	d = mp_rx_dist(rx, seq);
	if (d <= rx->p.window) {
		/* In order, or early: wait for the gap to fill (reordering underneath). */
		r = mp_rx_place(rx, seq, flags, data, n);
		mp_rx_update_timer(rx, now, d == 0);
		return r;
	}
	if (d >= space - MP_RX_LATE_SPAN) {
		rx->stats.late++;
		return -1;
	}
	if (d >= space / 2) {
		/* Far behind: the peer restarted its numbering (or lies); follow it. */
		rx->stats.resyncs++;
		mp_rx_forget(rx);
		rx->next = seq;
	} else {
		/*
		 * Beyond the window: what lies more than window numbers behind
		 * this fragment is lost (RFC 1990 §4.2, with our tolerance).
		 */
		mp_rx_skip_to(rx, (seq - rx->p.window) & rx->mask);
	}
	r = mp_rx_place(rx, seq, flags, data, n);
	mp_rx_update_timer(rx, now, 1);
	return r;
}

void mp_rx_timeout(struct mp_rx *rx, uint64_t now)
{
	struct mp_slot *s;

	if (rx->delivering || rx->deadline == 0 || now < rx->deadline)
		return;
	rx->stats.timeouts++;
	s = mp_rx_first_held(rx);
	if (s != NULL)
		mp_rx_skip_to(rx, s->seq);
	else if (rx->state == MP_RX_ASSEMBLING)
		mp_rx_gap(rx, 0);
	mp_rx_update_timer(rx, now, 1);
}

void mp_rx_reset(struct mp_rx *rx)
{
	mp_rx_forget(rx);
	rx->synced = 0;
	mp_rx_set_deadline(rx, 0);
}

uint64_t mp_rx_deadline(const struct mp_rx *rx)
{
	return rx->deadline;
}

size_t mp_rx_bytes_held(const struct mp_rx *rx)
{
	return rx->frame_len + rx->held_bytes;
}

size_t mp_rx_bytes_bound(const struct mp_rx *rx)
{
	return rx->frame_cap + (size_t)rx->p.window * rx->p.frag_max;
}

unsigned mp_rx_frags_held(const struct mp_rx *rx)
{
	return rx->held;
}

const struct mp_rx_stats *mp_rx_stats(const struct mp_rx *rx)
{
	return &rx->stats;
}
