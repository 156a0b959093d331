/*
 * The L2TP control connection and its sessions, as a pure engine: no sockets,
 * no clock, no randomness of its own.  The caller feeds control packets and
 * time, and the engine answers through the ops table it was created with.
 * The same engine serves L2TPv3 (RFC 3931) and L2TPv2 (RFC 2661): reliable
 * delivery, the tunnel and session state machines and their logging are
 * shared; the version-specific parts are the AVP sets (l2tp_v3avp.c,
 * l2tp_v2avp.c), authentication and the session parameters.
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
 * l2tp_v2avp.c (the L2TPv2 AVP sets, tunnel authentication, AVP hiding),
 * l2tp_rel.c (reliable delivery, §4.2).
 *
 * L2TPv2 (version 2) in short:
 *  - tunnel and session ids are 16 bits (l2tp_tunnel_new() and
 *    l2tp_session_open() refuse larger ones); the header carries the
 *    peer's tunnel id and, in session messages, the peer's session id;
 *  - params.secret is the tunnel secret: with it we send a Challenge
 *    (SCCRQ or SCCRP) and require the right Challenge Response (SCCRP or
 *    SCCCN), and answer the peer's Challenge (RFC 2661 §4.2, §5.1.1).  A
 *    wrong or missing response, or a Challenge while we have no secret,
 *    clears the tunnel with StopCCN result 4 and a log line "tunnel
 *    authentication failed: ...";
 *  - params.hide_avps (with a secret) hides the AVPs RFC 2661 §4.3 lets us
 *    hide and nobody needs for demultiplexing (see l2tp_v2avp.c); hidden
 *    AVPs from the peer are always decoded (with the secret);
 *  - sessions are incoming calls: the LAC (l2tp-client) calls
 *    l2tp_session_open() with params.v2 (ICRQ, then ICCN); the LNS
 *    (l2tp-server) is asked through ops->call_request (ICRQ, answered by
 *    ICRP) and gets session_up on ICCN, with what the LAC said in
 *    info.v2 / info.v2_proxy: the PPP engine takes over from there.
 *    Outgoing calls (OCRQ) are refused with a CDN, in both versions.
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
	L2TP_SESSION_WAIT_TUNNEL,  /* queued until the control connection is up */
	L2TP_SESSION_WAIT_REPLY,   /* ICRQ sent */
	L2TP_SESSION_WAIT_CONNECT, /* ICRP sent */
	L2TP_SESSION_ESTABLISHED,
	L2TP_SESSION_CLOSED,
};

enum l2tp_digest { L2TP_DIGEST_NONE, L2TP_DIGEST_MD5, L2TP_DIGEST_SHA1 };

/* Framing Capabilities / Framing Type bits, RFC 2661 §4.4.3 and §4.4.4. */
#define L2TP_FRAMING_SYNC  0x00000001
#define L2TP_FRAMING_ASYNC 0x00000002

struct l2tp_tunnel_params {
	uint8_t version; /* 3 or 2 */
	int initiator;	 /* 1: we send SCCRQ on l2tp_tunnel_start() */
	char host_name[64];
	uint32_t router_id;	   /* v3 Router ID AVP */
	const char *secret;	   /* NULL or "": no control message authentication (v3) /
				      no tunnel authentication (v2); copied */
	enum l2tp_digest digest;   /* v3 Message Digest algorithm when secret is set */
	uint32_t hello_interval_s; /* 0: no HELLO */
	uint16_t rwin;		   /* our receive window (Receive Window Size AVP) */
	uint8_t max_retries;	   /* give up after this many retransmissions of one message */
	uint32_t rto_initial_ms, rto_max_ms; /* capped exponential backoff */
	uint16_t pw_caps[4];		     /* v3 Pseudowire Capabilities List */
	uint8_t n_pw_caps;
	uint64_t tie_breaker;  /* Tie Breaker we send in SCCRQ (v3 and v2); 0: random */
	uint32_t ack_delay_ms; /* wait this long for a piggyback before a ZLB (default 200) */
	/* L2TPv2 only: */
	int hide_avps;	       /* hide AVPs (RFC 2661 §4.3); only with a secret */
	uint32_t framing_caps; /* Framing Capabilities AVP (default sync | async) */
	uint32_t bearer_caps;  /* Bearer Capabilities AVP; 0: not sent */
	uint16_t firmware_rev; /* Firmware Revision AVP; 0: not sent */
};

/*
 * Fill with defaults: v3, rwin 16, 10 retries, 1 s initial RTO, 8 s cap,
 * HELLO 60 s, v2 framing capabilities sync | async.
 */
void l2tp_tunnel_params_default(struct l2tp_tunnel_params *p);

/*
 * An L2TPv2 incoming call (RFC 2661 §4.4.4): what the LAC says in ICRQ and
 * ICCN.  Strings are NUL-terminated ("" when absent; non-printable octets of
 * received values become '?').
 */
struct l2tp_v2_call {
	uint32_t serial;       /* Call Serial Number; 0 when sending: the engine picks one */
	uint32_t bearer_type;  /* Bearer Type; 0: absent / not sent */
	uint32_t framing_type; /* Framing Type (ICCN); 0 when sending: L2TP_FRAMING_SYNC */
	uint32_t tx_speed;     /* (Tx) Connect Speed in bit/s (ICCN) */
	uint32_t rx_speed;     /* Rx Connect Speed; 0: absent / not sent */
	int seq_required;      /* Sequencing Required (ICCN): data must carry Ns/Nr */
	char calling[64];      /* Calling Number */
	char called[64];       /* Called Number */
	char sub_address[64];  /* Sub-Address */
};

/*
 * Proxy LCP and authentication AVPs of an ICCN (RFC 2661 §4.4.5), exposed
 * as received and never required.  A value longer than its field is left
 * out (length 0).
 */
struct l2tp_v2_proxy {
	uint16_t auth_type;  /* Proxy Authen Type; 0: absent */
	uint16_t auth_id;    /* Proxy Authen ID (the PPP Identifier in the low octet) */
	char auth_name[128]; /* Proxy Authen Name */
	uint8_t auth_challenge[64], auth_response[64];
	uint16_t auth_challenge_len, auth_response_len;
	/* Initial Received, Last Sent and Last Received LCP CONFREQ (options only). */
	uint8_t lcp_init_rcvd[256], lcp_last_sent[256], lcp_last_rcvd[256];
	uint16_t lcp_init_rcvd_len, lcp_last_sent_len, lcp_last_rcvd_len;
};

/* v3 fields (pw_type .. data_seq) are ignored by v2 sessions, and v2 by v3. */
struct l2tp_session_params {
	uint32_t local_session_id; /* chosen by the caller, unique in the daemon, != 0 */
	uint16_t pw_type;	   /* L2TP_PWTYPE_ETH | L2TP_PWTYPE_ETH_VLAN */
	uint32_t remote_end_id;	   /* Remote End ID (pw-id) */
	uint8_t cookie_len;	   /* 0, 4 or 8: the cookie we expect to receive */
	uint8_t cookie[8];
	int l2spec_default;	/* offer the RFC 4719 default L2-Specific Sublayer */
	int data_seq;		/* require sequenced data */
	void *user;		/* the caller's object, returned by l2tp_session_user() */
	struct l2tp_v2_call v2; /* v2 LAC: what our ICRQ and ICCN say */
};

/* What was agreed, valid from session_up until session_down. */
struct l2tp_session_info {
	uint32_t local_session_id, peer_session_id;
	uint16_t pw_type;
	uint32_t remote_end_id;
	uint8_t cookie_len, peer_cookie_len;
	uint8_t cookie[8], peer_cookie[8];
	int l2spec_default; /* both directions use the default sublayer */
	int seq_tx;	    /* we must send sequence numbers */
	int seq_rx;	    /* the peer sends sequence numbers */
	uint8_t version;    /* 2 or 3 */
	/*
	 * v2: the call, as the LAC described it: on the LNS what the peer's
	 * ICRQ and ICCN said, on the LAC what ours said (serial filled in).
	 * seq_tx / seq_rx above follow v2.seq_required.
	 */
	struct l2tp_v2_call v2;
	struct l2tp_v2_proxy v2_proxy; /* v2 LNS: the ICCN's proxy AVPs */
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
	 * v2 uses call_request below when set.
	 */
	int (*session_request)(void *ctx, struct l2tp_tunnel *t, uint32_t remote_end_id,
			       uint16_t pw_type, struct l2tp_session_params *out, const char **why);
	void (*session_up)(void *ctx, struct l2tp_session *s);
	void (*session_down)(void *ctx, struct l2tp_session *s, const char *why);
	/* Optional: the tunnel reached CLOSED and holds no more state; free it (deferred). */
	void (*tunnel_closed)(void *ctx, struct l2tp_tunnel *t);
	/*
	 * L2TPv2: the peer (a LAC) places an incoming call (ICRQ); call holds
	 * what the ICRQ says (serial, bearer type, numbers).  Fill *out
	 * (local_session_id <= 0xffff, unique in the tunnel; user) and return 0
	 * to accept (ICRP; session_up follows on ICCN), or -1 to refuse (CDN
	 * result 6 with why).  Optional: when NULL, v2 ICRQs go to
	 * session_request with remote_end_id 0 and pw_type L2TP_PWTYPE_PPP.
	 */
	int (*call_request)(void *ctx, struct l2tp_tunnel *t, const struct l2tp_v2_call *call,
			    struct l2tp_session_params *out, const char **why);
};

struct l2tp_tunnel_stats {
	uint64_t ctrl_rx, ctrl_tx, retransmits, zlb_tx;
	uint64_t drop_malformed, drop_digest, drop_duplicate, drop_out_of_window;
	uint64_t drop_unknown_session, drop_bad_state;
	uint64_t drop_missing_avp;  /* a mandatory AVP absent: StopCCN/CDN sent */
	uint64_t unknown_mandatory; /* unknown M=1 AVP (RFC 3931 §5.2): StopCCN/CDN sent */
	uint64_t auth_failed;	    /* v2 tunnel authentication failed: StopCCN sent */
	uint64_t refused_calls;	    /* ICRQ / OCRQ answered with a CDN */
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
uint8_t l2tp_tunnel_version(const struct l2tp_tunnel *t);
const char *l2tp_tunnel_peer_host_name(const struct l2tp_tunnel *t);
const struct l2tp_tunnel_stats *l2tp_tunnel_stats(const struct l2tp_tunnel *t);
const char *l2tp_tunnel_state_name(enum l2tp_tunnel_state s);

/*
 * Ask for a session (ICRQ); queued until the tunnel is established.
 * Returns the session, or NULL when out of memory, the tunnel is closing,
 * or the parameters are bad (local id 0, taken, or > 0xffff in v2).
 * session_up comes when it is established: v3 on ICRP, v2 (LAC) once the
 * ICRP arrived and our ICCN is sent.
 */
struct l2tp_session *l2tp_session_open(struct l2tp_tunnel *t, const struct l2tp_session_params *p,
				       uint64_t now);
/*
 * v3 session collisions (v2 calls have no Remote End ID and never collide):
 * both sides send an ICRQ for the same Remote End ID at
 * once.  Every ICRQ we send carries a random Tie Breaker AVP (attribute 5,
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
	uint32_t conn_id;     /* the header's (destination) tunnel / control connection id */
	uint16_t session_id;  /* v2: the header's (destination) session id; 0 for v3 */
	uint16_t msg_type;    /* 0 for a ZLB */
	uint32_t assigned_id; /* the sender's Assigned (Control Connection / Tunnel) ID, 0 if absent
				 or hidden (the peek has no secret; we never hide it) */
	int has_tie_breaker;
	uint64_t tie_breaker;
};
int l2tp_ctrl_peek(const uint8_t *pkt, size_t len, struct l2tp_ctrl_peek *out);

/*
 * Control connection tie breaking (RFC 3931 §5.4.3, RFC 2661 §4.4.3, same
 * 8-octet Tie Breaker and lower-wins rule in both versions): an
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
