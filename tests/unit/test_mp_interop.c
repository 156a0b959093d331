/*
 * Multilink against freeRtr (tests/interop/freertr/, INDEX.md): every MP
 * fragment of the L2TPv2 + BCP captures goes through our receiver, which
 * must hand back the bridged frames whole (BCP header 00 01, then an
 * Ethernet frame whose IPv4 length agrees with its own length, 1514-byte
 * frames among them) without a single loss or discard.  Each reassembled
 * payload is then cut again by our sender at freeRtr's fragment size, and
 * must give the very MP packets freeRtr sent, byte for byte; freeRtr's
 * plain (unfragmented) bridged frames must come out of our sender plain.
 *
 * Underlay: pcapvec.c (libpcap, struct buf) gives the L2TP datagram; then
 * the L2TPv2 data header (l2tp_v2_data_parse), FF 03, the PPP protocol.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "l2tp_data.h"
#include "mp.h"
#include "pcapvec.c"

#define PPP_PROTO_BCP_BRIDGED 0x0031
#define DIRS		      2
#define PKTS_MAX	      4096
#define PKT_MAX		      600

struct capfile {
	const char *name;
	int short_seq;
	uint16_t frag;
};

static const struct capfile files[] = {
    {"freertr/l2tpv2_bcp_mp-long_mrru1600_frag512.pcap", 0, 512},
    {"freertr/l2tpv2_bcp_mp-short_mrru1600_frag256.pcap", 1, 256},
    {"freertr/l2tpv2_bcp_mp-long_mrru1600_frag512_vlan100-tagged.pcap", 0, 512},
    {"freertr/l2tpv2_bcp_mp-long_frag512_tunnel-auth-secret-s3cret.pcap", 0, 512},
};

/* One direction of one capture: its receiver, our sender, what freeRtr sent. */
struct dir {
	uint8_t src[4];
	int used;
	struct mp_rx *rx;
	struct mp_tx tx;
	uint8_t (*mp)[PKT_MAX]; /* freeRtr's MP packets (protocol 0x003d first), in order */
	size_t *mp_len;
	size_t n_mp, matched;
	unsigned frames, frames_1514, plain;
	int first_seq_seen;
};

struct ctx {
	const struct capfile *f;
	struct dir d[DIRS];
};

/*
 * Ethernet inside BCP.  Reassembled frames are the big pings: IPv4 whose
 * total length + MAC header(s) is the frame length.  Plain ones may be ARP
 * (padded to 60 octets) or small IPv4 as well.
 */
static void check_bridged(const uint8_t *p, size_t len, int must_be_ip)
{
	struct buf b;
	uint16_t proto, bcp_hdr, type, iplen;
	size_t mac = 14;

	buf_init(&b, p, len);
	ck_assert_int_eq(buf_get_n16(&b, &proto), 0);
	ck_assert_uint_eq(proto, PPP_PROTO_BCP_BRIDGED);
	/* freeRtr: flags 0, MAC type 1 (IEEE 802.3), no LAN FCS (INDEX.md). */
	ck_assert_int_eq(buf_get_n16(&b, &bcp_hdr), 0);
	ck_assert_uint_eq(bcp_hdr, 0x0001);
	ck_assert_int_eq(buf_peek_n16(&b, 12, &type), 0);
	if (type == 0x8100) {
		mac += 4;
		ck_assert_int_eq(buf_peek_n16(&b, 16, &type), 0);
	}
	if (!must_be_ip && type == 0x0806) {
		ck_assert_uint_ge(buf_left(&b), mac + 28);
		return;
	}
	ck_assert_uint_eq(type, 0x0800);
	ck_assert_int_eq(buf_peek_n16(&b, mac + 2, &iplen), 0);
	ck_assert_uint_eq(iplen + mac, buf_left(&b));
}

/* Reassembled payload: check it, cut it again, compare with freeRtr's packets. */
static void on_frame(void *ctxp, const uint8_t *p, size_t len)
{
	struct dir *d = ctxp;
	struct mp_tx_iter it;
	uint8_t out[PKT_MAX];
	struct wbuf w;
	int r;

	check_bridged(p, len, 1);
	d->frames++;
	if (len - 4 >= 1514)
		d->frames_1514++;
	ck_assert_int_eq(mp_tx_begin(&d->tx, &it, p, len), 0);
	for (;;) {
		wbuf_init(&w, out, sizeof(out));
		r = mp_tx_next(&d->tx, &it, &w);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		ck_assert_uint_lt(d->matched, d->n_mp);
		ck_assert_uint_eq(w.len, d->mp_len[d->matched]);
		ck_assert_mem_eq(out, d->mp[d->matched], w.len);
		d->matched++;
	}
}

static const struct mp_rx_ops rx_ops = {.frame = on_frame};

static struct dir *dir_of(struct ctx *c, const uint8_t src[4])
{
	struct mp_tx_params tp = {0};
	struct mp_rx_params rp;
	struct dir *d;

	for (int i = 0; i < DIRS; i++)
		if (c->d[i].used && memcmp(c->d[i].src, src, 4) == 0)
			return &c->d[i];
	for (int i = 0; i < DIRS; i++) {
		d = &c->d[i];
		if (d->used)
			continue;
		d->used = 1;
		memcpy(d->src, src, 4);
		mp_rx_params_default(&rp, 1600, c->f->short_seq);
		d->rx = mp_rx_new(&rp, &rx_ops, d);
		ck_assert_ptr_nonnull(d->rx);
		/* freeRtr sends what fits one fragment as plain PPP (INDEX.md). */
		tp.short_seq = c->f->short_seq;
		tp.frag_max = c->f->frag;
		tp.plain_max = c->f->frag;
		tp.mrru = 1600;
		ck_assert_int_eq(mp_tx_init(&d->tx, &tp), 0);
		d->mp = calloc(PKTS_MAX, sizeof(*d->mp));
		d->mp_len = calloc(PKTS_MAX, sizeof(*d->mp_len));
		ck_assert_ptr_nonnull(d->mp);
		ck_assert_ptr_nonnull(d->mp_len);
		return d;
	}
	ck_abort_msg("more than %d directions", DIRS);
	return NULL;
}

/* A plain bridged frame: our sender must send it plain, the same bytes. */
static void check_plain(struct dir *d, const uint8_t *p, size_t len)
{
	struct mp_tx_iter it;
	uint8_t out[PKT_MAX];
	struct wbuf w;
	uint32_t seq = d->tx.seq;

	check_bridged(p, len, 0);
	ck_assert_int_eq(mp_tx_begin(&d->tx, &it, p, len), 0);
	wbuf_init(&w, out, sizeof(out));
	ck_assert_int_eq(mp_tx_next(&d->tx, &it, &w), 1);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(out, p, len);
	ck_assert_int_eq(mp_tx_next(&d->tx, &it, &w), 0);
	ck_assert_uint_eq(d->tx.seq, seq);
	d->plain++;
}

static int on_l2tp(void *ctxp, const struct pcapvec_pkt *pk)
{
	struct ctx *c = ctxp;
	struct l2tp_v2_data_hdr h;
	struct buf ppp, mpbuf;
	uint16_t ac, proto;
	struct dir *d;

	/* Control messages (T bit) are not ours here. */
	if (l2tp_v2_data_parse(&pk->l2tp, &h, &ppp, NULL) == -1)
		return 0;
	/* Address and Control, FF 03 (RFC 1662 §3.1), present in these captures. */
	if (buf_peek_n16(&ppp, 0, &ac) == 0 && ac == 0xff03)
		buf_skip(&ppp, 2);
	if (buf_peek_n16(&ppp, 0, &proto) == -1)
		return 0;
	d = dir_of(c, pk->src);
	if (proto == PPP_PROTO_BCP_BRIDGED) {
		check_plain(d, buf_cur(&ppp), buf_left(&ppp));
		return 0;
	}
	if (proto != MP_PROTO)
		return 0;
	ck_assert_uint_lt(d->n_mp, PKTS_MAX);
	ck_assert_uint_le(buf_left(&ppp), PKT_MAX);
	memcpy(d->mp[d->n_mp], buf_cur(&ppp), buf_left(&ppp));
	d->mp_len[d->n_mp++] = buf_left(&ppp);
	if (!d->first_seq_seen) {
		/* freeRtr numbers from 0, as our sender does: no offset to fake. */
		uint32_t hdr;

		ck_assert_int_eq(buf_peek_n32(&ppp, 2, &hdr), 0);
		ck_assert_uint_eq(c->f->short_seq ? (hdr >> 16) & 0x0fff : hdr & 0xffffff, 0);
		d->first_seq_seen = 1;
	}
	mpbuf = ppp;
	buf_skip(&mpbuf, 2);
	ck_assert_int_eq(mp_rx_input(d->rx, &mpbuf, pk->frame), 0);
	return 0;
}

START_TEST(freertr_reassemble_and_refragment)
{
	const struct capfile *f = &files[_i];
	struct pcapvec_stats st;
	struct ctx c;
	unsigned frames = 0, frames_1514 = 0;

	memset(&c, 0, sizeof(c));
	c.f = f;
	ck_assert_int_eq(pcapvec_each_in(f->name, on_l2tp, &c, &st), 0);
	for (int i = 0; i < DIRS; i++) {
		struct dir *d = &c.d[i];
		const struct mp_rx_stats *s;

		if (!d->used)
			continue;
		s = mp_rx_stats(d->rx);
		ck_assert_uint_eq(s->lost, 0);
		ck_assert_uint_eq(s->discarded, 0);
		ck_assert_uint_eq(s->orphans, 0);
		ck_assert_uint_eq(s->late, 0);
		ck_assert_uint_eq(s->reassembled, d->frames);
		/* every fragment freeRtr sent was produced again by our sender */
		ck_assert_uint_eq(d->matched, d->n_mp);
		ck_assert_uint_eq(mp_rx_bytes_held(d->rx), 0);
		printf("%s from %u.%u.%u.%u: %zu MP fragments -> %u frames (%u of 1514+ octets), "
		       "%u plain\n",
		       f->name, d->src[0], d->src[1], d->src[2], d->src[3], d->n_mp, d->frames,
		       d->frames_1514, d->plain);
		frames += d->frames;
		frames_1514 += d->frames_1514;
		mp_rx_free(d->rx);
		free(d->mp);
		free(d->mp_len);
	}
	ck_assert_uint_gt(frames, 4);
	ck_assert_uint_gt(frames_1514, 0);
}
END_TEST

static Suite *mp_interop_suite(void)
{
	Suite *s = suite_create("mp_interop");
	TCase *tc = tcase_create("freertr");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, freertr_reassemble_and_refragment, 0,
			    sizeof(files) / sizeof(files[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(mp_interop_suite());
}
