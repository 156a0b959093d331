/*
 * Inside the L2TP engine: what l2tp_tunnel.c (control connection),
 * l2tp_ctrlmsg.c (messages on the wire), l2tp_session.c (sessions),
 * l2tp_v3avp.c / l2tp_v2avp.c (the AVP sets of each version) and
 * l2tp_avpset.c (what the two AVP sets share) have in common.  Not for the
 * daemon: it uses l2tp_tunnel.h only.
 *
 * The version-specific parts sit behind struct l2tp_avpset: parsing a
 * message into struct l2tp_cmsg, the mandatory-AVP table, and the AVPs of
 * each message we build, the handshake checks (authentication) and what a
 * session's ICRQ / ICRP / ICCN agree.
 */
#ifndef L2PW_L2TP_ENGINE_H
#define L2PW_L2TP_ENGINE_H

#include "l2tp.h"
#include "l2tp_avp.h"
#include "l2tp_digest.h"
#include "l2tp_rel.h"
#include "l2tp_tunnel.h"
#include "log.h"

#define L2TP_ENG_MAX_MSG     2048 /* largest control message we build or hold */
#define L2TP_ENG_NONCE_LEN   16	  /* our Control Message Authentication Nonce */
#define L2TP_ENG_MAX_NONCE   128  /* v3 nonces are 16..64 octets, v2 Challenges any length */
#define L2TP_ENG_MAX_PW_CAPS 16

/* Which AVPs a parsed message carried. */
enum l2tp_cm_bit {
	L2TP_CM_RESULT = 1u << 0,
	L2TP_CM_HOST_NAME = 1u << 1,
	L2TP_CM_ROUTER_ID = 1u << 2,
	L2TP_CM_CONN_ID = 1u << 3,
	L2TP_CM_RWIN = 1u << 4,
	L2TP_CM_TIE_BREAKER = 1u << 5,
	L2TP_CM_PW_CAPS = 1u << 6,
	L2TP_CM_NONCE = 1u << 7,
	L2TP_CM_DIGEST = 1u << 8,
	L2TP_CM_PROTO_VER = 1u << 9,
	L2TP_CM_LSID = 1u << 10,
	L2TP_CM_RSID = 1u << 11,
	L2TP_CM_SERIAL = 1u << 12,
	L2TP_CM_COOKIE = 1u << 13,
	L2TP_CM_REMOTE_END = 1u << 14,
	L2TP_CM_PW_TYPE = 1u << 15,
	L2TP_CM_SUBLAYER = 1u << 16,
	L2TP_CM_DATA_SEQ = 1u << 17,
	L2TP_CM_CIRCUIT = 1u << 18,
	L2TP_CM_UNKNOWN_M = 1u << 19, /* an unknown AVP with the M bit (RFC 3931 §5.2) */
	/* L2TPv2 (RFC 2661 §4.4) */
	L2TP_CM_CHAL_RESP = 1u << 20,
	L2TP_CM_FRAMING_CAP = 1u << 21,
	L2TP_CM_FRAMING_TYPE = 1u << 22,
	L2TP_CM_TX_SPEED = 1u << 23,
	L2TP_CM_CALL_ERRORS = 1u << 24,
	L2TP_CM_ACCM = 1u << 25,
};

/* A received control message, version independent. */
struct l2tp_cmsg {
	struct l2tp_ctrl_hdr h;
	const uint8_t *pkt; /* the whole message, for digest checks */
	size_t len;
	uint32_t has;
	struct l2tp_result result;
	char result_msg[128];
	char host_name[64];
	uint32_t router_id;
	uint32_t conn_id; /* Assigned Control Connection ID (v2: Assigned Tunnel ID) */
	uint16_t rwin;
	uint64_t tie_breaker;
	uint16_t pw_caps[L2TP_ENG_MAX_PW_CAPS];
	uint8_t n_pw_caps;
	uint8_t nonce[L2TP_ENG_MAX_NONCE]; /* v3 Nonce, v2 Challenge (L2TP_CM_NONCE both) */
	size_t nonce_len;
	uint8_t chal_resp[L2TP_CHALLENGE_RESPONSE_LEN]; /* v2 Challenge Response */
	uint16_t proto_ver;
	/*
	 * v3 Local / Remote Session ID AVPs; v2 maps the Assigned Session ID
	 * (the sender's id) onto local_sid and the header's session id (ours)
	 * onto remote_sid, so that sessions are found alike.
	 */
	uint32_t local_sid, remote_sid, serial;
	uint8_t cookie[8];
	size_t cookie_len;
	uint32_t remote_end_id;
	int remote_end_id_len; /* we match 4-octet ids; others never match */
	uint16_t pw_type, sublayer, data_seq, circuit;
	uint16_t unknown_type;
	/* L2TPv2 */
	uint32_t framing_caps, bearer_caps;
	struct l2tp_v2_call call; /* ICRQ / ICCN; call.serial mirrors serial */
	struct l2tp_v2_proxy proxy;
	uint32_t accm_send, accm_recv; /* SLI */
};

struct l2tp_tunnel;
struct l2tp_session;

/* One row of a version's mandatory-AVP table: a message of type must carry has. */
struct l2tp_avpset_required {
	uint16_t type;
	uint32_t has; /* one enum l2tp_cm_bit */
	const char *name;
};

/* The version-specific AVP sets (RFC 2661 §6 for v2, RFC 3931 §6 for v3). */
struct l2tp_avpset {
	/* Parse AVPs (header already parsed into m->h).  -1: malformed, *why says what. */
	int (*parse)(const struct l2tp_tunnel *t, const struct buf *avps, struct l2tp_cmsg *m,
		     const char **why);
	/* Which AVPs each message type must carry, for l2tp_avpset_missing(). */
	const struct l2tp_avpset_required *required;
	size_t n_required;
	/* Control connection messages: SCCRQ, SCCRP, SCCCN, StopCCN, HELLO. */
	int (*build_ctrl)(struct l2tp_tunnel *t, struct l2tp_builder *b, uint16_t type,
			  uint16_t result, const char *msg);
	/* Session messages: ICRQ, ICRP, ICCN, CDN, SLI. */
	int (*build_session)(struct l2tp_session *s, struct l2tp_builder *b, uint16_t type,
			     uint16_t result, const char *msg);
	/*
	 * The version's part of accepting an SCCRQ, SCCRP or SCCCN (the shared
	 * part already took the peer's id, host name and window): authentication
	 * and versions.  NULL when fine, else why, with the StopCCN's result and
	 * error codes in *result / *error.
	 */
	const char *(*accept_peer)(struct l2tp_tunnel *t, const struct l2tp_cmsg *m,
				   uint16_t *result, uint16_t *error);
	/*
	 * What the peer's ICRQ, ICRP or ICCN says for session s, into s->info
	 * and checked against s->p.  0, or -1 with the CDN result and why.  The
	 * caller refuses a peer session id of 0 after it, for both versions.
	 */
	int (*negotiate)(struct l2tp_session *s, const struct l2tp_cmsg *m, uint16_t *result,
			 char *why, size_t cap);
};

extern const struct l2tp_avpset l2tp_v3avp_set;
extern const struct l2tp_avpset l2tp_v2avp_set;

/* l2tp_avpset.c: what the two AVP sets share. */
/* Copy a received text value for logs and info: truncated, non-printable octets as '?'. */
void l2tp_eng_text(const struct buf *v, char *dst, size_t cap);
/*
 * Read every IETF AVP of avps into m through one (the version's decoder of
 * one AVP: 0 taken or ignored, -1 malformed).  An unknown AVP with the M bit
 * ends the walk with L2TP_CM_UNKNOWN_M set and returns 0: the message type
 * decides what it clears.  -1 when malformed: *why names the AVP (then
 * *err is L2TP_AVP_OK) or the reader's error *err.
 */
int l2tp_avpset_read(const struct l2tp_tunnel *t, uint8_t version, const struct buf *avps,
		     struct l2tp_cmsg *m, int (*one)(struct l2tp_cmsg *, const struct l2tp_avp *),
		     enum l2tp_avp_err *err, const char **why);
/*
 * The AVPs both versions define alike (Result Code, Protocol Version, Tie
 * Breaker, Host Name, Receive Window Size, Call Serial Number) into m;
 * anything else is ignored.  A version's decoder ends in it.  0, or -1
 * when malformed.
 */
int l2tp_avpset_common(struct l2tp_cmsg *m, const struct l2tp_avp *a);
/* The first mandatory AVP m lacks for its type in set's table, or NULL. */
const char *l2tp_avpset_missing(const struct l2tp_avpset *set, const struct l2tp_cmsg *m);

struct l2tp_session {
	struct l2tp_session *next;
	struct l2tp_tunnel *t;
	struct l2tp_session_params p;
	struct l2tp_session_info info;
	enum l2tp_session_state state;
	int initiator;	      /* we sent the ICRQ */
	uint32_t serial;      /* Call Serial Number we sent */
	uint64_t tie_breaker; /* Session Tie Breaker we sent in our ICRQ */
	uint16_t cdn_error;   /* Error Code for the CDN we send (RFC 3931 §5.4.2) */
	uint64_t setup_at;    /* give up waiting for ICRP / ICCN then; 0: not waiting */
};

struct l2tp_tunnel {
	struct l2tp_tunnel_params p;
	char secret[128];
	size_t secret_len;
	uint8_t key[L2TP_DIGEST_KEY_LEN];
	const struct l2tp_tunnel_ops *ops;
	void *ctx;
	const struct l2tp_avpset *avp;
	enum l2tp_tunnel_state state;
	int initiator;
	uint32_t local_id, peer_id;
	char peer_host[64];
	uint32_t peer_router_id;
	uint64_t tie_breaker;
	uint8_t nonce[L2TP_ENG_NONCE_LEN];	/* v3 Nonce, v2 Challenge we sent */
	uint8_t peer_nonce[L2TP_ENG_MAX_NONCE]; /* v3 Nonce, v2 Challenge the peer sent */
	size_t peer_nonce_len;
	uint16_t peer_pw_caps[L2TP_ENG_MAX_PW_CAPS];
	uint8_t n_peer_pw_caps;
	struct l2tp_rel rel;
	struct l2tp_tunnel_stats st;
	uint64_t now;	  /* time of the call being processed */
	uint64_t last_rx; /* last message from the peer, for HELLO */
	uint64_t hello_at, close_at, armed_at;
	uint64_t setup_at;		  /* give up waiting for SCCRP / SCCCN then */
	int closer;			  /* we sent the StopCCN */
	uint16_t fail_result, fail_error; /* the StopCCN a TE_FAIL / TE_STOP sends */
	uint32_t next_serial;
	struct l2tp_session *sessions;
	struct log_ratelimit rl_digest, rl_drop;
	char down_why[320];
};

/* l2tp_ctrlmsg.c: the reliable-delivery callbacks of every tunnel (sign + send, acks). */
extern const struct l2tp_rel_cb l2tp_tun_rel_cb;
/* Logging with the "tunnel L/P" prefix through ops->log. */
void l2tp_tun_log(struct l2tp_tunnel *t, int level, const char *fmt, ...) L2PW_PRINTF(3, 4);
/* Peer-caused: rate-limited through rl. */
void l2tp_tun_log_rl(struct l2tp_tunnel *t, struct log_ratelimit *rl, const char *fmt, ...)
    L2PW_PRINTF(3, 4);
/* v3 with a secret: messages carry a Message Digest and acks are ACK messages. */
int l2tp_tun_signs(const struct l2tp_tunnel *t);
/* Build and queue a message; -1 when it could not be built or queued. */
int l2tp_tun_send_ctrl(struct l2tp_tunnel *t, uint16_t type, uint16_t result, const char *msg);
int l2tp_tun_send_session(struct l2tp_session *s, uint16_t type, uint16_t result, const char *msg);
void l2tp_tun_rearm(struct l2tp_tunnel *t);

/* l2tp_session.c */
void l2tp_sess_rx(struct l2tp_tunnel *t, const struct l2tp_cmsg *m);
/* The control connection is up: sessions waiting for it send their ICRQ. */
void l2tp_sess_tunnel_up(struct l2tp_tunnel *t);
/* The control connection is going away: every session goes down (session_down). */
void l2tp_sess_tunnel_down(struct l2tp_tunnel *t, const char *why);
void l2tp_sess_free_all(struct l2tp_tunnel *t);
/* Sessions whose setup took too long send CDN (result 10) and close. */
void l2tp_sess_timeout(struct l2tp_tunnel *t);
/* The earliest session setup deadline, 0 when none. */
uint64_t l2tp_sess_deadline(const struct l2tp_tunnel *t);
/* How long a handshake may wait for its answer: one full retransmission cycle. */
uint64_t l2tp_tun_setup_ms(const struct l2tp_tunnel *t);

#endif
