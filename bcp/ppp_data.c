/*
 * The PPP data path: bridged frames (BCP, RFC 3518 §6), MPPE (RFC 3078)
 * and Multilink (RFC 1990), layered as ppp.h describes.  Every buffer is
 * in struct ppp: no allocation per frame, and nesting (MP -> MPPE -> BCP)
 * uses one buffer per layer.
 */
#include <string.h>
#include <syslog.h>

#include "ppp_int.h"

_Static_assert(sizeof(struct mp_rx_stats) % sizeof(uint64_t) == 0, "counters only");
_Static_assert(sizeof(struct mp_tx_stats) % sizeof(uint64_t) == 0, "counters only");
_Static_assert(sizeof(struct mppe_rx_stats) % sizeof(uint64_t) == 0, "counters only");
_Static_assert(sizeof(struct mppe_tx_stats) % sizeof(uint64_t) == 0, "counters only");

/* Add a block of counters (the stats structs hold uint64_t only). */
static void ppp_fold(void *dst, const void *src, size_t size)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	size_t i;

	for (i = 0; i < size / sizeof(uint64_t); i++)
		d[i] += s[i];
}

/* ---- sending ---- */

/*
 * One payload (protocol field first) to the link: through Multilink when
 * the peer negotiated an MRRU, else whole if it fits the peer's MRU.
 */
static int ppp_send_payload(struct ppp *p, const uint8_t *pl, size_t len)
{
	struct mp_tx_iter it;
	struct wbuf w;
	int r;

	if (!p->mptx_on) {
		/* The tunnel MTU rule: nothing bigger than the peer said it receives. */
		if (len - 2 > lcp_his(&p->lcp)->mru) {
			p->stats.tx_over_mru++;
			return -1;
		}
		ppp_send_raw(p, (uint16_t)(pl[0] << 8 | pl[1]), pl + 2, len - 2);
		return 0;
	}
	if (mp_tx_begin(&p->mptx, &it, pl, len) == -1) {
		p->stats.tx_too_big++;
		return -1;
	}
	for (;;) {
		wbuf_init(&w, p->fragbuf, sizeof(p->fragbuf));
		r = mp_tx_next(&p->mptx, &it, &w);
		if (r == 0)
			return 0;
		if (r == -1) {
			p->stats.tx_too_big++;
			return -1;
		}
		ppp_send_raw(p, (uint16_t)(w.p[0] << 8 | w.p[1]), w.p + 2, w.len - 2);
	}
}

int ppp_send_frame(struct ppp *p, const uint8_t *eth, size_t len)
{
	struct wbuf w, e;

	if (!p->ready) {
		p->stats.tx_not_ready++;
		return -1;
	}
	wbuf_init(&w, p->txbuf, sizeof(p->txbuf));
	wbuf_add_n16(&w, PPP_PROTO_BRIDGED);
	if (bcp_frame_encode(&w, eth, len, &p->enc) == -1 || w.err) {
		p->stats.tx_too_big++;
		return -1;
	}
	p->stats.tx_bridged++;
	if (!p->mtx_on)
		return ppp_send_payload(p, w.p, w.len);
	/* RFC 3078 §3: protocols 0x21-0xFA are encrypted; bridged frames are. */
	wbuf_init(&e, p->encbuf, sizeof(p->encbuf));
	if (mppe_encrypt(&p->mtx, w.p, w.len, &e) == -1) {
		p->stats.tx_too_big++;
		return -1;
	}
	return ppp_send_payload(p, e.p, e.len);
}

/* ---- receiving ---- */

static int ppp_bridged_input(struct ppp *p, struct buf *info, unsigned via)
{
	enum bcp_frame_err e;
	size_t n = 0;

	if (!p->bcp_open || !p->ready) {
		p->stats.drop_bcp_closed++;
		return -1;
	}
	/* Once MPPE is on for us, plaintext data is an injection or a confused peer. */
	if (p->mrx_on && !(via & PPP_VIA_MPPE)) {
		p->stats.drop_unencrypted++;
		return -1;
	}
	e = bcp_frame_decode(info, p->eth, sizeof(p->eth), &n, NULL);
	if (e != BCP_FRAME_OK) {
		p->stats.drop_bridged[e]++;
		return -1;
	}
	p->stats.rx_bridged++;
	if (p->ops->frame)
		p->ops->frame(p->ctx, p->eth, n);
	return 0;
}

/* A stateful receiver lost step: ask the peer to flush (RFC 3078 §8.2, RFC 1962 §2.2). */
static void ppp_reset_request(struct ppp *p, int again)
{
	if (again && p->ccp.reset_at && p->now - p->ccp.reset_at < PPP_RESETREQ_MS)
		return;
	ccp_send_reset_request(&p->ccp, p->now);
}

static int ppp_mppe_input(struct ppp *p, struct buf *info, unsigned via)
{
	enum mppe_drop why = MPPE_OK;
	struct wbuf w;
	struct buf in;
	uint16_t proto;

	if (!p->mrx_on) {
		p->stats.drop_mppe_off++;
		return -1;
	}
	wbuf_init(&w, p->decbuf, sizeof(p->decbuf));
	if (mppe_decrypt(&p->mrx, info, &w, &why) == -1) {
		p->stats.drop_mppe++;
		if (why == MPPE_DROP_LOST || why == MPPE_DROP_AWAIT_FLUSH)
			ppp_reset_request(p, why == MPPE_DROP_AWAIT_FLUSH);
		return -1;
	}
	buf_init(&in, w.p, w.len);
	/*
	 * RFC 3078 §3: only protocols 0x0021-0x00FA are encrypted, so anything
	 * else decrypted means the RC4 states are out of step.
	 */
	if (ppp_get_proto(&in, &proto) != 0 || proto < 0x21 || proto > 0xfa) {
		p->stats.drop_mppe_proto++;
		if (mppe_rx_desync(&p->mrx))
			ppp_reset_request(p, 0);
		return -1;
	}
	return ppp_dispatch(p, proto, &in, via | PPP_VIA_MPPE);
}

static void ppp_mp_frame(void *ctx, const uint8_t *payload, size_t len)
{
	struct ppp *p = ctx;
	struct buf b;
	uint16_t proto;

	buf_init(&b, payload, len);
	if (ppp_get_proto(&b, &proto) != 0) {
		p->stats.drop_bad_proto++;
		return;
	}
	ppp_dispatch(p, proto, &b, PPP_VIA_MP);
}

/* The deadline is polled by ppp_data_deadline(): nothing to do here. */
static void ppp_mp_arm(void *ctx, uint64_t at)
{
	(void)ctx, (void)at;
}

static const struct mp_rx_ops ppp_mp_ops = {
    .frame = ppp_mp_frame,
    .arm_timer = ppp_mp_arm,
};

int ppp_data_input(struct ppp *p, uint16_t proto, struct buf *info, unsigned via)
{
	switch (proto) {
	case PPP_PROTO_BRIDGED:
		return ppp_bridged_input(p, info, via);
	case MPPE_PROTO:
		/* MPPE inside MPPE never happens: the range check excludes 0x00FD. */
		if (via & PPP_VIA_MPPE) {
			p->stats.drop_nested++;
			return -1;
		}
		return ppp_mppe_input(p, info, via);
	case PPP_PROTO_MP:
		/* RFC 1990 §3: fragments carry bundle payloads, never fragments. */
		if (via) {
			p->stats.drop_nested++;
			return -1;
		}
		if (p->phase != PPP_PHASE_NETWORK || !p->mprx) {
			p->stats.drop_mp++;
			return -1;
		}
		return mp_rx_input(p->mprx, info, p->now);
	default:
		return -1;
	}
}

/* ---- negotiation events ---- */

/* LCP is Opened and the network phase begins: set up Multilink per RFC 1990 §5.1.1. */
void ppp_data_network(struct ppp *p)
{
	const struct lcp_values *ours = lcp_ours(&p->lcp), *his = lcp_his(&p->lcp);
	struct mp_rx_params rp;
	struct mp_tx_params tp;

	ppp_fold(&p->hist.mp_tx, &p->mptx.stats, sizeof(p->mptx.stats));
	memset(&p->mptx, 0, sizeof(p->mptx));
	p->mptx_on = 0;
	/* The peer's MRRU says it reassembles: only then may we send fragments. */
	if (his->mrru) {
		memset(&tp, 0, sizeof(tp));
		tp.short_seq = his->short_seq;
		tp.frag_max = mp_frag_max(his->mru, his->short_seq);
		/* freeRtr's rule: whatever fits one fragment goes without an MP header. */
		tp.plain_max = tp.frag_max;
		tp.mrru = his->mrru;
		p->mptx_on = mp_tx_init(&p->mptx, &tp) == 0;
	}
	if (!ours->mrru)
		return;
	mp_rx_params_default(&rp, ours->mrru, ours->short_seq);
	if (ours->mru > rp.frag_max)
		rp.frag_max = ours->mru;
	if (p->mprx && memcmp(&rp, &p->mprx_p, sizeof(rp)) == 0) {
		mp_rx_reset(p->mprx);
		return;
	}
	if (p->mprx) {
		ppp_fold(&p->hist.mp_rx, mp_rx_stats(p->mprx), sizeof(p->hist.mp_rx));
		mp_rx_free(p->mprx);
	}
	p->mprx_p = rp;
	p->mprx = mp_rx_new(&rp, &ppp_mp_ops, p);
	if (!p->mprx)
		ppp_logf(p, LOG_ERR, "no memory for the Multilink receiver");
}

void ppp_data_lcp_down(struct ppp *p)
{
	p->mptx_on = 0;
	if (p->mprx)
		mp_rx_reset(p->mprx);
}

/* CCP Opened: MPPE from the initial session keys (RFC 3079), per direction. */
void ppp_data_ccp_up(struct ppp *p)
{
	uint8_t send[MPPE_KEY_LEN], recv[MPPE_KEY_LEN];
	int tx_sl = 0, rx_sl = 0, tx = ccp_tx_mppe(&p->ccp, &tx_sl),
	    rx = ccp_rx_mppe(&p->ccp, &rx_sl);

	ppp_data_ccp_down(p);
	if (!(tx || rx))
		return;
	if (ppp_mppe_keys(p, send, recv) == -1) {
		/* CCP only offers MPPE with keys; this would be a bug, so fail closed. */
		ppp_logf(p, LOG_ERR, "MPPE negotiated without keys");
		fsm_close(&p->ccp.fsm, "no MPPE keys", p->now);
		return;
	}
	if (tx) {
		mppe_tx_init(&p->mtx, send, tx_sl);
		p->mtx_on = 1;
	}
	if (rx) {
		mppe_rx_init(&p->mrx, recv, rx_sl, 0);
		p->mrx_on = 1;
	}
	explicit_bzero(send, sizeof(send));
	explicit_bzero(recv, sizeof(recv));
}

void ppp_data_ccp_down(struct ppp *p)
{
	ppp_fold(&p->hist.mppe_tx, &p->mtx.stats, sizeof(p->mtx.stats));
	ppp_fold(&p->hist.mppe_rx, &p->mrx.stats, sizeof(p->mrx.stats));
	mppe_tx_clear(&p->mtx);
	mppe_rx_clear(&p->mrx);
	p->mtx_on = p->mrx_on = 0;
}

void ppp_data_timeout(struct ppp *p, uint64_t now)
{
	uint64_t d = p->mprx ? mp_rx_deadline(p->mprx) : 0;

	if (d && d <= now)
		mp_rx_timeout(p->mprx, now);
}

uint64_t ppp_data_deadline(const struct ppp *p)
{
	return p->mprx ? mp_rx_deadline(p->mprx) : 0;
}

void ppp_data_free(struct ppp *p)
{
	mp_rx_free(p->mprx);
	p->mprx = NULL;
	mppe_tx_clear(&p->mtx);
	mppe_rx_clear(&p->mrx);
}

void ppp_link_stats(const struct ppp *p, struct ppp_link_stats *out)
{
	*out = p->hist;
	if (p->mprx)
		ppp_fold(&out->mp_rx, mp_rx_stats(p->mprx), sizeof(out->mp_rx));
	ppp_fold(&out->mp_tx, &p->mptx.stats, sizeof(out->mp_tx));
	ppp_fold(&out->mppe_tx, &p->mtx.stats, sizeof(out->mppe_tx));
	ppp_fold(&out->mppe_rx, &p->mrx.stats, sizeof(out->mppe_rx));
}
