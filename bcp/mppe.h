/*
 * MPPE, Microsoft Point-to-Point Encryption (RFC 3078), 128-bit keys only,
 * with the key schedule of RFC 3079.  Pure: no sockets, no clock, no
 * randomness; nettle provides SHA-1 and RC4.
 *
 * The start keys come from MS-CHAP (mschap.h: mschap2_master_key() +
 * mschap2_asymmetric_start_key(), or mschap1_start_key(); ppp_mppe_keys()
 * hands them over after authentication).  Each direction is its own object:
 * struct mppe_tx encrypts what we send with our send start key, struct
 * mppe_rx decrypts what we receive with our receive start key.
 *
 * Packet (RFC 3078 §3): PPP protocol 0x00FD, then
 *
 *	A B C D | coherency count (12 bits) | RC4(protocol + Information)
 *
 * A = flushed (the RC4 state was re-initialised), D = encrypted; B and C
 * belong to MPPC compression, which we never negotiate.
 *
 * Keys (RFC 3078 §7, RFC 3079 §3.2..§3.4; the behaviour Windows, Linux
 * ppp_mppe, OpenBSD npppd and FreeBSD ng_mppc agree on):
 *   - initial session key = GetNewKeyFromSHA(start key, start key);
 *   - key change: interim = GetNewKeyFromSHA(start key, session key),
 *     session key = RC4(interim) keyed with interim; RC4 re-keyed with it;
 *   - stateless (CCP H bit): a key change before every packet, A always set;
 *     the first packet (count 0) already uses the changed key;
 *   - stateful: one RC4 stream across packets; a key change before each
 *     "flag" packet (count & 0xff == 0xff, A set); after the peer's CCP
 *     Reset-Request the next packet sets A and restarts RC4 with the
 *     current session key (no key change: npppd and ng_mppc; Linux instead
 *     changes the key there, so stateful mode after a loss does not
 *     interoperate with Linux in either implementation's opinion).
 *
 * The coherency count starts at 0 and wraps at 4096.
 *
 * Receiving, stateless: a count d ahead of the expected one costs d + 1 key
 * changes (the sender made one per packet).  A count in the 2048 behind is
 * late or a duplicate and dropped (as Linux does since 2015), but 16 late
 * drops in a row mean the peer really is that far ahead (a long outage):
 * we follow it.  One packet never costs more than rekey_budget key changes
 * (default 256, each a SHA-1 and two RC4 key setups, a few µs): a bigger
 * jump is worked off over the following packets, each dropped until caught
 * up, so a count jump of 4095 costs 256 key changes per packet over 16
 * packets instead of 4095 at once, and a genuine long outage still
 * resyncs.  MPPE has no integrity check and its key chain only moves
 * forward, so a forged count ahead desynchronises any receiver (Linux's
 * too) until CCP is renegotiated; the budget bounds the CPU such a packet,
 * and every packet after it, can cost.
 *
 * Receiving, stateful: a count other than the expected one means packets
 * were lost and the RC4 stream is out of step: the packet is dropped with
 * MPPE_DROP_LOST (send a CCP Reset-Request now, RFC 3078 §8.2 / RFC 1962
 * §2.2), then every packet without A is dropped (MPPE_DROP_AWAIT_FLUSH)
 * until one with A arrives; it resynchronises (one key change for each
 * flag packet passed over).  A packet with A from the 2048 counts behind is
 * a duplicate or straggler and dropped as late (resyncing to it would
 * strand the receiver 16 key changes ahead), unless 16 come in a row.
 *
 * All objects are plain values, no allocation; clear them with
 * mppe_*_clear() when done (they hold key material).
 */
#ifndef L2PW_MPPE_H
#define L2PW_MPPE_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/arcfour.h>

#include "buf.h"

#define MPPE_PROTO	   0x00fd
#define MPPE_KEY_LEN	   16	/* 128-bit only */
#define MPPE_BIT_A	   0x80 /* flushed */
#define MPPE_BIT_B	   0x40 /* MPPC: not used */
#define MPPE_BIT_C	   0x20 /* MPPC compressed: not used */
#define MPPE_BIT_D	   0x10 /* encrypted */
#define MPPE_CCOUNT_MASK   0x0fff
#define MPPE_HDR_LEN	   2
#define MPPE_OVERHEAD	   4 /* protocol 0x00FD + header: what a payload grows by */
#define MPPE_REKEY_DEFAULT 256
#define MPPE_LATE_RESYNC   16

/* RFC 3079 §3.3 / RFC 3078 §7.3 GetNewKeyFromSHA, 128-bit: SHA-1(start | pad1 | session | pad2). */
void mppe_get_new_key_from_sha(const uint8_t start[MPPE_KEY_LEN],
			       const uint8_t session[MPPE_KEY_LEN], uint8_t interim[MPPE_KEY_LEN]);
/* RFC 3079 §3.3 initial session key: GetNewKeyFromSHA(start, start). */
void mppe_initial_session_key(const uint8_t start[MPPE_KEY_LEN], uint8_t session[MPPE_KEY_LEN]);
/* RFC 3078 §7.3 key change of session in place (the start key stays). */
void mppe_change_key(const uint8_t start[MPPE_KEY_LEN], uint8_t session[MPPE_KEY_LEN]);

/* State shared by both directions: the keys and the running RC4. */
struct mppe_key {
	uint8_t start[MPPE_KEY_LEN];
	uint8_t session[MPPE_KEY_LEN];
	struct arcfour_ctx rc4;
	uint16_t ccount; /* tx: count of the next packet; rx: count expected next */
	int stateless;
};

struct mppe_tx_stats {
	uint64_t packets, key_changes, flushes;
	uint64_t too_big; /* the output buffer had no room */
};

struct mppe_tx {
	struct mppe_key k;
	int flush_pending; /* stateful: a Reset-Request came, flush on the next packet */
	struct mppe_tx_stats stats;
};

enum mppe_drop {
	MPPE_OK = 0,
	MPPE_DROP_SHORT,	 /* no room for the header and a protocol field */
	MPPE_DROP_NOT_ENCRYPTED, /* D clear: we never accept plaintext on 0x00FD */
	MPPE_DROP_COMPRESSED,	 /* C set: MPPC, never negotiated */
	MPPE_DROP_NO_FLUSH,	 /* stateless without A, or a stateful flag packet without A */
	MPPE_DROP_LATE,		 /* stateless: count behind (reordered or duplicate) */
	MPPE_DROP_CATCHING_UP,	 /* stateless: jump bigger than the budget, still rekeying */
	MPPE_DROP_LOST,		 /* stateful: loss detected now: send a CCP Reset-Request */
	MPPE_DROP_AWAIT_FLUSH,	 /* stateful: still waiting for a packet with A */
	MPPE_DROP_NO_ROOM,	 /* the output buffer is too small */
	MPPE_DROP_COUNT
};
const char *mppe_drop_name(enum mppe_drop d);

struct mppe_rx_stats {
	uint64_t packets; /* decrypted and handed on */
	uint64_t key_changes;
	uint64_t lost;	  /* counts skipped over: lost, and dropped while catching up */
	uint64_t resets;  /* stateful: Reset-Requests asked for (MPPE_DROP_LOST) */
	uint64_t resyncs; /* stateful: flushed packets that ended a wait */
	uint64_t drops[MPPE_DROP_COUNT];
};

struct mppe_rx {
	struct mppe_key k;
	int await_flush;   /* stateful: out of step until a packet with A */
	unsigned late_run; /* stateless: late drops in a row */
	int following;	   /* stateless: catching up with a peer far ahead */
	unsigned rekey_budget;
	struct mppe_rx_stats stats;
};

/* stateless: the CCP H bit was negotiated (RFC 3078 §2). */
void mppe_tx_init(struct mppe_tx *t, const uint8_t start_key[MPPE_KEY_LEN], int stateless);
/* rekey_budget: key changes one packet may cost (0: MPPE_REKEY_DEFAULT). */
void mppe_rx_init(struct mppe_rx *r, const uint8_t start_key[MPPE_KEY_LEN], int stateless,
		  unsigned rekey_budget);
void mppe_tx_clear(struct mppe_tx *t);
void mppe_rx_clear(struct mppe_rx *r);

/*
 * Encrypt a PPP payload (protocol field first, len >= 1) and append the
 * MPPE payload (protocol 0x00FD, header, ciphertext: len + 4 octets) to w.
 * -1 when w has no room (nothing written, no state changed).
 */
int mppe_encrypt(struct mppe_tx *t, const uint8_t *payload, size_t len, struct wbuf *w);
/* The peer sent a CCP Reset-Request (RFC 1962 §2.2): flush on the next packet. */
void mppe_tx_reset(struct mppe_tx *t);

/*
 * Decrypt what followed PPP protocol 0x00FD; append the PPP payload
 * (protocol field as the peer sent it, 1 or 2 octets) to w.  0, or -1
 * with *why (may be NULL) set and counted.  MPPE_DROP_LOST asks the caller
 * to send a CCP Reset-Request; mppe_rx_awaiting_flush() stays true until
 * the peer's flushed packet arrives (resend on the CCP timer meanwhile).
 */
int mppe_decrypt(struct mppe_rx *r, struct buf *pkt, struct wbuf *w, enum mppe_drop *why);
int mppe_rx_awaiting_flush(const struct mppe_rx *r);
/*
 * The caller found a decrypted packet incoherent (RFC 3078 §3: its
 * protocol is outside 0x0021-0x00FA): stateful, the RC4 stream is out of
 * step, so wait for a flushed packet; 1 when a CCP Reset-Request is due.
 * Stateless, the next packet re-keys anyway: 0.
 */
int mppe_rx_desync(struct mppe_rx *r);

#endif
