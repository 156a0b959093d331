/*
 * What the BPF_PROG_TEST_RUN fixtures of the eBPF data path share
 * (test_bpf_fastpath.c receive, test_bpf_fastpath_tx.c transmit, loader and
 * attach, test_bpf_fastpath_interop.c captures): packets built from their
 * parameters through struct wbuf, running a program on one, the expected
 * outcomes, and the Check fixture that loads the real programs through the
 * loader.  Needs root (CAP_BPF + CAP_NET_ADMIN): without it the fixture
 * fails, it does not skip.
 *
 * Verdicts: XDP_REDIRECT / TC_ACT_REDIRECT = delivered into the port,
 * XDP_PASS / TC_ACT_OK = left to the slow path (packet untouched),
 * XDP_DROP / TC_ACT_SHOT = dropped (old sequence number).
 */
#ifndef L2PW_TEST_BPF_FIXTURE_H
#define L2PW_TEST_BPF_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>
#include <sched.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
/* libpcap's classic-BPF header clashes with linux/bpf.h; we filter nothing */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>

#include "buf.h"
#include "check_main.h"
#include "loader.h"

#define PKT_MAX	   2048
#define LO_IFINDEX 1 /* test_run skbs live on lo; the devmap needs a real device */
#define SLOT	   7

static struct fastpath *fp;

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t v4_local[4] = {198, 18, 0, 1};
static const uint8_t v4_peer[4] = {198, 18, 0, 2};
static const uint8_t v6_local[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_peer[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t cookie8[8] = {0xc0, 0x0c, 0x1e, 0x55, 0xa1, 0xb2, 0xc3, 0xd4};

/* ---- packet building (struct wbuf) ---- */

static inline uint16_t csum16(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Recompute the header checksum of the outer IPv4 header at pkt + 14. */
static inline void ipv4_fix_csum(uint8_t *pkt)
{
	uint16_t c;

	pkt[14 + 10] = 0;
	pkt[14 + 11] = 0;
	c = csum16(pkt + 14, 20);
	pkt[14 + 10] = (uint8_t)(c >> 8);
	pkt[14 + 11] = (uint8_t)c;
}

/* An Ethernet frame carrying IPv4/ICMP (or any ethertype) of len bytes. */
static inline size_t inner_frame(uint8_t *out, size_t len, uint16_t type, uint8_t fill)
{
	struct wbuf w;
	size_t i;

	wbuf_init(&w, out, PKT_MAX);
	wbuf_add_bytes(&w, mac_b, 6);
	wbuf_add_bytes(&w, mac_a, 6);
	wbuf_add_n16(&w, type);
	if (type == 0x0800) {
		wbuf_add_n8(&w, 0x45);
		wbuf_add_n8(&w, 0);
		wbuf_add_n16(&w, (uint16_t)(len - 14));
		wbuf_add_n32(&w, 0x12340000);
		wbuf_add_n16(&w, 0x4001); /* TTL 64, ICMP */
		wbuf_add_n16(&w, 0);
		wbuf_add_n32(&w, 0xc0000201); /* 192.0.2.1 -> 192.0.2.2 */
		wbuf_add_n32(&w, 0xc0000202);
		wbuf_set_n16(&w, 24, csum16(out + 14, 20));
	}
	for (i = w.len; i < len; i++)
		wbuf_add_n8(&w, (uint8_t)(fill + i));
	ck_assert_int_eq(w.err, 0);
	return w.len;
}

struct outer {
	int v6;
	int udp;
	uint16_t id; /* IPv4 identification */
	const uint8_t *dmac, *smac;
	uint8_t ttl;
	uint16_t sport, dport;
};

/* Outer Ethernet + IP (+ UDP); lengths patched by outer_end(). */
static inline void outer_begin(struct wbuf *w, const struct outer *o, uint8_t proto)
{
	static const uint8_t zero[6];

	wbuf_add_bytes(w, o->dmac ? o->dmac : zero, 6);
	wbuf_add_bytes(w, o->smac ? o->smac : zero, 6);
	wbuf_add_n16(w, o->v6 ? 0x86dd : 0x0800);
	if (o->v6) {
		wbuf_add_n32(w, 0x60000000);
		wbuf_add_n16(w, 0);
		wbuf_add_n8(w, o->udp ? 17 : proto);
		wbuf_add_n8(w, o->ttl ? o->ttl : 64);
		wbuf_add_bytes(w, v6_peer, 16);
		wbuf_add_bytes(w, v6_local, 16);
	} else {
		wbuf_add_n16(w, 0x4500);
		wbuf_add_n16(w, 0);
		wbuf_add_n16(w, o->id);
		wbuf_add_n16(w, 0);
		wbuf_add_n8(w, o->ttl ? o->ttl : 64);
		wbuf_add_n8(w, o->udp ? 17 : proto);
		wbuf_add_n16(w, 0);
		wbuf_add_bytes(w, v4_peer, 4);
		wbuf_add_bytes(w, v4_local, 4);
	}
	if (o->udp) {
		wbuf_add_n16(w, o->sport ? o->sport : 1701);
		wbuf_add_n16(w, o->dport ? o->dport : 1701);
		wbuf_add_n32(w, 0); /* length, checksum 0 */
	}
}

static inline void outer_end(struct wbuf *w, const struct outer *o)
{
	size_t l3 = o->v6 ? 40 : 20;

	if (o->v6) {
		wbuf_set_n16(w, 14 + 4, (uint16_t)(w->len - 14 - 40));
	} else {
		wbuf_set_n16(w, 14 + 2, (uint16_t)(w->len - 14));
		wbuf_set_n16(w, 14 + 10, csum16(w->p + 14, 20));
	}
	if (o->udp)
		wbuf_set_n16(w, 14 + l3 + 4, (uint16_t)(w->len - 14 - l3));
}

struct v3 {
	struct outer o;
	uint32_t session_id;
	uint8_t cookie_len;
	const uint8_t *cookie;
	int sublayer;
	int seq; /* S bit set, Ns = ns */
	uint32_t ns;
};

/* RFC 3931 4.1.1.1 (IP) / 4.1.2.1 (UDP) data message around frame. */
static inline size_t build_v3(uint8_t *out, const struct v3 *p, const uint8_t *frame, size_t flen)
{
	struct wbuf w;

	wbuf_init(&w, out, PKT_MAX);
	outer_begin(&w, &p->o, 115);
	if (p->o.udp)
		wbuf_add_n32(&w, 0x00030000);
	wbuf_add_n32(&w, p->session_id);
	wbuf_add_bytes(&w, p->cookie, p->cookie_len);
	if (p->sublayer)
		wbuf_add_n32(&w, p->seq ? 0x40000000u | (p->ns & 0xffffff) : 0);
	wbuf_add_bytes(&w, frame, flen);
	outer_end(&w, &p->o);
	ck_assert_int_eq(w.err, 0);
	return w.len;
}

struct v2 {
	struct outer o;
	uint16_t tunnel_id, session_id;
	int len_bit, seq_bit, off_bit;
	uint16_t ns, off_pad;
	int acfc;	/* no FF 03 */
	int pfc;	/* 1-byte protocol */
	uint16_t proto; /* 0x0031 unless testing others */
	uint8_t bcp_flags;
	uint8_t bcp_mac;
	int control; /* T bit */
};

/* RFC 2661 3.1 data message, PPP, RFC 3518 bridged frame. */
static inline size_t build_v2(uint8_t *out, const struct v2 *p, const uint8_t *frame, size_t flen)
{
	uint16_t flags = 0x0002;
	size_t l2tp_at, len_at = 0;
	struct wbuf w;

	wbuf_init(&w, out, PKT_MAX);
	outer_begin(&w, &p->o, 17);
	l2tp_at = w.len;
	if (p->control)
		flags |= 0x8000 | 0x4000 | 0x0800;
	if (p->len_bit)
		flags |= 0x4000;
	if (p->seq_bit)
		flags |= 0x0800;
	if (p->off_bit)
		flags |= 0x0200;
	wbuf_add_n16(&w, flags);
	if (flags & 0x4000)
		wbuf_reserve(&w, 2, &len_at);
	wbuf_add_n16(&w, p->tunnel_id);
	wbuf_add_n16(&w, p->session_id);
	if (flags & 0x0800) {
		wbuf_add_n16(&w, p->ns);
		wbuf_add_n16(&w, 0);
	}
	if (p->off_bit) {
		wbuf_add_n16(&w, p->off_pad);
		wbuf_add_zero(&w, p->off_pad);
	}
	if (!p->acfc) {
		wbuf_add_n8(&w, 0xff);
		wbuf_add_n8(&w, 0x03);
	}
	if (p->pfc)
		wbuf_add_n8(&w, (uint8_t)p->proto);
	else
		wbuf_add_n16(&w, p->proto);
	if (p->proto == 0x0031) {
		wbuf_add_n8(&w, p->bcp_flags);
		wbuf_add_n8(&w, p->bcp_mac);
	}
	wbuf_add_bytes(&w, frame, flen);
	if (flags & 0x4000)
		wbuf_set_n16(&w, len_at, (uint16_t)(w.len - l2tp_at));
	outer_end(&w, &p->o);
	ck_assert_int_eq(w.err, 0);
	return w.len;
}

/* ---- running programs ---- */

struct run {
	uint32_t retval;
	uint32_t len;
	uint8_t out[PKT_MAX + 256];
};

static inline void run_prog(enum fastpath_prog prog, const uint8_t *in, size_t len, struct run *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	int err = bpf_prog_test_run_opts(fastpath_prog_fd(fp, prog), &o);

	ck_assert_msg(err == 0, "test_run prog %d, %zu bytes: %s", prog, len, strerror(-err));
	r->retval = o.retval;
	r->len = o.data_size_out;
}

static inline uint64_t reason_count(unsigned int reason)
{
	uint64_t r[L2PW_R_MAX];

	ck_assert_int_eq(fastpath_reasons(fp, r), 0);
	return r[reason];
}

static inline void rx_session(struct l2pw_rx_session *s, uint16_t flags, uint8_t cookie_len)
{
	memset(s, 0, sizeof(*s));
	s->ifindex = LO_IFINDEX;
	s->slot = SLOT;
	s->flags = flags;
	s->cookie_len = cookie_len;
	memcpy(s->cookie, cookie8, cookie_len);
}

/* Both decap programs deliver exactly frame. */
static inline void expect_delivered(const uint8_t *pkt, size_t len, const uint8_t *frame,
				    size_t flen)
{
	struct run r;

	run_prog(FASTPATH_PROG_XDP_RX, pkt, len, &r);
	ck_assert_uint_eq(r.retval, XDP_REDIRECT);
	ck_assert_uint_eq(r.len, flen);
	ck_assert_mem_eq(r.out, frame, flen);

	run_prog(FASTPATH_PROG_TC_RX, pkt, len, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(r.len, flen);
	ck_assert_mem_eq(r.out, frame, flen);
}

/* prog leaves pkt untouched with verdict, counted once under reason. */
static inline void expect_untouched(enum fastpath_prog prog, uint32_t verdict, const uint8_t *pkt,
				    size_t len, unsigned int reason)
{
	uint64_t before = reason_count(reason);
	struct run r;

	run_prog(prog, pkt, len, &r);
	ck_assert_uint_eq(r.retval, verdict);
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(r.out, pkt, len);
	ck_assert_uint_eq(reason_count(reason), before + 1);
}

/* Both decap programs leave pkt to the slow path. */
static inline void expect_passed(const uint8_t *pkt, size_t len, unsigned int reason)
{
	expect_untouched(FASTPATH_PROG_XDP_RX, XDP_PASS, pkt, len, reason);
	/* test_run refuses skbs without a whole IPv4/IPv6 header */
	if (len >= 14 + (pkt[12] == 0x86 ? 40u : 20u))
		expect_untouched(FASTPATH_PROG_TC_RX, TC_ACT_OK, pkt, len, reason);
}

static inline void v3_passed(const struct v3 *p, const uint8_t *frame, size_t flen,
			     unsigned int reason)
{
	uint8_t pkt[PKT_MAX];

	expect_passed(pkt, build_v3(pkt, p, frame, flen), reason);
}

static inline void v2_passed(const struct v2 *p, const uint8_t *frame, size_t flen,
			     unsigned int reason)
{
	uint8_t pkt[PKT_MAX];

	expect_passed(pkt, build_v2(pkt, p, frame, flen), reason);
}

static inline void setup(void)
{
	int err = 0;

	fp = fastpath_open(NULL, &err);
	ck_assert_msg(fp != NULL, "fastpath_open: %s (root and BPF needed)", strerror(-err));
	ck_assert_int_eq(fastpath_port_add(fp, LO_IFINDEX), 0);
	ck_assert_int_eq(fastpath_slot_reset(fp, SLOT), 0);
}

static inline void teardown(void)
{
	fastpath_close(fp);
	fp = NULL;
}

/* ---- transmit ---- */

/* The template is what the builder writes for an empty frame. */
static inline void tx_template(struct l2pw_tx_session *t, const uint8_t *hdr_pkt,
			       size_t hdr_pkt_len, uint16_t flags)
{
	memset(t, 0, sizeof(*t));
	t->wan_ifindex = LO_IFINDEX;
	t->slot = SLOT;
	t->flags = flags;
	t->hdr_len = (uint8_t)(hdr_pkt_len - 14);
	memcpy(t->hdr, hdr_pkt + 14, t->hdr_len);
}

/* The encap leaves frame to the slow path. */
static inline void expect_tx_passed(const uint8_t *frame, size_t flen, unsigned int reason)
{
	expect_untouched(FASTPATH_PROG_TC_TX, TC_ACT_OK, frame, flen, reason);
}

/* Run the encap; the expected packet is rebuilt with the id the program
 * chose (random), so length, checksum and every other byte must match. */
static inline void expect_encap(const uint8_t *frame, size_t flen, struct v3 *p3, struct v2 *p2)
{
	uint8_t want[PKT_MAX];
	struct outer *o = p3 ? &p3->o : &p2->o;
	struct run r;
	size_t len;

	run_prog(FASTPATH_PROG_TC_TX, frame, flen, &r);
	ck_assert_uint_eq(r.retval, TC_ACT_REDIRECT);
	if (!o->v6)
		o->id = (uint16_t)(r.out[18] << 8 | r.out[19]);
	len = p3 ? build_v3(want, p3, frame, flen) : build_v2(want, p2, frame, flen);
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(r.out, want, len);
}

/*
 * main() of a fixture program: the tests in one test case named tcname
 * (timeout in seconds, 0: Check's default), each between setup() and
 * teardown(); the exit status says whether all passed.
 */
static inline int bpf_fixture_main(const char *name, const char *tcname, const TTest *const *tests,
				   size_t n, int timeout)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(tcname);
	size_t i;

	tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout)
		tcase_set_timeout(tc, timeout);
	for (i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}

#endif
