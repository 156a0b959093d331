/*
 * libFuzzer target for the L2TP codec: the control header and AVP walk
 * (v2 and v3, with hidden AVPs unhidden under a fixed secret and every typed
 * getter tried), the v3 Message Digest check, the L2TPv3 data decapsulation
 * over UDP and IP, and the L2TPv2 data header.  Whatever parses is also
 * rebuilt, and the rebuild must parse back to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp_avp.h"
#include "l2tp_data.h"
#include "l2tp_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char secret[] = "fuzz-secret";

static void use_avp(const struct l2tp_avp *a)
{
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	char s[L2TP_AVP_MAX_LEN + 1];
	uint8_t bytes[L2TP_AVP_MAX_LEN];
	struct l2tp_result r;
	size_t n;

	l2tp_avp_get_n16(a, &v16);
	l2tp_avp_get_n32(a, &v32);
	l2tp_avp_get_n64(a, &v64);
	l2tp_avp_get_string(a, s, sizeof(s));
	l2tp_avp_get_string(a, s, 4);
	l2tp_avp_get_bytes(a, bytes, 0, sizeof(bytes), &n);
	if (l2tp_avp_get_result(a, &r) == 0 && buf_left(&r.message) > L2TP_AVP_MAX_LEN)
		abort();
	(void)l2tp_avp_name(a->type);
}

static void control(const struct buf *pkt)
{
	struct l2tp_ctrl_hdr h;
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	struct buf avps;
	uint8_t key[L2TP_DIGEST_KEY_LEN];
	uint16_t res, err;
	int n = 0;

	if (l2tp_ctrl_parse(pkt, &h, &avps, NULL) == -1)
		return;
	/* Length never exceeds what was there, and the AVPs lie inside it. */
	if (h.length > buf_left(pkt) || buf_left(&avps) + L2TP_CTRL_HDR_LEN != h.length)
		abort();
	(void)l2tp_msg_name(h.msg_type);
	for (int with_secret = 0; with_secret < 2; with_secret++) {
		l2tp_avp_reader_init(&r, h.version, &avps, with_secret ? secret : NULL,
				     with_secret ? strlen(secret) : 0);
		while (l2tp_avp_read(&r, &a) == 1 && n++ < 2000) {
			if (buf_left(&a.value) > L2TP_AVP_MAX_LEN)
				abort();
			use_avp(&a);
		}
		if (r.err == L2TP_AVP_UNKNOWN_MANDATORY)
			l2tp_unknown_mandatory_action(h.msg_type, &res, &err);
		(void)l2tp_avp_err_name(r.err);
	}
	l2tp_digest_key(secret, strlen(secret), key);
	l2tp_digest_verify(pkt, key, "0123456789abcdef", 16, "fedcba9876543210", 16, NULL);
}

/* Rebuild a parsed v3 message AVP by AVP and check it parses back the same. */
static void rebuild(const struct buf *pkt)
{
	struct l2tp_ctrl_hdr h, h2;
	struct l2tp_avp_iter it;
	struct l2tp_builder b;
	struct l2tp_avp a;
	struct buf avps, avps2, back;
	static uint8_t mem[70000];
	struct wbuf w;
	size_t len;
	int first = 1;

	if (l2tp_ctrl_parse(pkt, &h, &avps, NULL) == -1 || h.msg_vendor != 0)
		return;
	/* Message Type 0 with AVPs cannot be told from a ZLB by the builder: skip it. */
	if (h.msg_type == L2TP_MSG_ZLB && buf_left(&avps))
		return;
	wbuf_init(&w, mem, sizeof(mem));
	if (l2tp_build_begin(&b, &w, h.version, h.conn_id, h.session_id, h.msg_type) == -1)
		abort();
	l2tp_avp_iter_init(&it, &avps);
	while (l2tp_avp_next(&it, &a) == 1) {
		const uint8_t *p;
		size_t n = buf_left(&a.value);

		if (first) {
			first = 0;
			continue;
		}
		if (buf_get_ptr(&a.value, &p, n) == -1 ||
		    l2tp_build_avp(&b, a.vendor, a.type, a.mandatory, p, n) == -1)
			abort();
	}
	if (l2tp_build_finish(&b, &len) == -1 || l2tp_ctrl_set_nsnr(mem, len, h.ns, h.nr) == -1)
		abort();
	buf_init(&back, mem, len);
	if (l2tp_ctrl_parse(&back, &h2, &avps2, NULL) == -1)
		abort();
	if (h2.msg_type != h.msg_type || h2.conn_id != h.conn_id || h2.ns != h.ns ||
	    h2.nr != h.nr || h2.length != h.length || h2.session_id != h.session_id)
		abort();
}

static void data_v3(const struct buf *pkt, enum l2tp_encap encap)
{
	struct l2tp_data_rx rx = {.cookie_len = 4, .cookie = {0, 0, 0, 0}, .sublayer = 1, .seq = 1};
	struct l2tp_data_rx plain = {0};
	struct buf frame, ctrl = *pkt;
	enum l2tp_data_drop why;
	uint32_t sid;
	int32_t ns;
	int rc = l2tp_data_peek(encap, pkt, &sid, &why);

	if (rc == 1) {
		if (encap == L2TP_ENCAP_IP && buf_skip(&ctrl, 4) == -1)
			abort();
		control(&ctrl);
		return;
	}
	if (rc == 0) {
		/* Twice through the same session: the second sees the sequence state of the first.
		 */
		for (int i = 0; i < 2; i++)
			if (l2tp_data_rx(&rx, encap, pkt, &frame, &ns, &why) == 0 &&
			    (buf_left(&frame) > buf_left(pkt) || ns > 0xffffff))
				abort();
		if (l2tp_data_rx(&plain, encap, pkt, &frame, &ns, &why) == 0 &&
		    buf_left(&frame) + (encap == L2TP_ENCAP_UDP ? 8 : 4) != buf_left(pkt))
			abort();
	}
	(void)l2tp_data_drop_name(why);
}

static void data_v2(const struct buf *pkt)
{
	struct l2tp_v2_data_hdr h;
	struct buf payload;
	enum l2tp_data_drop why;

	if (l2tp_v2_data_parse(pkt, &h, &payload, &why) == 0 && buf_left(&payload) > buf_left(pkt))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf pkt;

	buf_init(&pkt, data, size);
	control(&pkt);
	rebuild(&pkt);
	data_v3(&pkt, L2TP_ENCAP_UDP);
	data_v3(&pkt, L2TP_ENCAP_IP);
	data_v2(&pkt);
	return 0;
}
