/*
 * Test helper: walk the L2TP datagrams of a capture file.
 *
 * Every frame is read through struct buf: link layer (Ethernet with 802.1Q
 * tags, Linux cooked v1/v2, raw IP), IPv4 or IPv6, then UDP port 1701 or IP
 * protocol 115.  The callback gets the L2TP bytes (UDP payload / IP payload)
 * bounded by the IP and UDP lengths, so Ethernet padding never leaks in.
 * IP fragments and ICMP errors quoting L2TP are skipped and counted.
 */
#ifndef L2PW_TEST_PCAPVEC_H
#define L2PW_TEST_PCAPVEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct pcapvec_pkt {
	size_t frame;		  /* 1-based frame number in the file */
	int ipver;		  /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	int proto;		  /* 17 (UDP) or 115 (L2TP over IP) */
	uint16_t sport, dport;
	struct buf l2tp; /* the L2TP datagram */
	struct buf wire; /* the whole frame as captured, link layer on */
	size_t wire_len; /* its length on the wire (more than captured when the capture cut it) */
};

struct pcapvec_stats {
	size_t frames;
	size_t l2tp;	  /* callbacks made */
	size_t skipped;	  /* not L2TP (ARP, other protocols, ICMP) */
	size_t fragments; /* IP fragments, not reassembled */
	size_t malformed; /* frames whose link/IP/UDP headers lie */
};

/*
 * Call cb for each L2TP datagram; stops early when cb returns non-zero and
 * returns that value.  Returns -1 when the file cannot be opened, else 0.
 */
int pcapvec_each(const char *path, int (*cb)(void *ctx, const struct pcapvec_pkt *p), void *ctx,
		 struct pcapvec_stats *st);

/* pcapvec_each() on the capture rel under pcapvec_dir(). */
int pcapvec_each_in(const char *rel, int (*cb)(void *ctx, const struct pcapvec_pkt *p), void *ctx,
		    struct pcapvec_stats *st);

/*
 * Frame n (1-based, as tshark counts) of the capture rel (under
 * pcapvec_dir()), L2TP or not: copied whole, link layer on, into out when it
 * fits cap.  *caplen is what the file holds of it, *wire_len its length on
 * the wire.  1 found, 0 no frame n, -1 unreadable file.
 */
int pcapvec_frame(const char *rel, size_t n, uint8_t *out, size_t cap, size_t *caplen,
		  size_t *wire_len);

/* $L2PW_INTEROP_DIR, or "tests/interop" (relative to the repo root where make runs). */
const char *pcapvec_dir(void);

/* path = pcapvec_dir() + "/" + rel into out; returns out. */
char *pcapvec_path(char *out, size_t cap, const char *rel);

#endif
