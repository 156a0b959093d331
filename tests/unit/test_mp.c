/*
 * Multilink (RFC 1990) sender and receiver: round trips at the fragment
 * boundaries in both header formats, reordering inside the window, loss of
 * the first/middle/last fragment, sequence wrap at 12 and 24 bits, the
 * memory bound under a hostile stream, and the timer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

#define PKT_MAX	   2100
#define PKTS_MAX   2048
#define FRAMES_MAX 256

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

static struct pkt pkts[PKTS_MAX];
static size_t npkts;

/* Delivered payloads, copied. */
static uint8_t *frames[FRAMES_MAX];
static size_t frame_len[FRAMES_MAX];
static size_t nframes;
static uint64_t armed_at;
static int armed_calls;

static void sink_frame(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	ck_assert_uint_lt(nframes, FRAMES_MAX);
	frames[nframes] = malloc(len);
	memcpy(frames[nframes], p, len);
	frame_len[nframes++] = len;
}

static void sink_timer(void *ctx, uint64_t at)
{
	(void)ctx;
	armed_at = at;
	armed_calls++;
}

static const struct mp_rx_ops sink_ops = {.frame = sink_frame, .arm_timer = sink_timer};

static void reset_sinks(void)
{
	for (size_t i = 0; i < nframes; i++)
		free(frames[i]);
	nframes = 0;
	npkts = 0;
	armed_at = 0;
	armed_calls = 0;
}

/* A BCP-like payload: protocol 0x0031 then a pattern that differs per seed. */
static void make_payload(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
	if (len > 0)
		p[0] = 0x00;
	if (len > 1)
		p[1] = 0x31;
}

/* Cut one payload into pkts[] (each a whole PPP payload: protocol first). */
static size_t cut(struct mp_tx *t, const uint8_t *payload, size_t len)
{
	struct mp_tx_iter it;
	struct wbuf w;
	size_t n = 0;
	int r;

	ck_assert_int_eq(mp_tx_begin(t, &it, payload, len), 0);
	for (;;) {
		ck_assert_uint_lt(npkts, PKTS_MAX);
		wbuf_init(&w, pkts[npkts].b, sizeof(pkts[npkts].b));
		r = mp_tx_next(t, &it, &w);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		pkts[npkts++].len = w.len;
		n++;
	}
	return n;
}

/* Feed pkts[i] (an MP packet: protocol 0x003d first) to the receiver. */
static int feed(struct mp_rx *rx, size_t i, uint64_t now)
{
	struct buf b;
	uint16_t proto;

	buf_init(&b, pkts[i].b, pkts[i].len);
	ck_assert_int_eq(buf_get_n16(&b, &proto), 0);
	ck_assert_uint_eq(proto, MP_PROTO);
	return mp_rx_input(rx, &b, now);
}

static struct mp_rx *new_rx(uint16_t mrru, int short_seq, uint8_t window)
{
	struct mp_rx_params p;
	struct mp_rx *rx;

	mp_rx_params_default(&p, mrru, short_seq);
	p.window = window;
	rx = mp_rx_new(&p, &sink_ops, NULL);
	ck_assert_ptr_nonnull(rx);
	return rx;
}

static void new_tx(struct mp_tx *t, uint16_t frag, int short_seq, uint16_t mrru)
{
	struct mp_tx_params p = {.short_seq = short_seq, .frag_max = frag, .mrru = mrru};

	ck_assert_int_eq(mp_tx_init(t, &p), 0);
}

static uint32_t pkt_seq(size_t i, int short_seq, uint8_t *flags)
{
	const uint8_t *h = pkts[i].b + 2;

	if (short_seq) {
		*flags = h[0] & 0xc0;
		return (uint32_t)(h[0] & 0x0f) << 8 | h[1];
	}
	*flags = h[0];
	return (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static void assert_frame(size_t k, const uint8_t *p, size_t len)
{
	ck_assert_uint_gt(nframes, k);
	ck_assert_uint_eq(frame_len[k], len);
	ck_assert_mem_eq(frames[k], p, len);
}

/* ---- sender and round trips ---- */

START_TEST(roundtrip_boundaries)
{
	static const uint16_t fragsz[] = {1, 2, 256, 512, 1400};
	static uint8_t payload[1602];
	const uint16_t mrru = 1600;

	for (int s = 0; s < 2; s++) {
		for (size_t f = 0; f < sizeof(fragsz) / sizeof(fragsz[0]); f++) {
			const size_t fs = fragsz[f];
			const size_t sizes[] = {
			    1,		2,	  3,	      fs - 1 ? fs - 1 : 1,
			    fs,		fs + 1,	  2 * fs - 1, 2 * fs,
			    2 * fs + 1, 1514 + 4, mrru + 1,   mrru + 2};
			struct mp_tx t;
			struct mp_rx *rx = new_rx(mrru, s, 8);
			uint32_t seq = 0;

			reset_sinks();
			new_tx(&t, (uint16_t)fs, s, mrru);
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				size_t len = sizes[k], first, n;
				uint8_t flags;

				if (len > mrru + 2u)
					continue; /* over the MRRU: sender_limits covers it */
				npkts = 0;
				first = 0;
				make_payload(payload, len, (unsigned)k);
				/* a 1-octet payload needs a 1-octet protocol field: make it odd */
				if (len == 1)
					payload[0] = 0x21;
				n = cut(&t, payload, len);
				ck_assert_uint_eq(n, (len + fs - 1) / fs);
				for (size_t i = first; i < npkts; i++) {
					ck_assert_uint_eq(pkt_seq(i, s, &flags), seq);
					seq = (seq + 1) & (s ? 0xfff : 0xffffff);
					ck_assert_uint_eq(!!(flags & MP_FLAG_B), i == first);
					ck_assert_uint_eq(!!(flags & MP_FLAG_E), i == npkts - 1);
					ck_assert_uint_eq(
					    pkts[i].len,
					    2 + (s ? 2 : 4) +
						(i == npkts - 1 ? len - (n - 1) * fs : fs));
					ck_assert_int_eq(feed(rx, i, 0), 0);
				}
				assert_frame(nframes - 1, payload, len);
			}
			ck_assert_uint_eq(mp_rx_stats(rx)->lost, 0);
			ck_assert_uint_eq(mp_rx_bytes_held(rx), 0);
			ck_assert_uint_eq(mp_rx_deadline(rx), 0);
			mp_rx_free(rx);
		}
	}
	reset_sinks();
}
END_TEST

START_TEST(sender_limits)
{
	static uint8_t payload[1700];
	struct mp_tx_params p = {.frag_max = 512, .plain_max = 512, .mrru = 1600};
	struct mp_tx_iter it;
	struct mp_tx t;
	uint8_t small[8];
	struct wbuf w;

	ck_assert_int_eq(mp_tx_init(&t, &p), 0);
	reset_sinks();
	/* Plain: the payload itself, no MP header, no sequence number used. */
	make_payload(payload, 512, 1);
	ck_assert_uint_eq(cut(&t, payload, 512), 1);
	ck_assert_uint_eq(pkts[0].len, 512);
	ck_assert_mem_eq(pkts[0].b, payload, 512);
	ck_assert_uint_eq(t.seq, 0);
	/* One more octet: two fragments, numbers 0 and 1. */
	make_payload(payload, 513, 2);
	ck_assert_uint_eq(cut(&t, payload, 513), 2);
	ck_assert_uint_eq(t.seq, 2);
	/* Information over the peer's MRRU is refused; exactly MRRU is fine. */
	ck_assert_int_eq(mp_tx_begin(&t, &it, payload, 1600 + 3), -1);
	ck_assert_int_eq(mp_tx_begin(&t, &it, payload, 1600 + 2), 0);
	ck_assert_int_eq(mp_tx_begin(&t, &it, payload, 0), -1);
	ck_assert_uint_eq(t.stats.too_big, 2);
	/* No room: nothing written, the same fragment (same number) comes next time. */
	ck_assert_int_eq(mp_tx_begin(&t, &it, payload, 1000), 0);
	wbuf_init(&w, small, sizeof(small));
	ck_assert_int_eq(mp_tx_next(&t, &it, &w), -1);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_uint_eq(t.seq, 2);
	/* Bad parameters. */
	p.frag_max = 0;
	ck_assert_int_eq(mp_tx_init(&t, &p), -1);
	ck_assert_uint_eq(mp_frag_max(1500, 0), 1496);
	ck_assert_uint_eq(mp_frag_max(1500, 1), 1498);
	ck_assert_uint_eq(mp_frag_max(3, 0), 0);
	reset_sinks();
}
END_TEST

/* ---- receiver ---- */

/* Cut nf payloads of len bytes into pkts[]; payload k is kept in pl[k]. */
static uint8_t pl[16][1600];

static void cut_frames(struct mp_tx *t, unsigned nf, size_t len)
{
	for (unsigned k = 0; k < nf; k++) {
		make_payload(pl[k], len, k + 10);
		cut(t, pl[k], len);
	}
}

START_TEST(reorder_within_window)
{
	struct mp_tx t;
	struct mp_rx *rx = new_rx(1600, 0, 8);
	/* 4 frames of 3 fragments: deliver in an order scrambled within 8. */
	static const size_t order[] = {1, 0, 2, 5, 3, 4, 11, 10, 9, 8, 7, 6};

	reset_sinks();
	new_tx(&t, 512, 0, 1600);
	cut_frames(&t, 4, 1518);
	ck_assert_uint_eq(npkts, 12);
	for (size_t i = 0; i < 12; i++)
		ck_assert_int_eq(feed(rx, order[i], 10), 0);
	ck_assert_uint_eq(nframes, 4);
	for (unsigned k = 0; k < 4; k++)
		assert_frame(k, pl[k], 1518);
	ck_assert_uint_eq(mp_rx_stats(rx)->lost, 0);
	ck_assert_uint_eq(mp_rx_frags_held(rx), 0);
	ck_assert_uint_eq(mp_rx_deadline(rx), 0);
	/* A duplicate now is late. */
	ck_assert_int_eq(feed(rx, 5, 11), -1);
	ck_assert_uint_eq(mp_rx_stats(rx)->late, 1);
	mp_rx_free(rx);
	reset_sinks();
}
END_TEST

/*
 * Frames A B C of 3 fragments each; fragment `drop` (0..8) never arrives.
 * The frame it belonged to is lost, the others come through, in both the
 * strict receiver (window 0) and the tolerant one (window 8, where the
 * loss is noticed by a later frame or by the timer).
 */
static void lose_one(uint8_t window, size_t drop, int use_timer)
{
	struct mp_tx t;
	struct mp_rx *rx = new_rx(1600, 0, window);
	size_t lostframe = drop / 3, pos = drop % 3;
	const struct mp_rx_stats *st = mp_rx_stats(rx);
	unsigned nf = use_timer ? 3 : 6;

	reset_sinks();
	new_tx(&t, 512, 0, 1600);
	cut_frames(&t, nf, 1518);
	for (size_t i = 0; i < npkts; i++)
		if (i != drop)
			feed(rx, i, 100 + i);
	if (use_timer) {
		uint64_t at = mp_rx_deadline(rx);

		if (at) {
			ck_assert_uint_eq(armed_at, at);
			mp_rx_timeout(rx, at - 1);
			ck_assert_uint_eq(st->timeouts, 0);
			mp_rx_timeout(rx, at);
			ck_assert_uint_eq(st->timeouts, 1);
		}
	}
	ck_assert_uint_eq(nframes, nf - 1);
	for (unsigned k = 0, j = 0; k < nf; k++)
		if (k != lostframe)
			assert_frame(j++, pl[k], 1518);
	/*
	 * A lost last fragment of the last frame is never seen as a missing
	 * number: only the timer ends that partial frame.
	 */
	ck_assert_uint_eq(st->lost, use_timer && drop == npkts - 1 ? 0 : 1);
	/* Only a partial frame (B seen, E missing) counts as discarded. */
	ck_assert_uint_eq(st->discarded, pos == 0 ? 0 : 1);
	/* Fragments after a lost B have no frame to join. */
	ck_assert_uint_eq(st->orphans, pos == 0 ? 2 : pos == 1 ? 1 : 0);
	ck_assert_uint_eq(mp_rx_bytes_held(rx), 0);
	ck_assert_uint_eq(mp_rx_deadline(rx), 0);
	mp_rx_free(rx);
	reset_sinks();
}

START_TEST(lost_fragment_strict)
{
	/* first, middle and last fragment of the first, a middle and the last frame */
	for (size_t drop = 0; drop < 15; drop++)
		lose_one(0, drop, 0);
}
END_TEST

START_TEST(lost_fragment_window)
{
	for (size_t drop = 0; drop < 9; drop++)
		lose_one(8, drop, 0);
	for (size_t drop = 0; drop < 9; drop++)
		lose_one(8, drop, 1);
	for (size_t drop = 6; drop < 9; drop++)
		lose_one(0, drop, 1);
}
END_TEST

static void wrap(int short_seq)
{
	struct mp_tx t;
	struct mp_rx *rx = new_rx(1600, short_seq, 4);
	uint32_t mask = short_seq ? 0xfff : 0xffffff;

	reset_sinks();
	new_tx(&t, 256, short_seq, 1600);
	t.seq = mask - 7; /* the 6-fragment frames straddle the wrap */
	cut_frames(&t, 3, 1518);
	ck_assert_uint_eq(t.seq, 10);
	/* reorder across the wrap point too */
	for (size_t i = 0; i < npkts; i++) {
		size_t j = (i == 7) ? 8 : (i == 8) ? 7 : i;

		ck_assert_int_eq(feed(rx, j, 0), 0);
	}
	ck_assert_uint_eq(nframes, 3);
	for (unsigned k = 0; k < 3; k++)
		assert_frame(k, pl[k], 1518);
	ck_assert_uint_eq(mp_rx_stats(rx)->lost, 0);
	ck_assert_uint_eq(mp_rx_stats(rx)->late, 0);
	mp_rx_free(rx);
	reset_sinks();
}

START_TEST(seq_wrap_12)
{
	wrap(1);
}
END_TEST

START_TEST(seq_wrap_24)
{
	wrap(0);
}
END_TEST

START_TEST(timeout_partial)
{
	struct mp_tx t;
	struct mp_rx *rx = new_rx(1600, 0, 8);
	const struct mp_rx_stats *st = mp_rx_stats(rx);
	uint64_t at;

	reset_sinks();
	new_tx(&t, 512, 0, 1600);
	cut_frames(&t, 2, 1518);
	feed(rx, 0, 1000);
	at = mp_rx_deadline(rx);
	ck_assert_uint_eq(at, 1000 + MP_RX_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(armed_at, at);
	/* progress restarts the timer */
	feed(rx, 1, 1050);
	ck_assert_uint_eq(mp_rx_deadline(rx), 1050 + MP_RX_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(mp_rx_bytes_held(rx), 1024);
	mp_rx_timeout(rx, 1050 + MP_RX_TIMEOUT_DEFAULT - 1);
	ck_assert_uint_eq(st->timeouts, 0);
	mp_rx_timeout(rx, 1050 + MP_RX_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(st->timeouts, 1);
	ck_assert_uint_eq(st->discarded, 1);
	ck_assert_uint_eq(mp_rx_bytes_held(rx), 0);
	ck_assert_uint_eq(mp_rx_deadline(rx), 0);
	ck_assert_uint_eq(armed_at, 0);
	/* The late last fragment is now an orphan; the next frame is whole. */
	feed(rx, 2, 2000);
	ck_assert_uint_eq(st->orphans, 1);
	for (size_t i = 3; i < 6; i++)
		feed(rx, i, 2001);
	ck_assert_uint_eq(nframes, 1);
	assert_frame(0, pl[1], 1518);
	mp_rx_free(rx);
	reset_sinks();
}
END_TEST

START_TEST(b_after_missing_e)
{
	struct mp_tx t;
	struct mp_rx *rx = new_rx(1600, 1, 0);
	uint8_t flags;

	reset_sinks();
	new_tx(&t, 512, 1, 1600);
	cut_frames(&t, 2, 1518);
	/* Make the first frame's last fragment lose its E bit (a broken sender). */
	pkts[2].b[2] &= (uint8_t)~MP_FLAG_E;
	ck_assert_uint_eq(pkt_seq(2, 1, &flags), 2);
	ck_assert_uint_eq(flags, 0);
	for (size_t i = 0; i < npkts; i++)
		ck_assert_int_eq(feed(rx, i, 0), 0);
	ck_assert_uint_eq(mp_rx_stats(rx)->discarded, 1);
	ck_assert_uint_eq(mp_rx_stats(rx)->lost, 0);
	ck_assert_uint_eq(nframes, 1);
	assert_frame(0, pl[1], 1518);
	mp_rx_free(rx);
	reset_sinks();
}
END_TEST

/* Write one raw MP packet into pkts[npkts] and feed it. */
static int feed_raw(struct mp_rx *rx, int short_seq, uint8_t flags, uint32_t seq,
		    const uint8_t *data, size_t n, uint64_t now)
{
	struct wbuf w;
	int r;

	wbuf_init(&w, pkts[0].b, sizeof(pkts[0].b));
	wbuf_add_n16(&w, MP_PROTO);
	if (short_seq) {
		wbuf_add_n16(&w, (uint16_t)(flags << 8 | (seq & 0xfff)));
	} else {
		wbuf_add_n8(&w, flags);
		wbuf_add_n8(&w, (uint8_t)(seq >> 16));
		wbuf_add_n16(&w, (uint16_t)seq);
	}
	wbuf_add_bytes(&w, data, n);
	ck_assert_int_eq(w.err, 0);
	pkts[0].len = w.len;
	r = feed(rx, 0, now);
	return r;
}

START_TEST(hostile_headers)
{
	struct mp_rx *rx = new_rx(1600, 0, 8);
	const struct mp_rx_stats *st = mp_rx_stats(rx);
	uint8_t data[1700];
	struct buf b;

	reset_sinks();
	memset(data, 0, sizeof(data));
	/* Truncated header. */
	buf_init(&b, data, 3);
	ck_assert_int_eq(mp_rx_input(rx, &b, 0), -1);
	ck_assert_uint_eq(st->bad_header, 1);
	/* A slice longer than frag_max. */
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 0, data, 1601, 0), -1);
	ck_assert_uint_eq(st->frag_too_big, 1);
	/* An empty payload and a 1-octet one with an even (2-octet) protocol octet. */
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 0, data, 0, 0), 0);
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 1, data, 1, 0), 0);
	ck_assert_uint_eq(st->runt, 2);
	/* MP inside MP. */
	data[1] = 0x3d;
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 2, data, 10, 0), 0);
	data[0] = 0x3d;
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 3, data, 10, 0), 0);
	ck_assert_uint_eq(st->nested, 2);
	ck_assert_uint_eq(nframes, 0);
	/* Far behind: the peer restarted; we follow at once. */
	data[0] = 0x00, data[1] = 0x31;
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 0x800004, data, 10, 0), 0);
	ck_assert_uint_eq(st->resyncs, 1);
	ck_assert_uint_eq(nframes, 1);
	/* Just behind: late. */
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 0x800001, data, 10, 0), -1);
	ck_assert_uint_eq(st->late, 1);
	/* Far ahead (under half the space): a jump, then everything flows again. */
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 0x900000, data, 10, 0), 0);
	ck_assert_uint_eq(nframes, 1); /* held at the window's edge */
	ck_assert_int_eq(feed_raw(rx, 0, 0xc0, 0x900009, data, 10, 0), 0);
	ck_assert_uint_eq(nframes, 2);
	ck_assert_uint_eq(st->lost, (0x900000 - 8 - 0x800005) + 8);
	/* 0x900001..8 never come: the timer gives up on them. */
	mp_rx_timeout(rx, mp_rx_deadline(rx));
	ck_assert_uint_eq(nframes, 3);
	ck_assert_uint_eq(st->lost, (0x900000 - 8 - 0x800005) + 16);
	ck_assert_uint_eq(st->timeouts, 1);
	/* Payload growing past MRRU: B, then middles, never E. */
	for (uint32_t s = 0x90000a; s < 0x90000a + 4; s++)
		feed_raw(rx, 0, s == 0x90000a ? 0x80 : 0, s, data, 500, 0);
	ck_assert_uint_eq(st->oversize, 1);
	ck_assert_uint_le(mp_rx_bytes_held(rx), 1602);
	mp_rx_free(rx);
	reset_sinks();
}
END_TEST

/* Deterministic generator for the hostile stream. */
static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

START_TEST(memory_bound_hostile_stream)
{
	static uint8_t data[1600];
	for (int s = 0; s < 2; s++) {
		for (uint8_t window = 0; window <= MP_RX_WINDOW_MAX; window += 16) {
			struct mp_rx *rx = new_rx(65535, s, window);
			size_t bound = mp_rx_bytes_bound(rx);
			uint64_t ov;
			uint32_t base = 0;

			reset_sinks();
			ck_assert_uint_eq(bound, 65537 + (size_t)window * MP_RX_FRAG_MAX_DEFAULT);
			for (unsigned i = 0; i < 20000; i++) {
				uint32_t r = rnd();
				/* Mostly near the expected number, sometimes anywhere; E rare. */
				uint32_t seq = (r & 15) ? base + (r >> 8) % (window + 3) : rnd();
				uint8_t flags = (r & 0x1f0) == 0x100 ? MP_FLAG_B : 0;
				size_t n = rnd() % (MP_RX_FRAG_MAX_DEFAULT + 1);

				if ((r & 0xff0) == 0x7f0)
					flags |= MP_FLAG_E;
				feed_raw(rx, s, flags, seq, data, n, i);
				base += (r & 1);
				ck_assert_uint_le(mp_rx_bytes_held(rx), bound);
				ck_assert_uint_le(mp_rx_frags_held(rx), window);
				if ((i & 1023) == 0)
					mp_rx_timeout(rx, i);
				/* keep the sink from filling: only counts matter here */
				if (nframes > FRAMES_MAX / 2)
					reset_sinks();
			}
			/*
			 * Now push it to the bound on purpose: a payload that
			 * grows in order without E until MRRU stops it, then
			 * one that grows to 60000 octets while a gap holds a
			 * full window of early fragments behind it.
			 */
			mp_rx_reset(rx);
			ov = mp_rx_stats(rx)->oversize;
			for (uint32_t k = 0; k < 50; k++)
				feed_raw(rx, s, k ? 0 : MP_FLAG_B, k, data, 1600, 0);
			ck_assert_uint_eq(mp_rx_stats(rx)->oversize, ov + 1);
			ck_assert_uint_le(mp_rx_bytes_held(rx), bound);
			mp_rx_reset(rx);
			for (uint32_t k = 0; k < 38; k++)
				feed_raw(rx, s, k ? 0 : MP_FLAG_B, k, data, 1600, 0);
			for (uint32_t k = 0; k < window; k++)
				feed_raw(rx, s, 0, 39 + k, data, 1600, 0);
			ck_assert_uint_eq(mp_rx_bytes_held(rx), 38 * 1600 + (size_t)window * 1600);
			ck_assert_uint_le(mp_rx_bytes_held(rx), bound);
			ck_assert_uint_eq(mp_rx_frags_held(rx), window);
			mp_rx_free(rx);
		}
	}
	reset_sinks();
}
END_TEST

static struct mp_rx *reenter_rx;
static int reenter_result;

static void reenter_frame(void *ctx, const uint8_t *p, size_t len)
{
	struct buf b;
	uint8_t hdr[6] = {0xc0, 0, 0, 9, 0x00, 0x21};

	(void)ctx, (void)p, (void)len;
	buf_init(&b, hdr, sizeof(hdr));
	reenter_result = mp_rx_input(reenter_rx, &b, 0);
}

START_TEST(reentry_refused)
{
	static const struct mp_rx_ops ops = {.frame = reenter_frame};
	struct mp_rx_params p;
	uint8_t data[4] = {0, 0x31, 1, 2};

	mp_rx_params_default(&p, 1600, 0);
	reenter_rx = mp_rx_new(&p, &ops, NULL);
	ck_assert_ptr_nonnull(reenter_rx);
	ck_assert_int_eq(feed_raw(reenter_rx, 0, 0xc0, 0, data, 4, 0), 0);
	ck_assert_int_eq(reenter_result, -1);
	ck_assert_uint_eq(mp_rx_stats(reenter_rx)->reentered, 1);
	/* and reset forgets the position: any number is in order again */
	mp_rx_reset(reenter_rx);
	ck_assert_int_eq(feed_raw(reenter_rx, 0, 0xc0, 0x1234, data, 4, 0), 0);
	ck_assert_uint_eq(mp_rx_stats(reenter_rx)->reassembled, 2);
	ck_assert_uint_eq(mp_rx_stats(reenter_rx)->resyncs, 0);
	mp_rx_free(reenter_rx);
	/* bad parameters */
	p.window = MP_RX_WINDOW_MAX + 1;
	ck_assert_ptr_null(mp_rx_new(&p, &ops, NULL));
	p.window = 0;
	p.timeout_ms = 0;
	ck_assert_ptr_null(mp_rx_new(&p, &ops, NULL));
	mp_rx_free(NULL);
}
END_TEST

static Suite *mp_suite(void)
{
	Suite *s = suite_create("mp");
	TCase *tc = tcase_create("mp");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, roundtrip_boundaries);
	tcase_add_test(tc, sender_limits);
	tcase_add_test(tc, reorder_within_window);
	tcase_add_test(tc, lost_fragment_strict);
	tcase_add_test(tc, lost_fragment_window);
	tcase_add_test(tc, seq_wrap_12);
	tcase_add_test(tc, seq_wrap_24);
	tcase_add_test(tc, timeout_partial);
	tcase_add_test(tc, b_after_missing_e);
	tcase_add_test(tc, hostile_headers);
	tcase_add_test(tc, memory_bound_hostile_stream);
	tcase_add_test(tc, reentry_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
