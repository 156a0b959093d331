/*
 * Test helper: walk a capture (libpcap) down to the PPP frames inside
 * L2TPv2 data messages (UDP 1701; RFC 2661 §3.1 header: flags, [length],
 * tunnel, session, [Ns Nr], [offset]) or L2TPv3-over-IP data messages
 * (RFC 3931 §4.1.1.1: session id, no cookie), and call back for each.
 * Every underlay byte is read through struct buf.
 */
#ifndef L2PW_TEST_PPP_PCAP_H
#define L2PW_TEST_PPP_PCAP_H

#include <check.h>
#include <pcap/pcap.h>

#include "buf.h"

/* frame: the PPP frame (maybe with FF 03); src: outer IPv4 source; no: frame number. */
typedef void pcap_ppp_cb(void *ctx, const uint8_t *frame, size_t len, uint32_t src, unsigned no);

static int pcap_ppp_l2tpv2(struct buf *b)
{
	uint16_t flags, v, off;

	if (buf_get_n16(b, &flags) == -1 || (flags & 0x000f) != 2)
		return -1;
	if (flags & 0x8000)
		return 1; /* control message */
	if ((flags & 0x4000) && buf_get_n16(b, &v) == -1)
		return -1;
	if (buf_get_n16(b, &v) == -1 || buf_get_n16(b, &v) == -1)
		return -1;
	if ((flags & 0x0800) && buf_skip(b, 4) == -1)
		return -1;
	if ((flags & 0x0200) && (buf_get_n16(b, &off) == -1 || buf_skip(b, off) == -1))
		return -1;
	return 0;
}

/* Returns the number of PPP frames handed to cb. */
static inline unsigned pcap_ppp_walk(const char *file, pcap_ppp_cb *cb, void *ctx)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(file, err);
	unsigned no = 0, n = 0;
	int r;

	ck_assert_msg(pc != NULL, "%s: %s", file, err);
	ck_assert_int_eq(pcap_datalink(pc), DLT_EN10MB);
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		struct buf b, ip;
		uint16_t etype, tlen, sport, dport;
		uint8_t vihl, proto;
		uint32_t src, sess;

		no++;
		buf_init(&b, data, h->caplen);
		ck_assert_int_eq(buf_skip(&b, 12), 0);
		ck_assert_int_eq(buf_get_n16(&b, &etype), 0);
		if (etype != 0x0800)
			continue;
		ck_assert_int_eq(buf_peek_n8(&b, 0, &vihl), 0);
		ck_assert_int_eq(buf_peek_n16(&b, 2, &tlen), 0);
		ck_assert_int_eq(buf_get_sub(&b, &ip, tlen), 0);
		ck_assert_int_eq(buf_peek_n8(&ip, 9, &proto), 0);
		ck_assert_int_eq(buf_peek_n32(&ip, 12, &src), 0);
		ck_assert_int_eq(buf_skip(&ip, (size_t)(vihl & 15) * 4), 0);
		if (proto == 17) {
			ck_assert_int_eq(buf_get_n16(&ip, &sport), 0);
			ck_assert_int_eq(buf_get_n16(&ip, &dport), 0);
			ck_assert_int_eq(buf_skip(&ip, 4), 0);
			if (sport != 1701 && dport != 1701)
				continue;
			r = pcap_ppp_l2tpv2(&ip);
			ck_assert_msg(r >= 0, "%s #%u: bad L2TPv2 header", file, no);
			if (r == 1)
				continue;
		} else if (proto == 115) {
			ck_assert_int_eq(buf_get_n32(&ip, &sess), 0);
			if (sess == 0)
				continue;
		} else {
			continue;
		}
		n++;
		cb(ctx, buf_cur(&ip), buf_left(&ip), src, no);
	}
	pcap_close(pc);
	return n;
}

#endif
