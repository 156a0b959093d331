/*
 * LCP: the option table, the fsm callbacks (thin wrappers around cpopt.c)
 * and the LCP-only codes (RFC 1661 §5.7 Protocol-Reject, RFC 1570
 * Identification / Time-Remaining).  Echo and keepalive live in lcp_echo.c.
 */
#include <string.h>
#include <syslog.h>

#include "lcp.h"

static struct lcp *lcp_of(struct fsm *f)
{
	return f->arg;
}

/* ACCM (RFC 1662 §7.1) means nothing on L2TP: Ack whatever the peer says. */
static int lcp_accm_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	(void)ctx, (void)val, (void)nak;
	return FSM_CONFACK;
}

/* PFC and ACFC (RFC 1661 §6.5, §6.6): we accept both and never ask. */
static int lcp_pfc_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;

	(void)val, (void)nak;
	l->his.pfc = 1;
	return FSM_CONFACK;
}

static int lcp_acfc_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;

	(void)val, (void)nak;
	l->his.acfc = 1;
	return FSM_CONFACK;
}

static const struct cpopt lcp_opt_accm = {
    .type = LCP_OPT_ACCM,
    .name = "accm",
    .min_len = 6,
    .max_len = 6,
    .req = lcp_accm_req,
};
static const struct cpopt lcp_opt_pfc = {
    .type = LCP_OPT_PFC,
    .name = "pfc",
    .min_len = 2,
    .max_len = 2,
    .req = lcp_pfc_req,
};
static const struct cpopt lcp_opt_acfc = {
    .type = LCP_OPT_ACFC,
    .name = "acfc",
    .min_len = 2,
    .max_len = 2,
    .req = lcp_acfc_req,
};

/* Order of our Configure-Request; anything else the peer asks for is rejected. */
static const struct cpopt *const lcp_opts[] = {
    &lcp_opt_mru,  &lcp_opt_accm, &lcp_opt_auth,  &lcp_opt_magic, &lcp_opt_pfc,
    &lcp_opt_acfc, &lcp_opt_mrru, &lcp_opt_ssnhf, &lcp_opt_ed,
};

static void lcp_req_begin(void *ctx)
{
	struct lcp *l = ctx;

	memset(&l->his, 0, sizeof(l->his));
	l->his.mru = LCP_DEFAULT_MRU;
	l->his.ed_class = 0xff;
}

static const struct cpopt_set lcp_set = {
    .proto = "lcp",
    .opt = lcp_opts,
    .n = sizeof(lcp_opts) / sizeof(lcp_opts[0]),
    .req_begin = lcp_req_begin,
};

static void lcp_reset_ci(struct fsm *f)
{
	struct lcp *l = lcp_of(f);

	memset(&l->want, 0, sizeof(l->want));
	l->want.mru = l->p.mru;
	l->want.magic = lcp_new_magic(l);
	l->auth_refused = 0;
	l->magic_loops = 0;
	l->want.auth = l->p.authenticator ? lcp_auth_first(l) : PPP_AUTH_NONE;
	l->want.mrru = l->p.mrru;
	l->want.short_seq = l->p.mrru && l->p.short_seq;
	l->want.ed_class = 0xff;
	if (l->p.mrru && l->p.ed_class != LCP_ED_NULL && l->p.ed_len <= LCP_ED_MAX) {
		l->want.ed_class = l->p.ed_class;
		l->want.ed_len = l->p.ed_len;
		memcpy(l->want.ed, l->p.ed, l->p.ed_len);
	}
}

static int lcp_addci(struct fsm *f, struct wbuf *w)
{
	return cpopt_add(&lcp_set, lcp_of(f), w);
}

static int lcp_nakci(struct fsm *f, struct buf *b)
{
	return cpopt_nak(&lcp_set, lcp_of(f), b);
}

static int lcp_rejci(struct fsm *f, struct buf *b)
{
	return cpopt_rej(&lcp_set, lcp_of(f), b, f->req, f->req_len);
}

static int lcp_reqci(struct fsm *f, struct buf *b, struct wbuf *reply, int reject_if_disagree)
{
	struct lcp *l = lcp_of(f);
	int r = cpopt_req(&lcp_set, l, b, reply, reject_if_disagree);

	/* A request we can Ack is not looped back: the loop counter starts over. */
	if (r == FSM_CONFACK)
		l->magic_loops = 0;
	return r;
}

static void lcp_up(struct fsm *f)
{
	struct lcp *l = lcp_of(f);

	fsm_logf(f, LOG_INFO, "opened: mru %u/%u auth %s mrru %u/%u magic %08x/%08x", l->want.mru,
		 l->his.mru, auth_method_name(l->p.authenticator ? l->want.auth : l->his.auth),
		 l->want.mrru, l->his.mrru, l->want.magic, l->his.magic);
	lcp_echo_up(l);
	if (l->ops->up)
		l->ops->up(l->ctx);
}

static void lcp_down(struct fsm *f)
{
	struct lcp *l = lcp_of(f);

	l->ka_at = 0;
	if (l->ops->down)
		l->ops->down(l->ctx);
}

static void lcp_starting(struct fsm *f)
{
	struct lcp *l = lcp_of(f);

	if (l->ops->starting)
		l->ops->starting(l->ctx);
}

static void lcp_finished(struct fsm *f)
{
	struct lcp *l = lcp_of(f);

	l->ka_at = 0;
	if (l->ops->finished)
		l->ops->finished(l->ctx);
}

/* RFC 1661 §5.7 Protocol-Reject, RFC 1570 Identification / Time-Remaining. */
static int lcp_extcode(struct fsm *f, uint8_t code, uint8_t id, struct buf *data)
{
	struct lcp *l = lcp_of(f);
	uint16_t proto;

	(void)id;
	switch (code) {
	case FSM_PROTREJ:
		l->stats.protrej_rx++;
		/* Only meaningful in Opened; elsewhere silently discarded. */
		if (f->state != FSM_OPENED || buf_get_n16(data, &proto) == -1)
			return 1;
		fsm_logf(f, LOG_WARNING, "peer rejected protocol 0x%04x", proto);
		if (proto == PPP_PROTO_LCP) {
			fsm_rxj(f, 1, f->now);
		} else {
			fsm_rxj(f, 0, f->now);
			if (l->ops->protocol_rejected)
				l->ops->protocol_rejected(l->ctx, proto);
		}
		return 1;
	case LCP_CODE_IDENTIFICATION:
	case LCP_CODE_TIME_REMAINING:
		l->stats.ident_rx++;
		return 1;
	default:
		return 0;
	}
}

static const struct fsm_callbacks lcp_callbacks = {
    .reset_ci = lcp_reset_ci,
    .addci = lcp_addci,
    .nakci = lcp_nakci,
    .rejci = lcp_rejci,
    .reqci = lcp_reqci,
    .up = lcp_up,
    .down = lcp_down,
    .starting = lcp_starting,
    .finished = lcp_finished,
    .extcode = lcp_extcode,
    .rxr = lcp_rxr,
};

void lcp_init(struct lcp *l, const struct lcp_params *p, const struct lcp_ops *ops, void *ctx,
	      const struct fsm_io *io, void *io_ctx)
{
	memset(l, 0, sizeof(*l));
	l->p = *p;
	l->ops = ops;
	l->ctx = ctx;
	fsm_init(&l->fsm, "lcp", PPP_PROTO_LCP, &lcp_callbacks, l, io, io_ctx);
	lcp_req_begin(l);
}

void lcp_timeout(struct lcp *l, uint64_t now)
{
	fsm_timeout(&l->fsm, now);
	lcp_echo_timeout(l, now);
}

uint64_t lcp_deadline(const struct lcp *l)
{
	uint64_t a = fsm_deadline(&l->fsm), b = l->ka_at;

	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

const char *lcp_reason(const struct lcp *l)
{
	return l->fsm.reason;
}

const struct lcp_values *lcp_ours(const struct lcp *l)
{
	return &l->want;
}

const struct lcp_values *lcp_his(const struct lcp *l)
{
	return &l->his;
}
