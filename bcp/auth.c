/* The authentication phase driver: role, retransmission timer, dispatch to PAP/CHAP. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "auth.h"
#include "cplog.h"
#include "cpopt.h"

const char *auth_method_name(enum ppp_auth m)
{
	switch (m) {
	case PPP_AUTH_NONE:
		return "none";
	case PPP_AUTH_PAP:
		return "pap";
	case PPP_AUTH_CHAP:
		return "chap";
	case PPP_AUTH_MSCHAP1:
		return "mschap1";
	case PPP_AUTH_MSCHAP2:
		return "mschap2";
	default:
		return "?";
	}
}

enum ppp_auth auth_method_from_option(uint16_t proto, const uint8_t *data, size_t len)
{
	if (proto == PPP_PROTO_PAP && len == 0)
		return PPP_AUTH_PAP;
	if (proto != PPP_PROTO_CHAP || len != 1)
		return PPP_AUTH_NONE;
	switch (data[0]) {
	case CHAP_ALG_MD5:
		return PPP_AUTH_CHAP;
	case CHAP_ALG_MSCHAP1:
		return PPP_AUTH_MSCHAP1;
	case CHAP_ALG_MSCHAP2:
		return PPP_AUTH_MSCHAP2;
	default:
		return PPP_AUTH_NONE;
	}
}

void auth_logf(struct auth *a, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cplog_emit(a->ops ? a->ops->log : NULL, a->ctx, level, auth_method_name(a->method), fmt,
		   ap);
	va_end(ap);
}

void auth_init(struct auth *a, const struct auth_ops *ops, void *ctx)
{
	memset(a, 0, sizeof(*a));
	a->ops = ops;
	a->ctx = ctx;
}

static void auth_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void auth_start(struct auth *a, int authenticator, enum ppp_auth method, const char *name,
		const char *user, const char *password, uint64_t now)
{
	a->authenticator = authenticator;
	a->method = method;
	a->now = now;
	a->tries = 0;
	a->timer_at = 0;
	a->pkt_len = 0;
	a->have_result = 0;
	a->mppe_keys = 0;
	a->reason[0] = '\0';
	auth_copy(a->our_name, sizeof(a->our_name), name);
	auth_copy(a->user, sizeof(a->user), authenticator ? "" : user);
	auth_copy(a->password, sizeof(a->password), authenticator ? "" : password);
	a->state = authenticator ? AUTH_WAIT_RESPONSE : AUTH_WAIT_RESULT;
	if (method == PPP_AUTH_PAP)
		pap_start(a);
	else
		chap_start(a);
}

void auth_stop(struct auth *a)
{
	a->timer_at = 0;
	memset(a->password, 0, sizeof(a->password));
	if (a->state == AUTH_WAIT_RESPONSE || a->state == AUTH_WAIT_RESULT)
		a->state = AUTH_IDLE;
}

void auth_send(struct auth *a, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *data,
	       size_t len, int keep)
{
	uint8_t pkt[sizeof(a->pkt)];
	struct wbuf w;

	wbuf_init(&w, pkt, sizeof(pkt));
	if (cpopt_packet(&w, code, id, data, len) == -1)
		return;
	a->stats.tx++;
	if (keep) {
		/* Retransmitted every AUTH_RESTART_MS until answered (RFC 1334 §2.2.1, RFC 1994
		 * §4.1). */
		memcpy(a->pkt, pkt, w.len);
		a->pkt_len = w.len;
		a->pkt_proto = proto;
		a->timer_at = a->now + AUTH_RESTART_MS;
	}
	if (a->ops && a->ops->send)
		a->ops->send(a->ctx, proto, pkt, w.len);
}

void auth_finish(struct auth *a, int ok, const char *why)
{
	if (a->state == AUTH_DONE_OK || a->state == AUTH_DONE_FAIL)
		return;
	a->state = ok ? AUTH_DONE_OK : AUTH_DONE_FAIL;
	a->pkt_len = 0;
	/* The authenticator keeps no timer; a peer may still see a repeated challenge. */
	a->timer_at = 0;
	if (ok)
		a->stats.successes++;
	else
		a->stats.failures++;
	snprintf(a->reason, sizeof(a->reason), "%s", why ? why : "");
	auth_logf(a, ok ? LOG_INFO : LOG_WARNING, "%s%s%s", ok ? "authenticated" : "failed",
		  why && *why ? ": " : "", why ? why : "");
	memset(a->password, 0, sizeof(a->password));
	if (a->ops && a->ops->done)
		a->ops->done(a->ctx, ok, a->user, why);
}

int auth_input(struct auth *a, uint16_t proto, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct buf b, data;
	uint8_t code, id;
	uint16_t plen;

	a->now = now;
	a->stats.rx++;
	buf_init(&b, pkt, len);
	if (buf_get_n8(&b, &code) == -1 || buf_get_n8(&b, &id) == -1 ||
	    buf_get_n16(&b, &plen) == -1 || plen < 4 || buf_get_sub(&b, &data, plen - 4u) == -1) {
		a->stats.drop_malformed++;
		return -1;
	}
	if ((proto == PPP_PROTO_PAP) != (a->method == PPP_AUTH_PAP) || a->state == AUTH_IDLE) {
		a->stats.drop_unexpected++;
		return -1;
	}
	return proto == PPP_PROTO_PAP ? pap_input(a, code, id, &data)
				      : chap_input(a, code, id, &data);
}

void auth_timeout(struct auth *a, uint64_t now)
{
	a->now = now;
	if (!a->timer_at || now < a->timer_at)
		return;
	a->timer_at = 0;
	if (a->state != AUTH_WAIT_RESPONSE && a->state != AUTH_WAIT_RESULT)
		return;
	if (++a->tries >= AUTH_MAX_TRIES) {
		auth_finish(a, 0,
			    a->authenticator ? "peer did not authenticate"
					     : "no answer to authentication");
		return;
	}
	if (a->pkt_len && a->ops && a->ops->send) {
		a->stats.retransmits++;
		a->stats.tx++;
		a->ops->send(a->ctx, a->pkt_proto, a->pkt, a->pkt_len);
	}
	a->timer_at = now + AUTH_RESTART_MS;
}

uint64_t auth_deadline(const struct auth *a)
{
	return a->timer_at;
}
