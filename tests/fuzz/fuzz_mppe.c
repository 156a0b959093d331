/*
 * libFuzzer target for MPPE (bcp/mppe.c).  The first input byte picks the
 * mode (bit 0: stateless) and the rekey budget (bits 1..6, 1..64).  The
 * rest is a list of records, one length byte (low 7 bits) and that many
 * bytes; the top bit of the length byte marks the record as "lost".
 *
 * Phase 1: every record, as received after protocol 0x00FD, into a
 * receiver: no crash, and no packet costs more key changes than the budget
 * (stateless) or than the flag packets it passes over (stateful, at most 17).
 * Phase 2: the records as plaintext through an honest sender; those not
 * marked lost reach the receiver, which must give back exactly the
 * plaintext whenever it accepts a packet; a stateful loss is answered with
 * a Reset-Request as a peer would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mppe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[MPPE_KEY_LEN] = "fuzz-mppe-key-16";

static void phase1(const uint8_t *data, size_t size, int stateless, unsigned budget)
{
	static uint8_t out[200];
	struct mppe_rx r;
	uint64_t kc;
	size_t i = 0, n;
	struct buf b;
	struct wbuf w;

	mppe_rx_init(&r, key, stateless, budget);
	while (i < size) {
		n = data[i++] & 0x7f;
		if (n > size - i)
			n = size - i;
		buf_init(&b, data + i, n);
		wbuf_init(&w, out, sizeof(out));
		kc = r.stats.key_changes;
		mppe_decrypt(&r, &b, &w, NULL);
		if (r.stats.key_changes - kc > (stateless ? budget : 17))
			abort();
		if (w.len > n)
			abort();
		i += n;
	}
	mppe_rx_clear(&r);
}

static void phase2(const uint8_t *data, size_t size, int stateless, unsigned budget)
{
	static uint8_t pkt[200], out[200];
	struct mppe_tx t;
	struct mppe_rx r;
	enum mppe_drop why;
	size_t i = 0, n, lost_run = 0;
	int lost, big_loss = 0;
	struct buf b;
	struct wbuf w;
	uint16_t proto;

	mppe_tx_init(&t, key, stateless);
	mppe_rx_init(&r, key, stateless, budget);
	while (i < size) {
		lost = data[i] & 0x80;
		n = data[i++] & 0x7f;
		if (n > size - i)
			n = size - i;
		if (n == 0)
			continue;
		wbuf_init(&w, pkt, sizeof(pkt));
		if (mppe_encrypt(&t, data + i, n, &w) == -1)
			abort();
		lost_run = lost ? lost_run + 1 : 0;
		if (lost_run >= 2048)
			big_loss = 1; /* counts now look behind: late drops, then followed */
		if (!lost) {
			buf_init(&b, pkt, w.len);
			if (buf_get_n16(&b, &proto) == -1 || proto != MPPE_PROTO)
				abort();
			wbuf_init(&w, out, sizeof(out));
			if (mppe_decrypt(&r, &b, &w, &why) == 0) {
				if (w.len != n || memcmp(out, data + i, n) != 0)
					abort();
				big_loss = 0;
			} else if (why == MPPE_DROP_LOST) {
				mppe_tx_reset(&t);
			} else if (stateless && why != MPPE_DROP_CATCHING_UP &&
				   !(why == MPPE_DROP_LATE && big_loss)) {
				/* honest stateless traffic is only ever caught up with */
				abort();
			}
		}
		i += n;
	}
	mppe_tx_clear(&t);
	mppe_rx_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int stateless;
	unsigned budget;

	if (size < 1)
		return 0;
	stateless = data[0] & 1;
	budget = 1 + ((data[0] >> 1) & 0x3f);
	phase1(data + 1, size - 1, stateless, budget);
	phase2(data + 1, size - 1, stateless, budget);
	return 0;
}
