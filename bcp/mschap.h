/*
 * MS-CHAP cryptography: MS-CHAPv1 (RFC 2433), MS-CHAPv2 (RFC 2759) and the
 * MPPE key material derived from them (RFC 3079 §2 for v1, §3 for v2), with
 * nettle's MD4, SHA-1 and DES.  Pure functions, no state.
 *
 * Passwords are UTF-8 and hashed as UTF-16LE (RFC 2759 §8.3 NtPasswordHash);
 * at most MSCHAP_PASSWORD_MAX characters are used, as Windows does.
 */
#ifndef L2PW_MSCHAP_H
#define L2PW_MSCHAP_H

#include <stddef.h>
#include <stdint.h>

#define MSCHAP_PASSWORD_MAX   256
#define MSCHAP1_CHALLENGE_LEN 8
#define MSCHAP2_CHALLENGE_LEN 16
#define MSCHAP_RESPONSE_LEN   49 /* the CHAP Response Value of both versions */
#define MSCHAP2_AUTHRESP_LEN  42 /* "S=" + 40 hex digits */

/* RFC 2759 §8.3 NtPasswordHash: MD4 of the UTF-16LE password. */
void mschap_nt_password_hash(const char *password, uint8_t hash[16]);
/* RFC 2759 §8.4 HashNtPasswordHash: MD4 of the hash. */
void mschap_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16]);
/* RFC 2759 §8.2 ChallengeHash; the user name is used without a "DOMAIN\" prefix. */
void mschap_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
			   const char *user, uint8_t out[8]);
/* RFC 2759 §8.5 ChallengeResponse (same as RFC 2433's NT response): three DES blocks. */
void mschap_challenge_response(const uint8_t challenge[8], const uint8_t pw_hash[16],
			       uint8_t response[24]);

/* MS-CHAPv1 NT-Response (RFC 2433 §A.5 NtChallengeResponse). */
void mschap1_nt_response(const uint8_t challenge[8], const char *password, uint8_t response[24]);
/* RFC 2759 §8.1 GenerateNTResponse. */
void mschap2_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
			 const char *user, const char *password, uint8_t response[24]);
/* RFC 2759 §8.7 GenerateAuthenticatorResponse: "S=" + 40 upper-case hex, NUL-terminated. */
void mschap2_authenticator_response(const char *password, const uint8_t nt_response[24],
				    const uint8_t peer_challenge[16],
				    const uint8_t auth_challenge[16], const char *user,
				    char out[MSCHAP2_AUTHRESP_LEN + 1]);

/* RFC 3079 §3.4 GetMasterKey. */
void mschap2_master_key(const uint8_t pw_hash_hash[16], const uint8_t nt_response[24],
			uint8_t master_key[16]);
/* RFC 3079 §3.4 GetAsymetricStartKey; key_len 8 (40/56-bit) or 16 (128-bit). */
void mschap2_asymmetric_start_key(const uint8_t master_key[16], uint8_t *key, size_t key_len,
				  int is_send, int is_server);
/* RFC 3079 §2.4 GetStartKey for 128-bit keys from MS-CHAPv1 (same key both ways). */
void mschap1_start_key(const uint8_t pw_hash_hash[16], const uint8_t challenge[8], uint8_t key[16]);

/* Constant-time comparison: 0 when equal. */
int mschap_memeq(const void *a, const void *b, size_t n);

#endif
