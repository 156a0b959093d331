/* MS-CHAPv1/v2 and their MPPE keys (RFC 2433, RFC 2759 §8, RFC 3079). */
#include <string.h>

#include <nettle/des.h>
#include <nettle/md4.h>
#include <nettle/sha1.h>

#include "mschap.h"

/* RFC 2759 §8.7 and RFC 3079 §3.4 magic constants (no trailing NUL). */
static const char mschap_magic1[] = "Magic server to client signing constant";
static const char mschap_magic2[] = "Pad to make it do more than one iteration";
static const char mschap_mk_magic[] = "This is the MPPE Master Key";
static const char mschap_key_magic2[] =
    "On the client side, this is the send key; on the server side, it is the receive key.";
static const char mschap_key_magic3[] =
    "On the client side, this is the receive key; on the server side, it is the send key.";

int mschap_memeq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}

/* UTF-8 to UTF-16LE code units (BMP; anything malformed passes through byte-wise). */
static size_t mschap_utf16le(const char *s, uint8_t *out, size_t max_chars)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0;

	while (*p && n < max_chars) {
		uint32_t c = *p++;

		if (c >= 0xc0 && c < 0xe0 && (p[0] & 0xc0) == 0x80) {
			c = (c & 0x1f) << 6 | (p[0] & 0x3f);
			p += 1;
		} else if (c >= 0xe0 && c < 0xf0 && (p[0] & 0xc0) == 0x80 &&
			   (p[1] & 0xc0) == 0x80) {
			c = (c & 0x0f) << 12 | (uint32_t)(p[0] & 0x3f) << 6 | (p[1] & 0x3f);
			p += 2;
		}
		out[2 * n] = (uint8_t)c;
		out[2 * n + 1] = (uint8_t)(c >> 8);
		n++;
	}
	return 2 * n;
}

void mschap_nt_password_hash(const char *password, uint8_t hash[16])
{
	uint8_t u[2 * MSCHAP_PASSWORD_MAX];
	struct md4_ctx c;
	size_t n = mschap_utf16le(password, u, MSCHAP_PASSWORD_MAX);

	md4_init(&c);
	md4_update(&c, n, u);
	md4_digest(&c, 16, hash);
	memset(u, 0, sizeof(u));
}

void mschap_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16])
{
	struct md4_ctx c;

	md4_init(&c);
	md4_update(&c, 16, hash);
	md4_digest(&c, 16, out);
}

void mschap_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
			   const char *user, uint8_t out[8])
{
	const char *bs = strrchr(user, '\\');
	struct sha1_ctx c;

	if (bs)
		user = bs + 1;
	sha1_init(&c);
	sha1_update(&c, 16, peer_challenge);
	sha1_update(&c, 16, auth_challenge);
	sha1_update(&c, strlen(user), (const uint8_t *)user);
	sha1_digest(&c, 8, out);
}

/* RFC 2759 §8.6 DesEncrypt: 7 key bytes spread over 8 with parity bits. */
static void mschap_des(const uint8_t clear[8], const uint8_t k7[7], uint8_t cipher[8])
{
	uint8_t k[8];
	struct des_ctx c;

	k[0] = k7[0];
	k[1] = (uint8_t)(k7[0] << 7 | k7[1] >> 1);
	k[2] = (uint8_t)(k7[1] << 6 | k7[2] >> 2);
	k[3] = (uint8_t)(k7[2] << 5 | k7[3] >> 3);
	k[4] = (uint8_t)(k7[3] << 4 | k7[4] >> 4);
	k[5] = (uint8_t)(k7[4] << 3 | k7[5] >> 5);
	k[6] = (uint8_t)(k7[5] << 2 | k7[6] >> 6);
	k[7] = (uint8_t)(k7[6] << 1);
	des_fix_parity(8, k, k);
	/* Weak keys are possible here and harmless: ignore the verdict. */
	(void)des_set_key(&c, k);
	des_encrypt(&c, 8, cipher, clear);
	memset(k, 0, sizeof(k));
	memset(&c, 0, sizeof(c));
}

void mschap_challenge_response(const uint8_t challenge[8], const uint8_t pw_hash[16],
			       uint8_t response[24])
{
	uint8_t z[21];

	memset(z, 0, sizeof(z));
	memcpy(z, pw_hash, 16);
	mschap_des(challenge, z, response);
	mschap_des(challenge, z + 7, response + 8);
	mschap_des(challenge, z + 14, response + 16);
	memset(z, 0, sizeof(z));
}

void mschap1_nt_response(const uint8_t challenge[8], const char *password, uint8_t response[24])
{
	uint8_t h[16];

	mschap_nt_password_hash(password, h);
	mschap_challenge_response(challenge, h, response);
	memset(h, 0, sizeof(h));
}

void mschap2_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
			 const char *user, const char *password, uint8_t response[24])
{
	uint8_t ch[8], h[16];

	mschap_challenge_hash(peer_challenge, auth_challenge, user, ch);
	mschap_nt_password_hash(password, h);
	mschap_challenge_response(ch, h, response);
	memset(h, 0, sizeof(h));
}

void mschap2_authenticator_response(const char *password, const uint8_t nt_response[24],
				    const uint8_t peer_challenge[16],
				    const uint8_t auth_challenge[16], const char *user,
				    char out[MSCHAP2_AUTHRESP_LEN + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t h[16], hh[16], digest[SHA1_DIGEST_SIZE], ch[8];
	struct sha1_ctx c;
	int i;

	mschap_nt_password_hash(password, h);
	mschap_hash_nt_password_hash(h, hh);
	sha1_init(&c);
	sha1_update(&c, 16, hh);
	sha1_update(&c, 24, nt_response);
	sha1_update(&c, sizeof(mschap_magic1) - 1, (const uint8_t *)mschap_magic1);
	sha1_digest(&c, sizeof(digest), digest);
	mschap_challenge_hash(peer_challenge, auth_challenge, user, ch);
	sha1_init(&c);
	sha1_update(&c, sizeof(digest), digest);
	sha1_update(&c, 8, ch);
	sha1_update(&c, sizeof(mschap_magic2) - 1, (const uint8_t *)mschap_magic2);
	sha1_digest(&c, sizeof(digest), digest);
	out[0] = 'S';
	out[1] = '=';
	for (i = 0; i < 20; i++) {
		out[2 + 2 * i] = hex[digest[i] >> 4];
		out[3 + 2 * i] = hex[digest[i] & 15];
	}
	out[MSCHAP2_AUTHRESP_LEN] = '\0';
	memset(h, 0, sizeof(h));
	memset(hh, 0, sizeof(hh));
}

void mschap2_master_key(const uint8_t pw_hash_hash[16], const uint8_t nt_response[24],
			uint8_t master_key[16])
{
	struct sha1_ctx c;

	sha1_init(&c);
	sha1_update(&c, 16, pw_hash_hash);
	sha1_update(&c, 24, nt_response);
	sha1_update(&c, sizeof(mschap_mk_magic) - 1, (const uint8_t *)mschap_mk_magic);
	sha1_digest(&c, 16, master_key);
}

void mschap2_asymmetric_start_key(const uint8_t master_key[16], uint8_t *key, size_t key_len,
				  int is_send, int is_server)
{
	uint8_t pad1[40], pad2[40];
	const char *s;
	struct sha1_ctx c;

	/* RFC 3079 §3.4: SHSpad1 is 40 zeros, SHSpad2 40 times 0xf2. */
	memset(pad1, 0x00, sizeof(pad1));
	memset(pad2, 0xf2, sizeof(pad2));
	if (is_send)
		s = is_server ? mschap_key_magic3 : mschap_key_magic2;
	else
		s = is_server ? mschap_key_magic2 : mschap_key_magic3;
	if (key_len > SHA1_DIGEST_SIZE)
		key_len = SHA1_DIGEST_SIZE;
	sha1_init(&c);
	sha1_update(&c, 16, master_key);
	sha1_update(&c, sizeof(pad1), pad1);
	sha1_update(&c, strlen(s), (const uint8_t *)s);
	sha1_update(&c, sizeof(pad2), pad2);
	sha1_digest(&c, key_len, key);
}

void mschap1_start_key(const uint8_t pw_hash_hash[16], const uint8_t challenge[8], uint8_t key[16])
{
	struct sha1_ctx c;

	sha1_init(&c);
	sha1_update(&c, 16, pw_hash_hash);
	sha1_update(&c, 16, pw_hash_hash);
	sha1_update(&c, 8, challenge);
	sha1_digest(&c, 16, key);
}
