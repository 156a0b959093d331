/*
 * Receive-side parsing shared by the XDP decap (l2pw_rx.bpf.c) and the TC
 * ingress decap (l2pw_tc_rx.bpf.c): outer Ethernet (+ up to two VLAN tags),
 * IPv4/IPv6, UDP or IP protocol 115, the L2TPv3 data header with cookie and
 * sublayer (RFC 3931 4.1, RFC 4719 4.4), or the L2TPv2 data header (RFC 2661
 * 3.1) with PPP (RFC 1661) and the BCP bridged-frame header (RFC 3518 5).
 *
 * l2pw_rx_parse() answers 0 ("deliver the frame at r->strip") or an
 * enum l2pw_reason: L2PW_R_SEQ_DROP means drop, any other reason means hand
 * the packet to the slow path untouched.  It only reads the packet; the
 * sequence state of a sequenced session is the one thing it updates.
 *
 * Every read goes through the cursor: the offset is a bounded scalar and
 * each pull checks the bytes are there before handing out a pointer, so the
 * verifier sees one pattern and a short packet can never be read past.
 */
#ifndef L2PW_PARSING_H
#define L2PW_PARSING_H

#include "l2pw_bpf.h"

/* Headers never end further in than this: 2 VLAN tags, IPv6, UDP, the
 * longest L2TPv2 header with a 64-byte offset pad, PPP and BCP. */
#define L2PW_PARSE_MAX 192
/* What the TC variant pulls into the linear area: headers + inner Ethernet */
#define L2PW_RX_PULL	   (L2PW_PARSE_MAX + L2PW_ETH_HLEN)
#define L2PW_V2_OFFSET_MAX 64

struct l2pw_cursor {
	void *data;
	void *end;
	__u32 off; /* bytes consumed; always <= L2PW_PARSE_MAX + n of last pull */
};

/* Next n bytes, or NULL (cursor unchanged) when the packet is shorter. */
static __always_inline void *l2pw_pull(struct l2pw_cursor *c, __u32 n)
{
	void *p;

	if (c->off > L2PW_PARSE_MAX)
		return NULL;
	p = c->data + c->off;
	if (p + n > c->end)
		return NULL;
	c->off += n;
	return p;
}

struct l2pw_rx_result {
	__u32 ifindex;	   /* deliver into (session's bridge port) */
	__u32 slot;	   /* valid when has_session */
	__u32 has_session; /* counters of r->slot may be charged */
	__u32 l3_off;	   /* outer IP header */
	__u32 strip;	   /* inner Ethernet header: bytes to remove */
	__u32 trim;	   /* link-layer padding after the outer IP packet */
	__u32 frame_len;   /* inner Ethernet frame bytes */
};

struct l2pw_l3 {
	__u32 saddr[4]; /* wire order; v4 in [0] */
	__u32 daddr[4];
	__u32 len; /* outer IP packet bytes, header included */
	__u8 family;
	__u8 proto;
};

static __always_inline int l2pw_addr_eq(const __u32 *a, const __u8 *b, __u8 family)
{
	__u32 w[4];

	__builtin_memcpy(w, b, sizeof(w));
	if (a[0] != w[0])
		return 0;
	if (family == L2PW_FAMILY_V4)
		return 1;
	return a[1] == w[1] && a[2] == w[2] && a[3] == w[3];
}

/* Outer IPv4/IPv6.  Fragments and options go to the slow path: the kernel
 * reassembles, and a header whose length varies is not worth the verifier
 * cost for what peers never send. */
static __always_inline int l2pw_parse_l3(struct l2pw_cursor *c, __u16 eth_proto, struct l2pw_l3 *l3)
{
	if (eth_proto == bpf_htons(L2PW_ETH_P_IP)) {
		struct iphdr *ip = l2pw_pull(c, sizeof(*ip));

		if (!ip)
			return L2PW_R_TRUNCATED;
		if (ip->version != 4)
			return L2PW_R_NOT_L2TP;
		if (ip->protocol != L2PW_IPPROTO_UDP && ip->protocol != L2PW_IPPROTO_L2TP)
			return L2PW_R_NOT_L2TP;
		if (ip->ihl != 5)
			return L2PW_R_IP_OPTIONS;
		if (ip->frag_off & bpf_htons(L2PW_IP_MF | L2PW_IP_OFFMASK))
			return L2PW_R_IP_FRAGMENT;
		l3->family = L2PW_FAMILY_V4;
		l3->proto = ip->protocol;
		l3->len = bpf_ntohs(ip->tot_len);
		l3->saddr[0] = ip->saddr;
		l3->daddr[0] = ip->daddr;
		if (l3->len < sizeof(*ip))
			return L2PW_R_TRUNCATED;
		return 0;
	}
	if (eth_proto == bpf_htons(L2PW_ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l2pw_pull(c, sizeof(*ip6));

		if (!ip6)
			return L2PW_R_TRUNCATED;
		if (ip6->version != 6)
			return L2PW_R_NOT_L2TP;
		switch (ip6->nexthdr) {
		case L2PW_IPPROTO_UDP:
		case L2PW_IPPROTO_L2TP:
			break;
		case 44: /* Fragment header (RFC 8200 4.5) */
			return L2PW_R_IP_FRAGMENT;
		case 0:	 /* Hop-by-Hop */
		case 43: /* Routing */
		case 60: /* Destination Options */
			return L2PW_R_IP_OPTIONS;
		default:
			return L2PW_R_NOT_L2TP;
		}
		l3->family = L2PW_FAMILY_V6;
		l3->proto = ip6->nexthdr;
		/* payload_len 0 is a jumbogram (RFC 2675): never ours */
		l3->len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
		__builtin_memcpy(l3->saddr, &ip6->saddr, 16);
		__builtin_memcpy(l3->daddr, &ip6->daddr, 16);
		if (l3->len == sizeof(*ip6))
			return L2PW_R_TRUNCATED;
		return 0;
	}
	return L2PW_R_NOT_L2TP;
}

/*
 * In-order check (RFC 4719 4.4 / RFC 3931 4.6; RFC 2661 for v2 Ns): accept
 * Ns at or ahead of the one expected (a gap is loss, not an error), drop Ns
 * behind it (old or duplicate), as the Linux kernel does without a reorder
 * timeout.  bits: 24 for the v3 sublayer, 16 for L2TPv2.
 */
static __always_inline int l2pw_seq_check(__u32 slot, __u32 ns, __u32 bits)
{
	struct l2pw_seq_state *st = bpf_map_lookup_elem(&l2pw_seq, &slot);
	__u32 mask = (1u << bits) - 1;
	__u32 delta;

	if (!st)
		return 0;
	if (st->rx_valid) {
		delta = (ns - st->rx_next) & mask;
		if (delta >= (1u << (bits - 1)))
			return L2PW_R_SEQ_DROP;
	}
	st->rx_next = (ns + 1) & mask;
	st->rx_valid = 1;
	return 0;
}

static __always_inline int l2pw_session_ok(const struct l2pw_rx_session *s,
					   const struct l2pw_l3 *l3, struct l2pw_rx_result *r)
{
	r->ifindex = s->ifindex;
	r->slot = s->slot;
	r->has_session = 1;
	if (s->peer_family != L2PW_FAMILY_NONE &&
	    (s->peer_family != l3->family || !l2pw_addr_eq(l3->saddr, s->peer_addr, l3->family)))
		return L2PW_R_WRONG_PEER;
	return 0;
}

/* L2TPv3 after the session id: cookie, then the optional sublayer. */
static __always_inline int l2pw_parse_v3(struct l2pw_cursor *c, __u32 session_id, int over_udp,
					 const struct l2pw_l3 *l3, struct l2pw_rx_result *r)
{
	struct l2pw_v3_key key = {};
	struct l2pw_rx_session *s;
	int err;

	key.session_id = session_id;
	key.family = l3->family;
	__builtin_memcpy(key.local_addr, l3->daddr, 16);
	s = bpf_map_lookup_elem(&l2pw_v3_sessions, &key);
	if (!s) {
		struct l2pw_v3_key any = {};

		any.session_id = session_id;
		s = bpf_map_lookup_elem(&l2pw_v3_sessions, &any);
		if (!s)
			return L2PW_R_UNKNOWN_SESSION;
	}
	err = l2pw_session_ok(s, l3, r);
	if (err)
		return err;
	if (!!(s->flags & L2PW_RX_F_UDP) != !!over_udp)
		return L2PW_R_WRONG_ENCAP;

	/* RFC 3931 4.1: the cookie must match what we told the peer to send */
	if (s->cookie_len == 4) {
		__u32 want, got;
		void *p = l2pw_pull(c, 4);

		if (!p)
			return L2PW_R_TRUNCATED;
		__builtin_memcpy(&got, p, 4);
		__builtin_memcpy(&want, s->cookie, 4);
		if (got != want)
			return L2PW_R_BAD_COOKIE;
	} else if (s->cookie_len == 8) {
		__u64 want, got;
		void *p = l2pw_pull(c, 8);

		if (!p)
			return L2PW_R_TRUNCATED;
		__builtin_memcpy(&got, p, 8);
		__builtin_memcpy(&want, s->cookie, 8);
		if (got != want)
			return L2PW_R_BAD_COOKIE;
	} else if (s->cookie_len != 0) {
		return L2PW_R_BAD_COOKIE;
	}

	if (s->flags & L2PW_RX_F_SUBLAYER) {
		__u32 *w = l2pw_pull(c, 4);
		__u32 v;

		if (!w)
			return L2PW_R_TRUNCATED;
		v = bpf_ntohl(*w);
		if (v & L2PW_SUBLAYER_S) {
			if (s->flags & L2PW_RX_F_SEQ)
				return l2pw_seq_check(s->slot, v & L2PW_SUBLAYER_SEQ, 24);
		} else if (s->flags & L2PW_RX_F_SEQ) {
			return L2PW_R_SEQ_MISSING;
		}
	} else if (s->flags & L2PW_RX_F_SEQ) {
		/* sequencing needs the sublayer to carry Ns: session set up wrong */
		return L2PW_R_SEQ_MISSING;
	}
	return 0;
}

/* L2TPv2 data after the UDP header (RFC 2661 3.1), then PPP and BCP. */
static __always_inline int l2pw_parse_v2(struct l2pw_cursor *c, __u16 flags, __u32 l2tp_len,
					 const struct l2pw_l3 *l3, struct l2pw_rx_result *r)
{
	struct l2pw_v2_key key;
	struct l2pw_rx_session *s;
	__u16 *w, ns = 0, proto;
	__u8 *b;
	int err;

	if (!l2pw_pull(c, 2)) /* flags, looked at by the caller */
		return L2PW_R_TRUNCATED;
	if (flags & L2PW_L2TP_L) {
		w = l2pw_pull(c, 2);
		if (!w)
			return L2PW_R_TRUNCATED;
		/* Length covers the whole message; anything else is padding or a
		 * lie: let the slow path judge. */
		if (bpf_ntohs(*w) != l2tp_len)
			return L2PW_R_V2_HEADER;
	}
	w = l2pw_pull(c, 4);
	if (!w)
		return L2PW_R_TRUNCATED;
	key.tunnel_id = bpf_ntohs(w[0]);
	key.session_id = bpf_ntohs(w[1]);
	if (flags & L2PW_L2TP_S) {
		w = l2pw_pull(c, 4);
		if (!w)
			return L2PW_R_TRUNCATED;
		ns = bpf_ntohs(w[0]);
	}
	if (flags & L2PW_L2TP_O) {
		__u16 pad;

		w = l2pw_pull(c, 2);
		if (!w)
			return L2PW_R_TRUNCATED;
		pad = bpf_ntohs(*w);
		if (pad > L2PW_V2_OFFSET_MAX)
			return L2PW_R_V2_HEADER;
		if (pad && !l2pw_pull(c, pad))
			return L2PW_R_TRUNCATED;
	}

	s = bpf_map_lookup_elem(&l2pw_v2_sessions, &key);
	if (!s)
		return L2PW_R_UNKNOWN_SESSION;
	err = l2pw_session_ok(s, l3, r);
	if (err)
		return err;
	if (s->flags & L2PW_RX_F_SEQ) {
		if (!(flags & L2PW_L2TP_S))
			return L2PW_R_SEQ_MISSING;
		err = l2pw_seq_check(s->slot, ns, 16);
		if (err)
			return err;
	}

	/* PPP: Address/Control FF 03 unless ACFC; 1-byte protocol under PFC
	 * (RFC 1661 6.5/6.6: an odd first byte ends the field). */
	b = l2pw_pull(c, 1);
	if (!b)
		return L2PW_R_TRUNCATED;
	if (*b == 0xff) {
		b = l2pw_pull(c, 1);
		if (!b)
			return L2PW_R_TRUNCATED;
		if (*b != 0x03)
			return L2PW_R_PPP_OTHER;
		b = l2pw_pull(c, 1);
		if (!b)
			return L2PW_R_TRUNCATED;
	}
	proto = *b;
	if (!(proto & 1)) {
		b = l2pw_pull(c, 1);
		if (!b)
			return L2PW_R_TRUNCATED;
		proto = (proto << 8) | *b;
	}
	switch (proto) {
	case L2PW_PPP_BPDU_IEEE:
		break;
	case L2PW_PPP_MP:
		return L2PW_R_PPP_MP;
	case L2PW_PPP_COMP:
	case L2PW_PPP_COMP_LINK:
		return L2PW_R_PPP_MPPE;
	default:
		return L2PW_R_PPP_OTHER;
	}

	/* RFC 3518 5: flags (F LAN FCS present, Z tinygram, Pads) and MAC
	 * type.  Only a plain 802.3 frame with no FCS/pads is handled here. */
	b = l2pw_pull(c, 2);
	if (!b)
		return L2PW_R_TRUNCATED;
	if (b[0] != 0 || b[1] != L2PW_BCP_MAC_8023)
		return L2PW_R_BCP_OPTION;
	return 0;
}

static __always_inline int l2pw_rx_parse(void *data, void *data_end, __u32 pkt_len,
					 struct l2pw_rx_result *r)
{
	struct l2pw_cursor c = {.data = data, .end = data_end, .off = 0};
	struct l2pw_l3 l3 = {};
	struct ethhdr *eth;
	__u32 l4_off, l3_end;
	__u16 proto;
	int err, i;

	eth = l2pw_pull(&c, sizeof(*eth));
	if (!eth)
		return L2PW_R_NOT_L2TP;
	proto = eth->h_proto;
	for (i = 0; i < 2; i++) {
		__u16 *tag;

		if (proto != bpf_htons(L2PW_ETH_P_8021Q) && proto != bpf_htons(L2PW_ETH_P_8021AD))
			break;
		tag = l2pw_pull(&c, 4);
		if (!tag)
			return L2PW_R_NOT_L2TP;
		proto = tag[1];
	}
	r->l3_off = c.off;
	err = l2pw_parse_l3(&c, proto, &l3);
	if (err)
		return err;
	l3_end = r->l3_off + l3.len;
	if (l3_end > pkt_len)
		return L2PW_R_TRUNCATED;
	r->trim = pkt_len - l3_end;
	l4_off = c.off;

	if (l3.proto == L2PW_IPPROTO_UDP) {
		struct udphdr *udp = l2pw_pull(&c, sizeof(*udp));
		__u16 *fl, flags;

		if (!udp)
			return L2PW_R_TRUNCATED;
		if (udp->dest != bpf_htons(l2pw_udp_port)) {
			__u16 port = bpf_ntohs(udp->dest);

			if (!bpf_map_lookup_elem(&l2pw_udp_ports, &port))
				return L2PW_R_NOT_L2TP;
		}
		if (bpf_ntohs(udp->len) != l3_end - l4_off)
			return L2PW_R_TRUNCATED;
		fl = l2pw_pull(&c, 2);
		if (!fl)
			return L2PW_R_TRUNCATED;
		flags = bpf_ntohs(*fl);
		if (flags & L2PW_L2TP_T)
			return L2PW_R_CONTROL;
		if ((flags & L2PW_L2TP_VER) == 3) {
			/* RFC 3931 4.1.2.1: T/x/ver, 16 reserved, session id */
			__u32 *sid = l2pw_pull(&c, 6);

			if (!sid)
				return L2PW_R_TRUNCATED;
			err = l2pw_parse_v3(&c, bpf_ntohl(*(__u32 *)((__u8 *)sid + 2)), 1, &l3, r);
		} else if ((flags & L2PW_L2TP_VER) == 2) {
			c.off -= 2;
			err = l2pw_parse_v2(&c, flags, l3_end - l4_off - sizeof(*udp), &l3, r);
		} else {
			return L2PW_R_NOT_L2TP;
		}
	} else {
		/* RFC 3931 4.1.1.1: session id 0 announces a control message */
		__u32 *sid = l2pw_pull(&c, 4);

		if (!sid)
			return L2PW_R_TRUNCATED;
		if (*sid == 0)
			return L2PW_R_CONTROL;
		err = l2pw_parse_v3(&c, bpf_ntohl(*sid), 0, &l3, r);
	}
	if (err)
		return err;

	r->strip = c.off;
	if (r->strip + L2PW_ETH_HLEN > l3_end)
		return L2PW_R_TRUNCATED;
	r->frame_len = l3_end - r->strip;
	/* the inner Ethernet header must be readable where we stand */
	if (!l2pw_pull(&c, L2PW_ETH_HLEN))
		return L2PW_R_TRUNCATED;
	return 0;
}

/* Charge one parsed packet: delivered (reason 0), dropped or passed. */
static __always_inline void l2pw_rx_account(const struct l2pw_rx_result *r, int reason)
{
	struct l2pw_counters *cnt;

	if (reason)
		l2pw_count_reason(reason);
	if (!r->has_session)
		return;
	cnt = l2pw_counters_of(r->slot);
	if (!cnt)
		return;
	if (!reason) {
		cnt->rx_packets++;
		cnt->rx_bytes += r->frame_len;
	} else if (reason == L2PW_R_SEQ_DROP) {
		cnt->rx_dropped++;
	} else {
		cnt->rx_passed++;
	}
}

#endif
