/*
 * The PPP link: phases (RFC 1661 §3.2), demultiplexing, Protocol-Reject,
 * and the glue between LCP, authentication, BCP and CCP.  One function,
 * ppp_set_phase(), changes and logs the phase.  The data path's layers
 * (BCP frames, MPPE, Multilink) live in ppp_data.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cfg.h"
#include "cplog.h"
#include "ppp_int.h"

/* The config's method bits are ours, so the daemon can pass them through. */
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_PAP) == CFG_AUTH_PAP, "auth bits");
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_CHAP) == CFG_AUTH_CHAP, "auth bits");
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_MSCHAP1) == CFG_AUTH_MSCHAP1, "auth bits");
_Static_assert(PPP_AUTH_BIT(PPP_AUTH_MSCHAP2) == CFG_AUTH_MSCHAP2, "auth bits");

#define PPP_REASON_NO_MSCHAP "encryption required but authentication is not MS-CHAP"
#define PPP_REASON_NO_MPPE   "encryption required but peer refused MPPE"

static const char *const ppp_phase_names[] = {
    "dead", "establish", "authenticate", "network", "terminate",
};

const char *ppp_phase_name(enum ppp_phase ph)
{
	return (unsigned)ph <= PPP_PHASE_TERMINATE ? ppp_phase_names[ph] : "?";
}

void ppp_logf(struct ppp *p, int level, const char *fmt, ...)
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

void ppp_send_raw(struct ppp *p, uint16_t proto, const uint8_t *pkt, size_t len)
{
	p->stats.tx_frames++;
	if (p->ops->send)
		p->ops->send(p->ctx, proto, pkt, len);
}

/*
 * Entering the network phase: Multilink as LCP agreed, BCP, and CCP when
 * use-encryption asks for it (default/no wait for the peer's request).
 */
static void ppp_network(struct ppp *p)
{
	uint8_t k1[16], k2[16];
	int keys = ppp_mppe_keys(p, k1, k2) == 0;

	explicit_bzero(k1, sizeof(k1));
	explicit_bzero(k2, sizeof(k2));
	p->ccp_gave_up = 0;
	if (p->p.encryption == CFG_ENC_REQUIRED && !keys) {
		ppp_set_reason(p, PPP_REASON_NO_MSCHAP);
		fsm_close(&p->lcp.fsm, PPP_REASON_NO_MSCHAP, p->now);
		return;
	}
	ccp_set_keys(&p->ccp, keys);
	ppp_data_network(p);
	fsm_open(&p->bcp.fsm, p->now);
	fsm_lower_up(&p->bcp.fsm, p->now);
	if (ccp_active(&p->ccp)) {
		fsm_open(&p->ccp.fsm, p->now);
		fsm_lower_up(&p->ccp.fsm, p->now);
	}
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
		ppp_network(p);
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
	uint64_t d[5] = {lcp_deadline(&p->lcp), fsm_deadline(&p->bcp.fsm), auth_deadline(&p->auth),
			 fsm_deadline(&p->ccp.fsm), ppp_data_deadline(p)};
	uint64_t at = 0;
	int i;

	for (i = 0; i < 5; i++)
		if (d[i] && (!at || d[i] < at))
			at = d[i];
	if (at != p->armed) {
		p->armed = at;
		if (p->ops->arm_timer)
			p->ops->arm_timer(p->ctx, at);
	}
}

/* ---- fsm io: LCP, BCP and CCP packets leave through the link ---- */

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
	fsm_lower_down(&p->ccp.fsm, p->now);
	/* A passive CCP waits for the peer's request again next time. */
	if (!ccp_active(&p->ccp) && p->ccp.fsm.state != FSM_INITIAL)
		fsm_close(&p->ccp.fsm, NULL, p->now);
	ppp_data_lcp_down(p);
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
	/* A peer without CCP/MPPE: required fails (through ccp finished), else plaintext. */
	if (proto == PPP_PROTO_CCP || proto == MPPE_PROTO) {
		if (p->p.encryption == CFG_ENC_REQUIRED)
			fsm_set_reason(&p->ccp.fsm, PPP_REASON_NO_MPPE);
		fsm_rxj(&p->ccp.fsm, 1, p->now);
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

/* Whether CCP is as far as use-encryption demands for frames to flow. */
static int ppp_ccp_settled(const struct ppp *p)
{
	int on = ccp_tx_mppe(&p->ccp, NULL) && ccp_rx_mppe(&p->ccp, NULL);

	switch (p->p.encryption) {
	case CFG_ENC_YES:
		return p->ccp.fsm.state == FSM_OPENED || p->ccp_gave_up;
	case CFG_ENC_REQUIRED:
		return on;
	case CFG_ENC_DEFAULT:
	case CFG_ENC_NO:
		/*
		 * We do not start CCP, but once the peer has (it sends its CCP
		 * Configure-Request beside its BCP one), wait for the outcome:
		 * a peer that encrypts would drop whatever plaintext frames we
		 * bridged meanwhile.  Max-Configure bounds the wait (finished
		 * sets ccp_gave_up).
		 */
		switch (p->ccp.fsm.state) {
		case FSM_REQ_SENT:
		case FSM_ACK_RCVD:
		case FSM_ACK_SENT:
			return p->ccp_gave_up;
		default:
			return 1;
		}
	default:
		return 0;
	}
}

void ppp_check_ready(struct ppp *p)
{
	int r = p->phase == PPP_PHASE_NETWORK && p->bcp_open && ppp_ccp_settled(p);

	if (!r) {
		p->ready = 0;
		return;
	}
	if (p->ready)
		return;
	p->ready = 1;
	ppp_logf(p, LOG_INFO, "network phase, bridging (user \"%s\", encoding %s)", p->auth.user,
		 ccp_encoding(&p->ccp));
	if (p->ops->up)
		p->ops->up(p->ctx, p);
}

static void ppp_bcp_up(void *ctx)
{
	struct ppp *p = ctx;

	bcp_encoding(&p->bcp, &p->enc);
	p->bcp_open = 1;
	ppp_check_ready(p);
}

static void ppp_bcp_down(void *ctx)
{
	struct ppp *p = ctx;

	p->bcp_open = 0;
	ppp_check_ready(p);
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

/* ---- CCP events ---- */

static void ppp_ccp_up(void *ctx)
{
	struct ppp *p = ctx;

	ppp_data_ccp_up(p);
	ppp_check_ready(p);
}

static void ppp_ccp_down(void *ctx)
{
	struct ppp *p = ctx;

	ppp_data_ccp_down(p);
	ppp_check_ready(p);
}

/* CCP is over: fatal when encryption is required, else the link runs in plaintext. */
static void ppp_ccp_finished(void *ctx)
{
	struct ppp *p = ctx;

	ppp_data_ccp_down(p);
	if (p->phase != PPP_PHASE_NETWORK)
		return;
	if (p->p.encryption == CFG_ENC_REQUIRED) {
		const char *r = p->ccp.fsm.reason;

		/* Say what was required, and what CCP itself saw when that adds anything. */
		if (!p->reason[0] && (!r[0] || strcmp(r, PPP_REASON_NO_MPPE) == 0))
			snprintf(p->reason, sizeof(p->reason), "%s", PPP_REASON_NO_MPPE);
		else if (!p->reason[0])
			snprintf(p->reason, sizeof(p->reason), "%s (ccp: %s)", PPP_REASON_NO_MPPE,
				 r);
		fsm_close(&p->lcp.fsm, PPP_REASON_NO_MPPE, p->now);
		return;
	}
	p->ccp_gave_up = 1;
	ppp_check_ready(p);
}

static void ppp_ccp_reset_request(void *ctx)
{
	struct ppp *p = ctx;

	if (p->mtx_on)
		mppe_tx_reset(&p->mtx);
}

static const struct ccp_ops ppp_ccp_ops = {
    .up = ppp_ccp_up,
    .down = ppp_ccp_down,
    .finished = ppp_ccp_finished,
    .reset_request = ppp_ccp_reset_request,
};

/* ---- the link ---- */

struct ppp *ppp_new(const struct ppp_params *params, const struct ppp_ops *ops, void *ctx)
{
	struct lcp_params lp;
	struct ccp_params cp;
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
	cp.policy = params->encryption;
	cp.stateful = params->mppe_stateful;
	ccp_init(&p->ccp, &cp, &ppp_ccp_ops, p, &ppp_fsm_io, p);
	return p;
}

void ppp_free(struct ppp *p)
{
	if (!p)
		return;
	ppp_data_free(p);
	explicit_bzero(p->password, sizeof(p->password));
	explicit_bzero(&p->auth, sizeof(p->auth));
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
	if (p->ccp.fsm.state != FSM_INITIAL) {
		fsm_lower_down(&p->ccp.fsm, now);
		fsm_close(&p->ccp.fsm, NULL, now);
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
	fsm_close(&p->ccp.fsm, NULL, now);
	/* Starting + Close -> tlf: the link is Dead without waiting for the peer. */
	fsm_close(&p->lcp.fsm, NULL, now);
	ppp_set_phase(p, PPP_PHASE_DEAD);
	ppp_rearm(p);
}

void ppp_close(struct ppp *p, const char *why, uint64_t now)
{
	p->now = now;
	ppp_set_reason(p, why ? why : "administratively closed");
	if (p->phase == PPP_PHASE_NETWORK) {
		fsm_close(&p->bcp.fsm, why, now);
		if (p->ccp.fsm.state != FSM_INITIAL)
			fsm_close(&p->ccp.fsm, why, now);
	}
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
	fsm_timeout(&p->ccp.fsm, now);
	auth_timeout(&p->auth, now);
	ppp_data_timeout(p, now);
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

/* A CCP packet: a passive CCP (default/no) starts on the peer's first request. */
static int ppp_ccp_input(struct ppp *p, struct buf *info)
{
	struct ccp *c = &p->ccp;

	if (c->fsm.state == FSM_INITIAL) {
		if (buf_left(info) < 1 || buf_cur(info)[0] != FSM_CONFREQ) {
			p->stats.drop_phase++;
			return -1;
		}
		ccp_peek_request(c, buf_cur(info), buf_left(info));
		fsm_open(&c->fsm, p->now);
		fsm_lower_up(&c->fsm, p->now);
	}
	return fsm_input(&c->fsm, buf_cur(info), buf_left(info), p->now);
}

/*
 * Demultiplex one payload by protocol and phase (RFC 1661 §3.2, §3.4).
 * Link-level protocols (LCP, authentication) never come out of Multilink
 * or MPPE (RFC 1990 §3 sends LCP on the member link; RFC 3078 §3 encrypts
 * 0x21-0xFA only).
 */
int ppp_dispatch(struct ppp *p, uint16_t proto, struct buf *info, unsigned via)
{
	uint64_t termreq;
	int r;

	switch (proto) {
	case PPP_PROTO_LCP:
	case PPP_PROTO_PAP:
	case PPP_PROTO_CHAP:
		if (via) {
			p->stats.drop_nested++;
			return -1;
		}
		break;
	default:
		break;
	}
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
	case PPP_PROTO_CCP:
		/* NCP packets before the network phase are silently discarded (§3.4). */
		if (p->phase != PPP_PHASE_NETWORK) {
			p->stats.drop_phase++;
			return -1;
		}
		if (proto == PPP_PROTO_CCP)
			r = ppp_ccp_input(p, info);
		else
			r = fsm_input(&p->bcp.fsm, buf_cur(info), buf_left(info), p->now);
		break;
	case PPP_PROTO_BRIDGED:
	case MPPE_PROTO:
	case PPP_PROTO_MP:
		return ppp_data_input(p, proto, info, via);
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

int ppp_get_proto(struct buf *b, uint16_t *proto)
{
	uint8_t hi, lo;

	if (buf_get_n8(b, &hi) == -1)
		return -1;
	if (hi & 1) {
		/* RFC 1661 §6.5: a compressed (one-byte) protocol field. */
		*proto = hi;
		return 0;
	}
	if (buf_get_n8(b, &lo) == -1)
		return -1;
	/* RFC 1661 §2: the low byte is odd, the high byte even. */
	if (!(lo & 1))
		return -2;
	*proto = (uint16_t)(hi << 8 | lo);
	return 0;
}

int ppp_input(struct ppp *p, const uint8_t *frame, size_t len, uint64_t now)
{
	struct buf b;
	uint8_t a, c;
	uint16_t proto = 0;
	int r;

	p->now = now;
	p->stats.rx_frames++;
	buf_init(&b, frame, len);
	/* RFC 1662 §3.1 address/control, absent when ACFC is in use or over L2TP. */
	if (buf_peek_n8(&b, 0, &a) == 0 && buf_peek_n8(&b, 1, &c) == 0 && a == 0xff && c == 0x03)
		buf_skip(&b, 2);
	r = ppp_get_proto(&b, &proto);
	if (r == -1) {
		p->stats.drop_short++;
		return -1;
	}
	if (r == -2) {
		p->stats.drop_bad_proto++;
		return -1;
	}
	if (p->phase == PPP_PHASE_DEAD) {
		p->stats.drop_phase++;
		return -1;
	}
	lcp_traffic(&p->lcp, now);
	r = ppp_dispatch(p, proto, &b, 0);
	ppp_rearm(p);
	return r;
}

void ppp_traffic(struct ppp *p, uint64_t now)
{
	lcp_traffic(&p->lcp, now);
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

const struct ccp *ppp_ccp(const struct ppp *p)
{
	return &p->ccp;
}

int ppp_ready(const struct ppp *p)
{
	return p->ready;
}

const char *ppp_encoding(const struct ppp *p)
{
	return ccp_encoding(&p->ccp);
}

uint16_t ppp_mtu(const struct ppp *p)
{
	return lcp_his(&p->lcp)->mru;
}

uint16_t ppp_mru(const struct ppp *p)
{
	uint16_t m = lcp_ours(&p->lcp)->mru;

	return m ? m : LCP_DEFAULT_MRU;
}

uint16_t ppp_mrru(const struct ppp *p)
{
	return p->mptx_on ? lcp_his(&p->lcp)->mrru : 0;
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
