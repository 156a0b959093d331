/*
 * LCP Authentication-Protocol (RFC 1661 §6.2; CHAP algorithms RFC 1994 §3,
 * RFC 2433, RFC 2759).  The authenticator asks for its most preferred
 * accepted method (RouterOS order: mschap2, mschap1, chap, pap) and walks
 * down on each Nak; the peer Acks a method its allow list has, else Naks
 * with its own best one.  Nothing in common: LCP closes with
 * "no common authentication method".
 */
#include <string.h>
#include <syslog.h>

#include "lcp.h"

static const enum ppp_auth lcp_auth_order[] = {
    PPP_AUTH_MSCHAP2,
    PPP_AUTH_MSCHAP1,
    PPP_AUTH_CHAP,
    PPP_AUTH_PAP,
};

#define LCP_AUTH_NORDER (sizeof(lcp_auth_order) / sizeof(lcp_auth_order[0]))

static enum ppp_auth lcp_auth_best(uint32_t allowed)
{
	size_t i;

	for (i = 0; i < LCP_AUTH_NORDER; i++)
		if (allowed & PPP_AUTH_BIT(lcp_auth_order[i]))
			return lcp_auth_order[i];
	return PPP_AUTH_NONE;
}

enum ppp_auth lcp_auth_first(const struct lcp *l)
{
	return lcp_auth_best(l->p.auth & PPP_AUTH_ALL);
}

static void lcp_auth_write(struct wbuf *w, enum ppp_auth m)
{
	switch (m) {
	case PPP_AUTH_PAP:
		wbuf_add_n16(w, PPP_PROTO_PAP);
		break;
	case PPP_AUTH_CHAP:
		wbuf_add_n16(w, PPP_PROTO_CHAP);
		wbuf_add_n8(w, CHAP_ALG_MD5);
		break;
	case PPP_AUTH_MSCHAP1:
		wbuf_add_n16(w, PPP_PROTO_CHAP);
		wbuf_add_n8(w, CHAP_ALG_MSCHAP1);
		break;
	case PPP_AUTH_MSCHAP2:
		wbuf_add_n16(w, PPP_PROTO_CHAP);
		wbuf_add_n8(w, CHAP_ALG_MSCHAP2);
		break;
	default:
		break;
	}
}

static enum ppp_auth lcp_auth_parse(struct buf *val)
{
	uint16_t proto;

	if (buf_get_n16(val, &proto) == -1)
		return PPP_AUTH_NONE;
	return auth_method_from_option(proto, buf_cur(val), buf_left(val));
}

static int lcp_auth_add(void *ctx, struct wbuf *val)
{
	struct lcp *l = ctx;

	if (!l->p.authenticator || l->want.auth == PPP_AUTH_NONE)
		return 0;
	lcp_auth_write(val, l->want.auth);
	return 1;
}

static int lcp_auth_none_left(struct lcp *l)
{
	fsm_logf(&l->fsm, LOG_WARNING, "no common authentication method");
	fsm_set_reason(&l->fsm, "no common authentication method");
	return FSM_CI_FAIL;
}

/* The peer Nak'ed our method, maybe suggesting one: walk our preference list. */
static int lcp_auth_nak(void *ctx, struct buf *val)
{
	struct lcp *l = ctx;
	enum ppp_auth sugg = lcp_auth_parse(val);
	uint32_t left;

	if (!l->p.authenticator)
		return 0;
	if (l->want.auth != PPP_AUTH_NONE)
		l->auth_refused |= PPP_AUTH_BIT(l->want.auth);
	left = l->p.auth & PPP_AUTH_ALL & ~l->auth_refused;
	if (sugg != PPP_AUTH_NONE && (left & PPP_AUTH_BIT(sugg)))
		l->want.auth = sugg;
	else
		l->want.auth = lcp_auth_best(left);
	if (l->want.auth == PPP_AUTH_NONE)
		return lcp_auth_none_left(l);
	fsm_logf(&l->fsm, LOG_DEBUG, "peer wants other authentication, trying %s",
		 auth_method_name(l->want.auth));
	return 0;
}

static int lcp_auth_rej(void *ctx)
{
	struct lcp *l = ctx;

	if (!l->p.authenticator)
		return 0;
	fsm_set_reason(&l->fsm, "peer refuses to authenticate");
	return FSM_CI_FAIL;
}

/*
 * The peer wants us to authenticate.  A server has no credentials to show:
 * Reject.  A client Acks an allowed method, else Naks its best allowed one;
 * with nothing allowed it Rejects and the server gives up.
 */
static int lcp_auth_req(void *ctx, struct buf *val, struct wbuf *nak)
{
	struct lcp *l = ctx;
	enum ppp_auth m = lcp_auth_parse(val), best;
	uint32_t allowed = l->p.auth & PPP_AUTH_ALL;

	if (l->p.authenticator)
		return FSM_CONFREJ;
	if (m != PPP_AUTH_NONE && (allowed & PPP_AUTH_BIT(m))) {
		l->his.auth = m;
		return FSM_CONFACK;
	}
	best = lcp_auth_best(allowed);
	if (best == PPP_AUTH_NONE)
		return FSM_CONFREJ;
	fsm_logf(&l->fsm, LOG_DEBUG, "peer asks for authentication we do not allow, suggesting %s",
		 auth_method_name(best));
	lcp_auth_write(nak, best);
	return FSM_CONFNAK;
}

const struct cpopt lcp_opt_auth = {
    .type = LCP_OPT_AUTH,
    .name = "auth",
    .min_len = 4,
    .max_len = 255,
    .add = lcp_auth_add,
    .nak = lcp_auth_nak,
    .rej = lcp_auth_rej,
    .req = lcp_auth_req,
};
