/*
 * Interop: decode every L2TP packet of the third-party captures in
 * tests/interop (INDEX.md) with our codec, and re-encode the data packets
 * from their parameters to the very same bytes.
 *
 * The expected counts below come from tshark 4.0 reading the same files
 * (e.g. `tshark -r F -Y 'l2tp.type==1 && !icmp'` for L2TPv2 control messages,
 * `-Y 'l2tp.ccid && !icmp'` for L2TPv3-over-IP control messages), not from
 * our own decoder.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "l2tp_avp.h"
#include "l2tp_data.h"
#include "pcapvec.c"

#define KERNEL_SID 2002 /* sent by the kernel (198.18.7.2) */
#define PEER_SID   1001 /* sent to the kernel */

/* What every walk below counts alike. */
struct walk_counts {
	size_t ctrl, data, fail, mismatch, avps;
};

/*
 * The AVPs of control message msg (version v; hidden ones decoded with
 * secret, which may be NULL), each to one(arg, a), counted in n.  0; -1
 * when the header is malformed, -2 when an AVP is (h filled then), both
 * counted as failures and said on stderr.
 */
static int ctrl_avps(struct walk_counts *n, const struct buf *msg, uint8_t v, const char *secret,
		     struct l2tp_ctrl_hdr *h, void (*one)(void *arg, const struct l2tp_avp *a),
		     void *arg)
{
	struct l2tp_avp_reader r;
	struct l2tp_avp a;
	enum l2tp_hdr_err e = L2TP_HDR_OK;
	struct buf avps;
	int rc;

	if (l2tp_ctrl_parse(msg, h, &avps, &e) == -1 || h->version != v) {
		fprintf(stderr, "v%u control: %s\n", v, l2tp_hdr_err_name(e));
		n->fail++;
		return -1;
	}
	n->ctrl++;
	l2tp_avp_reader_init(&r, v, &avps, secret, secret ? strlen(secret) : 0);
	while ((rc = l2tp_avp_read(&r, &a)) == 1) {
		n->avps++;
		one(arg, &a);
	}
	if (rc == -1) {
		fprintf(stderr, "v%u %s: AVP %s\n", v, l2tp_msg_name(h->msg_type),
			l2tp_avp_err_name(r.err));
		n->fail++;
		return -2;
	}
	return 0;
}

/* ---- Linux 6.1 static pseudowires ---- */

/* The cookies of INDEX.md: on packets with session id 2002 (kernel) and 1001 (peer). */
struct linux_cookies {
	uint8_t len;
	uint8_t kernel[8];
	uint8_t peer[8];
};

static const struct linux_cookies no_cookie = {0, {0}, {0}};
static const struct linux_cookies cookie4 = {4, {0x11, 0x22, 0x33, 0x44}, {0x55, 0x66, 0x77, 0x88}};
static const struct linux_cookies cookie8 = {
    8, {1, 2, 3, 4, 5, 6, 7, 8}, {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}};

struct linux_case {
	const char *file;
	enum l2tp_encap encap;
	const struct linux_cookies *cookie;
	int sublayer, seq;
};

static const struct linux_case linux_cases[] = {
    {"linux-6.1-l2tpv3/l2tpv3-udp.pcap", L2TP_ENCAP_UDP, &no_cookie, 0, 0},
    {"linux-6.1-l2tpv3/l2tpv3-udp-cookie4.pcap", L2TP_ENCAP_UDP, &cookie4, 0, 0},
    {"linux-6.1-l2tpv3/l2tpv3-udp-cookie8.pcap", L2TP_ENCAP_UDP, &cookie8, 0, 0},
    {"linux-6.1-l2tpv3/l2tpv3-udp-l2spec.pcap", L2TP_ENCAP_UDP, &no_cookie, 1, 0},
    {"linux-6.1-l2tpv3/l2tpv3-udp-l2spec-seq.pcap", L2TP_ENCAP_UDP, &no_cookie, 1, 1},
    {"linux-6.1-l2tpv3/l2tpv3-udp-cookie8-seq.pcap", L2TP_ENCAP_UDP, &cookie8, 1, 1},
    {"linux-6.1-l2tpv3/l2tpv3-udp-csum.pcap", L2TP_ENCAP_UDP, &no_cookie, 0, 0},
    {"linux-6.1-l2tpv3/l2tpv3-ip.pcap", L2TP_ENCAP_IP, &no_cookie, 0, 0},
    {"linux-6.1-l2tpv3/l2tpv3-ip-cookie4.pcap", L2TP_ENCAP_IP, &cookie4, 0, 0},
    {"linux-6.1-l2tpv3/l2tpv3-ip-cookie8-seq.pcap", L2TP_ENCAP_IP, &cookie8, 1, 1},
};

/* tshark: 18 L2TP packets in each (ARP + ICMP, 2 ARP frames outside). */
#define LINUX_L2TP_PER_FILE 18

struct v3_session {
	uint32_t sid;
	struct l2tp_data_params tx;
	struct l2tp_data_rx rx;
	size_t data;
	size_t seq_frames;
};

struct v3_ctx {
	enum l2tp_encap encap;
	struct v3_session s[8];
	int n;
	struct walk_counts w;
};

static struct v3_session *v3_find(struct v3_ctx *c, uint32_t sid)
{
	for (int i = 0; i < c->n; i++)
		if (c->s[i].sid == sid)
			return &c->s[i];
	return NULL;
}

static struct v3_session *v3_add(struct v3_ctx *c, uint32_t sid)
{
	struct v3_session *s = v3_find(c, sid);

	if (s || c->n == (int)(sizeof(c->s) / sizeof(c->s[0])))
		return s;
	s = &c->s[c->n++];
	memset(s, 0, sizeof(*s));
	s->sid = sid;
	s->tx.encap = c->encap;
	s->tx.session_id = sid;
	return s;
}

/* Decode one data packet, then rebuild it from (sid, cookie, sublayer, seq) and compare. */
static void v3_data(struct v3_ctx *c, const struct buf *pkt, uint32_t sid)
{
	struct v3_session *s = v3_find(c, sid);
	enum l2tp_data_drop why;
	struct l2tp_data_tx tx;
	struct l2tp_data_params p;
	struct buf frame, orig = *pkt;
	uint8_t out[2048];
	struct wbuf w;
	const uint8_t *fp, *op;
	size_t flen, olen;
	int32_t ns;

	if (!s) {
		fprintf(stderr, "data for unknown session %u\n", sid);
		c->w.fail++;
		return;
	}
	if (l2tp_data_rx(&s->rx, c->encap, pkt, &frame, &ns, &why) == -1) {
		fprintf(stderr, "session %u: drop %s\n", sid, l2tp_data_drop_name(why));
		c->w.fail++;
		return;
	}
	c->w.data++;
	s->data++;
	p = s->tx;
	p.seq = ns >= 0;
	if (ns >= 0)
		s->seq_frames++;
	ck_assert_int_eq(l2tp_data_tx_init(&tx, &p), 0);
	tx.ns = ns >= 0 ? (uint32_t)ns : 0;
	wbuf_init(&w, out, sizeof(out));
	ck_assert_int_eq(l2tp_data_tx_header(&tx, &w), 0);
	flen = buf_left(&frame);
	olen = buf_left(&orig);
	ck_assert_int_eq(buf_get_ptr(&frame, &fp, flen), 0);
	ck_assert_int_eq(wbuf_add_bytes(&w, fp, flen), 0);
	ck_assert_int_eq(buf_get_ptr(&orig, &op, olen), 0);
	if (w.len != olen || memcmp(out, op, w.len) != 0)
		c->w.mismatch++;
}

static int linux_cb(void *ctx, const struct pcapvec_pkt *pp)
{
	struct v3_ctx *c = ctx;
	enum l2tp_data_drop why;
	uint32_t sid;
	int rc = l2tp_data_peek(c->encap, &pp->l2tp, &sid, &why);

	if (rc != 0) {
		/* Static tunnels: no control channel, so a "control" answer is a failure too. */
		c->w.fail++;
		return 0;
	}
	v3_data(c, &pp->l2tp, sid);
	return 0;
}

START_TEST(linux_static_pseudowires)
{
	const struct linux_case *lc = &linux_cases[_i];
	struct pcapvec_stats st;
	struct v3_ctx c;
	struct v3_session *k, *p;

	memset(&c, 0, sizeof(c));
	c.encap = lc->encap;
	k = v3_add(&c, KERNEL_SID);
	p = v3_add(&c, PEER_SID);
	k->tx.cookie_len = k->rx.cookie_len = lc->cookie->len;
	memcpy(k->tx.cookie, lc->cookie->kernel, 8);
	memcpy(k->rx.cookie, lc->cookie->kernel, 8);
	p->tx.cookie_len = p->rx.cookie_len = lc->cookie->len;
	memcpy(p->tx.cookie, lc->cookie->peer, 8);
	memcpy(p->rx.cookie, lc->cookie->peer, 8);
	k->tx.sublayer = k->rx.sublayer = p->tx.sublayer = p->rx.sublayer = lc->sublayer;
	k->rx.seq = p->rx.seq = lc->seq;

	ck_assert_int_eq(pcapvec_each_in(lc->file, linux_cb, &c, &st), 0);
	printf("%s: frames %zu l2tp %zu data %zu (kernel %zu, peer %zu) seq %zu+%zu fail %zu "
	       "mismatch %zu\n",
	       lc->file, st.frames, st.l2tp, c.w.data, k->data, p->data, k->seq_frames,
	       p->seq_frames, c.w.fail, c.w.mismatch);
	ck_assert_uint_eq(st.l2tp, LINUX_L2TP_PER_FILE);
	ck_assert_uint_eq(c.w.data, LINUX_L2TP_PER_FILE);
	ck_assert_uint_eq(c.w.fail, 0);
	ck_assert_uint_eq(c.w.mismatch, 0);
	/* Both directions carry traffic (ARP and ICMP echo both ways). */
	ck_assert_uint_gt(k->data, 0);
	ck_assert_uint_gt(p->data, 0);
	if (lc->seq) {
		/* Sequencing both ways: every frame numbered, none lost in a clean capture. */
		ck_assert_uint_eq(k->seq_frames, k->data);
		ck_assert_uint_eq(p->seq_frames, p->data);
		ck_assert_uint_eq(k->rx.lost + p->rx.lost, 0);
	}
}
END_TEST

/* ---- freeRtr dynamic L2TPv3 over IP ---- */

/*
 * Learn the session parameters from the control exchange: the sender of an
 * ICRQ/ICRP names its Local Session ID, the cookie it wants to receive
 * (Assigned Cookie) and the sublayer it requires (RFC 3931 §5.4.4).
 */
/* What an ICRQ / ICRP says of its sender's session. */
struct v3_found {
	uint32_t lsid;
	uint16_t sub;
	uint8_t cookie[8];
	size_t cookie_len;
};

static void v3_avp(void *arg, const struct l2tp_avp *a)
{
	struct v3_found *f = arg;

	if (a->vendor != 0)
		return;
	if (a->type == L2TP_AVP_LOCAL_SESSION_ID)
		ck_assert_int_eq(l2tp_avp_get_n32(a, &f->lsid), 0);
	else if (a->type == L2TP_AVP_ASSIGNED_COOKIE)
		ck_assert_int_eq(l2tp_avp_get_bytes(a, f->cookie, 4, 8, &f->cookie_len), 0);
	else if (a->type == L2TP_AVP_L2_SUBLAYER)
		ck_assert_int_eq(l2tp_avp_get_n16(a, &f->sub), 0);
}

static void v3_control(struct v3_ctx *c, const struct buf *msg)
{
	struct l2tp_ctrl_hdr h;
	struct v3_found f;

	memset(&f, 0, sizeof(f));
	if (ctrl_avps(&c->w, msg, L2TP_VERSION_3, NULL, &h, v3_avp, &f) != 0)
		return;
	if ((h.msg_type == L2TP_MSG_ICRQ || h.msg_type == L2TP_MSG_ICRP) && f.lsid) {
		struct v3_session *s = v3_add(c, f.lsid);

		ck_assert_ptr_nonnull(s);
		s->tx.cookie_len = s->rx.cookie_len = (uint8_t)f.cookie_len;
		memcpy(s->tx.cookie, f.cookie, f.cookie_len);
		memcpy(s->rx.cookie, f.cookie, f.cookie_len);
		s->tx.sublayer = s->rx.sublayer = f.sub == L2TP_L2SUBLAYER_DEFAULT;
	}
}

static int freertr_v3_cb(void *ctx, const struct pcapvec_pkt *pp)
{
	struct v3_ctx *c = ctx;
	enum l2tp_data_drop why;
	uint32_t sid;
	struct buf msg = pp->l2tp;
	int rc = l2tp_data_peek(c->encap, &pp->l2tp, &sid, &why);

	if (rc == 1) {
		/* Over IP the control message follows the 4 zero octets (RFC 3931 §4.1.1.2). */
		ck_assert_int_eq(buf_skip(&msg, 4), 0);
		v3_control(c, &msg);
	} else if (rc == 0) {
		v3_data(c, &pp->l2tp, sid);
	} else {
		c->w.fail++;
	}
	return 0;
}

struct freertr_v3_case {
	const char *file;
	size_t ctrl; /* tshark: l2tp.ccid && !icmp */
};

static const struct freertr_v3_case freertr_v3_cases[] = {
    {"freertr/l2tpv3-ip_ethernet-pw_no-cookie.pcap", 26},
    {"freertr/l2tpv3-ip_ppp-pw_bcp_mp-long_mrru1600_frag512.pcap", 18},
};

START_TEST(freertr_l2tpv3_ip)
{
	const struct freertr_v3_case *fc = &freertr_v3_cases[_i];
	struct pcapvec_stats st;
	struct v3_ctx c;

	memset(&c, 0, sizeof(c));
	c.encap = L2TP_ENCAP_IP;
	ck_assert_int_eq(pcapvec_each_in(fc->file, freertr_v3_cb, &c, &st), 0);
	printf("%s: frames %zu l2tp %zu control %zu (avps %zu) data %zu sessions %d fail %zu "
	       "mismatch %zu\n",
	       fc->file, st.frames, st.l2tp, c.w.ctrl, c.w.avps, c.w.data, c.n, c.w.fail,
	       c.w.mismatch);
	ck_assert_uint_eq(c.w.fail, 0);
	ck_assert_uint_eq(c.w.mismatch, 0);
	ck_assert_uint_eq(c.w.ctrl, fc->ctrl);
	ck_assert_uint_eq(c.w.ctrl + c.w.data, st.l2tp);
	ck_assert_uint_gt(c.w.data, 0);
	ck_assert_int_eq(c.n, 2); /* one session, one id each way */
}
END_TEST

/* ---- L2TPv2: xl2tpd and freeRtr ---- */

struct v2_ctx {
	const char *secret;
	struct walk_counts w;
	size_t zlb, challenges, responses;
};

static void v2_avp(void *arg, const struct l2tp_avp *a)
{
	struct v2_ctx *c = arg;

	if (a->vendor == 0 && a->type == L2TP_AVP_CHALLENGE)
		c->challenges++;
	if (a->vendor == 0 && a->type == L2TP_AVP_CHALLENGE_RESPONSE)
		c->responses++;
}

static void v2_control(struct v2_ctx *c, const struct buf *msg)
{
	struct l2tp_ctrl_hdr h;

	if (ctrl_avps(&c->w, msg, L2TP_VERSION_2, c->secret, &h, v2_avp, c) != -1 &&
	    h.msg_type == L2TP_MSG_ZLB)
		c->zlb++;
}

/* Parse a v2 data header and rebuild it (same flags, ids, Ns/Nr, offset) + payload. */
static void v2_data(struct v2_ctx *c, const struct buf *pkt)
{
	struct l2tp_v2_data_hdr h;
	enum l2tp_data_drop why;
	struct buf payload, orig = *pkt;
	const uint8_t *pp, *op;
	size_t plen, olen;
	uint8_t out[2048];
	struct wbuf w;

	if (l2tp_v2_data_parse(pkt, &h, &payload, &why) == -1) {
		fprintf(stderr, "v2 data: %s\n", l2tp_data_drop_name(why));
		c->w.fail++;
		return;
	}
	c->w.data++;
	wbuf_init(&w, out, sizeof(out));
	plen = buf_left(&payload);
	olen = buf_left(&orig);
	ck_assert_int_eq(l2tp_v2_data_build(&w, h.flags, h.tunnel_id, h.session_id, h.ns, h.nr,
					    h.offset_size, plen),
			 0);
	ck_assert_int_eq(buf_get_ptr(&payload, &pp, plen), 0);
	ck_assert_int_eq(wbuf_add_bytes(&w, pp, plen), 0);
	ck_assert_int_eq(buf_get_ptr(&orig, &op, olen), 0);
	/* Offset padding is zeros on the wire in these captures; Length, if any, bounds the rest.
	 */
	if (w.len > olen || memcmp(out, op, w.len) != 0)
		c->w.mismatch++;
}

static int v2_cb(void *ctx, const struct pcapvec_pkt *pp)
{
	struct v2_ctx *c = ctx;

	if (l2tp_peek_version(&pp->l2tp) != L2TP_VERSION_2) {
		c->w.fail++;
		return 0;
	}
	if (l2tp_is_control(&pp->l2tp))
		v2_control(c, &pp->l2tp);
	else
		v2_data(c, &pp->l2tp);
	return 0;
}

struct v2_case {
	const char *file;
	size_t ctrl; /* tshark: l2tp.type==1 && !icmp */
	const char *secret;
	size_t challenges;
};

static const struct v2_case v2_cases[] = {
    {"xl2tpd-1.3.18/l2tpv2-lac-kernel.pcap", 13, NULL, 0},
    {"xl2tpd-1.3.18/l2tpv2-lac-userspace.pcap", 12, NULL, 0},
    {"xl2tpd-1.3.18/l2tpv2-lns-chap.pcap", 13, NULL, 0},
    {"xl2tpd-1.3.18/l2tpv2-lns-kernel.pcap", 13, NULL, 0},
    {"xl2tpd-1.3.18/l2tpv2-lns-pap.pcap", 13, NULL, 0},
    {"xl2tpd-1.3.18/l2tpv2-lns-userspace.pcap", 13, NULL, 0},
    /* The file holds no packets at all (24-byte pcap header only). */
    {"xl2tpd-1.3.18/l2tpv2-sccrq-only.pcap", 0, NULL, 0},
    {"freertr/l2tpv2_bcp_mp-long_frag512_tunnel-auth-secret-s3cret.pcap", 11, "s3cret", 3},
    {"freertr/l2tpv2_bcp_mp-long_mrru1600_frag512.pcap", 11, NULL, 0},
    {"freertr/l2tpv2_bcp_mp-long_mrru1600_frag512_vlan100-tagged.pcap", 9, NULL, 0},
    {"freertr/l2tpv2_bcp_mp-short_mrru1600_frag256.pcap", 10, NULL, 0},
    {"freertr/l2tpv2_bcp_no-multilink.pcap", 12, NULL, 0},
    {"freertr/hostattach_l2tpv2_python-smoke-lac-in-netns_to_freertr-lns_real-tap.pcap", 17, NULL,
     0},
};

START_TEST(l2tpv2_captures)
{
	const struct v2_case *vc = &v2_cases[_i];
	struct pcapvec_stats st;
	struct v2_ctx c;

	memset(&c, 0, sizeof(c));
	c.secret = vc->secret;
	ck_assert_int_eq(pcapvec_each_in(vc->file, v2_cb, &c, &st), 0);
	printf("%s: frames %zu l2tp %zu control %zu (zlb %zu, avps %zu) data %zu fail %zu mismatch "
	       "%zu\n",
	       vc->file, st.frames, st.l2tp, c.w.ctrl, c.zlb, c.w.avps, c.w.data, c.w.fail,
	       c.w.mismatch);
	ck_assert_uint_eq(c.w.fail, 0);
	ck_assert_uint_eq(c.w.mismatch, 0);
	ck_assert_uint_eq(c.w.ctrl, vc->ctrl);
	ck_assert_uint_eq(c.w.ctrl + c.w.data, st.l2tp);
	ck_assert_uint_eq(c.challenges, vc->challenges);
	if (vc->ctrl) {
		ck_assert_uint_gt(c.w.avps, c.w.ctrl - c.zlb);
		ck_assert_uint_gt(c.w.data, 0);
	}
}
END_TEST

static Suite *interop_suite(void)
{
	Suite *s = suite_create("interop");
	TCase *tc = tcase_create("captures");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, linux_static_pseudowires, 0,
			    (int)(sizeof(linux_cases) / sizeof(linux_cases[0])));
	tcase_add_loop_test(tc, freertr_l2tpv3_ip, 0,
			    (int)(sizeof(freertr_v3_cases) / sizeof(freertr_v3_cases[0])));
	tcase_add_loop_test(tc, l2tpv2_captures, 0, (int)(sizeof(v2_cases) / sizeof(v2_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(interop_suite());
}
