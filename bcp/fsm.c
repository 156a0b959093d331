/*
 * The RFC 1661 §4 option negotiation automaton.  The state transition table
 * (RFC 1661 §4.1, pages 12-13 of the RFC) is copied below as data; one
 * transition function, fsm_transition(), runs a cell's actions, logs
 * "lcp: req-sent -> ack-rcvd on RCA" and owns every side effect.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "cplog.h"
#include "cpopt.h"
#include "fsm.h"

struct fsm_cell {
	uint16_t actions; /* enum fsm_action bits */
	uint8_t next;	  /* enum fsm_state */
	uint8_t legal;	  /* 0: "-" in the table, an event that cannot happen here */
};

#define C(a, n)                                                                                    \
	{                                                                                          \
		(a), (n), 1                                                                        \
	}
#define X(n)                                                                                       \
	{                                                                                          \
		0, (n), 0                                                                          \
	}
#define TLU FSM_A_TLU
#define TLD FSM_A_TLD
#define TLS FSM_A_TLS
#define TLF FSM_A_TLF
#define IRC FSM_A_IRC
#define ZRC FSM_A_ZRC
#define SCR FSM_A_SCR
#define SCA FSM_A_SCA
#define SCN FSM_A_SCN
#define STR FSM_A_STR
#define STA FSM_A_STA
#define SCJ FSM_A_SCJ
#define SER FSM_A_SER

/*
 * RFC 1661 §4.1 state transition table, one row per state.  Options taken:
 * no "restart" option on Open (r), no "passive" option on TO- (p); the
 * crossed-connection cells (x) are plain transitions.  Actions run in the
 * fixed order of fsm_transition(), which matches every cell's listing.
 */
/* clang-format off */
static const struct fsm_cell fsm_table[FSM_NSTATES][FSM_NEVENTS] = {
	/*          Up             Down          Open               Close
	 *          TO+            TO-           RCR+               RCR-
	 *          RCA            RCN           RTR                RTA
	 *          RUC            RXJ+          RXJ-               RXR */
	[FSM_INITIAL] = {
		C(0, 2), X(0), C(TLS, 1), C(0, 0),
		X(0), X(0), X(0), X(0),
		X(0), X(0), X(0), X(0),
		X(0), X(0), X(0), X(0) },
	[FSM_STARTING] = {
		C(IRC | SCR, 6), X(1), C(0, 1), C(TLF, 0),
		X(1), X(1), X(1), X(1),
		X(1), X(1), X(1), X(1),
		X(1), X(1), X(1), X(1) },
	[FSM_CLOSED] = {
		X(2), C(0, 0), C(IRC | SCR, 6), C(0, 2),
		X(2), X(2), C(STA, 2), C(STA, 2),
		C(STA, 2), C(STA, 2), C(STA, 2), C(0, 2),
		C(SCJ, 2), C(0, 2), C(TLF, 2), C(0, 2) },
	[FSM_STOPPED] = {
		X(3), C(TLS, 1), C(0, 3), C(0, 2),
		X(3), X(3), C(IRC | SCR | SCA, 8), C(IRC | SCR | SCN, 6),
		C(STA, 3), C(STA, 3), C(STA, 3), C(0, 3),
		C(SCJ, 3), C(0, 3), C(TLF, 3), C(0, 3) },
	[FSM_CLOSING] = {
		X(4), C(0, 0), C(0, 5), C(0, 4),
		C(STR, 4), C(TLF, 2), C(0, 4), C(0, 4),
		C(0, 4), C(0, 4), C(STA, 4), C(TLF, 2),
		C(SCJ, 4), C(0, 4), C(TLF, 2), C(0, 4) },
	[FSM_STOPPING] = {
		X(5), C(0, 1), C(0, 5), C(0, 4),
		C(STR, 5), C(TLF, 3), C(0, 5), C(0, 5),
		C(0, 5), C(0, 5), C(STA, 5), C(TLF, 3),
		C(SCJ, 5), C(0, 5), C(TLF, 3), C(0, 5) },
	[FSM_REQ_SENT] = {
		X(6), C(0, 1), C(0, 6), C(IRC | STR, 4),
		C(SCR, 6), C(TLF, 3), C(SCA, 8), C(SCN, 6),
		C(IRC, 7), C(IRC | SCR, 6), C(STA, 6), C(0, 6),
		C(SCJ, 6), C(0, 6), C(TLF, 3), C(0, 6) },
	[FSM_ACK_RCVD] = {
		X(7), C(0, 1), C(0, 7), C(IRC | STR, 4),
		C(SCR, 6), C(TLF, 3), C(SCA | TLU, 9), C(SCN, 7),
		C(SCR, 6), C(SCR, 6), C(STA, 6), C(0, 6),
		C(SCJ, 7), C(0, 6), C(TLF, 3), C(0, 7) },
	[FSM_ACK_SENT] = {
		X(8), C(0, 1), C(0, 8), C(IRC | STR, 4),
		C(SCR, 8), C(TLF, 3), C(SCA, 8), C(SCN, 6),
		C(IRC | TLU, 9), C(IRC | SCR, 8), C(STA, 6), C(0, 8),
		C(SCJ, 8), C(0, 8), C(TLF, 3), C(0, 8) },
	[FSM_OPENED] = {
		X(9), C(TLD, 1), C(0, 9), C(TLD | IRC | STR, 4),
		X(9), X(9), C(TLD | SCR | SCA, 8), C(TLD | SCR | SCN, 6),
		C(TLD | SCR, 6), C(TLD | SCR, 6), C(TLD | ZRC | STA, 5), C(TLD | SCR, 6),
		C(SCJ, 9), C(0, 9), C(TLD | IRC | STR, 5), C(SER, 9) },
};
/* clang-format on */

static const char *const fsm_state_names[FSM_NSTATES] = {
    "initial",	"starting", "closed",	"stopped",  "closing",
    "stopping", "req-sent", "ack-rcvd", "ack-sent", "opened",
};

static const char *const fsm_event_names[FSM_NEVENTS] = {
    "Up",  "Down", "Open", "Close", "TO+", "TO-",  "RCR+", "RCR-",
    "RCA", "RCN",  "RTR",  "RTA",   "RUC", "RXJ+", "RXJ-", "RXR",
};

const char *fsm_state_name(enum fsm_state s)
{
	return (unsigned)s < FSM_NSTATES ? fsm_state_names[s] : "?";
}

const char *fsm_event_name(enum fsm_event e)
{
	return (unsigned)e < FSM_NEVENTS ? fsm_event_names[e] : "?";
}

void fsm_logf(struct fsm *f, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cplog_emit(f->io ? f->io->log : NULL, f->io_ctx, level, f->name, fmt, ap);
	va_end(ap);
}

void fsm_init(struct fsm *f, const char *name, uint16_t proto, const struct fsm_callbacks *cb,
	      void *arg, const struct fsm_io *io, void *io_ctx)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->proto = proto;
	f->state = FSM_INITIAL;
	f->cb = cb;
	f->arg = arg;
	f->io = io;
	f->io_ctx = io_ctx;
	f->max_configure = FSM_MAX_CONFIGURE;
	f->max_terminate = FSM_MAX_TERMINATE;
	f->max_failure = FSM_MAX_FAILURE;
	f->restart_ms = FSM_RESTART_MS;
}

uint8_t fsm_next_id(struct fsm *f)
{
	return ++f->id;
}

void fsm_send(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t pkt[FSM_PKT_MAX + 4];
	struct wbuf w;

	wbuf_init(&w, pkt, sizeof(pkt));
	if (cpopt_packet(&w, code, id, data, len) == -1) {
		fsm_logf(f, LOG_WARNING, "packet code %u too big (%zu bytes), not sent", code, len);
		return;
	}
	f->stats.tx++;
	if (f->io && f->io->send)
		f->io->send(f->io_ctx, f->proto, pkt, w.len);
}

void fsm_set_reason(struct fsm *f, const char *reason)
{
	snprintf(f->reason, sizeof(f->reason), "%s", reason ? reason : "");
}

/* What a Configure-Request in hand was answered with (RCR+ / RCR- cells). */
struct fsm_reply {
	uint8_t code;
	uint8_t id;
	struct wbuf w;
	uint8_t mem[FSM_PKT_MAX];
};

/* A received packet the actions may need (scj copies it, sta answers its id). */
struct fsm_rx {
	uint8_t id;
	const uint8_t *pkt;
	size_t len;
	struct fsm_reply *reply;
	uint8_t code; /* RXR: Echo-Request/Reply/Discard */
	struct buf data;
};

static void fsm_scr(struct fsm *f)
{
	struct wbuf w;

	if (f->restart == 0)
		return;
	if (f->cb->addci) {
		wbuf_init(&w, f->req, sizeof(f->req));
		if (f->cb->addci(f, &w) == -1 || w.err) {
			fsm_logf(f, LOG_ERR, "our Configure-Request does not fit");
			w.len = 0;
		}
		f->req_len = w.len;
	} else {
		f->req_len = 0;
	}
	f->reqid = fsm_next_id(f);
	f->reqid_valid = 1;
	fsm_send(f, FSM_CONFREQ, f->reqid, f->req, f->req_len);
	f->restart--;
	f->timer_at = f->now + f->restart_ms;
}

static void fsm_str(struct fsm *f)
{
	if (f->restart == 0)
		return;
	fsm_send(f, FSM_TERMREQ, fsm_next_id(f), (const uint8_t *)f->reason, strlen(f->reason));
	f->restart--;
	f->timer_at = f->now + f->restart_ms;
}

/*
 * The one transition function: runs the cell's actions in RFC order, logs,
 * changes state.  The timer runs only in the states that retransmit.
 */
static void fsm_transition(struct fsm *f, enum fsm_event ev, struct fsm_rx *rx)
{
	const struct fsm_cell *c;
	enum fsm_state from = f->state, to;
	uint16_t a;

	if ((unsigned)from >= FSM_NSTATES || (unsigned)ev >= FSM_NEVENTS)
		return;
	c = &fsm_table[from][ev];
	to = (enum fsm_state)c->next;
	a = c->actions;
	if (!c->legal) {
		f->stats.illegal_events++;
		fsm_logf(f, LOG_DEBUG, "%s: illegal event %s, ignored", fsm_state_name(from),
			 fsm_event_name(ev));
		return;
	}
	fsm_logf(f, LOG_DEBUG, "%s -> %s on %s", fsm_state_name(from), fsm_state_name(to),
		 fsm_event_name(ev));

	if (a & TLD) {
		f->state = to; /* callbacks see the state we are going to */
		if (f->cb->down)
			f->cb->down(f);
	}
	if (a & IRC) {
		f->restart =
		    (to == FSM_CLOSING || to == FSM_STOPPING) ? f->max_terminate : f->max_configure;
	}
	if (a & ZRC) {
		/* RFC 1661 §4.4: the restart timer still runs, for one period. */
		f->restart = 0;
		f->timer_at = f->now + f->restart_ms;
	}
	if (a & SCR) {
		/*
		 * Not negotiating until now: a fresh start, with our wishes
		 * reloaded and both loop counters at zero (irc also fires on
		 * every Nak in Req-Sent, so it cannot reset them).
		 */
		if (from == FSM_STARTING || from == FSM_CLOSED || from == FSM_STOPPED ||
		    from == FSM_OPENED) {
			f->nak_sent = 0;
			f->refused = 0;
			if (f->cb->reset_ci)
				f->cb->reset_ci(f);
		}
		fsm_scr(f);
	}
	if ((a & SCA) && rx && rx->reply)
		fsm_send(f, FSM_CONFACK, rx->id, rx->pkt + 4, rx->len - 4);
	if ((a & SCN) && rx && rx->reply)
		fsm_send(f, rx->reply->code, rx->id, rx->reply->mem, rx->reply->w.len);
	if (a & STR)
		fsm_str(f);
	if (a & STA)
		fsm_send(f, FSM_TERMACK, rx ? rx->id : fsm_next_id(f), NULL, 0);
	if ((a & SCJ) && rx) {
		/* RFC 1661 §5.6: the rejected packet, truncated to fit. */
		size_t n = rx->len;

		if (n > FSM_PKT_MAX - 4)
			n = FSM_PKT_MAX - 4;
		f->stats.code_rejects_sent++;
		fsm_send(f, FSM_CODEREJ, fsm_next_id(f), rx->pkt, n);
	}
	if ((a & SER) && rx && f->cb->rxr)
		f->cb->rxr(f, rx->code, rx->id, &rx->data);

	f->state = to;
	switch (to) {
	case FSM_INITIAL:
	case FSM_STARTING:
	case FSM_CLOSED:
	case FSM_STOPPED:
	case FSM_OPENED:
		f->timer_at = 0;
		break;
	default:
		break;
	}
	if (to == FSM_OPENED)
		f->refused = 0;
	if ((a & TLU) && f->cb->up)
		f->cb->up(f);
	if ((a & TLS) && f->cb->starting)
		f->cb->starting(f);
	if ((a & TLF) && f->cb->finished)
		f->cb->finished(f);
}

void fsm_lower_up(struct fsm *f, uint64_t now)
{
	f->now = now;
	fsm_transition(f, FSM_EV_UP, NULL);
}

void fsm_lower_down(struct fsm *f, uint64_t now)
{
	f->now = now;
	fsm_transition(f, FSM_EV_DOWN, NULL);
}

void fsm_open(struct fsm *f, uint64_t now)
{
	f->now = now;
	/* A new attempt: the reason of the last close no longer applies. */
	if (f->state != FSM_REQ_SENT && f->state != FSM_ACK_RCVD && f->state != FSM_ACK_SENT &&
	    f->state != FSM_OPENED)
		f->reason[0] = '\0';
	fsm_transition(f, FSM_EV_OPEN, NULL);
}

void fsm_close(struct fsm *f, const char *reason, uint64_t now)
{
	f->now = now;
	if (reason && !f->reason[0])
		fsm_set_reason(f, reason);
	fsm_transition(f, FSM_EV_CLOSE, NULL);
}

void fsm_rxj(struct fsm *f, int catastrophic, uint64_t now)
{
	f->now = now;
	if (catastrophic && !f->reason[0])
		fsm_set_reason(f, "peer rejected the protocol");
	fsm_transition(f, catastrophic ? FSM_EV_RXJ_MINUS : FSM_EV_RXJ_PLUS, NULL);
}

void fsm_timeout(struct fsm *f, uint64_t now)
{
	f->now = now;
	if (!f->timer_at || now < f->timer_at)
		return;
	f->timer_at = 0;
	if (f->restart == 0 && !f->reason[0] &&
	    (f->state == FSM_REQ_SENT || f->state == FSM_ACK_RCVD || f->state == FSM_ACK_SENT))
		fsm_set_reason(f, "peer does not answer");
	fsm_transition(f, f->restart > 0 ? FSM_EV_TO_PLUS : FSM_EV_TO_MINUS, NULL);
}

enum fsm_state fsm_state(const struct fsm *f)
{
	return f->state;
}

uint64_t fsm_deadline(const struct fsm *f)
{
	return f->timer_at;
}

/* A Configure-Request: ask the protocol, then RCR+ or RCR-. */
static int fsm_rcvd_confreq(struct fsm *f, struct fsm_rx *rx, struct buf *opts)
{
	struct fsm_reply *r = rx->reply;
	int code;

	switch (f->state) {
	case FSM_STOPPED:
	case FSM_REQ_SENT:
	case FSM_ACK_RCVD:
	case FSM_ACK_SENT:
	case FSM_OPENED:
		break;
	default:
		/* Closed answers sta, Closing/Stopping ignore: no options to judge. */
		fsm_transition(f, FSM_EV_RCR_PLUS, rx);
		return 0;
	}
	wbuf_init(&r->w, r->mem, sizeof(r->mem));
	code = f->cb->reqci(f, opts, &r->w, f->nak_sent >= f->max_failure);
	if (code == FSM_CI_DROP || r->w.err) {
		f->stats.drop_bad_ci++;
		return -1;
	}
	if (code == FSM_CI_FAIL) {
		fsm_close(f, NULL, f->now);
		return 0;
	}
	r->code = (uint8_t)code;
	if (code == FSM_CONFACK) {
		f->nak_sent = 0;
		fsm_transition(f, FSM_EV_RCR_PLUS, rx);
	} else {
		if (code == FSM_CONFNAK && ++f->nak_sent >= f->max_failure)
			f->stats.nak_loops_exceeded++;
		fsm_transition(f, FSM_EV_RCR_MINUS, rx);
	}
	return 0;
}

/* Configure-Ack/Nak/Reject: only for our outstanding request (RFC 1661 §5.2-5.4). */
static int fsm_rcvd_answer(struct fsm *f, uint8_t code, struct fsm_rx *rx, struct buf *opts)
{
	int r;

	if (!f->reqid_valid || rx->id != f->reqid) {
		f->stats.drop_bad_id++;
		return -1;
	}
	if (code == FSM_CONFACK) {
		if (buf_left(opts) != f->req_len ||
		    (f->req_len && memcmp(buf_cur(opts), f->req, f->req_len) != 0) ||
		    (f->cb->ackci && f->cb->ackci(f, opts) == -1)) {
			f->stats.drop_bad_ack++;
			return -1;
		}
		f->reqid_valid = 0;
		fsm_transition(f, FSM_EV_RCA, rx);
		return 0;
	}
	switch (f->state) {
	case FSM_REQ_SENT:
	case FSM_ACK_RCVD:
	case FSM_ACK_SENT:
	case FSM_OPENED:
		r = code == FSM_CONFNAK ? f->cb->nakci(f, opts) : f->cb->rejci(f, opts);
		break;
	default:
		r = 0; /* Closed/Stopped answer sta, Closing/Stopping ignore */
		break;
	}
	if (r == FSM_CI_DROP) {
		f->stats.drop_bad_ci++;
		return -1;
	}
	f->reqid_valid = 0;
	if (r == FSM_CI_FAIL) {
		fsm_close(f, NULL, f->now);
		return 0;
	}
	/* Bound the loop from the other side: a peer that never agrees. */
	if (++f->refused > f->max_configure && f->state != FSM_OPENED) {
		f->stats.nak_loops_exceeded++;
		fsm_close(f, "peer keeps refusing our options", f->now);
		return 0;
	}
	fsm_transition(f, FSM_EV_RCN, rx);
	return 0;
}

/* A Terminate-Request's data is the peer's reason: keep it printable. */
static void fsm_peer_reason(struct fsm *f, struct buf *data)
{
	if (!buf_left(data)) {
		fsm_set_reason(f, "peer terminated the link");
		return;
	}
	memcpy(f->reason, "peer: ", 6);
	cplog_printable(f->reason + 6, sizeof(f->reason) - 6, buf_cur(data), buf_left(data));
}

/* Code-Reject (RFC 1661 §5.6): fatal when it rejects a code we cannot do without. */
static void fsm_rcvd_coderej(struct fsm *f, struct fsm_rx *rx, struct buf *data)
{
	uint8_t code = 0;

	buf_get_n8(data, &code);
	fsm_logf(f, LOG_WARNING, "peer rejected code %u", code);
	if (code >= FSM_CONFREQ && code <= FSM_CODEREJ) {
		if (!f->reason[0])
			fsm_set_reason(f, "peer rejected a mandatory code");
		fsm_transition(f, FSM_EV_RXJ_MINUS, rx);
	} else {
		fsm_transition(f, FSM_EV_RXJ_PLUS, rx);
	}
}

int fsm_input(struct fsm *f, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct fsm_reply reply;
	struct fsm_rx rx = {.pkt = pkt, .reply = &reply};
	struct buf b, body;
	uint8_t code, id;
	uint16_t plen;
	size_t n;

	f->now = now;
	f->stats.rx++;
	buf_init(&b, pkt, len);
	if (buf_get_n8(&b, &code) == -1 || buf_get_n8(&b, &id) == -1 ||
	    buf_get_n16(&b, &plen) == -1) {
		f->stats.drop_short++;
		return -1;
	}
	/* RFC 1661 §5: Length covers the header; bytes past it are padding. */
	if (plen < 4 || plen > len) {
		f->stats.drop_bad_len++;
		return -1;
	}
	n = plen - 4u;
	if (buf_get_sub(&b, &body, n) == -1) {
		f->stats.drop_bad_len++;
		return -1;
	}
	rx.id = id;
	rx.len = plen;
	rx.code = code;

	switch (code) {
	case FSM_CONFREQ:
		return fsm_rcvd_confreq(f, &rx, &body);
	case FSM_CONFACK:
	case FSM_CONFNAK:
	case FSM_CONFREJ:
		return fsm_rcvd_answer(f, code, &rx, &body);
	case FSM_TERMREQ:
		f->stats.termreq_rx++;
		if (!f->reason[0])
			fsm_peer_reason(f, &body);
		fsm_transition(f, FSM_EV_RTR, &rx);
		return 0;
	case FSM_TERMACK:
		fsm_transition(f, FSM_EV_RTA, &rx);
		return 0;
	case FSM_CODEREJ:
		fsm_rcvd_coderej(f, &rx, &body);
		return 0;
	case FSM_ECHOREQ:
	case FSM_ECHOREP:
	case FSM_DISCREQ:
		if (f->cb->rxr) {
			rx.data = body;
			fsm_transition(f, FSM_EV_RXR, &rx);
			return 0;
		}
		break;
	default:
		break;
	}
	if (f->cb->extcode && f->cb->extcode(f, code, id, &body))
		return 0;
	fsm_transition(f, FSM_EV_RUC, &rx);
	return 0;
}
