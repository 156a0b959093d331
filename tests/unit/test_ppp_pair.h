/*
 * Two PPP links wired back to back through in-memory queues and a fake
 * clock, for the unit tests.  Each side's ops append to the other side's
 * inbox; pair_run() delivers packets and, when the wire is quiet, jumps
 * the clock to the earliest armed timer.
 */
#ifndef L2PW_TEST_PPP_PAIR_H
#define L2PW_TEST_PPP_PAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ppp.h"

#define PAIR_QLEN 256
#define PAIR_PKT  4096

struct pair_pkt {
	size_t len;
	uint8_t b[PAIR_PKT];
};

struct pair_side {
	const char *tag;
	struct ppp *ppp;
	struct pair_side *peer;
	struct pair_pkt *q; /* inbox */
	size_t qhead, qtail;
	uint64_t timer_at;
	uint64_t rng;
	int ups, downs;
	char first_up_encoding[32]; /* ppp_encoding() when bridging first started */
	char reason[200];
	uint8_t last_frame[PAIR_PKT];
	size_t last_frame_len;
	int frames;
	const char *secret_user, *secret_pw; /* server's one ppp-secret */
	int wire_cut;			     /* drop everything this side sends */
	unsigned sent_proto_count[4];	     /* lcp, auth, bcp, other */
	unsigned ccp_code_tx[16];	     /* CCP packets sent, by code */
	unsigned proto_tx[4];		     /* bridged, MPPE, MP, CCP sent */
	/* Loss: of the packets this side sends with cut_proto, skip cut_skip, drop cut_count. */
	uint16_t cut_proto;
	int cut_skip, cut_count, cut_dropped;
	int verbose;
};

struct pair {
	struct pair_side a, b; /* a: server, b: client */
	uint64_t now;
};

static void pair_send(void *ctx, uint16_t proto, const uint8_t *info, size_t len)
{
	struct pair_side *s = ctx;
	struct pair_side *d = s->peer;
	struct pair_pkt *p;

	if (proto == PPP_PROTO_LCP)
		s->sent_proto_count[0]++;
	else if (proto == PPP_PROTO_PAP || proto == PPP_PROTO_CHAP)
		s->sent_proto_count[1]++;
	else if (proto == PPP_PROTO_BCP)
		s->sent_proto_count[2]++;
	else
		s->sent_proto_count[3]++;
	if (proto == 0x0031)
		s->proto_tx[0]++;
	else if (proto == 0x00fd)
		s->proto_tx[1]++;
	else if (proto == 0x003d)
		s->proto_tx[2]++;
	else if (proto == 0x80fd)
		s->proto_tx[3]++;
	if (proto == 0x80fd && len > 0)
		s->ccp_code_tx[info[0] & 15]++;
	if (s->cut_proto == proto) {
		if (s->cut_skip > 0) {
			s->cut_skip--;
		} else if (s->cut_count > 0) {
			s->cut_count--;
			s->cut_dropped++;
			return;
		}
	}
	if (s->wire_cut || d->qtail - d->qhead >= PAIR_QLEN || len + 4 > PAIR_PKT)
		return;
	p = &d->q[d->qtail++ % PAIR_QLEN];
	p->b[0] = 0xff;
	p->b[1] = 0x03;
	p->b[2] = (uint8_t)(proto >> 8);
	p->b[3] = (uint8_t)proto;
	memcpy(p->b + 4, info, len);
	p->len = len + 4;
}

static void pair_arm(void *ctx, uint64_t at)
{
	((struct pair_side *)ctx)->timer_at = at;
}

static void pair_random(void *ctx, void *out, size_t len)
{
	struct pair_side *s = ctx;
	uint8_t *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		s->rng ^= s->rng << 13;
		s->rng ^= s->rng >> 7;
		s->rng ^= s->rng << 17;
		o[i] = (uint8_t)s->rng;
	}
}

static void pair_log(void *ctx, int level, const char *msg)
{
	struct pair_side *s = ctx;

	(void)level;
	if (s->verbose || getenv("PPP_TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", s->tag, msg);
}

static int pair_secret(void *ctx, const char *user, char *pw, size_t cap)
{
	struct pair_side *s = ctx;

	if (!s->secret_user || strcmp(user, s->secret_user) != 0)
		return -1;
	snprintf(pw, cap, "%s", s->secret_pw);
	return 0;
}

static void pair_up(void *ctx, struct ppp *p)
{
	struct pair_side *sd = ctx;

	if (sd->ups++ == 0)
		snprintf(sd->first_up_encoding, sizeof(sd->first_up_encoding), "%s",
			 ppp_encoding(p));
}

static void pair_down(void *ctx, struct ppp *p, const char *why)
{
	struct pair_side *s = ctx;

	(void)p;
	s->downs++;
	snprintf(s->reason, sizeof(s->reason), "%s", why);
}

static void pair_frame(void *ctx, const uint8_t *eth, size_t len)
{
	struct pair_side *s = ctx;

	s->frames++;
	if (len <= sizeof(s->last_frame)) {
		memcpy(s->last_frame, eth, len);
		s->last_frame_len = len;
	}
}

static const struct ppp_ops pair_ops = {
    .send = pair_send,
    .arm_timer = pair_arm,
    .random = pair_random,
    .log = pair_log,
    .secret = pair_secret,
    .up = pair_up,
    .down = pair_down,
    .frame = pair_frame,
};

/* Default parameters: a RouterOS-like server (mschap1+mschap2) and client (all). */
static inline void pair_defaults(struct ppp_params *srv, struct ppp_params *cli)
{
	memset(srv, 0, sizeof(*srv));
	memset(cli, 0, sizeof(*cli));
	srv->server = 1;
	srv->auth = PPP_AUTH_BIT(PPP_AUTH_MSCHAP1) | PPP_AUTH_BIT(PPP_AUTH_MSCHAP2);
	srv->name = "office-a";
	srv->mru = 1450;
	srv->keepalive_timeout_s = 30;
	srv->bcp.tagged = 1;
	cli->auth = PPP_AUTH_ALL;
	cli->name = "office-b";
	cli->user = "office-b";
	cli->password = "secret";
	cli->mru = 1460;
	cli->keepalive_timeout_s = 60;
	cli->bcp.tagged = 1;
}

static inline void pair_init(struct pair *pr, const struct ppp_params *srv,
			     const struct ppp_params *cli, const char *user, const char *pw)
{
	memset(pr, 0, sizeof(*pr));
	pr->now = 1000;
	pr->a.tag = "server";
	pr->b.tag = "client";
	pr->a.peer = &pr->b;
	pr->b.peer = &pr->a;
	pr->a.q = calloc(PAIR_QLEN, sizeof(struct pair_pkt));
	pr->b.q = calloc(PAIR_QLEN, sizeof(struct pair_pkt));
	pr->a.rng = 0x1234567887654321ull;
	pr->b.rng = 0x0fedcba987654321ull;
	pr->a.secret_user = user;
	pr->a.secret_pw = pw;
	pr->a.ppp = ppp_new(srv, &pair_ops, &pr->a);
	pr->b.ppp = ppp_new(cli, &pair_ops, &pr->b);
}

static inline void pair_free(struct pair *pr)
{
	ppp_free(pr->a.ppp);
	ppp_free(pr->b.ppp);
	free(pr->a.q);
	free(pr->b.q);
}

static inline int pair_deliver_one(struct pair *pr, struct pair_side *s)
{
	struct pair_pkt *p;

	if (s->qhead == s->qtail)
		return 0;
	p = &s->q[s->qhead++ % PAIR_QLEN];
	ppp_input(s->ppp, p->b, p->len, pr->now);
	return 1;
}

/* Run until both queues are empty and no timer is due before now + limit_ms. */
static inline void pair_run(struct pair *pr, uint64_t limit_ms)
{
	uint64_t end = pr->now + limit_ms, t;
	int steps = 0;

	while (steps++ < 100000) {
		if (pair_deliver_one(pr, &pr->a) | pair_deliver_one(pr, &pr->b))
			continue;
		t = 0;
		if (pr->a.timer_at)
			t = pr->a.timer_at;
		if (pr->b.timer_at && (!t || pr->b.timer_at < t))
			t = pr->b.timer_at;
		if (!t || t > end)
			break;
		if (t > pr->now)
			pr->now = t;
		if (pr->a.timer_at && pr->a.timer_at <= pr->now)
			ppp_timeout(pr->a.ppp, pr->now);
		if (pr->b.timer_at && pr->b.timer_at <= pr->now)
			ppp_timeout(pr->b.ppp, pr->now);
	}
	if (pr->now < end)
		pr->now = end;
}

/* Both links started and run until quiet, 30 s of fake time at most. */
static inline void pair_start(struct pair *pr)
{
	ppp_start(pr->a.ppp, pr->now);
	ppp_start(pr->b.ppp, pr->now);
	pair_run(pr, 30000);
}

/* The default pair with the server's methods and each side's use-encryption, started. */
static inline void pair_start_enc(struct pair *pr, uint32_t srv_auth, enum cfg_encryption srv_enc,
				  enum cfg_encryption cli_enc)
{
	struct ppp_params srv, cli;

	pair_defaults(&srv, &cli);
	srv.auth = srv_auth;
	srv.encryption = srv_enc;
	cli.encryption = cli_enc;
	pair_init(pr, &srv, &cli, "office-b", "secret");
	pair_start(pr);
}

#endif
