/*
 * L2TP data plane codec: TX templates, RX verification with each drop
 * reason, sequencing (RFC 3931 §4.6 / RFC 4719 §4), L2TPv2 data headers.
 * Expected header bytes follow the wire facts of tests/interop/INDEX.md
 * (Linux 6.1: `0003 0000` + session id over UDP, sublayer `40` + 24-bit Ns).
 */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "l2tp_data.h"

static const uint8_t cookie8[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static size_t frame_out(struct l2tp_data_tx *t, uint8_t *mem, size_t cap, const char *payload)
{
	struct wbuf w;

	wbuf_init(&w, mem, cap);
	ck_assert_int_eq(l2tp_data_tx_header(t, &w), 0);
	ck_assert_int_eq(wbuf_add_bytes(&w, payload, strlen(payload)), 0);
	return w.len;
}

START_TEST(tx_templates)
{
	struct l2tp_data_params p = {.encap = L2TP_ENCAP_UDP, .session_id = 2002};
	struct l2tp_data_tx t;
	uint8_t m[64];
	static const uint8_t udp_plain[] = {0, 3, 0, 0, 0, 0, 0x07, 0xd2, 'h', 'i'};
	static const uint8_t ip_c8_seq[] = {0, 0, 0x07, 0xd2, 1, 2, 3, 4,   5,
					    6, 7, 8,	0x40, 0, 0, 0, 'h', 'i'};
	static const uint8_t udp_l2spec[] = {0, 3, 0, 0, 0, 0, 0x07, 0xd2, 0, 0, 0, 0, 'h', 'i'};

	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);
	ck_assert_uint_eq(t.len, 8);
	ck_assert_uint_eq(frame_out(&t, m, sizeof(m), "hi"), sizeof(udp_plain));
	ck_assert_mem_eq(m, udp_plain, sizeof(udp_plain));

	p.sublayer = 1;
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);
	ck_assert_uint_eq(frame_out(&t, m, sizeof(m), "hi"), sizeof(udp_l2spec));
	ck_assert_mem_eq(m, udp_l2spec, sizeof(udp_l2spec));

	p.encap = L2TP_ENCAP_IP;
	p.cookie_len = 8;
	memcpy(p.cookie, cookie8, 8);
	p.seq = 1;
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);
	ck_assert_uint_eq(t.len, 16);
	ck_assert_uint_eq(frame_out(&t, m, sizeof(m), "hi"), sizeof(ip_c8_seq));
	ck_assert_mem_eq(m, ip_c8_seq, sizeof(ip_c8_seq));
	/* per frame only the number moves */
	frame_out(&t, m, sizeof(m), "hi");
	ck_assert_uint_eq(m[15], 1);
	/* 24-bit wrap */
	t.ns = 0xffffff;
	frame_out(&t, m, sizeof(m), "hi");
	ck_assert_mem_eq(m + 12, "\x40\xff\xff\xff", 4);
	frame_out(&t, m, sizeof(m), "hi");
	ck_assert_mem_eq(m + 12, "\x40\x00\x00\x00", 4);

	/* bad parameters */
	p.cookie_len = 5;
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), -1);
	p.cookie_len = 4;
	p.sublayer = 0; /* seq without sublayer */
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), -1);
	p.seq = 0;
	p.session_id = 0; /* session 0 over IP is control */
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), -1);
	p.encap = L2TP_ENCAP_UDP;
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);

	/* no room */
	{
		struct wbuf w;

		p.session_id = 1;
		ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);
		wbuf_init(&w, m, 5);
		ck_assert_int_eq(l2tp_data_tx_header(&t, &w), -1);
	}
}
END_TEST

START_TEST(peek)
{
	static const uint8_t udp_data[] = {0, 3, 0, 0, 0, 0, 0x03, 0xe9, 'x'};
	static const uint8_t udp_ctrl[] = {0xc8, 3, 0, 12};
	static const uint8_t udp_v2[] = {0, 2, 0, 1, 0, 1};
	static const uint8_t ip_ctrl[] = {0, 0, 0, 0, 0xc8, 3};
	struct buf b;
	uint32_t sid = 0;
	enum l2tp_data_drop why;

	buf_init(&b, udp_data, sizeof(udp_data));
	ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_UDP, &b, &sid, &why), 0);
	ck_assert_uint_eq(sid, 1001);
	ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_IP, &b, &sid, &why), 0);
	ck_assert_uint_eq(sid, 0x00030000);
	buf_init(&b, udp_ctrl, sizeof(udp_ctrl));
	ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_UDP, &b, &sid, &why), 1);
	buf_init(&b, udp_v2, sizeof(udp_v2));
	ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_UDP, &b, &sid, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_BAD_FLAGS);
	buf_init(&b, ip_ctrl, sizeof(ip_ctrl));
	ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_IP, &b, &sid, &why), 1);
	for (size_t n = 0; n < 8; n++) {
		buf_init(&b, udp_data, n);
		ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_UDP, &b, &sid, &why), -1);
		ck_assert_int_eq(why, L2TP_DATA_SHORT);
	}
	for (size_t n = 0; n < 4; n++) {
		buf_init(&b, udp_data, n);
		ck_assert_int_eq(l2tp_data_peek(L2TP_ENCAP_IP, &b, &sid, &why), -1);
	}
	ck_assert_str_eq(l2tp_data_drop_name(L2TP_DATA_SEQ_BEHIND), "seq-out-of-order");
	for (int d = 0; d <= L2TP_DATA_DROP_COUNT; d++)
		ck_assert_ptr_nonnull(l2tp_data_drop_name((enum l2tp_data_drop)d));
}
END_TEST

/* Encode with one session's parameters, decode with the matching expectations. */
START_TEST(rx_roundtrip_and_drops)
{
	struct l2tp_data_params p = {.encap = _i ? L2TP_ENCAP_IP : L2TP_ENCAP_UDP,
				     .session_id = 77,
				     .cookie_len = 8,
				     .sublayer = 1,
				     .seq = 1};
	struct l2tp_data_rx rx = {.cookie_len = 8, .sublayer = 1, .seq = 1};
	struct l2tp_data_tx t;
	enum l2tp_data_drop why;
	struct buf b, f;
	uint8_t m[64];
	size_t n;
	int32_t ns;

	memcpy(p.cookie, cookie8, 8);
	memcpy(rx.cookie, cookie8, 8);
	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);
	n = frame_out(&t, m, sizeof(m), "frame");
	buf_init(&b, m, n);
	ck_assert_int_eq(l2tp_data_rx(&rx, p.encap, &b, &f, &ns, &why), 0);
	ck_assert_int_eq(why, L2TP_DATA_OK);
	ck_assert_int_eq(ns, 0);
	ck_assert_uint_eq(buf_left(&f), 5);
	ck_assert_mem_eq(buf_cur(&f), "frame", 5);

	/* truncated inside the cookie, then inside the sublayer */
	buf_init(&b, m, t.len - 5);
	ck_assert_int_eq(l2tp_data_rx(&rx, p.encap, &b, &f, &ns, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_SHORT);
	buf_init(&b, m, t.len - 2);
	ck_assert_int_eq(l2tp_data_rx(&rx, p.encap, &b, &f, &ns, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_MISSING_SUBLAYER);

	/* wrong cookie */
	m[t.len - 5] ^= 1;
	buf_init(&b, m, n);
	ck_assert_int_eq(l2tp_data_rx(&rx, p.encap, &b, &f, &ns, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_BAD_COOKIE);
	m[t.len - 5] ^= 1;

	/* S bit clear while sequencing is required */
	m[t.len - 4] = 0;
	buf_init(&b, m, n);
	ck_assert_int_eq(l2tp_data_rx(&rx, p.encap, &b, &f, &ns, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_MISSING_SEQ);
	/* ... which is fine when not required: the number is then undefined and ignored */
	rx.seq = 0;
	ck_assert_int_eq(l2tp_data_rx(&rx, p.encap, &b, &f, &ns, &why), 0);
	ck_assert_int_eq(ns, -1);
}
END_TEST

static int rx_seq(struct l2tp_data_rx *rx, uint32_t ns, enum l2tp_data_drop *why)
{
	struct l2tp_data_params p = {
	    .encap = L2TP_ENCAP_UDP, .session_id = 9, .sublayer = 1, .seq = 1};
	struct l2tp_data_tx t;
	struct buf b, f;
	uint8_t m[32];
	size_t n;

	ck_assert_int_eq(l2tp_data_tx_init(&t, &p), 0);
	t.ns = ns;
	n = frame_out(&t, m, sizeof(m), "x");
	buf_init(&b, m, n);
	return l2tp_data_rx(rx, L2TP_ENCAP_UDP, &b, &f, NULL, why);
}

START_TEST(sequencing)
{
	struct l2tp_data_rx rx = {.sublayer = 1, .seq = 1};
	enum l2tp_data_drop why;

	/* first frame syncs, whatever its number */
	ck_assert_int_eq(rx_seq(&rx, 100, &why), 0);
	ck_assert_int_eq(rx_seq(&rx, 101, &why), 0);
	ck_assert_uint_eq(rx.lost, 0);
	/* duplicate and older: dropped */
	ck_assert_int_eq(rx_seq(&rx, 101, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_SEQ_BEHIND);
	ck_assert_int_eq(rx_seq(&rx, 50, &why), -1);
	/* ahead: accepted, gap counted, resynced */
	ck_assert_int_eq(rx_seq(&rx, 105, &why), 0);
	ck_assert_uint_eq(rx.lost, 3);
	ck_assert_uint_eq(rx.next_ns, 106);
	ck_assert_int_eq(rx_seq(&rx, 104, &why), -1);
	/* the window edge: 2^23-1 before the last one received is behind, 2^23 is ahead */
	ck_assert_int_eq(rx_seq(&rx, (105 - 0x7fffff) & 0xffffff, &why), -1);
	ck_assert_int_eq(rx_seq(&rx, (105 - 0x800000) & 0xffffff, &why), 0);
	ck_assert_uint_eq(rx.lost, 3 + 0x7fffff);

	/* wrap: ffffff -> 0 is in order */
	memset(&rx, 0, sizeof(rx));
	rx.sublayer = rx.seq = 1;
	ck_assert_int_eq(rx_seq(&rx, 0xfffffe, &why), 0);
	ck_assert_int_eq(rx_seq(&rx, 0xffffff, &why), 0);
	ck_assert_int_eq(rx_seq(&rx, 0, &why), 0);
	ck_assert_int_eq(rx_seq(&rx, 0xffffff, &why), -1);
	ck_assert_uint_eq(rx.lost, 0);
}
END_TEST

START_TEST(v2_data)
{
	/* freeRtr: 0x0202 with a zero offset; xl2tpd kernel: plain 0x0002 */
	static const uint8_t freertr[] = {0x02, 0x02, 0x51, 0x0f, 0x00,
					  0x01, 0x00, 0x00, 0xff, 0x03};
	static const uint8_t plain[] = {0x00, 0x02, 0x00, 0x07, 0x00, 0x09, 0xff, 0x03, 0xc0, 0x21};
	struct l2tp_v2_data_hdr h;
	enum l2tp_data_drop why;
	struct buf b, pl;
	uint8_t m[64];
	struct wbuf w;

	buf_init(&b, freertr, sizeof(freertr));
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), 0);
	ck_assert_uint_eq(h.tunnel_id, 0x510f);
	ck_assert_uint_eq(h.session_id, 1);
	ck_assert_uint_eq(h.offset_size, 0);
	ck_assert_uint_eq(buf_left(&pl), 2);
	buf_init(&b, plain, sizeof(plain));
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), 0);
	ck_assert_uint_eq(buf_left(&pl), 4);

	/* L + S + O with 3 padding octets, round trip */
	wbuf_init(&w, m, sizeof(m));
	ck_assert_int_eq(l2tp_v2_data_build(&w, L2TP_V2_DATA_L | L2TP_V2_DATA_S | L2TP_V2_DATA_O, 5,
					    6, 10, 11, 3, 4),
			 0);
	ck_assert_uint_eq(w.len, 2 + 2 + 4 + 4 + 2 + 3);
	ck_assert_int_eq(wbuf_add_bytes(&w, "ABCD", 4), 0);
	ck_assert_int_eq(wbuf_add_bytes(&w, "trailer", 7), 0); /* beyond Length: ignored */
	buf_init(&b, m, w.len);
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), 0);
	ck_assert_uint_eq(h.length, 21);
	ck_assert_uint_eq(h.ns, 10);
	ck_assert_uint_eq(h.nr, 11);
	ck_assert_uint_eq(h.offset_size, 3);
	ck_assert_uint_eq(buf_left(&pl), 4);
	ck_assert_mem_eq(buf_cur(&pl), "ABCD", 4);

	/* lies: Length beyond the datagram, below the header; offset past the end; control; v3 */
	buf_init(&b, m, 20);
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_SHORT);
	m[3] = 5;
	buf_init(&b, m, sizeof(m));
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), -1);
	m[3] = 21;
	m[12] = 0xff; /* offset size 0xff03 */
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_SHORT);
	m[0] |= 0x80;
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_BAD_FLAGS);
	m[0] &= 0x7f;
	m[1] = 0x03;
	ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), -1);
	ck_assert_int_eq(why, L2TP_DATA_BAD_FLAGS);
	for (size_t n = 0; n < 6; n++) {
		buf_init(&b, plain, n);
		ck_assert_int_eq(l2tp_v2_data_parse(&b, &h, &pl, &why), -1);
	}
	/* a header plus payload that does not fit a 16-bit Length */
	wbuf_init(&w, m, sizeof(m));
	ck_assert_int_eq(l2tp_v2_data_build(&w, L2TP_V2_DATA_L, 1, 1, 0, 0, 0, 65535), -1);
}
END_TEST

static Suite *data_suite(void)
{
	Suite *s = suite_create("l2tp_data");
	TCase *tc = tcase_create("data");

	tcase_add_test(tc, tx_templates);
	tcase_add_test(tc, peek);
	tcase_add_loop_test(tc, rx_roundtrip_and_drops, 0, 2);
	tcase_add_test(tc, sequencing);
	tcase_add_test(tc, v2_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(data_suite());
}
