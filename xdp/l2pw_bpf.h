/*
 * BPF side only: includes, constants, the maps and the counter helpers that
 * every l2pw program shares (katran's split: consts + maps here, packet
 * parsing in l2pw_parsing.h, checksums in l2pw_csum.h, encapsulation in
 * l2pw_encap.h).  Each .bpf.c object defines the same maps; the loader makes
 * all of them use one set (bpf_map__reuse_fd), so the daemon fills one table.
 */
#ifndef L2PW_BPF_H
#define L2PW_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "l2pw_common.h"

/* uapi #defines that vmlinux.h (types only) does not carry */
#define L2PW_ETH_HLEN	  14
#define L2PW_ETH_P_IP	  0x0800
#define L2PW_ETH_P_IPV6	  0x86DD
#define L2PW_ETH_P_8021Q  0x8100
#define L2PW_ETH_P_8021AD 0x88A8
#define L2PW_IPPROTO_UDP  17
#define L2PW_IP_MF	  0x2000
#define L2PW_IP_OFFMASK	  0x1FFF
#define L2PW_TC_ACT_OK	  0
#define L2PW_TC_ACT_SHOT  2
/* uapi bpf.h: inner L2 length for bpf_skb_adjust_room() encapsulation */
#define L2PW_ADJ_ROOM_ENCAP_L2(len) (((__u64)(len)&0xff) << 56)

/* RFC 2661 3.1 header bits */
#define L2PW_L2TP_T   0x8000
#define L2PW_L2TP_L   0x4000
#define L2PW_L2TP_S   0x0800
#define L2PW_L2TP_O   0x0200
#define L2PW_L2TP_VER 0x000F
/* RFC 4719 4.4: default L2-specific sublayer, S bit and 24-bit sequence */
#define L2PW_SUBLAYER_S	  0x40000000u
#define L2PW_SUBLAYER_SEQ 0x00FFFFFFu

/* PPP protocol numbers (RFC 1661, RFC 3518, RFC 1990, RFC 1962) */
#define L2PW_PPP_BPDU_IEEE 0x0031 /* bridged frame (BCP) */
#define L2PW_PPP_MP	   0x003D
#define L2PW_PPP_COMP	   0x00FD
#define L2PW_PPP_COMP_LINK 0x00FB
#define L2PW_BCP_MAC_8023  1 /* RFC 3518 5: IEEE 802.3/Ethernet, canonical */

/* UDP port the daemon listens on; set by the loader before load. */
const volatile __u16 l2pw_udp_port = L2PW_UDP_PORT;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, L2PW_MAX_SESSIONS);
	__type(key, struct l2pw_v3_key);
	__type(value, struct l2pw_rx_session);
} l2pw_v3_sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, L2PW_MAX_SESSIONS);
	__type(key, struct l2pw_v2_key);
	__type(value, struct l2pw_rx_session);
} l2pw_v2_sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, L2PW_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct l2pw_tx_session);
} l2pw_tx_sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, L2PW_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, __u32);
} l2pw_ports SEC(".maps");

/* mmapable: the daemon's slow path takes its Ns from the same counters
 * (fastpath_seq_take_tx()), so both paths number one sequence. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, L2PW_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct l2pw_seq_state);
} l2pw_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, L2PW_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct l2pw_counters);
} l2pw_stats SEC(".maps");

/* More local UDP ports than l2pw_udp_port (pseudowires may each have their
 * own `port`): host-order port -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, L2PW_MAX_UDP_PORTS);
	__type(key, __u16);
	__type(value, __u8);
} l2pw_udp_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, L2PW_R_MAX);
	__type(key, __u32);
	__type(value, __u64);
} l2pw_reasons SEC(".maps");

static __always_inline void l2pw_count_reason(__u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&l2pw_reasons, &reason);

	if (c)
		*c += 1;
}

/* NULL when the slot is out of range: the loader refuses such sessions, so
 * this only guards the verifier's view. */
static __always_inline struct l2pw_counters *l2pw_counters_of(__u32 slot)
{
	return bpf_map_lookup_elem(&l2pw_stats, &slot);
}

#endif
