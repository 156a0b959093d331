/*
 * The BCP NCP (RFC 3518 §5) on the one automaton.  We bridge transparent
 * 802.3/Ethernet only: the source-routing options (Bridge- and
 * Line-Identification) and the obsolete LAN-Identification are rejected;
 * everything a RouterOS, Cisco or freeRtr peer sends otherwise is accepted.
 *
 * Option lengths, from RFC 3518 §5: Bridge-Identification 4,
 * Line-Identification 4, MAC-Support 3, Tinygram-Compression 3,
 * MAC-Address 8, Spanning-Tree-Protocol >= 3 (a list of protocols),
 * IEEE-802-Tagged-Frame 3, Management-Inline 2 and
 * Bridge-Control-Packet-Indicator 2 (neither has data).  freeRtr sends
 * the last two with Length 2, which is what the RFC says (Wireshark's
 * "should be 3" is Wireshark's mistake); a 3-byte form is accepted too
 * and its extra byte ignored.
 */
#include <string.h>
#include <syslog.h>

#include "bcp.h"
#include "cpopt.h"

/* Enable/disable options (Tinygram, Tagged-Frame): 1 enabled, 2 disabled. */
#define BCP_ENABLE  1
#define BCP_DISABLE 2

static int bcp_onoff_req(struct buf *val, struct wbuf *nak, int *his)
{
	uint8_t v;

	if (buf_get_n8(val, &v) == -1)
		return FSM_CONFREJ;
	if (v != BCP_ENABLE && v != BCP_DISABLE) {
		wbuf_add_n8(nak, BCP_DISABLE);
		return FSM_CONFNAK;
	}
	*his = v == BCP_ENABLE;
	return FSM_CONFACK;
}

/* A Nak of an enable/disable option: do what the peer says. */
static int bcp_onoff_nak(struct buf *val, int *want)
{
	uint8_t v;

	if (buf_get_n8(val, &v) == 0)
		*want = v == BCP_ENABLE;
	return 0;
}

static int bcp_onoff_add(struct wbuf *val, int want)
{
	if (!want)
		return 0;
	wbuf_add_n8(val, BCP_ENABLE);
	return 1;
}

static int bcp_mac_support_add(void *ctx, struct wbuf *val)
{
	struct bcp *b = ctx;

	if (!b->want.mac_support)
		return 0;
	wbuf_add_n8(val, BCP_MAC_8023);
	return 1;
}

static int bcp_mac_support_rej(void *ctx)
{
	struct bcp *b = ctx;

	b->want.mac_support = 0;
	return 0;
}

/* One option per MAC type the peer supports; we can do 802.3 only. */
static int bcp_mac_support_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct bcp *b = ctx;
	uint8_t t;

	(void)nak;
	if (buf_get_n8(val, &t) == -1 || t != BCP_MAC_8023)
		return FSM_CONFREJ;
	b->his.mac_support = 1;
	return FSM_CONFACK;
}

static int bcp_tinygram_add(void *ctx, struct wbuf *val)
{
	return bcp_onoff_add(val, ((struct bcp *)ctx)->want.tinygram);
}

static int bcp_tinygram_nak(void *ctx, struct buf *val)
{
	return bcp_onoff_nak(val, &((struct bcp *)ctx)->want.tinygram);
}

static int bcp_tinygram_rej(void *ctx)
{
	((struct bcp *)ctx)->want.tinygram = 0;
	return 0;
}

/* We restore Tinygram padding on receive, so either setting is fine. */
static int bcp_tinygram_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	return bcp_onoff_req(val, nak, &((struct bcp *)ctx)->his.tinygram);
}

/* MAC-Address: the peer announces its MAC; all zeros asks us to assign one, which we cannot. */
static int bcp_mac_address_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	static const uint8_t zero[6];
	struct bcp *b = ctx;
	uint8_t mac[6];

	(void)nak;
	if (buf_get_bytes(val, mac, 6) == -1 || memcmp(mac, zero, 6) == 0)
		return FSM_CONFREJ;
	memcpy(b->his.mac, mac, 6);
	b->his.has_mac = 1;
	return FSM_CONFACK;
}

/* Spanning-Tree-Protocol: BPDUs cross us like any frame, so any protocol suits. */
static int bcp_stp_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct bcp *b = ctx;

	(void)nak;
	if (buf_get_n8(val, &b->his.stp) == -1)
		return FSM_CONFREJ;
	b->his.has_stp = 1;
	return FSM_CONFACK;
}

static int bcp_tagged_add(void *ctx, struct wbuf *val)
{
	return bcp_onoff_add(val, ((struct bcp *)ctx)->want.tagged);
}

static int bcp_tagged_nak(void *ctx, struct buf *val)
{
	return bcp_onoff_nak(val, &((struct bcp *)ctx)->want.tagged);
}

static int bcp_tagged_rej(void *ctx)
{
	((struct bcp *)ctx)->want.tagged = 0;
	return 0;
}

/* Tags stay in the frame either way: accept enabled and disabled. */
static int bcp_tagged_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	return bcp_onoff_req(val, nak, &((struct bcp *)ctx)->his.tagged);
}

static int bcp_mgmt_add(void *ctx, struct wbuf *val)
{
	(void)val;
	return ((struct bcp *)ctx)->want.mgmt_inline;
}

static int bcp_mgmt_rej(void *ctx)
{
	((struct bcp *)ctx)->want.mgmt_inline = 0;
	return 0;
}

static int bcp_mgmt_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	(void)val, (void)nak;
	((struct bcp *)ctx)->his.mgmt_inline = 1;
	return FSM_CONFACK;
}

static int bcp_ind_add(void *ctx, struct wbuf *val)
{
	(void)val;
	return ((struct bcp *)ctx)->want.bcp_ind;
}

static int bcp_ind_rej(void *ctx)
{
	((struct bcp *)ctx)->want.bcp_ind = 0;
	return 0;
}

static int bcp_ind_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	(void)val, (void)nak;
	((struct bcp *)ctx)->his.bcp_ind = 1;
	return FSM_CONFACK;
}

static const struct cpopt bcp_opt_mac_support = {
    .type = BCP_OPT_MAC_SUPPORT,
    .name = "mac-support",
    .min_len = 3,
    .max_len = 3,
    .add = bcp_mac_support_add,
    .rej = bcp_mac_support_rej,
    .req = bcp_mac_support_req,
};
static const struct cpopt bcp_opt_tinygram = {
    .type = BCP_OPT_TINYGRAM,
    .name = "tinygram",
    .min_len = 3,
    .max_len = 3,
    .add = bcp_tinygram_add,
    .nak = bcp_tinygram_nak,
    .rej = bcp_tinygram_rej,
    .req = bcp_tinygram_req,
};
static const struct cpopt bcp_opt_mac_address = {
    .type = BCP_OPT_MAC_ADDRESS,
    .name = "mac-address",
    .min_len = 8,
    .max_len = 8,
    .req = bcp_mac_address_req,
};
static const struct cpopt bcp_opt_stp = {
    .type = BCP_OPT_STP,
    .name = "spanning-tree",
    .min_len = 3,
    .max_len = 255,
    .req = bcp_stp_req,
};
static const struct cpopt bcp_opt_tagged = {
    .type = BCP_OPT_TAGGED,
    .name = "802-tagged",
    .min_len = 3,
    .max_len = 3,
    .add = bcp_tagged_add,
    .nak = bcp_tagged_nak,
    .rej = bcp_tagged_rej,
    .req = bcp_tagged_req,
};
static const struct cpopt bcp_opt_mgmt = {
    .type = BCP_OPT_MGMT_INLINE,
    .name = "management-inline",
    .min_len = 2,
    .max_len = 3,
    .add = bcp_mgmt_add,
    .rej = bcp_mgmt_rej,
    .req = bcp_mgmt_req,
};
static const struct cpopt bcp_opt_ind = {
    .type = BCP_OPT_BCP_IND,
    .name = "bcp-indicator",
    .min_len = 2,
    .max_len = 3,
    .add = bcp_ind_add,
    .rej = bcp_ind_rej,
    .req = bcp_ind_req,
};

/* Bridge-/Line-/LAN-Identification have no entry: the engine rejects them. */
static const struct cpopt *const bcp_opts[] = {
    &bcp_opt_mac_support, &bcp_opt_tinygram, &bcp_opt_mac_address, &bcp_opt_stp,
    &bcp_opt_tagged,	  &bcp_opt_mgmt,     &bcp_opt_ind,
};

static void bcp_req_begin(void *ctx)
{
	struct bcp *b = ctx;

	memset(&b->his, 0, sizeof(b->his));
}

static const struct cpopt_set bcp_set = {
    .proto = "bcp",
    .opt = bcp_opts,
    .n = sizeof(bcp_opts) / sizeof(bcp_opts[0]),
    .req_begin = bcp_req_begin,
};

static void bcp_reset_ci(struct fsm *f)
{
	struct bcp *b = f->arg;

	memset(&b->want, 0, sizeof(b->want));
	b->want.tagged = b->p.tagged;
	b->want.mgmt_inline = b->p.mgmt_inline;
	b->want.bcp_ind = b->p.bcp_ind;
	b->want.tinygram = b->p.tinygram;
	b->want.mac_support = b->p.mac_support;
}

static int bcp_addci(struct fsm *f, struct wbuf *w)
{
	return cpopt_add(&bcp_set, f->arg, w);
}

static int bcp_nakci(struct fsm *f, struct buf *b)
{
	return cpopt_nak(&bcp_set, f->arg, b);
}

static int bcp_rejci(struct fsm *f, struct buf *b)
{
	return cpopt_rej(&bcp_set, f->arg, b, f->req, f->req_len);
}

static int bcp_reqci(struct fsm *f, struct buf *b, struct wbuf *reply, int reject_if_disagree)
{
	return cpopt_req(&bcp_set, f->arg, b, reply, reject_if_disagree);
}

static void bcp_up(struct fsm *f)
{
	struct bcp *b = f->arg;

	fsm_logf(f, LOG_INFO, "opened: tagged %d/%d tinygram %d/%d bcp-indicator %d/%d",
		 b->want.tagged, b->his.tagged, b->want.tinygram, b->his.tinygram, b->want.bcp_ind,
		 b->his.bcp_ind);
	if (b->ops && b->ops->up)
		b->ops->up(b->ctx);
}

static void bcp_down(struct fsm *f)
{
	struct bcp *b = f->arg;

	if (b->ops && b->ops->down)
		b->ops->down(b->ctx);
}

static void bcp_finished(struct fsm *f)
{
	struct bcp *b = f->arg;

	if (b->ops && b->ops->finished)
		b->ops->finished(b->ctx);
}

static const struct fsm_callbacks bcp_callbacks = {
    .reset_ci = bcp_reset_ci,
    .addci = bcp_addci,
    .nakci = bcp_nakci,
    .rejci = bcp_rejci,
    .reqci = bcp_reqci,
    .up = bcp_up,
    .down = bcp_down,
    .finished = bcp_finished,
};

void bcp_init(struct bcp *b, const struct bcp_params *p, const struct bcp_ops *ops, void *ctx,
	      const struct fsm_io *io, void *io_ctx)
{
	memset(b, 0, sizeof(*b));
	b->p = *p;
	b->ops = ops;
	b->ctx = ctx;
	fsm_init(&b->fsm, "bcp", PPP_PROTO_BCP, &bcp_callbacks, b, io, io_ctx);
}

void bcp_encoding(const struct bcp *b, struct bcp_enc *e)
{
	memset(e, 0, sizeof(*e));
	/* Compress only when both asked for it: each side then knows the other restores. */
	e->tinygram = b->want.tinygram && b->his.tinygram;
	e->bcp_ind = b->want.bcp_ind || b->his.bcp_ind;
}
