/*
 * L2TP control message codec: the v2 (RFC 2661 §3.1) and v3 (RFC 3931 §3.2.1)
 * control header, the AVP walk (RFC 2661 §4.1, RFC 3931 §5.1), AVP hiding
 * (RFC 2661 §4.3, RFC 3931 §5.3) and a message builder.
 *
 * Pure: no I/O, no clock, no randomness (Random Vector values come from the
 * caller).  Every byte is read through struct buf and written through struct
 * wbuf.  A "control message" here always starts at the flags word: for L2TPv3
 * over IP the caller strips the 4-byte zero Session ID first
 * (RFC 3931 §4.1.1.2).
 *
 * Ownership: nothing here allocates.  Parsed values (struct buf) point into the
 * caller's packet, except unhidden AVP values, which point into the reader's
 * scratch buffer and are valid until the next l2tp_avp_read() on that reader.
 */
#ifndef L2PW_L2TP_AVP_H
#define L2PW_L2TP_AVP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "l2tp.h"

/* Header flag bits (first 16-bit word).  RFC 2661 §3.1, RFC 3931 §3.2.1. */
#define L2TP_HDR_T	  0x8000 /* control message */
#define L2TP_HDR_L	  0x4000 /* Length field present */
#define L2TP_HDR_S	  0x0800 /* Ns/Nr present */
#define L2TP_HDR_O	  0x0200 /* Offset Size present (v2 data only) */
#define L2TP_HDR_P	  0x0100 /* Priority (v2 data only) */
#define L2TP_HDR_VER_MASK 0x000f

/* Fixed control header sizes: both are 12 octets, Ns at offset 8, Nr at 10. */
#define L2TP_CTRL_HDR_LEN 12
#define L2TP_CTRL_NS_OFF  8
#define L2TP_CTRL_NR_OFF  10

/* Why a control header was rejected (one counter each in the caller). */
enum l2tp_hdr_err {
	L2TP_HDR_OK = 0,
	L2TP_HDR_SHORT,	       /* fewer bytes than the 12-octet header */
	L2TP_HDR_BAD_VERSION,  /* Ver is neither 2 nor 3 (or not the one asked for) */
	L2TP_HDR_NOT_CONTROL,  /* T bit clear: a data message */
	L2TP_HDR_NO_LENGTH,    /* T=1 requires L=1 (RFC 2661 §3.1, RFC 3931 §3.2.1) */
	L2TP_HDR_NO_SEQUENCE,  /* T=1 requires S=1 */
	L2TP_HDR_OFFSET_SET,   /* O must be 0 in control messages (RFC 2661 §3.1) */
	L2TP_HDR_PRIORITY_SET, /* P must be 0 in control messages (RFC 2661 §3.1) */
	L2TP_HDR_LENGTH_SHORT, /* Length field below the header size */
	L2TP_HDR_LENGTH_LONG,  /* Length field beyond the datagram */
	L2TP_HDR_NO_MSG_TYPE,  /* first AVP is not a well-formed Message Type AVP */
	L2TP_HDR_BAD_AVP,      /* an AVP header lies (see enum l2tp_avp_err) */
	L2TP_HDR_ERR_COUNT
};
const char *l2tp_hdr_err_name(enum l2tp_hdr_err e);

/* A parsed control header. */
struct l2tp_ctrl_hdr {
	uint8_t version;     /* 2 or 3 */
	uint16_t flags;	     /* the raw first word */
	uint16_t length;     /* the Length field: the message's true size */
	uint32_t conn_id;    /* v2 Tunnel ID (16 bits) or v3 Control Connection ID */
	uint16_t session_id; /* v2 only; 0 for v3 */
	uint16_t ns, nr;
	uint16_t msg_type;   /* Message Type AVP value; L2TP_MSG_ZLB when no AVPs */
	uint16_t msg_vendor; /* the Message Type AVP's Vendor ID: 0 unless vendor-specific */
	int msg_mandatory;   /* its M bit: set => an unknown type clears the connection */
};

/* True when the first word says T=1 (a control message).  0 for short input. */
int l2tp_is_control(const struct buf *pkt);
/* The Ver field of the first word, or -1 when shorter than 2 bytes. */
int l2tp_peek_version(const struct buf *pkt);

/*
 * Parse a control message header.  pkt holds the datagram from the flags word
 * on; bytes beyond the Length field are ignored (RFC 2661 §3.1: Length is the
 * message's total length).  On success *avps covers the AVPs (empty for a ZLB)
 * and h->msg_type is the first AVP's value, which must be the Message Type
 * (RFC 2661 §4.4.1, RFC 3931 §5.4.1: "the first AVP in a message MUST be the
 * Message Type AVP"; it MUST NOT be hidden).  Returns 0, or -1 with *err set.
 * err may be NULL.
 */
int l2tp_ctrl_parse(const struct buf *pkt, struct l2tp_ctrl_hdr *h, struct buf *avps,
		    enum l2tp_hdr_err *err);

/* ---- AVPs ---- */

#define L2TP_AVP_F_M	       0x8000 /* mandatory */
#define L2TP_AVP_F_H	       0x4000 /* hidden */
#define L2TP_AVP_F_RESERVED    0x3c00 /* must be 0 on send, ignored on receive (RFC 3931 §5.1) */
#define L2TP_AVP_LEN_MASK      0x03ff
#define L2TP_AVP_HDR_LEN       6
#define L2TP_AVP_MAX_LEN       1023 /* the 10-bit Length field */
#define L2TP_HIDING_KEY_V3_LEN 16   /* HMAC-MD5 output, RFC 3931 §5.3 */

enum l2tp_avp_err {
	L2TP_AVP_OK = 0,
	L2TP_AVP_SHORT_HEADER,	    /* fewer than 6 bytes left for an AVP header */
	L2TP_AVP_LEN_BELOW_6,	    /* Length < 6 (RFC 2661 §4.1) */
	L2TP_AVP_LEN_PAST_END,	    /* Length beyond the message */
	L2TP_AVP_BAD_VALUE_LEN,	    /* typed getter: value length not what the type needs */
	L2TP_AVP_HIDDEN_NO_SECRET,  /* H bit set but we have no secret */
	L2TP_AVP_HIDDEN_NO_RV,	    /* H bit set but no Random Vector AVP came before it */
	L2TP_AVP_HIDDEN_BAD_LEN,    /* hidden value too short, or its decoded Original Length is
				       larger than the data (wrong secret) */
	L2TP_AVP_UNKNOWN_MANDATORY, /* M bit set on an attribute we do not know (RFC 3931 §5.2) */
	L2TP_AVP_ERR_COUNT
};
const char *l2tp_avp_err_name(enum l2tp_avp_err e);

struct l2tp_avp {
	int mandatory;	  /* M bit */
	int hidden;	  /* H bit as received (value below is already unhidden by the reader) */
	uint8_t reserved; /* the 4 reserved bits, for logs */
	uint16_t vendor;
	uint16_t type;
	uint16_t len;	  /* the AVP's Length field (header included) */
	struct buf value; /* value bytes; hidden values decoded when read via l2tp_avp_read */
};

/* Raw AVP walk: no unhiding, no knowledge of attributes. */
struct l2tp_avp_iter {
	struct buf rest;
	enum l2tp_avp_err err;
};
void l2tp_avp_iter_init(struct l2tp_avp_iter *it, const struct buf *avps);
/* 1: *a filled; 0: no more AVPs; -1: malformed (it->err says why; stop walking). */
int l2tp_avp_next(struct l2tp_avp_iter *it, struct l2tp_avp *a);

/*
 * Whether the codec knows an attribute for a protocol version (IETF vendor 0
 * attributes of RFC 2661 for v2, of RFC 3931 for v3).  Vendor-specific
 * attributes are never known.
 */
int l2tp_avp_is_known(uint8_t version, uint16_t vendor, uint16_t type);

/*
 * What RFC 3931 §5.2 / RFC 2661 §4.1 demand on an unknown AVP with the M bit
 * set: the session (for a session message) or the whole control connection
 * is torn down, with Result Code 2 ("general error") and Error Code 8.
 * Fills *result (CDN or StopCCN result code) and *error and returns 1 when the
 * session is to be closed (send CDN), 0 when the control connection is
 * (send StopCCN).
 */
int l2tp_unknown_mandatory_action(uint16_t msg_type, uint16_t *result, uint16_t *error);

/*
 * The AVP reader: walks a message's AVPs, remembers the last Random Vector
 * (RFC 2661 §4.3: it applies to every hidden AVP after it), unhides hidden
 * values with the shared secret, and stops on an unknown mandatory AVP.
 * secret may be NULL (then any hidden AVP is an error).  The secret and the
 * packet must outlive the reader.
 */
struct l2tp_avp_reader {
	struct l2tp_avp_iter it;
	uint8_t version;
	const uint8_t *secret;
	size_t secret_len;
	uint8_t key[L2TP_HIDING_KEY_V3_LEN]; /* v3: derived hiding key */
	struct buf rv;			     /* last Random Vector value */
	int have_rv;
	enum l2tp_avp_err err;
	struct l2tp_avp bad; /* the offending AVP on L2TP_AVP_UNKNOWN_MANDATORY */
	uint8_t scratch[L2TP_AVP_MAX_LEN];
};
void l2tp_avp_reader_init(struct l2tp_avp_reader *r, uint8_t version, const struct buf *avps,
			  const void *secret, size_t secret_len);
/*
 * 1: *a filled (Random Vector AVPs are returned too); 0: end; -1: stop, r->err
 * says why (and r->bad holds an unknown mandatory AVP).  Unknown AVPs without
 * the M bit are returned like any other: the caller ignores what it does not
 * use (RFC 2661 §4.1).
 */
int l2tp_avp_read(struct l2tp_avp_reader *r, struct l2tp_avp *a);

/*
 * The key S of the hiding hash b_1 = MD5(A + S + RV), b_i = MD5(S + c_i-1):
 * L2TPv2 uses the shared secret itself (RFC 2661 §4.3); L2TPv3 derives
 * S = HMAC_MD5(shared_secret, 1) (RFC 3931 §5.3).  The reader and builder
 * do this themselves from their version; the low-level hide/unhide below take
 * S directly.
 */
void l2tp_avp_v3_hiding_key(const void *secret, size_t secret_len,
			    uint8_t key[L2TP_HIDING_KEY_V3_LEN]);

/*
 * Unhide one value: value = hidden bytes as on the wire, out receives the
 * original value (at most value length - 2 bytes).  key/key_len is S above.
 * Returns the original length, or -1 (err set) when the data is shorter than
 * 2 bytes or the decoded Original Length exceeds what is there.
 */
int l2tp_avp_unhide(uint16_t attr_type, const void *key, size_t key_len, const struct buf *rv,
		    const struct buf *value, uint8_t *out, size_t out_cap, enum l2tp_avp_err *err);

/*
 * Typed getters with exact length checks (RFC 2661 §4.4 value sizes).
 * Return 0, or -1 when the value has the wrong length.
 */
int l2tp_avp_get_n16(const struct l2tp_avp *a, uint16_t *v);
int l2tp_avp_get_n32(const struct l2tp_avp *a, uint32_t *v);
int l2tp_avp_get_n64(const struct l2tp_avp *a, uint64_t *v);
/* Copies and NUL-terminates; -1 when it does not fit in cap (cap includes the NUL). */
int l2tp_avp_get_string(const struct l2tp_avp *a, char *dst, size_t cap);
/* Copies between min and max bytes; *len gets the count.  -1 outside [min, max]. */
int l2tp_avp_get_bytes(const struct l2tp_avp *a, void *dst, size_t min, size_t max, size_t *len);

/*
 * Result Code AVP (RFC 2661 §4.4.2, RFC 3931 §5.4.2): result (2 octets),
 * optional error (2 octets), optional message.  A value of 3 octets or 1
 * octet is a lie and gives -1.
 */
struct l2tp_result {
	uint16_t result;
	int has_error;
	uint16_t error;
	struct buf message; /* may be empty; not NUL-terminated */
};
int l2tp_avp_get_result(const struct l2tp_avp *a, struct l2tp_result *r);

/* ---- building ---- */

/*
 * Build one control message into caller storage:
 *
 *	struct l2tp_builder b;
 *	l2tp_build_begin(&b, &w, 3, peer_ccid, 0, L2TP_MSG_SCCRQ);
 *	l2tp_build_n32(&b, L2TP_AVP_ROUTER_ID, 1, router_id);
 *	...
 *	if (l2tp_build_finish(&b, &len) == -1) goto too_big;
 *
 * begin writes the 12-octet header (Ns = Nr = 0 placeholders: the reliable
 * delivery layer fills them with l2tp_ctrl_set_nsnr() at (re)send time) and,
 * unless msg_type is L2TP_MSG_ZLB, the Message Type AVP with M=1.
 * The message starts at the wbuf's current length.  Errors are sticky: add
 * functions return -1 once anything failed and finish reports it.
 */
struct l2tp_builder {
	struct wbuf *w;
	size_t start; /* offset of the flags word in w */
	uint8_t version;
	int err;
	const uint8_t *secret; /* for hidden AVPs, set by l2tp_build_random_vector */
	size_t secret_len;
	uint8_t key[L2TP_HIDING_KEY_V3_LEN]; /* v3: derived hiding key */
	uint8_t rv[64];			     /* last Random Vector written */
	size_t rv_len;
};
int l2tp_build_begin(struct l2tp_builder *b, struct wbuf *w, uint8_t version, uint32_t conn_id,
		     uint16_t session_id, uint16_t msg_type);
int l2tp_build_avp(struct l2tp_builder *b, uint16_t vendor, uint16_t type, int mandatory,
		   const void *val, size_t len);
int l2tp_build_n16(struct l2tp_builder *b, uint16_t type, int mandatory, uint16_t v);
int l2tp_build_n32(struct l2tp_builder *b, uint16_t type, int mandatory, uint32_t v);
int l2tp_build_n64(struct l2tp_builder *b, uint16_t type, int mandatory, uint64_t v);
int l2tp_build_string(struct l2tp_builder *b, uint16_t type, int mandatory, const char *s);
int l2tp_build_bytes(struct l2tp_builder *b, uint16_t type, int mandatory, const void *val,
		     size_t len);
/* Result Code AVP; error < 0 omits the Error Code (and msg); msg may be NULL. */
int l2tp_build_result(struct l2tp_builder *b, uint16_t result, int error, const char *msg);
/*
 * Random Vector AVP (M=1) with caller-supplied random bytes (1..64); the
 * secret is remembered for the hidden AVPs that follow.
 */
int l2tp_build_random_vector(struct l2tp_builder *b, const void *rv, size_t rv_len,
			     const void *secret, size_t secret_len);
/* A hidden AVP (H=1), encoded with the last Random Vector and its secret. */
int l2tp_build_hidden(struct l2tp_builder *b, uint16_t vendor, uint16_t type, int mandatory,
		      const void *val, size_t len);
/* Write the Length field; *len (may be NULL) gets the message size.  -1 on any error. */
int l2tp_build_finish(struct l2tp_builder *b, size_t *len);

/* Fill Ns and Nr of an already-built control message (v2 and v3 alike). */
int l2tp_ctrl_set_nsnr(uint8_t *msg, size_t len, uint16_t ns, uint16_t nr);

/*
 * Hide one value into out (needs len + 2 bytes; no padding); key is S above.
 * Returns bytes written or -1.
 */
int l2tp_avp_hide(uint16_t attr_type, const void *key, size_t key_len, const void *rv,
		  size_t rv_len, const void *val, size_t len, uint8_t *out, size_t out_cap);

#endif
