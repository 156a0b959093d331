/* Option-list handling shared by LCP and BCP (RFC 1661 §5.1-5.4, §6). */
#include <string.h>

#include "cpopt.h"
#include "fsm.h"

static const struct cpopt *cpopt_find(const struct cpopt_set *s, uint8_t type)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->opt[i]->type == type)
			return s->opt[i];
	return NULL;
}

int cpopt_packet(struct wbuf *w, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	if (len > 0xffff - 4)
		return -1;
	wbuf_add_n8(w, code);
	wbuf_add_n8(w, id);
	wbuf_add_n16(w, (uint16_t)(len + 4));
	wbuf_add_bytes(w, data, len);
	return w->err ? -1 : 0;
}

int cpopt_next(struct buf *b, uint8_t *type, struct buf *val)
{
	uint8_t len;

	if (buf_left(b) == 0)
		return 1;
	if (buf_get_n8(b, type) == -1 || buf_get_n8(b, &len) == -1)
		return -1;
	/* RFC 1661 §6: Length counts Type and Length; below 2 would loop forever. */
	if (len < 2)
		return -1;
	if (buf_get_sub(b, val, len - 2u) == -1)
		return -1;
	return 0;
}

static int cpopt_len_ok(const struct cpopt *o, const struct buf *val)
{
	size_t len = buf_left(val) + 2;

	return len >= o->min_len && len <= o->max_len;
}

int cpopt_add(const struct cpopt_set *s, void *ctx, struct wbuf *w)
{
	size_t i, start, lenat;

	for (i = 0; i < s->n; i++) {
		const struct cpopt *o = s->opt[i];

		if (!o->add)
			continue;
		start = w->len;
		wbuf_add_n8(w, o->type);
		if (wbuf_reserve(w, 1, &lenat) == -1)
			return -1;
		if (o->add(ctx, w) != 1) {
			w->len = start;
			continue;
		}
		if (w->err || w->len - start > 255)
			return -1;
		wbuf_set_n8(w, lenat, (uint8_t)(w->len - start));
	}
	return w->err ? -1 : 0;
}

int cpopt_nak(const struct cpopt_set *s, void *ctx, struct buf *b)
{
	struct buf val;
	uint8_t type;
	int r;

	while ((r = cpopt_next(b, &type, &val)) == 0) {
		const struct cpopt *o = cpopt_find(s, type);

		/* Unknown or mis-sized suggestions are ignored (RFC 1661 §5.3). */
		if (!o || !o->nak || !cpopt_len_ok(o, &val))
			continue;
		if (o->nak(ctx, &val) == FSM_CI_FAIL)
			return FSM_CI_FAIL;
	}
	return r == -1 ? FSM_CI_DROP : 0;
}

static int cpopt_in_list(const uint8_t *req, size_t req_len, uint8_t type)
{
	struct buf b, val;
	uint8_t t;

	buf_init(&b, req, req_len);
	while (cpopt_next(&b, &t, &val) == 0)
		if (t == type)
			return 1;
	return 0;
}

int cpopt_rej(const struct cpopt_set *s, void *ctx, struct buf *b, const uint8_t *req,
	      size_t req_len)
{
	struct buf check = *b, val;
	uint8_t type;
	int r;

	/* RFC 1661 §5.4: a Reject names only options we asked for; else it is bogus. */
	while ((r = cpopt_next(&check, &type, &val)) == 0)
		if (!cpopt_in_list(req, req_len, type))
			return FSM_CI_DROP;
	if (r == -1)
		return FSM_CI_DROP;
	while (cpopt_next(b, &type, &val) == 0) {
		const struct cpopt *o = cpopt_find(s, type);

		if (o && o->rej && o->rej(ctx) == FSM_CI_FAIL)
			return FSM_CI_FAIL;
	}
	return 0;
}

static void cpopt_copy(struct wbuf *w, uint8_t type, const struct buf *val)
{
	wbuf_add_n8(w, type);
	wbuf_add_n8(w, (uint8_t)(buf_left(val) + 2));
	wbuf_add_bytes(w, buf_cur(val), buf_left(val));
}

int cpopt_req(const struct cpopt_set *s, void *ctx, struct buf *b, struct wbuf *reply,
	      int reject_if_disagree)
{
	uint8_t nakmem[FSM_PKT_MAX], rejmem[FSM_PKT_MAX], valmem[256];
	struct wbuf nak, rej, v;
	struct buf val;
	uint8_t type;
	int r;

	wbuf_init(&nak, nakmem, sizeof(nakmem));
	wbuf_init(&rej, rejmem, sizeof(rejmem));
	if (s->req_begin)
		s->req_begin(ctx);
	while ((r = cpopt_next(b, &type, &val)) == 0) {
		const struct cpopt *o = cpopt_find(s, type);
		struct buf orig = val;
		int verdict;

		if (!o || !o->req || !cpopt_len_ok(o, &val)) {
			cpopt_copy(&rej, type, &orig);
			continue;
		}
		wbuf_init(&v, valmem, sizeof(valmem) - 2);
		verdict = o->req(ctx, &val, &v);
		if (verdict == FSM_CI_FAIL)
			return FSM_CI_FAIL;
		if (verdict == FSM_CONFNAK && reject_if_disagree)
			verdict = FSM_CONFREJ;
		if (verdict == FSM_CONFREJ) {
			cpopt_copy(&rej, type, &orig);
		} else if (verdict == FSM_CONFNAK) {
			struct buf nv;

			buf_init(&nv, v.p, v.len);
			cpopt_copy(&nak, type, &nv);
		}
	}
	if (r == -1)
		return FSM_CI_DROP;
	if (rej.err || nak.err)
		return FSM_CI_DROP;
	if (rej.len) {
		wbuf_add_bytes(reply, rej.p, rej.len);
		return FSM_CONFREJ;
	}
	if (nak.len) {
		wbuf_add_bytes(reply, nak.p, nak.len);
		return FSM_CONFNAK;
	}
	return FSM_CONFACK;
}
