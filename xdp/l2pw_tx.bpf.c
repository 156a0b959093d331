// SPDX-License-Identifier: GPL-2.0
/*
 * TC egress encapsulation on a bridge port (TAP or veth): the frame the
 * bridge sends out gets the session's outer headers and leaves through the
 * WAN NIC with bpf_redirect_neigh(), which resolves the next hop and writes
 * the outer Ethernet header.  Whatever this can't do correctly continues to
 * the port (TC_ACT_OK), where the daemon's TAP reader encapsulates it:
 *
 * - non-IP inner frames (ARP, VLAN-tagged, STP): bpf_skb_adjust_room() only
 *   works on IPv4/IPv6 skbs, and only it sets skb->protocol to the outer
 *   family, which bpf_redirect_neigh() needs (TESTBED);
 * - GSO super-frames unless the encapsulation is UDP without per-packet
 *   fields: UDP-tunnel GSO copies our header into every segment and fixes
 *   the lengths, so Ns or the L2TPv2 Length would repeat, and IP 115 has no
 *   GSO handler in the kernel;
 * - UDP over IPv6, unless the session says the peer takes checksum 0
 *   (L2PW_TX_F_UDP6_ZERO_CSUM, RFC 6935): RFC 8200 8.1 requires a UDP
 *   checksum, and it can't be computed here: an inner frame with a pending
 *   (CHECKSUM_PARTIAL) checksum is only finished at the WAN device, after
 *   us, and BPF sees neither ip_summed nor can it finish it.  So IPv6
 *   sessions use IP 115, zero checksums, or the slow path;
 * - frames that would exceed the WAN MTU once encapsulated (the slow path's
 *   socket lets the kernel fragment, DESIGN "MTU"), or the template's mtu
 *   (L2TPv2 sessions: the peer's PPP MRU, which the slow path enforces),
 *   for GSO frames per segment;
 * - L2TPv2 sessions with the BCP Bridge-Control-Packet-Indicator: frames to
 *   the bridge control group addresses (B flag, not in the template).
 */
#include "l2pw_encap.h"

#define L2PW_IPPROTO_TCP 6

/* Inner IP + TCP/UDP header bytes of a GSO frame (what each segment repeats
 * before its gso_size payload); 0 when it can't tell. */
static __always_inline __u32 l2pw_tx_inner_hlen(struct __sk_buff *skb)
{
	__u8 vihl, proto, doff;
	__u32 l3;

	if (skb->protocol == bpf_htons(L2PW_ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, L2PW_ETH_HLEN, &vihl, 1) ||
		    bpf_skb_load_bytes(skb, L2PW_ETH_HLEN + 9, &proto, 1))
			return 0;
		l3 = (vihl & 0xf) * 4;
	} else {
		if (bpf_skb_load_bytes(skb, L2PW_ETH_HLEN + 6, &proto, 1))
			return 0;
		l3 = L2PW_IPV6_HLEN; /* extension headers: next header won't be TCP/UDP */
	}
	if (l3 < L2PW_IPV4_HLEN || l3 > 60)
		return 0;
	if (proto == L2PW_IPPROTO_UDP)
		return l3 + L2PW_UDP_HLEN;
	if (proto != L2PW_IPPROTO_TCP ||
	    bpf_skb_load_bytes(skb, L2PW_ETH_HLEN + l3 + 12, &doff, 1))
		return 0;
	return l3 + (doff >> 4) * 4;
}

/* 01:80:c2:00:00:0x, the reserved group addresses bridges consume (BPDUs). */
static __always_inline int l2pw_is_bridge_control(const struct ethhdr *e)
{
	return e->h_dest[0] == 0x01 && e->h_dest[1] == 0x80 && e->h_dest[2] == 0xc2 &&
	       e->h_dest[3] == 0 && e->h_dest[4] == 0 && (e->h_dest[5] & 0xf0) == 0;
}

static __always_inline int l2pw_tx_pass(__u32 reason, const struct l2pw_tx_session *t)
{
	struct l2pw_counters *cnt;

	l2pw_count_reason(reason);
	if (t) {
		cnt = l2pw_counters_of(t->slot);
		if (cnt)
			cnt->tx_passed++;
	}
	return L2PW_TC_ACT_OK;
}

SEC("tc")
int l2pw_tc_tx(struct __sk_buff *skb)
{
	__u32 port = skb->ifindex, hdr_len, l3, len_diff, outer_len, mtu_len = 0, ns = 0;
	__u32 frame_len = skb->len, segs = skb->gso_segs ? skb->gso_segs : 1;
	struct l2pw_tx_session *t;
	struct l2pw_counters *cnt;
	union l2pw_hdr_buf h;
	struct ethhdr inner, outer = {};
	__u64 flags;
	int gso = skb->gso_size != 0;

	t = bpf_map_lookup_elem(&l2pw_tx_sessions, &port);
	if (!t)
		return l2pw_tx_pass(L2PW_R_TX_NO_SESSION, NULL);
	if ((skb->protocol != bpf_htons(L2PW_ETH_P_IP) &&
	     skb->protocol != bpf_htons(L2PW_ETH_P_IPV6)) ||
	    skb->vlan_present)
		return l2pw_tx_pass(L2PW_R_TX_NOT_IP, t);
	if ((t->flags & L2PW_TX_F_IPV6) && (t->flags & L2PW_TX_F_UDP) &&
	    !(t->flags & L2PW_TX_F_UDP6_ZERO_CSUM))
		return l2pw_tx_pass(L2PW_R_TX_V6_UDP, t);
	if (gso && (!(t->flags & L2PW_TX_F_UDP) ||
		    (t->flags & (L2PW_TX_F_SEQ_V3 | L2PW_TX_F_SEQ_V2 | L2PW_TX_F_LEN_V2))))
		return l2pw_tx_pass(L2PW_R_TX_GSO, t);

	hdr_len = t->hdr_len;
	l3 = l2pw_tx_l3_len(t);
	if (hdr_len > L2PW_TX_HDR_MAX || hdr_len < l3 + ((t->flags & L2PW_TX_F_UDP) ? 8 : 0))
		return l2pw_tx_pass(L2PW_R_ADJUST_FAILED, t);
	if (frame_len < L2PW_ETH_HLEN)
		return l2pw_tx_pass(L2PW_R_TX_NOT_IP, t);
	len_diff = hdr_len + L2PW_ETH_HLEN;
	outer_len = frame_len - L2PW_ETH_HLEN + len_diff;

	/* MTU of the WAN device.  GSO: the kernel checks each segment
	 * (BPF_MTU_CHK_SEGS, which takes no len_diff); a segment's outer
	 * size will equal its inner size now, because adjust_room lowers
	 * gso_size by len_diff. */
	if (gso ? bpf_check_mtu(skb, t->wan_ifindex, &mtu_len, 0, BPF_MTU_CHK_SEGS)
		: bpf_check_mtu(skb, t->wan_ifindex, &mtu_len, len_diff, 0))
		return l2pw_tx_pass(L2PW_R_TX_MTU, t);
	if (!gso && t->mtu && outer_len > t->mtu)
		return l2pw_tx_pass(L2PW_R_TX_MTU, t);
	/* The template's mtu (L2TPv2: the peer's PPP MRU) holds per segment too. */
	if (gso && t->mtu) {
		__u32 hl = l2pw_tx_inner_hlen(skb);

		if (!hl || hdr_len + L2PW_ETH_HLEN + hl + skb->gso_size > t->mtu)
			return l2pw_tx_pass(L2PW_R_TX_MTU, t);
	}
	if (outer_len > 0xffff)
		return l2pw_tx_pass(L2PW_R_TX_GSO, t);

	if (bpf_skb_load_bytes(skb, 0, &inner, sizeof(inner)))
		return l2pw_tx_pass(L2PW_R_ADJUST_FAILED, t);
	/* RFC 3518 6: the slow path sets B on these, the template has "00 01". */
	if ((t->flags & L2PW_TX_F_BCP_IND) && l2pw_is_bridge_control(&inner))
		return l2pw_tx_pass(L2PW_R_TX_NOT_IP, t);

	flags = BPF_F_ADJ_ROOM_ENCAP_L2_ETH | L2PW_ADJ_ROOM_ENCAP_L2(L2PW_ETH_HLEN);
	flags |= (t->flags & L2PW_TX_F_IPV6) ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6
					     : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4;
	if (t->flags & L2PW_TX_F_UDP)
		flags |= BPF_F_ADJ_ROOM_ENCAP_L4_UDP;
	if (bpf_skb_adjust_room(skb, len_diff, BPF_ADJ_ROOM_MAC, flags))
		return l2pw_tx_pass(L2PW_R_ADJUST_FAILED, t);

	/* From here on the packet is ours: a failure drops it. */
	if (t->flags & (L2PW_TX_F_SEQ_V3 | L2PW_TX_F_SEQ_V2)) {
		__u32 slot = t->slot;
		struct l2pw_seq_state *st = bpf_map_lookup_elem(&l2pw_seq, &slot);

		/* one counter for all CPUs: each frame its own Ns */
		if (st)
			ns = __sync_fetch_and_add(&st->tx_next, 1);
	}
	__builtin_memcpy(h.b, t->hdr, sizeof(h.b));
	if (l2pw_tx_fill(t, &h, outer_len, ns))
		goto drop;
	if (bpf_skb_store_bytes(skb, L2PW_ETH_HLEN, h.b, hdr_len, 0))
		goto drop;
	if (bpf_skb_store_bytes(skb, L2PW_ETH_HLEN + hdr_len, &inner, sizeof(inner), 0))
		goto drop;
	/* bpf_redirect_neigh() replaces both addresses, but refuses a
	 * multicast destination: leave them zero. */
	outer.h_proto = bpf_htons((t->flags & L2PW_TX_F_IPV6) ? L2PW_ETH_P_IPV6 : L2PW_ETH_P_IP);
	if (bpf_skb_store_bytes(skb, 0, &outer, sizeof(outer), 0))
		goto drop;

	cnt = l2pw_counters_of(t->slot);
	if (cnt) {
		cnt->tx_packets += segs;
		cnt->tx_bytes += frame_len;
	}
	return bpf_redirect_neigh(t->wan_ifindex, NULL, 0, 0);

drop:
	l2pw_count_reason(L2PW_R_ADJUST_FAILED);
	return L2PW_TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
