/*
 * MS-CHAP against the RFCs' vectors: RFC 2759 §9.2 (the full worked
 * example), RFC 3079 §3.5.3 (MPPE 128-bit keys), and the same example
 * pushed through the real CHAP packet path in both roles.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "mschap.h"

static const uint8_t auth_chal[16] = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
				      0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
static const uint8_t peer_chal[16] = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
				      0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
static const uint8_t challenge[8] = {0xD0, 0x2E, 0x43, 0x86, 0xBC, 0xE9, 0x12, 0x26};
static const uint8_t nt_resp[24] = {0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E,
				    0xA0, 0x8F, 0xAA, 0x39, 0x81, 0xCD, 0x83, 0x54,
				    0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
static const uint8_t pw_hash[16] = {0x44, 0xEB, 0xBA, 0x8D, 0x53, 0x12, 0xB8, 0xD6,
				    0x11, 0x47, 0x44, 0x11, 0xF5, 0x69, 0x89, 0xAE};
static const uint8_t pw_hash_hash[16] = {0x41, 0xC0, 0x0C, 0x58, 0x4B, 0xD2, 0xD9, 0x1C,
					 0x40, 0x17, 0xA2, 0xA1, 0x2F, 0xA5, 0x9F, 0x3F};
static const char auth_resp[] = "S=407A5589115FD0D6209F510FE9C04566932CDA56";
/* RFC 3079 §3.5.3 */
static const uint8_t master_key[16] = {0xFD, 0xEC, 0xE3, 0x71, 0x7A, 0x8C, 0x83, 0x8C,
				       0xB3, 0x88, 0xE5, 0x27, 0xAE, 0x3C, 0xDD, 0x31};
static const uint8_t send_start_key[16] = {0x8B, 0x7C, 0xDC, 0x14, 0x9B, 0x99, 0x3A, 0x1B,
					   0xA1, 0x18, 0xCB, 0x15, 0x3F, 0x56, 0xDC, 0xCB};

START_TEST(rfc2759_primitives)
{
	uint8_t h[16], hh[16], ch[8], r[24];
	char s[MSCHAP2_AUTHRESP_LEN + 1];

	mschap_nt_password_hash("clientPass", h);
	ck_assert_mem_eq(h, pw_hash, 16);
	mschap_hash_nt_password_hash(h, hh);
	ck_assert_mem_eq(hh, pw_hash_hash, 16);
	mschap_challenge_hash(peer_chal, auth_chal, "User", ch);
	ck_assert_mem_eq(ch, challenge, 8);
	/* A domain prefix is not part of the hashed name. */
	mschap_challenge_hash(peer_chal, auth_chal, "OFFICE\\User", ch);
	ck_assert_mem_eq(ch, challenge, 8);
	mschap_challenge_response(challenge, pw_hash, r);
	ck_assert_mem_eq(r, nt_resp, 24);
	mschap2_nt_response(auth_chal, peer_chal, "User", "clientPass", r);
	ck_assert_mem_eq(r, nt_resp, 24);
	mschap2_authenticator_response("clientPass", nt_resp, peer_chal, auth_chal, "User", s);
	ck_assert_str_eq(s, auth_resp);
	/* MS-CHAPv1's NT response is the same DES construction over the 8-byte challenge. */
	mschap1_nt_response(challenge, "clientPass", r);
	ck_assert_mem_eq(r, nt_resp, 24);
	mschap1_nt_response(challenge, "clientPasS", r);
	ck_assert(memcmp(r, nt_resp, 24) != 0);
}
END_TEST

START_TEST(rfc3079_keys)
{
	uint8_t mk[16], k[16], k2[16];

	mschap2_master_key(pw_hash_hash, nt_resp, mk);
	ck_assert_mem_eq(mk, master_key, 16);
	/* The RFC's SendStartKey128 is the server's send key = the client's receive key. */
	mschap2_asymmetric_start_key(mk, k, 16, 1, 1);
	ck_assert_mem_eq(k, send_start_key, 16);
	mschap2_asymmetric_start_key(mk, k, 16, 0, 0);
	ck_assert_mem_eq(k, send_start_key, 16);
	mschap2_asymmetric_start_key(mk, k, 16, 1, 0);
	mschap2_asymmetric_start_key(mk, k2, 16, 0, 1);
	ck_assert_mem_eq(k, k2, 16);
	ck_assert(memcmp(k, send_start_key, 16) != 0);
	/* 40/56-bit keys are the first 8 bytes of the same derivation. */
	mschap2_asymmetric_start_key(mk, k2, 8, 1, 1);
	ck_assert_mem_eq(k2, send_start_key, 8);
	/* MS-CHAPv1 128-bit start key: SHA1(hh, hh, challenge), challenge-dependent. */
	mschap1_start_key(pw_hash_hash, challenge, k);
	mschap1_start_key(pw_hash_hash, auth_chal, k2);
	ck_assert(memcmp(k, k2, 16) != 0);
}
END_TEST

/* ---- the RFC 2759 example through struct auth ---- */

struct cap {
	uint8_t pkt[512];
	size_t len;
	int done, ok;
	char why[200];
	const uint8_t *rand;
	size_t rand_len;
};

static void cap_send(void *ctx, uint16_t proto, const uint8_t *p, size_t n)
{
	struct cap *c = ctx;

	ck_assert_uint_eq(proto, PPP_PROTO_CHAP);
	ck_assert_uint_le(n, sizeof(c->pkt));
	memcpy(c->pkt, p, n);
	c->len = n;
}

static void cap_random(void *ctx, void *out, size_t n)
{
	struct cap *c = ctx;

	ck_assert_uint_le(n, c->rand_len);
	memcpy(out, c->rand, n);
}

static int cap_secret(void *ctx, const char *user, char *pw, size_t cap)
{
	(void)ctx;
	if (strcmp(user, "User") != 0)
		return -1;
	snprintf(pw, cap, "clientPass");
	return 0;
}

static void cap_done(void *ctx, int ok, const char *user, const char *why)
{
	struct cap *c = ctx;

	(void)user;
	c->done++;
	c->ok = ok;
	snprintf(c->why, sizeof(c->why), "%s", why ? why : "");
}

static const struct auth_ops cap_ops = {
    .send = cap_send,
    .random = cap_random,
    .secret = cap_secret,
    .done = cap_done,
};

static size_t response_pkt(uint8_t *b, uint8_t id, const uint8_t *nt)
{
	size_t o = 0;

	b[o++] = 2; /* Response */
	b[o++] = id;
	b[o++] = 0;
	b[o++] = 4 + 1 + 49 + 4;
	b[o++] = 49;
	memcpy(b + o, peer_chal, 16);
	o += 16;
	memset(b + o, 0, 8);
	o += 8;
	memcpy(b + o, nt, 24);
	o += 24;
	b[o++] = 0;
	memcpy(b + o, "User", 4);
	return o + 4;
}

START_TEST(server_verifies_rfc_example)
{
	struct auth a;
	struct cap c = {.rand = auth_chal, .rand_len = 16};
	uint8_t b[128], bad[24];
	size_t n;

	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 1, PPP_AUTH_MSCHAP2, "srv", NULL, NULL, 0);
	/* Challenge: code 1, value size 16, the RFC's authenticator challenge, our name. */
	ck_assert_uint_eq(c.pkt[0], 1);
	ck_assert_uint_eq(c.pkt[4], 16);
	ck_assert_mem_eq(c.pkt + 5, auth_chal, 16);
	ck_assert_mem_eq(c.pkt + 21, "srv", 3);
	n = response_pkt(b, c.pkt[1], nt_resp);
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, n, 1), 0);
	ck_assert_int_eq(c.done, 1);
	ck_assert_int_eq(c.ok, 1);
	ck_assert_uint_eq(c.pkt[0], 3); /* Success */
	ck_assert_uint_ge(c.len, 4 + 42);
	ck_assert_mem_eq(c.pkt + 4, auth_resp, 42);
	ck_assert_mem_eq(a.mppe_send_key, send_start_key, 16);

	/* A wrong NT-Response: Failure with the RFC 2759 §6 fields. */
	memset(&c, 0, sizeof(c));
	c.rand = auth_chal;
	c.rand_len = 16;
	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 1, PPP_AUTH_MSCHAP2, "srv", NULL, NULL, 0);
	memcpy(bad, nt_resp, 24);
	bad[0] ^= 1;
	n = response_pkt(b, c.pkt[1], bad);
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, n, 1), 0);
	ck_assert_int_eq(c.ok, 0);
	ck_assert_uint_eq(c.pkt[0], 4);
	ck_assert_mem_eq(c.pkt + 4, "E=691 R=0 C=", 12);
	ck_assert_mem_eq(c.pkt + 4 + 12 + 32, " V=3 M=", 7);
	ck_assert_ptr_nonnull(strstr(c.why, "User"));
}
END_TEST

START_TEST(client_answers_rfc_example)
{
	struct auth a;
	struct cap c = {.rand = peer_chal, .rand_len = 16};
	uint8_t b[64];
	char ok[64];

	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 0, PPP_AUTH_MSCHAP2, NULL, "User", "clientPass", 0);
	b[0] = 1;
	b[1] = 42;
	b[2] = 0;
	b[3] = 4 + 1 + 16 + 3;
	b[4] = 16;
	memcpy(b + 5, auth_chal, 16);
	memcpy(b + 21, "srv", 3);
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, 24, 0), 0);
	ck_assert_uint_eq(c.pkt[0], 2);
	ck_assert_uint_eq(c.pkt[1], 42);
	ck_assert_uint_eq(c.pkt[4], 49);
	ck_assert_mem_eq(c.pkt + 5, peer_chal, 16);
	ck_assert_mem_eq(c.pkt + 5 + 24, nt_resp, 24);
	ck_assert_mem_eq(c.pkt + 5 + 49, "User", 4);
	/* A Success whose S= is wrong: the server does not know the password. */
	snprintf(ok, sizeof(ok), "S=407A5589115FD0D6209F510FE9C04566932CDA57 M=hi");
	b[0] = 3;
	b[3] = (uint8_t)(4 + strlen(ok));
	memcpy(b + 4, ok, strlen(ok));
	{
		struct auth a2 = a;
		struct cap c2 = c;

		a2.ctx = &c2;
		ck_assert_int_eq(auth_input(&a2, PPP_PROTO_CHAP, b, b[3], 1), 0);
		ck_assert_int_eq(c2.done, 1);
		ck_assert_int_eq(c2.ok, 0);
		ck_assert_ptr_nonnull(strstr(c2.why, "S="));
	}
	snprintf(ok, sizeof(ok), "%s M=Welcome", auth_resp);
	memcpy(b + 4, ok, strlen(ok));
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, b[3], 1), 0);
	ck_assert_int_eq(c.done, 1);
	ck_assert_int_eq(c.ok, 1);
	ck_assert_mem_eq(a.mppe_recv_key, send_start_key, 16);
}
END_TEST

START_TEST(client_reports_failure_message)
{
	static const char msg[] = "E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=bad";
	struct auth a;
	struct cap c = {.rand = peer_chal, .rand_len = 16};
	uint8_t b[128];

	auth_init(&a, &cap_ops, &c);
	auth_start(&a, 0, PPP_AUTH_MSCHAP1, NULL, "User", "clientPass", 0);
	b[0] = 1;
	b[1] = 7;
	b[2] = 0;
	b[3] = 4 + 1 + 8;
	b[4] = 8;
	memcpy(b + 5, challenge, 8);
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, 13, 0), 0);
	/* MS-CHAPv1 response: no LM part, the NT response, flag 1. */
	ck_assert_uint_eq(c.pkt[4], 49);
	ck_assert_mem_eq(c.pkt + 5 + 24, nt_resp, 24);
	ck_assert_uint_eq(c.pkt[5 + 48], 1);
	b[0] = 4;
	b[3] = (uint8_t)(4 + strlen(msg));
	memcpy(b + 4, msg, strlen(msg));
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, b[3], 1), 0);
	ck_assert_int_eq(c.ok, 0);
	ck_assert_ptr_nonnull(strstr(c.why, "E=691"));
	/* Malformed: a value size past the end. */
	b[0] = 1;
	b[3] = 6;
	b[4] = 50;
	ck_assert_int_eq(auth_input(&a, PPP_PROTO_CHAP, b, 6, 2), -1);
}
END_TEST

static Suite *mschap_suite(void)
{
	Suite *s = suite_create("mschap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, rfc2759_primitives);
	tcase_add_test(tc, rfc3079_keys);
	tcase_add_test(tc, server_verifies_rfc_example);
	tcase_add_test(tc, client_answers_rfc_example);
	tcase_add_test(tc, client_reports_failure_message);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mschap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
