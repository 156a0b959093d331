/*
 * CHAP framing (RFC 1994 §4) for all three algorithms, both roles:
 * MD5 (algorithm 5), MS-CHAPv1 (0x80, RFC 2433) and MS-CHAPv2 (0x81,
 * RFC 2759), the latter two computed in mschap.c.  The authenticator
 * retransmits its Challenge; the peer answers every Challenge and, for
 * MS-CHAPv2, checks the server's "S=" authenticator response.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <nettle/md5.h>

#include "auth.h"
#include "cplog.h"
#include "mschap.h"

#define CHAP_CHALLENGE 1
#define CHAP_RESPONSE  2
#define CHAP_SUCCESS   3
#define CHAP_FAILURE   4

static void chap_md5(uint8_t id, const char *secret, const uint8_t *chal, size_t chal_len,
		     uint8_t out[16])
{
	struct md5_ctx c;

	/* RFC 1994 §4.1: MD5 over Identifier, secret, Challenge Value. */
	md5_init(&c);
	md5_update(&c, 1, &id);
	md5_update(&c, strlen(secret), (const uint8_t *)secret);
	md5_update(&c, chal_len, chal);
	md5_digest(&c, 16, out);
}

static void chap_hex(char *dst, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = hex[p[i] >> 4];
		dst[2 * i + 1] = hex[p[i] & 15];
	}
	dst[2 * n] = '\0';
}

void chap_start(struct auth *a)
{
	uint8_t data[1 + 16 + AUTH_NAME_MAX];
	struct wbuf w;

	if (!a->authenticator) {
		/* Wait for the challenge; give up after AUTH_MAX_TRIES periods. */
		a->timer_at = a->now + AUTH_RESTART_MS;
		return;
	}
	a->challenge_len = a->method == PPP_AUTH_MSCHAP1 ? MSCHAP1_CHALLENGE_LEN : 16;
	memset(a->challenge, 0, sizeof(a->challenge));
	if (a->ops->random)
		a->ops->random(a->ctx, a->challenge, a->challenge_len);
	wbuf_init(&w, data, sizeof(data));
	wbuf_add_n8(&w, a->challenge_len);
	wbuf_add_bytes(&w, a->challenge, a->challenge_len);
	wbuf_add_bytes(&w, a->our_name, strlen(a->our_name));
	auth_send(a, PPP_PROTO_CHAP, CHAP_CHALLENGE, ++a->id, data, w.len, 1);
}

/* RFC 3079: the keys MPPE will use, from the point of view of our role. */
static void chap_keys(struct auth *a, const char *password)
{
	uint8_t h[16], hh[16], mk[16];
	int server = a->authenticator;

	mschap_nt_password_hash(password, h);
	mschap_hash_nt_password_hash(h, hh);
	if (a->method == PPP_AUTH_MSCHAP2) {
		mschap2_master_key(hh, a->nt_response, mk);
		mschap2_asymmetric_start_key(mk, a->mppe_send_key, 16, 1, server);
		mschap2_asymmetric_start_key(mk, a->mppe_recv_key, 16, 0, server);
	} else {
		mschap1_start_key(hh, a->challenge, a->mppe_send_key);
		memcpy(a->mppe_recv_key, a->mppe_send_key, 16);
	}
	a->mppe_keys = 1;
	memset(h, 0, sizeof(h));
	memset(hh, 0, sizeof(hh));
	memset(mk, 0, sizeof(mk));
}

/* Authenticator: is the response right for this password?  Fills auth_response (v2). */
static int chap_verify(struct auth *a, uint8_t id, const uint8_t *val, size_t vlen, const char *pw)
{
	uint8_t want[24];

	switch (a->method) {
	case PPP_AUTH_CHAP:
		if (vlen != 16)
			return 0;
		chap_md5(id, pw, a->challenge, a->challenge_len, want);
		return mschap_memeq(want, val, 16) == 0;
	case PPP_AUTH_MSCHAP1:
		/* RFC 2433 §3: LM-Response(24) NT-Response(24) Flags(1), flag 1 = use NT. */
		if (vlen != MSCHAP_RESPONSE_LEN || val[48] != 1)
			return 0;
		mschap1_nt_response(a->challenge, pw, want);
		memcpy(a->nt_response, val + 24, 24);
		return mschap_memeq(want, val + 24, 24) == 0;
	case PPP_AUTH_MSCHAP2:
		/* RFC 2759 §4: Peer-Challenge(16) Reserved(8) NT-Response(24) Flags(1). */
		if (vlen != MSCHAP_RESPONSE_LEN)
			return 0;
		memcpy(a->peer_challenge, val, 16);
		memcpy(a->nt_response, val + 24, 24);
		mschap2_nt_response(a->challenge, a->peer_challenge, a->user, pw, want);
		if (mschap_memeq(want, val + 24, 24) != 0)
			return 0;
		mschap2_authenticator_response(pw, a->nt_response, a->peer_challenge, a->challenge,
					       a->user, a->auth_response);
		return 1;
	default:
		return 0;
	}
}

static int chap_response(struct auth *a, uint8_t id, struct buf *d)
{
	char pw[AUTH_PASSWORD_MAX + 1], msg[160], why[160], hex[33];
	const uint8_t *val;
	uint8_t vlen, newchal[16];
	size_t nlen;
	int ok;

	if (id != a->id) {
		a->stats.drop_bad_id++;
		return -1;
	}
	if (a->have_result) {
		/* Our Success/Failure was lost: send it again (RFC 1994 §4.2). */
		auth_send(a, PPP_PROTO_CHAP, a->result[0], id, a->result + 1, a->result_len - 1, 0);
		return 0;
	}
	nlen = buf_left(d);
	if (buf_get_n8(d, &vlen) == -1 || buf_get_ptr(d, &val, vlen) == -1 ||
	    (nlen = buf_left(d)) > AUTH_NAME_MAX) {
		a->stats.drop_malformed++;
		return -1;
	}
	memcpy(a->user, buf_cur(d), nlen);
	a->user[nlen] = '\0';
	ok = a->ops->secret && a->ops->secret(a->ctx, a->user, pw, sizeof(pw)) == 0 &&
	     chap_verify(a, id, val, vlen, pw);
	if (ok && a->method != PPP_AUTH_CHAP)
		chap_keys(a, pw);
	memset(pw, 0, sizeof(pw));

	switch (a->method) {
	case PPP_AUTH_MSCHAP2:
		if (ok) {
			snprintf(msg, sizeof(msg), "%s M=Welcome", a->auth_response);
		} else {
			/* RFC 2759 §6: E=691 R=0 C=<next challenge> V=3 M=<text>. */
			memset(newchal, 0, sizeof(newchal));
			if (a->ops->random)
				a->ops->random(a->ctx, newchal, sizeof(newchal));
			chap_hex(hex, newchal, sizeof(newchal));
			snprintf(msg, sizeof(msg), "E=691 R=0 C=%s V=3 M=Authentication failed",
				 hex);
		}
		break;
	case PPP_AUTH_MSCHAP1:
		snprintf(msg, sizeof(msg), "%s", ok ? "" : "E=691 R=0");
		break;
	default:
		snprintf(msg, sizeof(msg), "%s", ok ? "Welcome" : "Authentication failed");
		break;
	}
	a->result[0] = ok ? CHAP_SUCCESS : CHAP_FAILURE;
	memcpy(a->result + 1, msg, strlen(msg));
	a->result_len = 1 + strlen(msg);
	a->result_id = id;
	a->have_result = 1;
	auth_send(a, PPP_PROTO_CHAP, a->result[0], id, a->result + 1, a->result_len - 1, 0);
	snprintf(why, sizeof(why), "wrong user name or password for \"%s\"", a->user);
	auth_finish(a, ok, ok ? "" : why);
	return 0;
}

static int chap_challenge(struct auth *a, uint8_t id, struct buf *d)
{
	uint8_t data[1 + MSCHAP_RESPONSE_LEN + AUTH_NAME_MAX], md5[16];
	const uint8_t *val;
	uint8_t vlen;
	struct wbuf w;

	if (buf_get_n8(d, &vlen) == -1 || buf_get_ptr(d, &val, vlen) == -1 ||
	    vlen > CHAP_CHALLENGE_MAX || vlen == 0) {
		a->stats.drop_malformed++;
		return -1;
	}
	if ((a->method == PPP_AUTH_MSCHAP1 && vlen != MSCHAP1_CHALLENGE_LEN) ||
	    (a->method == PPP_AUTH_MSCHAP2 && vlen != MSCHAP2_CHALLENGE_LEN)) {
		a->stats.drop_malformed++;
		return -1;
	}
	a->id = id;
	memcpy(a->challenge, val, vlen);
	a->challenge_len = vlen;
	wbuf_init(&w, data, sizeof(data));
	switch (a->method) {
	case PPP_AUTH_CHAP:
		chap_md5(id, a->password, val, vlen, md5);
		wbuf_add_n8(&w, 16);
		wbuf_add_bytes(&w, md5, 16);
		break;
	case PPP_AUTH_MSCHAP1:
		mschap1_nt_response(a->challenge, a->password, a->nt_response);
		wbuf_add_n8(&w, MSCHAP_RESPONSE_LEN);
		wbuf_add_zero(&w, 24); /* no LM response: it is broken beyond repair */
		wbuf_add_bytes(&w, a->nt_response, 24);
		wbuf_add_n8(&w, 1);
		break;
	case PPP_AUTH_MSCHAP2:
		if (a->ops->random)
			a->ops->random(a->ctx, a->peer_challenge, 16);
		mschap2_nt_response(a->challenge, a->peer_challenge, a->user, a->password,
				    a->nt_response);
		mschap2_authenticator_response(a->password, a->nt_response, a->peer_challenge,
					       a->challenge, a->user, a->auth_response);
		wbuf_add_n8(&w, MSCHAP_RESPONSE_LEN);
		wbuf_add_bytes(&w, a->peer_challenge, 16);
		wbuf_add_zero(&w, 8);
		wbuf_add_bytes(&w, a->nt_response, 24);
		wbuf_add_n8(&w, 0);
		break;
	default:
		return -1;
	}
	wbuf_add_bytes(&w, a->user, strlen(a->user));
	if (a->method != PPP_AUTH_CHAP)
		chap_keys(a, a->password);
	if (a->state != AUTH_DONE_OK)
		a->state = AUTH_WAIT_RESULT;
	a->timer_at = a->now + AUTH_RESTART_MS;
	auth_send(a, PPP_PROTO_CHAP, CHAP_RESPONSE, id, data, w.len, 0);
	return 0;
}

static int chap_result(struct auth *a, uint8_t code, uint8_t id, struct buf *d)
{
	char msg[128], why[192];
	size_t n = buf_left(d);

	if (id != a->id) {
		a->stats.drop_bad_id++;
		return -1;
	}
	if (a->state != AUTH_WAIT_RESULT) {
		a->stats.drop_unexpected++;
		return -1;
	}
	cplog_printable(msg, sizeof(msg), buf_cur(d), n);
	if (code == CHAP_FAILURE) {
		a->mppe_keys = 0;
		snprintf(why, sizeof(why), "authentication failed%s%s", n ? ": " : "", msg);
		auth_finish(a, 0, why);
		return 0;
	}
	/* RFC 2759 §5: the server proves it knows the password too. */
	if (a->method == PPP_AUTH_MSCHAP2 &&
	    (n < MSCHAP2_AUTHRESP_LEN ||
	     strncasecmp(msg, a->auth_response, MSCHAP2_AUTHRESP_LEN) != 0)) {
		a->mppe_keys = 0;
		auth_finish(a, 0, "server sent a wrong authenticator response (S=)");
		return 0;
	}
	auth_finish(a, 1, "");
	return 0;
}

int chap_input(struct auth *a, uint8_t code, uint8_t id, struct buf *d)
{
	if (a->authenticator) {
		if (code == CHAP_RESPONSE)
			return chap_response(a, id, d);
		a->stats.drop_unexpected++;
		return -1;
	}
	switch (code) {
	case CHAP_CHALLENGE:
		return chap_challenge(a, id, d);
	case CHAP_SUCCESS:
	case CHAP_FAILURE:
		return chap_result(a, code, id, d);
	default:
		a->stats.drop_unexpected++;
		return -1;
	}
}
