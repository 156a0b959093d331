/*
 * libFuzzer target for the TAP offloads (pwd/offload.c).  Input: a
 * virtio-net header (10 bytes, as the TAP gives it) and the frame after it.
 *
 *   - Segmentation: when offload_seg_init() accepts the frame, every
 *     segment must fit the bound, carry a TCP checksum that verifies
 *     (naive RFC 1071 here, not the module's), and the payloads must add up
 *     to the frame's payload in order.  The segments are then coalesced; if
 *     all of them merge, cutting the result again must give the very same
 *     segments.
 *   - Checksum completion on a copy changes at most the two checksum bytes.
 *   - Any frame offered alone to GRO comes back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "../unit/offload_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SEG_MAX 1600
#define FZ_SEGS	   64

static uint8_t segs[FZ_SEGS][FZ_SEG_MAX], again[FZ_SEG_MAX];
static size_t seglen[FZ_SEGS];
static uint8_t gro_out[OFFLOAD_SUPER_MAX];

static int tcp_ok(const uint8_t *f, size_t len, const struct offload_seg *s)
{
	uint32_t sum = 6 + (uint32_t)(len - s->l4);

	sum += s->v6 ? ref_sum(f + s->l3 + 8, 32, 0) : ref_sum(f + s->l3 + 12, 8, 0);
	return ref_sum(f + s->l4, len - s->l4, sum) == 0xffff;
}

static void fuzz_seg(const struct offload_vnet *v, const uint8_t *frame, size_t len)
{
	struct offload_seg s, s2;
	struct offload_gro g;
	struct offload_vnet gv;
	enum offload_err why;
	const uint8_t *merged;
	size_t got = 0, mlen;
	unsigned n = 0, all = 1;
	struct wbuf w;

	if (offload_seg_init(&s, v, frame, len, FZ_SEG_MAX, &why) == -1) {
		if (why == OFFLOAD_OK || why >= OFFLOAD_E_COUNT)
			abort();
		return;
	}
	if (offload_seg_count(&s) > FZ_SEGS)
		return;
	for (;;) {
		int r;

		wbuf_init(&w, segs[n], FZ_SEG_MAX);
		r = offload_seg_next(&s, &w);
		if (r == 0)
			break;
		if (r != 1 || w.len > FZ_SEG_MAX || w.len < s.hdr)
			abort();
		if (!tcp_ok(segs[n], w.len, &s))
			abort();
		if (memcmp(segs[n] + s.hdr, frame + s.hdr + got, w.len - s.hdr) != 0)
			abort();
		got += w.len - s.hdr;
		seglen[n++] = w.len;
		if (n > offload_seg_count(&s))
			abort();
	}
	if (n != offload_seg_count(&s) || got != len - s.hdr)
		abort();

	offload_gro_init(&g, gro_out, sizeof(gro_out));
	for (unsigned i = 0; i < n; i++)
		all &= offload_gro_add(&g, segs[i], seglen[i]) == 1;
	if (offload_gro_empty(&g))
		return;
	if (offload_gro_finish(&g, &gv, &merged, &mlen) == -1)
		abort();
	if (!all || n == 1)
		return;
	if (offload_seg_init(&s2, &gv, merged, mlen, FZ_SEG_MAX, &why) == -1)
		abort();
	for (unsigned i = 0; i < n; i++) {
		wbuf_init(&w, again, sizeof(again));
		if (offload_seg_next(&s2, &w) != 1 || w.len != seglen[i] ||
		    memcmp(again, segs[i], w.len) != 0)
			abort();
	}
	wbuf_init(&w, again, sizeof(again));
	if (offload_seg_next(&s2, &w) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct offload_vnet v, gv;
	struct offload_gro g;
	enum offload_err why;
	const uint8_t *out;
	size_t len, olen;
	uint8_t *copy;
	struct buf b;

	buf_init(&b, data, size);
	if (offload_vnet_get(&b, &v) == -1)
		return 0;
	len = buf_left(&b);
	fuzz_seg(&v, buf_cur(&b), len);

	copy = malloc(len ? len : 1);
	memcpy(copy, buf_cur(&b), len);
	if (offload_csum_complete(copy, len, &v, &why) == 0) {
		size_t at = (size_t)v.csum_start + v.csum_offset;

		for (size_t i = 0; i < len; i++)
			if (copy[i] != buf_cur(&b)[i] &&
			    (!(v.flags & OFFLOAD_F_NEEDS_CSUM) || i < at || i > at + 1))
				abort();
	}
	free(copy);

	offload_gro_init(&g, gro_out, sizeof(gro_out));
	if (offload_gro_add(&g, buf_cur(&b), len) == 1) {
		if (offload_gro_finish(&g, &gv, &out, &olen) == -1 || olen != len ||
		    memcmp(out, buf_cur(&b), len) != 0 || gv.gso_type != OFFLOAD_GSO_NONE)
			abort();
	}
	return 0;
}
