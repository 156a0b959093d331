/*
 * The status socket: a Unix stream socket (mode 0660) speaking
 * newline-delimited JSON.  Requests: {"cmd":"status"} and
 * {"cmd":"monitor","name":"IFACE"}; each answer is one JSON document on one
 * line.  The daemon describes its interfaces through a provider, so this module
 * knows nothing of tunnels or sessions.  The key set is the status JSON
 * contract of DESIGN.md.
 */
#ifndef L2PW_STATUS_H
#define L2PW_STATUS_H

#include <stddef.h>
#include <stdint.h>

struct evloop;

/* One row: a pseudowire or a PPP session.  Strings are NUL-terminated, "" when n/a. */
struct status_iface {
	char name[16];
	char kind[16];      /* "l2tpv3" | "l2tp-client" | "l2tp-server" */
	char status[48];    /* "connected" | "connecting" | "disconnected" | "disabled" | reason */
	uint64_t uptime;    /* seconds in "connected", 0 otherwise */
	uint64_t idle_time; /* seconds since the last frame either way */
	char encoding[48];  /* "none", "MPPE128 stateless", ... */
	uint32_t mtu, mru, mrru;
	char local_address[64], remote_address[64]; /* underlay */
	uint32_t tunnel_id, peer_tunnel_id, session_id, peer_session_id;
	char user[64];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_errors, rx_dropped, tx_dropped;
	char fastpath[8]; /* "off" | "tc" | "xdp": what this row's frames take */
	/* The eBPF programs' part of rx_packets / tx_packets (0 when off). */
	uint64_t fastpath_rx_packets, fastpath_tx_packets;
	/* Beyond the contract: shown by `monitor` and in JSON as extra keys. */
	char mode[16];       /* "static" | "dynamic" | "" */
	char encap[8];       /* "udp" | "ip" */
	uint32_t cookie_length;
	char l2_sublayer[16]; /* "none" | "default" */
	char pw_type[16];     /* "ethernet" | "ethernet-vlan" */
	uint32_t pw_id;
	char bridge[16];
	/* Drop reasons (named counters), e.g. {"bad-cookie", 3}.  Unused slots: name "". */
	struct {
		char name[24];
		uint64_t count;
	} drops[12];
	char last_error[96]; /* why it is down or was refused last, "" if nothing */
	/* use-ipsec (contract-s2.md): "off" | "connecting" | "installed" | a reason */
	char ipsec[96];
	char ipsec_sa[192]; /* the SA as swanctl lists it, for monitor; "" when none */
	/* PPP Multilink reassembly (RFC 1990 §4.2); zeros unless MRRU was negotiated. */
	struct {
		uint64_t reassembled;    /* frames rebuilt from fragments */
		uint64_t lost_fragments; /* sequence numbers never seen */
		uint64_t discarded;      /* partial frames thrown away */
		uint64_t timeouts;       /* reassembly timer expiries */
	} multilink;
};

struct status_provider {
	void *ctx;
	const char *(*site_name)(void *ctx);
	size_t (*count)(void *ctx);
	/* Fill row i (0 <= i < count); return 0, or -1 if it vanished meanwhile. */
	int (*get)(void *ctx, size_t i, struct status_iface *out);
	/*
	 * Optional: site-level drop counter i (0, 1, ...) that no row can carry,
	 * e.g. {"not-ipsec", 3} for peers the l2tp-server refused; -1 past the
	 * last.  Shown as the document's top-level "drops" object.
	 */
	int (*site_drop)(void *ctx, size_t i, char *name, size_t namelen, uint64_t *count);
};

struct status_server;

/*
 * Listen on path (an existing stale socket is replaced; the parent directory
 * is created 0755 if missing).  Returns NULL with errno set on failure.
 */
struct status_server *status_server_new(struct evloop *l, const char *path,
					const struct status_provider *p);
/*
 * Close clients silent for ms milliseconds (default 5 minutes; 0 restores
 * it).  Applies from each client's next activity or from its connection.
 */
void status_server_set_idle_timeout(struct status_server *s, uint64_t ms);
/* Closes every client and unlinks the socket. */
void status_server_free(struct status_server *s);

#endif
