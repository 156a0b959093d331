/*
 * The eBPF fast path for pseudowires (xdp/loader.h), TC mode: TC ingress on
 * the WAN interface decapsulates frames of known sessions straight into
 * their TAP's ingress (so the bridge forwards them), TC egress on each TAP
 * encapsulates frames the bridge sends out and redirects them to the WAN.
 * Whatever the programs leave alone (control, ARP and other non-IP frames,
 * frames above the WAN MTU, IP fragments, UDP over IPv6, ...) reaches the
 * slow path in pw.c unchanged, so both paths together carry everything.
 *
 * The session table stays the daemon's: pw_data_up()/pw_data_down() (and
 * for PPP sessions ppp_fast.c) install and remove a session's map entries
 * here, status adds the fast path's per-session counters to the slow
 * path's, and a sequenced session's slow path takes its Ns from the same
 * counter the TC program uses.
 *
 * XDP mode: XDP on the WAN interface decapsulates and redirects through the
 * devmap into the daemon's end of a veth port (port.h; XDP_REDIRECT into a
 * TAP would reach the fd, not the bridge), TC egress on the bridge end
 * encapsulates.  The site asks pw_fast_port_kind() which ports to make.
 * Every attachment is a BPF link (tcx for TC) where the kernel has it, so a
 * daemon killed with -9 leaves no program behind; what older runs left
 * (netlink XDP, cls_bpf filters of ours) is removed at pw_fast_open().
 *
 * Ownership: one per site (pw_fast_open), freed with pw_fast_close(), which
 * detaches every program.  Pseudowires borrow it.
 */
#ifndef L2PW_PW_FAST_H
#define L2PW_PW_FAST_H

#include <stdint.h>
#include <sys/socket.h>

#include "cfg.h"
#include "l2pw_common.h"
#include "port.h"

struct pw;
struct pw_fast;

/*
 * One session as the fast path sees it, whatever carries it: an L2TPv3
 * pseudowire (pw.c) or an L2TPv2 call with PPP + BCP (ppp_fast.c).  Built by
 * the session's owner at session-up; read during pw_fast_sess_up() only.
 */
struct pw_fast_desc {
	const char *who;	 /* log prefix: "pseudowire X", "ppp l2tp-x" */
	int version;		 /* 2 or 3 */
	uint32_t session_id;	 /* ours: the v3 key; v2: with tunnel_id */
	uint16_t tunnel_id;	 /* v2: ours */
	int port_ifindex;	 /* the bridge port: TC egress (encap), TX map key */
	int rx_ifindex;		 /* where decapsulated frames go (the TAP for tc) */
	int udp;		 /* over UDP (else IP protocol 115) */
	uint16_t local_port;	 /* UDP: ours */
	const struct sockaddr_storage *peer; /* with its UDP port */
	socklen_t peer_len;
	const struct sockaddr_storage *local; /* source address; NULL/AF_UNSPEC: routing's */
	uint16_t rx_flags;	 /* L2PW_RX_F_SUBLAYER / _SEQ (UDP is taken from tr) */
	uint8_t rx_cookie_len;
	const uint8_t *rx_cookie; /* 8 bytes, with rx_cookie_len */
	/* The slow path's own header from the L2TP header on (for v2: through the
	 * PPP protocol and the BCP header), sequence number 0 in it. */
	const uint8_t *l2tp_hdr;
	size_t l2tp_len;
	uint16_t tx_flags; /* L2PW_TX_F_SEQ_V3 / _SEQ_V2 / _LEN_V2 beside IP/UDP */
	uint8_t seq_off;   /* with a SEQ flag: offset in l2tp_hdr */
	uint8_t len_off;   /* with L2PW_TX_F_LEN_V2: offset in l2tp_hdr */
	uint16_t mtu;	   /* largest outer IP packet the fast path sends; 0: WAN MTU */
	uint32_t tx_seq;   /* with a SEQ flag: the next Ns (the slow path's so far) */
};

/* A session's place in the fast path, kept by its owner between up and down. */
struct pw_fast_ref {
	int slot;    /* -1: not in the fast path */
	int ifindex; /* the port the TC egress program sits on */
	int rx_ifindex; /* the RX target (xdp: a devmap entry of ours) */
	int version;
	uint32_t session_id;
	uint16_t tunnel_id;
};

/*
 * Choose and set up the mode (one log line says which and why): "auto"
 * XDP where it attaches natively on wan_if, else TC, else off; "xdp" native
 * or generic XDP, else off; "tc" TC, else off.  NULL when off.
 */
struct pw_fast *pw_fast_open(enum cfg_fastpath mode, const char *wan_if);
void pw_fast_close(struct pw_fast *f);
/* PORT_VETH in xdp mode, else PORT_TAP (f NULL: off). */
enum port_kind pw_fast_port_kind(const struct pw_fast *f);
/* "tc" or "xdp": what a session in the fast path runs on ("off": f NULL). */
const char *pw_fast_mode(const struct pw_fast *f);

/*
 * The generic part, for every kind of session.  up: a free slot, the RX
 * entry, the TX template, TC egress on the port; 0, or -1 (logged) and the
 * session stays on the slow path (r->slot -1).  f NULL: -1, quietly.
 * down: entries removed, egress detached; *last gets the slot's final
 * counters (the owner keeps them, so totals survive), *tx_seq (may be
 * NULL) the next transmit Ns for the slow path to carry on with.  Nothing
 * happens when not in (r->slot -1).
 */
int pw_fast_sess_up(struct pw_fast *f, const struct pw_fast_desc *d, struct pw_fast_ref *r);
void pw_fast_sess_down(struct pw_fast *f, struct pw_fast_ref *r, struct l2pw_counters *last,
		       uint32_t *tx_seq);
/* Add the frames the programs delivered to a session's counters (their
 * rx_passed/tx_passed reached the slow path, which counted them); rx_dropped
 * may be NULL. */
void pw_fast_add(const struct l2pw_counters *c, uint64_t *rx_packets, uint64_t *rx_bytes,
		 uint64_t *rx_dropped, uint64_t *tx_packets, uint64_t *tx_bytes);
/* The slot's counters (zeros when not in the fast path). */
void pw_fast_sess_counters(struct pw_fast *f, const struct pw_fast_ref *r,
			   struct l2pw_counters *out);
/* Next transmit sequence number, shared with the TC program (unmasked). */
uint32_t pw_fast_sess_seq(struct pw_fast *f, const struct pw_fast_ref *r);
/* The TX template of d with source address src (exposed for the unit tests). */
int pw_fast_template(const struct pw_fast_desc *d, const struct sockaddr_storage *src,
		     struct l2pw_tx_session *tx);

/* L2TPv3 pseudowires (pw.c), on top of the above. */
/* Install p's up session (p->sp, p->tx); on failure p stays slow-path only. */
void pw_fast_up(struct pw_fast *f, struct pw *p);
/* Remove it; its counters are folded into p->st so totals survive. */
void pw_fast_down(struct pw_fast *f, struct pw *p);
/* Next 24-bit Ns for a sequenced session's slow-path frame (shared with TC). */
uint32_t pw_fast_seq_take(struct pw_fast *f, const struct pw *p);

#endif
