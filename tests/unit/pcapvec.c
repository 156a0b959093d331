/*
 * Test helper: L2TP datagrams out of capture files (see pcapvec.h).
 * Included by the test programs that need it (#include "pcapvec.c").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h> /* DLT_*, also for includers that keep pcap/bpf.h out */
#include <pcap/pcap.h>

#include "pcapvec.h"

#define ETH_P_IPV4	       0x0800
#define ETH_P_IPV6	       0x86dd
#define ETH_P_VLAN	       0x8100
#define ETH_P_QINQ	       0x88a8
#define PCAPVEC_DLT_LINUX_SLL2 276

const char *pcapvec_dir(void)
{
	const char *d = getenv("L2PW_INTEROP_DIR");

	return d && *d ? d : "tests/interop";
}

char *pcapvec_path(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", pcapvec_dir(), rel);
	return out;
}

/* Link layer -> ethertype, leaving b at the network header.  -1 unknown/short. */
static int pcapvec_link(int dlt, struct buf *b, uint16_t *ethertype)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (buf_skip(b, 12) == -1 || buf_get_n16(b, ethertype) == -1)
			return -1;
		while (*ethertype == ETH_P_VLAN || *ethertype == ETH_P_QINQ)
			if (buf_skip(b, 2) == -1 || buf_get_n16(b, ethertype) == -1)
				return -1;
		return 0;
	case DLT_LINUX_SLL: /* pkttype, hatype, halen, addr[8], protocol */
		if (buf_skip(b, 14) == -1 || buf_get_n16(b, ethertype) == -1)
			return -1;
		return 0;
	case PCAPVEC_DLT_LINUX_SLL2: /* protocol first, then 18 more octets */
		if (buf_get_n16(b, ethertype) == -1 || buf_skip(b, 18) == -1)
			return -1;
		return 0;
	case DLT_RAW: {
		uint8_t v;

		if (buf_peek_n8(b, 0, &v) == -1)
			return -1;
		*ethertype = (v >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IPV4;
		return 0;
	}
	default:
		return -1;
	}
}

enum { PV_SKIP, PV_FRAG, PV_BAD, PV_OK };

/* b at the IP header -> p filled, p->l2tp set.  Returns one of the PV_* values. */
static int pcapvec_ip(uint16_t ethertype, struct buf *b, struct pcapvec_pkt *p)
{
	struct buf ip;
	uint8_t proto;

	if (ethertype == ETH_P_IPV4) {
		uint8_t vihl;
		uint16_t total, frag;

		if (buf_peek_n8(b, 0, &vihl) == -1 || buf_peek_n16(b, 2, &total) == -1 ||
		    buf_peek_n16(b, 6, &frag) == -1 || buf_peek_n8(b, 9, &proto) == -1)
			return PV_BAD;
		if ((vihl >> 4) != 4 || (vihl & 15) < 5 || total < (vihl & 15) * 4u)
			return PV_BAD;
		/* total bounds the datagram: Ethernet pads short frames. */
		if (buf_get_sub(b, &ip, total) == -1)
			return PV_BAD;
		if (frag & 0x3fff)
			return PV_FRAG;
		p->ipver = 4;
		if (buf_skip(&ip, 12) == -1 || buf_get_bytes(&ip, p->src, 4) == -1 ||
		    buf_get_bytes(&ip, p->dst, 4) == -1 ||
		    buf_skip(&ip, (vihl & 15) * 4u - 20) == -1)
			return PV_BAD;
	} else if (ethertype == ETH_P_IPV6) {
		uint16_t plen;

		if (buf_peek_n16(b, 4, &plen) == -1 || buf_peek_n8(b, 6, &proto) == -1)
			return PV_BAD;
		if (buf_get_sub(b, &ip, 40u + plen) == -1)
			return PV_BAD;
		p->ipver = 6;
		if (buf_skip(&ip, 8) == -1 || buf_get_bytes(&ip, p->src, 16) == -1 ||
		    buf_get_bytes(&ip, p->dst, 16) == -1)
			return PV_BAD;
		/* Extension headers the captures could carry: hop-by-hop, routing, dest opts. */
		while (proto == 0 || proto == 43 || proto == 60 || proto == 44) {
			uint8_t next, hlen;

			if (proto == 44)
				return PV_FRAG;
			if (buf_peek_n8(&ip, 0, &next) == -1 || buf_peek_n8(&ip, 1, &hlen) == -1 ||
			    buf_skip(&ip, (hlen + 1u) * 8) == -1)
				return PV_BAD;
			proto = next;
		}
	} else {
		return PV_SKIP;
	}
	p->proto = proto;
	if (proto == 115) {
		p->l2tp = ip;
		return PV_OK;
	}
	if (proto == 17) {
		uint16_t ulen;

		if (buf_get_n16(&ip, &p->sport) == -1 || buf_get_n16(&ip, &p->dport) == -1 ||
		    buf_get_n16(&ip, &ulen) == -1 || buf_skip(&ip, 2) == -1)
			return PV_BAD;
		if (p->sport != 1701 && p->dport != 1701)
			return PV_SKIP;
		if (ulen < 8 || buf_get_sub(&ip, &p->l2tp, ulen - 8u) == -1)
			return PV_BAD;
		return PV_OK;
	}
	return PV_SKIP;
}

/* Each frame to cb: only L2TP datagrams, or with every also the rest (p->l2tp empty then). */
static int pcapvec_walk(const char *path, int every,
			int (*cb)(void *ctx, const struct pcapvec_pkt *p), void *ctx,
			struct pcapvec_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *pc;
	int dlt, rc = 0;

	memset(st, 0, sizeof(*st));
	pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		fprintf(stderr, "pcapvec: %s: %s\n", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	while (rc == 0 && pcap_next_ex(pc, &hdr, &data) == 1) {
		struct pcapvec_pkt p;
		struct buf b;
		uint16_t et;
		int kind = PV_BAD;

		st->frames++;
		memset(&p, 0, sizeof(p));
		p.frame = st->frames;
		buf_init(&b, data, hdr->caplen);
		p.wire = b;
		p.wire_len = hdr->len;
		if (pcapvec_link(dlt, &b, &et) == 0)
			kind = pcapvec_ip(et, &b, &p);
		switch (kind) {
		case PV_SKIP:
			st->skipped++;
			break;
		case PV_FRAG:
			st->fragments++;
			break;
		case PV_BAD:
			st->malformed++;
			break;
		case PV_OK:
			st->l2tp++;
			rc = cb(ctx, &p);
			continue;
		}
		if (every) {
			memset(&p.l2tp, 0, sizeof(p.l2tp));
			rc = cb(ctx, &p);
		}
	}
	pcap_close(pc);
	return rc;
}

int pcapvec_each(const char *path, int (*cb)(void *ctx, const struct pcapvec_pkt *p), void *ctx,
		 struct pcapvec_stats *st)
{
	return pcapvec_walk(path, 0, cb, ctx, st);
}

int pcapvec_each_in(const char *rel, int (*cb)(void *ctx, const struct pcapvec_pkt *p), void *ctx,
		    struct pcapvec_stats *st)
{
	char path[512];

	return pcapvec_walk(pcapvec_path(path, sizeof(path), rel), 0, cb, ctx, st);
}

struct pcapvec_pick {
	size_t n, cap, caplen, wire_len;
	uint8_t *out;
};

static int pcapvec_pick_cb(void *ctx, const struct pcapvec_pkt *p)
{
	struct pcapvec_pick *k = ctx;
	struct buf w = p->wire;

	if (p->frame != k->n)
		return 0;
	k->caplen = buf_left(&w);
	k->wire_len = p->wire_len;
	if (k->caplen <= k->cap && buf_get_bytes(&w, k->out, k->caplen) == -1)
		return -1;
	return 1;
}

int pcapvec_frame(const char *rel, size_t n, uint8_t *out, size_t cap, size_t *caplen,
		  size_t *wire_len)
{
	struct pcapvec_pick k = {.n = n, .cap = cap, .out = out};
	struct pcapvec_stats st;
	char path[512];
	int rc = pcapvec_walk(pcapvec_path(path, sizeof(path), rel), 1, pcapvec_pick_cb, &k, &st);

	*caplen = k.caplen;
	*wire_len = k.wire_len;
	return rc;
}
