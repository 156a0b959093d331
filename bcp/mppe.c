/*
 * MPPE 128-bit (RFC 3078) with the RFC 3079 key schedule; see mppe.h for
 * the rules and the choices made where implementations differ.
 */
#include <string.h>

#include <nettle/sha1.h>

#include "mppe.h"

/* RFC 3079 §3.3 (and RFC 3078 §7.3): SHApad1 is 40 x 0x00, SHApad2 is 40 x 0xF2. */
#define MPPE_SHA_PAD_LEN 40

void mppe_get_new_key_from_sha(const uint8_t start[MPPE_KEY_LEN],
			       const uint8_t session[MPPE_KEY_LEN], uint8_t interim[MPPE_KEY_LEN])
{
	static const uint8_t pad1[MPPE_SHA_PAD_LEN] = {0};
	uint8_t pad2[MPPE_SHA_PAD_LEN], digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx c;

	memset(pad2, 0xf2, sizeof(pad2));
	sha1_init(&c);
	sha1_update(&c, MPPE_KEY_LEN, start);
	sha1_update(&c, sizeof(pad1), pad1);
	sha1_update(&c, MPPE_KEY_LEN, session);
	sha1_update(&c, sizeof(pad2), pad2);
	sha1_digest(&c, sizeof(digest), digest);
	memcpy(interim, digest, MPPE_KEY_LEN);
	explicit_bzero(digest, sizeof(digest));
}

void mppe_initial_session_key(const uint8_t start[MPPE_KEY_LEN], uint8_t session[MPPE_KEY_LEN])
{
	mppe_get_new_key_from_sha(start, start, session);
}

void mppe_change_key(const uint8_t start[MPPE_KEY_LEN], uint8_t session[MPPE_KEY_LEN])
{
	uint8_t interim[MPPE_KEY_LEN];
	struct arcfour_ctx rc4;

	/* RFC 3078 §7.3: the new key is the interim key encrypted with itself. */
	mppe_get_new_key_from_sha(start, session, interim);
	arcfour_set_key(&rc4, MPPE_KEY_LEN, interim);
	arcfour_crypt(&rc4, MPPE_KEY_LEN, session, interim);
	explicit_bzero(interim, sizeof(interim));
	explicit_bzero(&rc4, sizeof(rc4));
}

static void mppe_key_init(struct mppe_key *k, const uint8_t start[MPPE_KEY_LEN], int stateless)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->start, start, MPPE_KEY_LEN);
	mppe_initial_session_key(k->start, k->session);
	arcfour_set_key(&k->rc4, MPPE_KEY_LEN, k->session);
	k->stateless = !!stateless;
}

/* Restart the RC4 stream with the current session key (the A bit). */
static void mppe_key_flush(struct mppe_key *k)
{
	arcfour_set_key(&k->rc4, MPPE_KEY_LEN, k->session);
}

static void mppe_key_change(struct mppe_key *k)
{
	mppe_change_key(k->start, k->session);
	mppe_key_flush(k);
}

/* Stateful mode's flag packets carry a new key (RFC 3078 §7.2). */
static int mppe_is_flag(uint16_t ccount)
{
	return (ccount & 0xff) == 0xff;
}

void mppe_tx_init(struct mppe_tx *t, const uint8_t start_key[MPPE_KEY_LEN], int stateless)
{
	memset(t, 0, sizeof(*t));
	mppe_key_init(&t->k, start_key, stateless);
}

void mppe_rx_init(struct mppe_rx *r, const uint8_t start_key[MPPE_KEY_LEN], int stateless,
		  unsigned rekey_budget)
{
	memset(r, 0, sizeof(*r));
	mppe_key_init(&r->k, start_key, stateless);
	r->rekey_budget = rekey_budget ? rekey_budget : MPPE_REKEY_DEFAULT;
}

void mppe_tx_clear(struct mppe_tx *t)
{
	explicit_bzero(t, sizeof(*t));
}

void mppe_rx_clear(struct mppe_rx *r)
{
	explicit_bzero(r, sizeof(*r));
}

void mppe_tx_reset(struct mppe_tx *t)
{
	/* Stateless mode flushes every packet anyway (RFC 3078 §8.1). */
	if (!t->k.stateless)
		t->flush_pending = 1;
}

int mppe_encrypt(struct mppe_tx *t, const uint8_t *payload, size_t len, struct wbuf *w)
{
	uint16_t bits = MPPE_BIT_D;
	size_t at;

	if (len == 0 || w->cap - w->len < MPPE_OVERHEAD + len) {
		t->stats.too_big++;
		return -1;
	}
	if (t->k.stateless || mppe_is_flag(t->k.ccount)) {
		mppe_key_change(&t->k);
		t->stats.key_changes++;
		bits |= MPPE_BIT_A;
	} else if (t->flush_pending) {
		mppe_key_flush(&t->k);
		bits |= MPPE_BIT_A;
	}
	if (bits & MPPE_BIT_A) {
		t->flush_pending = 0;
		t->stats.flushes++;
	}
	wbuf_add_n16(w, MPPE_PROTO);
	wbuf_add_n16(w, (uint16_t)(bits << 8 | t->k.ccount));
	wbuf_reserve(w, len, &at);
	arcfour_crypt(&t->k.rc4, len, w->p + at, payload);
	t->k.ccount = (t->k.ccount + 1) & MPPE_CCOUNT_MASK;
	t->stats.packets++;
	return 0;
}

static const char *const mppe_drop_names[MPPE_DROP_COUNT] = {
    [MPPE_OK] = "ok",
    [MPPE_DROP_SHORT] = "short",
    [MPPE_DROP_NOT_ENCRYPTED] = "not encrypted",
    [MPPE_DROP_COMPRESSED] = "compressed",
    [MPPE_DROP_NO_FLUSH] = "flushed bit missing",
    [MPPE_DROP_LATE] = "late",
    [MPPE_DROP_CATCHING_UP] = "catching up",
    [MPPE_DROP_LOST] = "loss: reset needed",
    [MPPE_DROP_AWAIT_FLUSH] = "awaiting flush",
    [MPPE_DROP_NO_ROOM] = "no room",
};

const char *mppe_drop_name(enum mppe_drop d)
{
	if ((unsigned)d >= MPPE_DROP_COUNT)
		return "?";
	return mppe_drop_names[d];
}

static int mppe_drop(struct mppe_rx *r, enum mppe_drop d, enum mppe_drop *why)
{
	r->stats.drops[d]++;
	if (why)
		*why = d;
	return -1;
}

/*
 * Stateless (RFC 3078 §8.1): one key change per count since the last
 * packet, within the budget.  1 when the packet may be decrypted.
 */
static int mppe_rx_stateless(struct mppe_rx *r, uint16_t cc, enum mppe_drop *d)
{
	uint16_t dist = (cc - r->k.ccount) & MPPE_CCOUNT_MASK;
	unsigned need, i;

	if (dist >= (MPPE_CCOUNT_MASK + 1) / 2 && !r->following) {
		/* Behind: late or duplicate, unless it keeps happening. */
		if (++r->late_run < MPPE_LATE_RESYNC) {
			*d = MPPE_DROP_LATE;
			return 0;
		}
		/* The peer is that far ahead (we missed over 2047): follow it. */
		r->following = 1;
	}
	r->late_run = 0;
	need = (unsigned)dist + 1;
	if (need > r->rekey_budget) {
		/* Work off part of the gap now, the rest with the next packets. */
		for (i = 0; i < r->rekey_budget; i++)
			mppe_change_key(r->k.start, r->k.session);
		r->stats.key_changes += r->rekey_budget;
		r->stats.lost += r->rekey_budget;
		r->k.ccount = (r->k.ccount + r->rekey_budget) & MPPE_CCOUNT_MASK;
		*d = MPPE_DROP_CATCHING_UP;
		return 0;
	}
	for (i = 0; i < need; i++)
		mppe_change_key(r->k.start, r->k.session);
	mppe_key_flush(&r->k);
	r->stats.key_changes += need;
	r->stats.lost += dist;
	r->following = 0;
	return 1;
}

/* Stateful (RFC 3078 §8.2).  1 when the packet may be decrypted. */
static int mppe_rx_stateful(struct mppe_rx *r, uint16_t cc, int flushed, enum mppe_drop *d)
{
	uint16_t dist = (cc - r->k.ccount) & MPPE_CCOUNT_MASK;
	unsigned off;

	if (flushed && dist >= (MPPE_CCOUNT_MASK + 1) / 2 && !r->following) {
		/*
		 * A flushed packet behind us is a duplicate or a straggler:
		 * resyncing to it would move the key 16 times forward for
		 * good.  Only a run of them means we really fell that far back.
		 */
		if (++r->late_run < MPPE_LATE_RESYNC) {
			*d = MPPE_DROP_LATE;
			return 0;
		}
		r->following = 1;
	}
	if (flushed) {
		r->late_run = 0;
		r->following = 0;
		/* The sender changed the key at every flag count we did not see. */
		off = (0xffu - (r->k.ccount & 0xff)) & 0xff;
		for (; off < dist; off += 256) {
			mppe_change_key(r->k.start, r->k.session);
			r->stats.key_changes++;
		}
		r->stats.lost += dist;
		if (r->await_flush) {
			r->await_flush = 0;
			r->stats.resyncs++;
		}
		r->k.ccount = cc;
		mppe_key_flush(&r->k);
	} else if (r->await_flush) {
		*d = MPPE_DROP_AWAIT_FLUSH;
		return 0;
	} else if (dist != 0) {
		r->await_flush = 1;
		r->stats.resets++;
		*d = MPPE_DROP_LOST;
		return 0;
	}
	if (mppe_is_flag(cc)) {
		mppe_key_change(&r->k);
		r->stats.key_changes++;
	}
	return 1;
}

int mppe_decrypt(struct mppe_rx *r, struct buf *pkt, struct wbuf *w, enum mppe_drop *why)
{
	const uint8_t *ct;
	enum mppe_drop d = MPPE_OK;
	uint16_t hdr, cc;
	uint8_t bits;
	size_t n, at;
	int ok;

	if (buf_get_n16(pkt, &hdr) == -1 || buf_left(pkt) == 0)
		return mppe_drop(r, MPPE_DROP_SHORT, why);
	bits = (uint8_t)(hdr >> 8) & 0xf0;
	cc = hdr & MPPE_CCOUNT_MASK;
	if (!(bits & MPPE_BIT_D))
		return mppe_drop(r, MPPE_DROP_NOT_ENCRYPTED, why);
	if (bits & MPPE_BIT_C)
		return mppe_drop(r, MPPE_DROP_COMPRESSED, why);
	/* Every stateless packet and every flag packet changed the key: A must say so. */
	if (!(bits & MPPE_BIT_A) && (r->k.stateless || mppe_is_flag(cc)))
		return mppe_drop(r, MPPE_DROP_NO_FLUSH, why);
	n = buf_left(pkt);
	/* Checked before any key state moves, so a retry with room decrypts. */
	if (w->cap - w->len < n)
		return mppe_drop(r, MPPE_DROP_NO_ROOM, why);
	if (r->k.stateless)
		ok = mppe_rx_stateless(r, cc, &d);
	else
		ok = mppe_rx_stateful(r, cc, bits & MPPE_BIT_A, &d);
	if (!ok)
		return mppe_drop(r, d, why);
	buf_get_ptr(pkt, &ct, n);
	wbuf_reserve(w, n, &at);
	arcfour_crypt(&r->k.rc4, n, w->p + at, ct);
	r->k.ccount = (cc + 1) & MPPE_CCOUNT_MASK;
	r->stats.packets++;
	if (why)
		*why = MPPE_OK;
	return 0;
}

int mppe_rx_awaiting_flush(const struct mppe_rx *r)
{
	return r->await_flush;
}

int mppe_rx_desync(struct mppe_rx *r)
{
	if (r->k.stateless)
		return 0;
	if (!r->await_flush) {
		r->await_flush = 1;
		r->stats.resets++;
	}
	return 1;
}
