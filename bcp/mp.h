/*
 * PPP Multilink (RFC 1990) for one bundle of one link: the sender cuts PPP
 * payloads into MP fragments, the receiver puts them back together.  Pure:
 * no sockets, no clock (the caller passes "now" in milliseconds on any
 * monotonic scale), no randomness.
 *
 * "Payload" here is a PPP protocol field followed by its Information field,
 * the unit PPP hands down and up (RFC 1661 §2).  The sender takes one
 * payload and produces payloads: either the same one (plain PPP, when it is
 * small enough) or MP packets, protocol 0x003d followed by the MP header
 * (RFC 1990 §3):
 *
 *	long:   B E 0 0 0 0 0 0 | sequence number (24 bits)   (4 octets)
 *	short:  B E 0 0 | sequence number (12 bits)           (2 octets, SSNHF)
 *
 * and a slice of the original payload.  The receiver takes what follows
 * protocol 0x003d and hands back whole payloads (protocol as sent: 1 or 2
 * octets, RFC 1990 §3 allows either).
 *
 * Reassembly (RFC 1990 §4.2, single member link): sequence numbers increase
 * by one per fragment.  Fragments that arrive in order are appended at once
 * to one frame buffer (MRRU bytes); fragments that arrive early by at most
 * `window` numbers wait in a fixed pool of `window` slots for the gap to
 * fill.  A gap is declared lost when a fragment arrives more than `window`
 * numbers ahead, or when nothing has progressed for `timeout_ms`: the
 * partial frame is discarded and fragments up to the next B bit are dropped.
 * With window 0 the receiver is RFC 1990's strict single-link receiver: any
 * gap is a loss at once.
 *
 * Memory is allocated once, in mp_rx_new(): the frame buffer plus window
 * slots of frag_max bytes.  mp_rx_bytes_held() never exceeds
 * mp_rx_bytes_bound(); nothing a peer sends allocates or holds more, and no
 * sequence number it sends stops later fragments from being accepted: a
 * number far behind or far ahead resynchronises instead of being refused
 * forever.
 */
#ifndef L2PW_MP_H
#define L2PW_MP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MP_PROTO	  0x003d
#define MP_FLAG_B	  0x80 /* first fragment of a payload */
#define MP_FLAG_E	  0x40 /* last fragment of a payload */
#define MP_HDR_LONG	  4
#define MP_HDR_SHORT	  2
#define MP_SEQ_LONG_BITS  24
#define MP_SEQ_SHORT_BITS 12

/* ---- sender ---- */

struct mp_tx_params {
	int short_seq; /* the peer asked for SSNHF (RFC 1990 §5.1.2): 12-bit numbers */
	/*
	 * Largest slice of payload per fragment.  At most the peer's MRU minus
	 * the MP header (mp_frag_max()); smaller to match a configured size.
	 */
	uint16_t frag_max;
	/*
	 * Largest payload (protocol field included) sent as plain PPP without
	 * an MP header.  The peer's MRU + 2 sends whatever fits the link plain;
	 * frag_max sends plain only what fits one fragment (freeRtr); 0 sends
	 * everything through MP, small payloads as one fragment with B and E.
	 */
	uint16_t plain_max;
	/* The peer's MRRU: the largest Information field it reassembles (RFC 1990 §5.1.1). */
	uint16_t mrru;
};

struct mp_tx_stats {
	uint64_t payloads;  /* accepted by mp_tx_begin() */
	uint64_t plain;	    /* of those, sent without an MP header */
	uint64_t fragments; /* MP packets produced */
	uint64_t too_big;   /* refused: empty, or Information field over the peer's MRRU */
};

/* A plain value; no resources. */
struct mp_tx {
	struct mp_tx_params p;
	uint32_t seq; /* next sequence number: starts at 0 (what freeRtr and Linux do) */
	struct mp_tx_stats stats;
};

/* One payload being cut; lives on the caller's stack between begin and the last next. */
struct mp_tx_iter {
	const uint8_t *payload;
	size_t len, off;
	int plain;
};

/* frag_max for a peer MRU: the MP header comes out of the Information field. */
uint16_t mp_frag_max(uint16_t peer_mru, int short_seq);
/* -1 when frag_max is 0 or mrru is 0. */
int mp_tx_init(struct mp_tx *t, const struct mp_tx_params *p);
/*
 * Start cutting payload (len bytes, protocol field first; must stay valid
 * until the last mp_tx_next()).  -1 (counted in too_big) when it is empty
 * or its Information field exceeds the peer's MRRU.
 */
int mp_tx_begin(struct mp_tx *t, struct mp_tx_iter *it, const uint8_t *payload, size_t len);
/*
 * Append the next packet to w as a payload: protocol (0x003d, or the
 * original one when plain) then Information.  1 when a packet was written,
 * 0 when the payload is done, -1 when w has no room (nothing written; the
 * same packet comes again with a bigger w, its sequence number kept).
 */
int mp_tx_next(struct mp_tx *t, struct mp_tx_iter *it, struct wbuf *w);

/* ---- receiver ---- */

#define MP_RX_WINDOW_MAX       64
#define MP_RX_WINDOW_DEFAULT   8    /* one 1514-byte frame in 256-byte fragments, and some */
#define MP_RX_FRAG_MAX_DEFAULT 1600 /* above any MRU an L2TP link negotiates */
#define MP_RX_TIMEOUT_DEFAULT  200  /* ms without progress before a gap counts as lost */

struct mp_rx_params {
	int short_seq;	     /* we asked for SSNHF and the peer Acked it: 12-bit headers */
	uint16_t mrru;	     /* our MRRU: the largest Information field we reassemble */
	uint16_t frag_max;   /* the largest fragment slice accepted (our MRU or less) */
	uint8_t window;	     /* reorder tolerance in sequence numbers, 0..MP_RX_WINDOW_MAX */
	uint32_t timeout_ms; /* >= 1 */
};

/* Defaults for our mrru and header format: window 8, frag_max 1600, 200 ms. */
void mp_rx_params_default(struct mp_rx_params *p, uint16_t mrru, int short_seq);

struct mp_rx_stats {
	uint64_t fragments;    /* MP packets given to mp_rx_input() */
	uint64_t reassembled;  /* payloads delivered */
	uint64_t lost;	       /* sequence numbers never seen (declared lost) */
	uint64_t discarded;    /* partial payloads thrown away (a gap, or B before E) */
	uint64_t orphans;      /* fragments dropped because their B fragment was lost */
	uint64_t timeouts;     /* timer expiries that gave up on a gap or a partial payload */
	uint64_t oversize;     /* payloads growing past MRRU (+ protocol field) */
	uint64_t bad_header;   /* shorter than the MP header */
	uint64_t frag_too_big; /* slice longer than frag_max */
	uint64_t late;	       /* behind the window or duplicate */
	uint64_t resyncs;      /* sequence number jumped by half the space or more */
	uint64_t runt;	       /* reassembled payload without a whole protocol field */
	uint64_t nested;       /* reassembled payload is itself MP (RFC 1990 §3: never) */
	uint64_t reentered;    /* mp_rx_input() called from inside the frame callback */
};

struct mp_rx_ops {
	/*
	 * A whole payload (protocol + Information), valid during the call
	 * only.  Must not call back into this mp_rx (refused and counted).
	 */
	void (*frame)(void *ctx, const uint8_t *payload, size_t len);
	/* Deadline to call mp_rx_timeout() at; 0 disarms.  Called when it changes. */
	void (*arm_timer)(void *ctx, uint64_t at_ms);
};

struct mp_rx;

/*
 * One bundle's receiver.  NULL for bad parameters (mrru 0, frag_max 0,
 * window over MP_RX_WINDOW_MAX, timeout 0) or no memory.  ops is kept by
 * pointer (static tables); mp_rx_free() frees (NULL accepted).
 */
struct mp_rx *mp_rx_new(const struct mp_rx_params *p, const struct mp_rx_ops *ops, void *ctx);
void mp_rx_free(struct mp_rx *rx);
/*
 * pkt: what follows PPP protocol 0x003d.  Calls ops->frame for each payload
 * it completes (one fragment may complete several).  0 when the fragment was
 * taken (in order or held), -1 when it was dropped (counted).
 */
int mp_rx_input(struct mp_rx *rx, struct buf *pkt, uint64_t now);
/* The timer armed through ops->arm_timer fired (early or late calls are harmless). */
void mp_rx_timeout(struct mp_rx *rx, uint64_t now);
/* Forget every fragment and the sequence position (link renegotiated); stats stay. */
void mp_rx_reset(struct mp_rx *rx);

uint64_t mp_rx_deadline(const struct mp_rx *rx);
size_t mp_rx_bytes_held(const struct mp_rx *rx);
size_t mp_rx_bytes_bound(const struct mp_rx *rx);
unsigned mp_rx_frags_held(const struct mp_rx *rx);
const struct mp_rx_stats *mp_rx_stats(const struct mp_rx *rx);

#endif
