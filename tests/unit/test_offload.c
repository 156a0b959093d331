/*
 * TAP offloads (pwd/offload.c): the RFC 1071 example sum, virtio-net header
 * layout, TCP segmentation against segments scapy builds independently
 * (IPv4 with options and a sequence number that wraps; IPv6 behind an
 * 802.1Q tag), large frames checked with a naive checksum written here,
 * checksum completion, coalescing and its refusals, and refusals of
 * malformed GSO frames.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "offload.h"
#include "offload_ref.h"

/* Generated with scapy 2.5 (Ether/IP/TCP, checksums by scapy), see the commit. */
static const uint8_t scapy_v4_0[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x70, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0xa4, 0x50, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00,
    0x02, 0x02, 0x9c, 0x40, 0x14, 0x51, 0xff, 0xff, 0xff, 0xf0, 0x01, 0x02, 0x03, 0x04, 0x80, 0x10,
    0x01, 0xf6, 0xff, 0x43, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
    0x07, 0xd0, 0x03, 0x0a, 0x11, 0x18, 0x1f, 0x26, 0x2d, 0x34, 0x3b, 0x42, 0x49, 0x50, 0x57, 0x5e,
    0x65, 0x6c, 0x73, 0x7a, 0x81, 0x88, 0x8f, 0x96, 0x9d, 0xa4, 0xab, 0xb2, 0xb9, 0xc0, 0xc7, 0xce,
    0xd5, 0xdc, 0xe3, 0xea, 0xf1, 0xf8, 0xff, 0x06, 0x0d, 0x14, 0x1b, 0x22, 0x29, 0x30, 0x37, 0x3e,
    0x45, 0x4c, 0x53, 0x5a, 0x61, 0x68, 0x6f, 0x76, 0x7d, 0x84, 0x8b, 0x92, 0x99, 0xa0,
};
static const uint8_t scapy_v4_1[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x5c, 0x12, 0x35, 0x40, 0x00, 0x40, 0x06, 0xa4, 0x63, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00,
    0x02, 0x02, 0x9c, 0x40, 0x14, 0x51, 0x00, 0x00, 0x00, 0x2c, 0x01, 0x02, 0x03, 0x04, 0x80, 0x18,
    0x01, 0xf6, 0xb6, 0x11, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
    0x07, 0xd0, 0xa7, 0xae, 0xb5, 0xbc, 0xc3, 0xca, 0xd1, 0xd8, 0xdf, 0xe6, 0xed, 0xf4, 0xfb, 0x02,
    0x09, 0x10, 0x17, 0x1e, 0x25, 0x2c, 0x33, 0x3a, 0x41, 0x48, 0x4f, 0x56, 0x5d, 0x64, 0x6b, 0x72,
    0x79, 0x80, 0x87, 0x8e, 0x95, 0x9c, 0xa3, 0xaa, 0xb1, 0xb8,
};
static const uint8_t scapy_v6_0[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00, 0x00, 0x0a,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x50, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x14, 0x51, 0x00, 0x00,
    0x03, 0xe8, 0x00, 0x00, 0x00, 0x05, 0x50, 0x10, 0x01, 0xf6, 0x6c, 0xac, 0x00, 0x00, 0x03, 0x0a,
    0x11, 0x18, 0x1f, 0x26, 0x2d, 0x34, 0x3b, 0x42, 0x49, 0x50, 0x57, 0x5e, 0x65, 0x6c, 0x73, 0x7a,
    0x81, 0x88, 0x8f, 0x96, 0x9d, 0xa4, 0xab, 0xb2, 0xb9, 0xc0, 0xc7, 0xce, 0xd5, 0xdc, 0xe3, 0xea,
    0xf1, 0xf8, 0xff, 0x06, 0x0d, 0x14, 0x1b, 0x22, 0x29, 0x30, 0x37, 0x3e, 0x45, 0x4c, 0x53, 0x5a,
    0x61, 0x68, 0x6f, 0x76, 0x7d, 0x84, 0x8b, 0x92, 0x99, 0xa0,
};
static const uint8_t scapy_v6_1[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00, 0x00,
    0x0a, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x14, 0x51, 0x00, 0x00, 0x04, 0x24, 0x00, 0x00, 0x00, 0x05, 0x50, 0x11, 0x01, 0xf6, 0x23,
    0x80, 0x00, 0x00, 0xa7, 0xae, 0xb5, 0xbc, 0xc3, 0xca, 0xd1, 0xd8, 0xdf, 0xe6, 0xed, 0xf4,
    0xfb, 0x02, 0x09, 0x10, 0x17, 0x1e, 0x25, 0x2c, 0x33, 0x3a, 0x41, 0x48, 0x4f, 0x56, 0x5d,
    0x64, 0x6b, 0x72, 0x79, 0x80, 0x87, 0x8e, 0x95, 0x9c, 0xa3, 0xaa, 0xb1, 0xb8,
};

#define SEG_MAX 2048

static uint16_t g16(const uint8_t *p, size_t at)
{
	return (uint16_t)(p[at] << 8 | p[at + 1]);
}

static uint32_t g32(const uint8_t *p, size_t at)
{
	return (uint32_t)g16(p, at) << 16 | g16(p, at + 2);
}

/* A super-frame: the headers of seg0 with `flags`, then `payload`. */
static size_t make_super(uint8_t *out, const uint8_t *seg0, size_t hdr, uint8_t flags, size_t l4,
			 const uint8_t *payload, size_t plen)
{
	memcpy(out, seg0, hdr);
	out[l4 + 13] = flags;
	memcpy(out + hdr, payload, plen);
	return hdr + plen;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)((i * 7 + 3) & 0xff);
}

START_TEST(csum_rfc1071_example)
{
	/* RFC 1071 §3: the sum of 0001 f203 f4f5 f6f7 is ddf2. */
	static const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t odd[] = {0x01, 0x02, 0x03};
	uint8_t big[1501];
	struct buf b;
	uint32_t sum = 0;

	buf_init(&b, d, sizeof(d));
	ck_assert_int_eq(offload_csum_add(&b, sizeof(d), &sum), 0);
	ck_assert_uint_eq(sum, 0xddf2);
	ck_assert_uint_eq(buf_left(&b), 0);
	/* in even pieces: the same */
	sum = 0;
	buf_init(&b, d, sizeof(d));
	ck_assert_int_eq(offload_csum_add(&b, 2, &sum), 0);
	ck_assert_int_eq(offload_csum_add(&b, 6, &sum), 0);
	ck_assert_uint_eq(sum, 0xddf2);
	/* odd tail is the high byte: 0102 + 0300 */
	sum = 0;
	buf_init(&b, odd, sizeof(odd));
	ck_assert_int_eq(offload_csum_add(&b, 3, &sum), 0);
	ck_assert_uint_eq(sum, 0x0402);
	/* more than there is: refused, nothing consumed */
	buf_init(&b, odd, sizeof(odd));
	ck_assert_int_eq(offload_csum_add(&b, 4, &sum), -1);
	ck_assert_uint_eq(buf_left(&b), 3);
	/* long and odd, against the naive sum */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 131 + 17);
	for (size_t n = 0; n <= sizeof(big); n += 61) {
		sum = 0;
		buf_init(&b, big, n);
		ck_assert_int_eq(offload_csum_add(&b, n, &sum), 0);
		ck_assert_uint_eq(sum, ref_sum(big, n, 0));
	}
}
END_TEST

START_TEST(vnet_layout)
{
	static const uint8_t wire[] = {0x01, 0x04, 0x42, 0x00, 0x94, 0x05, 0x36, 0x00, 0x10, 0x00};
	struct offload_vnet v, back;
	uint8_t mem[OFFLOAD_VNET_LEN];
	struct wbuf w;
	struct buf b;

	buf_init(&b, wire, sizeof(wire));
	ck_assert_int_eq(offload_vnet_get(&b, &v), 0);
	ck_assert_uint_eq(v.flags, OFFLOAD_F_NEEDS_CSUM);
	ck_assert_uint_eq(v.gso_type, OFFLOAD_GSO_TCPV6);
	ck_assert_uint_eq(v.hdr_len, 0x42);
	ck_assert_uint_eq(v.gso_size, 1428);
	ck_assert_uint_eq(v.csum_start, 54);
	ck_assert_uint_eq(v.csum_offset, 16);
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(offload_vnet_put(&w, &v), 0);
	ck_assert_mem_eq(mem, wire, sizeof(wire));
	ck_assert_int_eq(offload_vnet_put(&w, &v), -1);
	buf_init(&b, wire, 9);
	ck_assert_int_eq(offload_vnet_get(&b, &back), -1);
}
END_TEST

/* Cut super into segments of SEG_MAX at most; returns how many, copies into segs. */
static unsigned cut(const uint8_t *super, size_t len, uint8_t gso, uint16_t mss,
		    uint8_t segs[][SEG_MAX], size_t *seglen, unsigned max)
{
	struct offload_vnet v = {.flags = OFFLOAD_F_NEEDS_CSUM, .gso_type = gso, .gso_size = mss};
	struct offload_seg s;
	enum offload_err why = OFFLOAD_OK;
	unsigned n = 0;
	struct wbuf w;

	ck_assert_int_eq(offload_seg_init(&s, &v, super, len, SEG_MAX, &why), 0);
	ck_assert_uint_le(offload_seg_count(&s), max);
	for (;;) {
		int r;

		wbuf_init(&w, segs[n], SEG_MAX);
		r = offload_seg_next(&s, &w);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		seglen[n++] = w.len;
		ck_assert_uint_le(n, max);
	}
	ck_assert_uint_eq(n, offload_seg_count(&s));
	return n;
}

START_TEST(seg_scapy_ipv4)
{
	uint8_t super[256], pay[100], (*segs)[SEG_MAX] = malloc(4 * SEG_MAX);
	size_t seglen[4], len;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = pattern(i);
	/* 14 Ethernet + 20 IPv4 + 32 TCP (timestamps) */
	len = make_super(super, scapy_v4_0, 66, 0x18 /* PSH ACK */, 34, pay, sizeof(pay));
	super[24] = 0xab; /* header checksum and TCP checksum are not trusted */
	super[50] = 0xcd;
	ck_assert_uint_eq(cut(super, len, OFFLOAD_GSO_TCPV4, 60, segs, seglen, 4), 2);
	ck_assert_uint_eq(seglen[0], sizeof(scapy_v4_0));
	ck_assert_mem_eq(segs[0], scapy_v4_0, sizeof(scapy_v4_0));
	ck_assert_uint_eq(seglen[1], sizeof(scapy_v4_1));
	ck_assert_mem_eq(segs[1], scapy_v4_1, sizeof(scapy_v4_1));
	free(segs);
}
END_TEST

START_TEST(seg_scapy_ipv6_vlan)
{
	uint8_t super[256], pay[100], (*segs)[SEG_MAX] = malloc(4 * SEG_MAX);
	size_t seglen[4], len;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = pattern(i);
	/* 18 Ethernet + tag, 40 IPv6, 20 TCP */
	len = make_super(super, scapy_v6_0, 78, 0x11 /* FIN ACK */, 58, pay, sizeof(pay));
	ck_assert_uint_eq(cut(super, len, OFFLOAD_GSO_TCPV6, 60, segs, seglen, 4), 2);
	ck_assert_uint_eq(seglen[0], sizeof(scapy_v6_0));
	ck_assert_mem_eq(segs[0], scapy_v6_0, sizeof(scapy_v6_0));
	ck_assert_uint_eq(seglen[1], sizeof(scapy_v6_1));
	ck_assert_mem_eq(segs[1], scapy_v6_1, sizeof(scapy_v6_1));
	free(segs);
}
END_TEST

/* A 64 kB TSO frame as the kernel hands it over (CWR|PSH|ACK to see the flag rules). */
static size_t make_big(uint8_t *super, int v6, size_t plen)
{
	const uint8_t *seg0 = v6 ? scapy_v6_0 : scapy_v4_0;
	size_t hdr = v6 ? 78 : 66, l4 = v6 ? 58 : 34;
	uint8_t *pay = malloc(plen);
	size_t len;

	for (size_t i = 0; i < plen; i++)
		pay[i] = (uint8_t)(i * 131 + i / 256);
	len = make_super(super, seg0, hdr, 0x98, l4, pay, plen);
	free(pay);
	return len;
}

static void check_big(int v6)
{
	size_t l3 = v6 ? 18 : 14, l4 = v6 ? 58 : 34, hdr = v6 ? 78 : 66, plen = 65000;
	uint8_t *super = malloc(OFFLOAD_SUPER_MAX), (*segs)[SEG_MAX] = malloc(64 * SEG_MAX);
	size_t seglen[64], len = make_big(super, v6, plen), got = 0;
	uint32_t seq0 = g32(super, l4 + 4);
	unsigned n;

	n = cut(super, len, v6 ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4, 1448, segs, seglen, 64);
	ck_assert_uint_eq(n, (plen + 1447) / 1448);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *f = segs[i];
		size_t pl = seglen[i] - hdr;

		ck_assert_uint_eq(pl, i + 1 < n ? 1448 : plen - 1448 * (n - 1));
		ck_assert_mem_eq(f, super, l3);			  /* MACs, tags */
		ck_assert_mem_eq(f + l4 - 8, super + l4 - 8, 12); /* addresses' end, ports */
		if (v6) {
			ck_assert_uint_eq(g16(f, l3 + 4), seglen[i] - l3 - 40);
		} else {
			ck_assert_uint_eq(g16(f, l3 + 2), seglen[i] - l3);
			ck_assert_uint_eq(g16(f, l3 + 4), (uint16_t)(0x1234 + i));
			ck_assert_uint_eq(ref_sum(f + l3, 20, 0), 0xffff);
		}
		ck_assert_uint_eq(g32(f, l4 + 4), seq0 + (uint32_t)(1448 * i));
		ck_assert_uint_eq(f[l4 + 13], i == 0 ? 0x90 : i + 1 < n ? 0x10 : 0x18);
		ck_assert(ref_tcp_ok(f, seglen[i], l3, v6));
		ck_assert_mem_eq(f + hdr, super + hdr + got, pl);
		got += pl;
	}
	ck_assert_uint_eq(got, plen);
	free(super);
	free(segs);
}

START_TEST(seg_big_ipv4)
{
	check_big(0);
}
END_TEST

START_TEST(seg_big_ipv6_vlan)
{
	check_big(1);
}
END_TEST

static enum offload_err seg_refuse(const uint8_t *f, size_t len, uint8_t gso, uint16_t mss,
				   size_t max)
{
	struct offload_vnet v = {.gso_type = gso, .gso_size = mss};
	struct offload_seg s;
	enum offload_err why = OFFLOAD_OK;

	if (offload_seg_init(&s, &v, f, len, max, &why) == 0)
		return OFFLOAD_OK;
	ck_assert_int_ne(why, OFFLOAD_OK);
	ck_assert_str_ne(offload_err_name(why), "?");
	return why;
}

START_TEST(seg_refusals)
{
	uint8_t f[256], pay[100] = {0};
	size_t len = make_super(f, scapy_v4_0, 66, 0x10, 34, pay, sizeof(pay));
	uint8_t g[256];

	ck_assert_int_eq(seg_refuse(f, len, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_OK);
	ck_assert_int_eq(seg_refuse(f, len, OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN, 60, SEG_MAX),
			 OFFLOAD_OK);
	ck_assert_int_eq(seg_refuse(f, len, OFFLOAD_GSO_UDP, 60, SEG_MAX), OFFLOAD_E_GSO_TYPE);
	ck_assert_int_eq(seg_refuse(f, len, 7, 60, SEG_MAX), OFFLOAD_E_GSO_TYPE);
	ck_assert_int_eq(seg_refuse(f, len, OFFLOAD_GSO_TCPV4, 0, SEG_MAX), OFFLOAD_E_MSS);
	ck_assert_int_eq(seg_refuse(f, len, OFFLOAD_GSO_TCPV6, 60, SEG_MAX), OFFLOAD_E_NOT_IP);
	ck_assert_int_eq(seg_refuse(f, 13, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_SHORT);
	ck_assert_int_eq(seg_refuse(f, 30, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_IP_HEADER);
	ck_assert_int_eq(seg_refuse(f, 50, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_TCP_HEADER);
	/* header 66 + 60 does not fit 100 */
	ck_assert_int_eq(seg_refuse(f, len, OFFLOAD_GSO_TCPV4, 60, 100), OFFLOAD_E_TOO_BIG);
	memcpy(g, f, len);
	g[20] |= 0x20; /* MF: a fragment */
	ck_assert_int_eq(seg_refuse(g, len, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_IP_HEADER);
	memcpy(g, f, len);
	g[14] = 0x44; /* IHL 4 */
	ck_assert_int_eq(seg_refuse(g, len, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_IP_HEADER);
	memcpy(g, f, len);
	g[23] = 17; /* UDP */
	ck_assert_int_eq(seg_refuse(g, len, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_NOT_TCP);
	memcpy(g, f, len);
	g[34 + 12] = 0x40; /* data offset 4 */
	ck_assert_int_eq(seg_refuse(g, len, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_TCP_HEADER);
	memcpy(g, f, len);
	g[34 + 12] = 0xf0; /* data offset 60: 34 + 60 is past a 90-byte frame */
	ck_assert_int_eq(seg_refuse(g, 90, OFFLOAD_GSO_TCPV4, 60, SEG_MAX), OFFLOAD_E_TCP_HEADER);
	/* IPv6 with a fragment header, and with a hop-by-hop header before TCP */
	len = make_super(f, scapy_v6_0, 78, 0x10, 58, pay, sizeof(pay));
	memcpy(g, f, len);
	g[18 + 6] = 44;
	ck_assert_int_eq(seg_refuse(g, len, OFFLOAD_GSO_TCPV6, 60, SEG_MAX), OFFLOAD_E_IP_HEADER);
	{
		uint8_t h[300];
		uint8_t(*segs)[SEG_MAX] = malloc(4 * SEG_MAX);
		size_t seglen[4];

		/* 8-byte hop-by-hop (next: TCP, PadN) between IPv6 and TCP */
		memcpy(h, f, 58);
		h[18 + 6] = 0;
		h[58] = 6;
		h[59] = 0;
		h[60] = 1;
		h[61] = 4;
		memset(h + 62, 0, 4);
		memcpy(h + 66, f + 58, len - 58);
		ck_assert_uint_eq(cut(h, len + 8, OFFLOAD_GSO_TCPV6, 60, segs, seglen, 4), 2);
		ck_assert_uint_eq(g16(segs[0], 18 + 4), 8 + 20 + 60);
		ck_assert_uint_eq(segs[0][66 + 13], 0x10);
		free(segs);
	}
}
END_TEST

START_TEST(csum_complete_udp_vlan)
{
	/* 802.1Q, IPv4, UDP 8 + 11 bytes; field holds the pseudo-header sum (CHECKSUM_PARTIAL) */
	uint8_t f[] = {2,    0,	   0,	 0,    0,    2,	   2,	 0,   0,  0,  0,   1,
		       0x81, 0x00, 0x00, 0x0a, 0x08, 0x00, 0x45, 0,   0,  39, 0,   1,
		       0x40, 0,	   64,	 17,   0,    0,	   192,	 0,   2,  1,  192, 0,
		       2,    2,	   0x30, 0x39, 0x14, 0x51, 0,	 19,  0,  0,  'h', 'e',
		       'l',  'l',  'o',	 ' ',  'w',  'o',  'r',	 'l', 'd'};
	struct offload_vnet v = {.flags = OFFLOAD_F_NEEDS_CSUM, .csum_start = 38, .csum_offset = 6};
	enum offload_err why = OFFLOAD_OK;
	uint8_t copy[sizeof(f)];
	uint32_t psum = 17 + 19;

	psum = ref_sum(f + 18 + 12, 8, psum);
	f[44] = (uint8_t)(psum >> 8);
	f[45] = (uint8_t)psum;
	memcpy(copy, f, sizeof(f));
	/* no NEEDS_CSUM: untouched */
	v.flags = 0;
	ck_assert_int_eq(offload_csum_complete(copy, sizeof(copy), &v, &why), 0);
	ck_assert_mem_eq(copy, f, sizeof(f));
	v.flags = OFFLOAD_F_NEEDS_CSUM;
	ck_assert_int_eq(offload_csum_complete(copy, sizeof(copy), &v, &why), 0);
	/* verifies over pseudo-header + UDP, and only the checksum field changed */
	ck_assert_uint_eq(ref_sum(copy + 38, 19, 17 + 19 + ref_sum(f + 30, 8, 0)), 0xffff);
	ck_assert_mem_eq(copy, f, 44);
	ck_assert_mem_eq(copy + 46, f + 46, sizeof(f) - 46);
	ck_assert(copy[44] != f[44] || copy[45] != f[45]);
	/* offsets outside the frame */
	v.csum_offset = 18;
	ck_assert_int_eq(offload_csum_complete(copy, sizeof(copy), &v, &why), -1);
	ck_assert_int_eq(why, OFFLOAD_E_CSUM_OFFSETS);
	v.csum_start = 60;
	v.csum_offset = 0;
	ck_assert_int_eq(offload_csum_complete(copy, sizeof(copy), &v, &why), -1);
}
END_TEST

/* Segments of a big frame, coalesced again, cut again: the same segments. */
static void check_gro_roundtrip(int v6)
{
	size_t l3 = v6 ? 18 : 14, l4 = v6 ? 58 : 34, hdr = v6 ? 78 : 66, plen = 20000;
	uint8_t *super = malloc(OFFLOAD_SUPER_MAX), *out = malloc(OFFLOAD_SUPER_MAX);
	uint8_t(*segs)[SEG_MAX] = malloc(32 * SEG_MAX), (*again)[SEG_MAX] = malloc(32 * SEG_MAX);
	size_t seglen[32], seglen2[32], len = make_big(super, v6, plen), flen;
	struct offload_gro g;
	struct offload_vnet v;
	const uint8_t *frame;
	unsigned n, n2;

	super[l4 + 13] = 0x18; /* PSH ACK: GRO takes ACK and PSH only */
	n = cut(super, len, v6 ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4, 1400, segs, seglen, 32);
	offload_gro_init(&g, out, OFFLOAD_SUPER_MAX);
	ck_assert(offload_gro_empty(&g));
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(offload_gro_add(&g, segs[i], seglen[i]), 1);
	ck_assert(!offload_gro_empty(&g));
	ck_assert_int_eq(offload_gro_finish(&g, &v, &frame, &flen), 0);
	ck_assert(offload_gro_empty(&g));
	ck_assert_int_eq(offload_gro_finish(&g, &v, &frame, &flen), -1);
	ck_assert_uint_eq(flen, len);
	ck_assert_uint_eq(v.flags, OFFLOAD_F_NEEDS_CSUM);
	ck_assert_uint_eq(v.gso_type, v6 ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4);
	ck_assert_uint_eq(v.gso_size, 1400);
	ck_assert_uint_eq(v.hdr_len, hdr);
	ck_assert_uint_eq(v.csum_start, l4);
	ck_assert_uint_eq(v.csum_offset, 16);
	ck_assert_mem_eq(frame + hdr, super + hdr, plen);
	ck_assert_uint_eq(frame[l4 + 13], 0x18);
	/* the field is the pseudo-header sum, not complemented (CHECKSUM_PARTIAL) */
	if (v6)
		ck_assert_uint_eq(g16(frame, l4 + 16),
				  ref_sum(frame + l3 + 8, 32, 6 + (uint32_t)(flen - l4)));
	else
		ck_assert_uint_eq(g16(frame, l4 + 16),
				  ref_sum(frame + l3 + 12, 8, 6 + (uint32_t)(flen - l4)));
	if (!v6) {
		ck_assert_uint_eq(g16(frame, l3 + 2), flen - l3);
		ck_assert_uint_eq(ref_sum(frame + l3, 20, 0), 0xffff);
	} else {
		ck_assert_uint_eq(g16(frame, l3 + 4), flen - l3 - 40);
	}
	n2 = cut(frame, flen, v.gso_type, v.gso_size, again, seglen2, 32);
	ck_assert_uint_eq(n2, n);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(seglen2[i], seglen[i]);
		ck_assert_mem_eq(again[i], segs[i], seglen[i]);
	}
	free(super);
	free(out);
	free(segs);
	free(again);
}

START_TEST(gro_roundtrip_ipv4)
{
	check_gro_roundtrip(0);
}
END_TEST

START_TEST(gro_roundtrip_ipv6_vlan)
{
	check_gro_roundtrip(1);
}
END_TEST

START_TEST(gro_refusals)
{
	uint8_t *super = malloc(OFFLOAD_SUPER_MAX), *out = malloc(OFFLOAD_SUPER_MAX);
	uint8_t(*segs)[SEG_MAX] = malloc(16 * SEG_MAX), bad[SEG_MAX];
	size_t seglen[16], len = make_big(super, 0, 8000), flen;
	struct offload_gro g;
	struct offload_vnet v;
	const uint8_t *frame;
	unsigned n;

	super[34 + 13] = 0x10;
	n = cut(super, len, OFFLOAD_GSO_TCPV4, 1000, segs, seglen, 16);
	ck_assert_uint_eq(n, 8);
	offload_gro_init(&g, out, OFFLOAD_SUPER_MAX);

	/* a corrupt payload byte: never merged, not even to start a train */
	memcpy(bad, segs[0], seglen[0]);
	bad[100] ^= 1;
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[0]), 0);
	/* a corrupt IPv4 header checksum */
	memcpy(bad, segs[0], seglen[0]);
	bad[14 + 8] = 1; /* TTL */
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[0]), 0);
	ck_assert(offload_gro_empty(&g));

	ck_assert_int_eq(offload_gro_add(&g, segs[0], seglen[0]), 1);
	/* a gap (segment 2 after 0): not taken */
	ck_assert_int_eq(offload_gro_add(&g, segs[2], seglen[2]), 0);
	/* the same segment again (duplicate): not taken */
	ck_assert_int_eq(offload_gro_add(&g, segs[0], seglen[0]), 0);
	ck_assert_int_eq(offload_gro_add(&g, segs[1], seglen[1]), 1);
	/* a single held segment comes back as it was, DATA_VALID */
	{
		struct offload_gro g1;
		uint8_t out1[SEG_MAX];

		offload_gro_init(&g1, out1, sizeof(out1));
		ck_assert_int_eq(offload_gro_add(&g1, segs[3], seglen[3]), 1);
		ck_assert_int_eq(offload_gro_finish(&g1, &v, &frame, &flen), 0);
		ck_assert_uint_eq(v.flags, OFFLOAD_F_DATA_VALID);
		ck_assert_uint_eq(v.gso_type, OFFLOAD_GSO_NONE);
		ck_assert_uint_eq(flen, seglen[3]);
		ck_assert_mem_eq(frame, segs[3], flen);
		/* too small a buffer for two: the second is refused */
		offload_gro_init(&g1, out1, seglen[3] + 10);
		ck_assert_int_eq(offload_gro_add(&g1, segs[3], seglen[3]), 1);
		ck_assert_int_eq(offload_gro_add(&g1, segs[4], seglen[4]), 0);
	}
	/* another flow (port), SYN, FIN, no payload: refused */
	memcpy(bad, segs[2], seglen[2]);
	bad[34 + 1] ^= 1;
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[2]), 0);
	ck_assert_int_eq(offload_gro_add(&g, scapy_v4_0, sizeof(scapy_v4_0)), 0);
	ck_assert_int_eq(offload_gro_finish(&g, &v, &frame, &flen), 0);
	ck_assert_uint_eq(v.gso_type, OFFLOAD_GSO_TCPV4);
	ck_assert_uint_eq(flen, 66 + 2000);
	/* a shorter segment closes the train */
	ck_assert_int_eq(offload_gro_add(&g, segs[6], seglen[6]), 1);
	ck_assert_int_eq(offload_gro_add(&g, segs[7], seglen[7]), 1);
	memcpy(bad, segs[7], seglen[7]);
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[7]), 0);
	ck_assert_int_eq(offload_gro_finish(&g, &v, &frame, &flen), 0);
	ck_assert_uint_eq(v.gso_size, 1000);
	/* SYN */
	memcpy(bad, segs[0], seglen[0]);
	bad[34 + 13] = 0x12;
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[0]), 0);
	/* UDP is never coalesced */
	bad[23] = 17;
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[0]), 0);
	/* Ethernet padding after the IP packet */
	memcpy(bad, segs[0], seglen[0]);
	ck_assert_int_eq(offload_gro_add(&g, bad, seglen[0] + 4), 0);
	ck_assert(offload_gro_empty(&g));
	free(super);
	free(out);
	free(segs);
}
END_TEST

static Suite *offload_suite(void)
{
	Suite *s = suite_create("offload");
	TCase *tc = tcase_create("offload");

	tcase_add_test(tc, csum_rfc1071_example);
	tcase_add_test(tc, vnet_layout);
	tcase_add_test(tc, seg_scapy_ipv4);
	tcase_add_test(tc, seg_scapy_ipv6_vlan);
	tcase_add_test(tc, seg_big_ipv4);
	tcase_add_test(tc, seg_big_ipv6_vlan);
	tcase_add_test(tc, seg_refusals);
	tcase_add_test(tc, csum_complete_udp_vlan);
	tcase_add_test(tc, gro_roundtrip_ipv4);
	tcase_add_test(tc, gro_roundtrip_ipv6_vlan);
	tcase_add_test(tc, gro_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(offload_suite());
}
