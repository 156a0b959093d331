/*
 * CCP with the MPPE option (RFC 1962, RFC 3078 §2) on the one automaton.
 * See ccp.h for the policy; the comments here say why each rule is what
 * it is.
 */
#include <string.h>
#include <syslog.h>

#include "ccp.h"
#include "cpopt.h"

#define CCP_REASON_REFUSED "encryption required but peer refused MPPE"
/* What we ask for: 128-bit keys only (mppe.h), in the mode we prefer. */
static uint32_t ccp_ours(const struct ccp *c)
{
	return CCP_MPPE_S | (c->p.stateful ? 0 : CCP_MPPE_H);
}

/* MPPE is possible at all: allowed by policy and keyed by MS-CHAP. */
static int ccp_may(const struct ccp *c)
{
	return c->p.policy != CFG_ENC_NO && c->keys;
}

/* We ask for MPPE in our own request from the start. */
static int ccp_asks(const struct ccp *c)
{
	return (c->p.policy == CFG_ENC_YES || c->p.policy == CFG_ENC_REQUIRED) && c->keys;
}

/* The peer cannot or will not do our MPPE: fatal only when it is required. */
static int ccp_refuse(struct ccp *c)
{
	c->refused = 1;
	c->want = 0;
	if (c->p.policy == CFG_ENC_REQUIRED) {
		fsm_set_reason(&c->fsm, CCP_REASON_REFUSED);
		return FSM_CI_FAIL;
	}
	return 0;
}

static int ccp_mppe_add(void *ctx, struct wbuf *val)
{
	struct ccp *c = ctx;

	if (!c->want)
		return 0;
	wbuf_add_n32(val, c->want);
	return 1;
}

/*
 * RFC 3078 §2: a Nak carries the bits the peer would accept.  It may also
 * be a hint for an option we did not ask for (RFC 1661 §5.3), which the
 * default policy follows.
 */
static int ccp_mppe_nak(void *ctx, struct buf *val)
{
	struct ccp *c = ctx;
	uint32_t bits;

	if (buf_get_n32(val, &bits) == -1)
		return 0;
	if (!(bits & CCP_MPPE_S))
		return c->want ? ccp_refuse(c) : 0;
	if (!ccp_may(c) || c->refused)
		return 0;
	/* Preferring stateful, we repeat our wish once before giving in. */
	if (c->want && c->p.stateful && (bits & CCP_MPPE_H) && !c->insisted) {
		c->insisted = 1;
		return 0;
	}
	/* Otherwise the peer's choice of stateless or stateful wins: we can do both. */
	c->want = CCP_MPPE_S | (bits & CCP_MPPE_H);
	return 0;
}

static int ccp_mppe_rej(void *ctx)
{
	return ccp_refuse(ctx);
}

/*
 * The peer's MPPE option: Ack exactly 128-bit in our preferred mode, or in
 * the other mode once we have Nak'ed it and the peer insists; Nak anything
 * else with what we would Ack.
 */
static int ccp_mppe_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct ccp *c = ctx;
	uint32_t bits, h;

	if (!ccp_may(c) || buf_get_n32(val, &bits) == -1)
		return FSM_CONFREJ;
	h = c->h_nakked ? (bits & CCP_MPPE_H) : (ccp_ours(c) & CCP_MPPE_H);
	if (bits == (CCP_MPPE_S | h)) {
		c->his = bits;
		/* Default policy: encrypt the other direction too, from our next request on. */
		if (!c->want && !c->refused)
			c->mirror = bits;
		return FSM_CONFACK;
	}
	if ((bits & CCP_MPPE_H) != h)
		c->h_nakked = 1;
	wbuf_add_n32(nak, CCP_MPPE_S | h);
	return FSM_CONFNAK;
}

static const struct cpopt ccp_opt_mppe = {
    .type = CCP_OPT_MPPE,
    .name = "mppe",
    .min_len = 6,
    .max_len = 6,
    .add = ccp_mppe_add,
    .nak = ccp_mppe_nak,
    .rej = ccp_mppe_rej,
    .req = ccp_mppe_req,
};

/* Deflate, BSD-Compress, Predictor, ...: no entry, so the engine rejects them. */
static const struct cpopt *const ccp_opts[] = {&ccp_opt_mppe};

static void ccp_req_begin(void *ctx)
{
	((struct ccp *)ctx)->his = 0;
}

static const struct cpopt_set ccp_set = {
    .proto = "ccp",
    .opt = ccp_opts,
    .n = 1,
    .req_begin = ccp_req_begin,
};

static void ccp_reset_ci(struct fsm *f)
{
	struct ccp *c = f->arg;

	c->refused = 0;
	c->h_nakked = 0;
	c->insisted = 0;
	if (ccp_asks(c))
		c->want = ccp_ours(c);
	else if (ccp_may(c) && c->mirror)
		c->want = c->mirror;
	else
		c->want = 0;
}

static int ccp_addci(struct fsm *f, struct wbuf *w)
{
	return cpopt_add(&ccp_set, f->arg, w);
}

static int ccp_nakci(struct fsm *f, struct buf *b)
{
	return cpopt_nak(&ccp_set, f->arg, b);
}

static int ccp_rejci(struct fsm *f, struct buf *b)
{
	return cpopt_rej(&ccp_set, f->arg, b, f->req, f->req_len);
}

static int ccp_reqci(struct fsm *f, struct buf *b, struct wbuf *reply, int reject_if_disagree)
{
	struct ccp *c = f->arg;
	int r = cpopt_req(&ccp_set, c, b, reply, reject_if_disagree);

	/*
	 * yes/required want both directions encrypted: a request without
	 * MPPE is Nak'ed with the option appended as a hint (RFC 1661 §5.3),
	 * until the peer refuses ours or Max-Failure says it never will.
	 */
	if (r == FSM_CONFACK && !c->his && ccp_asks(c) && !c->refused && !reject_if_disagree) {
		wbuf_add_n8(reply, CCP_OPT_MPPE);
		wbuf_add_n8(reply, 6);
		wbuf_add_n32(reply, ccp_ours(c));
		return FSM_CONFNAK;
	}
	return r;
}

static void ccp_up(struct fsm *f)
{
	struct ccp *c = f->arg;

	/* RFC 3078 §2: MPPE attempted and failed: the link SHOULD be terminated. */
	if (c->p.policy == CFG_ENC_REQUIRED && !(c->want && c->his)) {
		fsm_set_reason(f, CCP_REASON_REFUSED);
		fsm_close(f, NULL, f->now);
		return;
	}
	fsm_logf(f, LOG_INFO, "opened: encoding %s (ours %08x, peer's %08x)", ccp_encoding(c),
		 c->want, c->his);
	if (c->ops && c->ops->up)
		c->ops->up(c->ctx);
}

static void ccp_down(struct fsm *f)
{
	struct ccp *c = f->arg;

	if (c->ops && c->ops->down)
		c->ops->down(c->ctx);
}

static void ccp_finished(struct fsm *f)
{
	struct ccp *c = f->arg;

	if (c->ops && c->ops->finished)
		c->ops->finished(c->ctx);
}

/* RFC 1962 §2.1, §2.2: Reset-Request and Reset-Ack. */
static int ccp_extcode(struct fsm *f, uint8_t code, uint8_t id, struct buf *data)
{
	struct ccp *c = f->arg;

	(void)id, (void)data;
	switch (code) {
	case CCP_RESETREQ:
		c->stats.resetreq_rx++;
		/* Outside Opened there is no MPPE state to flush. */
		if (f->state == FSM_OPENED && c->ops && c->ops->reset_request)
			c->ops->reset_request(c->ctx);
		return 1;
	case CCP_RESETACK:
		/* The flushed bit resynchronises MPPE; an Ack changes nothing. */
		c->stats.resetack_rx++;
		return 1;
	default:
		return 0;
	}
}

static const struct fsm_callbacks ccp_callbacks = {
    .reset_ci = ccp_reset_ci,
    .addci = ccp_addci,
    .nakci = ccp_nakci,
    .rejci = ccp_rejci,
    .reqci = ccp_reqci,
    .up = ccp_up,
    .down = ccp_down,
    .finished = ccp_finished,
    .extcode = ccp_extcode,
};

void ccp_init(struct ccp *c, const struct ccp_params *p, const struct ccp_ops *ops, void *ctx,
	      const struct fsm_io *io, void *io_ctx)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->ops = ops;
	c->ctx = ctx;
	fsm_init(&c->fsm, "ccp", PPP_PROTO_CCP, &ccp_callbacks, c, io, io_ctx);
}

void ccp_set_keys(struct ccp *c, int keys)
{
	c->keys = keys;
	if (!keys)
		c->mirror = 0;
}

int ccp_active(const struct ccp *c)
{
	return c->p.policy == CFG_ENC_YES || c->p.policy == CFG_ENC_REQUIRED;
}

int ccp_peek_request(struct ccp *c, const uint8_t *pkt, size_t len)
{
	struct buf b, val;
	uint8_t code, id, type;
	uint16_t plen;
	uint32_t bits;

	buf_init(&b, pkt, len);
	if (buf_get_n8(&b, &code) == -1 || buf_get_n8(&b, &id) == -1 ||
	    buf_get_n16(&b, &plen) == -1 || code != FSM_CONFREQ || plen < 4 || plen > len)
		return 0;
	buf_init(&b, pkt + 4, plen - 4u);
	while (cpopt_next(&b, &type, &val) == 0) {
		if (type != CCP_OPT_MPPE || buf_get_n32(&val, &bits) == -1)
			continue;
		if (ccp_may(c) && (bits & CCP_MPPE_S)) {
			c->mirror = CCP_MPPE_S | (bits & CCP_MPPE_H);
			return 1;
		}
	}
	return 0;
}

static int ccp_dir(const struct ccp *c, uint32_t bits, int *stateless)
{
	if (c->fsm.state != FSM_OPENED || !(bits & CCP_MPPE_S))
		return 0;
	if (stateless)
		*stateless = (bits & CCP_MPPE_H) != 0;
	return 1;
}

int ccp_tx_mppe(const struct ccp *c, int *stateless)
{
	return ccp_dir(c, c->his, stateless);
}

int ccp_rx_mppe(const struct ccp *c, int *stateless)
{
	return ccp_dir(c, c->want, stateless);
}

const char *ccp_encoding(const struct ccp *c)
{
	int sl = 0;

	if (!ccp_tx_mppe(c, &sl) && !ccp_rx_mppe(c, &sl))
		return "none";
	return sl ? "MPPE128 stateless" : "MPPE128 stateful";
}

void ccp_send_reset_request(struct ccp *c, uint64_t now)
{
	c->reset_id = fsm_next_id(&c->fsm);
	c->reset_at = now;
	c->stats.resetreq_tx++;
	fsm_send(&c->fsm, CCP_RESETREQ, c->reset_id, NULL, 0);
}
