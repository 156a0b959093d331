/*
 * The RFC 1661 option negotiation automaton, written once (after npppd's
 * fsm.c): LCP, BCP and, later, CCP fill in a callback table and get the
 * states, events and actions of RFC 1661 §4 for free.
 *
 * Pure: no clock, no sockets.  Every entry point takes "now" (milliseconds on
 * the caller's monotonic scale); the automaton keeps one restart-timer
 * deadline (fsm_deadline(), 0 = none) that its owner arms and, when it
 * passes, reports with fsm_timeout().  Packets leave through io->send with
 * the PPP protocol number; the owner adds the PPP header.
 *
 * Ownership: struct fsm is embedded in its protocol object (struct lcp,
 * struct bcp) and owns nothing on the heap.  The callbacks must not free the
 * protocol object.
 */
#ifndef L2PW_FSM_H
#define L2PW_FSM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Packet codes (RFC 1661 §5, LCP additions in §5.7-5.9). */
#define FSM_CONFREQ 1
#define FSM_CONFACK 2
#define FSM_CONFNAK 3
#define FSM_CONFREJ 4
#define FSM_TERMREQ 5
#define FSM_TERMACK 6
#define FSM_CODEREJ 7
#define FSM_PROTREJ 8
#define FSM_ECHOREQ 9
#define FSM_ECHOREP 10
#define FSM_DISCREQ 11

/* RFC 1661 §4.6 defaults. */
#define FSM_MAX_CONFIGURE 10
#define FSM_MAX_TERMINATE 2
#define FSM_MAX_FAILURE	  5
#define FSM_RESTART_MS	  3000

/* The biggest control packet we build or keep (a Configure-Request). */
#define FSM_PKT_MAX 1500

/* RFC 1661 §4.2 states, numbered as in the state table. */
enum fsm_state {
	FSM_INITIAL = 0,
	FSM_STARTING,
	FSM_CLOSED,
	FSM_STOPPED,
	FSM_CLOSING,
	FSM_STOPPING,
	FSM_REQ_SENT,
	FSM_ACK_RCVD,
	FSM_ACK_SENT,
	FSM_OPENED,
	FSM_NSTATES
};

/* RFC 1661 §4.3 events, in the order of the state table's rows. */
enum fsm_event {
	FSM_EV_UP = 0,
	FSM_EV_DOWN,
	FSM_EV_OPEN,
	FSM_EV_CLOSE,
	FSM_EV_TO_PLUS,
	FSM_EV_TO_MINUS,
	FSM_EV_RCR_PLUS,
	FSM_EV_RCR_MINUS,
	FSM_EV_RCA,
	FSM_EV_RCN,
	FSM_EV_RTR,
	FSM_EV_RTA,
	FSM_EV_RUC,
	FSM_EV_RXJ_PLUS,
	FSM_EV_RXJ_MINUS,
	FSM_EV_RXR,
	FSM_NEVENTS
};

/* RFC 1661 §4.4 actions, as bits; a table cell runs them in the order listed. */
enum fsm_action {
	FSM_A_TLU = 1 << 0,
	FSM_A_TLD = 1 << 1,
	FSM_A_TLS = 1 << 2,
	FSM_A_TLF = 1 << 3,
	FSM_A_IRC = 1 << 4,
	FSM_A_ZRC = 1 << 5,
	FSM_A_SCR = 1 << 6,
	FSM_A_SCA = 1 << 7,
	FSM_A_SCN = 1 << 8,
	FSM_A_STR = 1 << 9,
	FSM_A_STA = 1 << 10,
	FSM_A_SCJ = 1 << 11,
	FSM_A_SER = 1 << 12,
};

/* reqci/nakci/rejci results besides the packet codes. */
#define FSM_CI_DROP (-1) /* malformed: drop the packet, no event */
#define FSM_CI_FAIL (-2) /* cannot agree: close with the reason set by fsm_set_reason() */

struct fsm;

/*
 * What a protocol fills in.  Only reqci, addci, nakci and rejci are needed;
 * the rest may be NULL.  Buffers hold the option list (after the 4-byte
 * header).  ackci NULL: an Ack must repeat our last request byte for byte
 * (RFC 1661 §5.2), which the automaton checks itself.
 */
struct fsm_callbacks {
	/* Load our wishes before a fresh negotiation (irc on the way up). */
	void (*reset_ci)(struct fsm *f);
	/* Our Configure-Request options; -1 if they do not fit. */
	int (*addci)(struct fsm *f, struct wbuf *w);
	/* Extra checks on a matching Ack; 0 ok, -1 drop. */
	int (*ackci)(struct fsm *f, struct buf *b);
	/* Peer's Nak / Reject of our request: 0 ok, FSM_CI_DROP, FSM_CI_FAIL. */
	int (*nakci)(struct fsm *f, struct buf *b);
	int (*rejci)(struct fsm *f, struct buf *b);
	/*
	 * Peer's Configure-Request.  Returns FSM_CONFACK (reply left empty: the
	 * automaton echoes the request), FSM_CONFNAK or FSM_CONFREJ with the
	 * options in reply, or FSM_CI_DROP / FSM_CI_FAIL.  reject_if_disagree
	 * is set after Max-Failure Naks: Nak becomes Reject (RFC 1661 §4.6).
	 */
	int (*reqci)(struct fsm *f, struct buf *b, struct wbuf *reply, int reject_if_disagree);
	void (*up)(struct fsm *f);	 /* tlu */
	void (*down)(struct fsm *f);	 /* tld */
	void (*starting)(struct fsm *f); /* tls */
	void (*finished)(struct fsm *f); /* tlf */
	/* Codes beyond 1-7 (and RXR codes when rxr is NULL); 1 handled, 0 -> RUC. */
	int (*extcode)(struct fsm *f, uint8_t code, uint8_t id, struct buf *data);
	/* Echo-Request/Reply/Discard-Request (LCP): set -> RXR event; ser calls it. */
	void (*rxr)(struct fsm *f, uint8_t code, uint8_t id, struct buf *data);
};

/* Where the automaton's packets and log lines go (the PPP link). */
struct fsm_io {
	void (*send)(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len);
	void (*log)(void *ctx, int level, const char *msg);
};

struct fsm_stats {
	uint64_t rx, tx;
	uint64_t drop_short, drop_bad_len, drop_bad_id, drop_bad_ack, drop_bad_ci;
	uint64_t illegal_events, code_rejects_sent, nak_loops_exceeded, termreq_rx;
};

struct fsm {
	const char *name; /* "lcp", "bcp": log prefix */
	uint16_t proto;
	enum fsm_state state;
	const struct fsm_callbacks *cb;
	void *arg; /* the protocol object, for the callbacks */
	const struct fsm_io *io;
	void *io_ctx;

	uint8_t id;    /* last identifier we used */
	uint8_t reqid; /* identifier of our outstanding Configure-Request */
	int reqid_valid;
	uint8_t restart;  /* restart counter (RFC 1661 §4.6) */
	uint8_t nak_sent; /* Naks sent in a row: Max-Failure turns them into Rejects */
	uint8_t refused;  /* Naks/Rejects received in a row: bounds the loop the other way */
	uint8_t max_configure, max_terminate, max_failure;
	uint32_t restart_ms;
	uint64_t timer_at; /* 0: not running */
	uint64_t now;

	uint8_t req[FSM_PKT_MAX]; /* our last Configure-Request options */
	size_t req_len;
	char reason[96]; /* why we close: sent in Terminate-Request, given to the owner */

	struct fsm_stats stats;
};

void fsm_init(struct fsm *f, const char *name, uint16_t proto, const struct fsm_callbacks *cb,
	      void *arg, const struct fsm_io *io, void *io_ctx);
/* Administrative and lower-layer events (RFC 1661 §4.3). */
void fsm_lower_up(struct fsm *f, uint64_t now);
void fsm_lower_down(struct fsm *f, uint64_t now);
void fsm_open(struct fsm *f, uint64_t now);
/* reason: NULL or text for the Terminate-Request (copied). */
void fsm_close(struct fsm *f, const char *reason, uint64_t now);
/* A control packet (from the Code field on).  Returns 0, or -1 when dropped. */
int fsm_input(struct fsm *f, const uint8_t *pkt, size_t len, uint64_t now);
/* Call when now >= fsm_deadline(f). */
void fsm_timeout(struct fsm *f, uint64_t now);
/* Protocol-Reject / Code-Reject seen by someone else: RXJ+ or RXJ- (catastrophic). */
void fsm_rxj(struct fsm *f, int catastrophic, uint64_t now);
/* A reason for the next close triggered by a callback (FSM_CI_FAIL). */
void fsm_set_reason(struct fsm *f, const char *reason);
/* Send a packet of this protocol with a fresh identifier (echo, discard, ...). */
void fsm_send(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len);
uint8_t fsm_next_id(struct fsm *f);
uint64_t fsm_deadline(const struct fsm *f);
enum fsm_state fsm_state(const struct fsm *f);
const char *fsm_state_name(enum fsm_state s);
const char *fsm_event_name(enum fsm_event e);
void fsm_logf(struct fsm *f, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
