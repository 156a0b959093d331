/*
 * Control messages of a tunnel on the wire: building (the version's AVP set
 * after the header and, with a v3 secret, the Message Digest AVP), signing at
 * every (re)transmission, acknowledgements (ZLB, or the signed ACK message
 * of RFC 3931 §6.1 when authenticating), per-tunnel logging, and peeking
 * at a message for demultiplexing before any tunnel owns it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "l2tp_engine.h"

static void tun_vlog(struct l2tp_tunnel *t, int level, const char *fmt, va_list ap)
    L2PW_PRINTF(3, 0);
static void tun_vlog(struct l2tp_tunnel *t, int level, const char *fmt, va_list ap)
{
	char msg[320];
	int n;

	if (t->ops->log == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "tunnel %u/%u: ", t->local_id, t->peer_id);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	t->ops->log(t->ctx, level, msg);
}

void l2tp_tun_log(struct l2tp_tunnel *t, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tun_vlog(t, level, fmt, ap);
	va_end(ap);
}

void l2tp_tun_log_rl(struct l2tp_tunnel *t, struct log_ratelimit *rl, const char *fmt, ...)
{
	uint32_t suppressed = 0;
	va_list ap;

	if (!log_ratelimit_ok(rl, t->now, &suppressed))
		return;
	if (suppressed)
		l2tp_tun_log(t, LOG_WARNING, "%u similar messages suppressed", suppressed);
	va_start(ap, fmt);
	tun_vlog(t, LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* ---- sending ---- */

int l2tp_tun_signs(const struct l2tp_tunnel *t)
{
	return t->secret_len && t->p.version == L2TP_VERSION_3;
}

static void tun_xmit(void *ctx, uint8_t *pkt, size_t len)
{
	struct l2tp_tunnel *t = ctx;

	/* The digest covers Ns/Nr, which change on retransmission: sign every time. */
	if (l2tp_tun_signs(t))
		l2tp_digest_sign(pkt, len, t->key, t->nonce, sizeof(t->nonce), t->peer_nonce,
				 t->peer_nonce_len);
	t->st.ctrl_tx++;
	t->ops->send(t->ctx, pkt, len);
}

/* v2 session messages carry the peer's session id in the header (RFC 2661 §3.1). */
static int tun_begin(struct l2tp_tunnel *t, struct l2tp_builder *b, struct wbuf *w, uint8_t *mem,
		     size_t cap, uint16_t type, uint16_t session_id)
{
	/* An SCCRQ goes to control connection 0: the peer has not assigned one yet. */
	uint32_t conn = type == L2TP_MSG_SCCRQ ? 0 : t->peer_id;
	int errs = 0;

	wbuf_init(w, mem, cap);
	errs += l2tp_build_begin(b, w, t->p.version, conn, session_id, type);
	/* RFC 3931 §5.4.1: the Message Digest comes right after the Message Type. */
	if (l2tp_tun_signs(t) && type != L2TP_MSG_ZLB)
		errs += l2tp_build_digest(b, t->p.digest == L2TP_DIGEST_SHA1
						 ? L2TP_DIGEST_TYPE_HMAC_SHA1
						 : L2TP_DIGEST_TYPE_HMAC_MD5);
	return errs ? -1 : 0;
}

/*
 * RFC 3931 §6.1: with Control Message Authentication a ZLB is not allowed;
 * the explicit ACK message (signed) acknowledges instead.  Neither uses an Ns.
 * L2TPv2 always acknowledges with a ZLB (RFC 2661 §5.8).
 */
static void tun_zlb(void *ctx, uint16_t ns, uint16_t nr)
{
	struct l2tp_tunnel *t = ctx;
	uint8_t mem[128];
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;

	if (tun_begin(t, &b, &w, mem, sizeof(mem), l2tp_tun_signs(t) ? L2TP_MSG_ACK : L2TP_MSG_ZLB,
		      0) == -1 ||
	    l2tp_build_finish(&b, &len) == -1)
		return;
	l2tp_ctrl_set_nsnr(mem, len, ns, nr);
	t->st.zlb_tx++;
	tun_xmit(t, mem, len);
}

const struct l2tp_rel_cb l2tp_tun_rel_cb = {.xmit = tun_xmit, .zlb = tun_zlb};

static int tun_queue(struct l2tp_tunnel *t, struct l2tp_builder *b, uint16_t type)
{
	size_t len;

	if (l2tp_build_finish(b, &len) == -1) {
		l2tp_tun_log(t, LOG_ERR, "%s does not fit in a message", l2tp_msg_name(type));
		return -1;
	}
	if (l2tp_rel_send(&t->rel, b->w->p + b->start, len, type, t->now) == -1) {
		l2tp_tun_log(t, LOG_ERR, "cannot queue %s: send queue full", l2tp_msg_name(type));
		return -1;
	}
	return 0;
}

int l2tp_tun_send_ctrl(struct l2tp_tunnel *t, uint16_t type, uint16_t result, const char *msg)
{
	uint8_t mem[L2TP_ENG_MAX_MSG];
	struct l2tp_builder b;
	struct wbuf w;

	if (tun_begin(t, &b, &w, mem, sizeof(mem), type, 0) == -1 ||
	    t->avp->build_ctrl(t, &b, type, result, msg) == -1)
		return -1;
	return tun_queue(t, &b, type);
}

int l2tp_tun_send_session(struct l2tp_session *s, uint16_t type, uint16_t result, const char *msg)
{
	struct l2tp_tunnel *t = s->t;
	uint8_t mem[L2TP_ENG_MAX_MSG];
	uint16_t sid = t->p.version == L2TP_VERSION_2 ? (uint16_t)s->info.peer_session_id : 0;
	struct l2tp_builder b;
	struct wbuf w;

	if (tun_begin(t, &b, &w, mem, sizeof(mem), type, sid) == -1 ||
	    t->avp->build_session(s, &b, type, result, msg) == -1)
		return -1;
	return tun_queue(t, &b, type);
}

/* ---- demultiplexing ---- */

int l2tp_ctrl_peek(const uint8_t *pkt, size_t len, struct l2tp_ctrl_peek *out)
{
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_iter it;
	struct l2tp_avp a;
	struct buf b, avps;
	uint16_t id16;

	/*
	 * The raw iterator on purpose: no tunnel, so no secret yet.  Hidden AVPs
	 * are skipped; the Assigned Tunnel ID and Tie Breaker are never hidden
	 * by us (and the Tie Breaker MUST NOT be, RFC 2661 §4.4.3).
	 */
	memset(out, 0, sizeof(*out));
	buf_init(&b, pkt, len);
	if (l2tp_ctrl_parse(&b, &h, &avps, NULL) == -1)
		return -1;
	out->version = h.version;
	out->conn_id = h.conn_id;
	out->session_id = h.session_id;
	out->msg_type = h.msg_type;
	l2tp_avp_iter_init(&it, &avps);
	while (l2tp_avp_next(&it, &a) == 1) {
		if (a.vendor != L2TP_VENDOR_IETF || a.hidden)
			continue;
		if (a.type == L2TP_AVP_TIE_BREAKER && l2tp_avp_get_n64(&a, &out->tie_breaker) == 0)
			out->has_tie_breaker = 1;
		else if (h.version == 3 && a.type == L2TP_AVP_ASSIGNED_CONN_ID)
			l2tp_avp_get_n32(&a, &out->assigned_id);
		else if (h.version == 2 && a.type == L2TP_AVP_ASSIGNED_TUNNEL_ID &&
			 l2tp_avp_get_n16(&a, &id16) == 0)
			out->assigned_id = id16;
	}
	return 0;
}
