/*
 * TAP offloads in userspace: GSO segmentation, checksum completion, GRO.
 */
#include <string.h>

#include "offload.h"

#define ETH_HLEN	 14
#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86dd
#define ETH_P_8021Q	 0x8100
#define ETH_P_8021AD	 0x88a8
#define ETH_P_QINQ1	 0x9100
#define OFF_MAX_TAGS	 2
#define IPPROTO_TCP_	 6
#define IPV6_HLEN	 40
#define TCP_HLEN_MIN	 20
#define TCP_OFF_SEQ	 4
#define TCP_OFF_ACK	 8
#define TCP_OFF_FLAGS	 13
#define TCP_OFF_CSUM	 16
#define TCP_FIN		 0x01
#define TCP_SYN		 0x02
#define TCP_RST		 0x04
#define TCP_PSH		 0x08
#define TCP_ACK		 0x10
#define TCP_URG		 0x20
#define TCP_ECE		 0x40
#define TCP_CWR		 0x80
#define OFF_IPV6_EXT_MAX 8 /* extension headers we walk before giving up */

static const char *const offload_err_names[OFFLOAD_E_COUNT] = {
    [OFFLOAD_OK] = "ok",
    [OFFLOAD_E_SHORT] = "short",
    [OFFLOAD_E_GSO_TYPE] = "gso-type",
    [OFFLOAD_E_NOT_IP] = "gso-not-ip",
    [OFFLOAD_E_IP_HEADER] = "gso-ip-header",
    [OFFLOAD_E_NOT_TCP] = "gso-not-tcp",
    [OFFLOAD_E_TCP_HEADER] = "gso-tcp-header",
    [OFFLOAD_E_CSUM_OFFSETS] = "csum-offsets",
    [OFFLOAD_E_MSS] = "gso-size",
    [OFFLOAD_E_TOO_BIG] = "segment-too-big",
};

const char *offload_err_name(enum offload_err e)
{
	return (unsigned)e < OFFLOAD_E_COUNT ? offload_err_names[e] : "?";
}

/* ---- virtio-net header: little endian (the TAP is set TUNSETVNETLE) ---- */

int offload_vnet_get(struct buf *b, struct offload_vnet *v)
{
	uint8_t h[OFFLOAD_VNET_LEN];

	if (buf_get_bytes(b, h, sizeof(h)) == -1)
		return -1;
	v->flags = h[0];
	v->gso_type = h[1];
	v->hdr_len = (uint16_t)(h[2] | h[3] << 8);
	v->gso_size = (uint16_t)(h[4] | h[5] << 8);
	v->csum_start = (uint16_t)(h[6] | h[7] << 8);
	v->csum_offset = (uint16_t)(h[8] | h[9] << 8);
	return 0;
}

int offload_vnet_put(struct wbuf *w, const struct offload_vnet *v)
{
	const uint16_t f[4] = {v->hdr_len, v->gso_size, v->csum_start, v->csum_offset};
	uint8_t h[OFFLOAD_VNET_LEN];

	h[0] = v->flags;
	h[1] = v->gso_type;
	for (int i = 0; i < 4; i++) {
		h[2 + 2 * i] = (uint8_t)(f[i] & 0xff);
		h[3 + 2 * i] = (uint8_t)(f[i] >> 8);
	}
	return wbuf_add_bytes(w, h, sizeof(h));
}

/* ---- checksums (RFC 1071) ---- */

static uint32_t csum_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

/*
 * The sum of p[0..len) as 16-bit words in network order, folded.  p comes
 * from buf_get_ptr (len bytes checked there).  RFC 1071 §2(B): the sum of
 * native-order words is the byte-swapped sum of network-order words, so
 * sum eight bytes at a time natively and swap once at the end.
 */
static uint32_t csum_region(const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	size_t i = 0;
	uint16_t n16;
	uint8_t be[2];

	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, &p[i], sizeof(v));
		acc += (v & 0xffffffffu) + (v >> 32);
	}
	for (; i + 2 <= len; i += 2) {
		memcpy(&n16, &p[i], sizeof(n16));
		acc += n16;
	}
	if (i < len) {
		/* odd tail: the high byte of a zero-padded word (RFC 1071 §4.1) */
		be[0] = p[i];
		be[1] = 0;
		memcpy(&n16, be, sizeof(n16));
		acc += n16;
	}
	n16 = (uint16_t)csum_fold(acc);
	memcpy(be, &n16, sizeof(be));
	return (uint32_t)(be[0] << 8 | be[1]);
}

int offload_csum_add(struct buf *b, size_t len, uint32_t *sum)
{
	const uint8_t *p;

	if (buf_get_ptr(b, &p, len) == -1)
		return -1;
	*sum = csum_fold((uint64_t)*sum + csum_region(p, len));
	return 0;
}

/* Sum of len bytes at `at` in w's written part. */
static int wcsum(const struct wbuf *w, size_t at, size_t len, uint32_t *sum)
{
	struct buf b;

	buf_init(&b, w->p, w->len);
	if (buf_skip(&b, at) == -1)
		return -1;
	return offload_csum_add(&b, len, sum);
}

static int rcsum(const struct buf *frame, size_t at, size_t len, uint32_t *sum)
{
	struct buf b = *frame;

	b.off = 0;
	if (buf_skip(&b, at) == -1)
		return -1;
	return offload_csum_add(&b, len, sum);
}

/* The final checksum field: 0 goes out as 0xffff (RFC 768; same sum). */
static uint16_t csum_final(uint32_t sum)
{
	uint16_t c = (uint16_t)~csum_fold(sum);

	return c ? c : 0xffff;
}

int offload_csum_complete(uint8_t *frame, size_t len, const struct offload_vnet *v,
			  enum offload_err *why)
{
	struct wbuf w;
	uint32_t sum = 0;
	size_t field = (size_t)v->csum_start + v->csum_offset;

	if (!(v->flags & OFFLOAD_F_NEEDS_CSUM))
		return 0;
	if (v->csum_start >= len || field + 2 > len) {
		*why = OFFLOAD_E_CSUM_OFFSETS;
		return -1;
	}
	wbuf_init(&w, frame, len);
	wbuf_reserve(&w, len, NULL);
	/* The field holds the pseudo-header sum: it is part of the sum. */
	wcsum(&w, v->csum_start, len - v->csum_start, &sum);
	return wbuf_set_n16(&w, field, csum_final(sum));
}

/* ---- header parsing ---- */

static uint8_t rd8(const struct buf *b, size_t at)
{
	uint8_t v = 0;

	buf_peek_n8(b, at, &v);
	return v;
}

static uint16_t rd16(const struct buf *b, size_t at)
{
	uint16_t v = 0;

	buf_peek_n16(b, at, &v);
	return v;
}

static uint32_t rd32(const struct buf *b, size_t at)
{
	uint32_t v = 0;

	buf_peek_n32(b, at, &v);
	return v;
}

/* A frame from its start (b->off 0): Ethernet, up to two VLAN tags. */
static int eth_parse(const struct buf *b, size_t *l3, uint16_t *etype)
{
	size_t at = 12;
	uint16_t t;

	if (b->len < ETH_HLEN)
		return -1;
	t = rd16(b, at);
	for (int tags = 0;
	     tags < OFF_MAX_TAGS && (t == ETH_P_8021Q || t == ETH_P_8021AD || t == ETH_P_QINQ1);
	     tags++) {
		at += 4;
		if (at + 2 > b->len)
			return -1;
		t = rd16(b, at);
	}
	*l3 = at + 2;
	*etype = t;
	return 0;
}

/*
 * IP header at l3: *l4 is where the transport header starts, *proto what it
 * is.  IPv4: no fragment (a GSO or GRO frame never is one).  IPv6: hop-by-hop,
 * routing and destination options are walked (RFC 8200 §4.1); a fragment
 * header or anything else ends the walk.
 */
static int ip_parse(const struct buf *b, size_t l3, int v6, size_t *l4, uint8_t *proto,
		    enum offload_err *why)
{
	size_t at;
	uint8_t nh;

	*why = OFFLOAD_E_IP_HEADER;
	if (!v6) {
		uint8_t vihl = rd8(b, l3);
		size_t ihl = (size_t)(vihl & 0x0f) * 4;

		if (l3 + 20 > b->len || (vihl >> 4) != 4 || ihl < 20 || l3 + ihl > b->len)
			return -1;
		if (rd16(b, l3 + 6) & 0x3fff) /* MF or a fragment offset */
			return -1;
		*l4 = l3 + ihl;
		*proto = rd8(b, l3 + 9);
		return 0;
	}
	if (l3 + IPV6_HLEN > b->len || (rd8(b, l3) >> 4) != 6)
		return -1;
	nh = rd8(b, l3 + 6);
	at = l3 + IPV6_HLEN;
	for (int i = 0; i < OFF_IPV6_EXT_MAX && (nh == 0 || nh == 43 || nh == 60); i++) {
		if (at + 8 > b->len)
			return -1;
		nh = rd8(b, at);
		at += ((size_t)rd8(b, at + 1) + 1) * 8;
	}
	if (nh == 0 || nh == 43 || nh == 60 || nh == 44 || at > b->len)
		return -1;
	*l4 = at;
	*proto = nh;
	return 0;
}

/* The TCP pseudo-header sum (RFC 793 §3.1; RFC 8200 §8.1) for tcplen bytes. */
static uint32_t pseudo_sum(const struct buf *b, size_t l3, int v6, size_t tcplen)
{
	uint32_t sum = 0;

	if (v6)
		rcsum(b, l3 + 8, 32, &sum);
	else
		rcsum(b, l3 + 12, 8, &sum);
	return csum_fold((uint64_t)sum + IPPROTO_TCP_ + (tcplen & 0xffff) + (tcplen >> 16));
}

/* IPv4 header checksum of the header at `at` in w (field zeroed first). */
static void ipv4_csum_fix(struct wbuf *w, size_t at, size_t ihl)
{
	uint32_t sum = 0;

	wbuf_set_n16(w, at + 10, 0);
	wcsum(w, at, ihl, &sum);
	wbuf_set_n16(w, at + 10, (uint16_t)~csum_fold(sum));
}

/* ---- segmentation ---- */

int offload_seg_init(struct offload_seg *s, const struct offload_vnet *v, const uint8_t *frame,
		     size_t len, size_t max, enum offload_err *why)
{
	uint8_t type = v->gso_type & (uint8_t)~OFFLOAD_GSO_ECN, proto;
	uint16_t etype;
	size_t doff, first;

	memset(s, 0, sizeof(*s));
	buf_init(&s->frame, frame, len);
	if (type != OFFLOAD_GSO_TCPV4 && type != OFFLOAD_GSO_TCPV6) {
		*why = OFFLOAD_E_GSO_TYPE;
		return -1;
	}
	if (v->gso_size == 0) {
		*why = OFFLOAD_E_MSS;
		return -1;
	}
	if (eth_parse(&s->frame, &s->l3, &etype) == -1) {
		*why = OFFLOAD_E_SHORT;
		return -1;
	}
	s->v6 = type == OFFLOAD_GSO_TCPV6;
	if (etype != (s->v6 ? ETH_P_IPV6 : ETH_P_IP)) {
		*why = OFFLOAD_E_NOT_IP;
		return -1;
	}
	if (ip_parse(&s->frame, s->l3, s->v6, &s->l4, &proto, why) == -1)
		return -1;
	if (proto != IPPROTO_TCP_) {
		*why = OFFLOAD_E_NOT_TCP;
		return -1;
	}
	doff = (size_t)(rd8(&s->frame, s->l4 + 12) >> 4) * 4;
	if (s->l4 + TCP_HLEN_MIN > len || doff < TCP_HLEN_MIN || s->l4 + doff > len) {
		*why = OFFLOAD_E_TCP_HEADER;
		return -1;
	}
	s->hdr = s->l4 + doff;
	s->mss = v->gso_size;
	first = len - s->hdr < s->mss ? len - s->hdr : s->mss;
	if (s->hdr + first > max) {
		*why = OFFLOAD_E_TOO_BIG;
		return -1;
	}
	s->off = s->hdr;
	s->seq = rd32(&s->frame, s->l4 + TCP_OFF_SEQ);
	s->ipid = s->v6 ? 0 : rd16(&s->frame, s->l3 + 4);
	return 0;
}

unsigned offload_seg_count(const struct offload_seg *s)
{
	size_t payload = s->frame.len - s->hdr;

	if (payload == 0)
		return 1;
	return (unsigned)((payload + s->mss - 1) / s->mss);
}

int offload_seg_next(struct offload_seg *s, struct wbuf *w)
{
	size_t left = s->frame.len - s->off, seg, start = w->len, tcplen;
	struct buf rd;
	uint32_t sum;
	uint8_t flags;
	int last;

	if (s->n > 0 && left == 0)
		return 0;
	seg = left < s->mss ? left : s->mss;
	if (w->err || s->hdr + seg > w->cap - w->len) {
		w->err = 1;
		return -1;
	}
	rd = s->frame;
	rd.off = 0;
	wbuf_add_bytes(w, buf_cur(&rd), s->hdr);
	buf_skip(&rd, s->off);
	wbuf_add_bytes(w, buf_cur(&rd), seg);
	last = s->off + seg == s->frame.len;

	if (s->v6) {
		wbuf_set_n16(w, start + s->l3 + 4, (uint16_t)(s->hdr - s->l3 - IPV6_HLEN + seg));
	} else {
		wbuf_set_n16(w, start + s->l3 + 2, (uint16_t)(s->hdr - s->l3 + seg));
		wbuf_set_n16(w, start + s->l3 + 4, (uint16_t)(s->ipid + s->n));
		ipv4_csum_fix(w, start + s->l3, s->l4 - s->l3);
	}
	wbuf_set_n32(w, start + s->l4 + TCP_OFF_SEQ, s->seq + (uint32_t)(s->off - s->hdr));
	/* tcp_gso_segment: CWR on the first segment, FIN and PSH on the last. */
	flags = rd8(&s->frame, s->l4 + TCP_OFF_FLAGS);
	if (s->n > 0)
		flags &= (uint8_t)~TCP_CWR;
	if (!last)
		flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	wbuf_set_n8(w, start + s->l4 + TCP_OFF_FLAGS, flags);
	tcplen = s->hdr - s->l4 + seg;
	sum = pseudo_sum(&s->frame, s->l3, s->v6, tcplen);
	wbuf_set_n16(w, start + s->l4 + TCP_OFF_CSUM, 0);
	wcsum(w, start + s->l4, tcplen, &sum);
	wbuf_set_n16(w, start + s->l4 + TCP_OFF_CSUM, csum_final(sum));
	s->off += seg;
	s->n++;
	return 1;
}

/* ---- coalescing (software GRO) ---- */

void offload_gro_init(struct offload_gro *g, uint8_t *out, size_t cap)
{
	memset(g, 0, sizeof(*g));
	wbuf_init(&g->w, out, cap);
}

int offload_gro_empty(const struct offload_gro *g)
{
	return !g->active;
}

/* What a mergeable segment looks like; offsets in the frame. */
struct gro_seg {
	size_t l3, l4, hdr, payload;
	int v6;
	uint8_t flags;
	uint16_t id;
	uint32_t seq;
};

/*
 * A TCP segment with payload we may merge: plain IPv4 (no options, no
 * fragment, total length exact) or IPv6 without extension headers, TCP with
 * ACK and maybe PSH only, both checksums right.
 */
static int gro_parse(const struct buf *b, struct gro_seg *sg)
{
	uint16_t etype;
	uint8_t proto;
	enum offload_err why;
	size_t doff, iplen;
	uint32_t sum;

	if (eth_parse(b, &sg->l3, &etype) == -1 || (etype != ETH_P_IP && etype != ETH_P_IPV6))
		return -1;
	sg->v6 = etype == ETH_P_IPV6;
	if (ip_parse(b, sg->l3, sg->v6, &sg->l4, &proto, &why) == -1 || proto != IPPROTO_TCP_)
		return -1;
	if (sg->v6) {
		if (sg->l4 != sg->l3 + IPV6_HLEN)
			return -1;
		iplen = IPV6_HLEN + rd16(b, sg->l3 + 4);
	} else {
		if (sg->l4 != sg->l3 + 20)
			return -1;
		iplen = rd16(b, sg->l3 + 2);
		sum = 0;
		if (rcsum(b, sg->l3, 20, &sum) == -1 || sum != 0xffff)
			return -1;
		sg->id = rd16(b, sg->l3 + 4);
	}
	/* Exact lengths: no Ethernet padding or trailing bytes to carry along. */
	if (sg->l3 + iplen != b->len)
		return -1;
	doff = (size_t)(rd8(b, sg->l4 + 12) >> 4) * 4;
	if (sg->l4 + TCP_HLEN_MIN > b->len || doff < TCP_HLEN_MIN || sg->l4 + doff > b->len)
		return -1;
	sg->hdr = sg->l4 + doff;
	sg->payload = b->len - sg->hdr;
	sg->flags = rd8(b, sg->l4 + TCP_OFF_FLAGS);
	sg->seq = rd32(b, sg->l4 + TCP_OFF_SEQ);
	if (sg->payload == 0 || (sg->flags & (uint8_t) ~(TCP_ACK | TCP_PSH)) != 0 ||
	    !(sg->flags & TCP_ACK))
		return -1;
	sum = pseudo_sum(b, sg->l3, sg->v6, b->len - sg->l4);
	if (rcsum(b, sg->l4, b->len - sg->l4, &sum) == -1 || sum != 0xffff)
		return -1;
	return 0;
}

/* Bytes [from, to) of the frame equal those of the held first segment. */
static int gro_same(const struct offload_gro *g, const struct buf *b, size_t from, size_t to)
{
	struct buf c = *b;
	const uint8_t *p;

	c.off = 0;
	if (to > g->w.len || buf_skip(&c, from) == -1 || buf_get_ptr(&c, &p, to - from) == -1)
		return 0;
	{
		struct buf h;
		const uint8_t *q;

		buf_init(&h, g->w.p, g->w.len);
		if (buf_skip(&h, from) == -1 || buf_get_ptr(&h, &q, to - from) == -1)
			return 0;
		return memcmp(p, q, to - from) == 0;
	}
}

/* Does the segment continue the held flow right where it ends? */
static int gro_fits(const struct offload_gro *g, const struct buf *b, const struct gro_seg *sg)
{
	size_t l3 = g->l3;

	if (g->closed || sg->l3 != g->l3 || sg->l4 != g->l4 || sg->hdr != g->hdr ||
	    sg->v6 != g->v6 || sg->seq != g->next_seq || sg->payload > g->mss)
		return 0;
	if (g->w.len + sg->payload > g->w.cap ||
	    g->w.len - g->l3 + sg->payload > (g->v6 ? 65535 + IPV6_HLEN : 65535))
		return 0;
	/* Ethernet header and tags */
	if (!gro_same(g, b, 0, l3))
		return 0;
	if (g->v6) {
		/* version, class, flow label; next header, hop limit, addresses */
		if (!gro_same(g, b, l3, l3 + 4) || !gro_same(g, b, l3 + 6, l3 + IPV6_HLEN))
			return 0;
	} else {
		/* TOS; DF/frag; TTL, protocol; addresses (the checksum may differ) */
		if (sg->id != g->next_id || !gro_same(g, b, l3, l3 + 2) ||
		    !gro_same(g, b, l3 + 6, l3 + 10) || !gro_same(g, b, l3 + 12, l3 + 20))
			return 0;
	}
	/* ports; ack, offset, window ...; options (timestamps must be equal, as Linux GRO) */
	return gro_same(g, b, g->l4, g->l4 + 4) &&
	       gro_same(g, b, g->l4 + TCP_OFF_ACK, g->l4 + TCP_OFF_FLAGS) &&
	       gro_same(g, b, g->l4 + TCP_OFF_FLAGS + 1, g->l4 + TCP_OFF_CSUM) &&
	       gro_same(g, b, g->l4 + TCP_OFF_CSUM + 2, g->hdr);
}

int offload_gro_add(struct offload_gro *g, const uint8_t *frame, size_t len)
{
	struct buf b;
	struct gro_seg sg;

	buf_init(&b, frame, len);
	if (gro_parse(&b, &sg) == -1)
		return 0;
	if (g->active) {
		uint8_t f;
		struct buf pay = b;

		if (!gro_fits(g, &b, &sg))
			return 0;
		buf_skip(&pay, sg.hdr);
		if (wbuf_add_bytes(&g->w, buf_cur(&pay), sg.payload) == -1)
			return 0;
		/* PSH anywhere in the train ends it and stays on the result. */
		if (sg.flags & TCP_PSH) {
			buf_peek_n8(&b, sg.l4 + TCP_OFF_FLAGS, &f);
			wbuf_set_n8(&g->w, g->l4 + TCP_OFF_FLAGS, f);
			g->closed = 1;
		}
		if (sg.payload < g->mss)
			g->closed = 1;
		g->segs++;
		g->next_seq += (uint32_t)sg.payload;
		g->next_id++;
		return 1;
	}
	if (len > g->w.cap || sg.payload > 0xffff)
		return 0;
	g->w.len = 0;
	g->w.err = 0;
	wbuf_add_bytes(&g->w, frame, len);
	g->l3 = sg.l3;
	g->l4 = sg.l4;
	g->hdr = sg.hdr;
	g->v6 = sg.v6;
	g->mss = (uint16_t)sg.payload;
	g->next_seq = sg.seq + (uint32_t)sg.payload;
	g->next_id = (uint16_t)(sg.id + 1);
	g->segs = 1;
	g->closed = (sg.flags & TCP_PSH) != 0;
	g->active = 1;
	return 1;
}

int offload_gro_finish(struct offload_gro *g, struct offload_vnet *v, const uint8_t **frame,
		       size_t *len)
{
	struct buf b;
	size_t tcplen;

	if (!g->active)
		return -1;
	memset(v, 0, sizeof(*v));
	g->active = 0;
	*frame = g->w.p;
	*len = g->w.len;
	if (g->segs == 1) {
		v->flags = OFFLOAD_F_DATA_VALID; /* as it came, checksums verified */
		return 0;
	}
	if (g->v6) {
		wbuf_set_n16(&g->w, g->l3 + 4, (uint16_t)(g->w.len - g->l3 - IPV6_HLEN));
	} else {
		wbuf_set_n16(&g->w, g->l3 + 2, (uint16_t)(g->w.len - g->l3));
		ipv4_csum_fix(&g->w, g->l3, g->l4 - g->l3);
	}
	/* CHECKSUM_PARTIAL: the field carries the pseudo-header sum only. */
	tcplen = g->w.len - g->l4;
	buf_init(&b, g->w.p, g->w.len);
	wbuf_set_n16(&g->w, g->l4 + TCP_OFF_CSUM, (uint16_t)pseudo_sum(&b, g->l3, g->v6, tcplen));
	v->flags = OFFLOAD_F_NEEDS_CSUM;
	v->gso_type = g->v6 ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4;
	v->hdr_len = (uint16_t)g->hdr;
	v->gso_size = g->mss;
	v->csum_start = (uint16_t)g->l4;
	v->csum_offset = TCP_OFF_CSUM;
	return 0;
}
