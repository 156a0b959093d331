/*
 * LCP Magic-Number (RFC 1661 §6.4) and looped-back link detection: a peer
 * request carrying our own magic means the link may be looped back; we Nak
 * with a fresh number and pick a new one ourselves.  After Max-Failure such
 * requests in a row the link is declared looped and LCP closes.
 */
#include <syslog.h>

#include "lcp.h"

uint32_t lcp_new_magic(struct lcp *l)
{
	uint8_t r[4];
	uint32_t m = 0;
	int i;

	/* Zero is not a magic number (RFC 1661 §6.4); try a few draws. */
	for (i = 0; i < 8 && m == 0; i++) {
		r[0] = r[1] = r[2] = r[3] = 0;
		if (l->ops && l->ops->random)
			l->ops->random(l->ctx, r, sizeof(r));
		m = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
	}
	return m ? m : 0x1d2c3b4au;
}

static int lcp_magic_add(void *ctx, struct wbuf *val)
{
	struct lcp *l = ctx;

	if (!l->want.magic)
		return 0;
	wbuf_add_n32(val, l->want.magic);
	return 1;
}

/* A Nak of our magic means the peer saw it as its own: choose again. */
static int lcp_magic_nak(void *ctx, struct buf *val)
{
	struct lcp *l = ctx;

	(void)val;
	l->want.magic = lcp_new_magic(l);
	return 0;
}

static int lcp_magic_rej(void *ctx)
{
	struct lcp *l = ctx;

	l->want.magic = 0;
	return 0;
}

static int lcp_magic_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;
	uint32_t v;

	if (buf_get_n32(val, &v) == -1)
		return FSM_CONFREJ;
	if (v != 0 && v == l->want.magic) {
		l->stats.loops_detected++;
		if (++l->magic_loops > l->fsm.max_failure) {
			fsm_logf(&l->fsm, LOG_WARNING, "our magic number keeps coming back");
			fsm_set_reason(&l->fsm, "link is looped back");
			return FSM_CI_FAIL;
		}
		l->want.magic = lcp_new_magic(l);
		wbuf_add_n32(nak, lcp_new_magic(l));
		return FSM_CONFNAK;
	}
	l->his.magic = v;
	return FSM_CONFACK;
}

const struct cpopt lcp_opt_magic = {
    .type = LCP_OPT_MAGIC,
    .name = "magic",
    .min_len = 6,
    .max_len = 6,
    .add = lcp_magic_add,
    .nak = lcp_magic_nak,
    .rej = lcp_magic_rej,
    .req = lcp_magic_req,
};
