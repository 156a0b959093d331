/*
 * CCP, the PPP Compression Control Protocol (RFC 1962, protocol 0x80FD),
 * on the one automaton in fsm.c, negotiating one thing: MPPE-128
 * (RFC 3078 §2, CCP option 18).  We compress nothing: every other CCP
 * option is rejected.
 *
 * Directions (RFC 1962 §1: each direction is negotiated on its own): the
 * peer's Configure-Request names what it wants to receive, so an MPPE
 * option we Ack in the peer's request makes us encrypt what we send; our
 * option, once Acked, makes the peer encrypt what it sends us.
 *
 * Policy, the profile's use-encryption (RouterOS semantics):
 *   default   we do not ask; a peer asking for MPPE gets it (and we ask
 *             for it back, so both directions are encrypted);
 *   no        the peer's MPPE option is rejected;
 *   yes       we ask for MPPE-128 stateless; the peer refusing it leaves
 *             the link unencrypted (RouterOS; RFC 3078 §2's "SHOULD be
 *             terminated" is what required does);
 *   required  we ask for MPPE-128; anything short of MPPE both ways closes
 *             CCP with "encryption required but peer refused MPPE" and the
 *             owner takes the link down.
 * MPPE needs MS-CHAP start keys (RFC 3079); without them (PAP, CHAP) the
 * peer's MPPE option is rejected and we never ask; with "required" the
 * owner fails the link before CCP starts.
 *
 * Stateless (the H bit) is preferred as RouterOS does: a stateful request
 * is Nak'ed once towards stateless, and Acked when the peer repeats it; a
 * Nak of ours towards stateful is followed.  With params.stateful the
 * roles swap, and a Nak towards stateless is resisted once.
 *
 * Reset-Request / Reset-Ack (RFC 1962 §2.2, codes 14/15): for MPPE the
 * flushed bit of the sender's next packet is the answer (RFC 3078 §8.2);
 * we send no Reset-Ack (Windows Code-Rejects it, npppd and Microsoft's
 * own stack send none) and accept one silently.
 *
 * Ownership: struct ccp is embedded in struct ppp; no heap.  Its only timer
 * is the automaton's (fsm_deadline(&c->fsm)).
 */
#ifndef L2PW_CCP_H
#define L2PW_CCP_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "fsm.h"

#define PPP_PROTO_CCP 0x80fd
#define CCP_OPT_MPPE  18 /* RFC 3078 §2 (shared with MPPC, RFC 2118) */
#define CCP_RESETREQ  14 /* RFC 1962 §2.1 */
#define CCP_RESETACK  15

/* RFC 3078 §2 Supported Bits, as the 32-bit value on the wire. */
#define CCP_MPPE_H 0x01000000u /* stateless */
#define CCP_MPPE_M 0x00000080u /* 56-bit */
#define CCP_MPPE_S 0x00000040u /* 128-bit */
#define CCP_MPPE_L 0x00000020u /* 40-bit */
#define CCP_MPPE_D 0x00000010u /* obsolete */
#define CCP_MPPE_C 0x00000001u /* MPPC compression */

struct ccp_params {
	enum cfg_encryption policy;
	int stateful; /* prefer stateful MPPE (pppd's mppe-stateful); 0: stateless, as RouterOS */
};

struct ccp_ops {
	void (*up)(void *ctx);
	void (*down)(void *ctx);
	/* tlf; with policy required the reason is in c->fsm.reason. */
	void (*finished)(void *ctx);
	/* The peer sent a Reset-Request: flush on our next MPPE packet. */
	void (*reset_request)(void *ctx);
};

struct ccp_stats {
	uint64_t resetreq_rx, resetreq_tx, resetack_rx;
};

struct ccp {
	struct fsm fsm;
	struct ccp_params p;
	const struct ccp_ops *ops;
	void *ctx;
	int keys;	   /* MS-CHAP start keys exist: MPPE is possible */
	uint32_t want;	   /* MPPE bits of our request (0: not asked) */
	uint32_t his;	   /* MPPE bits of the peer's request as we Acked it (0: none) */
	uint32_t mirror;   /* default policy: the peer asked for these, ask them back */
	int refused;	   /* the peer rejected or could not do our MPPE */
	int h_nakked;	   /* we Nak'ed the peer's choice of mode once already */
	int insisted;	   /* stateful preference: we resisted a Nak towards stateless */
	uint8_t reset_id;  /* identifier of our last Reset-Request */
	uint64_t reset_at; /* when we sent it (0: never) */
	struct ccp_stats stats;
};

void ccp_init(struct ccp *c, const struct ccp_params *p, const struct ccp_ops *ops, void *ctx,
	      const struct fsm_io *io, void *io_ctx);
/* Whether MS-CHAP keys exist; call before starting CCP in the network phase. */
void ccp_set_keys(struct ccp *c, int keys);
/* yes/required: we open CCP ourselves; default/no wait for the peer's request. */
int ccp_active(const struct ccp *c);
/*
 * Before a passive CCP starts on the peer's first Configure-Request
 * (pkt from the Code field on): if it asks for MPPE we can do, our first
 * request asks for the same, so both directions come up encrypted.
 * 1 when it did.
 */
int ccp_peek_request(struct ccp *c, const uint8_t *pkt, size_t len);
/* The direction is MPPE-encrypted (only meaningful while Opened); *stateless set. */
int ccp_tx_mppe(const struct ccp *c, int *stateless);
int ccp_rx_mppe(const struct ccp *c, int *stateless);
/* "MPPE128 stateless", "MPPE128 stateful" or "none" (status `encoding`). */
const char *ccp_encoding(const struct ccp *c);
/* RFC 1962 §2.2 Reset-Request (no data), with a fresh identifier. */
void ccp_send_reset_request(struct ccp *c, uint64_t now);

#endif
