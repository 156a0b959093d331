/*
 * Multilink options (RFC 1990 §5.1): MRRU, Short Sequence Number Header
 * Format and Endpoint Discriminator.  Policy: offered only when an mrru is
 * configured; then the peer's are accepted.  Without an mrru we Reject
 * them, so a peer never sends us MP headers we did not agree to (RouterOS
 * behaves the same with mrru=disabled).
 */
#include <string.h>

#include "lcp.h"

static int lcp_mrru_add(void *ctx, struct wbuf *val)
{
	struct lcp *l = ctx;

	if (!l->want.mrru)
		return 0;
	wbuf_add_n16(val, l->want.mrru);
	return 1;
}

static int lcp_mrru_nak(void *ctx, struct buf *val)
{
	struct lcp *l = ctx;
	uint16_t v;

	if (!l->want.mrru || buf_get_n16(val, &v) == -1)
		return 0;
	/* Smaller than a whole Ethernet frame would defeat the point: give up MP. */
	if (v < LCP_MIN_MRRU) {
		l->want.mrru = 0;
		l->want.short_seq = 0;
		l->want.ed_class = 0xff;
	} else {
		l->want.mrru = v;
	}
	return 0;
}

/* RFC 1990 §5.1.1: a rejected MRRU means no Multilink at all. */
static int lcp_mrru_rej(void *ctx)
{
	struct lcp *l = ctx;

	l->want.mrru = 0;
	l->want.short_seq = 0;
	l->want.ed_class = 0xff;
	return 0;
}

static int lcp_mrru_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;
	uint16_t v;

	(void)nak;
	if (!l->p.mrru || buf_get_n16(val, &v) == -1)
		return FSM_CONFREJ;
	l->his.mrru = v;
	return FSM_CONFACK;
}

const struct cpopt lcp_opt_mrru = {
    .type = LCP_OPT_MRRU,
    .name = "mrru",
    .min_len = 4,
    .max_len = 4,
    .add = lcp_mrru_add,
    .nak = lcp_mrru_nak,
    .rej = lcp_mrru_rej,
    .req = lcp_mrru_req,
};

static int lcp_ssnhf_add(void *ctx, struct wbuf *val)
{
	struct lcp *l = ctx;

	(void)val;
	return l->want.mrru && l->want.short_seq;
}

static int lcp_ssnhf_rej(void *ctx)
{
	struct lcp *l = ctx;

	l->want.short_seq = 0;
	return 0;
}

static int lcp_ssnhf_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;

	(void)val, (void)nak;
	if (!l->p.mrru)
		return FSM_CONFREJ;
	l->his.short_seq = 1;
	return FSM_CONFACK;
}

const struct cpopt lcp_opt_ssnhf = {
    .type = LCP_OPT_SSNHF,
    .name = "ssnhf",
    .min_len = 2,
    .max_len = 2,
    .add = lcp_ssnhf_add,
    .rej = lcp_ssnhf_rej,
    .req = lcp_ssnhf_req,
};

/* RFC 1990 §5.1.3: the address length each class allows (min, max). */
static int lcp_ed_len_ok(uint8_t cls, size_t len)
{
	switch (cls) {
	case LCP_ED_NULL:
		return len == 0;
	case LCP_ED_LOCAL:
	case LCP_ED_MAGIC:
		return len >= 1 && len <= 20;
	case LCP_ED_IPV4:
		return len == 4;
	case LCP_ED_MAC:
		return len == 6;
	case LCP_ED_PHONE:
		return len >= 1 && len <= 15;
	default:
		return 0;
	}
}

static int lcp_ed_add(void *ctx, struct wbuf *val)
{
	struct lcp *l = ctx;

	if (!l->want.mrru || l->want.ed_class == 0xff)
		return 0;
	wbuf_add_n8(val, l->want.ed_class);
	wbuf_add_bytes(val, l->want.ed, l->want.ed_len);
	return 1;
}

static int lcp_ed_rej(void *ctx)
{
	struct lcp *l = ctx;

	l->want.ed_class = 0xff;
	return 0;
}

static int lcp_ed_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;
	uint8_t cls;
	size_t n;

	(void)nak;
	/* RFC 1990 §5.1.3: the discriminator is not negotiable, never Nak'ed. */
	if (!l->p.mrru || buf_get_n8(val, &cls) == -1)
		return FSM_CONFREJ;
	n = buf_left(val);
	if (!lcp_ed_len_ok(cls, n))
		return FSM_CONFREJ;
	l->his.ed_class = cls;
	l->his.ed_len = (uint8_t)n;
	buf_get_bytes(val, l->his.ed, n);
	return FSM_CONFACK;
}

const struct cpopt lcp_opt_ed = {
    .type = LCP_OPT_ED,
    .name = "endpoint-discriminator",
    .min_len = 3,
    .max_len = 3 + LCP_ED_MAX,
    .add = lcp_ed_add,
    .rej = lcp_ed_rej,
    .req = lcp_ed_req,
};
