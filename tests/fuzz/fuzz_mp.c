/*
 * libFuzzer target for Multilink (bcp/mp.c).  The first two input bytes
 * pick the receiver: header format, reorder window, MRRU and fragment
 * limit (small ones, so the bounds are reached).  The rest is a list of
 * records, each one byte of op then data:
 *
 *	op < 0xf0: an MP packet of (op & 0x7f) bytes (what follows 0x003d),
 *	           the clock moving by op >> 7 ms before it;
 *	op >= 0xf0: the timer fires at now + (op & 0x0f) * 50 ms.
 *
 * After every step the memory bound must hold.  Every reassembled payload
 * must fit MRRU + protocol.  Finally the whole input, cut by our sender and
 * fed to a fresh receiver, must come back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	size_t max_payload;
	const uint8_t *want;
	size_t want_len;
	unsigned got;
};

static void fz_frame(void *ctx, const uint8_t *p, size_t len)
{
	struct fz *f = ctx;

	if (len > f->max_payload)
		abort();
	if (f->want) {
		if (len != f->want_len || memcmp(p, f->want, len) != 0)
			abort();
	}
	f->got++;
}

static const struct mp_rx_ops fz_ops = {.frame = fz_frame};

static void check_bounds(const struct mp_rx *rx, const struct mp_rx_params *p)
{
	if (mp_rx_bytes_held(rx) > mp_rx_bytes_bound(rx))
		abort();
	if (mp_rx_frags_held(rx) > p->window)
		abort();
	if (mp_rx_bytes_bound(rx) != (size_t)p->mrru + 2 + (size_t)p->window * p->frag_max)
		abort();
}

/* Our sender's output, fed back, must give the payload again. */
static void roundtrip(const uint8_t *payload, size_t len, int short_seq, uint16_t frag)
{
	struct mp_tx_params tp = {.short_seq = short_seq, .frag_max = frag, .mrru = 4000};
	struct mp_rx_params rp;
	struct mp_tx_iter it;
	struct mp_tx t;
	struct mp_rx *rx;
	struct fz f = {.max_payload = 4002, .want = payload, .want_len = len};
	uint8_t pkt[300];
	struct wbuf w;
	struct buf b;
	uint16_t proto;

	if (len == 0 || mp_tx_init(&t, &tp) == -1 || mp_tx_begin(&t, &it, payload, len) == -1)
		return;
	mp_rx_params_default(&rp, 4000, short_seq);
	rx = mp_rx_new(&rp, &fz_ops, &f);
	if (rx == NULL)
		abort();
	t.seq = (uint32_t)len * 977; /* anywhere in the space, wraps included */
	for (;;) {
		wbuf_init(&w, pkt, sizeof(pkt));
		int r = mp_tx_next(&t, &it, &w);

		if (r == 0)
			break;
		if (r == -1)
			abort();
		buf_init(&b, pkt, w.len);
		if (buf_get_n16(&b, &proto) == -1 || proto != MP_PROTO)
			abort();
		mp_rx_input(rx, &b, 0);
	}
	/* A first number up to 128 away looks like loss at first: the timer settles it. */
	for (int k = 0; mp_rx_deadline(rx) != 0; k++) {
		if (k > MP_RX_WINDOW_MAX + 2)
			abort();
		mp_rx_timeout(rx, mp_rx_deadline(rx));
	}
	/* Payloads that are only a protocol field of the MP kind are refused, rightly. */
	if (f.got != 1 && !(mp_rx_stats(rx)->nested || mp_rx_stats(rx)->runt))
		abort();
	mp_rx_free(rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_rx_params p;
	struct mp_rx *rx;
	struct fz f = {0};
	uint64_t now = 0;
	size_t i = 2;
	struct buf b;

	if (size < 2)
		return 0;
	mp_rx_params_default(&p, (uint16_t)(64 + (data[1] & 0x3f) * 16), data[0] & 1);
	p.window = (uint8_t)((data[0] >> 1) % (MP_RX_WINDOW_MAX + 1));
	p.frag_max = (uint16_t)(16 + (data[1] >> 6) * 40);
	f.max_payload = (size_t)p.mrru + 2;
	rx = mp_rx_new(&p, &fz_ops, &f);
	if (rx == NULL)
		abort();
	while (i < size) {
		uint8_t op = data[i++];
		size_t n;

		if (op >= 0xf0) {
			mp_rx_timeout(rx, now + (op & 0x0f) * 50u);
			now += (op & 0x0f) * 50u;
		} else {
			n = op & 0x7f;
			if (n > size - i)
				n = size - i;
			now += op >> 7;
			buf_init(&b, data + i, n);
			mp_rx_input(rx, &b, now);
			i += n;
		}
		check_bounds(rx, &p);
		if (mp_rx_deadline(rx) != 0 && mp_rx_deadline(rx) > now + p.timeout_ms)
			abort();
	}
	mp_rx_free(rx);
	roundtrip(data, size, data[0] & 1, (uint16_t)(1 + data[1] % 200));
	return 0;
}
