/*
 * PPP sessions (L2TPv2 + PPP + BCP, site_v2.h) in the eBPF fast path
 * (pw_fast.h).
 *
 * The wire format of what we send on a call is decided in one place,
 * ppp_wire_header(): the slow path (ppp_session.c) prepends it to every PPP
 * packet, and the fast path's TX template is the same header for protocol
 * 0x0031 followed by the BCP header bcp_frame_encode() writes for a plain
 * frame ("00 01"), so the peer cannot tell which path a frame took.
 *
 * When a session is in the fast path (ppp_fast_sync() decides, after every
 * event that may change the link):
 *   - its PPP link is ready (BCP Opened, CCP settled) and its TAP exists;
 *   - no MPPE in either direction: the daemon encrypts and decrypts, and a
 *     plaintext 0x0031 frame must be refused once MPPE is on for us;
 *   - no Multilink negotiated in either direction (MRRU): TX needs MP
 *     fragments and sequence numbers, and a plain frame taking the fast path
 *     on RX could overtake the fragmented frame before it in the daemon's
 *     reassembly, so the whole session stays on the slow path ("off");
 *   - no LAN FCS in bridged frames (BCP), which the programs don't compute.
 * Frames the programs leave alone (LCP, BCP, CCP, other protocols, non-IP
 * frames, frames over the peer's MRU or the WAN MTU) take the slow path as
 * before.  A session leaves the fast path when any of that stops being true
 * (LCP or BCP renegotiated or down, CCP turns MPPE on, CDN, tunnel loss,
 * the TAP goes, the peer's port changes) and is put back with a fresh
 * template when it holds again.  Sequencing (the LAC asked for it, RFC 2661
 * §5.4 ICCN Sequencing Required): fast and slow path take Ns from one
 * shared counter.
 *
 * Ownership: nothing allocated; state lives in struct ppp_session.
 */
#ifndef L2PW_PPP_FAST_H
#define L2PW_PPP_FAST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ppp_session;
struct pw_fast_desc;
struct status_iface;
struct wbuf;

/* How our PPP packets go on one call (RFC 2661 §3.1, RFC 1661 §6.5/6.6). */
struct ppp_wire {
	uint16_t peer_tunnel_id, peer_session_id;
	int seq;  /* Ns/Nr present */
	int acfc; /* the peer asked for Address-and-Control-Field-Compression */
	int pfc;  /* the peer asked for Protocol-Field-Compression */
};

/* Everything a session's template and RX entry are built from (ppp_fast_sync()). */
struct ppp_fast_key {
	struct ppp_wire wire;
	uint16_t mru;	 /* the peer's: no Information field above it (RFC 1661 §6.1) */
	int bcp_ind;	 /* BCP Bridge-Control-Packet-Indicator (B flag on BPDUs) */
	int ifindex;	 /* the bridge port (TC egress) */
	int rx_ifindex;	 /* where decapsulated frames go (port_rx_ifindex()) */
	uint16_t tunnel_id, session_id; /* ours */
	uint16_t local_port;		/* our UDP port */
	struct sockaddr_storage peer;	/* with its port */
	socklen_t peer_len;
};

/*
 * Append the L2TPv2 data header (Ns = ns when sequencing, Nr 0), the
 * address/control bytes FF 03 (left out under ACFC, except on LCP packets,
 * RFC 1661 §6.6) and the protocol (one byte under PFC when it fits, §6.5)
 * for info_len bytes of Information.  0, or -1 when w is too small.
 */
int ppp_wire_header(struct wbuf *w, const struct ppp_wire *pw, uint16_t ns, uint16_t proto,
		    size_t info_len);
/*
 * The fast path's template tail (from the L2TP header on): the header above
 * for a bridged frame, then the BCP header of a plain Ethernet frame.
 * *seq_off: where Ns is (with pw->seq).  0, or -1 when cap is too small.
 */
int ppp_fast_tail(const struct ppp_wire *pw, uint8_t *out, size_t cap, size_t *len,
		  uint8_t *seq_off);

#define PPP_FAST_TAIL_MAX 32 /* L2TPv2 12 + FF 03 + protocol 2 + BCP 2, with room */

/*
 * The fast path's descriptor for a session described by k (pure: the unit
 * tests build templates with it).  tail (PPP_FAST_TAIL_MAX bytes) holds the
 * template tail d points to; d->who, d->local and d->tx_seq are left for
 * the caller.  0, or -1 when the header does not fit.
 */
int ppp_fast_desc(const struct ppp_fast_key *k, uint8_t *tail, struct pw_fast_desc *d);

/* The session's current wire format (peer ids, sequencing, what LCP agreed). */
void ppp_fast_wire(const struct ppp_session *ps, struct ppp_wire *out);
/* Enter, leave or re-enter the fast path as the session's state now demands. */
void ppp_fast_sync(struct ppp_session *ps);
/* Leave the fast path (counters kept in ps); safe when not in it. */
void ppp_fast_leave(struct ppp_session *ps);
/* Ns for the next slow-path packet of a sequenced session (shared with TC). */
uint16_t ppp_fast_take_ns(struct ppp_session *ps);
/* Frames the fast path received count as traffic for the keepalive. */
void ppp_fast_poll(struct ppp_session *ps, uint64_t now);
/* Add the fast path's counters to a status row and fill its fastpath fields. */
void ppp_fast_status(const struct ppp_session *ps, struct status_iface *o);

#endif
