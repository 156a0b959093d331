/*
 * L2TP control message codec: header, AVP walk, hiding, builder, and the
 * protocol number names of l2tp.h.  See l2tp_avp.h for the contracts.
 */
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>

#include "l2tp_avp.h"

/* ---- names ---- */

struct l2tp_name {
	uint16_t value;
	const char *name;
};

/* Protocol numbers are sparse: a short table per field, searched linearly (logs only). */
static const char *name_of(const struct l2tp_name *t, size_t n, uint16_t value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "unknown";
}

#define NAME_OF(table, value) name_of(table, sizeof(table) / sizeof(table[0]), value)

static const struct l2tp_name msg_names[] = {
    {L2TP_MSG_ZLB, "ZLB"},     {L2TP_MSG_SCCRQ, "SCCRQ"},     {L2TP_MSG_SCCRP, "SCCRP"},
    {L2TP_MSG_SCCCN, "SCCCN"}, {L2TP_MSG_STOPCCN, "StopCCN"}, {L2TP_MSG_HELLO, "HELLO"},
    {L2TP_MSG_OCRQ, "OCRQ"},   {L2TP_MSG_OCRP, "OCRP"},	      {L2TP_MSG_OCCN, "OCCN"},
    {L2TP_MSG_ICRQ, "ICRQ"},   {L2TP_MSG_ICRP, "ICRP"},	      {L2TP_MSG_ICCN, "ICCN"},
    {L2TP_MSG_CDN, "CDN"},     {L2TP_MSG_WEN, "WEN"},	      {L2TP_MSG_SLI, "SLI"},
    {L2TP_MSG_ACK, "ACK"},     {L2TP_MSG_FSQ, "FSQ"},	      {L2TP_MSG_FSR, "FSR"},
};

static const struct l2tp_name avp_names[] = {
    {L2TP_AVP_MESSAGE_TYPE, "Message Type"},
    {L2TP_AVP_RESULT_CODE, "Result Code"},
    {L2TP_AVP_PROTOCOL_VERSION, "Protocol Version"},
    {L2TP_AVP_FRAMING_CAP, "Framing Capabilities"},
    {L2TP_AVP_BEARER_CAP, "Bearer Capabilities"},
    {L2TP_AVP_TIE_BREAKER, "Tie Breaker"},
    {L2TP_AVP_FIRMWARE_REV, "Firmware Revision"},
    {L2TP_AVP_HOST_NAME, "Host Name"},
    {L2TP_AVP_VENDOR_NAME, "Vendor Name"},
    {L2TP_AVP_ASSIGNED_TUNNEL_ID, "Assigned Tunnel ID"},
    {L2TP_AVP_RECEIVE_WINDOW, "Receive Window Size"},
    {L2TP_AVP_CHALLENGE, "Challenge"},
    {L2TP_AVP_Q931_CAUSE, "Q.931 Cause Code"},
    {L2TP_AVP_CHALLENGE_RESPONSE, "Challenge Response"},
    {L2TP_AVP_ASSIGNED_SESSION_ID, "Assigned Session ID"},
    {L2TP_AVP_CALL_SERIAL_NUMBER, "Call Serial Number"},
    {L2TP_AVP_MINIMUM_BPS, "Minimum BPS"},
    {L2TP_AVP_MAXIMUM_BPS, "Maximum BPS"},
    {L2TP_AVP_BEARER_TYPE, "Bearer Type"},
    {L2TP_AVP_FRAMING_TYPE, "Framing Type"},
    {L2TP_AVP_CALLED_NUMBER, "Called Number"},
    {L2TP_AVP_CALLING_NUMBER, "Calling Number"},
    {L2TP_AVP_SUB_ADDRESS, "Sub-Address"},
    {L2TP_AVP_TX_CONNECT_SPEED, "Tx Connect Speed"},
    {L2TP_AVP_PHYSICAL_CHANNEL_ID, "Physical Channel ID"},
    {L2TP_AVP_INITIAL_RCVD_CONFREQ, "Initial Received LCP CONFREQ"},
    {L2TP_AVP_LAST_SENT_CONFREQ, "Last Sent LCP CONFREQ"},
    {L2TP_AVP_LAST_RCVD_CONFREQ, "Last Received LCP CONFREQ"},
    {L2TP_AVP_PROXY_AUTHEN_TYPE, "Proxy Authen Type"},
    {L2TP_AVP_PROXY_AUTHEN_NAME, "Proxy Authen Name"},
    {L2TP_AVP_PROXY_AUTHEN_CHALLENGE, "Proxy Authen Challenge"},
    {L2TP_AVP_PROXY_AUTHEN_ID, "Proxy Authen ID"},
    {L2TP_AVP_PROXY_AUTHEN_RESPONSE, "Proxy Authen Response"},
    {L2TP_AVP_CALL_ERRORS, "Call Errors"},
    {L2TP_AVP_ACCM, "ACCM"},
    {L2TP_AVP_RANDOM_VECTOR, "Random Vector"},
    {L2TP_AVP_PRIVATE_GROUP_ID, "Private Group ID"},
    {L2TP_AVP_RX_CONNECT_SPEED, "Rx Connect Speed"},
    {L2TP_AVP_SEQUENCING_REQUIRED, "Sequencing Required"},
    {L2TP_AVP_PPP_DISCONNECT_CAUSE, "PPP Disconnect Cause Code"},
    {L2TP_AVP_EXTENDED_VENDOR_ID, "Extended Vendor ID"},
    {L2TP_AVP_MESSAGE_DIGEST, "Message Digest"},
    {L2TP_AVP_ROUTER_ID, "Router ID"},
    {L2TP_AVP_ASSIGNED_CONN_ID, "Assigned Control Connection ID"},
    {L2TP_AVP_PW_CAP_LIST, "Pseudowire Capabilities List"},
    {L2TP_AVP_LOCAL_SESSION_ID, "Local Session ID"},
    {L2TP_AVP_REMOTE_SESSION_ID, "Remote Session ID"},
    {L2TP_AVP_ASSIGNED_COOKIE, "Assigned Cookie"},
    {L2TP_AVP_REMOTE_END_ID, "Remote End ID"},
    {L2TP_AVP_PW_TYPE, "Pseudowire Type"},
    {L2TP_AVP_L2_SUBLAYER, "L2-Specific Sublayer"},
    {L2TP_AVP_DATA_SEQUENCING, "Data Sequencing"},
    {L2TP_AVP_CIRCUIT_STATUS, "Circuit Status"},
    {L2TP_AVP_PREFERRED_LANGUAGE, "Preferred Language"},
    {L2TP_AVP_CTRL_AUTH_NONCE, "Control Message Authentication Nonce"},
    {L2TP_AVP_TX_CONNECT_SPEED_V3, "Tx Connect Speed (64-bit)"},
    {L2TP_AVP_RX_CONNECT_SPEED_V3, "Rx Connect Speed (64-bit)"},
};

static const struct l2tp_name stopccn_names[] = {
    {0, "reserved"},
    {L2TP_STOPCCN_GENERAL_REQUEST, "general request to clear control connection"},
    {L2TP_STOPCCN_GENERAL_ERROR, "general error, see error code"},
    {L2TP_STOPCCN_ALREADY_EXISTS, "control connection already exists"},
    {L2TP_STOPCCN_NOT_AUTHORIZED, "requester is not authorized"},
    {L2TP_STOPCCN_BAD_VERSION, "protocol version not supported"},
    {L2TP_STOPCCN_SHUTTING_DOWN, "requester is being shut down"},
    {L2TP_STOPCCN_FSM_ERROR, "finite state machine error or timeout"},
};

static const struct l2tp_name cdn_names[] = {
    {0, "reserved"},
    {L2TP_CDN_LOST_CARRIER, "loss of carrier or circuit disconnect"},
    {L2TP_CDN_GENERAL_ERROR, "disconnected for the reason in the error code"},
    {L2TP_CDN_ADMIN, "disconnected for administrative reasons"},
    {L2TP_CDN_NO_FACILITIES_TEMP, "no appropriate facilities (temporary)"},
    {L2TP_CDN_NO_FACILITIES_PERM, "no appropriate facilities (permanent)"},
    {L2TP_CDN_INVALID_DEST, "invalid destination"},
    {L2TP_CDN_NO_CARRIER, "no carrier detected"},
    {L2TP_CDN_BUSY, "busy signal"},
    {L2TP_CDN_NO_DIALTONE, "no dial tone"},
    {L2TP_CDN_TIMEOUT, "not established within the time allotted"},
    {L2TP_CDN_NO_FRAMING, "no appropriate framing detected"},
    {L2TP_CDN_LOST_TIE_BREAKER, "session not established: lost tie breaker"},
    {L2TP_CDN_UNSUPPORTED_PW_TYPE, "session not established: unsupported pseudowire type"},
    {L2TP_CDN_SEQ_WITHOUT_SUBLAYER,
     "session not established: sequencing required without valid L2-Specific Sublayer"},
    {L2TP_CDN_FSM_ERROR, "finite state machine error or timeout"},
};

static const struct l2tp_name error_names[] = {
    {L2TP_ERR_NONE, "no general error"},
    {L2TP_ERR_NO_CONNECTION, "no control connection exists yet"},
    {L2TP_ERR_BAD_LENGTH, "length is wrong"},
    {L2TP_ERR_OUT_OF_RANGE, "a field value was out of range"},
    {L2TP_ERR_NO_RESOURCES, "insufficient resources"},
    {L2TP_ERR_INVALID_SESSION_ID, "invalid session id"},
    {L2TP_ERR_VENDOR, "vendor-specific error"},
    {L2TP_ERR_TRY_ANOTHER, "try another"},
    {L2TP_ERR_UNKNOWN_MANDATORY_AVP, "unknown AVP with the M bit set"},
    {L2TP_ERR_TRY_ANOTHER_DIRECTED, "try another directed"},
};

static const struct l2tp_name pw_type_names[] = {
    {L2TP_PWTYPE_ETH_VLAN, "Ethernet VLAN"},
    {L2TP_PWTYPE_ETH, "Ethernet"},
    {L2TP_PWTYPE_PPP, "PPP"},
};

int l2tp_msg_is_session(uint16_t msg_type)
{
	switch (msg_type) {
	case L2TP_MSG_OCRQ:
	case L2TP_MSG_OCRP:
	case L2TP_MSG_OCCN:
	case L2TP_MSG_ICRQ:
	case L2TP_MSG_ICRP:
	case L2TP_MSG_ICCN:
	case L2TP_MSG_CDN:
	case L2TP_MSG_WEN:
	case L2TP_MSG_SLI:
		return 1;
	default:
		return 0;
	}
}

const char *l2tp_msg_name(uint16_t msg_type)
{
	return NAME_OF(msg_names, msg_type);
}

const char *l2tp_avp_name(uint16_t attr_type)
{
	return NAME_OF(avp_names, attr_type);
}

const char *l2tp_result_name(uint16_t msg_type, uint16_t result)
{
	switch (msg_type) {
	case L2TP_MSG_STOPCCN:
		return NAME_OF(stopccn_names, result);
	case L2TP_MSG_CDN:
		return NAME_OF(cdn_names, result);
	default:
		return "unknown";
	}
}

const char *l2tp_error_name(uint16_t error)
{
	return NAME_OF(error_names, error);
}

const char *l2tp_pw_type_name(uint16_t pw_type)
{
	return NAME_OF(pw_type_names, pw_type);
}

static const char *const hdr_err_names[L2TP_HDR_ERR_COUNT] = {
    [L2TP_HDR_OK] = "ok",
    [L2TP_HDR_SHORT] = "short",
    [L2TP_HDR_BAD_VERSION] = "bad-version",
    [L2TP_HDR_NOT_CONTROL] = "not-control",
    [L2TP_HDR_NO_LENGTH] = "T-without-L",
    [L2TP_HDR_NO_SEQUENCE] = "T-without-S",
    [L2TP_HDR_OFFSET_SET] = "O-bit-in-control",
    [L2TP_HDR_PRIORITY_SET] = "P-bit-in-control",
    [L2TP_HDR_LENGTH_SHORT] = "length-below-header",
    [L2TP_HDR_LENGTH_LONG] = "length-past-datagram",
    [L2TP_HDR_NO_MSG_TYPE] = "no-message-type",
    [L2TP_HDR_BAD_AVP] = "bad-avp",
};

const char *l2tp_hdr_err_name(enum l2tp_hdr_err e)
{
	return (unsigned)e < L2TP_HDR_ERR_COUNT ? hdr_err_names[e] : "unknown";
}

static const char *const avp_err_names[L2TP_AVP_ERR_COUNT] = {
    [L2TP_AVP_OK] = "ok",
    [L2TP_AVP_SHORT_HEADER] = "short-avp-header",
    [L2TP_AVP_LEN_BELOW_6] = "avp-length-below-6",
    [L2TP_AVP_LEN_PAST_END] = "avp-length-past-end",
    [L2TP_AVP_BAD_VALUE_LEN] = "avp-value-length",
    [L2TP_AVP_HIDDEN_NO_SECRET] = "hidden-without-secret",
    [L2TP_AVP_HIDDEN_NO_RV] = "hidden-without-random-vector",
    [L2TP_AVP_HIDDEN_BAD_LEN] = "hidden-bad-length",
    [L2TP_AVP_UNKNOWN_MANDATORY] = "unknown-mandatory-avp",
};

const char *l2tp_avp_err_name(enum l2tp_avp_err e)
{
	return (unsigned)e < L2TP_AVP_ERR_COUNT ? avp_err_names[e] : "unknown";
}

/* ---- header ---- */

int l2tp_is_control(const struct buf *pkt)
{
	uint16_t flags;

	if (buf_peek_n16(pkt, 0, &flags) == -1)
		return 0;
	return (flags & L2TP_HDR_T) != 0;
}

int l2tp_peek_version(const struct buf *pkt)
{
	uint16_t flags;

	if (buf_peek_n16(pkt, 0, &flags) == -1)
		return -1;
	return flags & L2TP_HDR_VER_MASK;
}

static int hdr_fail(enum l2tp_hdr_err *err, enum l2tp_hdr_err e)
{
	if (err)
		*err = e;
	return -1;
}

/* The flag rules shared by every control header, RFC 2661 §3.1 and RFC 3931 §3.2.1. */
static enum l2tp_hdr_err ctrl_flags_check(uint16_t flags)
{
	uint8_t ver = flags & L2TP_HDR_VER_MASK;

	if (ver != L2TP_VERSION_2 && ver != L2TP_VERSION_3)
		return L2TP_HDR_BAD_VERSION;
	if (!(flags & L2TP_HDR_T))
		return L2TP_HDR_NOT_CONTROL;
	if (!(flags & L2TP_HDR_L))
		return L2TP_HDR_NO_LENGTH;
	if (!(flags & L2TP_HDR_S))
		return L2TP_HDR_NO_SEQUENCE;
	/* In v3 these positions are reserved x bits: ignored on receipt. */
	if (ver == L2TP_VERSION_2 && (flags & L2TP_HDR_O))
		return L2TP_HDR_OFFSET_SET;
	if (ver == L2TP_VERSION_2 && (flags & L2TP_HDR_P))
		return L2TP_HDR_PRIORITY_SET;
	return L2TP_HDR_OK;
}

int l2tp_ctrl_parse(const struct buf *pkt, struct l2tp_ctrl_hdr *h, struct buf *avps,
		    enum l2tp_hdr_err *err)
{
	struct buf b = *pkt, msg;
	struct l2tp_avp_iter it;
	struct l2tp_avp a;
	enum l2tp_hdr_err e;
	uint16_t v16, sid = 0;
	uint32_t conn;

	memset(h, 0, sizeof(*h));
	if (buf_peek_n16(&b, 0, &h->flags) == -1)
		return hdr_fail(err, L2TP_HDR_SHORT);
	e = ctrl_flags_check(h->flags);
	if (e != L2TP_HDR_OK)
		return hdr_fail(err, e);
	h->version = h->flags & L2TP_HDR_VER_MASK;
	if (buf_left(&b) < L2TP_CTRL_HDR_LEN)
		return hdr_fail(err, L2TP_HDR_SHORT);
	if (buf_peek_n16(&b, 2, &h->length) == -1)
		return hdr_fail(err, L2TP_HDR_SHORT);
	/* Length counts from the flags word: it can neither cut the header nor pass the datagram.
	 */
	if (h->length < L2TP_CTRL_HDR_LEN)
		return hdr_fail(err, L2TP_HDR_LENGTH_SHORT);
	if (h->length > buf_left(&b))
		return hdr_fail(err, L2TP_HDR_LENGTH_LONG);
	if (buf_get_sub(&b, &msg, h->length) == -1)
		return hdr_fail(err, L2TP_HDR_LENGTH_LONG);
	if (buf_skip(&msg, 4) == -1)
		return hdr_fail(err, L2TP_HDR_SHORT);
	if (h->version == L2TP_VERSION_2) {
		if (buf_get_n16(&msg, &v16) == -1 || buf_get_n16(&msg, &sid) == -1)
			return hdr_fail(err, L2TP_HDR_SHORT);
		conn = v16;
	} else if (buf_get_n32(&msg, &conn) == -1) {
		return hdr_fail(err, L2TP_HDR_SHORT);
	}
	h->conn_id = conn;
	h->session_id = sid;
	if (buf_get_n16(&msg, &h->ns) == -1 || buf_get_n16(&msg, &h->nr) == -1)
		return hdr_fail(err, L2TP_HDR_SHORT);
	*avps = msg;

	/* Walk the AVP chain once so a lying length is dropped before anyone acts on it. */
	l2tp_avp_iter_init(&it, &msg);
	for (int n = 0;; n++) {
		int rc = l2tp_avp_next(&it, &a);

		if (rc == 0)
			break;
		if (rc == -1)
			return hdr_fail(err, L2TP_HDR_BAD_AVP);
		if (n > 0)
			continue;
		/* RFC 2661 §4.4.1, RFC 3931 §5.4.1: first AVP, Length 8, never hidden. */
		if (a.type != L2TP_AVP_MESSAGE_TYPE || a.hidden ||
		    l2tp_avp_get_n16(&a, &h->msg_type) == -1)
			return hdr_fail(err, L2TP_HDR_NO_MSG_TYPE);
		h->msg_vendor = a.vendor;
		h->msg_mandatory = a.mandatory;
	}
	if (err)
		*err = L2TP_HDR_OK;
	return 0;
}

/* ---- AVP walk ---- */

void l2tp_avp_iter_init(struct l2tp_avp_iter *it, const struct buf *avps)
{
	it->rest = *avps;
	it->err = L2TP_AVP_OK;
}

static int iter_fail(struct l2tp_avp_iter *it, enum l2tp_avp_err e)
{
	it->err = e;
	return -1;
}

int l2tp_avp_next(struct l2tp_avp_iter *it, struct l2tp_avp *a)
{
	struct buf avp;
	uint16_t word, len;

	if (it->err != L2TP_AVP_OK)
		return -1;
	if (buf_left(&it->rest) == 0)
		return 0;
	if (buf_left(&it->rest) < L2TP_AVP_HDR_LEN)
		return iter_fail(it, L2TP_AVP_SHORT_HEADER);
	if (buf_peek_n16(&it->rest, 0, &word) == -1)
		return iter_fail(it, L2TP_AVP_SHORT_HEADER);
	len = word & L2TP_AVP_LEN_MASK;
	/* Length covers the 6-octet header: anything less would loop or read backwards. */
	if (len < L2TP_AVP_HDR_LEN)
		return iter_fail(it, L2TP_AVP_LEN_BELOW_6);
	if (buf_get_sub(&it->rest, &avp, len) == -1)
		return iter_fail(it, L2TP_AVP_LEN_PAST_END);
	memset(a, 0, sizeof(*a));
	if (buf_get_n16(&avp, &word) == -1 || buf_get_n16(&avp, &a->vendor) == -1 ||
	    buf_get_n16(&avp, &a->type) == -1)
		return iter_fail(it, L2TP_AVP_SHORT_HEADER);
	a->mandatory = (word & L2TP_AVP_F_M) != 0;
	a->hidden = (word & L2TP_AVP_F_H) != 0;
	a->reserved = (uint8_t)((word & L2TP_AVP_F_RESERVED) >> 10);
	a->len = len;
	if (buf_get_sub(&avp, &a->value, buf_left(&avp)) == -1)
		return iter_fail(it, L2TP_AVP_SHORT_HEADER);
	return 1;
}

int l2tp_avp_is_known(uint8_t version, uint16_t vendor, uint16_t type)
{
	if (vendor != L2TP_VENDOR_IETF)
		return 0;
	/* RFC 2661 §4.4: 0..39 (20 was never assigned). */
	if (type <= L2TP_AVP_SEQUENCING_REQUIRED)
		return type != 20;
	if (type == L2TP_AVP_PPP_DISCONNECT_CAUSE)
		return 1;
	/*
	 * RFC 3931 §5.4: 58..75 (67 is not defined there).  RFC 3931 §4.7.3 also
	 * asks v3 to accept v2 AVPs, which the range above already covers.
	 */
	if (version == L2TP_VERSION_3 && type >= L2TP_AVP_EXTENDED_VENDOR_ID &&
	    type <= L2TP_AVP_RX_CONNECT_SPEED_V3)
		return type != 67;
	return 0;
}

int l2tp_unknown_mandatory_action(uint16_t msg_type, uint16_t *result, uint16_t *error)
{
	*error = L2TP_ERR_UNKNOWN_MANDATORY_AVP;
	if (l2tp_msg_is_session(msg_type)) {
		*result = L2TP_CDN_GENERAL_ERROR;
		return 1;
	}
	*result = L2TP_STOPCCN_GENERAL_ERROR;
	return 0;
}

/* ---- hiding: RFC 2661 §4.3 and RFC 3931 §5.3 ---- */

void l2tp_avp_v3_hiding_key(const void *secret, size_t secret_len,
			    uint8_t key[L2TP_HIDING_KEY_V3_LEN])
{
	struct hmac_md5_ctx ctx;
	static const uint8_t one = 1;

	hmac_md5_set_key(&ctx, secret_len, secret_len ? secret : (const void *)&one);
	hmac_md5_update(&ctx, 1, &one);
	hmac_md5_digest(&ctx, MD5_DIGEST_SIZE, key);
}

/*
 * XOR data[0..len) in place with the hiding stream.  The next block's hash
 * takes the ciphertext c_i-1, which is the input when unhiding and the output
 * when hiding.
 */
static void hide_stream(uint16_t attr_type, const uint8_t *key, size_t key_len, const uint8_t *rv,
			size_t rv_len, uint8_t *data, size_t len, int unhiding)
{
	struct md5_ctx md5;
	uint8_t b[MD5_DIGEST_SIZE], a[2], prev[MD5_DIGEST_SIZE];
	size_t off = 0;

	a[0] = (uint8_t)(attr_type >> 8);
	a[1] = (uint8_t)attr_type;
	md5_init(&md5);
	md5_update(&md5, 2, a);
	md5_update(&md5, key_len, key);
	md5_update(&md5, rv_len, rv);
	md5_digest(&md5, sizeof(b), b);
	while (off < len) {
		size_t n = len - off < MD5_DIGEST_SIZE ? len - off : MD5_DIGEST_SIZE;

		if (unhiding)
			memcpy(prev, data + off, n);
		for (size_t i = 0; i < n; i++)
			data[off + i] ^= b[i];
		if (!unhiding)
			memcpy(prev, data + off, n);
		off += n;
		if (off < len) {
			md5_init(&md5);
			md5_update(&md5, key_len, key);
			md5_update(&md5, MD5_DIGEST_SIZE, prev);
			md5_digest(&md5, sizeof(b), b);
		}
	}
}

int l2tp_avp_hide(uint16_t attr_type, const void *key, size_t key_len, const void *rv,
		  size_t rv_len, const void *val, size_t len, uint8_t *out, size_t out_cap)
{
	struct wbuf w;

	wbuf_init(&w, out, out_cap);
	wbuf_add_n16(&w, (uint16_t)len);
	wbuf_add_bytes(&w, val, len);
	if (w.err || len > UINT16_MAX)
		return -1;
	hide_stream(attr_type, key, key_len, rv, rv_len, out, w.len, 0);
	return (int)w.len;
}

int l2tp_avp_unhide(uint16_t attr_type, const void *key, size_t key_len, const struct buf *rv,
		    const struct buf *value, uint8_t *out, size_t out_cap, enum l2tp_avp_err *err)
{
	uint8_t tmp[L2TP_AVP_MAX_LEN];
	struct buf v = *value, r = *rv, plain;
	const uint8_t *rvp;
	size_t n = buf_left(&v), rv_len = buf_left(&r);
	uint16_t orig;

	/* The subformat holds at least the 2-octet Original Length. */
	if (n < 2 || n > sizeof(tmp) || buf_get_bytes(&v, tmp, n) == -1 ||
	    buf_get_ptr(&r, &rvp, rv_len) == -1)
		goto bad_len;
	hide_stream(attr_type, key, key_len, rvp, rv_len, tmp, n, 1);
	buf_init(&plain, tmp, n);
	if (buf_get_n16(&plain, &orig) == -1)
		goto bad_len;
	/* A wrong secret decodes to a random length: it must fit what was sent. */
	if (orig > buf_left(&plain) || orig > out_cap)
		goto bad_len;
	if (buf_get_bytes(&plain, out, orig) == -1)
		goto bad_len;
	return orig;
bad_len:
	if (err)
		*err = L2TP_AVP_HIDDEN_BAD_LEN;
	return -1;
}

/* S of the hiding hash: the secret itself in v2, the derived key in v3. */
static void hiding_key(uint8_t version, const uint8_t *secret, size_t secret_len,
		       const uint8_t *v3_key, const uint8_t **key, size_t *key_len)
{
	if (version == L2TP_VERSION_3) {
		*key = v3_key;
		*key_len = L2TP_HIDING_KEY_V3_LEN;
	} else {
		*key = secret;
		*key_len = secret_len;
	}
}

/* ---- reader ---- */

void l2tp_avp_reader_init(struct l2tp_avp_reader *r, uint8_t version, const struct buf *avps,
			  const void *secret, size_t secret_len)
{
	memset(r, 0, sizeof(*r));
	l2tp_avp_iter_init(&r->it, avps);
	r->version = version;
	r->secret = secret;
	r->secret_len = secret ? secret_len : 0;
	if (secret && version == L2TP_VERSION_3)
		l2tp_avp_v3_hiding_key(secret, secret_len, r->key);
}

static int reader_fail(struct l2tp_avp_reader *r, enum l2tp_avp_err e)
{
	r->err = e;
	return -1;
}

int l2tp_avp_read(struct l2tp_avp_reader *r, struct l2tp_avp *a)
{
	enum l2tp_avp_err e = L2TP_AVP_OK;
	const uint8_t *key;
	size_t key_len;
	int rc, n;

	if (r->err != L2TP_AVP_OK)
		return -1;
	rc = l2tp_avp_next(&r->it, a);
	if (rc != 1) {
		r->err = r->it.err;
		return rc;
	}
	/* RFC 3931 §5.2: the M bit only matters on an AVP we do not recognize. */
	if (a->mandatory && !l2tp_avp_is_known(r->version, a->vendor, a->type)) {
		r->bad = *a;
		return reader_fail(r, L2TP_AVP_UNKNOWN_MANDATORY);
	}
	if (a->hidden) {
		if (!r->secret)
			return reader_fail(r, L2TP_AVP_HIDDEN_NO_SECRET);
		if (!r->have_rv)
			return reader_fail(r, L2TP_AVP_HIDDEN_NO_RV);
		hiding_key(r->version, r->secret, r->secret_len, r->key, &key, &key_len);
		n = l2tp_avp_unhide(a->type, key, key_len, &r->rv, &a->value, r->scratch,
				    sizeof(r->scratch), &e);
		if (n < 0)
			return reader_fail(r, e);
		buf_init(&a->value, r->scratch, (size_t)n);
	} else if (a->vendor == L2TP_VENDOR_IETF && a->type == L2TP_AVP_RANDOM_VECTOR) {
		/* A Random Vector applies to every hidden AVP after it, up to the next one. */
		r->rv = a->value;
		r->have_rv = 1;
	}
	return 1;
}

/* ---- typed getters ---- */

int l2tp_avp_get_n16(const struct l2tp_avp *a, uint16_t *v)
{
	struct buf b = a->value;

	if (buf_left(&b) != 2)
		return -1;
	return buf_get_n16(&b, v);
}

int l2tp_avp_get_n32(const struct l2tp_avp *a, uint32_t *v)
{
	struct buf b = a->value;

	if (buf_left(&b) != 4)
		return -1;
	return buf_get_n32(&b, v);
}

int l2tp_avp_get_n64(const struct l2tp_avp *a, uint64_t *v)
{
	struct buf b = a->value;

	if (buf_left(&b) != 8)
		return -1;
	return buf_get_n64(&b, v);
}

int l2tp_avp_get_string(const struct l2tp_avp *a, char *dst, size_t cap)
{
	struct buf b = a->value;
	size_t n = buf_left(&b);

	if (cap == 0 || n > cap - 1)
		return -1;
	if (buf_get_bytes(&b, dst, n) == -1)
		return -1;
	dst[n] = '\0';
	return 0;
}

int l2tp_avp_get_bytes(const struct l2tp_avp *a, void *dst, size_t min, size_t max, size_t *len)
{
	struct buf b = a->value;
	size_t n = buf_left(&b);

	if (n < min || n > max)
		return -1;
	if (buf_get_bytes(&b, dst, n) == -1)
		return -1;
	if (len)
		*len = n;
	return 0;
}

int l2tp_avp_get_result(const struct l2tp_avp *a, struct l2tp_result *r)
{
	struct buf b = a->value;
	size_t n = buf_left(&b);

	memset(r, 0, sizeof(*r));
	/* RFC 2661 §4.4.2: Length 8, 10, or 10 + message; 7 and 9 are lies. */
	if (n < 2 || n == 3)
		return -1;
	if (buf_get_n16(&b, &r->result) == -1)
		return -1;
	if (n >= 4) {
		if (buf_get_n16(&b, &r->error) == -1)
			return -1;
		r->has_error = 1;
	}
	return buf_get_sub(&b, &r->message, buf_left(&b));
}

/* ---- builder ---- */

static int build_fail(struct l2tp_builder *b)
{
	b->err = 1;
	return -1;
}

int l2tp_build_begin(struct l2tp_builder *b, struct wbuf *w, uint8_t version, uint32_t conn_id,
		     uint16_t session_id, uint16_t msg_type)
{
	int errs = 0;

	memset(b, 0, sizeof(*b));
	b->w = w;
	b->start = w->len;
	b->version = version;
	if (version != L2TP_VERSION_2 && version != L2TP_VERSION_3)
		return build_fail(b);
	/* A v2 Tunnel ID is 16 bits (RFC 2661 §3.1). */
	if (version == L2TP_VERSION_2 && conn_id > UINT16_MAX)
		return build_fail(b);
	errs += wbuf_add_n16(w, L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | version);
	errs += wbuf_add_n16(w, 0); /* Length: l2tp_build_finish() */
	if (version == L2TP_VERSION_2) {
		errs += wbuf_add_n16(w, (uint16_t)conn_id);
		errs += wbuf_add_n16(w, session_id);
	} else {
		errs += wbuf_add_n32(w, conn_id);
	}
	errs += wbuf_add_n32(w, 0); /* Ns, Nr: l2tp_ctrl_set_nsnr() */
	if (errs)
		return build_fail(b);
	if (msg_type != L2TP_MSG_ZLB)
		return l2tp_build_n16(b, L2TP_AVP_MESSAGE_TYPE, 1, msg_type);
	return 0;
}

static int build_avp_flags(struct l2tp_builder *b, uint16_t flags, uint16_t vendor, uint16_t type,
			   const void *val, size_t len)
{
	int errs = 0;

	if (b->err || len > L2TP_AVP_MAX_LEN - L2TP_AVP_HDR_LEN)
		return build_fail(b);
	errs += wbuf_add_n16(b->w, (uint16_t)(flags | (len + L2TP_AVP_HDR_LEN)));
	errs += wbuf_add_n16(b->w, vendor);
	errs += wbuf_add_n16(b->w, type);
	errs += wbuf_add_bytes(b->w, val, len);
	if (errs)
		return build_fail(b);
	return 0;
}

int l2tp_build_avp(struct l2tp_builder *b, uint16_t vendor, uint16_t type, int mandatory,
		   const void *val, size_t len)
{
	return build_avp_flags(b, mandatory ? L2TP_AVP_F_M : 0, vendor, type, val, len);
}

/* An IETF AVP holding an n-octet big-endian integer. */
static int build_uint(struct l2tp_builder *b, uint16_t type, int mandatory, uint64_t v, size_t n)
{
	uint8_t x[8];

	for (size_t i = n; i > 0; i--, v >>= 8)
		x[i - 1] = (uint8_t)v;
	return l2tp_build_avp(b, L2TP_VENDOR_IETF, type, mandatory, x, n);
}

int l2tp_build_n16(struct l2tp_builder *b, uint16_t type, int mandatory, uint16_t v)
{
	return build_uint(b, type, mandatory, v, 2);
}

int l2tp_build_n32(struct l2tp_builder *b, uint16_t type, int mandatory, uint32_t v)
{
	return build_uint(b, type, mandatory, v, 4);
}

int l2tp_build_n64(struct l2tp_builder *b, uint16_t type, int mandatory, uint64_t v)
{
	return build_uint(b, type, mandatory, v, 8);
}

int l2tp_build_string(struct l2tp_builder *b, uint16_t type, int mandatory, const char *s)
{
	return l2tp_build_avp(b, L2TP_VENDOR_IETF, type, mandatory, s, s ? strlen(s) : 0);
}

int l2tp_build_bytes(struct l2tp_builder *b, uint16_t type, int mandatory, const void *val,
		     size_t len)
{
	return l2tp_build_avp(b, L2TP_VENDOR_IETF, type, mandatory, val, len);
}

int l2tp_build_result(struct l2tp_builder *b, uint16_t result, int error, const char *msg)
{
	uint8_t v[L2TP_AVP_MAX_LEN];
	struct wbuf w;

	wbuf_init(&w, v, L2TP_AVP_MAX_LEN - L2TP_AVP_HDR_LEN);
	wbuf_add_n16(&w, result);
	if (error >= 0) {
		wbuf_add_n16(&w, (uint16_t)error);
		if (msg)
			wbuf_add_bytes(&w, msg, strlen(msg));
	}
	if (w.err || error > UINT16_MAX)
		return build_fail(b);
	return l2tp_build_avp(b, L2TP_VENDOR_IETF, L2TP_AVP_RESULT_CODE, 1, v, w.len);
}

int l2tp_build_random_vector(struct l2tp_builder *b, const void *rv, size_t rv_len,
			     const void *secret, size_t secret_len)
{
	if (rv_len == 0 || rv_len > sizeof(b->rv) || !secret)
		return build_fail(b);
	if (l2tp_build_avp(b, L2TP_VENDOR_IETF, L2TP_AVP_RANDOM_VECTOR, 1, rv, rv_len) == -1)
		return -1;
	memcpy(b->rv, rv, rv_len);
	b->rv_len = rv_len;
	b->secret = secret;
	b->secret_len = secret_len;
	if (b->version == L2TP_VERSION_3)
		l2tp_avp_v3_hiding_key(secret, secret_len, b->key);
	return 0;
}

int l2tp_build_hidden(struct l2tp_builder *b, uint16_t vendor, uint16_t type, int mandatory,
		      const void *val, size_t len)
{
	uint8_t out[L2TP_AVP_MAX_LEN];
	const uint8_t *key;
	size_t key_len;
	int n;

	if (!b->secret || b->rv_len == 0)
		return build_fail(b);
	hiding_key(b->version, b->secret, b->secret_len, b->key, &key, &key_len);
	n = l2tp_avp_hide(type, key, key_len, b->rv, b->rv_len, val, len, out,
			  L2TP_AVP_MAX_LEN - L2TP_AVP_HDR_LEN);
	if (n < 0)
		return build_fail(b);
	return build_avp_flags(b, (uint16_t)(L2TP_AVP_F_H | (mandatory ? L2TP_AVP_F_M : 0)), vendor,
			       type, out, (size_t)n);
}

int l2tp_build_finish(struct l2tp_builder *b, size_t *len)
{
	size_t n;

	if (b->err || b->w->err)
		return build_fail(b);
	n = b->w->len - b->start;
	if (n > UINT16_MAX || wbuf_set_n16(b->w, b->start + 2, (uint16_t)n) == -1)
		return build_fail(b);
	if (len)
		*len = n;
	return 0;
}

int l2tp_ctrl_set_nsnr(uint8_t *msg, size_t len, uint16_t ns, uint16_t nr)
{
	struct wbuf w;

	if (len < L2TP_CTRL_HDR_LEN)
		return -1;
	wbuf_init(&w, msg, len);
	if (wbuf_reserve(&w, len, NULL) == -1)
		return -1;
	if (wbuf_set_n16(&w, L2TP_CTRL_NS_OFF, ns) == -1 ||
	    wbuf_set_n16(&w, L2TP_CTRL_NR_OFF, nr) == -1)
		return -1;
	return 0;
}
