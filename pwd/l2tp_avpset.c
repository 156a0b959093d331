/*
 * What the two AVP sets (l2tp_v2avp.c for RFC 2661, l2tp_v3avp.c for
 * RFC 3931) share, written once: the walk over a message's AVPs into struct
 * l2tp_cmsg, the AVPs both versions define alike (RFC 3931 §5.4 keeps the
 * RFC 2661 §4.4 types and meanings it reuses), the table-driven check for
 * mandatory AVPs (RFC 2661 §6 / RFC 3931 §6) and the text of a received
 * value.  Each version file keeps only what differs.
 */
#include <string.h>

#include "l2tp_engine.h"

void l2tp_eng_text(const struct buf *v, char *dst, size_t cap)
{
	struct buf b = *v;
	size_t i = 0;
	uint8_t c;

	if (cap == 0)
		return;
	while (i + 1 < cap && buf_get_n8(&b, &c) == 0)
		dst[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	dst[i] = '\0';
}

int l2tp_avpset_common(struct l2tp_cmsg *m, const struct l2tp_avp *a)
{
	struct buf v = a->value;

	switch (a->type) {
	case L2TP_AVP_RESULT_CODE:
		if (l2tp_avp_get_result(a, &m->result) == -1)
			return -1;
		l2tp_eng_text(&m->result.message, m->result_msg, sizeof(m->result_msg));
		m->has |= L2TP_CM_RESULT;
		return 0;
	case L2TP_AVP_PROTOCOL_VERSION:
		m->has |= L2TP_CM_PROTO_VER;
		return l2tp_avp_get_n16(a, &m->proto_ver);
	case L2TP_AVP_TIE_BREAKER:
		m->has |= L2TP_CM_TIE_BREAKER;
		return l2tp_avp_get_n64(a, &m->tie_breaker);
	case L2TP_AVP_HOST_NAME:
		/* An empty Host Name names no one: malformed. */
		if (buf_left(&v) == 0)
			return -1;
		l2tp_eng_text(&v, m->host_name, sizeof(m->host_name));
		m->has |= L2TP_CM_HOST_NAME;
		return 0;
	case L2TP_AVP_RECEIVE_WINDOW:
		m->has |= L2TP_CM_RWIN;
		return l2tp_avp_get_n16(a, &m->rwin);
	case L2TP_AVP_CALL_SERIAL_NUMBER:
		m->has |= L2TP_CM_SERIAL;
		return l2tp_avp_get_n32(a, &m->serial);
	default:
		/*
		 * Message Type and Random Vector (the reader's), known but
		 * unused, or unknown without the M bit: ignored (RFC 2661 §4.1,
		 * RFC 3931 §5.2).
		 */
		return 0;
	}
}

int l2tp_avpset_read(const struct l2tp_tunnel *t, uint8_t version, const struct buf *avps,
		     struct l2tp_cmsg *m, int (*one)(struct l2tp_cmsg *, const struct l2tp_avp *),
		     enum l2tp_avp_err *err, const char **why)
{
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	int rc;

	*err = L2TP_AVP_OK;
	l2tp_avp_reader_init(&r, version, avps, t->secret_len ? t->secret : NULL, t->secret_len);
	while ((rc = l2tp_avp_read(&r, &a)) == 1) {
		if (a.vendor != L2TP_VENDOR_IETF)
			continue;
		if (one(m, &a) == -1) {
			*why = l2tp_avp_name(a.type);
			return -1;
		}
	}
	if (rc == 0)
		return 0;
	/* RFC 2661 §4.1 / RFC 3931 §5.2: the message type decides what an unknown M AVP clears. */
	if (r.err == L2TP_AVP_UNKNOWN_MANDATORY) {
		m->has |= L2TP_CM_UNKNOWN_M;
		m->unknown_type = r.bad.type;
		return 0;
	}
	*err = r.err;
	*why = l2tp_avp_err_name(r.err);
	return -1;
}

const char *l2tp_avpset_missing(const struct l2tp_avpset *set, const struct l2tp_cmsg *m)
{
	size_t i;

	for (i = 0; i < set->n_required; i++)
		if (set->required[i].type == m->h.msg_type && !(m->has & set->required[i].has))
			return set->required[i].name;
	return NULL;
}
