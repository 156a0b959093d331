/*
 * A PPP link as a pure engine: LCP -> authentication -> BCP and CCP (the
 * network phase), with the phases of RFC 1661 §3.2, the demultiplexing of
 * received PPP frames and Protocol-Reject of protocols we do not speak.
 *
 * The data path, sending: Ethernet frame -> BCP (0x0031) -> MPPE (0x00FD,
 * when CCP negotiated it for that direction) -> Multilink fragments
 * (0x003d, when the peer negotiated an MRRU; RFC 1990 §3: MPPE works on the
 * bundle, fragments carry its output).  Receiving runs the same layers
 * backwards.  Without Multilink a frame whose PPP Information field would
 * exceed the peer's MRU is dropped and counted (tx_over_mru): the tunnel
 * never sends what the peer said it cannot receive.
 *
 * The caller feeds whole PPP frames (with or without the FF 03
 * address/control bytes, with a 1- or 2-byte protocol) and time, and gets
 * everything back through the ops table: packets to send (protocol number +
 * Information field: the caller adds FF 03 and the protocol as its
 * encapsulation wants), one timer, up/down, bridged frames, log lines.
 * Time is milliseconds on any monotonic scale ("now").
 *
 * Ownership: ppp_new() allocates, ppp_free() frees (with the Multilink
 * receiver, allocated when the network phase first needs it, and the MPPE
 * keys, wiped); never free from inside an ops callback.  The link owns its
 * single timer (ops->arm_timer; 0 disarms: the automatons', the
 * authentication's and the Multilink reassembly's deadlines folded into
 * one) and copies every string it is given.
 */
#ifndef L2PW_PPP_H
#define L2PW_PPP_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "bcp.h"
#include "ccp.h"
#include "cfg.h"
#include "lcp.h"
#include "mp.h"
#include "mppe.h"

#define PPP_PROTO_MP 0x003d
/* The biggest bridged frame we encode or decode (jumbo frames up to an MRRU). */
#define PPP_FRAME_MAX 16384

enum ppp_phase {
	PPP_PHASE_DEAD = 0,
	PPP_PHASE_ESTABLISH,
	PPP_PHASE_AUTHENTICATE,
	PPP_PHASE_NETWORK,
	PPP_PHASE_TERMINATE,
};

struct ppp_params {
	int server;		     /* 1: l2tp-server, we authenticate the peer */
	uint32_t auth;		     /* PPP_AUTH_BIT()s: server accepts, client allows */
	const char *name;	     /* our name (CHAP Name in challenges); copied */
	const char *user, *password; /* client credentials; copied */
	uint16_t mru;		     /* max-mru; 0: do not negotiate */
	uint16_t mrru;		     /* 0: no Multilink */
	int short_seq;
	uint8_t ed_class, ed_len; /* Endpoint Discriminator offered with mrru */
	uint8_t ed[LCP_ED_MAX];
	uint32_t keepalive_timeout_s;	/* RouterOS keepalive-timeout; 0 off */
	enum cfg_encryption encryption; /* profile use-encryption (see ccp.h) */
	int mppe_stateful;		/* prefer stateful MPPE; 0: stateless like RouterOS */
	struct bcp_params bcp;
};

struct ppp;

struct ppp_ops {
	void (*send)(void *ctx, uint16_t proto, const uint8_t *info, size_t len);
	void (*arm_timer)(void *ctx, uint64_t at_ms);
	void (*random)(void *ctx, void *out, size_t len);
	void (*log)(void *ctx, int level, const char *msg);
	/* Server: the password for user; 0 found, -1 unknown (see struct auth_ops). */
	int (*secret)(void *ctx, const char *user, char *pw, size_t cap);
	/*
	 * Network phase reached, BCP Opened and CCP as far as use-encryption
	 * demands (yes: Opened or given up; required: Opened with MPPE both
	 * ways): bridged frames may flow.  Called again if the peer
	 * renegotiates and the link becomes ready anew.
	 */
	void (*up)(void *ctx, struct ppp *p);
	/* The link went Dead after ppp_start(); why is never NULL. */
	void (*down)(void *ctx, struct ppp *p, const char *why);
	/* A bridged Ethernet frame (no FCS) from the peer. */
	void (*frame)(void *ctx, const uint8_t *eth, size_t len);
};

struct ppp_stats {
	uint64_t rx_frames, tx_frames, rx_bridged, tx_bridged;
	uint64_t drop_short;		       /* no room for a protocol field */
	uint64_t drop_bad_proto;	       /* protocol field violates RFC 1661 §2 */
	uint64_t drop_phase;		       /* protocol not allowed in this phase */
	uint64_t drop_rejected_proto;	       /* unknown protocol: Protocol-Reject sent */
	uint64_t drop_cp;		       /* LCP/BCP/auth packet the engine refused */
	uint64_t drop_bcp_closed;	       /* bridged frame while BCP is not Opened */
	uint64_t drop_mp;		       /* Multilink while our MRRU is not negotiated */
	uint64_t drop_nested;		       /* link protocol inside MP/MPPE, MP inside MPPE */
	uint64_t drop_bridged[BCP_FRAME_NERR]; /* bridged frames by reason */
	uint64_t drop_unencrypted;	       /* plaintext data while MPPE is on for us */
	uint64_t drop_mppe_off;		       /* 0x00FD while MPPE is off for us */
	uint64_t drop_mppe;		       /* refused by MPPE (reasons: ppp_link_stats) */
	uint64_t drop_mppe_proto;	       /* decrypted protocol out of 0x21-0xFA */
	uint64_t tx_too_big;		       /* frames we could not encode, MP over MRRU */
	uint64_t tx_over_mru;		       /* no MP, and bigger than the peer's MRU */
	uint64_t tx_not_ready;		       /* frames offered while not ready (see ops->up) */
	uint64_t protrej_tx;
};

/* The layers' own counters, summed over every negotiation of this link. */
struct ppp_link_stats {
	struct mp_rx_stats mp_rx;
	struct mp_tx_stats mp_tx;
	struct mppe_rx_stats mppe_rx; /* drops[] by enum mppe_drop */
	struct mppe_tx_stats mppe_tx;
};

struct ppp *ppp_new(const struct ppp_params *p, const struct ppp_ops *ops, void *ctx);
void ppp_free(struct ppp *p);
/* The lower layer (the L2TP session) is up: start LCP.  Also restarts a Dead link. */
void ppp_start(struct ppp *p, uint64_t now);
/* The lower layer is gone: the link goes Dead at once. */
void ppp_lower_down(struct ppp *p, const char *why, uint64_t now);
/* Administrative close: LCP Terminate-Request carrying why. */
void ppp_close(struct ppp *p, const char *why, uint64_t now);
/* A received PPP frame.  0, or -1 when dropped (and counted). */
int ppp_input(struct ppp *p, const uint8_t *frame, size_t len, uint64_t now);
void ppp_timeout(struct ppp *p, uint64_t now);
/*
 * Frames from the peer that did not pass through ppp_input() (the fast path
 * counted them): they count as traffic for the keepalive all the same.
 */
void ppp_traffic(struct ppp *p, uint64_t now);
/*
 * A bridged Ethernet frame (no FCS) to send: 0, or -1 when the link is not
 * ready or the frame does not fit (counted).
 */
int ppp_send_frame(struct ppp *p, const uint8_t *eth, size_t len);

enum ppp_phase ppp_phase(const struct ppp *p);
const char *ppp_phase_name(enum ppp_phase ph);
const struct ppp_stats *ppp_stats(const struct ppp *p);
const struct lcp *ppp_lcp(const struct ppp *p);
const struct bcp *ppp_bcp(const struct ppp *p);
const struct auth *ppp_auth(const struct ppp *p);
const struct ccp *ppp_ccp(const struct ppp *p);
/* Bridged frames may flow (ops->up was called and nothing took it back). */
int ppp_ready(const struct ppp *p);
/* Status `encoding`: "MPPE128 stateless", "MPPE128 stateful" or "none". */
const char *ppp_encoding(const struct ppp *p);
/* Status `mtu` (the peer's MRU: what we send), `mru` (ours), `mrru` (0: no Multilink). */
uint16_t ppp_mtu(const struct ppp *p);
uint16_t ppp_mru(const struct ppp *p);
uint16_t ppp_mrru(const struct ppp *p);
void ppp_link_stats(const struct ppp *p, struct ppp_link_stats *out);
/* The authenticated user (server) or ours (client); "" before. */
const char *ppp_user(const struct ppp *p);
/* Why the link is down or going down; "" when it is not. */
const char *ppp_reason(const struct ppp *p);
/* RFC 3079 start keys after MS-CHAP: 0 and filled, -1 when there are none. */
int ppp_mppe_keys(const struct ppp *p, uint8_t send[16], uint8_t recv[16]);

#endif
