/*
 * L2TP control codec: header and AVP round trips, every reject path, AVP
 * hiding, the v3 Message Digest and the v2 Challenge Response.
 *
 * Known-answer vectors (hex below) were computed with Python's hashlib/hmac
 * straight from the RFC formulas (RFC 2661 §4.3, RFC 3931 §5.3 and §5.4.1),
 * independently of this code; the Challenge Response is checked against the
 * freeRtr capture made with the secret "s3cret".
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "l2tp_avp.h"
#include "l2tp_digest.h"
#include "pcapvec.c"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (h[0] && h[1] && n < cap) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static struct buf bufof(const uint8_t *p, size_t n)
{
	struct buf b;

	buf_init(&b, p, n);
	return b;
}

/* Build a v3 SCCRQ-ish message with one AVP of each kind; returns its length. */
static size_t build_sample(uint8_t *mem, size_t cap, uint8_t version, uint16_t msg_type)
{
	struct l2tp_builder b;
	struct wbuf w;
	size_t len = 0;
	static const uint8_t caps[] = {0x00, 0x05, 0x00, 0x04};

	wbuf_init(&w, mem, cap);
	ck_assert_int_eq(l2tp_build_begin(&b, &w, version, version == 2 ? 0x1234 : 0xdeadbeef,
					  version == 2 ? 0x5678 : 0, msg_type),
			 0);
	ck_assert_int_eq(l2tp_build_n16(&b, L2TP_AVP_RECEIVE_WINDOW, 1, 16), 0);
	ck_assert_int_eq(l2tp_build_n32(&b, L2TP_AVP_ROUTER_ID, 1, 0xc6120001), 0);
	ck_assert_int_eq(l2tp_build_n64(&b, L2TP_AVP_TIE_BREAKER, 0, 0x0102030405060708ull), 0);
	ck_assert_int_eq(l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "office-a"), 0);
	ck_assert_int_eq(l2tp_build_bytes(&b, L2TP_AVP_PW_CAP_LIST, 1, caps, sizeof(caps)), 0);
	ck_assert_int_eq(l2tp_build_avp(&b, 9, 1234, 0, "xyz", 3), 0);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	ck_assert_int_eq(l2tp_ctrl_set_nsnr(mem, len, 7, 9), 0);
	return len;
}

START_TEST(roundtrip_v3)
{
	uint8_t mem[512], s[64], caps[8];
	size_t len = build_sample(mem, sizeof(mem), 3, L2TP_MSG_SCCRQ), n;
	struct buf pkt = bufof(mem, len), avps;
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	enum l2tp_hdr_err e;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	int count = 0;

	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, &e), 0);
	ck_assert_int_eq(e, L2TP_HDR_OK);
	ck_assert_int_eq(h.version, 3);
	ck_assert_uint_eq(h.flags, 0xc803);
	ck_assert_uint_eq(h.length, len);
	ck_assert_uint_eq(h.conn_id, 0xdeadbeef);
	ck_assert_uint_eq(h.ns, 7);
	ck_assert_uint_eq(h.nr, 9);
	ck_assert_uint_eq(h.msg_type, L2TP_MSG_SCCRQ);
	ck_assert_int_eq(h.msg_mandatory, 1);
	ck_assert_int_eq(l2tp_is_control(&pkt), 1);

	l2tp_avp_reader_init(&r, 3, &avps, NULL, 0);
	while (l2tp_avp_read(&r, &a) == 1) {
		count++;
		switch (a.type) {
		case L2TP_AVP_MESSAGE_TYPE:
			ck_assert_int_eq(l2tp_avp_get_n16(&a, &v16), 0);
			ck_assert_uint_eq(v16, 1);
			break;
		case L2TP_AVP_RECEIVE_WINDOW:
			ck_assert_int_eq(l2tp_avp_get_n16(&a, &v16), 0);
			ck_assert_uint_eq(v16, 16);
			ck_assert_int_eq(a.mandatory, 1);
			/* exact sizes: a 16-bit value is not a 32-bit one */
			ck_assert_int_eq(l2tp_avp_get_n32(&a, &v32), -1);
			break;
		case L2TP_AVP_ROUTER_ID:
			ck_assert_int_eq(l2tp_avp_get_n32(&a, &v32), 0);
			ck_assert_uint_eq(v32, 0xc6120001);
			ck_assert_int_eq(l2tp_avp_get_n16(&a, &v16), -1);
			ck_assert_int_eq(l2tp_avp_get_n64(&a, &v64), -1);
			break;
		case L2TP_AVP_TIE_BREAKER:
			ck_assert_int_eq(l2tp_avp_get_n64(&a, &v64), 0);
			ck_assert_uint_eq(v64, 0x0102030405060708ull);
			ck_assert_int_eq(a.mandatory, 0);
			break;
		case L2TP_AVP_HOST_NAME:
			ck_assert_int_eq(l2tp_avp_get_string(&a, (char *)s, sizeof(s)), 0);
			ck_assert_str_eq((char *)s, "office-a");
			/* "office-a" + NUL needs 9 */
			ck_assert_int_eq(l2tp_avp_get_string(&a, (char *)s, 8), -1);
			ck_assert_int_eq(l2tp_avp_get_string(&a, (char *)s, 9), 0);
			break;
		case L2TP_AVP_PW_CAP_LIST:
			ck_assert_int_eq(l2tp_avp_get_bytes(&a, caps, 2, 8, &n), 0);
			ck_assert_uint_eq(n, 4);
			ck_assert_uint_eq(caps[1], 5);
			ck_assert_int_eq(l2tp_avp_get_bytes(&a, caps, 6, 8, &n), -1);
			ck_assert_int_eq(l2tp_avp_get_bytes(&a, caps, 0, 3, &n), -1);
			break;
		case 1234:
			ck_assert_uint_eq(a.vendor, 9);
			ck_assert_uint_eq(buf_left(&a.value), 3);
			break;
		default:
			ck_abort_msg("unexpected AVP %u", a.type);
		}
	}
	ck_assert_int_eq(r.err, L2TP_AVP_OK);
	ck_assert_int_eq(count, 7);
}
END_TEST

START_TEST(roundtrip_v2_and_zlb)
{
	uint8_t mem[512];
	size_t len = build_sample(mem, sizeof(mem), 2, L2TP_MSG_ICRQ);
	struct buf pkt = bufof(mem, len), avps;
	struct l2tp_ctrl_hdr h;
	struct l2tp_builder b;
	struct wbuf w;

	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, NULL), 0);
	ck_assert_int_eq(h.version, 2);
	ck_assert_uint_eq(h.flags, 0xc802);
	ck_assert_uint_eq(h.conn_id, 0x1234);
	ck_assert_uint_eq(h.session_id, 0x5678);
	ck_assert_uint_eq(h.msg_type, L2TP_MSG_ICRQ);

	/* ZLB: the 12-octet header alone (RFC 2661 §5.8) */
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, 3, 42, 0, L2TP_MSG_ZLB), 0);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	ck_assert_uint_eq(len, 12);
	pkt = bufof(mem, len);
	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, NULL), 0);
	ck_assert_uint_eq(h.msg_type, L2TP_MSG_ZLB);
	ck_assert_uint_eq(buf_left(&avps), 0);

	/* a v2 Tunnel ID is 16 bits */
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, 2, 0x10000, 0, L2TP_MSG_HELLO), -1);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), -1);
	/* version 4 does not exist */
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, 4, 1, 0, L2TP_MSG_HELLO), -1);
}
END_TEST

START_TEST(builder_overflow_sticky)
{
	uint8_t mem[40], big[1100] = {0};
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;

	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, 3, 1, 0, L2TP_MSG_SCCRQ), 0);
	ck_assert_int_eq(
	    l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "a-name-longer-than-the-room-left"), -1);
	/* sticky: later small adds fail too, and finish says so */
	ck_assert_int_eq(l2tp_build_n16(&b, L2TP_AVP_RECEIVE_WINDOW, 1, 4), -1);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), -1);

	/* an AVP value over 1017 bytes cannot be encoded in a 10-bit length */
	{
		uint8_t m2[2048];

		wbuf_init(&w, m2, sizeof(m2));
		ck_assert_int_eq(l2tp_build_begin(&b, &w, 3, 1, 0, L2TP_MSG_SCCRQ), 0);
		ck_assert_int_eq(l2tp_build_bytes(&b, L2TP_AVP_HOST_NAME, 1, big, 1018), -1);
		wbuf_init(&w, m2, sizeof(m2));
		ck_assert_int_eq(l2tp_build_begin(&b, &w, 3, 1, 0, L2TP_MSG_SCCRQ), 0);
		ck_assert_int_eq(l2tp_build_bytes(&b, L2TP_AVP_HOST_NAME, 1, big, 1017), 0);
		ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
		ck_assert_uint_eq(len, 12 + 8 + 1023);
	}
	ck_assert_int_eq(l2tp_ctrl_set_nsnr(mem, 11, 1, 1), -1);
}
END_TEST

static enum l2tp_hdr_err parse_err(const uint8_t *p, size_t n)
{
	struct buf pkt = bufof(p, n), avps;
	struct l2tp_ctrl_hdr h;
	enum l2tp_hdr_err e = L2TP_HDR_OK;
	int rc = l2tp_ctrl_parse(&pkt, &h, &avps, &e);

	ck_assert_int_eq(rc, e == L2TP_HDR_OK ? 0 : -1);
	return e;
}

START_TEST(header_rejects)
{
	uint8_t m[512], x[512];
	size_t len = build_sample(m, sizeof(m), 3, L2TP_MSG_SCCRQ);

	/* truncated anywhere: never accepted */
	for (size_t n = 0; n < len; n++) {
		enum l2tp_hdr_err e = parse_err(m, n);

		ck_assert_msg(e == L2TP_HDR_SHORT || e == L2TP_HDR_LENGTH_LONG, "n=%zu e=%s", n,
			      l2tp_hdr_err_name(e));
	}
	/* trailing bytes past Length are ignored (Length is the message size) */
	memcpy(x, m, len);
	memset(x + len, 0xee, 5);
	ck_assert_int_eq(parse_err(x, len + 5), L2TP_HDR_OK);

	/* Length below the header / beyond the datagram */
	memcpy(x, m, len);
	x[2] = 0;
	x[3] = 11;
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_LENGTH_SHORT);
	x[2] = (uint8_t)((len + 1) >> 8);
	x[3] = (uint8_t)(len + 1);
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_LENGTH_LONG);

	/* flag rules: T needs L and S; v2 control forbids O and P; Ver 2 or 3 */
	memcpy(x, m, len);
	x[0] = 0x88; /* T, S, no L */
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_NO_LENGTH);
	x[0] = 0xc0; /* T, L, no S */
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_NO_SEQUENCE);
	x[0] = 0x48; /* data */
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_NOT_CONTROL);
	x[0] = 0xc8;
	x[1] = 0x04;
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_BAD_VERSION);
	x[1] = 0x01;
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_BAD_VERSION);
	/* v3: the O and P positions are reserved x bits, ignored */
	x[0] = 0xcb;
	x[1] = 0x03;
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_OK);

	len = build_sample(m, sizeof(m), 2, L2TP_MSG_SCCRQ);
	memcpy(x, m, len);
	x[0] = 0xca; /* O */
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_OFFSET_SET);
	x[0] = 0xc9; /* P */
	ck_assert_int_eq(parse_err(x, len), L2TP_HDR_PRIORITY_SET);
	ck_assert_str_eq(l2tp_hdr_err_name(L2TP_HDR_NO_LENGTH), "T-without-L");
}
END_TEST

/* A v3 header of Length 12 + avp_len followed by the given AVP bytes. */
static size_t with_avps(uint8_t *x, const char *avps_hex)
{
	static const uint8_t hdr[12] = {0xc8, 0x03, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
	size_t n = unhex(avps_hex, x + 12, 500) + 12;

	memcpy(x, hdr, 12);
	x[2] = (uint8_t)(n >> 8);
	x[3] = (uint8_t)n;
	return n;
}

START_TEST(avp_rejects)
{
	uint8_t x[512];
	struct l2tp_avp_iter it;
	struct l2tp_avp a;
	struct buf avps;

	/* AVP Length 5 (< 6) */
	ck_assert_int_eq(parse_err(x, with_avps(x, "8008000000000001"
						   "80050000000a")),
			 L2TP_HDR_BAD_AVP);
	avps = bufof(x + 12, 14);
	l2tp_avp_iter_init(&it, &avps);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), 1);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), -1);
	ck_assert_int_eq(it.err, L2TP_AVP_LEN_BELOW_6);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), -1); /* stays failed */

	/* AVP Length 0: would loop forever if accepted */
	ck_assert_int_eq(parse_err(x, with_avps(x, "8008000000000001"
						   "800000000000")),
			 L2TP_HDR_BAD_AVP);
	/* AVP Length past the message */
	ck_assert_int_eq(parse_err(x, with_avps(x, "8008000000000001"
						   "800a0000000a0001")),
			 L2TP_HDR_BAD_AVP);
	avps = bufof(x + 12, 16);
	l2tp_avp_iter_init(&it, &avps);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), 1);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), -1);
	ck_assert_int_eq(it.err, L2TP_AVP_LEN_PAST_END);
	/* 1..5 stray bytes after the last AVP */
	ck_assert_int_eq(parse_err(x, with_avps(x, "8008000000000001"
						   "8008")),
			 L2TP_HDR_BAD_AVP);
	/* first AVP must be Message Type, 2 octets, not hidden */
	ck_assert_int_eq(parse_err(x, with_avps(x, "80080000000a0004")), L2TP_HDR_NO_MSG_TYPE);
	ck_assert_int_eq(parse_err(x, with_avps(x, "800900000000000100")), L2TP_HDR_NO_MSG_TYPE);
	ck_assert_int_eq(parse_err(x, with_avps(x, "c008000000000001")), L2TP_HDR_NO_MSG_TYPE);
	/* reserved AVP bits are ignored on receipt (RFC 3931 §5.1) */
	ck_assert_int_eq(parse_err(x, with_avps(x, "bc08000000000001")), L2TP_HDR_OK);
	avps = bufof(x + 12, 8);
	l2tp_avp_iter_init(&it, &avps);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), 1);
	ck_assert_uint_eq(a.reserved, 0xf);
	ck_assert_int_eq(a.mandatory, 1);
	ck_assert_int_eq(a.hidden, 0);
}
END_TEST

START_TEST(unknown_mandatory)
{
	uint8_t x[512];
	struct buf pkt, avps;
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	uint16_t result, error;
	int n = 0;

	/* ICRQ with an unknown non-mandatory AVP (ignored) then an unknown mandatory one */
	pkt = bufof(x, with_avps(x, "800800000000000a"
				    "0007000000c8ff"
				    "80080009000b0001"));
	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, NULL), 0);
	l2tp_avp_reader_init(&r, 3, &avps, NULL, 0);
	while (l2tp_avp_read(&r, &a) == 1)
		n++;
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(r.err, L2TP_AVP_UNKNOWN_MANDATORY);
	ck_assert_uint_eq(r.bad.vendor, 9);
	ck_assert_uint_eq(r.bad.type, 11);
	/* RFC 3931 §5.2: a session message => CDN, result 2, error 8 */
	ck_assert_int_eq(l2tp_unknown_mandatory_action(h.msg_type, &result, &error), 1);
	ck_assert_uint_eq(result, 2);
	ck_assert_uint_eq(error, 8);
	/* a control connection message (SCCRQ, HELLO ...) => StopCCN, result 2, error 8 */
	ck_assert_int_eq(l2tp_unknown_mandatory_action(L2TP_MSG_SCCRQ, &result, &error), 0);
	ck_assert_uint_eq(result, 2);
	ck_assert_uint_eq(error, 8);
	ck_assert_int_eq(l2tp_unknown_mandatory_action(L2TP_MSG_HELLO, &result, &error), 0);
	ck_assert_str_eq(l2tp_error_name(error), "unknown AVP with the M bit set");

	/* known sets: v3 AVPs are not known to v2; IETF 0..39 known to both */
	ck_assert_int_eq(l2tp_avp_is_known(3, 0, L2TP_AVP_ASSIGNED_CONN_ID), 1);
	ck_assert_int_eq(l2tp_avp_is_known(2, 0, L2TP_AVP_ASSIGNED_CONN_ID), 0);
	ck_assert_int_eq(l2tp_avp_is_known(3, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID), 1);
	ck_assert_int_eq(l2tp_avp_is_known(2, 0, 20), 0);
	ck_assert_int_eq(l2tp_avp_is_known(3, 0, 67), 0);
	ck_assert_int_eq(l2tp_avp_is_known(3, 0, 76), 0);
	ck_assert_int_eq(l2tp_avp_is_known(3, 9, 1), 0);
}
END_TEST

START_TEST(result_code_avp)
{
	uint8_t mem[256];
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;
	struct buf pkt, avps;
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_iter it;
	struct l2tp_avp a;
	struct l2tp_result res;
	uint8_t v[8];

	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, 3, 5, 0, L2TP_MSG_STOPCCN), 0);
	ck_assert_int_eq(l2tp_build_result(&b, 2, 8, "Remote End ID"), 0);
	ck_assert_int_eq(l2tp_build_result(&b, 1, -1, NULL), 0);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	pkt = bufof(mem, len);
	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, NULL), 0);
	l2tp_avp_iter_init(&it, &avps);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), 1);
	ck_assert_int_eq(l2tp_avp_next(&it, &a), 1);
	ck_assert_uint_eq(a.len, 10 + 13);
	ck_assert_int_eq(l2tp_avp_get_result(&a, &res), 0);
	ck_assert_uint_eq(res.result, 2);
	ck_assert_int_eq(res.has_error, 1);
	ck_assert_uint_eq(res.error, 8);
	ck_assert_uint_eq(buf_left(&res.message), 13);
	ck_assert_str_eq(l2tp_result_name(h.msg_type, res.result), "general error, see error code");
	ck_assert_int_eq(l2tp_avp_next(&it, &a), 1);
	ck_assert_uint_eq(a.len, 8);
	ck_assert_int_eq(l2tp_avp_get_result(&a, &res), 0);
	ck_assert_int_eq(res.has_error, 0);
	/* 1 or 3 octets are lies */
	a.value = bufof(v, 1);
	ck_assert_int_eq(l2tp_avp_get_result(&a, &res), -1);
	a.value = bufof(v, 3);
	ck_assert_int_eq(l2tp_avp_get_result(&a, &res), -1);
	ck_assert_str_eq(l2tp_result_name(L2TP_MSG_CDN, 14),
			 "session not established: unsupported pseudowire type");
	ck_assert_str_eq(l2tp_result_name(L2TP_MSG_HELLO, 1), "unknown");
	ck_assert_str_eq(l2tp_msg_name(L2TP_MSG_ACK), "ACK");
	ck_assert_str_eq(l2tp_msg_name(99), "unknown");
	ck_assert_str_eq(l2tp_avp_name(L2TP_AVP_CTRL_AUTH_NONCE),
			 "Control Message Authentication Nonce");
	ck_assert_str_eq(l2tp_pw_type_name(L2TP_PWTYPE_ETH_VLAN), "Ethernet VLAN");
	/* every name function answers with a string for any input (log lines never see NULL) */
	for (unsigned k = 0; k <= 0xffff; k++) {
		ck_assert_ptr_nonnull(l2tp_msg_name((uint16_t)k));
		ck_assert_ptr_nonnull(l2tp_avp_name((uint16_t)k));
		ck_assert_ptr_nonnull(l2tp_result_name(L2TP_MSG_STOPCCN, (uint16_t)k));
		ck_assert_ptr_nonnull(l2tp_result_name(L2TP_MSG_CDN, (uint16_t)k));
		ck_assert_ptr_nonnull(l2tp_error_name((uint16_t)k));
		ck_assert_ptr_nonnull(l2tp_pw_type_name((uint16_t)k));
	}
	for (int e = 0; e <= L2TP_HDR_ERR_COUNT; e++)
		ck_assert_ptr_nonnull(l2tp_hdr_err_name((enum l2tp_hdr_err)e));
	for (int e = 0; e <= L2TP_AVP_ERR_COUNT; e++)
		ck_assert_ptr_nonnull(l2tp_avp_err_name((enum l2tp_avp_err)e));
	for (int e = 0; e <= L2TP_DIGEST_ERR_COUNT; e++)
		ck_assert_ptr_nonnull(l2tp_digest_err_name((enum l2tp_digest_err)e));
	/* every AVP the codec knows has a name */
	for (unsigned t = 0; t <= 0xffff; t++)
		if (l2tp_avp_is_known(3, 0, (uint16_t)t))
			ck_assert_str_ne(l2tp_avp_name((uint16_t)t), "unknown");
}
END_TEST

/* ---- hiding ---- */

static const uint8_t rv16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

START_TEST(hide_known_answers)
{
	uint8_t out[128], want[128], key[16];
	char forty[41];
	int n;

	memset(forty, 'a', 40);
	forty[40] = 0;
	/* v2, S = the secret (RFC 2661 §4.3) */
	n = l2tp_avp_hide(14, "s3cret", 6, rv16, 16, "\x12\x34", 2, out, sizeof(out));
	ck_assert_int_eq(n, 4);
	unhex("a369f6c9", want, sizeof(want));
	ck_assert_mem_eq(out, want, 4);
	/* 42-byte subformat: three chained blocks */
	n = l2tp_avp_hide(7, "s3cret", 6, rv16, 16, forty, 40, out, sizeof(out));
	ck_assert_int_eq(n, 42);
	unhex(
	    "8cc2b67592b54ad416f1efc4ddc2b42a0e0a865089fbd7fc2c31560d6d4f2b4e1b4444431f27685997f5",
	    want, sizeof(want));
	ck_assert_mem_eq(out, want, 42);
	/* v3, S = HMAC_MD5(secret, 1) (RFC 3931 §5.3) */
	l2tp_avp_v3_hiding_key("s3cret", 6, key);
	unhex("7f8d630541104220ad5d5221539b3539", want, sizeof(want));
	ck_assert_mem_eq(key, want, 16);
	n = l2tp_avp_hide(7, key, 16, rv16, 16, forty, 40, out, sizeof(out));
	ck_assert_int_eq(n, 42);
	unhex(
	    "59b6c7e4758741b28b7b988cb845a89dd44a663e4b890f9b752413e97e9d39b306f55cc1515431ae427d",
	    want, sizeof(want));
	ck_assert_mem_eq(out, want, 42);
	/* no room */
	ck_assert_int_eq(l2tp_avp_hide(7, key, 16, rv16, 16, forty, 40, out, 41), -1);
}
END_TEST

/* Build a message with a hidden Host Name and Assigned Session ID, read it back. */
static void hidden_roundtrip(uint8_t version)
{
	uint8_t mem[512];
	char name[64];
	const char *host = "a-host-name-longer-than-one-md5-block.example";
	struct l2tp_builder b;
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	struct l2tp_ctrl_hdr h;
	struct buf pkt, avps;
	struct wbuf w;
	size_t len;
	uint16_t sid = 0;
	int hidden = 0, rc;

	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, version, 7, 0, L2TP_MSG_ICRQ), 0);
	/* no Random Vector yet: hiding must refuse */
	ck_assert_int_eq(l2tp_build_hidden(&b, 0, L2TP_AVP_HOST_NAME, 1, host, strlen(host)), -1);
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(l2tp_build_begin(&b, &w, version, 7, 0, L2TP_MSG_ICRQ), 0);
	ck_assert_int_eq(l2tp_build_random_vector(&b, rv16, sizeof(rv16), "s3cret", 6), 0);
	ck_assert_int_eq(l2tp_build_hidden(&b, 0, L2TP_AVP_HOST_NAME, 1, host, strlen(host)), 0);
	ck_assert_int_eq(l2tp_build_hidden(&b, 0, L2TP_AVP_ASSIGNED_SESSION_ID, 1, "\x43\x21", 2),
			 0);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	/* the cleartext is not on the wire */
	ck_assert_ptr_null(memmem(mem, len, "longer-than", 11));

	pkt = bufof(mem, len);
	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, NULL), 0);
	l2tp_avp_reader_init(&r, version, &avps, "s3cret", 6);
	while ((rc = l2tp_avp_read(&r, &a)) == 1) {
		if (!a.hidden)
			continue;
		hidden++;
		if (a.type == L2TP_AVP_HOST_NAME) {
			ck_assert_int_eq(l2tp_avp_get_string(&a, name, sizeof(name)), 0);
			ck_assert_str_eq(name, host);
		} else {
			ck_assert_int_eq(l2tp_avp_get_n16(&a, &sid), 0);
		}
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(hidden, 2);
	ck_assert_uint_eq(sid, 0x4321);

	/* a wrong secret decodes a random Original Length: rejected, never garbage */
	l2tp_avp_reader_init(&r, version, &avps, "wrong", 5);
	while ((rc = l2tp_avp_read(&r, &a)) == 1)
		;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(r.err, L2TP_AVP_HIDDEN_BAD_LEN);
	/* no secret at all */
	l2tp_avp_reader_init(&r, version, &avps, NULL, 0);
	while ((rc = l2tp_avp_read(&r, &a)) == 1)
		;
	ck_assert_int_eq(r.err, L2TP_AVP_HIDDEN_NO_SECRET);
	/* the other version's key derivation does not decode it either */
	l2tp_avp_reader_init(&r, version == 2 ? 3 : 2, &avps, "s3cret", 6);
	while ((rc = l2tp_avp_read(&r, &a)) == 1)
		;
	ck_assert_int_eq(r.err, L2TP_AVP_HIDDEN_BAD_LEN);
}

START_TEST(hidden_v2)
{
	hidden_roundtrip(2);
}
END_TEST

START_TEST(hidden_v3)
{
	hidden_roundtrip(3);
}
END_TEST

START_TEST(hidden_rejects)
{
	uint8_t x[512];
	struct buf pkt, avps, rv, val;
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	enum l2tp_avp_err e = L2TP_AVP_OK;
	uint8_t out[16];

	/* hidden AVP without any Random Vector before it */
	pkt = bufof(x, with_avps(x, "800800000000000a"
				    "c00a00000007aabbccdd"));
	ck_assert_int_eq(l2tp_ctrl_parse(&pkt, &h, &avps, NULL), 0);
	l2tp_avp_reader_init(&r, 3, &avps, "s", 1);
	ck_assert_int_eq(l2tp_avp_read(&r, &a), 1);
	ck_assert_int_eq(l2tp_avp_read(&r, &a), -1);
	ck_assert_int_eq(r.err, L2TP_AVP_HIDDEN_NO_RV);
	/* hidden value shorter than the 2-octet Original Length */
	rv = bufof(rv16, 16);
	val = bufof(x, 1);
	ck_assert_int_eq(l2tp_avp_unhide(7, "s", 1, &rv, &val, out, sizeof(out), &e), -1);
	ck_assert_int_eq(e, L2TP_AVP_HIDDEN_BAD_LEN);
	/* the decoded length must also fit the caller's room */
	{
		uint8_t hid[64];
		int n =
		    l2tp_avp_hide(7, "s", 1, rv16, 16, "0123456789abcdefXYZ", 19, hid, sizeof(hid));

		val = bufof(hid, (size_t)n);
		e = L2TP_AVP_OK;
		ck_assert_int_eq(l2tp_avp_unhide(7, "s", 1, &rv, &val, out, sizeof(out), &e), -1);
		ck_assert_int_eq(l2tp_avp_unhide(7, "s", 1, &rv, &val, x, sizeof(x), &e), 19);
		ck_assert_mem_eq(x, "0123456789abcdefXYZ", 19);
		/* the attribute number is part of the hash: another type decodes garbage */
		ck_assert_int_eq(l2tp_avp_unhide(8, "s", 1, &rv, &val, x, sizeof(x), &e), -1);
	}
}
END_TEST

/* ---- Message Digest (RFC 3931 §5.4.1) ---- */

static const uint8_t nonce_a[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
static const uint8_t nonce_b[16] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
				    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};

/* The message of the Python vectors: header Ns=Nr=1, Message Type, one digest, Host Name "pw". */
static size_t digest_msg(uint8_t *mem, size_t cap, uint16_t type, uint8_t dtype, int ndigests)
{
	struct l2tp_builder b;
	struct wbuf w;
	size_t len;

	wbuf_init(&w, mem, cap);
	ck_assert_int_eq(l2tp_build_begin(&b, &w, 3, 0x01020304, 0, type), 0);
	for (int i = 0; i < ndigests; i++)
		ck_assert_int_eq(l2tp_build_digest(&b, dtype), 0);
	ck_assert_int_eq(l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "pw"), 0);
	ck_assert_int_eq(l2tp_build_finish(&b, &len), 0);
	ck_assert_int_eq(l2tp_ctrl_set_nsnr(mem, len, 1, 1), 0);
	return len;
}

START_TEST(digest_known_answers)
{
	uint8_t key[16], m[128], want[64];
	size_t len;

	l2tp_digest_key("s3cret", 6, key);
	unhex("013905791d8a6f7a63e22d7ba38d8031", want, sizeof(want));
	ck_assert_mem_eq(key, want, 16);

	/* the bytes the builder makes are the ones the vectors were computed over */
	len = digest_msg(m, sizeof(m), L2TP_MSG_SCCRP, L2TP_DIGEST_TYPE_HMAC_MD5, 1);
	ck_assert_uint_eq(len, 51);
	ck_assert_uint_eq(unhex("c80300330102030400010001800800000000000280170000003b00000000000000"
				"000000000000000000008008000000077077",
				want, sizeof(want)),
			  51);
	ck_assert_mem_eq(m, want, 51);

	/* SCCRP: HMAC_MD5(key, local_nonce + remote_nonce + message) */
	ck_assert_int_eq(l2tp_digest_sign(m, len, key, nonce_a, 16, nonce_b, 16), 0);
	unhex("037cb92d7e96896556564113f6b380a6", want, sizeof(want));
	ck_assert_mem_eq(m + L2TP_DIGEST_AVP_OFF + 7, want, 16);

	/* HMAC-SHA-1 */
	len = digest_msg(m, sizeof(m), L2TP_MSG_SCCRP, L2TP_DIGEST_TYPE_HMAC_SHA1, 1);
	ck_assert_uint_eq(len, 55);
	ck_assert_int_eq(l2tp_digest_sign(m, len, key, nonce_a, 16, nonce_b, 16), 0);
	unhex("9e1ddd9454b154d47b8e14279967f4b8bced4542", want, sizeof(want));
	ck_assert_mem_eq(m + L2TP_DIGEST_AVP_OFF + 7, want, 20);

	/* SCCRQ: no nonces, whatever the caller passes */
	len = digest_msg(m, sizeof(m), L2TP_MSG_SCCRQ, L2TP_DIGEST_TYPE_HMAC_MD5, 1);
	ck_assert_int_eq(l2tp_digest_sign(m, len, key, nonce_a, 16, nonce_b, 16), 0);
	unhex("3a6c4792b6df6760e868cad1c9655bb8", want, sizeof(want));
	ck_assert_mem_eq(m + L2TP_DIGEST_AVP_OFF + 7, want, 16);
}
END_TEST

static enum l2tp_digest_err verify(const uint8_t *m, size_t len, const uint8_t *key,
				   const uint8_t *peer, const uint8_t *ours)
{
	struct buf b = bufof(m, len);
	enum l2tp_digest_err e = L2TP_DIGEST_ERR_COUNT;
	int rc = l2tp_digest_verify(&b, key, peer, 16, ours, 16, &e);

	ck_assert_int_eq(rc, e == L2TP_DIGEST_OK ? 0 : -1);
	return e;
}

START_TEST(digest_verify)
{
	uint8_t key[16], wrong[16], m[128], x[128];
	size_t len;

	l2tp_digest_key("s3cret", 6, key);
	l2tp_digest_key("s3cres", 6, wrong);
	for (uint8_t t = 0; t <= 1; t++) {
		len = digest_msg(m, sizeof(m), L2TP_MSG_HELLO, t, 1);
		/* A sends: local = A's nonce, remote = B's */
		ck_assert_int_eq(l2tp_digest_sign(m, len, key, nonce_a, 16, nonce_b, 16), 0);
		/* B verifies with A's nonce first */
		ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_OK);
		/* nonces in the wrong order, wrong secret, changed byte, changed Nr */
		ck_assert_int_eq(verify(m, len, key, nonce_b, nonce_a), L2TP_DIGEST_MISMATCH);
		ck_assert_int_eq(verify(m, len, wrong, nonce_a, nonce_b), L2TP_DIGEST_MISMATCH);
		memcpy(x, m, len);
		x[len - 1] ^= 1;
		ck_assert_int_eq(verify(x, len, key, nonce_a, nonce_b), L2TP_DIGEST_MISMATCH);
		memcpy(x, m, len);
		ck_assert_int_eq(l2tp_ctrl_set_nsnr(x, len, 1, 2), 0);
		ck_assert_int_eq(verify(x, len, key, nonce_a, nonce_b), L2TP_DIGEST_MISMATCH);
		/* trailing bytes beyond Length are not covered (nor harmful) */
		memcpy(x, m, len);
		x[len] = 0x55;
		ck_assert_int_eq(verify(x, len + 1, key, nonce_a, nonce_b), L2TP_DIGEST_OK);
	}

	/* two digest AVPs: good when either is */
	len = digest_msg(m, sizeof(m), L2TP_MSG_HELLO, L2TP_DIGEST_TYPE_HMAC_MD5, 2);
	ck_assert_int_eq(l2tp_digest_sign(m, len, key, nonce_a, 16, nonce_b, 16), 0);
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_OK);
	m[L2TP_DIGEST_AVP_OFF + 7] ^= 0x80;
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_OK);
	m[L2TP_DIGEST_AVP_OFF + 23 + 7] ^= 0x80;
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_MISMATCH);

	/* no digest AVP; v2 message; unknown type; length not matching the type */
	len = digest_msg(m, sizeof(m), L2TP_MSG_HELLO, 0, 0);
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_MISSING);
	ck_assert_int_eq(l2tp_digest_sign(m, len, key, NULL, 0, NULL, 0), -1);
	len = build_sample(m, sizeof(m), 2, L2TP_MSG_HELLO);
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_MALFORMED);
	len = digest_msg(m, sizeof(m), L2TP_MSG_HELLO, 0, 1);
	m[L2TP_DIGEST_AVP_OFF + 6] = 7;
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_BAD_TYPE);
	m[L2TP_DIGEST_AVP_OFF + 6] = 1; /* SHA-1 type in a 23-octet AVP */
	ck_assert_int_eq(verify(m, len, key, nonce_a, nonce_b), L2TP_DIGEST_BAD_LENGTH);
	ck_assert_str_eq(l2tp_digest_err_name(L2TP_DIGEST_MISMATCH), "digest-mismatch");

	/* integrity-only mode: empty secret and nonces (RFC 3931 §4.3) */
	l2tp_digest_key(NULL, 0, key);
	len = digest_msg(m, sizeof(m), L2TP_MSG_HELLO, 0, 1);
	ck_assert_int_eq(l2tp_digest_sign(m, len, key, NULL, 0, NULL, 0), 0);
	{
		struct buf b = bufof(m, len);

		ck_assert_int_eq(l2tp_digest_verify(&b, key, NULL, 0, NULL, 0, NULL), 0);
	}
	/* no digest on v2 or ZLB builders */
	{
		struct l2tp_builder b;
		struct wbuf w;

		wbuf_init(&w, x, sizeof(x));
		ck_assert_int_eq(l2tp_build_begin(&b, &w, 2, 1, 0, L2TP_MSG_HELLO), 0);
		ck_assert_int_eq(l2tp_build_digest(&b, 0), -1);
	}
}
END_TEST

/* ---- L2TPv2 Challenge Response against freeRtr (secret "s3cret") ---- */

struct chap_ctx {
	uint8_t chal[2][64]; /* [0]: from SCCRQ, [1]: from SCCRP */
	size_t chal_len[2];
	int checked, good, bad_with_wrong_secret;
};

static int chap_cb(void *ctx, const struct pcapvec_pkt *p)
{
	struct chap_ctx *c = ctx;
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	struct buf avps;

	if (!l2tp_is_control(&p->l2tp) || l2tp_ctrl_parse(&p->l2tp, &h, &avps, NULL) == -1)
		return 0;
	l2tp_avp_reader_init(&r, 2, &avps, NULL, 0);
	while (l2tp_avp_read(&r, &a) == 1) {
		if (a.vendor != 0)
			continue;
		if (a.type == L2TP_AVP_CHALLENGE &&
		    (h.msg_type == L2TP_MSG_SCCRQ || h.msg_type == L2TP_MSG_SCCRP)) {
			int i = h.msg_type == L2TP_MSG_SCCRP;

			ck_assert_int_eq(l2tp_avp_get_bytes(&a, c->chal[i], 1, 64, &c->chal_len[i]),
					 0);
		}
		if (a.type == L2TP_AVP_CHALLENGE_RESPONSE) {
			/* SCCRP answers the SCCRQ's challenge, SCCCN the SCCRP's */
			int i = h.msg_type == L2TP_MSG_SCCCN;

			ck_assert(h.msg_type == L2TP_MSG_SCCRP || h.msg_type == L2TP_MSG_SCCCN);
			ck_assert_uint_gt(c->chal_len[i], 0);
			c->checked++;
			c->good += l2tp_challenge_response_ok((uint8_t)h.msg_type, "s3cret", 6,
							      c->chal[i], c->chal_len[i], &a.value);
			c->bad_with_wrong_secret += !l2tp_challenge_response_ok(
			    (uint8_t)h.msg_type, "s3cres", 6, c->chal[i], c->chal_len[i], &a.value);
		}
	}
	return 0;
}

START_TEST(challenge_response_freertr)
{
	struct chap_ctx c;
	struct pcapvec_stats st;
	uint8_t out[16], want[16];

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(
	    pcapvec_each_in("freertr/l2tpv2_bcp_mp-long_frag512_tunnel-auth-secret-s3cret.pcap",
			    chap_cb, &c, &st),
	    0);
	printf("challenge responses checked %d, good %d\n", c.checked, c.good);
	/* SCCRP (sent twice in the capture) and SCCCN */
	ck_assert_int_ge(c.checked, 2);
	ck_assert_int_eq(c.good, c.checked);
	ck_assert_int_eq(c.bad_with_wrong_secret, c.checked);

	/* the same first response by hand: frame 4 of the capture */
	unhex("7620445d5c26591f1245381b78474d04", out, sizeof(out));
	l2tp_challenge_response(L2TP_MSG_SCCRP, "s3cret", 6, out, 16, want);
	unhex("26a45c6731d841b29d5d9ad1461e8676", out, sizeof(out));
	ck_assert_mem_eq(want, out, 16);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("l2tp_codec");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, roundtrip_v3);
	tcase_add_test(tc, roundtrip_v2_and_zlb);
	tcase_add_test(tc, builder_overflow_sticky);
	tcase_add_test(tc, header_rejects);
	tcase_add_test(tc, avp_rejects);
	tcase_add_test(tc, unknown_mandatory);
	tcase_add_test(tc, result_code_avp);
	suite_add_tcase(s, tc);
	tc = tcase_create("hiding");
	tcase_add_test(tc, hide_known_answers);
	tcase_add_test(tc, hidden_v2);
	tcase_add_test(tc, hidden_v3);
	tcase_add_test(tc, hidden_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("auth");
	tcase_add_test(tc, digest_known_answers);
	tcase_add_test(tc, digest_verify);
	tcase_add_test(tc, challenge_response_freertr);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(codec_suite());
}
