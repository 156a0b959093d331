/* PAP (RFC 1334 §2): Authenticate-Request, -Ack, -Nak, both roles. */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "auth.h"
#include "cplog.h"
#include "mschap.h"

#define PAP_REQ 1
#define PAP_ACK 2
#define PAP_NAK 3

void pap_start(struct auth *a)
{
	uint8_t data[2 + AUTH_NAME_MAX + AUTH_PASSWORD_MAX];
	size_t ul = strlen(a->user), pl = strlen(a->password);
	struct wbuf w;

	if (a->authenticator) {
		/* Nothing to send: wait AUTH_MAX_TRIES periods for the request. */
		a->timer_at = a->now + AUTH_RESTART_MS;
		return;
	}
	wbuf_init(&w, data, sizeof(data));
	wbuf_add_n8(&w, (uint8_t)ul);
	wbuf_add_bytes(&w, a->user, ul);
	wbuf_add_n8(&w, (uint8_t)pl);
	wbuf_add_bytes(&w, a->password, pl);
	auth_send(a, PPP_PROTO_PAP, PAP_REQ, ++a->id, data, w.len, 1);
	memset(data, 0, sizeof(data));
}

static void pap_reply(struct auth *a, uint8_t id, int ok)
{
	const char *msg = ok ? "Login ok" : "Authentication failed";
	uint8_t data[64];
	struct wbuf w;

	wbuf_init(&w, data, sizeof(data));
	wbuf_add_n8(&w, (uint8_t)strlen(msg));
	wbuf_add_bytes(&w, msg, strlen(msg));
	auth_send(a, PPP_PROTO_PAP, ok ? PAP_ACK : PAP_NAK, id, data, w.len, 0);
}

/* Authenticator: check the request against the secret callback. */
static int pap_request(struct auth *a, uint8_t id, struct buf *d)
{
	char pw[AUTH_PASSWORD_MAX + 1], why[160];
	const uint8_t *user, *pass;
	uint8_t ul, pl;
	int ok;

	if (buf_get_n8(d, &ul) == -1 || buf_get_ptr(d, &user, ul) == -1 ||
	    buf_get_n8(d, &pl) == -1 || buf_get_ptr(d, &pass, pl) == -1 || ul > AUTH_NAME_MAX) {
		a->stats.drop_malformed++;
		return -1;
	}
	if (a->state == AUTH_DONE_OK || a->state == AUTH_DONE_FAIL) {
		/* Our answer was lost: the peer asks again (RFC 1334 §2.2.1). */
		pap_reply(a, id, a->state == AUTH_DONE_OK);
		return 0;
	}
	memcpy(a->user, user, ul);
	a->user[ul] = '\0';
	ok = a->ops->secret && a->ops->secret(a->ctx, a->user, pw, sizeof(pw)) == 0 &&
	     strlen(pw) == pl && mschap_memeq(pw, pass, pl) == 0;
	memset(pw, 0, sizeof(pw));
	pap_reply(a, id, ok);
	snprintf(why, sizeof(why), "wrong user name or password for \"%s\"", a->user);
	auth_finish(a, ok, ok ? "" : why);
	return 0;
}

int pap_input(struct auth *a, uint8_t code, uint8_t id, struct buf *d)
{
	char why[160], m[100];
	uint8_t ml = 0;
	const uint8_t *msg = NULL;

	if (a->authenticator) {
		if (code == PAP_REQ)
			return pap_request(a, id, d);
		a->stats.drop_unexpected++;
		return -1;
	}
	if ((code != PAP_ACK && code != PAP_NAK) || a->state != AUTH_WAIT_RESULT) {
		a->stats.drop_unexpected++;
		return -1;
	}
	if (id != a->id) {
		a->stats.drop_bad_id++;
		return -1;
	}
	/* The message is optional in practice; a short one is shown as far as it goes. */
	if (buf_get_n8(d, &ml) == -1 || buf_get_ptr(d, &msg, ml) == -1)
		ml = 0;
	if (code == PAP_ACK) {
		auth_finish(a, 1, "");
	} else {
		cplog_printable(m, sizeof(m), msg, ml);
		snprintf(why, sizeof(why), "authentication failed%s%s", ml ? ": " : "", m);
		auth_finish(a, 0, why);
	}
	return 0;
}
