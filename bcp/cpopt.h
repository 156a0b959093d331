/*
 * Configuration options of a PPP control protocol as a table (after
 * accel-ppp's one-handler-per-option): LCP and BCP each describe their
 * options with struct cpopt and get the RFC 1661 §6 option-list handling
 * (build our request, apply the peer's Nak/Reject, judge the peer's request)
 * from these few functions.  The fsm callbacks of each protocol are thin
 * wrappers around them.
 *
 * Every option value is read through struct buf; the engine checks each
 * option's Length against the table before any handler sees it.
 */
#ifndef L2PW_CPOPT_H
#define L2PW_CPOPT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cpopt {
	uint8_t type;
	const char *name;
	uint8_t min_len, max_len; /* whole option, Type and Length included */
	/*
	 * Our Configure-Request: write the value (the engine writes Type and
	 * Length) and return 1, or return 0 when we do not ask for it now.
	 */
	int (*add)(void *ctx, struct wbuf *val);
	/* The peer Nak'ed it with val: adjust.  0, or FSM_CI_FAIL. */
	int (*nak)(void *ctx, struct buf *val);
	/* The peer rejected it: stop asking.  0, or FSM_CI_FAIL when we cannot do without. */
	int (*rej)(void *ctx);
	/*
	 * The peer asks for it: FSM_CONFACK, FSM_CONFNAK with the value we
	 * want written to nak, FSM_CONFREJ, or FSM_CI_FAIL.
	 */
	int (*req)(void *ctx, struct buf *val, struct wbuf *nak);
};

struct cpopt_set {
	const char *proto; /* "lcp", "bcp" */
	const struct cpopt *const *opt;
	size_t n;
	/* Before judging a Configure-Request: forget what the peer asked last time. */
	void (*req_begin)(void *ctx);
};

int cpopt_add(const struct cpopt_set *s, void *ctx, struct wbuf *w);
/* The options of a Nak: 0, FSM_CI_DROP (malformed), FSM_CI_FAIL. */
int cpopt_nak(const struct cpopt_set *s, void *ctx, struct buf *b);
/* The options of a Reject of our request req/req_len: 0, FSM_CI_DROP, FSM_CI_FAIL. */
int cpopt_rej(const struct cpopt_set *s, void *ctx, struct buf *b, const uint8_t *req,
	      size_t req_len);
/* The peer's request: FSM_CONFACK/NAK/REJ with reply filled, or FSM_CI_DROP/FAIL. */
int cpopt_req(const struct cpopt_set *s, void *ctx, struct buf *b, struct wbuf *reply,
	      int reject_if_disagree);
/* A control packet (RFC 1661 §5: Code, Identifier, Length, data) into w; -1 if it does not fit. */
int cpopt_packet(struct wbuf *w, uint8_t code, uint8_t id, const uint8_t *data, size_t len);
/* Walk an option list: 0 ok (type and val set), 1 at the end, -1 malformed. */
int cpopt_next(struct buf *b, uint8_t *type, struct buf *val);

#endif
