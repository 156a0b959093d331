/*
 * Transmit side: turn a session's template (struct l2pw_tx_session, built
 * once by the daemon) into the outer header of one packet.  Only lengths,
 * the IPv4 id and checksum and the sequence number change per packet.
 */
#ifndef L2PW_ENCAP_H
#define L2PW_ENCAP_H

#include "l2pw_bpf.h"
#include "l2pw_csum.h"

#define L2PW_IPV4_HLEN 20
#define L2PW_IPV6_HLEN 40
#define L2PW_UDP_HLEN  8

union l2pw_hdr_buf {
	__u8 b[L2PW_TX_HDR_MAX];
	__u16 w[L2PW_TX_HDR_MAX / 2];
};

static __always_inline __u32 l2pw_tx_l3_len(const struct l2pw_tx_session *t)
{
	return (t->flags & L2PW_TX_F_IPV6) ? L2PW_IPV6_HLEN : L2PW_IPV4_HLEN;
}

/* Store a big-endian 16-bit value at a variable offset of the template
 * copy; off <= L2PW_TX_HDR_MAX - 2 was checked by the caller, which is also
 * what bounds the verifier's view of the write. */
static __always_inline void l2pw_put16(union l2pw_hdr_buf *h, __u32 off, __u16 v)
{
	__u16 be = bpf_htons(v);

	__builtin_memcpy(&h->b[off], &be, 2);
}

/*
 * Fill h (a copy of t->hdr) for an outer IP packet of outer_len bytes and
 * sequence number ns (used only with L2PW_TX_F_SEQ_*).  Returns -1 when the
 * template's offsets don't fit its buffer (the loader checks them; this
 * keeps the verifier and a bad map write honest).
 */
static __always_inline int l2pw_tx_fill(const struct l2pw_tx_session *t, union l2pw_hdr_buf *h,
					__u32 outer_len, __u32 ns)
{
	__u32 l3 = l2pw_tx_l3_len(t);

	if (t->flags & L2PW_TX_F_IPV6) {
		h->w[2] = bpf_htons(outer_len - L2PW_IPV6_HLEN); /* payload length */
	} else {
		h->w[1] = bpf_htons(outer_len); /* total length */
		/* no two packets in flight share an id if the path fragments */
		h->w[2] = (__u16)bpf_get_prandom_u32();
		h->w[5] = 0;
		h->w[5] = l2pw_ipv4_csum(h->w);
	}
	if (t->flags & L2PW_TX_F_UDP) {
		/* UDP length; checksum 0 (RFC 768 on IPv4; RFC 6935 on IPv6 when the
		 * session allows it, checked by the caller) */
		h->w[(l3 + 4) / 2] = bpf_htons(outer_len - l3);
		h->w[(l3 + 6) / 2] = 0;
	}
	if (t->flags & L2PW_TX_F_LEN_V2) {
		/* RFC 2661 3.1: Length of the whole L2TP message */
		if (t->len_off > L2PW_TX_HDR_MAX - 2)
			return -1;
		l2pw_put16(h, t->len_off, outer_len - l3 - L2PW_UDP_HLEN);
	}
	if (t->flags & L2PW_TX_F_SEQ_V3) {
		/* RFC 4719 4.4: S bit + 24-bit sequence number */
		__u32 word = bpf_htonl(L2PW_SUBLAYER_S | (ns & L2PW_SUBLAYER_SEQ));

		if (t->seq_off > L2PW_TX_HDR_MAX - 4)
			return -1;
		__builtin_memcpy(&h->b[t->seq_off], &word, 4);
	} else if (t->flags & L2PW_TX_F_SEQ_V2) {
		/* RFC 2661 3.1: Ns; Nr is not used on data and stays as set */
		if (t->seq_off > L2PW_TX_HDR_MAX - 2)
			return -1;
		l2pw_put16(h, t->seq_off, (__u16)ns);
	}
	return 0;
}

#endif
