/*
 * Reliable delivery of L2TP control messages: RFC 3931 §4.2, the same
 * mechanism as RFC 2661 §5.8 and Appendix A (slow start).  Shared by L2TPv2
 * and L2TPv3: in both headers Ns and Nr sit at bytes 8 and 10 of a control
 * message (L and S bits always set), so the window code never needs to know
 * the rest of the header.
 *
 * Pure: no clock, no sockets.  The owner (a tunnel) passes "now" in, sends
 * through the xmit/zlb callbacks, and arms one timer at
 * l2tp_rel_next_deadline().  Receiving is pull style so that processing a
 * message can freely send new ones: l2tp_rel_recv() says whether to process
 * the message now, and l2tp_rel_next_held() hands out messages that became
 * in order after it.
 *
 * Sequence numbers are 16-bit and compared with serial number arithmetic
 * (RFC 1982): a is "before" b when (int16_t)(a - b) < 0.
 *
 * Ownership: struct l2tp_rel is embedded in its owner; l2tp_rel_init() then
 * l2tp_rel_reset() frees every queued or held message.  Messages passed to
 * l2tp_rel_send() are copied.
 */
#ifndef L2PW_L2TP_REL_H
#define L2PW_L2TP_REL_H

#include <stddef.h>
#include <stdint.h>

/* Ns and Nr offsets in a control message (RFC 2661 §3.1, RFC 3931 §3.2.1). */
#define L2TP_REL_NS_OFF	 8
#define L2TP_REL_NR_OFF	 10
#define L2TP_REL_HDR_LEN 12
/* Out-of-order messages held per tunnel: also the largest window we advertise. */
#define L2TP_REL_MAX_HOLD 32
/* Messages waiting for the peer's window before we refuse to queue more. */
#define L2TP_REL_MAX_QUEUE 256

struct l2tp_rel_msg;

struct l2tp_rel_cb {
	/*
	 * Send a control message whose Ns/Nr are already filled in.  pkt is
	 * writable so the owner can compute a Message Digest over the final
	 * bytes; the change is kept for retransmissions.
	 */
	void (*xmit)(void *ctx, uint8_t *pkt, size_t len);
	/* Send a ZLB acknowledgement carrying these Ns/Nr. */
	void (*zlb)(void *ctx, uint16_t ns, uint16_t nr);
};

struct l2tp_rel_params {
	uint16_t rwin;	     /* our window: what the peer may have in flight; <= MAX_HOLD */
	uint8_t max_retries; /* retransmissions of one message before giving up */
	uint32_t rto_initial_ms, rto_max_ms;
	uint32_t ack_delay_ms; /* wait this long for a reply to piggyback the ack on */
};

struct l2tp_rel_stats {
	uint64_t tx, rx, retransmits, zlb_tx, zlb_rx;
	uint64_t drop_duplicate, drop_out_of_window, drop_bad_ack, drop_queue_full;
};

struct l2tp_rel {
	struct l2tp_rel_params p;
	const struct l2tp_rel_cb *cb;
	void *ctx;
	/* Sending. */
	uint16_t ns_next;	 /* Ns of the next new message */
	uint16_t una;		 /* oldest unacknowledged Ns */
	uint16_t peer_rwin;	 /* the peer's Receive Window Size */
	uint16_t cwnd, ssthresh; /* RFC 2661 Appendix A */
	uint16_t cwnd_acks;	 /* acks counted toward the next congestion-avoidance step */
	struct l2tp_rel_msg *head, *tail; /* ordered by Ns; the first inflight ones are sent */
	struct l2tp_rel_msg *unsent;	  /* first message not sent yet, NULL when none */
	uint32_t queued;		  /* messages in the list */
	uint32_t inflight;		  /* of which sent and not acknowledged */
	uint32_t rto_ms;		  /* current backoff */
	uint8_t retries;		  /* retransmissions of the oldest message so far */
	uint64_t rtx_at;		  /* 0: no retransmission timer */
	/* Receiving. */
	uint16_t nr;	 /* next Ns we expect */
	uint64_t ack_at; /* 0: no ack owed */
	struct l2tp_rel_msg *hold[L2TP_REL_MAX_HOLD];
	struct l2tp_rel_stats st;
};

/* Defaults: window 16, 10 retries, 1 s initial RTO doubling up to 8 s, ack delay 200 ms. */
void l2tp_rel_params_default(struct l2tp_rel_params *p);
void l2tp_rel_init(struct l2tp_rel *r, const struct l2tp_rel_params *p,
		   const struct l2tp_rel_cb *cb, void *ctx);
/* Free every message and start over at Ns = Nr = 0. */
void l2tp_rel_reset(struct l2tp_rel *r);
/* The peer's Receive Window Size AVP (0 is invalid and means the RFC default 4). */
void l2tp_rel_set_peer_rwin(struct l2tp_rel *r, uint16_t rwin);

/*
 * Queue a message (header included, Ns/Nr are filled in here) and send it
 * when the peer's window allows.  msg_type names it in the give-up reason.
 * Returns 0, or -1 when out of memory or the queue is full (counted).
 */
int l2tp_rel_send(struct l2tp_rel *r, const uint8_t *pkt, size_t len, uint16_t msg_type,
		  uint64_t now);

enum l2tp_rel_verdict {
	L2TP_REL_DELIVER,	/* in order: process it now, then drain l2tp_rel_next_held() */
	L2TP_REL_ACK_ONLY,	/* a ZLB: its Nr was processed, nothing to deliver */
	L2TP_REL_HELD,		/* ahead of a gap, kept until the gap fills */
	L2TP_REL_DUPLICATE,	/* seen before: re-acknowledged and dropped */
	L2TP_REL_OUT_OF_WINDOW, /* dropped */
};

/*
 * A received control message whose header (and digest) the owner has already
 * checked.  Processes the acknowledgement in Nr first (this may send queued
 * messages), then classifies Ns.  is_zlb: the message has no AVPs.
 */
enum l2tp_rel_verdict l2tp_rel_recv(struct l2tp_rel *r, const uint8_t *pkt, size_t len, int is_zlb,
				    uint64_t now);
/*
 * After a DELIVER: the next held message that is now in order, copied into
 * out (cap bytes); returns its length, or 0 when there is none.  Messages too
 * big for out are dropped (counted as out of window).
 */
size_t l2tp_rel_next_held(struct l2tp_rel *r, uint8_t *out, size_t cap, uint64_t now);

/* Send the owed acknowledgement now (a ZLB) if one is owed. */
void l2tp_rel_ack_now(struct l2tp_rel *r);

/* The earliest time l2tp_rel_timeout() has work to do; 0 when none. */
uint64_t l2tp_rel_next_deadline(const struct l2tp_rel *r);
/*
 * Retransmit or acknowledge what is due.  Returns 0, or -1 when the oldest
 * message was retransmitted max_retries times and timed out once more: the
 * peer is gone; *gave_up_type is that message's type.
 */
int l2tp_rel_timeout(struct l2tp_rel *r, uint64_t now, uint16_t *gave_up_type);

/* Nothing sent is waiting for an acknowledgement, nothing is queued. */
int l2tp_rel_idle(const struct l2tp_rel *r);
/* Worst-case time from the first transmission of a message to giving up on it. */
uint64_t l2tp_rel_giveup_ms(const struct l2tp_rel_params *p);

/* Serial number arithmetic on 16 bits: a before b. */
static inline int l2tp_rel_seq_lt(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) < 0;
}

#endif
