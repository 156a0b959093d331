/*
 * libFuzzer target for the PPP engine: arbitrary frames into a real
 * struct ppp in each phase.  The first input byte picks the phase the link
 * is driven to first (Establish, Authenticate as server or client with each
 * method, Network with BCP Opened), the rest is split into frames at 0x7e
 * bytes and fed in, with a timeout call between frames.  Also decodes the
 * input as a bridged frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ppp.h"

struct fz {
	struct ppp *self, *peer;
	struct fz *other;
	uint64_t rng;
	int deliver; /* forward to the peer (driving to a phase) */
	uint8_t q[64][1600];
	size_t qlen[64];
	int qh, qn;
};

static void fz_send(void *ctx, uint16_t proto, const uint8_t *p, size_t len)
{
	struct fz *f = ctx;
	struct fz *o = f->other;

	if (!f->deliver || o->qn >= 64 || len + 2 > sizeof(o->q[0]))
		return;
	o->q[o->qn][0] = (uint8_t)(proto >> 8);
	o->q[o->qn][1] = (uint8_t)proto;
	memcpy(o->q[o->qn] + 2, p, len);
	o->qlen[o->qn++] = len + 2;
}

static void fz_random(void *ctx, void *out, size_t len)
{
	struct fz *f = ctx;
	uint8_t *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		f->rng = f->rng * 6364136223846793005ull + 1442695040888963407ull;
		o[i] = (uint8_t)(f->rng >> 56);
	}
}

static int fz_secret(void *ctx, const char *user, char *pw, size_t cap)
{
	(void)ctx, (void)user;
	strncpy(pw, "secret", cap - 1);
	pw[cap - 1] = '\0';
	return 0;
}

static const struct ppp_ops fz_ops = {
    .send = fz_send,
    .random = fz_random,
    .secret = fz_secret,
};

/* Deliver the oldest queued packet of f; 0 when there was none. */
static int fz_step(struct fz *f, uint64_t now)
{
	int i = f->qh;

	if (f->qh >= f->qn) {
		f->qh = f->qn = 0;
		return 0;
	}
	f->qh++;
	ppp_input(f->self, f->q[i], f->qlen[i], now);
	return 1;
}

static void fz_pump(struct fz *a, struct fz *b, uint64_t now, int until_auth)
{
	int steps;

	for (steps = 0; steps < 200; steps++) {
		if (until_auth && ppp_phase(a->self) != PPP_PHASE_ESTABLISH)
			break;
		if (!(fz_step(a, now) | fz_step(b, now)))
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz a, b;
	struct ppp_params ps, pc;
	uint8_t sel = size ? data[0] : 0, eth[PPP_FRAME_MAX];
	enum ppp_auth m = (enum ppp_auth)(1 + (sel >> 1) % 4);
	struct ppp *target;
	struct buf fb;
	uint64_t now = 1000;
	size_t start, i, n;

	memset(&ps, 0, sizeof(ps));
	memset(&pc, 0, sizeof(pc));
	ps.server = 1;
	ps.auth = PPP_AUTH_BIT(m);
	ps.mru = 1450;
	ps.mrru = (sel & 0x20) ? 1600 : 0;
	ps.keepalive_timeout_s = 5;
	ps.bcp.tagged = 1;
	pc.auth = PPP_AUTH_ALL;
	pc.user = "u";
	pc.password = "secret";
	pc.mrru = ps.mrru;
	pc.short_seq = 1;
	pc.bcp.mgmt_inline = 1;
	pc.bcp.bcp_ind = 1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.other = &b;
	b.other = &a;
	a.rng = 1;
	b.rng = 2;
	a.self = ppp_new(&ps, &fz_ops, &a);
	b.self = ppp_new(&pc, &fz_ops, &b);
	if (!a.self || !b.self)
		abort();
	/* Drive to the phase the selector asks for: 0 establish, 1 auth, 2-3 network. */
	a.deliver = b.deliver = 1;
	ppp_start(a.self, now);
	if ((sel & 3) != 0) {
		ppp_start(b.self, now);
		/* 1: stop once LCP is up, holding back what authentication sends. */
		fz_pump(&a, &b, now, (sel & 3) == 1);
		/* The harness itself must reach the phase it promises. */
		if ((sel & 3) >= 2 && (ppp_phase(a.self) != PPP_PHASE_NETWORK ||
				       ppp_phase(b.self) != PPP_PHASE_NETWORK))
			abort();
		if ((sel & 3) == 1 && ppp_phase(a.self) != PPP_PHASE_AUTHENTICATE)
			abort();
	}
	a.deliver = b.deliver = 0;
	target = (sel & 0x40) ? b.self : a.self;

	/* The fuzz frames, split at 0x7e like HDLC framing would. */
	for (start = 1, i = 1; i <= size; i++) {
		if (i == size || data[i] == 0x7e) {
			n = i - start;
			ppp_input(target, data + start, n, now);
			now += 700;
			ppp_timeout(target, now);
			start = i + 1;
		}
	}
	if (size > 1) {
		buf_init(&fb, data + 1, size - 1);
		bcp_frame_decode(&fb, eth, sizeof(eth), &n, NULL);
	}
	ppp_send_frame(target, data, size > 60 ? 60 : size);
	ppp_close(target, "fuzz", now);
	ppp_lower_down(target, "fuzz", now + 1);
	ppp_free(a.self);
	ppp_free(b.self);
	return 0;
}
