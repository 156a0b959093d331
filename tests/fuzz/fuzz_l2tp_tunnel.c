/*
 * libFuzzer target for the L2TP control engine (tunnel + sessions): bring a
 * pair of engines to a chosen state, then feed one of them arbitrary
 * packets, optionally with a valid header fixed up (right connection id,
 * in-sequence Ns/Nr) or a structurally valid message built from the input,
 * so that the FSMs are reached and not just the header checks.
 *
 * Input: byte 0 selects the state (low 3 bits: idle responder,
 * wait-ctl-reply, wait-ctl-conn, established, established with a session,
 * closing, closed), bit 3 a shared secret (v2: tunnel secret, one side
 * hiding AVPs) and bit 4 L2TPv2 instead of v3; then chunks of
 * [flags][len][len bytes], flags: 1 fix header, 2 advance the clock a
 * second, 4 let the peer answer, 8 build a message (type = first byte, AVPs
 * chosen by the following bytes), 16 (v2) address the header to the first
 * session.
 */
#include <stddef.h>
#include <stdint.h>

#include "../unit/l2tp_pair.h"
#include "l2tp_avp.h"
#include "l2tp_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An L2TPv2 message from the RFC 2661 AVP set, some of it hidden. */
static size_t fz_build_v2(struct l2tp_tunnel *t, uint16_t sid, const uint8_t *d, size_t n,
			  uint8_t *out, size_t cap)
{
	static const uint8_t zeros[64];
	struct l2tp_builder b;
	struct wbuf w;
	size_t len = 0, i;
	uint16_t type = n ? d[0] : L2TP_MSG_HELLO;

	wbuf_init(&w, out, cap);
	l2tp_build_begin(&b, &w, 2, t->local_id, sid, type);
	for (i = 1; i < n; i++) {
		switch (d[i] % 16) {
		case 0:
			l2tp_build_n16(&b, L2TP_AVP_PROTOCOL_VERSION, 1,
				       d[i] & 16 ? 0x0100 : 0x0200);
			break;
		case 1:
			l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "fz");
			break;
		case 2:
			l2tp_build_n32(&b, L2TP_AVP_FRAMING_CAP, 1, d[i] >> 4);
			break;
		case 3:
			l2tp_build_n16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1, d[i] >> 4);
			break;
		case 4:
			l2tp_build_result(&b, d[i] >> 4, d[i] & 16 ? 8 : -1, "x");
			break;
		case 5:
			l2tp_build_n16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 1, d[i] >> 4);
			break;
		case 6:
			l2tp_build_n32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1, d[i]);
			break;
		case 7:
			l2tp_build_n32(&b, L2TP_AVP_TX_CONNECT_SPEED, 1, d[i]);
			break;
		case 8:
			l2tp_build_n32(&b, L2TP_AVP_FRAMING_TYPE, 1, d[i] >> 4);
			break;
		case 9:
			l2tp_build_bytes(&b, L2TP_AVP_CHALLENGE, 1, zeros, (size_t)(d[i] >> 4));
			break;
		case 10:
			l2tp_build_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, 1, zeros,
					 (size_t)(d[i] >> 3));
			break;
		case 11:
			l2tp_build_random_vector(&b, zeros, 1 + (d[i] >> 4), "fuzz", 4);
			break;
		case 12:
			l2tp_build_hidden(&b, 0, (uint16_t)(d[i] >> 2), d[i] & 16, zeros,
					  d[i] >> 6);
			break;
		case 13:
			l2tp_build_bytes(&b, (uint16_t)(26 + (d[i] >> 5)), 0, zeros, d[i] >> 4);
			break;
		case 14:
			l2tp_build_bytes(&b, d[i] & 16 ? L2TP_AVP_CALL_ERRORS : L2TP_AVP_ACCM, 1,
					 zeros, d[i] & 32 ? 26 : 10);
			break;
		default:
			l2tp_build_n16(&b, (uint16_t)(200 + (d[i] >> 4)), d[i] >> 7, 1);
			break;
		}
	}
	if (l2tp_build_finish(&b, &len) == -1)
		return 0;
	return len;
}

static size_t fz_build(struct l2tp_tunnel *t, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	static const uint8_t cookie[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	struct l2tp_builder b;
	struct wbuf w;
	size_t len = 0, i;
	uint16_t type = n ? d[0] : L2TP_MSG_HELLO;

	wbuf_init(&w, out, cap);
	l2tp_build_begin(&b, &w, 3, t->local_id, 0, type);
	for (i = 1; i < n; i++) {
		switch (d[i] % 16) {
		case 0:
			l2tp_build_string(&b, L2TP_AVP_HOST_NAME, 1, "fz");
			break;
		case 1:
			l2tp_build_n32(&b, L2TP_AVP_ROUTER_ID, 1, d[i]);
			break;
		case 2:
			l2tp_build_n32(&b, L2TP_AVP_ASSIGNED_CONN_ID, 1, d[i]);
			break;
		case 3:
			l2tp_build_n16(&b, L2TP_AVP_PW_CAP_LIST, 1, 5);
			break;
		case 4:
			l2tp_build_result(&b, d[i] >> 4, d[i] & 1 ? 8 : -1, "x");
			break;
		case 5:
			l2tp_build_n32(&b, L2TP_AVP_LOCAL_SESSION_ID, 1, d[i] >> 4);
			break;
		case 6:
			l2tp_build_n32(&b, L2TP_AVP_REMOTE_SESSION_ID, 1, 1000 + (d[i] >> 6));
			break;
		case 7:
			l2tp_build_n16(&b, L2TP_AVP_PW_TYPE, 1, d[i] >> 4);
			break;
		case 8:
			l2tp_build_n32(&b, L2TP_AVP_REMOTE_END_ID, 1, d[i] >> 6);
			break;
		case 9:
			l2tp_build_bytes(&b, L2TP_AVP_ASSIGNED_COOKIE, 1, cookie, (d[i] >> 4) & 12);
			break;
		case 10:
			l2tp_build_n16(&b, L2TP_AVP_L2_SUBLAYER, 1, d[i] >> 7);
			break;
		case 11:
			l2tp_build_n16(&b, L2TP_AVP_DATA_SEQUENCING, 1, d[i] >> 6);
			break;
		case 12:
			l2tp_build_n16(&b, (uint16_t)(200 + (d[i] >> 4)), d[i] >> 7, 1);
			break;
		case 13:
			l2tp_build_n64(&b, L2TP_AVP_TIE_BREAKER, 0, d[i]);
			break;
		case 14:
			l2tp_build_n16(&b, L2TP_AVP_RECEIVE_WINDOW, 1, d[i]);
			break;
		default:
			l2tp_build_n32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1, d[i]);
			break;
		}
	}
	if (l2tp_build_finish(&b, &len) == -1)
		return 0;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[2048];
	struct pair n;
	struct l2tp_tunnel *t;
	size_t off = 1;
	int st, side = 0, v2;

	if (size < 1)
		return 0;
	st = data[0] & 7;
	v2 = (data[0] & 16) != 0;
	pair_init(&n, 0);
	if (v2) {
		n.s[0].tp.version = 2;
		n.s[1].tp.version = 2;
		n.s[0].tp.hide_avps = 1;
	}
	if (data[0] & 8) {
		n.s[0].tp.secret = "fuzz";
		n.s[1].tp.secret = "fuzz";
	}
	n.s[1].accept_pw[n.s[1].n_accept++] = 1;
	n.s[0].accept_pw[n.s[0].n_accept++] = 1;
	switch (st) {
	case 0:
		pair_tunnel(&n.s[1], 0);
		side = 1;
		break;
	case 1:
		n.drop_all_from = 0;
		pair_start(&n, 0);
		break;
	case 2:
		n.drop_all_from = 1;
		pair_start(&n, 0);
		pair_run(&n, n.now + 1);
		side = 1;
		break;
	case 3:
	case 4:
		pair_start(&n, 0);
		if (st == 4)
			pair_open(&n, 0, 1);
		pair_run(&n, n.now + 5000);
		side = data[0] >> 7;
		break;
	case 5:
		pair_start(&n, 0);
		pair_run(&n, n.now + 5000);
		if (n.s[0].t)
			l2tp_tunnel_stop(n.s[0].t, 0, NULL, n.now);
		pair_run(&n, n.now + 1000);
		side = 1;
		break;
	default:
		n.drop_all_from = 0;
		pair_start(&n, 0);
		pair_run(&n, n.now + 100000);
		break;
	}
	n.drop_all_from = -1;
	/* The pair may replace a closed tunnel: look it up for every packet. */
	while ((t = n.s[side].t) != NULL && off + 2 <= size) {
		uint8_t flags = data[off];
		size_t len = data[off + 1], plen;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (flags & 8) {
			uint16_t sid = 0;

			if ((flags & 16) && n.s[side].sess[0] != NULL)
				sid = (uint16_t)l2tp_session_info(n.s[side].sess[0])
					  ->local_session_id;
			plen = v2 ? fz_build_v2(t, sid, data + off, len, pkt, sizeof(pkt))
				  : fz_build(t, data + off, len, pkt, sizeof(pkt));
		} else {
			memcpy(pkt, data + off, len);
			plen = len;
		}
		off += len;
		if ((flags & 1) && plen >= 12) {
			struct wbuf w = {.p = pkt, .cap = plen, .len = plen};

			wbuf_set_n16(&w, 0, v2 ? 0xc802 : 0xc803);
			wbuf_set_n16(&w, 2, (uint16_t)plen);
			if (v2)
				wbuf_set_n16(&w, 4, (uint16_t)t->local_id);
			else
				wbuf_set_n32(&w, 4, t->local_id);
		}
		if ((flags & 9) && plen >= 12)
			l2tp_ctrl_set_nsnr(pkt, plen, t->rel.nr, t->rel.una);
		if (flags & 2)
			n.now += 1000;
		l2tp_tunnel_input(t, pkt, plen, n.now);
		if (flags & 4)
			pair_run(&n, n.now + 10);
	}
	pair_run(&n, n.now + 300000);
	pair_free(&n);
	return 0;
}
