/*
 * Bounded buffers: the only way l2pwd reads untrusted bytes and builds packets.
 *
 * Reading (struct buf): every getter checks the remaining length first and
 * returns -1 without moving the cursor when the bytes are not there; on success
 * it returns 0 and advances.  Callers drop the packet on -1:
 *
 *	if (buf_get_n16(b, &len) == -1)
 *		goto truncated;
 *
 * Writing (struct wbuf): adders write into caller-owned storage and return -1
 * when it is full; the first failure also sets w->err, so a builder can add up
 * many fields and check once (errs += ...; or w->err at the end).
 *
 * Neither type owns its memory; both are plain values that can live on the stack.
 * Multi-byte integers are network byte order (big endian) on the wire.
 */
#ifndef L2PW_BUF_H
#define L2PW_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	const uint8_t *p;
	size_t len; /* bytes in p */
	size_t off; /* read cursor, 0 <= off <= len */
};

void buf_init(struct buf *b, const void *data, size_t len);
size_t buf_left(const struct buf *b);
/* Pointer to the unread bytes (buf_left() of them). */
const uint8_t *buf_cur(const struct buf *b);
int buf_get_n8(struct buf *b, uint8_t *v);
int buf_get_n16(struct buf *b, uint16_t *v);
int buf_get_n32(struct buf *b, uint32_t *v);
int buf_get_n64(struct buf *b, uint64_t *v);
int buf_get_bytes(struct buf *b, void *dst, size_t n);
/* Zero-copy: *p points at the next n bytes, valid as long as the data is. */
int buf_get_ptr(struct buf *b, const uint8_t **p, size_t n);
/* Carve the next n bytes off as an independent reader. */
int buf_get_sub(struct buf *b, struct buf *sub, size_t n);
int buf_skip(struct buf *b, size_t n);
/* Look without consuming. */
int buf_peek_n8(const struct buf *b, size_t at, uint8_t *v);
int buf_peek_n16(const struct buf *b, size_t at, uint16_t *v);
int buf_peek_n32(const struct buf *b, size_t at, uint32_t *v);

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err; /* sticky: set once any add did not fit */
};

void wbuf_init(struct wbuf *w, void *mem, size_t cap);
int wbuf_add_n8(struct wbuf *w, uint8_t v);
int wbuf_add_n16(struct wbuf *w, uint16_t v);
int wbuf_add_n32(struct wbuf *w, uint32_t v);
int wbuf_add_n64(struct wbuf *w, uint64_t v);
int wbuf_add_bytes(struct wbuf *w, const void *src, size_t n);
int wbuf_add_zero(struct wbuf *w, size_t n);
/* Reserve n bytes to fill later; *where is their offset in w->p. */
int wbuf_reserve(struct wbuf *w, size_t n, size_t *where);
/* Overwrite already-written bytes, e.g. a length field once it is known. */
int wbuf_set_n8(struct wbuf *w, size_t at, uint8_t v);
int wbuf_set_n16(struct wbuf *w, size_t at, uint16_t v);
int wbuf_set_n32(struct wbuf *w, size_t at, uint32_t v);

#endif
