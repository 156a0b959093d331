/*
 * The L2TP control connection and its sessions, as a pure engine: no sockets,
 * no clock, no randomness of its own.  The caller feeds control packets and
 * time, and the engine answers through the ops table it was created with.
 * The same engine serves L2TPv3 (RFC 3931) and, later, L2TPv2 (RFC 2661):
 * the version-specific parts are the AVP sets and the session parameters.
 *
 * Time is milliseconds on any monotonic scale the caller likes ("now").
 *
 * Ownership: the caller creates a tunnel with l2tp_tunnel_new() and frees it
 * with l2tp_tunnel_free(), never from inside an ops callback (defer it).  A
 * tunnel owns its sessions and its single timer (ops->arm_timer); sessions are
 * freed with their tunnel, or when they go down.  Pointers to a session stay
 * valid until its session_down callback returns.
 *
 * Life of a tunnel: tunnel_up once established; tunnel_down once when it stops
 * carrying sessions (every session_down comes first), with the reason in
 * words.  It may then stay in CLOSING a while to acknowledge the peer's
 * retransmitted StopCCN (RFC 3931 §3.3: one full retransmission cycle) and
 * finally reaches CLOSED, when tunnel_closed (optional) is called: free it
 * then (deferred).  A responder tunnel that is still IDLE after its first
 * l2tp_tunnel_input() returned -1 (e.g. a digest mismatch) may be freed too.
 *
 * Implementation: l2tp_tunnel.c (control connection FSM, RFC 3931 §7.2),
 * l2tp_session.c (incoming-call sessions, §7.3/§7.4), l2tp_ctrlmsg.c
 * (building, signing, acks, peek), l2tp_v3avp.c (the L2TPv3 AVP sets),
 * l2tp_rel.c (reliable delivery, §4.2).
 */
#ifndef L2PW_L2TP_TUNNEL_H
#define L2PW_L2TP_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

struct l2tp_tunnel;
struct l2tp_session;

enum l2tp_tunnel_state {
	L2TP_TUNNEL_IDLE,
	L2TP_TUNNEL_WAIT_CTL_REPLY, /* SCCRQ sent */
	L2TP_TUNNEL_WAIT_CTL_CONN,  /* SCCRP sent */
	L2TP_TUNNEL_ESTABLISHED,
	L2TP_TUNNEL_CLOSING, /* StopCCN sent or received, waiting out the last acks */
	L2TP_TUNNEL_CLOSED,
};

enum l2tp_session_state {
	L2TP_SESSION_IDLE,
	L2TP_SESSION_WAIT_TUNNEL, /* queued until the control connection is up */
	L2TP_SESSION_WAIT_REPLY,  /* ICRQ sent */
	L2TP_SESSION_WAIT_CONNECT, /* ICRP sent */
	L2TP_SESSION_ESTABLISHED,
	L2TP_SESSION_CLOSED,
};

enum l2tp_digest { L2TP_DIGEST_NONE, L2TP_DIGEST_MD5, L2TP_DIGEST_SHA1 };

struct l2tp_tunnel_params {
	uint8_t version;        /* 3 (2 later) */
	int initiator;          /* 1: we send SCCRQ on l2tp_tunnel_start() */
	char host_name[64];
	uint32_t router_id;     /* v3 Router ID AVP */
	const char *secret;     /* NULL or "": no control message authentication */
	enum l2tp_digest digest; /* v3 Message Digest algorithm when secret is set */
	uint32_t hello_interval_s; /* 0: no HELLO */
	uint16_t rwin;          /* our receive window (Receive Window Size AVP) */
	uint8_t max_retries;    /* give up after this many retransmissions of one message */
	uint32_t rto_initial_ms, rto_max_ms; /* capped exponential backoff */
	uint16_t pw_caps[4];    /* v3 Pseudowire Capabilities List */
	uint8_t n_pw_caps;
	uint64_t tie_breaker;   /* v3 Control Connection Tie Breaker we send; 0: random */
	uint32_t ack_delay_ms;  /* wait this long for a piggyback before a ZLB (default 200) */
};

/* Fill with defaults: v3, rwin 16, 10 retries, 1 s initial RTO, 8 s cap, HELLO 60 s. */
void l2tp_tunnel_params_default(struct l2tp_tunnel_params *p);

struct l2tp_session_params {
	uint32_t local_session_id;  /* chosen by the caller, unique in the daemon, != 0 */
	uint16_t pw_type;           /* L2TP_PWTYPE_ETH | L2TP_PWTYPE_ETH_VLAN */
	uint32_t remote_end_id;     /* Remote End ID (pw-id) */
	uint8_t cookie_len;         /* 0, 4 or 8: the cookie we expect to receive */
	uint8_t cookie[8];
	int l2spec_default;         /* offer the RFC 4719 default L2-Specific Sublayer */
	int data_seq;               /* require sequenced data */
	void *user;                 /* the caller's object, returned by l2tp_session_user() */
};

/* What was agreed, valid from session_up until session_down. */
struct l2tp_session_info {
	uint32_t local_session_id, peer_session_id;
	uint16_t pw_type;
	uint32_t remote_end_id;
	uint8_t cookie_len, peer_cookie_len;
	uint8_t cookie[8], peer_cookie[8];
	int l2spec_default; /* both directions use the default sublayer */
	int seq_tx;         /* we must send sequence numbers */
	int seq_rx;         /* the peer sends sequence numbers */
};

struct l2tp_tunnel_ops {
	/*
	 * A whole control message (from the flags word on) to send to the peer;
	 * over IP (proto 115) prepend the 4 zero octets of RFC 3931 §4.1.1.2, and
	 * strip them before l2tp_tunnel_input() / l2tp_ctrl_peek().
	 */
	void (*send)(void *ctx, const uint8_t *pkt, size_t len);
	/* The tunnel's one deadline; at_ms 0 disarms.  Call l2tp_tunnel_timeout() then. */
	void (*arm_timer)(void *ctx, uint64_t at_ms);
	void (*random)(void *ctx, void *out, size_t len);
	void (*log)(void *ctx, int level, const char *msg);
	void (*tunnel_up)(void *ctx, struct l2tp_tunnel *t);
	/* The control connection is gone (StopCCN either way, or retransmission give-up). */
	void (*tunnel_down)(void *ctx, struct l2tp_tunnel *t, const char *why);
	/*
	 * The peer asks for a session (ICRQ).  Fill *out (local_session_id included)
	 * and return 0 to accept; return -1 to refuse, with a short reason in why.
	 */
	int (*session_request)(void *ctx, struct l2tp_tunnel *t, uint32_t remote_end_id,
			       uint16_t pw_type, struct l2tp_session_params *out, const char **why);
	void (*session_up)(void *ctx, struct l2tp_session *s);
	void (*session_down)(void *ctx, struct l2tp_session *s, const char *why);
	/* Optional: the tunnel reached CLOSED and holds no more state; free it (deferred). */
	void (*tunnel_closed)(void *ctx, struct l2tp_tunnel *t);
};

struct l2tp_tunnel_stats {
	uint64_t ctrl_rx, ctrl_tx, retransmits, zlb_tx;
	uint64_t drop_malformed, drop_digest, drop_duplicate, drop_out_of_window;
	uint64_t drop_unknown_session, drop_bad_state;
	uint64_t drop_missing_avp;   /* a mandatory AVP absent: StopCCN/CDN sent */
	uint64_t unknown_mandatory;  /* unknown M=1 AVP (RFC 3931 §5.2): StopCCN/CDN sent */
};

struct l2tp_tunnel *l2tp_tunnel_new(const struct l2tp_tunnel_params *p, uint32_t local_tunnel_id,
				    const struct l2tp_tunnel_ops *ops, void *ctx);
void l2tp_tunnel_free(struct l2tp_tunnel *t);
/* Initiator: send SCCRQ.  A responder tunnel starts by being fed the peer's SCCRQ. */
void l2tp_tunnel_start(struct l2tp_tunnel *t, uint64_t now);
/* A control message for this tunnel.  Returns 0, or -1 when dropped (and counted). */
int l2tp_tunnel_input(struct l2tp_tunnel *t, const uint8_t *pkt, size_t len, uint64_t now);
void l2tp_tunnel_timeout(struct l2tp_tunnel *t, uint64_t now);
/* Send StopCCN (result code per RFC 3931 §5.4.2) and close sessions. */
void l2tp_tunnel_stop(struct l2tp_tunnel *t, uint16_t result, const char *msg, uint64_t now);

enum l2tp_tunnel_state l2tp_tunnel_state(const struct l2tp_tunnel *t);
uint32_t l2tp_tunnel_local_id(const struct l2tp_tunnel *t);
uint32_t l2tp_tunnel_peer_id(const struct l2tp_tunnel *t);
const char *l2tp_tunnel_peer_host_name(const struct l2tp_tunnel *t);
const struct l2tp_tunnel_stats *l2tp_tunnel_stats(const struct l2tp_tunnel *t);
const char *l2tp_tunnel_state_name(enum l2tp_tunnel_state s);

/*
 * Ask for a session (ICRQ); queued until the tunnel is established.
 * Returns the session, or NULL when out of memory or the tunnel is closing.
 */
struct l2tp_session *l2tp_session_open(struct l2tp_tunnel *t, const struct l2tp_session_params *p,
				       uint64_t now);
/*
 * Session collisions (both sides send an ICRQ for the same Remote End ID at
 * once): every ICRQ we send carries a random Tie Breaker AVP (attribute 5,
 * M=0, as freeRtr sends it); the lower value wins, as for control
 * connections (RFC 3931 §5.4.3), an ICRQ without one loses, and equal values
 * fall back to the higher Router ID (then the higher Local Session ID).
 * The winner answers the loser's ICRQ with CDN result 13 ("lost tie
 * breaker"); the loser accepts the winner's ICRQ (session_request is called)
 * and its own session goes down with that CDN.
 *
 * Remote End ID: we send the pw-id as 4 binary octets; we accept 4 binary
 * octets or the decimal digits (freeRtr sends "1234").
 */
/* Send CDN and forget the session (session_down is called). */
void l2tp_session_close(struct l2tp_session *s, uint16_t result, const char *msg, uint64_t now);
enum l2tp_session_state l2tp_session_state(const struct l2tp_session *s);
const struct l2tp_session_info *l2tp_session_info(const struct l2tp_session *s);
void *l2tp_session_user(const struct l2tp_session *s);
struct l2tp_tunnel *l2tp_session_tunnel(const struct l2tp_session *s);
const char *l2tp_session_state_name(enum l2tp_session_state s);

/*
 * Demultiplexing before a tunnel exists: what a control message says about
 * itself.  Returns 0 and fills *out, or -1 for a packet that is not a
 * well-formed control message.
 */
struct l2tp_ctrl_peek {
	uint8_t version;
	uint32_t conn_id;   /* the header's (destination) tunnel / control connection id */
	uint16_t msg_type;  /* 0 for a ZLB */
	uint32_t assigned_id; /* the sender's Assigned (Control Connection / Tunnel) ID, 0 if absent */
	int has_tie_breaker;
	uint64_t tie_breaker;
};
int l2tp_ctrl_peek(const uint8_t *pkt, size_t len, struct l2tp_ctrl_peek *out);

/*
 * Control connection tie breaking (RFC 3931 §5.4.3, RFC 2661 §4.4.3): an
 * SCCRQ (theirs, conn_id 0) arrived from the peer of a tunnel of ours.  The
 * daemon calls this for each tunnel it has with that peer address before
 * creating a responder tunnel for it (this also catches retransmitted
 * SCCRQs of a connection that already exists):
 *  NONE        no tie (mine is not waiting for an SCCRP): handle theirs as a new
 *              control connection, as usual;
 *  KEEP_MINE   drop their SCCRQ (our Tie Breaker is lower, or only we sent one,
 *              or it is a retransmission of the SCCRQ of the connection we have);
 *  KEEP_THEIRS mine lost: it discarded its own SCCRQ without a StopCCN and is
 *              now a responder in IDLE, keeping its local id and its waiting
 *              sessions: feed their SCCRQ to it with l2tp_tunnel_input();
 *  RESTART     equal values: mine sent a new SCCRQ with a new random Tie
 *              Breaker; drop theirs (the peer does the same).
 * We always send a Tie Breaker (params.tie_breaker, or random when 0).
 */
enum l2tp_tie {
	L2TP_TIE_NONE,
	L2TP_TIE_KEEP_MINE,
	L2TP_TIE_KEEP_THEIRS,
	L2TP_TIE_RESTART,
};
enum l2tp_tie l2tp_tunnel_tie_break(struct l2tp_tunnel *mine, const struct l2tp_ctrl_peek *theirs,
				    uint64_t now);

#endif
