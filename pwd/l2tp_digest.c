/*
 * L2TPv3 Message Digest (RFC 3931 §4.3, §5.4.1) and L2TPv2 Challenge
 * Response (RFC 2661 §4.2).  See l2tp_digest.h.
 */
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/sha1.h>

#include "l2tp_digest.h"

/* Up to two Message Digest AVPs, back to back after the Message Type AVP. */
#define DIGEST_MAX_AVPS 2

struct digest_avp {
	size_t off;   /* offset of the digest value (after the Digest Type octet) */
	size_t len;   /* digest length */
	uint8_t type; /* Digest Type */
};

struct digest_layout {
	size_t msg_len; /* the Length field */
	uint16_t msg_type;
	int n;
	struct digest_avp d[DIGEST_MAX_AVPS];
};

static const char *const digest_err_names[L2TP_DIGEST_ERR_COUNT] = {
    [L2TP_DIGEST_OK] = "ok",
    [L2TP_DIGEST_MALFORMED] = "malformed",
    [L2TP_DIGEST_MISSING] = "digest-missing",
    [L2TP_DIGEST_BAD_TYPE] = "digest-bad-type",
    [L2TP_DIGEST_BAD_LENGTH] = "digest-bad-length",
    [L2TP_DIGEST_MISMATCH] = "digest-mismatch",
};

const char *l2tp_digest_err_name(enum l2tp_digest_err e)
{
	return (unsigned)e < L2TP_DIGEST_ERR_COUNT ? digest_err_names[e] : "unknown";
}

void l2tp_digest_key(const void *secret, size_t secret_len, uint8_t key[L2TP_DIGEST_KEY_LEN])
{
	struct hmac_md5_ctx ctx;
	static const uint8_t two = 2;

	/* RFC 3931 §5.4.1: shared_key = HMAC_MD5(shared_secret, 2). */
	hmac_md5_set_key(&ctx, secret_len, secret_len ? secret : (const void *)&two);
	hmac_md5_update(&ctx, 1, &two);
	hmac_md5_digest(&ctx, MD5_DIGEST_SIZE, key);
}

int l2tp_digest_len(uint8_t digest_type)
{
	switch (digest_type) {
	case L2TP_DIGEST_TYPE_HMAC_MD5:
		return L2TP_DIGEST_MD5_LEN;
	case L2TP_DIGEST_TYPE_HMAC_SHA1:
		return L2TP_DIGEST_SHA1_LEN;
	default:
		return -1;
	}
}

int l2tp_build_digest(struct l2tp_builder *b, uint8_t digest_type)
{
	uint8_t v[1 + L2TP_DIGEST_MAX_LEN] = {digest_type};
	int n = l2tp_digest_len(digest_type);

	if (n < 0 || b->version != L2TP_VERSION_3) {
		b->err = 1;
		return -1;
	}
	return l2tp_build_avp(b, L2TP_VENDOR_IETF, L2TP_AVP_MESSAGE_DIGEST, 1, v, (size_t)n + 1);
}

/*
 * Find the digest AVPs of a v3 control message.  Everything is read through
 * the header parser and buf peeks: a message whose header or AVP chain lies
 * is MALFORMED before any hashing.
 */
static enum l2tp_digest_err digest_locate(const struct buf *msg, struct digest_layout *lay)
{
	struct l2tp_ctrl_hdr h;
	struct buf avps;
	size_t off = L2TP_DIGEST_AVP_OFF;

	memset(lay, 0, sizeof(*lay));
	if (l2tp_ctrl_parse(msg, &h, &avps, NULL) == -1 || h.version != L2TP_VERSION_3)
		return L2TP_DIGEST_MALFORMED;
	lay->msg_len = h.length;
	lay->msg_type = h.msg_type;
	while (lay->n < DIGEST_MAX_AVPS) {
		uint16_t word, vendor, type, len;
		uint8_t dtype;
		int dlen;

		if (buf_peek_n16(msg, off, &word) == -1 ||
		    buf_peek_n16(msg, off + 2, &vendor) == -1 ||
		    buf_peek_n16(msg, off + 4, &type) == -1 || off >= lay->msg_len)
			break;
		if (vendor != L2TP_VENDOR_IETF || type != L2TP_AVP_MESSAGE_DIGEST)
			break;
		len = word & L2TP_AVP_LEN_MASK;
		if (len < L2TP_AVP_HDR_LEN + 1 || buf_peek_n8(msg, off + 6, &dtype) == -1)
			return L2TP_DIGEST_BAD_LENGTH;
		dlen = l2tp_digest_len(dtype);
		if (dlen < 0)
			return L2TP_DIGEST_BAD_TYPE;
		/* Length is 23 for HMAC-MD5 and 27 for HMAC-SHA-1 (RFC 3931 §5.4.1). */
		if (len != L2TP_AVP_HDR_LEN + 1 + dlen)
			return L2TP_DIGEST_BAD_LENGTH;
		lay->d[lay->n].off = off + L2TP_AVP_HDR_LEN + 1;
		lay->d[lay->n].len = (size_t)dlen;
		lay->d[lay->n].type = dtype;
		lay->n++;
		off += len;
	}
	return lay->n ? L2TP_DIGEST_OK : L2TP_DIGEST_MISSING;
}

union hmac_ctx {
	struct hmac_md5_ctx md5;
	struct hmac_sha1_ctx sha1;
};

static void mac_update(union hmac_ctx *c, uint8_t type, size_t len, const uint8_t *data)
{
	if (len == 0)
		return;
	if (type == L2TP_DIGEST_TYPE_HMAC_MD5)
		hmac_md5_update(&c->md5, len, data);
	else
		hmac_sha1_update(&c->sha1, len, data);
}

/*
 * HMAC(shared_key, first_nonce + second_nonce + message) with every digest
 * value taken as zeros.  The message is fed in spans around the digest
 * fields, so the caller's bytes are never modified.
 */
static int digest_compute(uint8_t type, const uint8_t key[L2TP_DIGEST_KEY_LEN],
			  const struct digest_layout *lay, const struct buf *msg, const void *n1,
			  size_t n1_len, const void *n2, size_t n2_len, uint8_t *out)
{
	static const uint8_t zeros[L2TP_DIGEST_MAX_LEN];
	union hmac_ctx c;
	struct buf m = *msg;
	const uint8_t *p;
	size_t at = 0;

	if (type == L2TP_DIGEST_TYPE_HMAC_MD5)
		hmac_md5_set_key(&c.md5, L2TP_DIGEST_KEY_LEN, key);
	else
		hmac_sha1_set_key(&c.sha1, L2TP_DIGEST_KEY_LEN, key);
	/* RFC 3931 §5.4.1: the SCCRQ carries its nonce inside; no nonces are prepended. */
	if (lay->msg_type != L2TP_MSG_SCCRQ) {
		mac_update(&c, type, n1_len, n1);
		mac_update(&c, type, n2_len, n2);
	}
	for (int i = 0; i <= lay->n; i++) {
		size_t end = i < lay->n ? lay->d[i].off : lay->msg_len;

		if (buf_get_ptr(&m, &p, end - at) == -1)
			return -1;
		mac_update(&c, type, end - at, p);
		if (i == lay->n)
			break;
		if (buf_skip(&m, lay->d[i].len) == -1)
			return -1;
		mac_update(&c, type, lay->d[i].len, zeros);
		at = end + lay->d[i].len;
	}
	if (type == L2TP_DIGEST_TYPE_HMAC_MD5)
		hmac_md5_digest(&c.md5, L2TP_DIGEST_MD5_LEN, out);
	else
		hmac_sha1_digest(&c.sha1, L2TP_DIGEST_SHA1_LEN, out);
	return 0;
}

int l2tp_digest_sign(uint8_t *msg, size_t len, const uint8_t key[L2TP_DIGEST_KEY_LEN],
		     const void *local_nonce, size_t local_len, const void *remote_nonce,
		     size_t remote_len)
{
	uint8_t out[DIGEST_MAX_AVPS][L2TP_DIGEST_MAX_LEN];
	struct digest_layout lay;
	struct buf b;
	struct wbuf w;

	buf_init(&b, msg, len);
	if (digest_locate(&b, &lay) != L2TP_DIGEST_OK)
		return -1;
	/* Compute every digest first: each is taken over the message with all of them zeroed. */
	for (int i = 0; i < lay.n; i++)
		if (digest_compute(lay.d[i].type, key, &lay, &b, local_nonce, local_len,
				   remote_nonce, remote_len, out[i]) == -1)
			return -1;
	wbuf_init(&w, msg, len);
	if (wbuf_reserve(&w, len, NULL) == -1)
		return -1;
	for (int i = 0; i < lay.n; i++)
		for (size_t k = 0; k < lay.d[i].len; k++)
			if (wbuf_set_n8(&w, lay.d[i].off + k, out[i][k]) == -1)
				return -1;
	return 0;
}

int l2tp_digest_verify(const struct buf *msg, const uint8_t key[L2TP_DIGEST_KEY_LEN],
		       const void *peer_nonce, size_t peer_len, const void *our_nonce,
		       size_t our_len, enum l2tp_digest_err *err)
{
	uint8_t want[L2TP_DIGEST_MAX_LEN], got[L2TP_DIGEST_MAX_LEN];
	struct digest_layout lay;
	enum l2tp_digest_err e = digest_locate(msg, &lay);
	int ok = 0;

	if (e != L2TP_DIGEST_OK)
		goto out;
	for (int i = 0; i < lay.n; i++) {
		struct buf m = *msg;

		/* The receiver swaps the nonces: the sender's local nonce comes first. */
		if (digest_compute(lay.d[i].type, key, &lay, msg, peer_nonce, peer_len, our_nonce,
				   our_len, want) == -1 ||
		    buf_skip(&m, lay.d[i].off) == -1 ||
		    buf_get_bytes(&m, got, lay.d[i].len) == -1) {
			e = L2TP_DIGEST_MALFORMED;
			goto out;
		}
		ok |= memeql_sec(want, got, lay.d[i].len);
	}
	e = ok ? L2TP_DIGEST_OK : L2TP_DIGEST_MISMATCH;
out:
	if (err)
		*err = e;
	return e == L2TP_DIGEST_OK ? 0 : -1;
}

void l2tp_challenge_response(uint8_t msg_type, const void *secret, size_t secret_len,
			     const void *challenge, size_t challenge_len,
			     uint8_t out[L2TP_CHALLENGE_RESPONSE_LEN])
{
	struct md5_ctx md5;

	/* RFC 2661 §4.2: like CHAP (RFC 1994), with the Message Type as the identifier. */
	md5_init(&md5);
	md5_update(&md5, 1, &msg_type);
	if (secret_len)
		md5_update(&md5, secret_len, secret);
	if (challenge_len)
		md5_update(&md5, challenge_len, challenge);
	md5_digest(&md5, L2TP_CHALLENGE_RESPONSE_LEN, out);
}

int l2tp_challenge_response_ok(uint8_t msg_type, const void *secret, size_t secret_len,
			       const void *challenge, size_t challenge_len,
			       const struct buf *response)
{
	uint8_t want[L2TP_CHALLENGE_RESPONSE_LEN], got[L2TP_CHALLENGE_RESPONSE_LEN];
	struct buf r = *response;

	if (buf_left(&r) != L2TP_CHALLENGE_RESPONSE_LEN ||
	    buf_get_bytes(&r, got, sizeof(got)) == -1)
		return 0;
	l2tp_challenge_response(msg_type, secret, secret_len, challenge, challenge_len, want);
	return memeql_sec(want, got, sizeof(want));
}
