// SPDX-License-Identifier: GPL-2.0
/*
 * TC ingress decapsulation on the WAN NIC, the variant for TAP bridge ports:
 * same parsing as the XDP program (l2pw_parsing.h), then the outer headers go
 * with bpf_skb_adjust_room() and the frame is handed to the port's ingress
 * with bpf_redirect(port, BPF_F_INGRESS), which TESTBED saw reach the bridge.
 * Unknown and odd packets continue up the stack (TC_ACT_OK) untouched.
 */
#include "l2pw_parsing.h"
#include "l2pw_csum.h"

SEC("tc")
int l2pw_tc_rx(struct __sk_buff *skb)
{
	struct l2pw_rx_result r = {};
	struct ethhdr inner;
	void *data, *data_end;
	__u32 pull, cut;
	int reason;

	/* Headers may sit in paged data: make them linear (best effort; a
	 * short packet parses as truncated). */
	pull = skb->len < L2PW_RX_PULL ? skb->len : L2PW_RX_PULL;
	bpf_skb_pull_data(skb, pull);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	reason = l2pw_rx_parse(data, data_end, skb->len, &r);
	if (reason)
		goto out;
	/* A GRO'd train of tunnel packets (veth peers, UDP GRO forwarding):
	 * adjust_room can't clear its UDP-tunnel GSO type on this kernel
	 * (no BPF_F_ADJ_ROOM_DECAP_L4_UDP), and a LAN NIC would segment it as
	 * a tunnel packet.  A NIC's receive path doesn't build these for
	 * L2TP, so the slow path's socket can have them. */
	if (skb->gso_size) {
		reason = L2PW_R_RX_GSO;
		goto out;
	}
	/* VLAN tags are normally in skb->vlan_tci by now; one left in the data
	 * would have to go too, which adjust_room (after the MAC header) can't. */
	if (r.l3_off != L2PW_ETH_HLEN || r.strip > L2PW_PARSE_MAX) {
		reason = L2PW_R_ADJUST_FAILED;
		goto out;
	}
	if (data + r.strip + sizeof(inner) > data_end) {
		reason = L2PW_R_TRUNCATED;
		goto out;
	}
	__builtin_memcpy(&inner, data + r.strip, sizeof(inner));

	if (r.trim && bpf_skb_change_tail(skb, skb->len - r.trim, 0)) {
		reason = L2PW_R_ADJUST_FAILED;
		goto out;
	}
	/* Remove outer IP .. inner Ethernet header, then write the inner
	 * Ethernet header where the outer one was. */
	cut = r.strip; /* (outer Ethernet .. inner Ethernet) - outer Ethernet */
	if (bpf_skb_adjust_room(skb, -(__s32)cut, BPF_ADJ_ROOM_MAC, 0)) {
		reason = L2PW_R_ADJUST_FAILED;
		goto out;
	}
	if (bpf_skb_store_bytes(skb, 0, &inner, sizeof(inner), 0)) {
		/* outer headers gone, inner one not written: nobody can use it */
		l2pw_rx_account(&r, L2PW_R_ADJUST_FAILED);
		return L2PW_TC_ACT_SHOT;
	}
	/* With CHECKSUM_COMPLETE the inner Ethernet header, about to be
	 * pulled by eth_type_trans() on the port, must be in skb->csum. */
	bpf_csum_update(skb, l2pw_csum_eth((const __u16 *)&inner));

	l2pw_rx_account(&r, 0);
	return bpf_redirect(r.ifindex, BPF_F_INGRESS);

out:
	l2pw_rx_account(&r, reason);
	return reason == L2PW_R_SEQ_DROP ? L2PW_TC_ACT_SHOT : L2PW_TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
