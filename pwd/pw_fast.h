/*
 * The eBPF fast path for pseudowires (xdp/loader.h), TC mode: TC ingress on
 * the WAN interface decapsulates frames of known sessions straight into
 * their TAP's ingress (so the bridge forwards them), TC egress on each TAP
 * encapsulates frames the bridge sends out and redirects them to the WAN.
 * Whatever the programs leave alone (control, ARP and other non-IP frames,
 * frames above the WAN MTU, IP fragments, UDP over IPv6, ...) reaches the
 * slow path in pw.c unchanged, so both paths together carry everything.
 *
 * The session table stays the daemon's: pw_data_up()/pw_data_down() install
 * and remove a session's map entries here, status adds the fast path's
 * per-session counters to the slow path's, and a sequenced session's slow
 * path takes its Ns from the same counter the TC program uses.
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

#include "cfg.h"
#include "port.h"

struct pw;
struct pw_fast;

/*
 * Choose and set up the mode (one log line says which and why): "auto"
 * XDP where it attaches natively on wan_if, else TC, else off; "xdp" native
 * or generic XDP, else off; "tc" TC, else off.  NULL when off.
 */
struct pw_fast *pw_fast_open(enum cfg_fastpath mode, const char *wan_if);
void pw_fast_close(struct pw_fast *f);
/* PORT_VETH in xdp mode, else PORT_TAP (f NULL: off). */
enum port_kind pw_fast_port_kind(const struct pw_fast *f);
/* "xdp" | "tc" | "off": what the site runs (a row may still say "off"). */
const char *pw_fast_mode_name(const struct pw_fast *f);

/* Install p's up session (p->sp, p->tx); on failure p stays slow-path only. */
void pw_fast_up(struct pw_fast *f, struct pw *p);
/* Remove it; its counters are folded into p->st so totals survive. */
void pw_fast_down(struct pw_fast *f, struct pw *p);
/* The fast path's counters of p's current session, added to *rx.., *tx... */
void pw_fast_counters(struct pw_fast *f, const struct pw *p, uint64_t *rx_packets,
		      uint64_t *rx_bytes, uint64_t *rx_dropped, uint64_t *tx_packets,
		      uint64_t *tx_bytes);
/* Next 24-bit Ns for a sequenced session's slow-path frame (shared with TC). */
uint32_t pw_fast_seq_take(struct pw_fast *f, const struct pw *p);

#endif
