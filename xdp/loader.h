/*
 * fastpath: load, attach and feed l2pwd's eBPF data path (xdp/l2pw_*.bpf.c).
 *
 * A plain C library around three libbpf skeletons that share one set of maps
 * (layouts in l2pw_common.h):
 *
 *   FASTPATH_PROG_XDP_RX  XDP on the WAN NIC: decap, devmap redirect to a
 *                         veth whose peer is a bridge port
 *   FASTPATH_PROG_TC_RX   TC ingress on the WAN NIC: decap, redirect into a
 *                         bridge port's ingress (works with TAP ports)
 *   FASTPATH_PROG_TC_TX   TC egress on each bridge port: encap, redirect_neigh
 *                         out of the WAN NIC
 *
 * It knows nothing of the daemon: the caller decides which programs to
 * attach where and fills the maps from its session table with the structs
 * of l2pw_common.h.  Every function returns 0 or a negative errno and
 * leaves errno alone; nothing here logs (libbpf's own messages go through
 * libbpf_set_print(), which the caller owns).
 *
 * Ownership: fastpath_open() returns an object the caller frees with
 * fastpath_close() (NULL accepted), which first detaches every program this
 * object attached.  Map contents die with the object: nothing is pinned.
 * Not thread-safe; one object per daemon.
 */
#ifndef L2PW_LOADER_H
#define L2PW_LOADER_H

#include <stdint.h>

#include "l2pw_common.h"

struct fastpath;

struct fastpath_opts {
	uint32_t max_sessions; /* slots and map sizes; 0: L2PW_MAX_SESSIONS */
	uint16_t udp_port;     /* local L2TP UDP port; 0: 1701 */
};

enum fastpath_prog {
	FASTPATH_PROG_XDP_RX = 0,
	FASTPATH_PROG_TC_RX,
	FASTPATH_PROG_TC_TX,
	FASTPATH_PROG_MAX
};

enum fastpath_xdp_mode {
	FASTPATH_XDP_NONE = 0,
	FASTPATH_XDP_NATIVE, /* driver mode (XDP_FLAGS_DRV_MODE) */
	FASTPATH_XDP_GENERIC /* skb mode: the driver refused native */
};

/* Open, size and load all programs (nothing attached yet).  opts may be
 * NULL.  On error returns NULL and stores the negative errno in *err (if
 * err is not NULL). */
struct fastpath *fastpath_open(const struct fastpath_opts *opts, int *err);
void fastpath_close(struct fastpath *fp);

uint32_t fastpath_max_sessions(const struct fastpath *fp);
/* For BPF_PROG_TEST_RUN and bpftool-style inspection; the fd stays owned
 * by fp. */
int fastpath_prog_fd(const struct fastpath *fp, enum fastpath_prog prog);

/* XDP on ifindex as a BPF link (detached when fp is closed or the process
 * dies; never replaces a program somebody else attached: -EBUSY): native
 * first; if the driver refuses, generic (skb) mode.  *mode (may be NULL)
 * says which one took.  Attaching again where ours is: 0. */
int fastpath_attach_xdp(struct fastpath *fp, int ifindex, enum fastpath_xdp_mode *mode);
/* Only in mode (NATIVE or GENERIC); -EBUSY if ours is there in the other
 * mode.  "auto" uses NATIVE to learn whether the driver has XDP. */
int fastpath_attach_xdp_mode(struct fastpath *fp, int ifindex, enum fastpath_xdp_mode mode);
int fastpath_detach_xdp(struct fastpath *fp, int ifindex);

/* TC: FASTPATH_PROG_TC_RX on ingress, FASTPATH_PROG_TC_TX on egress.  As a
 * tcx link where the kernel has tcx (6.6+; dies with the process), else a
 * cls_bpf filter on clsact (handle/prio 0x1701), which outlives it: the
 * clsact qdisc is created if missing and removed on detach only if this
 * object created it and nothing of ours is left on it.  Attaching again
 * replaces. */
int fastpath_attach_tc(struct fastpath *fp, int ifindex, enum fastpath_prog prog);
int fastpath_detach_tc(struct fastpath *fp, int ifindex, enum fastpath_prog prog);
/* The id of our program at prog's TC point of ifindex (tcx or cls_bpf), 0
 * when none.  Returns 0 or -EINVAL. */
int fastpath_tc_query(int ifindex, enum fastpath_prog prog, uint32_t *prog_id);

/* Remove what a killed earlier run left on ifindex: XDP attached through
 * netlink and cls_bpf filters at our handle/prio, when their programs carry
 * our names (l2pw_xdp_rx, l2pw_tc_rx, l2pw_tc_tx).  Links are never
 * touched (they die with their process).  Returns how many were removed. */
int fastpath_cleanup_stale(int ifindex);

/* Session maps.  set = insert or replace; del of a missing key = -ENOENT.
 * Values are checked (slot < max_sessions, cookie_len 0/4/8, template
 * offsets inside the template) and refused with -EINVAL. */
int fastpath_v3_set(struct fastpath *fp, const struct l2pw_v3_key *key,
		    const struct l2pw_rx_session *val);
int fastpath_v3_del(struct fastpath *fp, const struct l2pw_v3_key *key);
int fastpath_v2_set(struct fastpath *fp, const struct l2pw_v2_key *key,
		    const struct l2pw_rx_session *val);
int fastpath_v2_del(struct fastpath *fp, const struct l2pw_v2_key *key);
/* TX template of the bridge port port_ifindex. */
int fastpath_tx_set(struct fastpath *fp, uint32_t port_ifindex, const struct l2pw_tx_session *val);
int fastpath_tx_del(struct fastpath *fp, uint32_t port_ifindex);
/* More local UDP ports to decapsulate on, besides opts.udp_port (up to
 * L2PW_MAX_UDP_PORTS; -E2BIG past that). */
int fastpath_udp_port_add(struct fastpath *fp, uint16_t port);
int fastpath_udp_port_del(struct fastpath *fp, uint16_t port);
/* XDP redirect targets (the veth the XDP program sends a session's frames
 * into; its peer, the bridge port, needs `gro on` or an XDP program, else
 * the kernel drops the frames and only the xdp:xdp_redirect_err tracepoint
 * tells); the TC variant needs none. */
int fastpath_port_add(struct fastpath *fp, uint32_t ifindex);
int fastpath_port_del(struct fastpath *fp, uint32_t ifindex);

/* Give slot a fresh start (zero counters and sequence state) before a new
 * session uses it. */
int fastpath_slot_reset(struct fastpath *fp, uint32_t slot);
/* Next transmit sequence number of slot (atomic, shared with the TC
 * program): the slow path numbers the frames it sends for a sequenced
 * session with this, so fast and slow path frames share one sequence.
 * Returns the full counter; the caller masks (24 bits for the RFC 4719
 * sublayer, 16 for L2TPv2 Ns).  slot must be < max_sessions. */
uint32_t fastpath_seq_take_tx(struct fastpath *fp, uint32_t slot);
/* Set slot's next transmit sequence number (a session entering the fast
 * path carries on with the slow path's sequence); before attaching TC TX.
 * -EINVAL when slot is out of range. */
int fastpath_seq_set_tx(struct fastpath *fp, uint32_t slot, uint32_t next);

/* Sum of the per-CPU counters of slot. */
int fastpath_counters(struct fastpath *fp, uint32_t slot, struct l2pw_counters *sum);
/* Sums over CPUs of the pass/drop reasons, indexed by enum l2pw_reason. */
int fastpath_reasons(struct fastpath *fp, uint64_t out[L2PW_R_MAX]);
/* Short stable name of a reason ("bad-cookie"), "?" when out of range. */
const char *fastpath_reason_name(unsigned int reason);

#endif
