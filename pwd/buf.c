#include <string.h>

#include "buf.h"

void buf_init(struct buf *b, const void *data, size_t len)
{
	b->p = data;
	b->len = data ? len : 0;
	b->off = 0;
}

size_t buf_left(const struct buf *b)
{
	return b->len - b->off;
}

const uint8_t *buf_cur(const struct buf *b)
{
	/* An empty buffer may have no storage: NULL + 0 is still undefined in C. */
	return b->p ? b->p + b->off : b->p;
}

int buf_get_ptr(struct buf *b, const uint8_t **p, size_t n)
{
	/* n may come straight from a length field: compare, never add to off. */
	if (n > buf_left(b))
		return -1;
	*p = buf_cur(b);
	b->off += n;
	return 0;
}

int buf_get_bytes(struct buf *b, void *dst, size_t n)
{
	const uint8_t *p;

	if (buf_get_ptr(b, &p, n) == -1)
		return -1;
	if (n)
		memcpy(dst, p, n);
	return 0;
}

int buf_get_sub(struct buf *b, struct buf *sub, size_t n)
{
	const uint8_t *p;

	if (buf_get_ptr(b, &p, n) == -1)
		return -1;
	buf_init(sub, p, n);
	return 0;
}

int buf_skip(struct buf *b, size_t n)
{
	const uint8_t *p;

	return buf_get_ptr(b, &p, n);
}

static uint64_t be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int buf_get_be(struct buf *b, size_t n, uint64_t *v)
{
	const uint8_t *p;

	if (buf_get_ptr(b, &p, n) == -1)
		return -1;
	*v = be_read(p, n);
	return 0;
}

int buf_get_n8(struct buf *b, uint8_t *v)
{
	uint64_t x;

	if (buf_get_be(b, 1, &x) == -1)
		return -1;
	*v = (uint8_t)x;
	return 0;
}

int buf_get_n16(struct buf *b, uint16_t *v)
{
	uint64_t x;

	if (buf_get_be(b, 2, &x) == -1)
		return -1;
	*v = (uint16_t)x;
	return 0;
}

int buf_get_n32(struct buf *b, uint32_t *v)
{
	uint64_t x;

	if (buf_get_be(b, 4, &x) == -1)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int buf_get_n64(struct buf *b, uint64_t *v)
{
	return buf_get_be(b, 8, v);
}

static int buf_peek_be(const struct buf *b, size_t at, size_t n, uint64_t *v)
{
	size_t left = buf_left(b);

	if (at > left || n > left - at)
		return -1;
	*v = be_read(b->p + b->off + at, n);
	return 0;
}

int buf_peek_n8(const struct buf *b, size_t at, uint8_t *v)
{
	uint64_t x;

	if (buf_peek_be(b, at, 1, &x) == -1)
		return -1;
	*v = (uint8_t)x;
	return 0;
}

int buf_peek_n16(const struct buf *b, size_t at, uint16_t *v)
{
	uint64_t x;

	if (buf_peek_be(b, at, 2, &x) == -1)
		return -1;
	*v = (uint16_t)x;
	return 0;
}

int buf_peek_n32(const struct buf *b, size_t at, uint32_t *v)
{
	uint64_t x;

	if (buf_peek_be(b, at, 4, &x) == -1)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

void wbuf_init(struct wbuf *w, void *mem, size_t cap)
{
	w->p = mem;
	w->cap = mem ? cap : 0;
	w->len = 0;
	w->err = 0;
}

int wbuf_reserve(struct wbuf *w, size_t n, size_t *where)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return -1;
	}
	if (where)
		*where = w->len;
	w->len += n;
	return 0;
}

static void be_write(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = n; i > 0; i--) {
		p[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

static int wbuf_add_be(struct wbuf *w, size_t n, uint64_t v)
{
	size_t at;

	if (wbuf_reserve(w, n, &at) == -1)
		return -1;
	be_write(w->p + at, n, v);
	return 0;
}

int wbuf_add_n8(struct wbuf *w, uint8_t v)
{
	return wbuf_add_be(w, 1, v);
}

int wbuf_add_n16(struct wbuf *w, uint16_t v)
{
	return wbuf_add_be(w, 2, v);
}

int wbuf_add_n32(struct wbuf *w, uint32_t v)
{
	return wbuf_add_be(w, 4, v);
}

int wbuf_add_n64(struct wbuf *w, uint64_t v)
{
	return wbuf_add_be(w, 8, v);
}

int wbuf_add_bytes(struct wbuf *w, const void *src, size_t n)
{
	size_t at;

	if (wbuf_reserve(w, n, &at) == -1)
		return -1;
	if (n)
		memcpy(w->p + at, src, n);
	return 0;
}

int wbuf_add_zero(struct wbuf *w, size_t n)
{
	size_t at;

	if (wbuf_reserve(w, n, &at) == -1)
		return -1;
	if (n)
		memset(w->p + at, 0, n);
	return 0;
}

static int wbuf_set_be(struct wbuf *w, size_t at, size_t n, uint64_t v)
{
	if (at > w->len || n > w->len - at)
		return -1;
	be_write(w->p + at, n, v);
	return 0;
}

int wbuf_set_n8(struct wbuf *w, size_t at, uint8_t v)
{
	return wbuf_set_be(w, at, 1, v);
}

int wbuf_set_n16(struct wbuf *w, size_t at, uint16_t v)
{
	return wbuf_set_be(w, at, 2, v);
}

int wbuf_set_n32(struct wbuf *w, size_t at, uint32_t v)
{
	return wbuf_set_be(w, at, 4, v);
}
