/*
 * The L2TPv2 AVP sets (RFC 2661 §6): what each message we build carries,
 * how a received message's AVPs map onto struct l2tp_cmsg, which AVPs each
 * message must have, tunnel authentication (§4.2, §5.1.1: Challenge and
 * Challenge Response), AVP hiding (§4.3) and what an incoming call's ICRQ /
 * ICRP / ICCN agree.
 *
 * Hiding (params.hide_avps with a tunnel secret).  RFC 2661 §4.4 says per
 * AVP whether it may be hidden.  We hide the call and identity data:
 * Framing and Bearer Capabilities, Firmware Revision, Vendor Name,
 * Assigned Session ID (xl2tpd's choice), Bearer Type, Framing Type,
 * Calling and Called Number, Sub-Address, Tx and Rx Connect Speed.  We never
 * hide what must stay clear (Message Type, Random Vector, Protocol Version,
 * Result Code, Tie Breaker, Receive Window Size, Sequencing Required) nor
 * what a peer may need before it knows which secret applies: Host Name (an
 * LNS may choose the secret by it) and Assigned Tunnel ID (demultiplexing and
 * tie breaking by l2tp_ctrl_peek(), which has no secret), nor the
 * Challenge and Challenge Response, which are the authentication itself.
 * One Random Vector (16 random octets from ops->random) precedes the first
 * hidden AVP of a message.  Hidden AVPs from the peer are always decoded by
 * the codec's reader, with the tunnel secret and the last Random Vector.
 */
#include <string.h>

#include "l2tp_engine.h"

#define V2_PROTOCOL_VERSION 0x0100 /* Ver 1, Rev 0: RFC 2661 §4.4.3 */
#define V2_RV_LEN	    16
#define V2_CALL_ERRORS_LEN  26 /* Reserved (2) + six 4-octet counters, §4.4.6 */
#define V2_ACCM_LEN	    10 /* Reserved (2) + Send ACCM (4) + Receive ACCM (4), §4.4.6 */

static const char v2_vendor_name[] = "l2pwd";

/* ---- receiving ---- */

/* Copy an octet string into a fixed field; left out (length 0) when it does not fit. */
static void v2_bytes(const struct l2tp_avp *a, uint8_t *dst, size_t cap, uint16_t *len)
{
	size_t n = 0;

	*len = 0;
	if (buf_left(&a->value) <= cap && l2tp_avp_get_bytes(a, dst, 0, cap, &n) == 0)
		*len = (uint16_t)n;
}

static int v2_avp(struct l2tp_cmsg *m, const struct l2tp_avp *a)
{
	struct buf v = a->value;
	struct l2tp_v2_proxy *px = &m->proxy;
	uint16_t id16;
	size_t n;

	switch (a->type) {
	case L2TP_AVP_FRAMING_CAP:
		m->has |= L2TP_CM_FRAMING_CAP;
		return l2tp_avp_get_n32(a, &m->framing_caps);
	case L2TP_AVP_BEARER_CAP:
		return l2tp_avp_get_n32(a, &m->bearer_caps);
	case L2TP_AVP_ASSIGNED_TUNNEL_ID:
		m->has |= L2TP_CM_CONN_ID;
		if (l2tp_avp_get_n16(a, &id16) == -1)
			return -1;
		m->conn_id = id16;
		return 0;
	case L2TP_AVP_CHALLENGE:
		/* §4.4.3: one or more octets of random data. */
		m->has |= L2TP_CM_NONCE;
		return l2tp_avp_get_bytes(a, m->nonce, 1, sizeof(m->nonce), &m->nonce_len);
	case L2TP_AVP_CHALLENGE_RESPONSE:
		m->has |= L2TP_CM_CHAL_RESP;
		return l2tp_avp_get_bytes(a, m->chal_resp, L2TP_CHALLENGE_RESPONSE_LEN,
					  L2TP_CHALLENGE_RESPONSE_LEN, &n);
	case L2TP_AVP_ASSIGNED_SESSION_ID:
		m->has |= L2TP_CM_LSID;
		if (l2tp_avp_get_n16(a, &id16) == -1)
			return -1;
		m->local_sid = id16;
		return 0;
	case L2TP_AVP_BEARER_TYPE:
		return l2tp_avp_get_n32(a, &m->call.bearer_type);
	case L2TP_AVP_FRAMING_TYPE:
		m->has |= L2TP_CM_FRAMING_TYPE;
		return l2tp_avp_get_n32(a, &m->call.framing_type);
	case L2TP_AVP_CALLED_NUMBER:
		l2tp_eng_text(&v, m->call.called, sizeof(m->call.called));
		return 0;
	case L2TP_AVP_CALLING_NUMBER:
		l2tp_eng_text(&v, m->call.calling, sizeof(m->call.calling));
		return 0;
	case L2TP_AVP_SUB_ADDRESS:
		l2tp_eng_text(&v, m->call.sub_address, sizeof(m->call.sub_address));
		return 0;
	case L2TP_AVP_TX_CONNECT_SPEED:
		m->has |= L2TP_CM_TX_SPEED;
		return l2tp_avp_get_n32(a, &m->call.tx_speed);
	case L2TP_AVP_RX_CONNECT_SPEED:
		return l2tp_avp_get_n32(a, &m->call.rx_speed);
	case L2TP_AVP_SEQUENCING_REQUIRED:
		/* §4.4.4: no value. */
		if (buf_left(&v) != 0)
			return -1;
		m->call.seq_required = 1;
		return 0;
	case L2TP_AVP_INITIAL_RCVD_CONFREQ:
		v2_bytes(a, px->lcp_init_rcvd, sizeof(px->lcp_init_rcvd), &px->lcp_init_rcvd_len);
		return 0;
	case L2TP_AVP_LAST_SENT_CONFREQ:
		v2_bytes(a, px->lcp_last_sent, sizeof(px->lcp_last_sent), &px->lcp_last_sent_len);
		return 0;
	case L2TP_AVP_LAST_RCVD_CONFREQ:
		v2_bytes(a, px->lcp_last_rcvd, sizeof(px->lcp_last_rcvd), &px->lcp_last_rcvd_len);
		return 0;
	case L2TP_AVP_PROXY_AUTHEN_TYPE:
		return l2tp_avp_get_n16(a, &px->auth_type);
	case L2TP_AVP_PROXY_AUTHEN_NAME:
		l2tp_eng_text(&v, px->auth_name, sizeof(px->auth_name));
		return 0;
	case L2TP_AVP_PROXY_AUTHEN_CHALLENGE:
		v2_bytes(a, px->auth_challenge, sizeof(px->auth_challenge),
			 &px->auth_challenge_len);
		return 0;
	case L2TP_AVP_PROXY_AUTHEN_ID:
		return l2tp_avp_get_n16(a, &px->auth_id);
	case L2TP_AVP_PROXY_AUTHEN_RESPONSE:
		v2_bytes(a, px->auth_response, sizeof(px->auth_response), &px->auth_response_len);
		return 0;
	case L2TP_AVP_CALL_ERRORS:
		if (buf_left(&v) != V2_CALL_ERRORS_LEN)
			return -1;
		m->has |= L2TP_CM_CALL_ERRORS;
		return 0;
	case L2TP_AVP_ACCM:
		if (buf_left(&v) != V2_ACCM_LEN || buf_skip(&v, 2) == -1 ||
		    buf_get_n32(&v, &m->accm_send) == -1 || buf_get_n32(&v, &m->accm_recv) == -1)
			return -1;
		m->has |= L2TP_CM_ACCM;
		return 0;
	default:
		/*
		 * What v3 shares; the rest (Firmware Revision, Vendor Name,
		 * Q.931 Cause, Physical Channel ID, Min/Max BPS, Private Group
		 * ID, unknown without the M bit) is ignored there (§4.1).
		 */
		return l2tp_avpset_common(m, a);
	}
}

static int v2_parse(const struct l2tp_tunnel *t, const struct buf *avps, struct l2tp_cmsg *m,
		    const char **why)
{
	enum l2tp_avp_err err;

	/* The header's session id is ours: the receiver's id, as v3's Remote Session ID. */
	m->remote_sid = m->h.session_id;
	if (l2tp_msg_is_session(m->h.msg_type))
		m->has |= L2TP_CM_RSID;
	if (l2tp_avpset_read(t, L2TP_VERSION_2, avps, m, v2_avp, &err, why) == 0) {
		/* The call's own copy of the Call Serial Number (0 when absent, as m was). */
		m->call.serial = m->serial;
		return 0;
	}
	/* Hidden AVPs that do not decode are the operator's secret problem: say so. */
	if (err == L2TP_AVP_HIDDEN_NO_SECRET)
		*why = "hidden AVP but no tunnel-secret is set here";
	else if (err == L2TP_AVP_HIDDEN_BAD_LEN)
		*why = "hidden AVP does not decode: wrong tunnel-secret?";
	return -1;
}

/*
 * RFC 2661 §6.  A StopCCN is taken with its Result Code alone (its Assigned
 * Tunnel ID only helps a peer that never got our SCCRP), as is a CDN with
 * the session found by the header.
 */
static const struct l2tp_avpset_required v2_required[] = {
    {L2TP_MSG_SCCRQ, L2TP_CM_PROTO_VER, "Protocol Version"},
    {L2TP_MSG_SCCRQ, L2TP_CM_HOST_NAME, "Host Name"},
    {L2TP_MSG_SCCRQ, L2TP_CM_FRAMING_CAP, "Framing Capabilities"},
    {L2TP_MSG_SCCRQ, L2TP_CM_CONN_ID, "Assigned Tunnel ID"},
    {L2TP_MSG_SCCRP, L2TP_CM_PROTO_VER, "Protocol Version"},
    {L2TP_MSG_SCCRP, L2TP_CM_HOST_NAME, "Host Name"},
    {L2TP_MSG_SCCRP, L2TP_CM_FRAMING_CAP, "Framing Capabilities"},
    {L2TP_MSG_SCCRP, L2TP_CM_CONN_ID, "Assigned Tunnel ID"},
    {L2TP_MSG_STOPCCN, L2TP_CM_RESULT, "Result Code"},
    {L2TP_MSG_ICRQ, L2TP_CM_LSID, "Assigned Session ID"},
    {L2TP_MSG_ICRQ, L2TP_CM_SERIAL, "Call Serial Number"},
    {L2TP_MSG_ICRP, L2TP_CM_LSID, "Assigned Session ID"},
    {L2TP_MSG_ICCN, L2TP_CM_TX_SPEED, "(Tx) Connect Speed"},
    {L2TP_MSG_ICCN, L2TP_CM_FRAMING_TYPE, "Framing Type"},
    {L2TP_MSG_OCRQ, L2TP_CM_LSID, "Assigned Session ID"},
    {L2TP_MSG_CDN, L2TP_CM_RESULT, "Result Code"},
    {L2TP_MSG_WEN, L2TP_CM_CALL_ERRORS, "Call Errors"},
    {L2TP_MSG_SLI, L2TP_CM_ACCM, "ACCM"},
};

/* ---- building ---- */

/* One message being built: hides what may be hidden, after one Random Vector. */
struct v2_out {
	struct l2tp_tunnel *t;
	struct l2tp_builder *b;
	int hide;
	int rv_done;
	int errs;
};

static void v2_out_init(struct v2_out *o, struct l2tp_tunnel *t, struct l2tp_builder *b)
{
	memset(o, 0, sizeof(*o));
	o->t = t;
	o->b = b;
	o->hide = t->p.hide_avps && t->secret_len;
}

static void v2_put(struct v2_out *o, uint16_t type, int mandatory, const void *val, size_t len,
		   int hideable)
{
	uint8_t rv[V2_RV_LEN];

	if (!o->hide || !hideable) {
		o->errs += l2tp_build_avp(o->b, L2TP_VENDOR_IETF, type, mandatory, val, len) == -1;
		return;
	}
	if (!o->rv_done) {
		memset(rv, 0, sizeof(rv));
		o->t->ops->random(o->t->ctx, rv, sizeof(rv));
		o->errs += l2tp_build_random_vector(o->b, rv, sizeof(rv), o->t->secret,
						    o->t->secret_len) == -1;
		o->rv_done = 1;
	}
	o->errs += l2tp_build_hidden(o->b, L2TP_VENDOR_IETF, type, mandatory, val, len) == -1;
}

static void v2_put_n(struct v2_out *o, uint16_t type, int mandatory, uint64_t v, size_t n,
		     int hideable)
{
	uint8_t x[8];
	struct wbuf w;

	wbuf_init(&w, x, sizeof(x));
	if (n == 2)
		wbuf_add_n16(&w, (uint16_t)v);
	else if (n == 4)
		wbuf_add_n32(&w, (uint32_t)v);
	else
		wbuf_add_n64(&w, v);
	v2_put(o, type, mandatory, x, w.len, hideable);
}

static void v2_put_str(struct v2_out *o, uint16_t type, int mandatory, const char *s, int hideable)
{
	v2_put(o, type, mandatory, s, strlen(s), hideable);
}

/* §4.2: the answer to the peer's Challenge, in the message of this type. */
static void v2_put_response(struct v2_out *o, uint16_t type)
{
	struct l2tp_tunnel *t = o->t;
	uint8_t resp[L2TP_CHALLENGE_RESPONSE_LEN];

	if (!t->secret_len || t->peer_nonce_len == 0)
		return;
	l2tp_challenge_response((uint8_t)type, t->secret, t->secret_len, t->peer_nonce,
				t->peer_nonce_len, resp);
	v2_put(o, L2TP_AVP_CHALLENGE_RESPONSE, 1, resp, sizeof(resp), 0);
}

static int v2_build_ctrl(struct l2tp_tunnel *t, struct l2tp_builder *b, uint16_t type,
			 uint16_t result, const char *msg)
{
	struct v2_out o;

	v2_out_init(&o, t, b);
	switch (type) {
	case L2TP_MSG_SCCRQ:
	case L2TP_MSG_SCCRP:
		v2_put_n(&o, L2TP_AVP_PROTOCOL_VERSION, 1, V2_PROTOCOL_VERSION, 2, 0);
		v2_put_str(&o, L2TP_AVP_HOST_NAME, 1, t->p.host_name, 0);
		v2_put_n(&o, L2TP_AVP_FRAMING_CAP, 1, t->p.framing_caps, 4, 1);
		if (t->p.bearer_caps)
			v2_put_n(&o, L2TP_AVP_BEARER_CAP, 1, t->p.bearer_caps, 4, 1);
		if (t->p.firmware_rev)
			v2_put_n(&o, L2TP_AVP_FIRMWARE_REV, 0, t->p.firmware_rev, 2, 1);
		v2_put_str(&o, L2TP_AVP_VENDOR_NAME, 0, v2_vendor_name, 1);
		v2_put_n(&o, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1, t->local_id, 2, 0);
		v2_put_n(&o, L2TP_AVP_RECEIVE_WINDOW, 1, t->rel.p.rwin, 2, 0);
		/* §4.4.3: Tie Breaker in SCCRQ only, M bit clear, never hidden. */
		if (type == L2TP_MSG_SCCRQ)
			v2_put_n(&o, L2TP_AVP_TIE_BREAKER, 0, t->tie_breaker, 8, 0);
		/* §5.1.1: with a secret each side challenges the other. */
		if (t->secret_len)
			v2_put(&o, L2TP_AVP_CHALLENGE, 1, t->nonce, sizeof(t->nonce), 0);
		if (type == L2TP_MSG_SCCRP)
			v2_put_response(&o, type);
		break;
	case L2TP_MSG_SCCCN:
		v2_put_response(&o, type);
		break;
	case L2TP_MSG_STOPCCN:
		v2_put_n(&o, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1, t->local_id, 2, 0);
		o.errs += l2tp_build_result(b, result, t->fail_error, msg) == -1;
		break;
	case L2TP_MSG_HELLO:
		break;
	default:
		return -1;
	}
	return o.errs ? -1 : 0;
}

static int v2_build_session(struct l2tp_session *s, struct l2tp_builder *b, uint16_t type,
			    uint16_t result, const char *msg)
{
	const struct l2tp_v2_call *c = &s->p.v2;
	struct v2_out o;

	v2_out_init(&o, s->t, b);
	switch (type) {
	case L2TP_MSG_ICRQ:
		v2_put_n(&o, L2TP_AVP_ASSIGNED_SESSION_ID, 1, s->p.local_session_id, 2, 1);
		v2_put_n(&o, L2TP_AVP_CALL_SERIAL_NUMBER, 1, s->serial, 4, 0);
		if (c->bearer_type)
			v2_put_n(&o, L2TP_AVP_BEARER_TYPE, 1, c->bearer_type, 4, 1);
		if (c->calling[0])
			v2_put_str(&o, L2TP_AVP_CALLING_NUMBER, 1, c->calling, 1);
		if (c->called[0])
			v2_put_str(&o, L2TP_AVP_CALLED_NUMBER, 1, c->called, 1);
		if (c->sub_address[0])
			v2_put_str(&o, L2TP_AVP_SUB_ADDRESS, 1, c->sub_address, 1);
		break;
	case L2TP_MSG_ICRP:
		v2_put_n(&o, L2TP_AVP_ASSIGNED_SESSION_ID, 1, s->p.local_session_id, 2, 1);
		break;
	case L2TP_MSG_ICCN:
		/* §6.9: Tx Connect Speed and Framing Type are required; 0 bit/s as xl2tpd sends. */
		v2_put_n(&o, L2TP_AVP_TX_CONNECT_SPEED, 1, c->tx_speed, 4, 1);
		v2_put_n(&o, L2TP_AVP_FRAMING_TYPE, 1,
			 c->framing_type ? c->framing_type : L2TP_FRAMING_SYNC, 4, 1);
		if (c->rx_speed)
			v2_put_n(&o, L2TP_AVP_RX_CONNECT_SPEED, 0, c->rx_speed, 4, 1);
		if (c->seq_required)
			v2_put(&o, L2TP_AVP_SEQUENCING_REQUIRED, 1, "", 0, 0);
		break;
	case L2TP_MSG_CDN:
		o.errs += l2tp_build_result(b, result, s->cdn_error, msg) == -1;
		v2_put_n(&o, L2TP_AVP_ASSIGNED_SESSION_ID, 1, s->p.local_session_id, 2, 1);
		break;
	default:
		return -1;
	}
	return o.errs ? -1 : 0;
}

/* ---- the handshake: versions and tunnel authentication ---- */

static const char *v2_auth_fail(struct l2tp_tunnel *t, const char *why)
{
	t->st.auth_failed++;
	return why;
}

/*
 * §4.2, §5.1.1.  SCCRQ and SCCRP: the peer's Challenge is kept to answer it
 * (in our SCCRP, or our SCCCN); SCCRP and SCCCN must answer ours.
 */
static const char *v2_accept_peer(struct l2tp_tunnel *t, const struct l2tp_cmsg *m,
				  uint16_t *result, uint16_t *error)
{
	uint16_t type = m->h.msg_type;
	struct buf resp;
	int scccn = type == L2TP_MSG_SCCCN;

	*error = L2TP_ERR_NONE;
	if (type == L2TP_MSG_SCCRQ || type == L2TP_MSG_SCCRP) {
		if ((m->proto_ver >> 8) != 1) {
			/* §4.4.2: result 5, the Error Code says the highest version we speak. */
			*result = L2TP_STOPCCN_BAD_VERSION;
			*error = V2_PROTOCOL_VERSION;
			return "peer's Protocol Version is not 1.0";
		}
		*result = L2TP_STOPCCN_GENERAL_ERROR;
		if (m->conn_id == 0)
			return "peer assigned tunnel id 0";
		*result = L2TP_STOPCCN_NOT_AUTHORIZED;
		t->peer_nonce_len = 0;
		if (m->has & L2TP_CM_NONCE) {
			if (!t->secret_len)
				return v2_auth_fail(t,
						    "tunnel authentication failed: peer sent a "
						    "Challenge but no tunnel-secret is set here");
			memcpy(t->peer_nonce, m->nonce, m->nonce_len);
			t->peer_nonce_len = m->nonce_len;
		}
		if (type == L2TP_MSG_SCCRQ)
			return NULL;
	}
	if (!t->secret_len)
		return NULL;
	*result = L2TP_STOPCCN_NOT_AUTHORIZED;
	if (!(m->has & L2TP_CM_CHAL_RESP))
		return v2_auth_fail(t, scccn ? "tunnel authentication failed: wrong tunnel-secret? "
					       "(no Challenge Response in SCCCN)"
					     : "tunnel authentication failed: wrong tunnel-secret? "
					       "(no Challenge Response in SCCRP)");
	buf_init(&resp, m->chal_resp, sizeof(m->chal_resp));
	if (!l2tp_challenge_response_ok((uint8_t)type, t->secret, t->secret_len, t->nonce,
					sizeof(t->nonce), &resp))
		return v2_auth_fail(t, scccn ? "tunnel authentication failed: wrong tunnel-secret? "
					       "(bad Challenge Response in SCCCN)"
					     : "tunnel authentication failed: wrong tunnel-secret? "
					       "(bad Challenge Response in SCCRP)");
	return NULL;
}

/* ---- sessions: the incoming call ---- */

/* Nothing of a PPP call is refused here: its PPP negotiates the rest once the session is up. */
static int v2_negotiate(struct l2tp_session *s, const struct l2tp_cmsg *m, uint16_t *result,
			char *why, size_t cap)
{
	struct l2tp_session_info *i = &s->info;

	(void)result;
	(void)why;
	(void)cap;
	switch (m->h.msg_type) {
	case L2TP_MSG_ICRQ:
		/* LNS: the LAC describes its call. */
		i->peer_session_id = m->local_sid;
		i->v2 = m->call;
		break;
	case L2TP_MSG_ICRP:
		/* LAC: the call is the one we describe. */
		i->peer_session_id = m->local_sid;
		i->v2 = s->p.v2;
		i->v2.serial = s->serial;
		if (i->v2.framing_type == 0)
			i->v2.framing_type = L2TP_FRAMING_SYNC;
		break;
	case L2TP_MSG_ICCN:
		/* LNS: the LAC answered the call (§6.9); PPP starts now. */
		i->v2.framing_type = m->call.framing_type;
		i->v2.tx_speed = m->call.tx_speed;
		i->v2.rx_speed = m->call.rx_speed;
		i->v2.seq_required = m->call.seq_required;
		i->v2_proxy = m->proxy;
		break;
	default:
		break;
	}
	i->seq_tx = i->seq_rx = i->v2.seq_required;
	return 0;
}

const struct l2tp_avpset l2tp_v2avp_set = {
    .parse = v2_parse,
    .required = v2_required,
    .n_required = sizeof(v2_required) / sizeof(v2_required[0]),
    .build_ctrl = v2_build_ctrl,
    .build_session = v2_build_session,
    .accept_peer = v2_accept_peer,
    .negotiate = v2_negotiate,
};
