/*
 * The L2TPv3 AVP sets (RFC 3931 §6, RFC 4719 for Ethernet pseudowires):
 * what each message we build carries, how a received message's AVPs map onto
 * struct l2tp_cmsg, which AVPs each message must have, the handshake's
 * Control Message Authentication checks, and what a pseudowire's ICRQ /
 * ICRP agree (RFC 3931 §5.4.4):
 *  - cookies: each side assigns (Assigned Cookie AVP) the cookie it wants to
 *    receive; we send the peer's;
 *  - L2-Specific Sublayer: both sides must use the same (RFC 4719 §3.2:
 *    default sublayer type 1, or none); a mismatch is refused with a reason;
 *  - Data Sequencing: each side says whether it needs sequenced data; the
 *    sequence number lives in the sublayer, so sequencing without a
 *    sublayer is refused (CDN result 15).
 */
#include <stdio.h>
#include <string.h>

#include "l2tp_engine.h"

/* Circuit Status AVP bits, RFC 3931 §5.4.5: A (active) and N (new). */
#define L2TP_CIRCUIT_ACTIVE 0x0001
#define L2TP_CIRCUIT_NEW    0x0002
/* Data Sequencing AVP, RFC 3931 §5.4.4: 2 = all incoming data packets need sequencing. */
#define L2TP_DATASEQ_ALL 2

static const char l2tp_vendor_name[] = "l2pwd";

/*
 * The Remote End ID is an octet string (RFC 3931 §5.4.4).  A pw-id travels
 * either as 4 binary octets (what we send) or as its decimal digits, which
 * is what freeRtr sends ("1234"): both give the number; anything else
 * leaves remote_end_id_len != 4 and matches nothing.
 */
static void v3_remote_end_id(struct buf *v, struct l2tp_cmsg *m)
{
	uint64_t n = 0;
	size_t len = buf_left(v), i;
	uint8_t c;

	for (i = 0; i < len && buf_peek_n8(v, i, &c) == 0 && c >= '0' && c <= '9'; i++)
		n = n * 10 + (uint64_t)(c - '0');
	if (len > 0 && len <= 10 && i == len && n <= UINT32_MAX) {
		m->remote_end_id = (uint32_t)n;
		m->remote_end_id_len = 4;
		return;
	}
	if (len == 4)
		buf_get_n32(v, &m->remote_end_id);
}

static int v3_avp(struct l2tp_cmsg *m, const struct l2tp_avp *a)
{
	struct buf v = a->value;
	size_t i;

	switch (a->type) {
	case L2TP_AVP_ROUTER_ID:
		m->has |= L2TP_CM_ROUTER_ID;
		return l2tp_avp_get_n32(a, &m->router_id);
	case L2TP_AVP_ASSIGNED_CONN_ID:
		m->has |= L2TP_CM_CONN_ID;
		return l2tp_avp_get_n32(a, &m->conn_id);
	case L2TP_AVP_PW_CAP_LIST:
		/* A list of 16-bit types: an odd length is a lie. */
		if (buf_left(&v) % 2 != 0)
			return -1;
		for (i = 0; buf_left(&v) >= 2 && i < L2TP_ENG_MAX_PW_CAPS; i++)
			buf_get_n16(&v, &m->pw_caps[i]);
		m->n_pw_caps = (uint8_t)i;
		m->has |= L2TP_CM_PW_CAPS;
		return 0;
	case L2TP_AVP_CTRL_AUTH_NONCE:
		m->has |= L2TP_CM_NONCE;
		return l2tp_avp_get_bytes(a, m->nonce, 1, 64, &m->nonce_len);
	case L2TP_AVP_MESSAGE_DIGEST:
		m->has |= L2TP_CM_DIGEST;
		return 0;
	case L2TP_AVP_LOCAL_SESSION_ID:
		m->has |= L2TP_CM_LSID;
		return l2tp_avp_get_n32(a, &m->local_sid);
	case L2TP_AVP_REMOTE_SESSION_ID:
		m->has |= L2TP_CM_RSID;
		return l2tp_avp_get_n32(a, &m->remote_sid);
	case L2TP_AVP_ASSIGNED_COOKIE:
		/* RFC 3931 §5.4.4: 4 or 8 octets; no cookie is signalled by absence. */
		if (buf_left(&v) != 4 && buf_left(&v) != 8)
			return -1;
		m->has |= L2TP_CM_COOKIE;
		return l2tp_avp_get_bytes(a, m->cookie, 4, 8, &m->cookie_len);
	case L2TP_AVP_REMOTE_END_ID:
		m->has |= L2TP_CM_REMOTE_END;
		m->remote_end_id_len = (int)buf_left(&v);
		v3_remote_end_id(&v, m);
		return 0;
	case L2TP_AVP_PW_TYPE:
		m->has |= L2TP_CM_PW_TYPE;
		return l2tp_avp_get_n16(a, &m->pw_type);
	case L2TP_AVP_L2_SUBLAYER:
		m->has |= L2TP_CM_SUBLAYER;
		return l2tp_avp_get_n16(a, &m->sublayer);
	case L2TP_AVP_DATA_SEQUENCING:
		m->has |= L2TP_CM_DATA_SEQ;
		return l2tp_avp_get_n16(a, &m->data_seq);
	case L2TP_AVP_CIRCUIT_STATUS:
		m->has |= L2TP_CM_CIRCUIT;
		return l2tp_avp_get_n16(a, &m->circuit);
	default:
		/* What v2 shares; the rest is ignored there (RFC 3931 §5.2). */
		return l2tp_avpset_common(m, a);
	}
}

static int v3_parse(const struct l2tp_tunnel *t, const struct buf *avps, struct l2tp_cmsg *m,
		    const char **why)
{
	enum l2tp_avp_err err;

	return l2tp_avpset_read(t, L2TP_VERSION_3, avps, m, v3_avp, &err, why);
}

/*
 * RFC 3931 §6.  The ICRQ's Remote End ID is what RFC 4667 §5 and RFC 4719
 * pair pseudowires by, so we need it.  Call Serial Number and the ICRQ's
 * Remote Session ID are listed by the RFC but not needed to work, and some
 * peers leave them out: accepted without.
 */
static const struct l2tp_avpset_required v3_required[] = {
    {L2TP_MSG_SCCRQ, L2TP_CM_HOST_NAME, "Host Name"},
    {L2TP_MSG_SCCRQ, L2TP_CM_ROUTER_ID, "Router ID"},
    {L2TP_MSG_SCCRQ, L2TP_CM_CONN_ID, "Assigned Control Connection ID"},
    {L2TP_MSG_SCCRQ, L2TP_CM_PW_CAPS, "Pseudowire Capabilities List"},
    {L2TP_MSG_SCCRP, L2TP_CM_HOST_NAME, "Host Name"},
    {L2TP_MSG_SCCRP, L2TP_CM_ROUTER_ID, "Router ID"},
    {L2TP_MSG_SCCRP, L2TP_CM_CONN_ID, "Assigned Control Connection ID"},
    {L2TP_MSG_SCCRP, L2TP_CM_PW_CAPS, "Pseudowire Capabilities List"},
    {L2TP_MSG_STOPCCN, L2TP_CM_RESULT, "Result Code"},
    {L2TP_MSG_ICRQ, L2TP_CM_LSID, "Local Session ID"},
    {L2TP_MSG_ICRQ, L2TP_CM_PW_TYPE, "Pseudowire Type"},
    {L2TP_MSG_ICRQ, L2TP_CM_REMOTE_END, "Remote End ID"},
    {L2TP_MSG_ICRP, L2TP_CM_LSID, "Local Session ID"},
    {L2TP_MSG_ICRP, L2TP_CM_RSID, "Remote Session ID"},
    {L2TP_MSG_ICCN, L2TP_CM_LSID, "Local Session ID"},
    {L2TP_MSG_ICCN, L2TP_CM_RSID, "Remote Session ID"},
    {L2TP_MSG_CDN, L2TP_CM_RESULT, "Result Code"},
    {L2TP_MSG_CDN, L2TP_CM_RSID, "Remote Session ID"},
    {L2TP_MSG_SLI, L2TP_CM_RSID, "Remote Session ID"},
};

static int v3_build_ctrl(struct l2tp_tunnel *t, struct l2tp_builder *b, uint16_t type,
			 uint16_t result, const char *msg)
{
	int errs = 0;
	uint8_t i;

	switch (type) {
	case L2TP_MSG_SCCRQ:
	case L2TP_MSG_SCCRP:
		errs += l2tp_build_string(b, L2TP_AVP_HOST_NAME, 1, t->p.host_name);
		errs += l2tp_build_n32(b, L2TP_AVP_ROUTER_ID, 1, t->p.router_id);
		errs += l2tp_build_n32(b, L2TP_AVP_ASSIGNED_CONN_ID, 1, t->local_id);
		{
			uint8_t caps[2 * 4];
			struct wbuf w;

			wbuf_init(&w, caps, sizeof(caps));
			for (i = 0; i < t->p.n_pw_caps && i < 4; i++)
				wbuf_add_n16(&w, t->p.pw_caps[i]);
			errs += l2tp_build_bytes(b, L2TP_AVP_PW_CAP_LIST, 1, caps, w.len);
		}
		errs += l2tp_build_n16(b, L2TP_AVP_RECEIVE_WINDOW, 1, t->rel.p.rwin);
		errs += l2tp_build_string(b, L2TP_AVP_VENDOR_NAME, 0, l2tp_vendor_name);
		/* §5.4.3: the Tie Breaker goes in the SCCRQ only, M bit clear. */
		if (type == L2TP_MSG_SCCRQ)
			errs += l2tp_build_n64(b, L2TP_AVP_TIE_BREAKER, 0, t->tie_breaker);
		/* §4.3: each side's nonce goes in its SCCRQ / SCCRP. */
		if (t->secret_len)
			errs += l2tp_build_bytes(b, L2TP_AVP_CTRL_AUTH_NONCE, 1, t->nonce,
						 sizeof(t->nonce));
		break;
	case L2TP_MSG_STOPCCN:
		errs += l2tp_build_n32(b, L2TP_AVP_ASSIGNED_CONN_ID, 1, t->local_id);
		errs += l2tp_build_result(b, result, t->fail_error, msg);
		break;
	case L2TP_MSG_SCCCN:
	case L2TP_MSG_HELLO:
	case L2TP_MSG_ACK:
		break;
	default:
		return -1;
	}
	return errs ? -1 : 0;
}

static int v3_build_session(struct l2tp_session *s, struct l2tp_builder *b, uint16_t type,
			    uint16_t result, const char *msg)
{
	int errs = 0;

	errs += l2tp_build_n32(b, L2TP_AVP_LOCAL_SESSION_ID, 1, s->p.local_session_id);
	errs += l2tp_build_n32(b, L2TP_AVP_REMOTE_SESSION_ID, 1, s->info.peer_session_id);
	switch (type) {
	case L2TP_MSG_ICRQ:
		errs += l2tp_build_n32(b, L2TP_AVP_CALL_SERIAL_NUMBER, 1, s->serial);
		errs += l2tp_build_n16(b, L2TP_AVP_PW_TYPE, 1, s->p.pw_type);
		errs += l2tp_build_n32(b, L2TP_AVP_REMOTE_END_ID, 1, s->p.remote_end_id);
		/* Session Tie Breaker: settles crossing ICRQs for one pw-id (M bit clear). */
		errs += l2tp_build_n64(b, L2TP_AVP_TIE_BREAKER, 0, s->tie_breaker);
		/* The ICRQ and the ICRP both say what we want to receive. */
		__attribute__((fallthrough));
	case L2TP_MSG_ICRP:
		errs += l2tp_build_n16(b, L2TP_AVP_CIRCUIT_STATUS, 1,
				       L2TP_CIRCUIT_ACTIVE | L2TP_CIRCUIT_NEW);
		__attribute__((fallthrough));
	case L2TP_MSG_ICCN:
		if (s->p.cookie_len && type != L2TP_MSG_ICCN)
			errs += l2tp_build_bytes(b, L2TP_AVP_ASSIGNED_COOKIE, 1, s->p.cookie,
						 s->p.cookie_len);
		errs += l2tp_build_n16(b, L2TP_AVP_L2_SUBLAYER, 1,
				       s->p.l2spec_default ? L2TP_L2SUBLAYER_DEFAULT
							   : L2TP_L2SUBLAYER_NONE);
		if (s->p.data_seq)
			errs += l2tp_build_n16(b, L2TP_AVP_DATA_SEQUENCING, 1, L2TP_DATASEQ_ALL);
		break;
	case L2TP_MSG_CDN:
		errs += l2tp_build_result(b, result, s->cdn_error, msg);
		break;
	case L2TP_MSG_SLI:
		errs += l2tp_build_n16(b, L2TP_AVP_CIRCUIT_STATUS, 1, L2TP_CIRCUIT_ACTIVE);
		break;
	default:
		return -1;
	}
	return errs ? -1 : 0;
}

/* RFC 3931 §4.3: both sides authenticate, or neither; the nonces come in SCCRQ / SCCRP. */
static const char *v3_accept_peer(struct l2tp_tunnel *t, const struct l2tp_cmsg *m,
				  uint16_t *result, uint16_t *error)
{
	*error = L2TP_ERR_NONE;
	if (m->h.msg_type == L2TP_MSG_SCCCN)
		return NULL; /* its digest was checked on arrival */
	*result = L2TP_STOPCCN_NOT_AUTHORIZED;
	if (t->secret_len && !(m->has & L2TP_CM_DIGEST))
		return "peer sent no Message Digest but a secret is configured here";
	if (!t->secret_len && (m->has & L2TP_CM_DIGEST))
		return "peer authenticates control messages but no secret is configured here";
	if (t->secret_len && !(m->has & L2TP_CM_NONCE))
		return "peer sent no Control Message Authentication Nonce";
	memcpy(t->peer_nonce, m->nonce, m->nonce_len);
	t->peer_nonce_len = m->nonce_len;
	*result = L2TP_STOPCCN_GENERAL_ERROR;
	if (m->conn_id == 0)
		return "peer assigned control connection id 0";
	return NULL;
}

static void v3_fill_info(struct l2tp_session *s)
{
	struct l2tp_session_info *i = &s->info;

	i->local_session_id = s->p.local_session_id;
	i->pw_type = s->p.pw_type;
	i->remote_end_id = s->p.remote_end_id;
	i->cookie_len = s->p.cookie_len;
	memcpy(i->cookie, s->p.cookie, sizeof(i->cookie));
	i->l2spec_default = s->p.l2spec_default;
	i->seq_rx = s->p.data_seq;
}

/* What the peer's ICRQ or ICRP says, checked against our parameters (the ICCN adds nothing). */
static int v3_negotiate(struct l2tp_session *s, const struct l2tp_cmsg *m, uint16_t *result,
			char *why, size_t cap)
{
	uint16_t theirs = (m->has & L2TP_CM_SUBLAYER) ? m->sublayer : L2TP_L2SUBLAYER_NONE;
	uint16_t ours = s->p.l2spec_default ? L2TP_L2SUBLAYER_DEFAULT : L2TP_L2SUBLAYER_NONE;
	struct l2tp_session_info *i = &s->info;

	if (m->h.msg_type == L2TP_MSG_ICCN)
		return 0;
	i->peer_session_id = m->local_sid;
	i->peer_cookie_len = (m->has & L2TP_CM_COOKIE) ? (uint8_t)m->cookie_len : 0;
	memcpy(i->peer_cookie, m->cookie, sizeof(i->peer_cookie));
	i->seq_tx = (m->has & L2TP_CM_DATA_SEQ) && m->data_seq != 0;
	v3_fill_info(s);
	if (m->h.msg_type == L2TP_MSG_ICRQ && m->pw_type != s->p.pw_type) {
		*result = L2TP_CDN_UNSUPPORTED_PW_TYPE;
		snprintf(why, cap, "pseudowire type mismatch: peer %s, here %s",
			 l2tp_pw_type_name(m->pw_type), l2tp_pw_type_name(s->p.pw_type));
		return -1;
	}
	if (theirs != ours) {
		*result = L2TP_CDN_GENERAL_ERROR;
		snprintf(why, cap, "L2-Specific Sublayer mismatch: peer %s, here %s",
			 theirs == L2TP_L2SUBLAYER_DEFAULT ? "default" : "none",
			 ours == L2TP_L2SUBLAYER_DEFAULT ? "default" : "none");
		return -1;
	}
	if ((i->seq_tx || i->seq_rx) && ours == L2TP_L2SUBLAYER_NONE) {
		*result = L2TP_CDN_SEQ_WITHOUT_SUBLAYER;
		snprintf(why, cap, "data sequencing needs the default L2-Specific Sublayer");
		return -1;
	}
	return 0;
}

const struct l2tp_avpset l2tp_v3avp_set = {
    .parse = v3_parse,
    .required = v3_required,
    .n_required = sizeof(v3_required) / sizeof(v3_required[0]),
    .build_ctrl = v3_build_ctrl,
    .build_session = v3_build_session,
    .accept_peer = v3_accept_peer,
    .negotiate = v3_negotiate,
};
