/*
 * L2TPv2 + PPP + BCP in the site: the RouterOS l2tp-client / l2tp-server
 * model (RFC 2661, RFC 1661, RFC 3518).  Private to pwd/site*.c,
 * pwd/ppp_session.c, pwd/l2tp_client.c and pwd/l2tp_server.c.
 *
 *   struct v2_tunnel    one L2TPv2 control connection (engine + timers),
 *                       found by its 16-bit local tunnel id in one hash;
 *   struct ppp_session  one call on it: the PPP engine, the TAP port that
 *                       appears once BCP is Opened, the data header, the
 *                       counters; found by (tunnel id, session id) in one
 *                       hash for data packets;
 *   struct l2tp_client  an l2tp-client section: one tunnel, one session,
 *                       reconnect with backoff;
 *   struct l2tp_server  the l2tp-server section: accepts tunnels (LNS).
 *
 * L2TPv2 shares the UDP socket with L2TPv3 (transport.c tells them apart by
 * the version nibble of the first word, RFC 2661 §3.1 / RFC 3931 §4.1.2.1).
 *
 * Ownership: the site owns clients, the server, every v2 tunnel (site->v2
 * list) and every ppp_session (its tunnel's list).  Nothing is freed inside
 * an engine callback: a session that must go is marked dead and freed from
 * its work_timer; a tunnel from its reap_timer.
 */
#ifndef L2PW_SITE_V2_H
#define L2PW_SITE_V2_H

#include <stdint.h>
#include <sys/socket.h>

#include "cfg.h"
#include "evloop.h"
#include "port.h"
#include "ppp_fast.h"
#include "pw_fast.h"

struct l2tp_session;
struct l2tp_tunnel;
struct ppp;
struct site;
struct status_iface;
struct transport;
struct buf;

#define V2_HASH_SIZE	    256
#define V2_RECONNECT_MIN_MS 2000
#define V2_RECONNECT_MAX_MS 60000
#define V2_FRAME_MAX	    2048 /* TAP MTU 1500 + Ethernet header + tags, with room */
#define V2_TAP_BATCH	    32	 /* frames read from a TAP per wakeup */
#define V2_BRIDGE_RETRY_MS  3000

struct l2tp_client;

struct v2_tunnel {
	struct v2_tunnel *next;	     /* site list */
	struct v2_tunnel *hash_next; /* by local_id */
	struct site *site;
	struct l2tp_tunnel *eng;
	struct ev_timer eng_timer;
	struct ev_timer reap_timer;
	struct transport *tr; /* a reference */
	uint16_t local_id;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_text[64];
	struct l2tp_client *client; /* NULL: an l2tp-server tunnel (or a client's, stopped) */
	int is_client;		    /* stays set after the client lets go */
	char who[96];
	char last_msg[160];
	    /* the engine's last log line: why a first SCCRQ was refused */ /* log prefix:
									       "l2tp-client NAME" /
									       "l2tp-server: tunnel
									       from ADDR" */
	int up, down, closed, stopped;
	struct ppp_session *sessions;
};

/* Drop reasons of a PPP session's data path (status "drops"). */
enum ppp_session_drop {
	PS_DROP_NOT_BRIDGING, /* frame from the LAN before BCP opened / after it closed */
	PS_DROP_TOO_BIG,      /* frame from the LAN over the peer's MRU (no Multilink) */
	PS_DROP_TAP_FULL,     /* the TAP refused a frame from the WAN */
	PS_DROP_SEND_FAILED,  /* the socket refused a packet */
	PS_DROP_PPP,	      /* the PPP engine dropped the frame (see ppp stats) */
	PS_DROP_MAX
};

struct ppp_session {
	struct ppp_session *next;      /* tunnel's list */
	struct ppp_session *hash_next; /* site data hash, while the call is up */
	struct site *site;
	struct v2_tunnel *tun;
	struct l2tp_session *ls; /* NULL once the L2TP call is gone */
	uint16_t sid, peer_sid;
	int seq_tx;
	uint16_t ns;
	int server;
	struct l2tp_client *client; /* client role */
	struct ppp *ppp;
	struct ev_timer ppp_timer;
	struct ev_timer work_timer; /* deferred close and free */
	int dead, hashed, ppp_started;
	char why[96];
	char auth_fail[64]; /* server: what the secret lookup said ("" = found) */

	/* the port */
	char ifname[CFG_IFNAME_MAX];
	char bridge[CFG_IFNAME_MAX];
	char user[64];
	struct port port; /* port.h: TAP, or veth in xdp mode; open while BCP is up */
	struct ev_io port_io;
	int bridged, bridge_ifindex;
	struct ev_timer bridge_timer;
	int up;
	uint64_t created, up_since, last_frame;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_errors;
	uint64_t drops[PS_DROP_MAX];
	uint8_t frame[V2_FRAME_MAX];

	/* the fast path (ppp_fast.c); rx/tx_packets above include what it carried */
	struct pw_fast_ref fast;	 /* slot -1: not in it */
	int fast_want;			 /* fast_key describes a session that can be in it */
	struct ppp_fast_key fast_key;	 /* what the installed entries were built from */
	char fast_why[64];		 /* why not (logged once per reason) */
	uint64_t fast_rx_packets, fast_tx_packets; /* earlier stints, for status */
	uint64_t fast_rx_seen;		 /* its rx_packets at the last keepalive look */
};

struct l2tp_client {
	struct l2tp_client *next;
	struct site *site;
	const struct cfg_l2tp_client *cfg; /* the site's current config */
	char title[CFG_NAME_MAX];
	char ifname[CFG_IFNAME_MAX];
	struct v2_tunnel *tun;
	struct ppp_session *ps;
	struct ev_timer reconnect_timer;
	struct ev_timer drop_timer; /* deferred teardown after a drop */
	uint32_t backoff_ms;
	char status[48];
	char last_error[96];
	/* counters of sessions that are gone, so status keeps counting */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_errors;
	uint64_t drops[PS_DROP_MAX];
	uint64_t fast_rx_packets, fast_tx_packets;
};

struct l2tp_server {
	const struct cfg_l2tp_server *cfg;
	struct transport *tr; /* NULL while disabled or the socket failed */
	uint64_t refused_calls;
};

/* site_v2.c: tunnels, hashes, demultiplexing */
struct v2_tunnel *v2_tunnel_new(struct site *s, struct transport *tr, const struct sockaddr *peer,
				socklen_t peer_len, struct l2tp_client *client);
/* StopCCN (if live); the tunnel is reaped once closed.  NULL accepted. */
void v2_tunnel_stop(struct v2_tunnel *t, const char *why);
void v2_hash_add(struct site *s, struct ppp_session *ps);
void v2_hash_del(struct site *s, struct ppp_session *ps);
void site_v2_input(struct site *s, struct transport *tr, const struct sockaddr *from,
		   socklen_t fromlen, const uint8_t *pkt, size_t len);
void site_v2_start(struct site *s);
void site_v2_reload(struct site *s, struct cfg *old, struct cfg *c);
size_t site_v2_stop_all(struct site *s);
size_t site_v2_live_tunnels(const struct site *s);
void site_v2_free_all(struct site *s);
size_t site_v2_status_count(struct site *s);
int site_v2_status_get(struct site *s, size_t i, struct status_iface *out);

/* ppp_session.c */
struct ppp_session *ppp_session_new(struct v2_tunnel *t, uint16_t sid, int server,
				    struct l2tp_client *client);
/* The L2TP call is established: start PPP. */
void ppp_session_call_up(struct ppp_session *ps, struct l2tp_session *ls);
/* The L2TP call is gone (engine callback): PPP down, freed later. */
void ppp_session_call_down(struct ppp_session *ps, const char *why);
/* Close (CDN) and free later, from outside or inside callbacks. */
void ppp_session_kill(struct ppp_session *ps, const char *why);
/* Free now: only outside engine callbacks (work timer, site_free). */
void ppp_session_free(struct ppp_session *ps);
void ppp_session_input(struct ppp_session *ps, const struct buf *payload);
void ppp_session_status(const struct ppp_session *ps, struct status_iface *o);
const char *ppp_session_drop_name(enum ppp_session_drop d);
/* "l2tp-USER", "l2tp-USER-2", ...: unique among the site's interfaces. */
void ppp_session_dynamic_name(struct site *s, const char *user, char *out, size_t cap);

/* l2tp_client.c */
void l2tp_client_start(struct site *s, const struct cfg_l2tp_client *c);
void l2tp_client_free(struct l2tp_client *cl);
/* use-ipsec: an SA came or went; clients waiting for theirs connect now. */
void site_v2_ipsec_changed(struct site *s);
/* Something under the client went down (tunnel, call, PPP): tear down, reconnect. */
void l2tp_client_dropped(struct l2tp_client *cl, const char *why);
void l2tp_client_connected(struct l2tp_client *cl);
void l2tp_client_status(const struct l2tp_client *cl, struct status_iface *o);
void l2tp_client_add_counters(struct l2tp_client *cl, const struct ppp_session *ps);

/* l2tp_server.c */
void l2tp_server_start(struct site *s);
void l2tp_server_stop(struct site *s);
/* The ppp-secret for user, or NULL with *why ("unknown user", "user disabled", ...). */
const struct cfg_ppp_secret *l2tp_server_secret(struct site *s, const char *user, const char **why);
/* A server session authenticated: profile, interface name, duplicate users. */
int l2tp_server_session_up(struct ppp_session *ps);
void l2tp_server_reload_sessions(struct site *s, const struct cfg *old);
int l2tp_server_call_request(struct v2_tunnel *t, uint16_t *sid, struct ppp_session **out,
			     const char **why);

#endif
