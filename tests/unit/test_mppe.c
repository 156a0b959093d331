/*
 * MPPE-128 (RFC 3078) with RFC 3079 keys: the RFC 3079 §3.5.3 worked
 * example from password to ciphertext, round trips in both modes across the
 * coherency count wrap, lost and late packets, the stateful Reset-Request /
 * flushed-bit resync, the rekey budget, and malformed headers.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <nettle/arcfour.h>
#include <nettle/sha1.h>

#include "mp.h"
#include "mppe.h"
#include "mschap.h"

/* RFC 3079 §3.5.3 (the same inputs as RFC 2759 §9.2). */
static const uint8_t auth_chal[16] = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
				      0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
static const uint8_t peer_chal[16] = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
				      0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
static const uint8_t rfc_nt_resp[24] = {0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E,
					0xA0, 0x8F, 0xAA, 0x39, 0x81, 0xCD, 0x83, 0x54,
					0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
static const uint8_t rfc_master[16] = {0xFD, 0xEC, 0xE3, 0x71, 0x7A, 0x8C, 0x83, 0x8C,
				       0xB3, 0x88, 0xE5, 0x27, 0xAE, 0x3C, 0xDD, 0x31};
static const uint8_t rfc_send_start[16] = {0x8B, 0x7C, 0xDC, 0x14, 0x9B, 0x99, 0x3A, 0x1B,
					   0xA1, 0x18, 0xCB, 0x15, 0x3F, 0x56, 0xDC, 0xCB};
static const uint8_t rfc_send_session[16] = {0x40, 0x5C, 0xB2, 0x24, 0x7A, 0x79, 0x56, 0xE6,
					     0xE2, 0x11, 0x00, 0x7A, 0xE2, 0x7B, 0x22, 0xD4};
/* Sample Encrypted Message: rc4(SendSessionKey128, "test message"). */
static const uint8_t rfc_sample[12] = {0x81, 0x84, 0x83, 0x17, 0xDF, 0x68,
				       0x84, 0x62, 0x72, 0xFB, 0x5A, 0xBE};

START_TEST(rfc3079_vectors)
{
	uint8_t h[16], hh[16], nt[24], mk[16], start[16], session[16], out[64];
	struct mppe_tx t;
	struct wbuf w;

	/* From the password, through MS-CHAPv2, to the start key. */
	mschap_nt_password_hash("clientPass", h);
	mschap_hash_nt_password_hash(h, hh);
	mschap2_nt_response(auth_chal, peer_chal, "User", "clientPass", nt);
	ck_assert_mem_eq(nt, rfc_nt_resp, 24);
	mschap2_master_key(hh, nt, mk);
	ck_assert_mem_eq(mk, rfc_master, 16);
	mschap2_asymmetric_start_key(mk, start, 16, 1, 1);
	ck_assert_mem_eq(start, rfc_send_start, 16);
	mppe_initial_session_key(start, session);
	ck_assert_mem_eq(session, rfc_send_session, 16);

	/*
	 * Stateful mode's first packet (count 0, not a flag packet) is
	 * encrypted with the initial session key as it is: the RFC's sample.
	 */
	mppe_tx_init(&t, start, 0);
	wbuf_init(&w, out, sizeof(out));
	ck_assert_int_eq(mppe_encrypt(&t, (const uint8_t *)"test message", 12, &w), 0);
	ck_assert_uint_eq(w.len, 16);
	ck_assert_uint_eq(out[0] << 8 | out[1], MPPE_PROTO);
	ck_assert_uint_eq(out[2], MPPE_BIT_D); /* no A, count 0 */
	ck_assert_uint_eq(out[3], 0);
	ck_assert_mem_eq(out + 4, rfc_sample, 12);
	mppe_tx_clear(&t);
}
END_TEST

/* RFC 3078 §7.3 key change, written out with nettle to check ours. */
START_TEST(key_change_matches_rfc3078)
{
	static const uint8_t pad2[40] = {[0 ... 39] = 0xf2};
	static const uint8_t pad1[40];
	uint8_t s[16], interim[16], expect[16], d[SHA1_DIGEST_SIZE];
	struct sha1_ctx c;
	struct arcfour_ctx rc4;

	memcpy(s, rfc_send_session, 16);
	sha1_init(&c);
	sha1_update(&c, 16, rfc_send_start);
	sha1_update(&c, 40, pad1);
	sha1_update(&c, 16, s);
	sha1_update(&c, 40, pad2);
	sha1_digest(&c, sizeof(d), d);
	memcpy(interim, d, 16);
	arcfour_set_key(&rc4, 16, interim);
	arcfour_crypt(&rc4, 16, expect, interim);

	mppe_get_new_key_from_sha(rfc_send_start, s, interim);
	ck_assert_mem_eq(interim, d, 16);
	mppe_change_key(rfc_send_start, s);
	ck_assert_mem_eq(s, expect, 16);
	ck_assert_mem_ne(s, rfc_send_session, 16);
}
END_TEST

/* ---- traffic helpers ---- */

#define PMAX 1600

static uint8_t pkt[PMAX + 8], plain[PMAX], dec[PMAX];
static size_t pkt_len;

static size_t make_plain(unsigned i)
{
	size_t len = 2 + (i * 37) % 300;

	plain[0] = 0x00;
	plain[1] = 0x31;
	for (size_t j = 2; j < len; j++)
		plain[j] = (uint8_t)(i + j * 13);
	return len;
}

/* Encrypt packet i into pkt[]; returns its plaintext length. */
static size_t send_one(struct mppe_tx *t, unsigned i)
{
	size_t len = make_plain(i);
	struct wbuf w;

	wbuf_init(&w, pkt, sizeof(pkt));
	ck_assert_int_eq(mppe_encrypt(t, plain, len, &w), 0);
	ck_assert_uint_eq(w.len, len + MPPE_OVERHEAD);
	pkt_len = w.len;
	return len;
}

/* Decrypt pkt[]: the drop reason, MPPE_OK when it decrypted to plain[]. */
static enum mppe_drop recv_one(struct mppe_rx *r, size_t len)
{
	enum mppe_drop why = MPPE_DROP_COUNT;
	struct buf b;
	struct wbuf w;
	uint16_t proto;

	buf_init(&b, pkt, pkt_len);
	ck_assert_int_eq(buf_get_n16(&b, &proto), 0);
	ck_assert_uint_eq(proto, MPPE_PROTO);
	wbuf_init(&w, dec, sizeof(dec));
	if (mppe_decrypt(r, &b, &w, &why) == -1) {
		ck_assert_int_ne(why, MPPE_OK);
		return why;
	}
	ck_assert_int_eq(why, MPPE_OK);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(dec, plain, len);
	return MPPE_OK;
}

static const uint8_t key_a[16] = "0123456789abcdef";

static void roundtrip(int stateless)
{
	struct mppe_tx t;
	struct mppe_rx r;
	unsigned flushes = 0;

	mppe_tx_init(&t, key_a, stateless);
	mppe_rx_init(&r, key_a, stateless, 0);
	/* Past the 12-bit wrap, twice. */
	for (unsigned i = 0; i < 9000; i++) {
		size_t len = send_one(&t, i);
		int a = !!(pkt[2] & MPPE_BIT_A);

		ck_assert_uint_eq((pkt[2] & 0x0f) << 8 | pkt[3], i & 0xfff);
		/* A on every stateless packet, on each stateful flag packet only. */
		ck_assert_int_eq(a, stateless || (i & 0xff) == 0xff);
		flushes += a;
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	}
	ck_assert_uint_eq(t.stats.flushes, flushes);
	ck_assert_uint_eq(r.stats.packets, 9000);
	ck_assert_uint_eq(r.stats.lost, 0);
	ck_assert_uint_eq(r.stats.key_changes, t.stats.key_changes);
	ck_assert_uint_eq(t.k.ccount, 9000 & 0xfff);
	/* The two directions stay in step: same session key at the end. */
	ck_assert_mem_eq(t.k.session, r.k.session, 16);
	mppe_tx_clear(&t);
	mppe_rx_clear(&r);
}

START_TEST(roundtrip_stateless)
{
	roundtrip(1);
}
END_TEST

START_TEST(roundtrip_stateful)
{
	roundtrip(0);
}
END_TEST

START_TEST(stateless_loss_and_late)
{
	struct mppe_tx t;
	struct mppe_rx r;
	size_t len, held_len;
	uint8_t held[sizeof(pkt)];
	size_t held_pkt_len;
	unsigned i = 0;

	mppe_tx_init(&t, key_a, 1);
	mppe_rx_init(&r, key_a, 1, 0);
	/* Lose 1, then 5, then 255 (just inside the budget of 256 key changes). */
	static const unsigned gaps[] = {1, 5, 255};
	unsigned total = 0;

	for (unsigned g = 0; g < 3; g++) {
		for (unsigned k = 0; k < gaps[g]; k++)
			send_one(&t, i++);
		total += gaps[g];
		len = send_one(&t, i++);
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
		ck_assert_uint_eq(r.stats.lost, total);
	}
	/* A packet held back and delivered after its successor is late. */
	held_len = send_one(&t, i++);
	memcpy(held, pkt, pkt_len);
	held_pkt_len = pkt_len;
	len = send_one(&t, i++);
	ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	memcpy(pkt, held, held_pkt_len);
	pkt_len = held_pkt_len;
	ck_assert_int_eq(recv_one(&r, held_len), MPPE_DROP_LATE);
	/* A duplicate too. */
	len = send_one(&t, i++);
	ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	ck_assert_int_eq(recv_one(&r, len), MPPE_DROP_LATE);
	ck_assert_uint_eq(r.stats.drops[MPPE_DROP_LATE], 2);
	/* Still in step. */
	len = send_one(&t, i++);
	ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
}
END_TEST

/*
 * Lose n packets, then send until one decrypts: every packet on the way
 * costs at most one budget of key changes.  Returns the packets dropped.
 */
static unsigned outage(struct mppe_tx *t, struct mppe_rx *r, unsigned *i, unsigned n)
{
	unsigned dropped = 0;
	uint64_t kc;
	size_t len;

	for (unsigned k = 0; k < n; k++)
		send_one(t, (*i)++);
	for (;;) {
		kc = r->stats.key_changes;
		len = send_one(t, (*i)++);
		if (recv_one(r, len) == MPPE_OK)
			break;
		ck_assert_uint_le(r->stats.key_changes - kc, MPPE_REKEY_DEFAULT);
		ck_assert_uint_lt(++dropped, 64);
	}
	ck_assert_uint_le(r->stats.key_changes - kc, MPPE_REKEY_DEFAULT);
	/* and the next one too */
	len = send_one(t, (*i)++);
	ck_assert_int_eq(recv_one(r, len), MPPE_OK);
	return dropped;
}

START_TEST(stateless_rekey_budget)
{
	struct mppe_tx t;
	struct mppe_rx r;
	size_t len;
	unsigned i = 0, dropped;

	mppe_tx_init(&t, key_a, 1);
	mppe_rx_init(&r, key_a, 1, 0);
	len = send_one(&t, i++);
	ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	/* 2000 lost: 2001 counts to catch up, 7 packets of 256, the 8th decrypts. */
	ck_assert_uint_eq(outage(&t, &r, &i, 2000), 7);
	ck_assert_uint_eq(r.stats.drops[MPPE_DROP_CATCHING_UP], 7);
	/* The dropped ones are skipped counts too. */
	ck_assert_uint_eq(r.stats.lost, 2000 + 7);
	/*
	 * Over half the count space lost (3000): the real counts look behind.
	 * After MPPE_LATE_RESYNC - 1 late drops the receiver follows them.
	 */
	dropped = outage(&t, &r, &i, 3000);
	ck_assert_uint_eq(r.stats.drops[MPPE_DROP_LATE], MPPE_LATE_RESYNC - 1);
	ck_assert_uint_gt(dropped, MPPE_LATE_RESYNC - 1);
	ck_assert_uint_eq(r.stats.lost, 2007 + 3000 + dropped);
}
END_TEST

/*
 * A forged count 2047 ahead costs one budget, and every packet after it
 * costs at most one budget too.  It does desynchronise the receiver for
 * good: the key chain only moves forward, so no receiver (Linux included)
 * can step back to the real packets' keys; CCP renegotiation must.
 */
START_TEST(stateless_forged_jump)
{
	struct mppe_tx t;
	struct mppe_rx r;
	struct buf b;
	struct wbuf w;
	uint64_t kc;
	size_t len;
	unsigned i = 0;

	mppe_tx_init(&t, key_a, 1);
	mppe_rx_init(&r, key_a, 1, 64);
	len = send_one(&t, i++);
	ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	len = send_one(&t, i++);
	pkt[2] = MPPE_BIT_A | MPPE_BIT_D | (((1 + 2047) >> 8) & 0x0f);
	pkt[3] = (uint8_t)(1 + 2047);
	ck_assert_int_eq(recv_one(&r, len), MPPE_DROP_CATCHING_UP);
	ck_assert_uint_eq(r.stats.key_changes, 1 + 64);
	for (unsigned k = 0; k < 300; k++) {
		send_one(&t, i++);
		kc = r.stats.key_changes;
		buf_init(&b, pkt + 2, pkt_len - 2);
		wbuf_init(&w, dec, sizeof(dec));
		mppe_decrypt(&r, &b, &w, NULL);
		ck_assert_uint_le(r.stats.key_changes - kc, 64);
	}
	/* Late drops stopped after MPPE_LATE_RESYNC - 1: the receiver moved on. */
	ck_assert_uint_eq(r.stats.drops[MPPE_DROP_LATE], MPPE_LATE_RESYNC - 1);
	ck_assert_uint_gt(r.stats.packets, 200);
}
END_TEST

/* Stateful: lose packets [from, to), then the Reset-Request / flush dance. */
static void stateful_loss(unsigned from, unsigned to)
{
	struct mppe_tx t;
	struct mppe_rx r;
	size_t len;
	unsigned i;

	mppe_tx_init(&t, key_a, 0);
	mppe_rx_init(&r, key_a, 0, 0);
	for (i = 0; i < from; i++) {
		len = send_one(&t, i);
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	}
	for (; i < to; i++)
		send_one(&t, i);
	/* The first packet after the loss asks for a reset ... */
	len = send_one(&t, i++);
	if (pkt[2] & MPPE_BIT_A) {
		/* ... unless it is a flag packet: it resyncs by itself. */
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
		ck_assert_uint_eq(r.stats.resets, 0);
	} else {
		ck_assert_int_eq(recv_one(&r, len), MPPE_DROP_LOST);
		ck_assert_int_eq(mppe_rx_awaiting_flush(&r), 1);
		ck_assert_uint_eq(r.stats.resets, 1);
		/* ... further packets wait for the flush (the Reset-Request is in flight) ... */
		len = send_one(&t, i++);
		if (!(pkt[2] & MPPE_BIT_A)) {
			ck_assert_int_eq(recv_one(&r, len), MPPE_DROP_AWAIT_FLUSH);
			/* ... the peer gets it and flushes its next packet. */
			mppe_tx_reset(&t);
			len = send_one(&t, i++);
			ck_assert_uint_eq(pkt[2] & MPPE_BIT_A, MPPE_BIT_A);
		}
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
		ck_assert_int_eq(mppe_rx_awaiting_flush(&r), 0);
		ck_assert_uint_eq(r.stats.resyncs, 1);
	}
	/* In step again, across the next flag packets. */
	for (unsigned k = 0; k < 600; k++, i++) {
		len = send_one(&t, i);
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	}
	ck_assert_mem_eq(t.k.session, r.k.session, 16);
}

/* Stateful: a duplicated flag packet must not move the key (it is behind). */
START_TEST(stateful_duplicate_flag)
{
	uint8_t dup[sizeof(pkt)];
	struct mppe_tx t;
	struct mppe_rx r;
	size_t len, dup_len = 0, dup_pkt_len = 0;
	unsigned i;

	mppe_tx_init(&t, key_a, 0);
	mppe_rx_init(&r, key_a, 0, 0);
	for (i = 0; i < 300; i++) {
		len = send_one(&t, i);
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
		if (i == 255) {
			memcpy(dup, pkt, pkt_len);
			dup_pkt_len = pkt_len;
			dup_len = len;
		}
	}
	memcpy(pkt, dup, dup_pkt_len);
	pkt_len = dup_pkt_len;
	ck_assert_int_eq(recv_one(&r, dup_len), MPPE_DROP_LATE);
	for (; i < 700; i++) {
		len = send_one(&t, i);
		ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	}
	ck_assert_uint_eq(r.stats.resets, 0);
}
END_TEST

START_TEST(stateful_lost_packets)
{
	stateful_loss(10, 11);	   /* one */
	stateful_loss(10, 200);	   /* many, before a flag packet */
	stateful_loss(250, 260);   /* across flag packet 255 */
	stateful_loss(200, 1100);  /* across several flag packets */
	stateful_loss(200, 255);   /* the next one is flag packet 255 itself */
	stateful_loss(4090, 4100); /* across the count wrap */
}
END_TEST

START_TEST(bad_headers)
{
	struct mppe_tx t;
	struct mppe_rx r, s;
	size_t len;
	uint8_t small[4];
	struct buf b;
	struct wbuf w;

	mppe_tx_init(&t, key_a, 1);
	mppe_rx_init(&r, key_a, 1, 0);
	mppe_rx_init(&s, key_a, 0, 0);
	len = send_one(&t, 0);
	/* Short: header only, or not even that. */
	buf_init(&b, pkt + 2, 2);
	wbuf_init(&w, dec, sizeof(dec));
	ck_assert_int_eq(mppe_decrypt(&r, &b, &w, NULL), -1);
	buf_init(&b, pkt + 2, 1);
	ck_assert_int_eq(mppe_decrypt(&r, &b, &w, NULL), -1);
	ck_assert_uint_eq(r.stats.drops[MPPE_DROP_SHORT], 2);
	/* No room: dropped without touching the keys; a retry decrypts. */
	buf_init(&b, pkt + 2, pkt_len - 2);
	wbuf_init(&w, small, len - 1);
	ck_assert_int_eq(mppe_decrypt(&r, &b, &w, NULL), -1);
	ck_assert_uint_eq(r.stats.drops[MPPE_DROP_NO_ROOM], 1);
	ck_assert_int_eq(recv_one(&r, len), MPPE_OK);
	/* Flag bits. */
	pkt[2] &= (uint8_t)~MPPE_BIT_A;
	ck_assert_int_eq(recv_one(&r, len), MPPE_DROP_NO_FLUSH);
	pkt[2] = MPPE_BIT_A;
	ck_assert_int_eq(recv_one(&r, len), MPPE_DROP_NOT_ENCRYPTED);
	pkt[2] = MPPE_BIT_A | MPPE_BIT_D | MPPE_BIT_C;
	ck_assert_int_eq(recv_one(&s, len), MPPE_DROP_COMPRESSED);
	/* Stateful flag packet (count 0x0ff) without A. */
	pkt[2] = MPPE_BIT_D;
	pkt[3] = 0xff;
	ck_assert_int_eq(recv_one(&s, len), MPPE_DROP_NO_FLUSH);
	/* Encrypting into no room: -1, nothing written, the count unchanged. */
	wbuf_init(&w, small, sizeof(small));
	ck_assert_int_eq(mppe_encrypt(&t, plain, 1, &w), -1);
	ck_assert_int_eq(mppe_encrypt(&t, plain, 0, &w), -1);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_uint_eq(t.k.ccount, 1);
	ck_assert_str_eq(mppe_drop_name(MPPE_DROP_LOST), "loss: reset needed");
	ck_assert_str_eq(mppe_drop_name(MPPE_DROP_COUNT), "?");
}
END_TEST

/*
 * The send chain of a bridged frame when both are negotiated: BCP payload
 * -> MPPE (on the bundle) -> Multilink fragments of 512 -> reassembly ->
 * decryption, with the fragments of one frame delivered out of order.
 */
static uint8_t chain_out[2000];
static size_t chain_len;

static void chain_frame(void *ctx, const uint8_t *p, size_t len)
{
	struct mppe_rx *r = ctx;
	struct buf b;
	struct wbuf w;
	uint16_t proto;

	buf_init(&b, p, len);
	ck_assert_int_eq(buf_get_n16(&b, &proto), 0);
	ck_assert_uint_eq(proto, MPPE_PROTO);
	wbuf_init(&w, chain_out, sizeof(chain_out));
	ck_assert_int_eq(mppe_decrypt(r, &b, &w, NULL), 0);
	chain_len = w.len;
}

START_TEST(mppe_over_multilink)
{
	static const struct mp_rx_ops ops = {.frame = chain_frame};
	struct mp_tx_params tp = {.frag_max = 512, .plain_max = 0, .mrru = 1600};
	static uint8_t frame[1518], enc[1600], frags[4][600];
	size_t flen[4], nf;
	struct mp_rx_params rp;
	struct mp_tx_iter it;
	struct mppe_tx t;
	struct mppe_rx r;
	struct mp_tx mt;
	struct mp_rx *mr;
	struct wbuf w;
	struct buf b;

	mppe_tx_init(&t, key_a, 1);
	mppe_rx_init(&r, key_a, 1, 0);
	ck_assert_int_eq(mp_tx_init(&mt, &tp), 0);
	mp_rx_params_default(&rp, 1600, 0);
	mr = mp_rx_new(&rp, &ops, &r);
	ck_assert_ptr_nonnull(mr);
	for (unsigned k = 0; k < 20; k++) {
		frame[0] = 0x00, frame[1] = 0x31, frame[2] = 0x00, frame[3] = 0x01;
		for (size_t j = 4; j < sizeof(frame); j++)
			frame[j] = (uint8_t)(j * k + 3);
		wbuf_init(&w, enc, sizeof(enc));
		ck_assert_int_eq(mppe_encrypt(&t, frame, sizeof(frame), &w), 0);
		ck_assert_int_eq(mp_tx_begin(&mt, &it, enc, w.len), 0);
		for (nf = 0;; nf++) {
			ck_assert_uint_lt(nf, 4);
			wbuf_init(&w, frags[nf], sizeof(frags[nf]));
			if (mp_tx_next(&mt, &it, &w) == 0)
				break;
			flen[nf] = w.len;
		}
		ck_assert_uint_eq(nf, 3); /* 1522 octets: 512 + 512 + 498 */
		chain_len = 0;
		for (size_t j = nf; j-- > 0;) {
			buf_init(&b, frags[j] + 2, flen[j] - 2);
			ck_assert_int_eq(mp_rx_input(mr, &b, k), 0);
		}
		ck_assert_uint_eq(chain_len, sizeof(frame));
		ck_assert_mem_eq(chain_out, frame, sizeof(frame));
	}
	mp_rx_free(mr);
}
END_TEST

static Suite *mppe_suite(void)
{
	Suite *s = suite_create("mppe");
	TCase *tc = tcase_create("mppe");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rfc3079_vectors);
	tcase_add_test(tc, key_change_matches_rfc3078);
	tcase_add_test(tc, roundtrip_stateless);
	tcase_add_test(tc, roundtrip_stateful);
	tcase_add_test(tc, stateless_loss_and_late);
	tcase_add_test(tc, stateless_rekey_budget);
	tcase_add_test(tc, stateless_forged_jump);
	tcase_add_test(tc, stateful_lost_packets);
	tcase_add_test(tc, stateful_duplicate_flag);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, mppe_over_multilink);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mppe_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
