/* LCP Maximum-Receive-Unit (RFC 1661 §6.1). */
#include "lcp.h"

/* We ask for the configured max-mru; nothing when it is 0 (peer assumes 1500). */
static int lcp_mru_add(void *ctx, struct wbuf *val)
{
	struct lcp *l = ctx;

	if (!l->want.mru)
		return 0;
	wbuf_add_n16(val, l->want.mru);
	return 1;
}

/* The peer wants another MRU from us: take it unless it is absurdly small. */
static int lcp_mru_nak(void *ctx, struct buf *val)
{
	struct lcp *l = ctx;
	uint16_t v;

	if (buf_get_n16(val, &v) == -1)
		return 0;
	l->want.mru = v < LCP_MIN_MRU ? LCP_MIN_MRU : v;
	return 0;
}

static int lcp_mru_rej(void *ctx)
{
	struct lcp *l = ctx;

	l->want.mru = 0;
	return 0;
}

/* The peer's MRU bounds what we send; below LCP_MIN_MRU we Nak it up. */
static int lcp_mru_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;
	uint16_t v;

	if (buf_get_n16(val, &v) == -1)
		return FSM_CONFREJ;
	if (v < LCP_MIN_MRU) {
		wbuf_add_n16(nak, LCP_MIN_MRU);
		return FSM_CONFNAK;
	}
	l->his.mru = v;
	return FSM_CONFACK;
}

const struct cpopt lcp_opt_mru = {
    .type = LCP_OPT_MRU,
    .name = "mru",
    .min_len = 4,
    .max_len = 4,
    .add = lcp_mru_add,
    .nak = lcp_mru_nak,
    .rej = lcp_mru_rej,
    .req = lcp_mru_req,
};
