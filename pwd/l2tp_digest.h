/*
 * L2TP message authentication, pure functions over nettle:
 *
 * - L2TPv3 Message Digest AVP (RFC 3931 §4.3, §5.4.1): HMAC-MD5 (Digest Type
 *   0) or HMAC-SHA-1 (Digest Type 1) keyed with
 *	shared_key = HMAC_MD5(shared_secret, 0x02)
 *   over local_nonce + remote_nonce + control_message, where the message
 *   runs from the flags word to the Length field with the digest value(s)
 *   zeroed.  The SCCRQ is the exception: only one nonce exists yet and it is
 *   inside the message, so its digest is HMAC(shared_key, control_message).
 *   "local" is the sender's nonce: a receiver verifies with the nonces
 *   swapped (the sender's nonce first).  Without Control Message
 *   Authentication the digest may still be sent as an integrity check with an
 *   empty secret and empty nonces (RFC 3931 §4.3).
 * - L2TPv2 tunnel authentication (RFC 2661 §4.2, §4.4.3 Challenge Response):
 *   MD5(Message Type octet + secret + challenge).
 *
 * Nothing here allocates or keeps state; keys are caller-owned arrays.
 */
#ifndef L2PW_L2TP_DIGEST_H
#define L2PW_L2TP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "l2tp_avp.h"

#define L2TP_DIGEST_KEY_LEN  16 /* HMAC-MD5 output */
#define L2TP_DIGEST_MD5_LEN  16
#define L2TP_DIGEST_SHA1_LEN 20
#define L2TP_DIGEST_MAX_LEN  20
/* Offset of the first Message Digest AVP: 12-octet header + 8-octet Message Type AVP. */
#define L2TP_DIGEST_AVP_OFF 20

/* shared_key = HMAC_MD5(shared_secret, 2).  secret may be NULL when secret_len is 0. */
void l2tp_digest_key(const void *secret, size_t secret_len, uint8_t key[L2TP_DIGEST_KEY_LEN]);

/* Digest length for a Digest Type: 16, 20, or -1 for an unknown type. */
int l2tp_digest_len(uint8_t digest_type);

/*
 * Add a Message Digest AVP (M=1, value zeroed) to a message being built.
 * RFC 3931 §5.4.1: it MUST come immediately after the Message Type AVP, so
 * call this right after l2tp_build_begin() (once, or twice for a second
 * digest during a secret change).  Fails for v2 builders and ZLBs.
 */
int l2tp_build_digest(struct l2tp_builder *b, uint8_t digest_type);

enum l2tp_digest_err {
	L2TP_DIGEST_OK = 0,
	L2TP_DIGEST_MALFORMED,	/* not a parsable v3 control message */
	L2TP_DIGEST_MISSING,	/* no Message Digest AVP right after Message Type */
	L2TP_DIGEST_BAD_TYPE,	/* unknown Digest Type */
	L2TP_DIGEST_BAD_LENGTH, /* AVP length does not match the Digest Type (23 / 27) */
	L2TP_DIGEST_MISMATCH,	/* wrong digest: wrong secret, nonce, or altered message */
	L2TP_DIGEST_ERR_COUNT
};
const char *l2tp_digest_err_name(enum l2tp_digest_err e);

/*
 * Compute and write the digest value(s) of a finished message msg[0..len)
 * (from the flags word; len is at least the Length field).  Call after
 * l2tp_ctrl_set_nsnr(): Ns and Nr are covered.  For an SCCRQ the nonces are
 * ignored.  Returns 0, or -1 when the message has no digest AVP in place.
 */
int l2tp_digest_sign(uint8_t *msg, size_t len, const uint8_t key[L2TP_DIGEST_KEY_LEN],
		     const void *local_nonce, size_t local_len, const void *remote_nonce,
		     size_t remote_len);

/*
 * Verify a received message (from the flags word).  peer_nonce is the nonce
 * the sender advertised (its local_nonce), our_nonce ours.  With two digest
 * AVPs the message is good when either matches (RFC 3931 §5.4.1).  The
 * comparison is constant-time.  Returns 0, or -1 with *err (may be NULL).
 */
int l2tp_digest_verify(const struct buf *msg, const uint8_t key[L2TP_DIGEST_KEY_LEN],
		       const void *peer_nonce, size_t peer_len, const void *our_nonce,
		       size_t our_len, enum l2tp_digest_err *err);

#define L2TP_CHALLENGE_RESPONSE_LEN 16
/*
 * RFC 2661 §4.2: the Challenge Response AVP value for a Challenge received,
 * in the message of type msg_type that carries the response (L2TP_MSG_SCCRP
 * answering an SCCRQ's challenge, L2TP_MSG_SCCCN answering an SCCRP's).
 */
void l2tp_challenge_response(uint8_t msg_type, const void *secret, size_t secret_len,
			     const void *challenge, size_t challenge_len,
			     uint8_t out[L2TP_CHALLENGE_RESPONSE_LEN]);
/* Constant-time check of a received Challenge Response AVP value: 1 when right, else 0. */
int l2tp_challenge_response_ok(uint8_t msg_type, const void *secret, size_t secret_len,
			       const void *challenge, size_t challenge_len,
			       const struct buf *response);

#endif
