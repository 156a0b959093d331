/*
 * The RFC 1661 automaton against the RFC's own state transition table
 * (RFC 1661 §4.1).  The expected table below is typed from the RFC, cell by
 * cell, independently of bcp/fsm.c: every state is reached through real
 * events, each event is fed as a real packet, timeout or call, and the
 * actions are observed from outside (packets sent, callbacks, restart
 * counter).  Plus: Max-Failure turns Naks into Rejects, a peer that keeps
 * refusing is bounded, bad lengths are dropped.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm.h"

/* clang-format off */
static const char *const expected[FSM_NEVENTS][FSM_NSTATES] = {
	/*            0 Initial  1 Starting    2 Closed      3 Stopped          4 Closing   5 Stopping  6 Req-Sent     7 Ack-Rcvd   8 Ack-Sent     9 Opened */
	[FSM_EV_UP] = { "2", "irc,scr/6", "-", "-", "-", "-", "-", "-", "-", "-" },
	[FSM_EV_DOWN] = { "-", "-", "0", "tls/1", "0", "1", "1", "1", "1", "tld/1" },
	[FSM_EV_OPEN] = { "tls/1", "1", "irc,scr/6", "3", "5", "5", "6", "7", "8", "9" },
	[FSM_EV_CLOSE] = { "0", "tlf/0", "2", "2", "4", "4", "irc,str/4", "irc,str/4", "irc,str/4", "tld,irc,str/4" },
	[FSM_EV_TO_PLUS] = { "-", "-", "-", "-", "str/4", "str/5", "scr/6", "scr/6", "scr/8", "-" },
	[FSM_EV_TO_MINUS] = { "-", "-", "-", "-", "tlf/2", "tlf/3", "tlf/3", "tlf/3", "tlf/3", "-" },
	[FSM_EV_RCR_PLUS] = { "-", "-", "sta/2", "irc,scr,sca/8", "4", "5", "sca/8", "sca,tlu/9", "sca/8", "tld,scr,sca/8" },
	[FSM_EV_RCR_MINUS] = { "-", "-", "sta/2", "irc,scr,scn/6", "4", "5", "scn/6", "scn/7", "scn/6", "tld,scr,scn/6" },
	[FSM_EV_RCA] = { "-", "-", "sta/2", "sta/3", "4", "5", "irc/7", "scr/6", "irc,tlu/9", "tld,scr/6" },
	[FSM_EV_RCN] = { "-", "-", "sta/2", "sta/3", "4", "5", "irc,scr/6", "scr/6", "irc,scr/8", "tld,scr/6" },
	[FSM_EV_RTR] = { "-", "-", "sta/2", "sta/3", "sta/4", "sta/5", "sta/6", "sta/6", "sta/6", "tld,zrc,sta/5" },
	[FSM_EV_RTA] = { "-", "-", "2", "3", "tlf/2", "tlf/3", "6", "6", "8", "tld,scr/6" },
	[FSM_EV_RUC] = { "-", "-", "scj/2", "scj/3", "scj/4", "scj/5", "scj/6", "scj/7", "scj/8", "scj/9" },
	[FSM_EV_RXJ_PLUS] = { "-", "-", "2", "3", "4", "5", "6", "6", "8", "9" },
	[FSM_EV_RXJ_MINUS] = { "-", "-", "tlf/2", "tlf/3", "tlf/2", "tlf/3", "tlf/3", "tlf/3", "tlf/3", "tld,irc,str/5" },
	[FSM_EV_RXR] = { "-", "-", "2", "3", "4", "5", "6", "7", "8", "ser/9" },
};
/* clang-format on */

struct rec {
	char log[256];
	int nak; /* reqci answers Nak */
	struct fsm f;
};

static void rec_add(struct rec *r, const char *a)
{
	if (r->log[0])
		strcat(r->log, ",");
	strcat(r->log, a);
}

static void io_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
	static const char *const names[] = {"?", "scr", "sca", "scn", "scn", "str", "sta", "scj"};
	struct rec *r = ctx;

	(void)proto;
	ck_assert_uint_ge(len, 4);
	if (pkt[0] >= 1 && pkt[0] <= 7)
		rec_add(r, names[pkt[0]]);
	else
		rec_add(r, "other");
}

static const struct fsm_io io = {.send = io_send};

static int cb_addci(struct fsm *f, struct wbuf *w)
{
	(void)f;
	/* One made-up option, so an Ack has something to match. */
	wbuf_add_n8(w, 1);
	wbuf_add_n8(w, 4);
	wbuf_add_n16(w, 1500);
	return 0;
}

static int cb_nakci(struct fsm *f, struct buf *b)
{
	(void)f, (void)b;
	return 0;
}

static int cb_reqci(struct fsm *f, struct buf *b, struct wbuf *reply, int rid)
{
	struct rec *r = f->arg;

	(void)b;
	if (!r->nak)
		return FSM_CONFACK;
	wbuf_add_n8(reply, 1);
	wbuf_add_n8(reply, 4);
	wbuf_add_n16(reply, 1400);
	return rid ? FSM_CONFREJ : FSM_CONFNAK;
}

static void cb_up(struct fsm *f)
{
	rec_add(f->arg, "tlu");
}
static void cb_down(struct fsm *f)
{
	rec_add(f->arg, "tld");
}
static void cb_starting(struct fsm *f)
{
	rec_add(f->arg, "tls");
}
static void cb_finished(struct fsm *f)
{
	rec_add(f->arg, "tlf");
}

static void cb_rxr(struct fsm *f, uint8_t code, uint8_t id, struct buf *d)
{
	(void)code, (void)id, (void)d;
	rec_add(f->arg, "ser");
}

static const struct fsm_callbacks cbs = {
    .addci = cb_addci,
    .nakci = cb_nakci,
    .rejci = cb_nakci,
    .reqci = cb_reqci,
    .up = cb_up,
    .down = cb_down,
    .starting = cb_starting,
    .finished = cb_finished,
    .rxr = cb_rxr,
};

static void pkt(struct rec *r, uint8_t code, uint8_t id, const uint8_t *data, size_t n)
{
	uint8_t b[64];

	b[0] = code;
	b[1] = id;
	b[2] = 0;
	b[3] = (uint8_t)(n + 4);
	if (n)
		memcpy(b + 4, data, n);
	fsm_input(&r->f, b, n + 4, 0);
}

static void fire(struct rec *r, enum fsm_event ev)
{
	static const uint8_t opt[] = {1, 4, 0x05, 0xdc};
	static const uint8_t unknown_code = 0x42, confreq_code = FSM_CONFREQ;
	uint8_t rej[5];

	switch (ev) {
	case FSM_EV_UP:
		fsm_lower_up(&r->f, 0);
		break;
	case FSM_EV_DOWN:
		fsm_lower_down(&r->f, 0);
		break;
	case FSM_EV_OPEN:
		fsm_open(&r->f, 0);
		break;
	case FSM_EV_CLOSE:
		fsm_close(&r->f, "bye", 0);
		break;
	case FSM_EV_TO_PLUS:
	case FSM_EV_TO_MINUS:
		r->f.restart = ev == FSM_EV_TO_PLUS ? 1 : 0;
		r->f.timer_at = 1;
		fsm_timeout(&r->f, 1);
		break;
	case FSM_EV_RCR_PLUS:
	case FSM_EV_RCR_MINUS:
		r->nak = ev == FSM_EV_RCR_MINUS;
		pkt(r, FSM_CONFREQ, 77, opt, sizeof(opt));
		r->nak = 0;
		break;
	case FSM_EV_RCA:
		r->f.reqid_valid = 1;
		pkt(r, FSM_CONFACK, r->f.reqid, r->f.req, r->f.req_len);
		break;
	case FSM_EV_RCN:
		r->f.reqid_valid = 1;
		pkt(r, FSM_CONFNAK, r->f.reqid, opt, sizeof(opt));
		break;
	case FSM_EV_RTR:
		pkt(r, FSM_TERMREQ, 5, NULL, 0);
		break;
	case FSM_EV_RTA:
		pkt(r, FSM_TERMACK, 6, NULL, 0);
		break;
	case FSM_EV_RUC:
		pkt(r, unknown_code, 7, NULL, 0);
		break;
	case FSM_EV_RXJ_PLUS:
	case FSM_EV_RXJ_MINUS:
		rej[0] = ev == FSM_EV_RXJ_PLUS ? unknown_code : confreq_code;
		rej[1] = 1;
		rej[2] = 0;
		rej[3] = 4;
		pkt(r, FSM_CODEREJ, 8, rej, 4);
		break;
	case FSM_EV_RXR:
		pkt(r, FSM_ECHOREQ, 9, (const uint8_t *)"\0\0\0\0", 4);
		break;
	default:
		ck_abort();
	}
}

/* Reach a state through events the RFC table allows. */
static void reach(struct rec *r, enum fsm_state s)
{
	memset(r, 0, sizeof(*r));
	fsm_init(&r->f, "test", 0x8031, &cbs, r, &io, r);
	switch (s) {
	case FSM_INITIAL:
		break;
	case FSM_STARTING:
		fire(r, FSM_EV_OPEN);
		break;
	case FSM_CLOSED:
		fire(r, FSM_EV_UP);
		break;
	case FSM_STOPPED:
		reach(r, FSM_REQ_SENT);
		fire(r, FSM_EV_RXJ_MINUS);
		break;
	case FSM_CLOSING:
		reach(r, FSM_OPENED);
		fire(r, FSM_EV_CLOSE);
		break;
	case FSM_STOPPING:
		reach(r, FSM_OPENED);
		fire(r, FSM_EV_RTR);
		break;
	case FSM_REQ_SENT:
		fire(r, FSM_EV_OPEN);
		fire(r, FSM_EV_UP);
		break;
	case FSM_ACK_RCVD:
		reach(r, FSM_REQ_SENT);
		fire(r, FSM_EV_RCA);
		break;
	case FSM_ACK_SENT:
		reach(r, FSM_REQ_SENT);
		fire(r, FSM_EV_RCR_PLUS);
		break;
	case FSM_OPENED:
		reach(r, FSM_ACK_SENT);
		fire(r, FSM_EV_RCA);
		break;
	default:
		ck_abort();
	}
	ck_assert_msg(r->f.state == s, "could not reach %s (in %s)", fsm_state_name(s),
		      fsm_state_name(r->f.state));
	r->log[0] = '\0';
}

START_TEST(state_table)
{
	enum fsm_state s = (enum fsm_state)(_i / FSM_NEVENTS);
	enum fsm_event ev = (enum fsm_event)(_i % FSM_NEVENTS);
	const char *cell = expected[ev][s], *slash;
	char want[64], observed[256];
	struct rec r;
	uint64_t illegal;
	int next, irc, zrc, scr, str;
	size_t o = 0;
	const char *p;

	reach(&r, s);
	illegal = r.f.stats.illegal_events;
	fire(&r, ev);
	if (strcmp(cell, "-") == 0) {
		ck_assert_msg(r.f.state == s && r.log[0] == '\0' &&
				  r.f.stats.illegal_events == illegal + 1,
			      "%s on %s: expected no transition, got %s -> %s", fsm_event_name(ev),
			      fsm_state_name(s), r.log, fsm_state_name(r.f.state));
		return;
	}
	slash = strchr(cell, '/');
	next = atoi(slash ? slash + 1 : cell);
	/* The observable actions: all but irc and zrc, checked through the counter. */
	want[0] = '\0';
	if (slash) {
		char acts[64];

		snprintf(acts, sizeof(acts), "%.*s", (int)(slash - cell), cell);
		for (p = strtok(acts, ","); p; p = strtok(NULL, ",")) {
			if (strcmp(p, "irc") == 0 || strcmp(p, "zrc") == 0)
				continue;
			o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%s", o ? "," : "", p);
		}
	}
	snprintf(observed, sizeof(observed), "%s", r.log);
	ck_assert_msg(strcmp(want, observed) == 0 && (int)r.f.state == next,
		      "%s on %s: RFC says %s, got %s/%d", fsm_event_name(ev), fsm_state_name(s),
		      cell, observed, r.f.state);
	irc = strstr(cell, "irc") != NULL;
	zrc = strstr(cell, "zrc") != NULL;
	scr = strstr(cell, "scr") != NULL;
	str = strstr(cell, "str") != NULL;
	if (irc) {
		int full = (next == FSM_CLOSING || next == FSM_STOPPING) ? FSM_MAX_TERMINATE
									 : FSM_MAX_CONFIGURE;

		ck_assert_int_eq(r.f.restart, full - (scr || str ? 1 : 0));
	}
	if (zrc) {
		ck_assert_int_eq(r.f.restart, 0);
		ck_assert_uint_ne(r.f.timer_at, 0);
	}
	/* The restart timer runs exactly in the states that wait for an answer. */
	if (next == FSM_INITIAL || next == FSM_STARTING || next == FSM_CLOSED ||
	    next == FSM_STOPPED || next == FSM_OPENED)
		ck_assert_uint_eq(r.f.timer_at, 0);
}
END_TEST

/* RFC 1661 §4.6 Max-Failure: after five Naks in a row, Reject instead. */
START_TEST(max_failure_turns_nak_into_reject)
{
	static const uint8_t opt[] = {1, 4, 0x05, 0xdc};
	uint8_t b[8];
	struct rec r;
	int i;

	reach(&r, FSM_REQ_SENT);
	for (i = 0; i < FSM_MAX_FAILURE + 2; i++) {
		r.log[0] = '\0';
		r.nak = 1;
		b[0] = FSM_CONFREQ;
		b[1] = (uint8_t)i;
		b[2] = 0;
		b[3] = 8;
		memcpy(b + 4, opt, 4);
		fsm_input(&r.f, b, 8, 0);
		ck_assert_str_eq(r.log, "scn");
	}
	ck_assert_uint_ge(r.f.stats.nak_loops_exceeded, 1);
	ck_assert_uint_ge(r.f.nak_sent, FSM_MAX_FAILURE);
}
END_TEST

static uint8_t last_code;

static void io_send_code(void *ctx, uint16_t proto, const uint8_t *p, size_t len)
{
	(void)ctx, (void)proto, (void)len;
	last_code = p[0];
}

static const struct fsm_io io_code = {.send = io_send_code};

START_TEST(reject_after_max_failure_is_a_reject)
{
	static const uint8_t req[] = {FSM_CONFREQ, 1, 0, 8, 1, 4, 5, 0xdc};
	struct rec r;
	int i;

	memset(&r, 0, sizeof(r));
	fsm_init(&r.f, "test", 0xc021, &cbs, &r, &io_code, &r);
	fsm_open(&r.f, 0);
	fsm_lower_up(&r.f, 0);
	r.nak = 1;
	for (i = 0; i < FSM_MAX_FAILURE; i++) {
		fsm_input(&r.f, req, sizeof(req), 0);
		ck_assert_uint_eq(last_code, FSM_CONFNAK);
	}
	fsm_input(&r.f, req, sizeof(req), 0);
	ck_assert_uint_eq(last_code, FSM_CONFREJ);
}
END_TEST

/* A peer that Naks forever: bounded, closed with a reason. */
START_TEST(endless_naks_are_bounded)
{
	uint8_t nak[8] = {FSM_CONFNAK, 0, 0, 8, 1, 4, 5, 0xdc};
	struct rec r;
	int i;

	reach(&r, FSM_REQ_SENT);
	for (i = 0; i < 50 && r.f.state != FSM_CLOSING; i++) {
		nak[1] = r.f.reqid;
		fsm_input(&r.f, nak, sizeof(nak), 0);
	}
	ck_assert_int_eq(r.f.state, FSM_CLOSING);
	ck_assert_int_le(i, FSM_MAX_CONFIGURE + 1);
	ck_assert_str_eq(r.f.reason, "peer keeps refusing our options");
}
END_TEST

START_TEST(bad_lengths_and_ids_are_dropped)
{
	static const uint8_t shortpkt[] = {FSM_CONFREQ, 1, 0};
	static const uint8_t len_lies[] = {FSM_CONFREQ, 1, 0, 40, 1, 4, 5, 0xdc};
	static const uint8_t len_small[] = {FSM_CONFREQ, 1, 0, 3};
	uint8_t ack[8] = {FSM_CONFACK, 0, 0, 8, 1, 4, 5, 0xdc};
	struct rec r;

	reach(&r, FSM_REQ_SENT);
	ck_assert_int_eq(fsm_input(&r.f, shortpkt, sizeof(shortpkt), 0), -1);
	ck_assert_int_eq(fsm_input(&r.f, len_lies, sizeof(len_lies), 0), -1);
	ck_assert_int_eq(fsm_input(&r.f, len_small, sizeof(len_small), 0), -1);
	ck_assert_uint_eq(r.f.stats.drop_short, 1);
	ck_assert_uint_eq(r.f.stats.drop_bad_len, 2);
	ack[1] = (uint8_t)(r.f.reqid + 1);
	ck_assert_int_eq(fsm_input(&r.f, ack, sizeof(ack), 0), -1);
	ck_assert_uint_eq(r.f.stats.drop_bad_id, 1);
	/* Right id, different options: not our request, not an Ack of it. */
	ack[1] = r.f.reqid;
	ack[7] = 0xdd;
	ck_assert_int_eq(fsm_input(&r.f, ack, sizeof(ack), 0), -1);
	ck_assert_uint_eq(r.f.stats.drop_bad_ack, 1);
	ck_assert_int_eq(r.f.state, FSM_REQ_SENT);
	ck_assert_str_eq(r.log, "");
}
END_TEST

/* Retransmission: Max-Configure requests, 3 s apart, then tlf. */
START_TEST(restart_timer_and_give_up)
{
	struct rec r;
	uint64_t now = 0;
	int sent = 1;

	reach(&r, FSM_REQ_SENT);
	ck_assert_uint_eq(fsm_deadline(&r.f), FSM_RESTART_MS);
	while (fsm_deadline(&r.f)) {
		now = fsm_deadline(&r.f);
		r.log[0] = '\0';
		fsm_timeout(&r.f, now);
		if (strcmp(r.log, "scr") == 0)
			sent++;
	}
	ck_assert_int_eq(sent, FSM_MAX_CONFIGURE);
	ck_assert_int_eq(r.f.state, FSM_STOPPED);
	ck_assert_str_eq(r.log, "tlf");
	ck_assert_uint_eq(now, (uint64_t)FSM_MAX_CONFIGURE * FSM_RESTART_MS);
	ck_assert_str_eq(r.f.reason, "peer does not answer");
}
END_TEST

static Suite *fsm_suite(void)
{
	Suite *s = suite_create("ppp_fsm");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, state_table, 0, FSM_NSTATES * FSM_NEVENTS);
	tcase_add_test(tc, max_failure_turns_nak_into_reject);
	tcase_add_test(tc, reject_after_max_failure_is_a_reject);
	tcase_add_test(tc, endless_naks_are_bounded);
	tcase_add_test(tc, bad_lengths_and_ids_are_dropped);
	tcase_add_test(tc, restart_timer_and_give_up);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fsm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
