/*
 * What site.c and site_ctl.c share: the site object, the control connection
 * groups and tunnels.  Not for other modules.
 *
 * A group is the set of dynamic pseudowires with the same (remote, local,
 * encap, port, secret): they share one control connection (RFC 3931 §1.3:
 * many sessions per control connection).  A group normally has one tunnel;
 * while a restarted peer's fresh tunnel replaces a stale one it has two,
 * and sessions move to the newest as they come up.
 */
#ifndef L2PW_SITE_PRIV_H
#define L2PW_SITE_PRIV_H

#include <stdint.h>
#include <sys/socket.h>

#include "cfg.h"
#include "evloop.h"
#include "log.h"
#include "port.h"
#include "site_v2.h"
#include "status.h"

struct ipsec_site;
struct l2tp_tunnel;
struct netlink;
struct pw;
struct pw_fast;
struct transport;

#define SITE_HASH_SIZE		  256
#define SITE_RECONNECT_MIN_MS	  1000
#define SITE_RECONNECT_MAX_MS	  30000
#define SITE_SOCKET_RETRY_MS	  3000	/* a local address that is not there (yet) */
#define SITE_RESPONDER_OPEN_MS	  3000	/* responder opens sessions the initiator did not */
#define SITE_SESSION_RETRY_MS	  5000	/* re-ask for a session the peer closed or refused */
#define SITE_SESSION_RETRY_MAX_MS 60000 /* ... doubling while the peer keeps refusing */

struct site_tunnel {
	struct site_tunnel *next; /* group's list, newest first */
	struct site_group *group;
	struct l2tp_tunnel *eng;
	struct ev_timer eng_timer;  /* the engine's one deadline */
	struct ev_timer reap_timer; /* frees a closed tunnel outside engine callbacks */
	uint32_t local_id;
	int initiator, established;
	int down;    /* carries no sessions any more (tunnel_down, or given up) */
	int closed;  /* the engine holds no state: freed by reap_timer */
	int stopped; /* we sent StopCCN at shutdown: wait for its ack */
	uint64_t established_at;
	struct sockaddr_storage peer; /* with the port replies go to */
	socklen_t peer_len;
	char peer_text[64];
	uint64_t created;
};

struct site_group {
	struct site_group *next;
	struct site *site;
	struct transport *tr;
	struct sockaddr_storage remote; /* with the configured port */
	socklen_t remote_len;
	char remote_text[64];
	struct site_tunnel *tunnels;
	struct ev_timer connect_timer; /* reconnect with backoff */
	uint32_t backoff_ms;
	struct ev_timer sessions_timer; /* open missing sessions, retire stale ones */
	struct pw **pws;
	size_t n_pws;
	/* superseded sessions, closed from sessions_timer (never inside engine callbacks) */
	struct l2tp_session *stale[16];
	size_t n_stale;
};

struct site {
	struct evloop *loop;
	struct netlink *nl;
	struct cfg *cfg;
	struct pw *pws;
	struct pw *hash[SITE_HASH_SIZE]; /* up sessions by local session id */
	struct site_group *groups;
	struct status_provider provider;
	struct pw_fast *fast; /* NULL: userspace path only */
	uint32_t router_id;   /* RFC 3931 §5.4.3 Router ID: random per daemon run */
	/* static pseudowires' transports, parallel to nothing: owned per pw */
	uint64_t drop_unknown_session, drop_ctrl_malformed, drop_ctrl_unknown_tunnel;
	uint64_t refused_peers;
	struct log_ratelimit rl_unknown_session, rl_ctrl, rl_refused_peer, rl_refused_session;
	struct ev_timer retry_timer; /* pseudowires whose socket could not be opened */
	/* L2TPv2 + PPP (site_v2.h) */
	struct v2_tunnel *v2_tunnels;
	struct v2_tunnel *v2_thash[V2_HASH_SIZE];   /* by local tunnel id */
	struct ppp_session *v2_shash[V2_HASH_SIZE]; /* by (tunnel id, session id) */
	struct l2tp_client *clients;
	struct l2tp_server server;
	uint64_t v2_drop_malformed, v2_drop_unknown_tunnel, v2_drop_unknown_session;
	struct log_ratelimit rl_v2;
	struct ipsec_site *ipsec; /* use-ipsec (ipsec_site.h), NULL when no section asks */
	/* shutdown */
	int stopping;
	struct ev_timer stop_timer;
	void (*stop_done)(void *arg);
	void *stop_arg;
	/* TAP or veth ports (pw_fast_port_kind), and the alias marking our veths */
	struct port_env ports;
};

/* site.c */
extern const struct transport_ops site_transport_ops;
void site_random(void *out, size_t len);
/* An engine's syslog level folded into ours (error, warning, info, debug). */
int site_log_level(int level);
uint32_t site_alloc_session_id(struct site *s);
void site_hash_add(struct site *s, struct pw *p);
void site_hash_del(struct site *s, struct pw *p);
void site_check_stopped(struct site *s);

/* site_ctl.c: dynamic pseudowires; site_input.c: control input */
int site_ctl_add(struct site *s, struct pw *p, struct transport *tr);
void site_ctl_remove(struct site *s, struct pw *p);
void site_ctl_input(struct site *s, struct transport *tr, const struct sockaddr *from,
		    socklen_t fromlen, const uint8_t *pkt, size_t len);
/* StopCCN (result 4) to a stranger, sent once: no control connection exists. */
void site_refuse_ctrl(struct transport *tr, const struct sockaddr *from, socklen_t fromlen,
		      uint8_t version, uint32_t peer_conn_id, const char *why);
/* Shared by site_ctl.c and site_input.c. */
struct site_tunnel *site_ctl_find_tunnel(struct site *s, uint32_t local_id);
int site_group_has_live_tunnel(const struct site_group *g);
void site_group_schedule_connect(struct site_group *g);
/* The engine is done with t (or never got going): freed after this callback. */
void site_tunnel_kill(struct site_tunnel *t);
/* A tunnel (engine created, not started) added to g, newest first.  NULL: no memory. */
struct site_tunnel *site_tunnel_new(struct site_group *g, int initiator,
				    const struct sockaddr *peer, socklen_t peer_len);
/* StopCCN everywhere; returns the number of StopCCNs not yet acknowledged. */
size_t site_ctl_stop_all(struct site *s);
size_t site_ctl_live_tunnels(const struct site *s);
void site_ctl_free_all(struct site *s);

#endif
