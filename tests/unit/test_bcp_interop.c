/*
 * Interop with freeRtr (tests/interop/freertr/, see INDEX.md): every PPP
 * frame of every capture is decoded with our parsers without error; every
 * Configure-Request freeRtr sent (LCP and BCP) is Acked as is by our LCP
 * (with an mrru configured) and BCP; every bridged frame, whole or
 * reassembled from Multilink fragments by our own receiver (mp.c, strict:
 * not one loss or discard allowed), is decoded and re-encoded from its
 * Ethernet payload to the very same bytes.
 *
 * The captures are read with libpcap (test_ppp_pcap.h).
 */
#include <check.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bcp.h"
#include "cpopt.h"
#include "lcp.h"
#include "mp.h"
#include "ppp.h"
#include "test_ppp_pcap.h"

#define CAPDIR "tests/interop/freertr/"

struct totals {
	unsigned files, ppp, lcp, lcp_confreq, bcp, bcp_confreq, bridged, mp_frags, mp_frames;
	unsigned echo;
};

static struct totals tot;

/* ---- one reply from a fresh LCP / BCP instance ---- */

static uint8_t reply_code;

static void sink(void *ctx, uint16_t proto, const uint8_t *p, size_t len)
{
	(void)ctx, (void)proto;
	if (len)
		reply_code = p[0];
}

static const struct fsm_io sink_io = {.send = sink};

static void sink_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	memset(out, 0x5a, len);
}

static const struct lcp_ops lcp_sink_ops = {.random = sink_random};

static uint8_t lcp_answer(const uint8_t *pkt, size_t len)
{
	struct lcp_params p = {.auth = PPP_AUTH_ALL, .mrru = 1600, .short_seq = 1};
	static struct lcp l;

	lcp_init(&l, &p, &lcp_sink_ops, NULL, &sink_io, NULL);
	fsm_open(&l.fsm, 0);
	fsm_lower_up(&l.fsm, 0);
	reply_code = 0;
	ck_assert_int_eq(fsm_input(&l.fsm, pkt, len, 0), 0);
	return reply_code;
}

static uint8_t bcp_answer(const uint8_t *pkt, size_t len)
{
	struct bcp_params p = {.tagged = 1};
	static struct bcp b;

	bcp_init(&b, &p, NULL, NULL, &sink_io, NULL);
	fsm_open(&b.fsm, 0);
	fsm_lower_up(&b.fsm, 0);
	reply_code = 0;
	ck_assert_int_eq(fsm_input(&b.fsm, pkt, len, 0), 0);
	return reply_code;
}

/* A control packet's header and option list must parse (RFC 1661 §5, §6). */
static void check_cp(const char *what, struct buf *b, const char *file, unsigned no)
{
	uint8_t code, id, type;
	uint16_t len;
	struct buf body, val;
	int r;

	ck_assert_msg(buf_get_n8(b, &code) == 0 && buf_get_n8(b, &id) == 0 &&
			  buf_get_n16(b, &len) == 0 && len >= 4 &&
			  buf_get_sub(b, &body, len - 4u) == 0,
		      "%s #%u: bad %s header", file, no, what);
	if (code >= FSM_CONFREQ && code <= FSM_CONFREJ) {
		while ((r = cpopt_next(&body, &type, &val)) == 0)
			;
		ck_assert_msg(r == 1, "%s #%u: bad %s option list", file, no, what);
	}
}

/* ---- bridged frames ---- */

static void check_bridged(const uint8_t *info, size_t len, const char *file, unsigned no)
{
	uint8_t eth[4096], enc[4096 + 8];
	struct bcp_enc e = {0};
	struct buf b;
	struct wbuf w;
	size_t n = 0;
	enum bcp_frame_err err;

	buf_init(&b, info, len);
	err = bcp_frame_decode(&b, eth, sizeof(eth), &n, NULL);
	ck_assert_msg(err == BCP_FRAME_OK, "%s #%u: bridged frame: %s", file, no,
		      bcp_frame_err_name(err));
	/* freeRtr sends "00 01": no flags, MAC type 802.3. */
	ck_assert_msg(info[0] == 0x00 && info[1] == 0x01, "%s #%u: header %02x %02x", file, no,
		      info[0], info[1]);
	wbuf_init(&w, enc, sizeof(enc));
	ck_assert_int_eq(bcp_frame_encode(&w, eth, n, &e), 0);
	ck_assert_msg(w.len == len && memcmp(enc, info, len) == 0,
		      "%s #%u: re-encoded %zu bytes differ from the %zu captured", file, no, w.len,
		      len);
	tot.bridged++;
}

/*
 * ---- Multilink reassembly: our receiver (mp.c), strict (window 0) since
 * freeRtr sends in order over one link; any loss or discard fails ----
 */

struct mp_dir {
	uint32_t src;
	struct mp_rx *rx;
	const char *file;
	unsigned no;
};

static struct mp_dir mpd[4];
static int short_seq;

static void check_ppp(const uint8_t *frame, size_t len, uint32_t src, const char *file, unsigned no,
		      int inner);

static void mp_frame(void *ctx, const uint8_t *payload, size_t len)
{
	struct mp_dir *d = ctx;

	tot.mp_frames++;
	check_ppp(payload, len, d->src, d->file, d->no, 1);
}

static void mp_arm(void *ctx, uint64_t at)
{
	(void)ctx, (void)at;
}

static const struct mp_rx_ops mp_ops = {.frame = mp_frame, .arm_timer = mp_arm};

static struct mp_dir *mp_dir_of(uint32_t src)
{
	struct mp_rx_params p;
	int i;

	for (i = 0; i < 4; i++)
		if (mpd[i].src == src)
			return &mpd[i];
	for (i = 0; i < 4; i++)
		if (!mpd[i].src) {
			mpd[i].src = src;
			/* The header format is known once LCP has negotiated SSNHF. */
			mp_rx_params_default(&p, PPP_FRAME_MAX, short_seq);
			p.window = 0;
			mpd[i].rx = mp_rx_new(&p, &mp_ops, &mpd[i]);
			ck_assert_ptr_nonnull(mpd[i].rx);
			return &mpd[i];
		}
	ck_abort_msg("too many directions");
	return NULL;
}

static void check_mp(struct buf *b, uint32_t src, const char *file, unsigned no)
{
	struct mp_dir *d = mp_dir_of(src);
	const struct mp_rx_stats *st;

	tot.mp_frags++;
	d->file = file;
	d->no = no;
	ck_assert_msg(mp_rx_input(d->rx, b, 0) == 0, "%s #%u: MP fragment refused", file, no);
	st = mp_rx_stats(d->rx);
	ck_assert_msg(st->lost == 0 && st->discarded == 0 && st->orphans == 0,
		      "%s #%u: MP lost %" PRIu64 " discarded %" PRIu64 " orphans %" PRIu64, file,
		      no, st->lost, st->discarded, st->orphans);
}

static void mp_dirs_free(void)
{
	int i;

	for (i = 0; i < 4; i++)
		mp_rx_free(mpd[i].rx);
	memset(mpd, 0, sizeof(mpd));
}

static void check_ppp(const uint8_t *frame, size_t len, uint32_t src, const char *file, unsigned no,
		      int inner)
{
	struct buf b;
	uint8_t a, c;
	uint16_t proto;

	buf_init(&b, frame, len);
	if (buf_peek_n8(&b, 0, &a) == 0 && buf_peek_n8(&b, 1, &c) == 0 && a == 0xff && c == 0x03)
		buf_skip(&b, 2);
	ck_assert_int_eq(buf_get_n16(&b, &proto), 0);
	if (!inner)
		tot.ppp++;
	switch (proto) {
	case PPP_PROTO_LCP:
		tot.lcp++;
		if (buf_cur(&b)[0] == FSM_CONFREQ) {
			tot.lcp_confreq++;
			ck_assert_msg(lcp_answer(buf_cur(&b), buf_left(&b)) == FSM_CONFACK,
				      "%s #%u: LCP request not acked", file, no);
			/* Short sequence numbers from here on, if asked for. */
			if (memmem(buf_cur(&b) + 4, buf_left(&b) - 4, "\x12\x02", 2))
				short_seq = 1;
		}
		if (buf_cur(&b)[0] == FSM_ECHOREQ || buf_cur(&b)[0] == FSM_ECHOREP)
			tot.echo++;
		check_cp("lcp", &b, file, no);
		break;
	case PPP_PROTO_BCP:
		tot.bcp++;
		if (buf_cur(&b)[0] == FSM_CONFREQ) {
			tot.bcp_confreq++;
			ck_assert_msg(bcp_answer(buf_cur(&b), buf_left(&b)) == FSM_CONFACK,
				      "%s #%u: BCP request not acked", file, no);
		}
		check_cp("bcp", &b, file, no);
		break;
	case PPP_PROTO_BRIDGED:
		check_bridged(buf_cur(&b), buf_left(&b), file, no);
		break;
	case PPP_PROTO_MP:
		ck_assert_msg(!inner, "%s #%u: MP inside MP", file, no);
		check_mp(&b, src, file, no);
		break;
	default:
		ck_abort_msg("%s #%u: unexpected PPP protocol 0x%04x", file, no, proto);
	}
}

struct walk {
	const char *file;
};

static void on_frame(void *ctx, const uint8_t *frame, size_t len, uint32_t src, unsigned no)
{
	struct walk *w = ctx;

	check_ppp(frame, len, src, w->file, no, 0);
}

static void check_file(const char *file)
{
	struct walk w = {.file = file};

	mp_dirs_free();
	short_seq = 0;
	tot.files++;
	pcap_ppp_walk(file, on_frame, &w);
	mp_dirs_free();
}

START_TEST(freertr_captures)
{
	glob_t g;
	size_t i;

	memset(&tot, 0, sizeof(tot));
	ck_assert_int_eq(glob(CAPDIR "*.pcap", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		/* The Ethernet pseudowire carries no PPP at all. */
		if (strstr(g.gl_pathv[i], "ethernet-pw"))
			continue;
		check_file(g.gl_pathv[i]);
	}
	globfree(&g);
	printf("freertr: %u captures, %u PPP frames: %u LCP (%u requests acked, %u echo), "
	       "%u BCP (%u requests acked), %u bridged frames re-encoded identically, "
	       "%u MP fragments -> %u frames\n",
	       tot.files, tot.ppp, tot.lcp, tot.lcp_confreq, tot.echo, tot.bcp, tot.bcp_confreq,
	       tot.bridged, tot.mp_frags, tot.mp_frames);
	ck_assert_uint_ge(tot.files, 6);
	ck_assert_uint_gt(tot.lcp_confreq, 10);
	ck_assert_uint_gt(tot.bcp_confreq, 10);
	ck_assert_uint_gt(tot.mp_frames, 10);
	ck_assert_uint_gt(tot.bridged, 100);
}
END_TEST

static Suite *interop_suite(void)
{
	Suite *s = suite_create("bcp_interop");
	TCase *tc = tcase_create("freertr");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, freertr_captures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(interop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
