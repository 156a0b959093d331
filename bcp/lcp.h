/*
 * LCP (RFC 1661) on top of the one automaton in fsm.c, with the options
 * l2pwd negotiates (one file per option with logic: lcp_mru.c, lcp_auth.c,
 * lcp_magic.c, lcp_mrru.c), Protocol-Reject, Code-Reject, Terminate,
 * Echo keepalive (lcp_echo.c) and Discard-Request.
 *
 * Ownership: struct lcp is embedded in struct ppp and owns no heap memory.
 * It owns two deadlines (restart timer, keepalive), folded into
 * lcp_deadline(); the owner calls lcp_timeout() once it has passed.
 */
#ifndef L2PW_LCP_H
#define L2PW_LCP_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "cpopt.h"
#include "fsm.h"

#define PPP_PROTO_LCP	     0xc021
#define LCP_DEFAULT_MRU	     1500
#define LCP_MIN_MRU	     128 /* what we Nak a smaller MRU up to */
#define LCP_MIN_MRRU	     1500
#define LCP_ECHO_INTERVAL_MS 1000
#define LCP_ECHO_MAX_MISSED  5

/* LCP option types (IANA PPP LCP Configuration Option Types). */
#define LCP_OPT_MRU   1
#define LCP_OPT_ACCM  2
#define LCP_OPT_AUTH  3
#define LCP_OPT_MAGIC 5
#define LCP_OPT_PFC   7
#define LCP_OPT_ACFC  8
#define LCP_OPT_MRRU  17 /* RFC 1990 §5.1.1 */
#define LCP_OPT_SSNHF 18 /* RFC 1990 §5.1.2 */
#define LCP_OPT_ED    19 /* RFC 1990 §5.1.3 */

#define LCP_CODE_IDENTIFICATION 12 /* RFC 1570 */
#define LCP_CODE_TIME_REMAINING 13

/* Endpoint Discriminator classes (RFC 1990 §5.1.3). */
#define LCP_ED_NULL  0
#define LCP_ED_LOCAL 1
#define LCP_ED_IPV4  2
#define LCP_ED_MAC   3
#define LCP_ED_MAGIC 4
#define LCP_ED_PHONE 5
#define LCP_ED_MAX   20

struct lcp_params {
	int authenticator; /* 1: we request authentication (l2tp-server) */
	uint32_t auth;	   /* PPP_AUTH_BIT()s: accepted (server) or allowed (client) */
	uint16_t mru;	   /* 0: do not ask (peer assumes 1500) */
	uint16_t mrru;	   /* 0: no Multilink; else offered and the peer's accepted */
	int short_seq;	   /* with mrru: ask for 12-bit sequence numbers */
	uint8_t ed_class;  /* with mrru: Endpoint Discriminator to offer, LCP_ED_NULL none */
	uint8_t ed_len;
	uint8_t ed[LCP_ED_MAX];
	uint32_t keepalive_timeout_s; /* 0: no keepalive */
};

struct lcp_ops {
	void (*up)(void *ctx);
	void (*down)(void *ctx);
	void (*starting)(void *ctx);
	void (*finished)(void *ctx); /* tlf: the link may go Dead (reason in lcp_reason()) */
	/* The peer rejected one of our protocols (not LCP) in a Protocol-Reject. */
	void (*protocol_rejected)(void *ctx, uint16_t proto);
	/* Keepalive gave up: the owner takes the link down. */
	void (*dead)(void *ctx, const char *why);
	void (*random)(void *ctx, void *out, size_t len);
};

/* One direction's negotiated values. */
struct lcp_values {
	uint16_t mru;
	uint32_t magic;
	enum ppp_auth auth;
	int pfc, acfc;
	uint16_t mrru; /* 0: not negotiated */
	int short_seq;
	uint8_t ed_class, ed_len; /* ed_class 0xff: none */
	uint8_t ed[LCP_ED_MAX];
};

struct lcp_stats {
	uint64_t echo_tx, echo_rx, echo_reply_rx, discard_rx, ident_rx, protrej_rx;
	uint64_t loops_detected;
};

struct lcp {
	struct fsm fsm;
	struct lcp_params p;
	const struct lcp_ops *ops;
	void *ctx;

	struct lcp_values want; /* what our next Configure-Request asks */
	struct lcp_values his;	/* what the peer asked and we acked */
	uint32_t auth_refused;	/* PPP_AUTH_BIT()s the peer Nak'ed or we gave up on */
	unsigned magic_loops;	/* our magic seen in the peer's request in a row */

	/* Keepalive (lcp_echo.c). */
	uint64_t last_rx, ka_at;
	unsigned ka_missed;
	uint8_t echo_id;
	struct lcp_stats stats;
};

void lcp_init(struct lcp *l, const struct lcp_params *p, const struct lcp_ops *ops, void *ctx,
	      const struct fsm_io *io, void *io_ctx);
void lcp_timeout(struct lcp *l, uint64_t now);
uint64_t lcp_deadline(const struct lcp *l);
/* Any frame from the peer: postpones the keepalive (RouterOS keepalive-timeout). */
void lcp_traffic(struct lcp *l, uint64_t now);
const char *lcp_reason(const struct lcp *l);
/* The values in force once Opened: ours as the peer acked them, and the peer's. */
const struct lcp_values *lcp_ours(const struct lcp *l);
const struct lcp_values *lcp_his(const struct lcp *l);

/* Option handlers, one per file (the table lives in lcp.c). */
extern const struct cpopt lcp_opt_mru;
extern const struct cpopt lcp_opt_auth;
extern const struct cpopt lcp_opt_magic;
extern const struct cpopt lcp_opt_mrru;
extern const struct cpopt lcp_opt_ssnhf;
extern const struct cpopt lcp_opt_ed;
/* lcp_magic.c: a fresh non-zero magic number from the caller's random source. */
uint32_t lcp_new_magic(struct lcp *l);
/* lcp_auth.c: pick what the server asks for first; 0 when nothing is allowed. */
enum ppp_auth lcp_auth_first(const struct lcp *l);
/* lcp_echo.c */
void lcp_echo_up(struct lcp *l);
void lcp_echo_timeout(struct lcp *l, uint64_t now);
void lcp_rxr(struct fsm *f, uint8_t code, uint8_t id, struct buf *data);

#endif
