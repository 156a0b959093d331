/*
 * L2TP data plane codec: L2TPv3 session header, cookie, default sublayer and
 * sequencing; L2TPv2 data header.  See l2tp_data.h.
 */
#include <string.h>

#include "l2tp_data.h"

#define V3_UDP_FLAGS 0x0003 /* T=0, reserved bits 0, Ver=3 (RFC 3931 §4.1.2.1) */
#define SEQ_MOD	     (L2TP_SUBLAYER_SEQ_MASK + 1u)
#define SEQ_HALF     (SEQ_MOD / 2) /* 2^23 */

static const char *const drop_names[L2TP_DATA_DROP_COUNT] = {
    [L2TP_DATA_OK] = "ok",
    [L2TP_DATA_SHORT] = "short",
    [L2TP_DATA_BAD_FLAGS] = "bad-version-or-flags",
    [L2TP_DATA_UNKNOWN_SESSION] = "unknown-session",
    [L2TP_DATA_BAD_COOKIE] = "bad-cookie",
    [L2TP_DATA_MISSING_SUBLAYER] = "missing-sublayer",
    [L2TP_DATA_MISSING_SEQ] = "missing-seq",
    [L2TP_DATA_SEQ_BEHIND] = "seq-out-of-order",
};

const char *l2tp_data_drop_name(enum l2tp_data_drop d)
{
	return (unsigned)d < L2TP_DATA_DROP_COUNT ? drop_names[d] : "unknown";
}

static int drop(enum l2tp_data_drop *why, enum l2tp_data_drop d)
{
	if (why)
		*why = d;
	return -1;
}

int l2tp_data_tx_init(struct l2tp_data_tx *t, const struct l2tp_data_params *p)
{
	struct wbuf w;

	memset(t, 0, sizeof(*t));
	if (p->cookie_len != 0 && p->cookie_len != 4 && p->cookie_len != 8)
		return -1;
	/* Session ID 0 over IP is the control channel (RFC 3931 §4.1.1.2). */
	if (p->encap == L2TP_ENCAP_IP && p->session_id == 0)
		return -1;
	/* Sequence numbers live in the sublayer (RFC 3931 §4.6). */
	if (p->seq && !p->sublayer)
		return -1;
	wbuf_init(&w, t->hdr, sizeof(t->hdr));
	if (p->encap == L2TP_ENCAP_UDP) {
		wbuf_add_n16(&w, V3_UDP_FLAGS);
		wbuf_add_n16(&w, 0);
	}
	wbuf_add_n32(&w, p->session_id);
	wbuf_add_bytes(&w, p->cookie, p->cookie_len);
	if (p->sublayer) {
		t->seq_off = (uint8_t)w.len;
		/* Without sequencing the word is all zeros, as Linux sends it. */
		wbuf_add_n32(&w, 0);
	}
	if (w.err)
		return -1;
	t->len = (uint8_t)w.len;
	t->seq = p->seq;
	return 0;
}

int l2tp_data_tx_header(struct l2tp_data_tx *t, struct wbuf *w)
{
	size_t at = w->len;

	if (wbuf_add_bytes(w, t->hdr, t->len) == -1)
		return -1;
	if (t->seq) {
		if (wbuf_set_n32(w, at + t->seq_off,
				 L2TP_SUBLAYER_S | (t->ns & L2TP_SUBLAYER_SEQ_MASK)) == -1)
			return -1;
		t->ns = (t->ns + 1) & L2TP_SUBLAYER_SEQ_MASK;
	}
	return 0;
}

int l2tp_data_peek(enum l2tp_encap encap, const struct buf *pkt, uint32_t *session_id,
		   enum l2tp_data_drop *why)
{
	struct buf b = *pkt;
	uint16_t flags, reserved;

	if (encap == L2TP_ENCAP_UDP) {
		if (buf_get_n16(&b, &flags) == -1)
			return drop(why, L2TP_DATA_SHORT);
		if (flags & 0x8000)
			return 1;
		/* Only the Ver field is defined in a v3 UDP data header; x bits are ignored. */
		if ((flags & 0x000f) != L2TP_VERSION_3)
			return drop(why, L2TP_DATA_BAD_FLAGS);
		if (buf_get_n16(&b, &reserved) == -1)
			return drop(why, L2TP_DATA_SHORT);
	}
	if (buf_get_n32(&b, session_id) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if (encap == L2TP_ENCAP_IP && *session_id == 0)
		return 1;
	if (why)
		*why = L2TP_DATA_OK;
	return 0;
}

/* RFC 3931 §4.6: behind = within the 2^23-1 numbers before the last one received. */
static int seq_accept(struct l2tp_data_rx *s, uint32_t ns)
{
	uint32_t diff;

	if (s->have_ns) {
		diff = (ns - s->next_ns) & L2TP_SUBLAYER_SEQ_MASK;
		if (diff >= SEQ_HALF)
			return 0;
		s->lost += diff;
	}
	s->have_ns = 1;
	s->next_ns = (ns + 1) & L2TP_SUBLAYER_SEQ_MASK;
	return 1;
}

int l2tp_data_rx(struct l2tp_data_rx *s, enum l2tp_encap encap, const struct buf *pkt,
		 struct buf *frame, int32_t *ns_out, enum l2tp_data_drop *why)
{
	struct buf b = *pkt;
	const uint8_t *cookie;
	uint32_t word;
	int32_t ns = -1;

	if (buf_skip(&b, encap == L2TP_ENCAP_UDP ? 8 : 4) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if (buf_get_ptr(&b, &cookie, s->cookie_len) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if (s->cookie_len && memcmp(cookie, s->cookie, s->cookie_len) != 0)
		return drop(why, L2TP_DATA_BAD_COOKIE);
	if (s->sublayer) {
		if (buf_get_n32(&b, &word) == -1)
			return drop(why, L2TP_DATA_MISSING_SUBLAYER);
		/* With S clear the number is undefined and MUST be ignored (RFC 3931 §4.6). */
		if (word & L2TP_SUBLAYER_S)
			ns = (int32_t)(word & L2TP_SUBLAYER_SEQ_MASK);
		if (s->seq) {
			if (ns < 0)
				return drop(why, L2TP_DATA_MISSING_SEQ);
			if (!seq_accept(s, (uint32_t)ns))
				return drop(why, L2TP_DATA_SEQ_BEHIND);
		}
	}
	if (buf_get_sub(&b, frame, buf_left(&b)) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if (ns_out)
		*ns_out = ns;
	if (why)
		*why = L2TP_DATA_OK;
	return 0;
}

int l2tp_v2_data_parse(const struct buf *pkt, struct l2tp_v2_data_hdr *h, struct buf *payload,
		       enum l2tp_data_drop *why)
{
	struct buf b = *pkt;
	size_t total = buf_left(pkt), hdr_len;

	memset(h, 0, sizeof(*h));
	if (buf_get_n16(&b, &h->flags) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if ((h->flags & 0x8000) || (h->flags & 0x000f) != L2TP_VERSION_2)
		return drop(why, L2TP_DATA_BAD_FLAGS);
	if ((h->flags & L2TP_V2_DATA_L) && buf_get_n16(&b, &h->length) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if (buf_get_n16(&b, &h->tunnel_id) == -1 || buf_get_n16(&b, &h->session_id) == -1)
		return drop(why, L2TP_DATA_SHORT);
	if ((h->flags & L2TP_V2_DATA_S) &&
	    (buf_get_n16(&b, &h->ns) == -1 || buf_get_n16(&b, &h->nr) == -1))
		return drop(why, L2TP_DATA_SHORT);
	/* Offset Size counts the padding octets after the field (RFC 2661 §3.1). */
	if ((h->flags & L2TP_V2_DATA_O) &&
	    (buf_get_n16(&b, &h->offset_size) == -1 || buf_skip(&b, h->offset_size) == -1))
		return drop(why, L2TP_DATA_SHORT);
	hdr_len = total - buf_left(&b);
	if (h->flags & L2TP_V2_DATA_L) {
		/* Length covers the whole message: no shorter than the header, no longer than the
		 * datagram. */
		if (h->length < hdr_len || h->length > total)
			return drop(why, L2TP_DATA_SHORT);
		if (buf_get_sub(&b, payload, h->length - hdr_len) == -1)
			return drop(why, L2TP_DATA_SHORT);
	} else if (buf_get_sub(&b, payload, buf_left(&b)) == -1) {
		return drop(why, L2TP_DATA_SHORT);
	}
	if (why)
		*why = L2TP_DATA_OK;
	return 0;
}

int l2tp_v2_data_build(struct wbuf *w, uint16_t opt_flags, uint16_t tunnel_id, uint16_t session_id,
		       uint16_t ns, uint16_t nr, uint16_t offset_size, size_t payload_len)
{
	uint16_t flags = (uint16_t)((opt_flags & (L2TP_V2_DATA_L | L2TP_V2_DATA_S | L2TP_V2_DATA_O |
						  L2TP_V2_DATA_P)) |
				    L2TP_VERSION_2);
	size_t hdr_len = 6, at;
	int errs = 0;

	if (flags & L2TP_V2_DATA_L)
		hdr_len += 2;
	if (flags & L2TP_V2_DATA_S)
		hdr_len += 4;
	if (flags & L2TP_V2_DATA_O)
		hdr_len += 2 + (size_t)offset_size;
	if (payload_len > UINT16_MAX - hdr_len)
		return -1;
	at = w->len;
	errs += wbuf_add_n16(w, flags);
	if (flags & L2TP_V2_DATA_L)
		errs += wbuf_add_n16(w, (uint16_t)(hdr_len + payload_len));
	errs += wbuf_add_n16(w, tunnel_id);
	errs += wbuf_add_n16(w, session_id);
	if (flags & L2TP_V2_DATA_S) {
		errs += wbuf_add_n16(w, ns);
		errs += wbuf_add_n16(w, nr);
	}
	if (flags & L2TP_V2_DATA_O) {
		errs += wbuf_add_n16(w, offset_size);
		errs += wbuf_add_zero(w, offset_size);
	}
	if (errs || w->len - at != hdr_len)
		return -1;
	return 0;
}
