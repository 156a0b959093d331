/*
 * BCP (RFC 3518): option negotiation against what RouterOS, Cisco and
 * freeRtr send (bad lengths, rejects, Naks, both Management-Inline forms),
 * and the bridged-frame codec (flags, pads, LAN FCS, Tinygram).
 */
#include <check.h>
#include <string.h>

#include "bcp.h"

struct out {
	uint8_t pkt[256];
	size_t len;
	int n;
};

static void out_send(void *ctx, uint16_t proto, const uint8_t *p, size_t len)
{
	struct out *o = ctx;

	ck_assert_uint_eq(proto, PPP_PROTO_BCP);
	ck_assert_uint_le(len, sizeof(o->pkt));
	memcpy(o->pkt, p, len);
	o->len = len;
	o->n++;
}

static const struct fsm_io out_io = {.send = out_send};

static void setup(struct bcp *b, struct out *o, const struct bcp_params *p)
{
	memset(o, 0, sizeof(*o));
	bcp_init(b, p, NULL, NULL, &out_io, o);
	fsm_open(&b->fsm, 0);
	fsm_lower_up(&b->fsm, 0);
}

static void feed(struct bcp *b, uint8_t code, uint8_t id, const uint8_t *opts, size_t n)
{
	uint8_t pkt[128];

	pkt[0] = code;
	pkt[1] = id;
	pkt[2] = 0;
	pkt[3] = (uint8_t)(n + 4);
	if (n)
		memcpy(pkt + 4, opts, n);
	fsm_input(&b->fsm, pkt, n + 4, 0);
}

/* freeRtr's Configure-Request, byte for byte from the captures. */
static const uint8_t freertr_opts[] = {0x08, 0x03, 0x01, 0x09, 0x02, 0x0a, 0x02};

START_TEST(request_like_freertr)
{
	struct bcp_params p = {.tagged = 1, .mgmt_inline = 1, .bcp_ind = 1};
	struct bcp b;
	struct out o;

	setup(&b, &o, &p);
	ck_assert_uint_eq(o.pkt[0], FSM_CONFREQ);
	ck_assert_uint_eq(o.len, 4 + sizeof(freertr_opts));
	ck_assert_mem_eq(o.pkt + 4, freertr_opts, sizeof(freertr_opts));
}
END_TEST

START_TEST(acks_freertr_and_opens)
{
	struct bcp_params p = {.tagged = 1};
	struct bcp b;
	struct out o;
	uint8_t ours[8];
	size_t ol;

	setup(&b, &o, &p);
	ol = o.len - 4;
	memcpy(ours, o.pkt + 4, ol);
	feed(&b, FSM_CONFREQ, 0x1e, freertr_opts, sizeof(freertr_opts));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFACK);
	ck_assert_uint_eq(o.pkt[1], 0x1e);
	ck_assert_mem_eq(o.pkt + 4, freertr_opts, sizeof(freertr_opts));
	ck_assert_int_eq(b.his.tagged, 1);
	ck_assert_int_eq(b.his.mgmt_inline, 1);
	ck_assert_int_eq(b.his.bcp_ind, 1);
	feed(&b, FSM_CONFACK, b.fsm.reqid, ours, ol);
	ck_assert_int_eq(fsm_state(&b.fsm), FSM_OPENED);
}
END_TEST

START_TEST(three_byte_mgmt_inline_accepted)
{
	static const uint8_t opts[] = {0x09, 0x03, 0x00, 0x0a, 0x03, 0x00};
	struct bcp_params p = {0};
	struct bcp b;
	struct out o;

	setup(&b, &o, &p);
	/* An empty request of ours: nothing to ask. */
	ck_assert_uint_eq(o.len, 4);
	feed(&b, FSM_CONFREQ, 3, opts, sizeof(opts));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFACK);
	ck_assert_int_eq(b.his.mgmt_inline, 1);
	ck_assert_int_eq(b.his.bcp_ind, 1);
}
END_TEST

START_TEST(empty_request_acked)
{
	struct bcp_params p = {.tagged = 1};
	struct bcp b;
	struct out o;

	setup(&b, &o, &p);
	feed(&b, FSM_CONFREQ, 9, NULL, 0);
	ck_assert_uint_eq(o.pkt[0], FSM_CONFACK);
	ck_assert_uint_eq(o.len, 4);
}
END_TEST

START_TEST(rejects_what_we_do_not_do)
{
	/* Bridge-Id, Line-Id, LAN-Id, MAC-Support FDDI, zero MAC-Address, unknown 42. */
	static const uint8_t opts[] = {0x01, 0x04, 0x00, 0x11, 0x02, 0x04, 0x00, 0x22, 0x05, 0x06,
				       0,    0,	   0,	 1,    0x03, 0x03, 0x04, 0x06, 0x08, 0,
				       0,    0,	   0,	 0,    0,    0x2a, 0x02, 0x08, 0x03, 0x01};
	static const uint8_t want[] = {0x01, 0x04, 0x00, 0x11, 0x02, 0x04, 0x00, 0x22, 0x05,
				       0x06, 0,	   0,	 0,    1,    0x03, 0x03, 0x04, 0x06,
				       0x08, 0,	   0,	 0,    0,    0,	   0,	 0x2a, 0x02};
	struct bcp_params p = {.tagged = 1};
	struct bcp b;
	struct out o;

	setup(&b, &o, &p);
	feed(&b, FSM_CONFREQ, 4, opts, sizeof(opts));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFREJ);
	ck_assert_uint_eq(o.len, 4 + sizeof(want));
	ck_assert_mem_eq(o.pkt + 4, want, sizeof(want));
}
END_TEST

START_TEST(accepts_cisco_style_options)
{
	static const uint8_t opts[] = {0x03, 0x03, 0x01, 0x04, 0x03, 0x02, 0x06, 0x08, 0x00,
				       0x11, 0x22, 0x33, 0x44, 0x55, 0x07, 0x03, 0x01};
	struct bcp_params p = {0};
	struct bcp b;
	struct out o;

	setup(&b, &o, &p);
	feed(&b, FSM_CONFREQ, 5, opts, sizeof(opts));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFACK);
	ck_assert_int_eq(b.his.mac_support, 1);
	ck_assert_int_eq(b.his.tinygram, 0);
	ck_assert_int_eq(b.his.has_mac, 1);
	ck_assert_uint_eq(b.his.mac[5], 0x55);
	ck_assert_int_eq(b.his.has_stp, 1);
}
END_TEST

START_TEST(bad_lengths)
{
	/* Tagged with length 2 (should be 3): rejected, not misread. */
	static const uint8_t short_tagged[] = {0x08, 0x02};
	/* Tinygram with value 3: Nak'ed to "disabled". */
	static const uint8_t odd_tiny[] = {0x04, 0x03, 0x03};
	/* An option of length 1 would loop a naive parser: the packet is dropped. */
	static const uint8_t len1[] = {0x08, 0x01, 0x01};
	/* Length past the end of the packet. */
	static const uint8_t overrun[] = {0x07, 0x09, 0x01};
	struct bcp_params p = {0};
	struct bcp b;
	struct out o;
	int sent;

	setup(&b, &o, &p);
	feed(&b, FSM_CONFREQ, 1, short_tagged, sizeof(short_tagged));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFREJ);
	ck_assert_mem_eq(o.pkt + 4, short_tagged, 2);
	feed(&b, FSM_CONFREQ, 2, odd_tiny, sizeof(odd_tiny));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFNAK);
	ck_assert_uint_eq(o.pkt[4 + 2], 2);
	sent = o.n;
	feed(&b, FSM_CONFREQ, 3, len1, sizeof(len1));
	feed(&b, FSM_CONFREQ, 4, overrun, sizeof(overrun));
	ck_assert_int_eq(o.n, sent);
	ck_assert_uint_eq(b.fsm.stats.drop_bad_ci, 2);
}
END_TEST

START_TEST(peer_rejects_our_options)
{
	static const uint8_t rej[] = {0x09, 0x02, 0x0a, 0x02};
	static const uint8_t foreign[] = {0x07, 0x03, 0x01};
	struct bcp_params p = {.tagged = 1, .mgmt_inline = 1, .bcp_ind = 1};
	struct bcp b;
	struct out o;

	setup(&b, &o, &p);
	/* A Reject naming an option we never asked for is bogus: dropped. */
	feed(&b, FSM_CONFREJ, b.fsm.reqid, foreign, sizeof(foreign));
	ck_assert_uint_eq(b.fsm.stats.drop_bad_ci, 1);
	feed(&b, FSM_CONFREJ, b.fsm.reqid, rej, sizeof(rej));
	ck_assert_uint_eq(o.pkt[0], FSM_CONFREQ);
	ck_assert_uint_eq(o.len, 4 + 3);
	ck_assert_uint_eq(o.pkt[4], BCP_OPT_TAGGED);
	/* Nak of Tagged-Frame to "disabled": we stop asking. */
	{
		static const uint8_t nak[] = {0x08, 0x03, 0x02};

		feed(&b, FSM_CONFNAK, b.fsm.reqid, nak, sizeof(nak));
		ck_assert_uint_eq(o.len, 4);
	}
}
END_TEST

/* ---- frame codec ---- */

static void eth_frame(uint8_t *f, size_t n, uint16_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		f[i] = (uint8_t)(i * 13 + 1);
	f[0] = 0x00;
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
}

START_TEST(round_trip_plain)
{
	static const size_t sizes[] = {14, 60, 64, 1514, 1518};
	uint8_t f[1518], enc[1600], dec[1600];
	struct bcp_enc e = {0};
	struct wbuf w;
	struct buf b;
	size_t i, n;
	uint8_t flags;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		eth_frame(f, sizes[i], 0x0800);
		wbuf_init(&w, enc, sizeof(enc));
		ck_assert_int_eq(bcp_frame_encode(&w, f, sizes[i], &e), 0);
		ck_assert_uint_eq(w.len, sizes[i] + 2);
		ck_assert_uint_eq(enc[0], 0x00);
		ck_assert_uint_eq(enc[1], 0x01);
		buf_init(&b, enc, w.len);
		ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, &flags), BCP_FRAME_OK);
		ck_assert_uint_eq(n, sizes[i]);
		ck_assert_mem_eq(dec, f, n);
	}
}
END_TEST

START_TEST(round_trip_fcs)
{
	/* The 802.3 CRC-32 check value of "123456789". */
	ck_assert_uint_eq(bcp_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
	{
		uint8_t f[100], enc[200], dec[200];
		struct bcp_enc e = {.fcs = 1};
		struct wbuf w;
		struct buf b;
		size_t n;

		eth_frame(f, sizeof(f), 0x86dd);
		wbuf_init(&w, enc, sizeof(enc));
		ck_assert_int_eq(bcp_frame_encode(&w, f, sizeof(f), &e), 0);
		ck_assert_uint_eq(enc[0], BCP_F_FCS);
		ck_assert_uint_eq(w.len, 2 + sizeof(f) + 4);
		buf_init(&b, enc, w.len);
		ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_OK);
		ck_assert_uint_eq(n, sizeof(f));
		ck_assert_mem_eq(dec, f, n);
		/* One flipped bit: the FCS catches it. */
		enc[50] ^= 0x10;
		buf_init(&b, enc, w.len);
		ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_FCS);
	}
}
END_TEST

START_TEST(tinygram_and_pads)
{
	uint8_t f[60], enc[100], dec[100];
	struct bcp_enc e = {.tinygram = 1};
	struct wbuf w;
	struct buf b;
	size_t n;

	/* An 802.3 frame (length 20) padded with zeros to 60. */
	memset(f, 0, sizeof(f));
	eth_frame(f, 34, 20);
	wbuf_init(&w, enc, sizeof(enc));
	ck_assert_int_eq(bcp_frame_encode(&w, f, sizeof(f), &e), 0);
	ck_assert_uint_eq(enc[0], BCP_F_ZERO);
	ck_assert_uint_eq(w.len, 2 + 34);
	buf_init(&b, enc, w.len);
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_OK);
	ck_assert_uint_eq(n, 60);
	ck_assert_mem_eq(dec, f, 60);
	/* Ethernet II frames cannot be told from their padding: left alone. */
	eth_frame(f, 60, 0x0806);
	wbuf_init(&w, enc, sizeof(enc));
	bcp_frame_encode(&w, f, sizeof(f), &e);
	ck_assert_uint_eq(enc[0], 0);
	ck_assert_uint_eq(w.len, 62);
	/* Pads: three bytes of PPP padding stripped. */
	enc[0] = 3;
	enc[62] = enc[63] = enc[64] = 0xee;
	buf_init(&b, enc, 65);
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_OK);
	ck_assert_uint_eq(n, 60);
	ck_assert_mem_eq(dec, f, 60);
}
END_TEST

START_TEST(bridge_control_flag)
{
	uint8_t f[60], enc[100];
	struct bcp_enc e = {.bcp_ind = 1};
	struct wbuf w;

	eth_frame(f, sizeof(f), 0x0026);
	memcpy(f, "\x01\x80\xc2\x00\x00\x00", 6);
	wbuf_init(&w, enc, sizeof(enc));
	bcp_frame_encode(&w, f, sizeof(f), &e);
	ck_assert_uint_eq(enc[0], BCP_F_BCTL);
	e.bcp_ind = 0;
	wbuf_init(&w, enc, sizeof(enc));
	bcp_frame_encode(&w, f, sizeof(f), &e);
	ck_assert_uint_eq(enc[0], 0);
}
END_TEST

START_TEST(decode_errors)
{
	static const uint8_t one[] = {0x00};
	static const uint8_t fddi[] = {0x00, 0x04, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
	static const uint8_t pads[] = {0x0f, 0x01, 1, 2, 3};
	static const uint8_t tiny[] = {0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
	static const uint8_t fcs_short[] = {0x80, 0x01, 1,  2,	3,  4,	5,  6,	7,
					    8,	  9,	10, 11, 12, 13, 14, 15, 16};
	uint8_t dec[32], big[100];
	struct buf b;
	size_t n;

	buf_init(&b, one, sizeof(one));
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_SHORT);
	buf_init(&b, fddi, sizeof(fddi));
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_MAC_TYPE);
	buf_init(&b, pads, sizeof(pads));
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_PADS);
	buf_init(&b, tiny, sizeof(tiny));
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_SHORT);
	buf_init(&b, fcs_short, sizeof(fcs_short));
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_SHORT);
	memset(big, 0, sizeof(big));
	big[1] = 1;
	buf_init(&b, big, sizeof(big));
	ck_assert_int_eq(bcp_frame_decode(&b, dec, sizeof(dec), &n, NULL), BCP_FRAME_TOO_BIG);
}
END_TEST

static Suite *bcp_suite(void)
{
	Suite *s = suite_create("bcp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, request_like_freertr);
	tcase_add_test(tc, acks_freertr_and_opens);
	tcase_add_test(tc, three_byte_mgmt_inline_accepted);
	tcase_add_test(tc, empty_request_acked);
	tcase_add_test(tc, rejects_what_we_do_not_do);
	tcase_add_test(tc, accepts_cisco_style_options);
	tcase_add_test(tc, bad_lengths);
	tcase_add_test(tc, peer_rejects_our_options);
	tcase_add_test(tc, round_trip_plain);
	tcase_add_test(tc, round_trip_fcs);
	tcase_add_test(tc, tinygram_and_pads);
	tcase_add_test(tc, bridge_control_flag);
	tcase_add_test(tc, decode_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
