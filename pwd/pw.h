/*
 * One pseudowire: its TAP port on the bridge, its data session (the
 * encapsulation template, the receive checks) and its counters.  The site
 * creates pseudowires from the config and drives them:
 *
 *   pw_new()        port created (port.h: a TAP, or a veth pair in xdp
 *                   mode), bridge attach tried (retried every
 *                   PW_BRIDGE_RETRY_MS while the bridge is missing, and
 *                   re-checked as often while attached);
 *   pw_data_up()    a session is established (static: at once; dynamic: on
 *                   session_up): frames flow both ways, carrier on;
 *   pw_data_down()  frames from the LAN are dropped (tx_dropped), carrier off;
 *   pw_free()       port closed, which removes it.
 *
 * The frame path never allocates: every buffer is part of struct pw.
 *
 * Ownership: the site owns pseudowires.  The transport given to pw_data_up()
 * is borrowed: its owner calls pw_data_down() before releasing it.  Timers
 * owned: bridge retry.
 */
#ifndef L2PW_PW_H
#define L2PW_PW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "cfg.h"
#include "evloop.h"
#include "l2tp_data.h"
#include "port.h"
#include "pw_fast.h"

struct buf;
struct mmsghdr;
struct netlink;
struct status_iface;
struct transport;
struct l2tp_session;
struct site_group;
struct pw_fast;
struct site_tunnel;

#define PW_BATCH	   32	/* frames read from the TAP per wakeup round */
#define PW_FRAME_MAX	   2048 /* TAP MTU 1500 + Ethernet header + tags, with room */
#define PW_BRIDGE_RETRY_MS 3000

/* Drop reasons of our own, beside the codec's (enum l2tp_data_drop); shown in status. */
enum pw_drop {
	PW_DROP_SESSION_DOWN, /* frame from the LAN while the session is down */
	PW_DROP_TAP_FULL,     /* the TAP queue refused a frame from the WAN */
	PW_DROP_SEND_FAILED,
	PW_DROP_NO_PORT, /* the TAP could not be created (yet) */
	PW_DROP_MAX
};

/* What the data plane needs of an established session. */
struct pw_session_params {
	uint32_t local_session_id, peer_session_id;
	uint32_t tunnel_id, peer_tunnel_id;   /* for status only */
	uint8_t tx_cookie_len, rx_cookie_len; /* 0, 4 or 8 */
	uint8_t tx_cookie[8], rx_cookie[8];   /* what we send / what we require */
	int l2spec_default;		      /* RFC 4719 §3 default sublayer both ways */
	int seq_tx, seq_rx;
	struct transport *transport;  /* not referenced: outlives the session */
	struct sockaddr_storage peer; /* with port for UDP */
	socklen_t peer_len;
};

struct pw_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_errors, rx_dropped, tx_dropped;
	uint64_t fast_rx_packets, fast_tx_packets; /* of the above, the fast path's */
	uint64_t drops[PW_DROP_MAX];
	uint64_t rx_drops[L2TP_DATA_DROP_COUNT]; /* decap reasons */
};

struct pw {
	struct pw *next;      /* site's list */
	struct pw *hash_next; /* site's session-id hash, while up */
	struct evloop *loop;
	struct netlink *nl;
	const struct cfg_pseudowire *cfg; /* owned by the site's current config */
	char title[CFG_NAME_MAX];

	/* port and bridge */
	const struct port_env *penv; /* the site's */
	struct port port;
	struct ev_io port_io;
	char ifname[CFG_IFNAME_MAX];
	char bridge[CFG_IFNAME_MAX];
	int bridged, bridge_ifindex;
	struct ev_timer bridge_timer;

	/* data session */
	int up;
	struct pw_session_params sp;
	struct l2tp_data_tx tx; /* the header template */
	struct l2tp_data_rx rx; /* the receive checks */
	enum l2tp_encap encap;

	/* the site's: static transport reference; dynamic control objects */
	struct transport *own_tr;
	struct pw_fast *fast; /* the site's fast path, NULL when off (borrowed) */
	struct pw_fast_ref fast_ref; /* its entries while in the fast path (slot -1: not) */
	int wan_pending;      /* its socket could not be opened yet: the site retries */
	struct site_group *group;
	struct l2tp_session *session; /* the established session, NULL when none */
	struct site_tunnel *tunnel;   /* its tunnel */
	struct l2tp_session *opening; /* our ICRQ waiting for an answer */
	struct site_tunnel *opening_tunnel;
	uint64_t retry_at; /* don't ask again before (peer refused or closed it) */
	uint32_t retry_ms; /* backoff after refusals */

	/* status */
	char status[48];
	char last_error[96];
	uint64_t up_since, last_frame;
	struct pw_stats st;

	/* frame batch buffers */
	uint8_t frames[PW_BATCH][PW_FRAME_MAX];
	uint8_t hdrs[PW_BATCH][L2TP_DATA_HDR_MAX];
	struct iovec iov[PW_BATCH][2];
	struct iovec rx_iov[PW_BATCH]; /* port_recv() into frames[] */
	size_t rx_len[PW_BATCH];
	struct mmsghdr *msgs; /* PW_BATCH of them */
};

/*
 * Create the port (env: the site's, outlives p) and try the bridge.  NULL
 * only when out of memory: a port that cannot be created yet is retried
 * (status says why).  A disabled pseudowire gets no port: it exists for
 * status only.
 */
struct pw *pw_new(struct evloop *l, const struct port_env *env, const struct cfg_pseudowire *c,
		  const char *bridge, char *err, size_t errlen);
/* Data down (if up), port closed (removed), freed.  NULL accepted. */
void pw_free(struct pw *p);

/* -1 (logged) when the codec refuses the parameters. */
int pw_data_up(struct pw *p, const struct pw_session_params *sp);
void pw_data_down(struct pw *p, const char *why);
/* A data packet of this pw's session from the WAN (the whole L2TP packet). */
void pw_rx(struct pw *p, const struct buf *pkt);
/* The status line while not connected ("connecting", "bridge br0 missing", ...). */
void pw_set_status(struct pw *p, const char *status);
const char *pw_bridge_name(const struct pw *p);
void pw_status_row(const struct pw *p, struct status_iface *out);

#endif
