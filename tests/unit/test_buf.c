/*
 * The bounded buffer API (pwd/buf.h) at its edges: every getter fails
 * without moving the cursor, lengths straight from the wire cannot wrap,
 * writers stop at capacity and remember it.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

static const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};

START_TEST(getters_big_endian)
{
	struct buf b;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	buf_init(&b, bytes, sizeof(bytes));
	ck_assert_uint_eq(buf_left(&b), 10);
	ck_assert_int_eq(buf_get_n8(&b, &v8), 0);
	ck_assert_uint_eq(v8, 0x01);
	ck_assert_int_eq(buf_get_n16(&b, &v16), 0);
	ck_assert_uint_eq(v16, 0x0203);
	ck_assert_int_eq(buf_get_n32(&b, &v32), 0);
	ck_assert_uint_eq(v32, 0x04050607);
	ck_assert_uint_eq(buf_left(&b), 3);
	/* not enough for 64 bits: fails and the cursor stays */
	ck_assert_int_eq(buf_get_n64(&b, &v64), -1);
	ck_assert_int_eq(buf_get_n32(&b, &v32), -1);
	ck_assert_uint_eq(buf_left(&b), 3);
	ck_assert_int_eq(buf_get_n16(&b, &v16), 0);
	ck_assert_uint_eq(v16, 0x0809);
	ck_assert_int_eq(buf_get_n16(&b, &v16), -1);
	ck_assert_int_eq(buf_get_n8(&b, &v8), 0);
	ck_assert_uint_eq(v8, 0x0a);
	ck_assert_uint_eq(buf_left(&b), 0);
	ck_assert_int_eq(buf_get_n8(&b, &v8), -1);

	buf_init(&b, bytes, sizeof(bytes));
	ck_assert_int_eq(buf_get_n64(&b, &v64), 0);
	ck_assert_uint_eq(v64, 0x0102030405060708ull);
}
END_TEST

START_TEST(bytes_ptr_sub_skip)
{
	struct buf b, sub;
	const uint8_t *p;
	uint8_t out[16];
	uint16_t v16;

	buf_init(&b, bytes, sizeof(bytes));
	ck_assert_int_eq(buf_get_bytes(&b, out, 3), 0);
	ck_assert_mem_eq(out, bytes, 3);
	ck_assert_int_eq(buf_get_bytes(&b, out, 8), -1);
	ck_assert_uint_eq(buf_left(&b), 7);
	ck_assert_int_eq(buf_get_ptr(&b, &p, 2), 0);
	ck_assert_ptr_eq(p, bytes + 3);
	ck_assert_ptr_eq(buf_cur(&b), bytes + 5);
	/* zero-length reads succeed anywhere */
	ck_assert_int_eq(buf_get_bytes(&b, out, 0), 0);
	ck_assert_int_eq(buf_skip(&b, 0), 0);

	/* a sub-buffer is independent: reading it does not move the parent, and it cannot see past
	 * n */
	ck_assert_int_eq(buf_get_sub(&b, &sub, 3), 0);
	ck_assert_uint_eq(buf_left(&b), 2);
	ck_assert_uint_eq(buf_left(&sub), 3);
	ck_assert_int_eq(buf_get_n16(&sub, &v16), 0);
	ck_assert_uint_eq(v16, 0x0607);
	ck_assert_int_eq(buf_get_n16(&sub, &v16), -1);
	ck_assert_uint_eq(buf_left(&b), 2);
	ck_assert_int_eq(buf_get_sub(&b, &sub, 3), -1);

	/* lengths from the wire: huge values never wrap the cursor */
	ck_assert_int_eq(buf_skip(&b, SIZE_MAX), -1);
	ck_assert_int_eq(buf_get_ptr(&b, &p, SIZE_MAX), -1);
	ck_assert_int_eq(buf_get_sub(&b, &sub, SIZE_MAX - 1), -1);
	ck_assert_uint_eq(buf_left(&b), 2);
	ck_assert_int_eq(buf_skip(&b, 2), 0);
	ck_assert_int_eq(buf_skip(&b, 1), -1);
}
END_TEST

START_TEST(peek)
{
	struct buf b;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	buf_init(&b, bytes, sizeof(bytes));
	ck_assert_int_eq(buf_skip(&b, 2), 0);
	/* offsets are relative to the cursor, and peeking does not consume */
	ck_assert_int_eq(buf_peek_n8(&b, 0, &v8), 0);
	ck_assert_uint_eq(v8, 0x03);
	ck_assert_int_eq(buf_peek_n16(&b, 6, &v16), 0);
	ck_assert_uint_eq(v16, 0x090a);
	ck_assert_int_eq(buf_peek_n16(&b, 7, &v16), -1);
	ck_assert_int_eq(buf_peek_n32(&b, 4, &v32), 0);
	ck_assert_uint_eq(v32, 0x0708090a);
	ck_assert_int_eq(buf_peek_n32(&b, 5, &v32), -1);
	ck_assert_int_eq(buf_peek_n8(&b, 8, &v8), -1);
	/* at + n must not wrap */
	ck_assert_int_eq(buf_peek_n32(&b, SIZE_MAX, &v32), -1);
	ck_assert_int_eq(buf_peek_n16(&b, SIZE_MAX - 1, &v16), -1);
	ck_assert_uint_eq(buf_left(&b), 8);
}
END_TEST

START_TEST(null_and_empty)
{
	struct buf b;
	struct wbuf w;
	const uint8_t *p;
	uint8_t v8;

	/* NULL data means an empty buffer whatever length is given */
	buf_init(&b, NULL, 100);
	ck_assert_uint_eq(buf_left(&b), 0);
	ck_assert_int_eq(buf_get_n8(&b, &v8), -1);
	ck_assert_int_eq(buf_get_ptr(&b, &p, 0), 0);
	ck_assert_ptr_null(p);
	ck_assert_ptr_null(buf_cur(&b));
	wbuf_init(&w, NULL, 100);
	ck_assert_int_eq(wbuf_add_n8(&w, 1), -1);
	ck_assert_int_eq(w.err, 1);
	buf_init(&b, bytes, 0);
	ck_assert_int_eq(buf_peek_n8(&b, 0, &v8), -1);
}
END_TEST

START_TEST(writer)
{
	uint8_t mem[12];
	struct wbuf w;
	size_t at;

	memset(mem, 0xaa, sizeof(mem));
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(wbuf_add_n8(&w, 0x01), 0);
	ck_assert_int_eq(wbuf_add_n16(&w, 0x0203), 0);
	ck_assert_int_eq(wbuf_reserve(&w, 2, &at), 0);
	ck_assert_uint_eq(at, 3);
	ck_assert_int_eq(wbuf_add_n32(&w, 0x04050607), 0);
	ck_assert_int_eq(wbuf_add_zero(&w, 1), 0);
	ck_assert_uint_eq(w.len, 10);
	/* fill the reserved hole afterwards */
	ck_assert_int_eq(wbuf_set_n16(&w, at, 0xbeef), 0);
	ck_assert_mem_eq(mem, "\x01\x02\x03\xbe\xef\x04\x05\x06\x07\x00", 10);
	/* set only inside what was written */
	ck_assert_int_eq(wbuf_set_n16(&w, 9, 1), -1);
	ck_assert_int_eq(wbuf_set_n32(&w, SIZE_MAX, 1), -1);
	ck_assert_int_eq(wbuf_set_n8(&w, 9, 0x42), 0);
	ck_assert_int_eq(w.err, 0);

	/* 64 bits do not fit in the 2 left: fails, writes nothing, and sticks */
	ck_assert_int_eq(wbuf_add_n64(&w, 1), -1);
	ck_assert_uint_eq(w.len, 10);
	ck_assert_int_eq(w.err, 1);
	ck_assert_uint_eq(mem[10], 0xaa);
	ck_assert_int_eq(wbuf_add_n8(&w, 1), -1);
	ck_assert_int_eq(wbuf_add_bytes(&w, "", 0), -1);
	ck_assert_uint_eq(w.len, 10);
	/* sets of written bytes still work after the error */
	ck_assert_int_eq(wbuf_set_n8(&w, 0, 0x11), 0);
	ck_assert_uint_eq(mem[0], 0x11);

	/* huge reservations cannot wrap */
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(wbuf_add_n8(&w, 1), 0);
	ck_assert_int_eq(wbuf_reserve(&w, SIZE_MAX, &at), -1);
	ck_assert_int_eq(wbuf_add_bytes(&w, mem, SIZE_MAX), -1);
	ck_assert_uint_eq(w.len, 1);

	/* exactly full is fine */
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(wbuf_add_n64(&w, 0x0102030405060708ull), 0);
	ck_assert_int_eq(wbuf_add_n32(&w, 0x090a0b0c), 0);
	ck_assert_int_eq(w.err, 0);
	ck_assert_mem_eq(mem, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12);
	ck_assert_int_eq(wbuf_add_zero(&w, 0), 0);
	ck_assert_int_eq(wbuf_add_zero(&w, 1), -1);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, getters_big_endian);
	tcase_add_test(tc, bytes_ptr_sub_skip);
	tcase_add_test(tc, peek);
	tcase_add_test(tc, null_and_empty);
	tcase_add_test(tc, writer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
