/*
 * The one header shared by the eBPF programs (xdp/l2pw_*.bpf.c) and userspace
 * (xdp/loader.c and, through it, the daemon).  Fixed-width types only, no
 * pointers, no implicit padding: every struct below is laid out so that the
 * BPF and the x86-64 userspace view agree byte for byte.
 *
 * Maps (all created by the BPF objects, shared between them by the loader):
 *
 *   l2pw_v3_sessions  HASH   struct l2pw_v3_key -> struct l2pw_rx_session
 *   l2pw_v2_sessions  HASH   struct l2pw_v2_key -> struct l2pw_rx_session
 *   l2pw_tx_sessions  HASH   __u32 bridge-port ifindex -> struct l2pw_tx_session
 *   l2pw_ports        DEVMAP_HASH  ifindex -> ifindex (XDP redirect targets)
 *   l2pw_udp_ports    HASH   __u16 local UDP port -> 1 (besides the default)
 *   l2pw_seq          ARRAY  slot -> struct l2pw_seq_state (shared by all CPUs)
 *   l2pw_stats        PERCPU_ARRAY slot -> struct l2pw_counters
 *   l2pw_reasons      PERCPU_ARRAY enum l2pw_reason -> __u64
 *
 * A "slot" is a small integer (0 .. max_sessions-1) the daemon gives each
 * session, typically its index in its session table; it selects the counters
 * and the sequence state.  One slot serves one session in both directions.
 *
 * Byte order: ids, ports and flags in keys and values are host order; the
 * cookie, addresses and the TX header template are wire bytes.
 */
#ifndef L2PW_COMMON_H
#define L2PW_COMMON_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Default sizes; the loader may change them before load. */
#define L2PW_MAX_SESSIONS  1024
#define L2PW_UDP_PORT	   1701
#define L2PW_MAX_UDP_PORTS 64
#define L2PW_IPPROTO_L2TP  115

#define L2PW_FAMILY_NONE 0
#define L2PW_FAMILY_V4	 4
#define L2PW_FAMILY_V6	 6

/*
 * L2TPv3 data (RFC 3931 4.1): the Session ID alone names the session on this
 * LCCE, over IP and over UDP.  family == L2PW_FAMILY_NONE with a zero
 * local_addr is the wildcard entry; a key with the local address lets two
 * sessions with the same id live behind two local addresses (the kernel looks
 * the exact key up first, then the wildcard).
 */
struct l2pw_v3_key {
	__u32 session_id;    /* host order, never 0 (0 marks control over IP) */
	__u8 family;	     /* L2PW_FAMILY_* of local_addr */
	__u8 pad[3];	     /* must be zero */
	__u8 local_addr[16]; /* packet's destination address; v4 in [0..3] */
};

/* L2TPv2 data (RFC 2661 3.1): our Tunnel ID + our Session ID, host order. */
struct l2pw_v2_key {
	__u16 tunnel_id;
	__u16 session_id;
};

/* struct l2pw_rx_session.flags */
#define L2PW_RX_F_UDP	   (1u << 0) /* v3: session runs over UDP (else IP 115) */
#define L2PW_RX_F_SUBLAYER (1u << 1) /* v3: RFC 4719 default L2-specific sublayer */
#define L2PW_RX_F_SEQ	   (1u << 2) /* sequencing required: in-order check */

/*
 * What to do with a data packet of a known session.  Filled by the daemon
 * from its session table at session-up; replaced, never edited in place.
 */
struct l2pw_rx_session {
	__u32 ifindex;	  /* bridge port the frame is delivered into */
	__u32 slot;	  /* counters and sequence state */
	__u16 flags;	  /* L2PW_RX_F_* */
	__u8 cookie_len;  /* 0, 4 or 8 (RFC 3931 4.1: cookie we expect) */
	__u8 peer_family; /* L2PW_FAMILY_NONE: don't check the source */
	__u8 cookie[8];
	__u8 peer_addr[16]; /* source the data must come from; v4 in [0..3] */
};

/* struct l2pw_tx_session.flags */
#define L2PW_TX_F_IPV6	 (1u << 0) /* outer header is IPv6 (else IPv4) */
#define L2PW_TX_F_UDP	 (1u << 1) /* UDP header follows the IP header */
#define L2PW_TX_F_SEQ_V3 (1u << 2) /* hdr[seq_off] is an RFC 4719 sublayer word */
#define L2PW_TX_F_SEQ_V2 (1u << 3) /* hdr[seq_off] is an L2TPv2 Ns, Nr follows */
#define L2PW_TX_F_LEN_V2 (1u << 4) /* hdr[len_off] is the L2TPv2 Length field */
/* UDP over IPv6 with checksum 0 (RFC 6935/6936): only for peers that accept
 * it (Linux `udp6_csum_rx off`, a socket with UDP_NO_CHECK6_RX).  Without
 * it UDP/IPv6 sessions stay on the slow path, see l2pw_tx.bpf.c. */
#define L2PW_TX_F_UDP6_ZERO_CSUM (1u << 5)
/* L2TPv2/BCP: the session sets the B flag on bridge control frames (RFC 3518
 * 6, Bridge-Control-Packet-Indicator), which the template's "00 01" lacks:
 * frames to 01:80:c2:00:00:0x go to the slow path. */
#define L2PW_TX_F_BCP_IND (1u << 6)

#define L2PW_TX_HDR_MAX 80

/*
 * The encapsulation template (DESIGN "computed once at session-up"): the
 * outer IPv4/IPv6 header with addresses, TTL/hop limit and protocol, the UDP
 * header with both ports (if any), the L2TP header with session id, cookie
 * and sublayer, and for L2TPv2 the PPP (FF03 or not) + 0x0031 + BCP header.
 * The program fills per packet: IPv4 total length, id and header checksum,
 * IPv6 payload length, UDP length (checksum stays 0: IPv4, or IPv6 with
 * L2PW_TX_F_UDP6_ZERO_CSUM), the L2TPv2 Length and the sequence number.
 */
struct l2pw_tx_session {
	__u32 wan_ifindex; /* bpf_redirect_neigh() target */
	__u32 slot;
	__u16 flags;  /* L2PW_TX_F_* */
	__u16 mtu;    /* largest outer IP packet; 0: the WAN device's MTU */
	__u8 hdr_len; /* bytes of hdr in use, from the outer IP header on */
	__u8 seq_off; /* with L2PW_TX_F_SEQ_*: offset of the sequence field in hdr */
	__u8 len_off; /* with L2PW_TX_F_LEN_V2: offset of the Length field in hdr */
	__u8 pad;
	__u8 hdr[L2PW_TX_HDR_MAX];
};

/*
 * Sequence state per slot, one copy for all CPUs and for the daemon (the
 * map is mmapable).  tx_next is taken with an atomic add, by the TC program
 * and by the slow path for the frames the fast path leaves to it, so the
 * peer sees one sequence.  rx_next is a plain read-compare-write: RSS keeps
 * one flow on one CPU, and a race can only let a duplicate through, never
 * corrupt state.
 */
struct l2pw_seq_state {
	__u32 tx_next;	/* next Ns we send */
	__u32 rx_next;	/* next Ns we expect */
	__u32 rx_valid; /* 0 until the first sequenced packet sets rx_next */
	__u32 pad;
};

/* Per-CPU per-session counters; the daemon sums over CPUs. Bytes count the
 * Ethernet frame as seen on the bridge port (no FCS, no encapsulation); a
 * GSO super-frame counts as its gso_segs packets and its skb length. */
struct l2pw_counters {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 rx_dropped; /* out-of-order sequence numbers */
	__u64 rx_passed;  /* left to the slow path (known session, odd packet) */
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 tx_passed; /* left to the slow path: GSO we can't keep, MTU, ... */
};

/*
 * Why a packet went to the slow path (or was dropped): one per-CPU counter
 * each, indexed by this enum in l2pw_reasons.  Append only.  The parser
 * returns L2PW_R_OK (0) for a packet it delivers, so no reason may be 0.
 */
enum l2pw_reason {
	L2PW_R_OK = 0,		/* delivered: not a reason, its counter stays 0 */
	L2PW_R_NOT_L2TP,	/* not IP, not our port/protocol: not ours */
	L2PW_R_TRUNCATED,	/* shorter than its headers claim */
	L2PW_R_IP_FRAGMENT,	/* outer IPv4 MF/offset or IPv6 fragment header */
	L2PW_R_IP_OPTIONS,	/* IPv4 UDP/115 with options; any IPv6 packet
				 * with HBH/routing/dest-opts (MLD too) */
	L2PW_R_CONTROL,		/* T bit (or session id 0 over IP): control message */
	L2PW_R_UNKNOWN_SESSION, /* no map entry: the daemon decides */
	L2PW_R_WRONG_PEER,	/* session known, source address is not its peer */
	L2PW_R_WRONG_ENCAP,	/* session known, other encapsulation than its own */
	L2PW_R_BAD_COOKIE,	/* RFC 3931 4.1: cookie does not match */
	L2PW_R_SEQ_MISSING,	/* sequencing required, packet carries none */
	L2PW_R_SEQ_DROP,	/* dropped: old or duplicate sequence number */
	L2PW_R_PPP_MP,		/* 0x003d Multilink fragment */
	L2PW_R_PPP_MPPE,	/* 0x00fd compressed/encrypted datagram */
	L2PW_R_PPP_OTHER,	/* LCP, NCPs, any protocol but 0x0031 */
	L2PW_R_BCP_OPTION,	/* BCP flags (FCS, pads, Z) or MAC type != 1 */
	L2PW_R_V2_HEADER,	/* L2TPv2 Length/Offset we don't handle here */
	L2PW_R_NO_PORT,		/* session's ifindex not in l2pw_ports */
	L2PW_R_ADJUST_FAILED,	/* a packet helper refused: kernel limits */
	L2PW_R_TX_NO_SESSION,	/* TC egress on a port without a template */
	L2PW_R_TX_NOT_IP,	/* inner frame not IPv4/IPv6 (ARP, VLAN, STP) */
	L2PW_R_TX_GSO,		/* GSO frame the encapsulation can't keep valid */
	L2PW_R_TX_MTU,		/* encapsulated frame larger than the WAN MTU */
	L2PW_R_TX_V6_UDP,	/* UDP over IPv6 needs a checksum: slow path */
	L2PW_R_RX_GSO,		/* TC: GRO'd tunnel skb; decap would leave it
				 * marked UDP-tunnel GSO for the LAN NIC */
	L2PW_R_MAX
};

#endif
