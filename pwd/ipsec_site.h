/*
 * use-ipsec in the running daemon: the site's swanctl connections, the IPsec
 * manager (ipsec_mgr.h) on the event loop, and the questions the site asks
 * before it sends or accepts L2TP.
 *
 *  - ipsec_site_apply() at start-up and after SIGHUP: renders a connection
 *    for every section with use-ipsec yes/require (pwd/ipsec_cfg.c policy),
 *    writes the changed files into ipsec-dir, removes dropped ones, and lets
 *    the manager LOAD the directory (swanctl runs as child processes watched
 *    by the loop; nothing blocks).  A site without IPsec sections runs no
 *    swanctl at all.
 *  - Sending (ipsec_site_may_send(), the transports' tx_allowed): L2TP to a
 *    peer that a pseudowire or l2tp-client with use-ipsec names leaves only
 *    while one of that peer's CHILD_SAs is INSTALLED.  Everything else
 *    (including the l2tp-server's answers) goes as the routing decides.
 *  - Connecting (ipsec_site_peer_ready()): dynamic pseudowires and
 *    l2tp-clients send their first SCCRQ only then; the site is told through
 *    site_ipsec_changed() when an SA comes or goes.
 *  - Receiving (ipsec_site_rx_ok()) under use-ipsec = require: a packet is
 *    protected when it came out of kernel-libipsec's TUN (IPSEC_SITE_TUN,
 *    IP_PKTINFO ifindex); on a host without that TUN (the kernel's own ESP)
 *    when the peer has an INSTALLED CHILD_SA, because then the kernel's
 *    inbound policy has already dropped clear packets matching it.  Other
 *    packets are dropped, counted as "not-ipsec" and logged once per peer.
 *  - Status: "ipsec" and "encoding" of every row, "ipsec-sa" for monitor,
 *    the site-level "not-ipsec" counter of the l2tp-server.
 *  - ipsec_site_free() at exit: removes the files and unloads them (one
 *    bounded, blocking swanctl run after the loop has stopped).
 *
 * Ownership: the site owns its struct ipsec_site (s->ipsec, NULL until a
 * section asks for IPsec); timers owned: the manager's deadline and one kill
 * timer per running swanctl.
 */
#ifndef L2PW_IPSEC_SITE_H
#define L2PW_IPSEC_SITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cfg.h"

struct site;
struct status_iface;
struct transport;

#define IPSEC_SITE_TUN "ipsec0" /* kernel-libipsec's TUN device */

void ipsec_site_apply(struct site *s);
void ipsec_site_free(struct site *s);

/* 1: L2TP to peer may be sent now (no IPsec wanted for it, or an SA is installed). */
int ipsec_site_may_send(struct site *s, const struct sockaddr *peer);
/* Same question before a first SCCRQ (dynamic pseudowire, l2tp-client). */
int ipsec_site_peer_ready(struct site *s, const struct sockaddr *peer);
/*
 * A packet from `from` just received on t (inside the transport callback):
 * 1 accept, 0 drop (counted and logged).  v2: an L2TPv2 packet (the
 * l2tp-client/l2tp-server policy applies), else L2TPv3 (pseudowires).
 */
int ipsec_site_rx_ok(struct site *s, struct transport *t, const struct sockaddr *from, int v2);

/* Fill o->ipsec, o->ipsec_sa, the ESP part of o->encoding and "not-ipsec". */
void ipsec_site_row(struct site *s, struct status_iface *o);
/* Site-level drop counters (the l2tp-server's refused peers have no row). */
int ipsec_site_drop(struct site *s, size_t i, char *name, size_t namelen, uint64_t *count);

/* site.c: an SA came or went; kicks connects that were waiting for one. */
void site_ipsec_changed(struct site *s);

#endif
