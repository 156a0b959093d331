/*
 * PPP authentication methods and the authentication phase (RFC 1661 §3.5)
 * for both roles: the authenticator (l2tp-server) checks the peer through a
 * password lookup callback, the peer (l2tp-client) proves its user/password.
 * PAP (pap.c, RFC 1334), CHAP-MD5 (chap.c, RFC 1994), MS-CHAPv1/v2 (chap.c
 * framing, mschap.c crypto; RFC 2433, RFC 2759).
 *
 * Ownership: struct auth is embedded in struct ppp; no heap.  It owns one
 * retransmission deadline (auth_deadline()).  Passwords are copied in and
 * wiped when the phase ends.
 */
#ifndef L2PW_AUTH_H
#define L2PW_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PPP_PROTO_PAP	 0xc023
#define PPP_PROTO_CHAP	 0xc223
#define CHAP_ALG_MD5	 5
#define CHAP_ALG_MSCHAP1 0x80
#define CHAP_ALG_MSCHAP2 0x81
/* RFC 1994 §4.1 allows any length; pppd sends 16-24 bytes, we keep up to this. */
#define CHAP_CHALLENGE_MAX 64

/* Methods; PPP_AUTH_BIT(m) matches cfg.h's CFG_AUTH_* bits. */
enum ppp_auth {
	PPP_AUTH_NONE = 0,
	PPP_AUTH_PAP,
	PPP_AUTH_CHAP,
	PPP_AUTH_MSCHAP1,
	PPP_AUTH_MSCHAP2,
};
#define PPP_AUTH_BIT(m) (1u << ((m)-1))
#define PPP_AUTH_ALL	0xfu

#define AUTH_NAME_MAX	  64
#define AUTH_PASSWORD_MAX 128
#define AUTH_RESTART_MS	  3000
#define AUTH_MAX_TRIES	  10

const char *auth_method_name(enum ppp_auth m);
/* The method an Authentication-Protocol option value names, PPP_AUTH_NONE if none. */
enum ppp_auth auth_method_from_option(uint16_t proto, const uint8_t *data, size_t len);

struct auth_ops {
	void (*send)(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len);
	void (*log)(void *ctx, int level, const char *msg);
	void (*random)(void *ctx, void *out, size_t len);
	/*
	 * Authenticator: the password of user (NUL-terminated, <= AUTH_NAME_MAX)
	 * into pw (cap bytes, NUL-terminated); 0 found, -1 unknown user.
	 */
	int (*secret)(void *ctx, const char *user, char *pw, size_t cap);
	/* The phase is over: ok 1 with the authenticated user, or 0 and why. */
	void (*done)(void *ctx, int ok, const char *user, const char *why);
};

enum auth_state {
	AUTH_IDLE,
	AUTH_WAIT_RESPONSE, /* authenticator: challenge sent / waiting for PAP request */
	AUTH_WAIT_RESULT,   /* peer: request/response sent */
	AUTH_DONE_OK,
	AUTH_DONE_FAIL,
};

struct auth_stats {
	uint64_t rx, tx, retransmits, drop_malformed, drop_bad_id, drop_unexpected;
	uint64_t failures, successes;
};

struct auth {
	int authenticator;
	enum ppp_auth method;
	enum auth_state state;
	const struct auth_ops *ops;
	void *ctx;
	char our_name[AUTH_NAME_MAX + 1]; /* CHAP Name in our challenges */
	char user[AUTH_NAME_MAX + 1];	  /* peer: our user; authenticator: the peer's */
	char password[AUTH_PASSWORD_MAX + 1];

	uint8_t id;
	uint8_t tries;
	uint64_t timer_at, now;
	uint8_t challenge[CHAP_CHALLENGE_MAX]; /* ours (authenticator) or the one we answered */
	uint8_t challenge_len;
	uint8_t peer_challenge[16]; /* MS-CHAPv2 */
	uint8_t nt_response[24];    /* MS-CHAP: kept for the MPPE keys */
	char auth_response[43];	    /* MS-CHAPv2 "S=...": NUL-terminated, expected or sent */
	uint8_t pkt[300];	    /* last packet sent, for retransmission */
	size_t pkt_len;
	uint16_t pkt_proto;
	uint8_t result[300]; /* authenticator: our Success/Failure, resent on duplicates */
	size_t result_len;
	uint8_t result_id;
	int have_result;
	/* MPPE key material (RFC 3079), valid after an MS-CHAP success. */
	int mppe_keys;
	uint8_t mppe_send_key[16], mppe_recv_key[16];
	char reason[128];
	struct auth_stats stats;
};

void auth_init(struct auth *a, const struct auth_ops *ops, void *ctx);
/*
 * Start the phase.  authenticator: method is what the peer agreed to, name
 * our CHAP name.  Peer: user/password are ours.  Strings are copied.
 */
void auth_start(struct auth *a, int authenticator, enum ppp_auth method, const char *name,
		const char *user, const char *password, uint64_t now);
void auth_stop(struct auth *a);
/* A PAP or CHAP packet (from the Code field on).  0, or -1 when dropped. */
int auth_input(struct auth *a, uint16_t proto, const uint8_t *pkt, size_t len, uint64_t now);
void auth_timeout(struct auth *a, uint64_t now);
uint64_t auth_deadline(const struct auth *a);

/* Internal to pap.c / chap.c / auth.c. */
void auth_send(struct auth *a, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *data,
	       size_t len, int keep);
void auth_finish(struct auth *a, int ok, const char *why);
void auth_logf(struct auth *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pap_start(struct auth *a);
int pap_input(struct auth *a, uint8_t code, uint8_t id, struct buf *data);
void chap_start(struct auth *a);
int chap_input(struct auth *a, uint8_t code, uint8_t id, struct buf *data);

#endif
