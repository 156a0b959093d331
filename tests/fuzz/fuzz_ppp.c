/*
 * libFuzzer target for the PPP engine: arbitrary frames into a real
 * struct ppp in each phase.  The first input byte picks the phase the link
 * is driven to first (Establish, Authenticate as server or client with each
 * method, Network with BCP Opened), use-encryption on both sides (so CCP
 * runs and, with MS-CHAP, MPPE is on, stateless or stateful) and Multilink
 * (MRRU 1600, MRU 600 so big frames are cut); the rest is split into
 * frames at 0x7e bytes and fed in, with a timeout call between frames.
 * Every other chunk also crosses the real path first: sent by the peer as
 * a bridged frame (BCP -> MPPE -> MP fragments) and the peer's packets
 * mutated by one byte of the chunk before delivery, so the MP reassembly
 * and MPPE decryption see well-formed and almost-well-formed traffic.
 * Also decodes the input as a bridged frame.
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
	uint8_t q[64][1700];
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

	for (steps = 0; steps < 400; steps++) {
		if (until_auth && ppp_phase(a->self) != PPP_PHASE_ESTABLISH)
			break;
		if (!(fz_step(a, now) | fz_step(b, now)))
			break;
	}
}

/*
 * The chunk as an Ethernet frame from the peer, through its real send path
 * (BCP, MPPE, MP fragments, grown to 1514 bytes when long so it is cut);
 * the chunk's first byte picks one byte of one of the resulting packets to
 * flip (0: none) before they are delivered.
 */
static void fz_through_peer(struct fz *src, const uint8_t *chunk, size_t n, uint64_t now)
{
	static uint8_t frame[1514];
	struct fz *dst = src->other;
	size_t len = n > 100 ? sizeof(frame) : n, k;
	int qn0 = dst->qn, pick;

	for (k = 0; k < len; k++)
		frame[k] = chunk[k % n];
	src->deliver = 1;
	ppp_send_frame(src->self, frame, len);
	src->deliver = 0;
	if (chunk[0] && dst->qn > qn0) {
		pick = qn0 + chunk[0] % (dst->qn - qn0);
		if (dst->qlen[pick] > 2)
			dst->q[pick][2 + chunk[1] % (dst->qlen[pick] - 2)] ^= chunk[2] | 1;
	}
	while (fz_step(dst, now))
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz a, b;
	struct ppp_params ps, pc;
	uint8_t sel = size ? data[0] : 0, eth[PPP_FRAME_MAX];
	enum ppp_auth m = (enum ppp_auth)(1 + (sel >> 1) % 4);
	enum cfg_encryption enc = (enum cfg_encryption)((sel >> 3) & 3);
	int reachable = !(enc == CFG_ENC_REQUIRED && m < PPP_AUTH_MSCHAP1);
	unsigned chunk = 0;
	struct fz *src;
	struct ppp *target;
	struct buf fb;
	uint64_t now = 1000;
	size_t start, i, n;

	memset(&ps, 0, sizeof(ps));
	memset(&pc, 0, sizeof(pc));
	ps.server = 1;
	ps.auth = PPP_AUTH_BIT(m);
	ps.mru = (sel & 0x20) ? 600 : 1450;
	ps.mrru = (sel & 0x20) ? 1600 : 0;
	ps.encryption = enc;
	ps.keepalive_timeout_s = 5;
	ps.bcp.tagged = 1;
	pc.auth = PPP_AUTH_ALL;
	pc.user = "u";
	pc.password = "secret";
	pc.mrru = ps.mrru;
	pc.mru = ps.mru;
	pc.short_seq = 1;
	pc.encryption = enc;
	pc.mppe_stateful = (sel & 0x80) != 0;
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
		if ((sel & 3) >= 2 && reachable && (!ppp_ready(a.self) || !ppp_ready(b.self)))
			abort();
		if ((sel & 3) == 1 && ppp_phase(a.self) != PPP_PHASE_AUTHENTICATE)
			abort();
	}
	a.deliver = b.deliver = 0;
	target = (sel & 0x40) ? b.self : a.self;
	src = (sel & 0x40) ? &a : &b;

	/* The fuzz frames, split at 0x7e like HDLC framing would. */
	for (start = 1, i = 1; i <= size; i++) {
		if (i == size || data[i] == 0x7e) {
			n = i - start;
			if ((chunk++ & 1) && n >= 14)
				fz_through_peer(src, data + start, n, now);
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
