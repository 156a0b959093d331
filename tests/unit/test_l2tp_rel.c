/*
 * Reliable delivery (RFC 3931 §4.2, RFC 2661 §5.8 + Appendix A) with an
 * injected clock: sequence wrap, the peer's window, loss of each message,
 * duplicates, reordering and the give-up time.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "buf.h"
#include "l2tp_rel.h"

#define MAXPKT 64
#define MAXOUT 256

struct sent {
	uint8_t pkt[MAXPKT];
	size_t len;
	int zlb;
	uint16_t ns, nr;
};

struct end {
	struct l2tp_rel r;
	struct sent out[MAXOUT];
	int n_out;
};

static uint16_t get16(const uint8_t *p, size_t off)
{
	struct buf b;
	uint16_t v = 0;

	buf_init(&b, p, MAXPKT);
	buf_peek_n16(&b, off, &v);
	return v;
}

static void t_xmit(void *ctx, uint8_t *pkt, size_t len)
{
	struct end *e = ctx;
	struct sent *s;

	ck_assert_int_lt(e->n_out, MAXOUT);
	ck_assert_uint_le(len, MAXPKT);
	s = &e->out[e->n_out++];
	memcpy(s->pkt, pkt, len);
	s->len = len;
	s->zlb = 0;
	s->ns = get16(pkt, L2TP_REL_NS_OFF);
	s->nr = get16(pkt, L2TP_REL_NR_OFF);
}

/* A ZLB: just the v3 control header, built here so recv can see it. */
static void mkhdr(uint8_t *p, size_t len, uint16_t ns, uint16_t nr, uint8_t tag)
{
	struct wbuf w;

	wbuf_init(&w, p, MAXPKT);
	wbuf_add_n16(&w, 0xc803);
	wbuf_add_n16(&w, (uint16_t)len);
	wbuf_add_n32(&w, 7);
	wbuf_add_n16(&w, ns);
	wbuf_add_n16(&w, nr);
	if (len > L2TP_REL_HDR_LEN)
		wbuf_add_n8(&w, tag);
	if (len > L2TP_REL_HDR_LEN + 1)
		wbuf_add_zero(&w, len - L2TP_REL_HDR_LEN - 1);
}

static void t_zlb(void *ctx, uint16_t ns, uint16_t nr)
{
	struct end *e = ctx;
	struct sent *s;

	ck_assert_int_lt(e->n_out, MAXOUT);
	s = &e->out[e->n_out++];
	mkhdr(s->pkt, L2TP_REL_HDR_LEN, ns, nr, 0);
	s->len = L2TP_REL_HDR_LEN;
	s->zlb = 1;
	s->ns = ns;
	s->nr = nr;
}

static const struct l2tp_rel_cb cb = {.xmit = t_xmit, .zlb = t_zlb};

static void end_init(struct end *e)
{
	struct l2tp_rel_params p;

	memset(e, 0, sizeof(*e));
	l2tp_rel_params_default(&p);
	l2tp_rel_init(&e->r, &p, &cb, e);
}

static void send_tag(struct end *e, uint8_t tag, uint64_t now)
{
	uint8_t pkt[16];

	mkhdr(pkt, sizeof(pkt), 0, 0, tag);
	ck_assert_int_eq(l2tp_rel_send(&e->r, pkt, sizeof(pkt), tag, now), 0);
}

static enum l2tp_rel_verdict recv_hdr(struct end *e, uint16_t ns, uint16_t nr, int zlb,
				      uint64_t now)
{
	uint8_t pkt[16];
	size_t len = zlb ? L2TP_REL_HDR_LEN : sizeof(pkt);

	mkhdr(pkt, len, ns, nr, (uint8_t)ns);
	return l2tp_rel_recv(&e->r, pkt, len, zlb, now);
}

START_TEST(test_send_ack)
{
	struct end e;

	end_init(&e);
	send_tag(&e, 1, 0);
	ck_assert_int_eq(e.n_out, 1);
	ck_assert_uint_eq(e.out[0].ns, 0);
	ck_assert_uint_eq(e.out[0].nr, 0);
	ck_assert_uint_eq(l2tp_rel_next_deadline(&e.r), 1000);
	ck_assert_int_eq(recv_hdr(&e, 0, 1, 1, 10), L2TP_REL_ACK_ONLY);
	ck_assert(l2tp_rel_idle(&e.r));
	ck_assert_uint_eq(l2tp_rel_next_deadline(&e.r), 0);
	l2tp_rel_reset(&e.r);
}
END_TEST

START_TEST(test_wrap)
{
	struct end e;
	uint8_t out[MAXPKT];
	int i;

	end_init(&e);
	e.r.ns_next = e.r.una = 65534;
	e.r.nr = 65534;
	for (i = 0; i < 4; i++) {
		send_tag(&e, (uint8_t)i, 0);
		/* Each ack opens the window for the next one (slow start). */
		ck_assert_int_eq(e.n_out, i + 1);
		ck_assert_uint_eq(e.out[i].ns, (uint16_t)(65534 + i));
		ck_assert_int_eq(recv_hdr(&e, 65534, (uint16_t)(65535 + i), 1, 1),
				 L2TP_REL_ACK_ONLY);
	}
	ck_assert(l2tp_rel_idle(&e.r));
	ck_assert_uint_eq(e.r.una, 2);
	/* Receive across the wrap, out of order: 65535, 1, 0 hold then drain. */
	ck_assert_int_eq(recv_hdr(&e, 65534, 2, 0, 2), L2TP_REL_DELIVER);
	ck_assert_int_eq(recv_hdr(&e, 0, 2, 0, 2), L2TP_REL_HELD);
	ck_assert_int_eq(recv_hdr(&e, 65535, 2, 0, 2), L2TP_REL_DELIVER);
	ck_assert_uint_eq(l2tp_rel_next_held(&e.r, out, sizeof(out), 2), 16);
	ck_assert_uint_eq(get16(out, L2TP_REL_NS_OFF), 0);
	ck_assert_uint_eq(l2tp_rel_next_held(&e.r, out, sizeof(out), 2), 0);
	ck_assert_uint_eq(e.r.nr, 1);
	ck_assert_int_eq(recv_hdr(&e, 65535, 2, 0, 3), L2TP_REL_DUPLICATE);
	l2tp_rel_reset(&e.r);
}
END_TEST

START_TEST(test_window_full)
{
	struct end e;
	int i, acked = 0;

	end_init(&e);
	l2tp_rel_set_peer_rwin(&e.r, 3);
	for (i = 0; i < 10; i++)
		send_tag(&e, (uint8_t)i, 0);
	ck_assert_int_eq(e.n_out, 1); /* slow start: one message */
	/* Ack one at a time: never more than 3 unacknowledged. */
	while (acked < 10) {
		int sent_before = e.n_out;

		ck_assert_int_le(e.n_out - acked, 3);
		acked++;
		recv_hdr(&e, 0, (uint16_t)acked, 1, 1);
		ck_assert_int_ge(e.n_out, sent_before);
	}
	ck_assert_int_eq(e.n_out, 10);
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(e.out[i].ns, i);
	ck_assert(l2tp_rel_idle(&e.r));
	/* A full queue is refused, counted. */
	for (i = 0; i < L2TP_REL_MAX_QUEUE; i++)
		send_tag(&e, 1, 2);
	{
		uint8_t pkt[16];

		mkhdr(pkt, sizeof(pkt), 0, 0, 1);
		ck_assert_int_eq(l2tp_rel_send(&e.r, pkt, sizeof(pkt), 1, 2), -1);
	}
	ck_assert_uint_eq(e.r.st.drop_queue_full, 1);
	l2tp_rel_reset(&e.r);
}
END_TEST

START_TEST(test_duplicate_and_window)
{
	struct end e;

	end_init(&e);
	ck_assert_int_eq(recv_hdr(&e, 0, 0, 0, 0), L2TP_REL_DELIVER);
	ck_assert_int_eq(e.n_out, 0); /* ack delayed for a piggyback */
	ck_assert_uint_eq(l2tp_rel_next_deadline(&e.r), 200);
	ck_assert_int_eq(recv_hdr(&e, 0, 0, 0, 50), L2TP_REL_DUPLICATE);
	ck_assert_int_eq(e.n_out, 1); /* a duplicate is re-acked at once */
	ck_assert(e.out[0].zlb);
	ck_assert_uint_eq(e.out[0].nr, 1);
	ck_assert_uint_eq(e.r.st.drop_duplicate, 1);
	/* Window 16: ns 1 + 16 is outside. */
	ck_assert_int_eq(recv_hdr(&e, 17, 0, 0, 60), L2TP_REL_OUT_OF_WINDOW);
	ck_assert_int_eq(recv_hdr(&e, 16, 0, 0, 60), L2TP_REL_HELD);
	ck_assert_int_eq(recv_hdr(&e, 16, 0, 0, 60), L2TP_REL_DUPLICATE);
	ck_assert_int_eq(recv_hdr(&e, 20000, 0, 0, 60), L2TP_REL_OUT_OF_WINDOW);
	ck_assert_uint_eq(e.r.st.drop_out_of_window, 2);
	/* An ack for something never sent is ignored and counted. */
	recv_hdr(&e, 1, 5, 1, 60);
	ck_assert_uint_eq(e.r.st.drop_bad_ack, 1);
	l2tp_rel_reset(&e.r);
}
END_TEST

START_TEST(test_piggyback)
{
	struct end e;
	uint16_t t;

	end_init(&e);
	ck_assert_int_eq(recv_hdr(&e, 0, 0, 0, 0), L2TP_REL_DELIVER);
	send_tag(&e, 1, 100);
	ck_assert_int_eq(e.n_out, 1);
	ck_assert(!e.out[0].zlb);
	ck_assert_uint_eq(e.out[0].nr, 1);
	ck_assert_int_eq(l2tp_rel_timeout(&e.r, 300, &t), 0);
	ck_assert_int_eq(e.n_out, 1); /* no ZLB: the ack rode on the message */
	ck_assert_int_eq(recv_hdr(&e, 1, 1, 0, 400), L2TP_REL_DELIVER);
	ck_assert_int_eq(l2tp_rel_timeout(&e.r, 599, &t), 0);
	ck_assert_int_eq(e.n_out, 1);
	ck_assert_int_eq(l2tp_rel_timeout(&e.r, 600, &t), 0);
	ck_assert_int_eq(e.n_out, 2);
	ck_assert(e.out[1].zlb);
	ck_assert_uint_eq(e.out[1].nr, 2);
	ck_assert_uint_eq(e.out[1].ns, 1);
	l2tp_rel_reset(&e.r);
}
END_TEST

START_TEST(test_giveup_timing)
{
	struct end e;
	uint64_t now = 5000, dl;
	uint16_t type = 0;
	int rc = 0;

	end_init(&e);
	send_tag(&e, 9, now);
	while ((dl = l2tp_rel_next_deadline(&e.r)) != 0) {
		ck_assert_uint_ge(dl, now);
		now = dl;
		rc = l2tp_rel_timeout(&e.r, now, &type);
		if (rc == -1)
			break;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_eq(type, 9);
	ck_assert_uint_eq(e.r.st.retransmits, 10);
	ck_assert_int_eq(e.n_out, 11);
	/* 1+2+4+8*8 seconds: backoff doubles from 1 s and stops at 8 s. */
	ck_assert_uint_eq(now - 5000, 71000);
	ck_assert_uint_eq(l2tp_rel_giveup_ms(&e.r.p), 71000);
	ck_assert_uint_eq(e.out[1].ns, 0);
	ck_assert_uint_eq(e.out[4].ns, 0);
	l2tp_rel_reset(&e.r);
}
END_TEST

/* Two ends back to back; drop_nth drops that transmission (either way). */
static int run_pair(int drop_nth, int n_msgs, uint64_t *t_done)
{
	static struct end a, b;
	int seen_a = 0, seen_b = 0, tx = 0, got = 0, last_tag = -1;
	uint64_t now = 0;
	uint8_t out[MAXPKT];
	int i, guard;

	end_init(&a);
	end_init(&b);
	for (i = 0; i < n_msgs; i++)
		send_tag(&a, (uint8_t)i, 0);
	for (guard = 0; guard < 10000; guard++) {
		int moved = 0;

		while (seen_a < a.n_out || seen_b < b.n_out) {
			struct end *from = seen_a < a.n_out ? &a : &b;
			struct end *to = from == &a ? &b : &a;
			struct sent *s = from == &a ? &a.out[seen_a++] : &b.out[seen_b++];
			enum l2tp_rel_verdict v;

			moved = 1;
			if (tx++ == drop_nth)
				continue;
			v = l2tp_rel_recv(&to->r, s->pkt, s->len, s->zlb, now);
			if (v != L2TP_REL_DELIVER)
				continue;
			ck_assert_int_eq(s->pkt[12], last_tag + 1);
			last_tag = s->pkt[12];
			got++;
			while (l2tp_rel_next_held(&to->r, out, sizeof(out), now) > 0) {
				ck_assert_int_eq(out[12], last_tag + 1);
				last_tag = out[12];
				got++;
			}
		}
		if (got == n_msgs && l2tp_rel_idle(&a.r))
			break;
		if (!moved) {
			uint64_t da = l2tp_rel_next_deadline(&a.r);
			uint64_t db = l2tp_rel_next_deadline(&b.r);
			uint16_t t;

			ck_assert(da || db);
			now = (da && (!db || da < db)) ? da : db;
			ck_assert_int_eq(l2tp_rel_timeout(&a.r, now, &t), 0);
			ck_assert_int_eq(l2tp_rel_timeout(&b.r, now, &t), 0);
		}
	}
	*t_done = now;
	l2tp_rel_reset(&a.r);
	l2tp_rel_reset(&b.r);
	return got;
}

START_TEST(test_loss_each)
{
	uint64_t t;
	int n;

	/* 6 messages: transmissions (data and ZLBs) number well under 20. */
	ck_assert_int_eq(run_pair(-1, 6, &t), 6);
	for (n = 0; n < 20; n++) {
		ck_assert_int_eq(run_pair(n, 6, &t), 6);
		/* One loss costs at most one retransmission timeout plus ack delays. */
		ck_assert_uint_le(t, 3000);
	}
}
END_TEST

static Suite *rel_suite(void)
{
	Suite *s = suite_create("l2tp_rel");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_send_ack);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_window_full);
	tcase_add_test(tc, test_duplicate_and_window);
	tcase_add_test(tc, test_piggyback);
	tcase_add_test(tc, test_giveup_timing);
	tcase_add_test(tc, test_loss_each);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(rel_suite());
}
