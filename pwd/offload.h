/*
 * TAP offloads in userspace: the frame work a NIC would do for the kernel,
 * so a TAP opened with IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4
 * | TUN_F_TSO6) can hand the slow path one 64 kB TCP super-frame per read()
 * instead of forty-odd 1514-byte frames, and take one per write().
 *
 * Every TAP read and write then starts with a virtio-net header (struct
 * virtio_net_hdr, 10 bytes, little endian: the TAP is set to TUNSETVNETLE):
 *
 *	flags (1)  gso_type (1)  hdr_len (2)  gso_size (2)  csum_start (2)  csum_offset (2)
 *
 * Three jobs, all pure (no I/O, no allocation; every packet byte is read
 * through struct buf and written through struct wbuf):
 *
 *   Segmentation (TX, TAP -> WAN): offload_seg_init() checks a TCP/IPv4 or
 *   TCP/IPv6 GSO frame (802.1Q/802.1ad tags allowed), offload_seg_next()
 *   writes one wire-ready segment at a time: headers copied, IPv4 total
 *   length, ID (+1 per segment) and header checksum, IPv6 payload length,
 *   TCP sequence number, FIN/PSH only on the last segment and CWR only on
 *   the first (what the kernel's tcp_gso_segment does), and a full TCP
 *   checksum over the pseudo-header (RFC 793 §3.1, RFC 8200 §8.1).
 *
 *   Checksum completion: a non-GSO frame with VIRTIO_NET_HDR_F_NEEDS_CSUM
 *   (the kernel's CHECKSUM_PARTIAL) carries the pseudo-header sum in its
 *   checksum field; offload_csum_complete() sums csum_start..end and stores
 *   the result at csum_start + csum_offset, as the device would (RFC 1071),
 *   0 sent as 0xffff (RFC 768).  Any protocol: TCP, UDP, over VLANs.
 *
 *   Coalescing (RX, WAN -> TAP, software GRO): offload_gro_add() appends
 *   consecutive in-order TCP segments of one flow (identical Ethernet, IP
 *   and TCP headers but for lengths, IPv4 ID +1, sequence number, PSH) to one
 *   super-frame; offload_gro_finish() gives the virtio-net header that makes
 *   the kernel take it as a GSO frame.  Each segment's IPv4 header checksum
 *   and TCP checksum is verified before it is merged: a corrupt segment is
 *   never hidden behind NEEDS_CSUM (it goes to the TAP alone, where the
 *   receiving stack drops it).
 *
 * Malformed input is refused with a reason (enum offload_err) for the
 * caller's counters; nothing here trusts hdr_len, the IP length fields or
 * csum_start beyond checking them against the frame.
 */
#ifndef L2PW_OFFLOAD_H
#define L2PW_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define OFFLOAD_VNET_LEN 10 /* sizeof(struct virtio_net_hdr): the TAP default */
/* The largest frame a TAP hands over with TSO on: 64 kB of IP plus headers. */
#define OFFLOAD_SUPER_MAX (65536 + 64)

/* virtio_net_hdr flags and gso_type values (linux/virtio_net.h). */
#define OFFLOAD_F_NEEDS_CSUM 0x01
#define OFFLOAD_F_DATA_VALID 0x02
#define OFFLOAD_GSO_NONE     0
#define OFFLOAD_GSO_TCPV4    1
#define OFFLOAD_GSO_UDP	     3
#define OFFLOAD_GSO_TCPV6    4
#define OFFLOAD_GSO_ECN	     0x80

struct offload_vnet {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

enum offload_err {
	OFFLOAD_OK,
	OFFLOAD_E_SHORT,     /* shorter than its headers or the virtio-net header */
	OFFLOAD_E_GSO_TYPE,  /* GSO type we did not enable (UDP, unknown) */
	OFFLOAD_E_NOT_IP,    /* GSO frame whose EtherType is not IPv4/IPv6 (after tags) */
	OFFLOAD_E_IP_HEADER, /* bad version, IHL, fragment, or IPv6 extension chain */
	OFFLOAD_E_NOT_TCP,   /* TCP GSO type, other transport */
	OFFLOAD_E_TCP_HEADER,
	OFFLOAD_E_CSUM_OFFSETS, /* NEEDS_CSUM with csum_start/offset outside the frame */
	OFFLOAD_E_MSS,		/* gso_size 0 */
	OFFLOAD_E_TOO_BIG,	/* a segment does not fit the caller's buffer */
	OFFLOAD_E_COUNT
};

const char *offload_err_name(enum offload_err e);

/* The virtio-net header at the reader's cursor (consumed).  0 or -1 (short). */
int offload_vnet_get(struct buf *b, struct offload_vnet *v);
/* Append one (10 bytes).  0 or -1 (no room). */
int offload_vnet_put(struct wbuf *w, const struct offload_vnet *v);

/*
 * RFC 1071 sum of len bytes read from b (consumed), added to sum; the result
 * is the folded 16-bit sum in network order, not complemented.  Start at 0.
 * -1 when b has fewer than len bytes.
 */
int offload_csum_add(struct buf *b, size_t len, uint32_t *sum);

/*
 * NEEDS_CSUM on a frame that is not GSO: complete the checksum in place.
 * frame/len is the frame after the virtio-net header (writable, the
 * caller's).  0, or -1 with *why.
 */
int offload_csum_complete(uint8_t *frame, size_t len, const struct offload_vnet *v,
			  enum offload_err *why);

/* A segmentation in progress: plain value, borrows the frame (keep it). */
struct offload_seg {
	struct buf frame;
	size_t l3, l4, hdr; /* IP header, TCP header, payload offsets */
	int v6;
	uint16_t mss;
	size_t off; /* next payload byte */
	uint32_t seq;
	uint16_t ipid;
	unsigned n; /* segments written so far */
};

/*
 * Check a TCP GSO frame (v->gso_type TCPV4/TCPV6, with or without ECN) and
 * prepare to cut it.  frame is what followed the virtio-net header; it must
 * stay valid until the last offload_seg_next().  max is the largest segment
 * the caller can take (header + gso_size must fit).  0, or -1 with *why.
 */
int offload_seg_init(struct offload_seg *s, const struct offload_vnet *v, const uint8_t *frame,
		     size_t len, size_t max, enum offload_err *why);
/* Segments the frame makes. */
unsigned offload_seg_count(const struct offload_seg *s);
/*
 * Write the next segment into w (from w->len on; w->len grows by its length).
 * 1: written; 0: none left; -1: w has no room (w->err set, s unchanged).
 */
int offload_seg_next(struct offload_seg *s, struct wbuf *w);

/*
 * A coalesced super-frame under construction.  The caller owns out (at
 * least OFFLOAD_SUPER_MAX bytes are useful; less just merges less).
 */
struct offload_gro {
	struct wbuf w;
	size_t l3, l4, hdr; /* offsets in w of the first segment's headers */
	int v6, active;
	uint16_t mss;	  /* payload length of the first segment */
	uint16_t next_id; /* IPv4 ID the next segment must carry */
	uint32_t next_seq;
	unsigned segs;
	int closed; /* a shorter or PSH segment was merged: nothing may follow */
};

void offload_gro_init(struct offload_gro *g, uint8_t *out, size_t cap);
/* Nothing held. */
int offload_gro_empty(const struct offload_gro *g);
/*
 * Offer a frame (an Ethernet frame as received, no virtio-net header).
 * 1: merged (or started a new super-frame: the group was empty); 0: it does
 * not continue the frame being built and was not taken: finish and write
 * what is held, then offer it again (it then starts a new one).  A frame
 * that can never be merged (not TCP, no payload, SYN/FIN/RST/URG, bad
 * checksum, IP options...) returns 0 even on an empty group: write it alone.
 */
int offload_gro_add(struct offload_gro *g, const uint8_t *frame, size_t len);
/*
 * Finish the held super-frame: fix IP lengths, IPv4 header checksum and the
 * TCP checksum field (pseudo-header sum, for NEEDS_CSUM), fill *v.  A single
 * held segment is returned as it came (v: DATA_VALID, its checksums were
 * verified; GSO_NONE).  frame and len point into the caller's out buffer.
 * The group is then empty.  0, or -1 when nothing is held.
 */
int offload_gro_finish(struct offload_gro *g, struct offload_vnet *v, const uint8_t **frame,
		       size_t *len);

#endif
