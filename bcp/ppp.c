/*
 * The PPP link: phases (RFC 1661 §3.2), demultiplexing, Protocol-Reject,
 * and the glue between LCP, authentication and BCP.  One function,
 * ppp_set_phase(), changes and logs the phase.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cfg.h"
#include "cplog.h"
#include "ppp.h"

/* The config's method bits are ours, so the daemon can pass them through. */
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_PAP) == CFG_AUTH_PAP, "auth bits");
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_CHAP) == CFG_AUTH_CHAP, "auth bits");
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_MSCHAP1) == CFG_AUTH_MSCHAP1, "auth bits");
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_MSCHAP2) == CFG_AUTH_MSCHAP2, "auth bits");

struct ppp {
	struct ppp_params p;
	char name[AUTH_NAME_MAX + 1];
	char user[AUTH_NAME_MAX + 1];
	char password[AUTH_PASSWORD_MAX + 1];
	const struct ppp_ops *ops;
	void *ctx;
	enum ppp_phase phase;
	int started; /* ppp_start() called and the link not yet reported down */
	int bcp_open;
	struct lcp lcp;
	struct auth auth;
	struct bcp bcp;
	struct bcp_enc enc;
	uint64_t now, armed;
	char reason[128];
	struct ppp_stats stats;
};

static const char *const ppp_phase_names[] = {
    "dead", "establish", "authenticate", "network", "terminate",
};

const char *ppp_phase_name(enum ppp_phase ph)
{
	return (unsigned)ph <= PPP_PHASE_TERMINATE ? ppp_phase_names[ph] : "?";
}

static void ppp_logf(struct ppp *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ppp_logf(struct ppp *p, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cplog_emit(p->ops->log, p->ctx, level, "ppp", fmt, ap);
	va_end(ap);
}

static void ppp_set_reason(struct ppp *p, const char *why)
{
	if (!p->reason[0] && why && *why)
		snprintf(p->reason, sizeof(p->reason), "%s", why);
}

static void ppp_send_raw(struct ppp *p, uint16_t proto, const uint8_t *pkt, size_t len)
{
	p->stats.tx_frames++;
	if (p->ops->send)
		p->ops->send(p->ctx, proto, pkt, len);
}

/* The one place the phase changes (RFC 1661 §3.2 phase diagram). */
static void ppp_set_phase(struct ppp *p, enum ppp_phase to)
{
	enum ppp_phase from = p->phase;

	if (from == to)
		return;
	ppp_logf(p, LOG_DEBUG, "%s -> %s", ppp_phase_name(from), ppp_phase_name(to));
	p->phase = to;
	switch (to) {
	case PPP_PHASE_DEAD:
		auth_stop(&p->auth);
		if (p->started) {
			p->started = 0;
			if (!p->reason[0])
				ppp_set_reason(p, lcp_reason(&p->lcp)[0] ? lcp_reason(&p->lcp)
									 : "link closed");
			ppp_logf(p, LOG_INFO, "link down: %s", p->reason);
			if (p->ops->down)
				p->ops->down(p->ctx, p, p->reason);
		}
		break;
	case PPP_PHASE_NETWORK:
		fsm_open(&p->bcp.fsm, p->now);
		fsm_lower_up(&p->bcp.fsm, p->now);
		break;
	case PPP_PHASE_ESTABLISH:
	case PPP_PHASE_AUTHENTICATE:
	case PPP_PHASE_TERMINATE:
		break;
	default:
		break;
	}
}

static void ppp_rearm(struct ppp *p)
{
	uint64_t d[3] = {lcp_deadline(&p->lcp), fsm_deadline(&p->bcp.fsm), auth_deadline(&p->auth)};
	uint64_t at = 0;
	int i;

	for (i = 0; i < 3; i++)
		if (d[i] && (!at || d[i] < at))
			at = d[i];
	if (at != p->armed) {
		p->armed = at;
		if (p->ops->arm_timer)
			p->ops->arm_timer(p->ctx, at);
	}
}

/* ---- fsm io: LCP and BCP packets leave through the link ---- */

static void ppp_io_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
	ppp_send_raw(ctx, proto, pkt, len);
}

static void ppp_io_log(void *ctx, int level, const char *msg)
{
	struct ppp *p = ctx;

	if (p->ops->log)
		p->ops->log(p->ctx, level, msg);
}

static const struct fsm_io ppp_fsm_io = {
    .send = ppp_io_send,
    .log = ppp_io_log,
};

static void ppp_random(void *ctx, void *out, size_t len)
{
	struct ppp *p = ctx;

	memset(out, 0, len);
	if (p->ops->random)
		p->ops->random(p->ctx, out, len);
}

/* ---- LCP events ---- */

static void ppp_lcp_up(void *ctx)
{
	struct ppp *p = ctx;
	enum ppp_auth m = p->p.server ? lcp_ours(&p->lcp)->auth : lcp_his(&p->lcp)->auth;

	if (m == PPP_AUTH_NONE) {
		ppp_set_phase(p, PPP_PHASE_NETWORK);
		return;
	}
	ppp_set_phase(p, PPP_PHASE_AUTHENTICATE);
	auth_start(&p->auth, p->p.server, m, p->name, p->user, p->password, p->now);
}

static void ppp_lcp_down(void *ctx)
{
	struct ppp *p = ctx;

	/* tld: the NCPs lose their lower layer; LCP renegotiates or terminates. */
	fsm_lower_down(&p->bcp.fsm, p->now);
	auth_stop(&p->auth);
	ppp_set_phase(p, p->lcp.fsm.state == FSM_CLOSING || p->lcp.fsm.state == FSM_STOPPING
			     ? PPP_PHASE_TERMINATE
			     : PPP_PHASE_ESTABLISH);
}

static void ppp_lcp_finished(void *ctx)
{
	ppp_set_phase(ctx, PPP_PHASE_DEAD);
}

static void ppp_lcp_protrej(void *ctx, uint16_t proto)
{
	struct ppp *p = ctx;

	/* RFC 1661 §5.7: the rejected NCP is finished for this link. */
	if (proto == PPP_PROTO_BCP || proto == PPP_PROTO_BRIDGED) {
		ppp_set_reason(p, "peer does not bridge (BCP rejected)");
		fsm_rxj(&p->bcp.fsm, 1, p->now);
		fsm_close(&p->lcp.fsm, "peer rejected BCP", p->now);
	}
}

static void ppp_lcp_dead(void *ctx, const char *why)
{
	struct ppp *p = ctx;

	ppp_lower_down(p, why, p->now);
}

static const struct lcp_ops ppp_lcp_ops = {
    .up = ppp_lcp_up,
    .down = ppp_lcp_down,
    .finished = ppp_lcp_finished,
    .protocol_rejected = ppp_lcp_protrej,
    .dead = ppp_lcp_dead,
    .random = ppp_random,
};

/* ---- authentication ---- */

static int ppp_secret(void *ctx, const char *user, char *pw, size_t cap)
{
	struct ppp *p = ctx;

	return p->ops->secret ? p->ops->secret(p->ctx, user, pw, cap) : -1;
}

static void ppp_auth_done(void *ctx, int ok, const char *user, const char *why)
{
	struct ppp *p = ctx;

	(void)user;
	if (p->phase != PPP_PHASE_AUTHENTICATE)
		return;
	if (ok) {
		ppp_set_phase(p, PPP_PHASE_NETWORK);
		return;
	}
	ppp_set_reason(p, why && *why ? why : "authentication failed");
	fsm_close(&p->lcp.fsm, "authentication failed", p->now);
}

static const struct auth_ops ppp_auth_ops = {
    .send = ppp_io_send,
    .log = ppp_io_log,
    .random = ppp_random,
    .secret = ppp_secret,
    .done = ppp_auth_done,
};

/* ---- BCP events ---- */

static void ppp_bcp_up(void *ctx)
{
	struct ppp *p = ctx;

	bcp_encoding(&p->bcp, &p->enc);
	p->bcp_open = 1;
	ppp_logf(p, LOG_INFO, "network phase, bridging (user \"%s\")", p->auth.user);
	if (p->ops->up)
		p->ops->up(p->ctx, p);
}

static void ppp_bcp_down(void *ctx)
{
	struct ppp *p = ctx;

	p->bcp_open = 0;
}

/* BCP gave up (e.g. the peer never answered): without bridging the link is useless. */
static void ppp_bcp_finished(void *ctx)
{
	struct ppp *p = ctx;

	p->bcp_open = 0;
	if (p->phase == PPP_PHASE_NETWORK) {
		ppp_set_reason(p, p->bcp.fsm.reason[0] ? p->bcp.fsm.reason : "BCP failed");
		fsm_close(&p->lcp.fsm, "BCP failed", p->now);
	}
}

static const struct bcp_ops ppp_bcp_ops = {
    .up = ppp_bcp_up,
    .down = ppp_bcp_down,
    .finished = ppp_bcp_finished,
};

/* ---- the link ---- */

struct ppp *ppp_new(const struct ppp_params *params, const struct ppp_ops *ops, void *ctx)
{
	struct lcp_params lp;
	struct ppp *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->p = *params;
	snprintf(p->name, sizeof(p->name), "%s", params->name ? params->name : "l2pwd");
	snprintf(p->user, sizeof(p->user), "%s", params->user ? params->user : "");
	snprintf(p->password, sizeof(p->password), "%s", params->password ? params->password : "");
	p->p.name = p->p.user = p->p.password = NULL;
	p->ops = ops;
	p->ctx = ctx;
	memset(&lp, 0, sizeof(lp));
	lp.authenticator = params->server;
	lp.auth = params->auth;
	lp.mru = params->mru;
	lp.mrru = params->mrru;
	lp.short_seq = params->short_seq;
	lp.ed_class = params->ed_class;
	lp.ed_len = params->ed_len > LCP_ED_MAX ? LCP_ED_MAX : params->ed_len;
	memcpy(lp.ed, params->ed, lp.ed_len);
	lp.keepalive_timeout_s = params->keepalive_timeout_s;
	lcp_init(&p->lcp, &lp, &ppp_lcp_ops, p, &ppp_fsm_io, p);
	auth_init(&p->auth, &ppp_auth_ops, p);
	bcp_init(&p->bcp, &params->bcp, &ppp_bcp_ops, p, &ppp_fsm_io, p);
	return p;
}

void ppp_free(struct ppp *p)
{
	if (!p)
		return;
	memset(p->password, 0, sizeof(p->password));
	memset(&p->auth, 0, sizeof(p->auth));
	free(p);
}

void ppp_start(struct ppp *p, uint64_t now)
{
	p->now = now;
	/* A link that went Dead may be started again: bring both automatons to Initial. */
	if (p->lcp.fsm.state != FSM_INITIAL) {
		fsm_lower_down(&p->lcp.fsm, now);
		fsm_close(&p->lcp.fsm, NULL, now);
	}
	if (p->bcp.fsm.state != FSM_INITIAL) {
		fsm_lower_down(&p->bcp.fsm, now);
		fsm_close(&p->bcp.fsm, NULL, now);
	}
	p->reason[0] = '\0';
	p->started = 1;
	ppp_set_phase(p, PPP_PHASE_ESTABLISH);
	fsm_open(&p->lcp.fsm, now);
	fsm_lower_up(&p->lcp.fsm, now);
	ppp_rearm(p);
}

void ppp_lower_down(struct ppp *p, const char *why, uint64_t now)
{
	p->now = now;
	ppp_set_reason(p, why ? why : "lower layer down");
	/* LCP first: its tld takes BCP down, so BCP's tlf finds no network phase. */
	fsm_lower_down(&p->lcp.fsm, now);
	fsm_close(&p->bcp.fsm, NULL, now);
	/* Starting + Close -> tlf: the link is Dead without waiting for the peer. */
	fsm_close(&p->lcp.fsm, NULL, now);
	ppp_set_phase(p, PPP_PHASE_DEAD);
	ppp_rearm(p);
}

void ppp_close(struct ppp *p, const char *why, uint64_t now)
{
	p->now = now;
	ppp_set_reason(p, why ? why : "administratively closed");
	if (p->phase == PPP_PHASE_NETWORK)
		fsm_close(&p->bcp.fsm, why, now);
	fsm_close(&p->lcp.fsm, why, now);
	if (p->lcp.fsm.state == FSM_CLOSING)
		ppp_set_phase(p, PPP_PHASE_TERMINATE);
	ppp_rearm(p);
}

void ppp_timeout(struct ppp *p, uint64_t now)
{
	p->now = now;
	lcp_timeout(&p->lcp, now);
	fsm_timeout(&p->bcp.fsm, now);
	auth_timeout(&p->auth, now);
	ppp_rearm(p);
}

/* RFC 1661 §5.7: Protocol-Reject carries the protocol and as much of the packet as fits. */
static void ppp_protocol_reject(struct ppp *p, uint16_t proto, struct buf *info)
{
	uint8_t data[FSM_PKT_MAX];
	struct wbuf w;
	size_t n = buf_left(info), room = (size_t)p->lcp.his.mru;

	if (room > sizeof(data))
		room = sizeof(data);
	room = room > 6 ? room - 6 : 0;
	if (n > room)
		n = room;
	wbuf_init(&w, data, sizeof(data));
	wbuf_add_n16(&w, proto);
	wbuf_add_bytes(&w, buf_cur(info), n);
	p->stats.protrej_tx++;
	p->stats.drop_rejected_proto++;
	fsm_send(&p->lcp.fsm, FSM_PROTREJ, fsm_next_id(&p->lcp.fsm), data, w.len);
}

static int ppp_bridged_input(struct ppp *p, struct buf *info)
{
	uint8_t eth[PPP_FRAME_MAX];
	enum bcp_frame_err e;
	size_t n = 0;

	if (!p->bcp_open) {
		p->stats.drop_bcp_closed++;
		return -1;
	}
	e = bcp_frame_decode(info, eth, sizeof(eth), &n, NULL);
	if (e != BCP_FRAME_OK) {
		p->stats.drop_bridged[e]++;
		return -1;
	}
	p->stats.rx_bridged++;
	if (p->ops->frame)
		p->ops->frame(p->ctx, eth, n);
	return 0;
}

/* Demultiplex one frame by protocol and phase (RFC 1661 §3.2, §3.4). */
static int ppp_dispatch(struct ppp *p, uint16_t proto, struct buf *info)
{
	uint64_t termreq;
	int r;

	switch (proto) {
	case PPP_PROTO_LCP:
		termreq = p->lcp.fsm.stats.termreq_rx;
		r = fsm_input(&p->lcp.fsm, buf_cur(info), buf_left(info), p->now);
		/*
		 * A peer that terminates while we still negotiate has given up
		 * on us (e.g. no common authentication method): close now
		 * rather than retransmit into the void for Max-Configure periods.
		 */
		if (termreq != p->lcp.fsm.stats.termreq_rx && p->phase == PPP_PHASE_ESTABLISH &&
		    p->lcp.fsm.state != FSM_OPENED)
			fsm_close(&p->lcp.fsm, NULL, p->now);
		break;
	case PPP_PROTO_PAP:
	case PPP_PROTO_CHAP:
		/* After success the peer may still repeat itself (lost Success/Ack). */
		if (p->phase != PPP_PHASE_AUTHENTICATE && p->phase != PPP_PHASE_NETWORK) {
			p->stats.drop_phase++;
			return -1;
		}
		r = auth_input(&p->auth, proto, buf_cur(info), buf_left(info), p->now);
		break;
	case PPP_PROTO_BCP:
		/* NCP packets before the network phase are silently discarded (§3.4). */
		if (p->phase != PPP_PHASE_NETWORK) {
			p->stats.drop_phase++;
			return -1;
		}
		r = fsm_input(&p->bcp.fsm, buf_cur(info), buf_left(info), p->now);
		break;
	case PPP_PROTO_BRIDGED:
		return ppp_bridged_input(p, info);
	case PPP_PROTO_MP:
		if (p->phase == PPP_PHASE_NETWORK && p->lcp.want.mrru && p->lcp.his.mrru &&
		    p->ops->mp_input) {
			p->ops->mp_input(p->ctx, buf_cur(info), buf_left(info));
			return 0;
		}
		p->stats.drop_mp++;
		return -1;
	default:
		if (p->lcp.fsm.state != FSM_OPENED) {
			p->stats.drop_phase++;
			return -1;
		}
		ppp_protocol_reject(p, proto, info);
		return -1;
	}
	if (r == -1)
		p->stats.drop_cp++;
	return r;
}

int ppp_input(struct ppp *p, const uint8_t *frame, size_t len, uint64_t now)
{
	struct buf b;
	uint8_t a, c, hi, lo;
	uint16_t proto;
	int r;

	p->now = now;
	p->stats.rx_frames++;
	buf_init(&b, frame, len);
	/* RFC 1662 §3.1 address/control, absent when ACFC is in use or over L2TP. */
	if (buf_peek_n8(&b, 0, &a) == 0 && buf_peek_n8(&b, 1, &c) == 0 && a == 0xff && c == 0x03)
		buf_skip(&b, 2);
	if (buf_get_n8(&b, &hi) == -1) {
		p->stats.drop_short++;
		return -1;
	}
	if (hi & 1) {
		/* RFC 1661 §6.5: a compressed (one-byte) protocol field. */
		proto = hi;
	} else {
		if (buf_get_n8(&b, &lo) == -1) {
			p->stats.drop_short++;
			return -1;
		}
		/* RFC 1661 §2: the low byte is odd, the high byte even. */
		if (!(lo & 1)) {
			p->stats.drop_bad_proto++;
			return -1;
		}
		proto = (uint16_t)(hi << 8 | lo);
	}
	if (p->phase == PPP_PHASE_DEAD) {
		p->stats.drop_phase++;
		return -1;
	}
	lcp_traffic(&p->lcp, now);
	r = ppp_dispatch(p, proto, &b);
	ppp_rearm(p);
	return r;
}

void ppp_traffic(struct ppp *p, uint64_t now)
{
	lcp_traffic(&p->lcp, now);
}

int ppp_send_frame(struct ppp *p, const uint8_t *eth, size_t len)
{
	uint8_t pkt[PPP_FRAME_MAX];
	struct wbuf w;

	if (!p->bcp_open)
		return -1;
	wbuf_init(&w, pkt, sizeof(pkt));
	if (bcp_frame_encode(&w, eth, len, &p->enc) == -1) {
		p->stats.tx_too_big++;
		return -1;
	}
	p->stats.tx_bridged++;
	ppp_send_raw(p, PPP_PROTO_BRIDGED, pkt, w.len);
	return 0;
}

enum ppp_phase ppp_phase(const struct ppp *p)
{
	return p->phase;
}

const struct ppp_stats *ppp_stats(const struct ppp *p)
{
	return &p->stats;
}

const struct lcp *ppp_lcp(const struct ppp *p)
{
	return &p->lcp;
}

const struct bcp *ppp_bcp(const struct ppp *p)
{
	return &p->bcp;
}

const struct auth *ppp_auth(const struct ppp *p)
{
	return &p->auth;
}

const char *ppp_user(const struct ppp *p)
{
	return p->p.server ? p->auth.user : p->user;
}

const char *ppp_reason(const struct ppp *p)
{
	return p->reason;
}

int ppp_mppe_keys(const struct ppp *p, uint8_t send[16], uint8_t recv[16])
{
	if (!p->auth.mppe_keys || p->auth.state != AUTH_DONE_OK)
		return -1;
	memcpy(send, p->auth.mppe_send_key, 16);
	memcpy(recv, p->auth.mppe_recv_key, 16);
	return 0;
}
