/*
 * Bridge ports: the Ethernet device a pseudowire or PPP session puts on its
 * bridge, and the daemon's end of it (the slow path reads the frames the
 * bridge sends out and writes the frames that came from the WAN).  Two
 * backends, one per site (struct port_env.kind), chosen by the fast-path
 * mode (pw_fast.h):
 *
 *   PORT_TAP   a TAP (tap.h): the bridge port and the daemon's fd are one
 *              device.  fastpath "tc" and "off".  Not persistent: closing the
 *              fd (or the daemon dying) removes it.
 *
 *   PORT_VETH  a veth pair: the end named `name` is the bridge port, its peer
 *              (port_peer_name(): "l2pwd" + 8 hex digits) is the daemon's end,
 *              read and written through a non-blocking AF_PACKET socket
 *              (recvmmsg batches, PACKET_IGNORE_OUTGOING, PACKET_QDISC_BYPASS).
 *              fastpath "xdp": the XDP program on the WAN redirects a session's
 *              frames into the peer end (devmap), the kernel hands them to the
 *              bridge end, which needs NAPI for that (GRO is turned on here)
 *              or they vanish (TESTBED.md).  The bridge end has tx checksum
 *              and TSO off, so frames the TC egress program leaves to the slow
 *              path reach the AF_PACKET socket segmented and checksummed, as a
 *              TAP's reader gets them (the TC program itself still sees the GSO
 *              super-frames); VLAN tags, which the receive path moves out of
 *              the frame, are put back from PACKET_AUXDATA.
 *              Carrier: the peer end is down while the session is down, which
 *              takes the bridge end's carrier with it.
 *              veths outlive the process: each end carries IFLA_IFALIAS
 *              port_env.owner, and port_cleanup_stale() deletes those a killed
 *              daemon of the same site left behind (call it before the first
 *              port_open()).
 *
 * ifindex numbers for the fast path:
 *   port.ifindex        the bridge port: where TC egress (encap) sits and the
 *                       key of the TX map; for TAPs also the TC RX target;
 *   port_rx_ifindex()   where decapsulated frames go: the TAP (TC
 *                       bpf_redirect ingress) or the veth peer (XDP devmap).
 *
 * Offloads: TAP ports do GSO/GRO in userspace (below, pwd/offload.h); the
 * frame API stays the same.
 *
 * Ownership: struct port is embedded in its owner (pw, ppp_session); the
 * owner calls port_close() (removes the device(s), closes the fd), safe on a
 * closed port.  The port registers nothing with the event loop: the owner
 * polls port.fd for EPOLLIN and calls port_recv() until it returns 0.
 * The env is the site's and outlives every port.
 */
#ifndef L2PW_PORT_H
#define L2PW_PORT_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "offload.h"

struct netlink;
struct mmsghdr;
struct port_offload;

#define PORT_MTU	 1500 /* the LAN's MTU: see tap.h for why it is not lowered */
#define PORT_BATCH_MAX	 64   /* frames per port_recv() call, at most */
#define PORT_PEER_PREFIX "l2pwd"

enum port_kind { PORT_TAP, PORT_VETH };

/* Per site: which backend, and what marks our veths. */
struct port_env {
	struct netlink *nl; /* borrowed */
	enum port_kind kind;
	char owner[64]; /* IFLA_IFALIAS of our veths: port_owner_alias() */
};

struct port {
	enum port_kind kind;
	int fd;		  /* TAP fd or AF_PACKET socket; -1 when closed */
	int ifindex;	  /* the bridge port */
	int peer_ifindex; /* veth: the daemon's end; TAP: == ifindex */
	char name[IFNAMSIZ];
	char peer[IFNAMSIZ]; /* veth only */
	struct netlink *nl;
	struct mmsghdr *msgs;	  /* veth: PORT_BATCH_MAX, for recvmmsg */
	struct port_offload *off; /* TAP: virtio-net offloads (below); NULL: plain frames */
	/* veth: PACKET_AUXDATA per message (the VLAN tag), aligned for cmsghdr */
	uint64_t (*cmsg)[(CMSG_SPACE(sizeof(struct tpacket_auxdata)) + 7) / 8];
};

/*
 * TAP offloads (offload.h).  TAP ports are opened with IFF_VNET_HDR and
 * TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6: port_recv() reads a TCP super-frame
 * in one read() and returns it cut into MTU-sized segments with complete
 * checksums (the rest of it on the next call), and completes the checksum
 * of frames the kernel left CHECKSUM_PARTIAL; callers see plain frames, as
 * before.  port_send() between port_batch_begin() and port_batch_end()
 * coalesces consecutive in-order TCP segments of one flow into one GSO write
 * (software GRO); port_batch_end() writes what is held.  Outside a batch,
 * and for everything GRO does not take, one write per frame.
 */
struct port_offload_stats {
	uint64_t rx_super, rx_segments;	 /* GSO frames read, segments cut from them */
	uint64_t tx_super, tx_merged;	 /* GSO frames written, the frames merged into them */
	uint64_t tx_lost;		 /* merged frames the TAP refused (queue full) */
	uint64_t drops[OFFLOAD_E_COUNT]; /* frames from the bridge refused, per reason */
};

/* NULL when the port has no offloads (veth, or a TAP without IFF_VNET_HDR). */
const struct port_offload_stats *port_offload_stats(const struct port *pt);
/*
 * Frames handed to port_send() until the matching port_batch_end() may be
 * held for coalescing; port_batch_end() writes them.  The transport calls
 * these around each received batch.  Nesting is counted.
 */
void port_batch_begin(void);
void port_batch_end(void);

/* "l2pwd site NAME": the alias port_cleanup_stale() recognizes (truncated to fit). */
void port_owner_alias(const char *site_name, char *out, size_t cap);
/*
 * The veth peer's name for bridge port `name`: PORT_PEER_PREFIX + 8 hex
 * digits of FNV-1a over the name.  out needs IFNAMSIZ bytes.
 */
void port_peer_name(const char *name, char *out, size_t cap);
/*
 * Put an 802.1Q/802.1ad tag (tpid, tci) back after the two MAC addresses of
 * frame (len bytes, buffer cap).  Returns the new length, 0 if it does not fit.
 */
size_t port_vlan_insert(uint8_t *frame, size_t len, size_t cap, uint16_t tpid, uint16_t tci);
/*
 * Remove every veth carrying env->owner as alias (a killed daemon's ports).
 * Returns how many pairs were removed (logged), or -1 with errno.  TAP sites
 * call it too: the previous run may have been in xdp mode.
 */
int port_cleanup_stale(const struct port_env *env);

/* A closed port (fd -1); port_close() on it does nothing. */
void port_init(struct port *pt);
/*
 * Create the port `name`, down (veth: the bridge end up only once enslaved,
 * the peer end down until port_set_carrier(1)), carrier off.  Returns 0, or
 * -1 with errno (EBUSY: the name is taken by another device).
 */
int port_open(struct port *pt, const struct port_env *env, const char *name);
/* Remove the device(s) and close the fd.  Safe on a closed port. */
void port_close(struct port *pt);
int port_is_open(const struct port *pt);
/* Carrier follows the session: on only while it is up.  0 or -1. */
int port_set_carrier(struct port *pt, int on);
/* Where decapsulated frames are sent by the fast path (see above). */
int port_rx_ifindex(const struct port *pt);
/*
 * Read up to n (<= PORT_BATCH_MAX) frames the bridge sent out into
 * iov[i].iov_base (capacity iov[i].iov_len each), their lengths into len[i].
 * Returns how many (0: nothing waiting, or the port is closed); frames that
 * did not fit are skipped.  Never blocks.
 */
unsigned port_recv(struct port *pt, struct iovec *iov, size_t *len, unsigned n);
/*
 * With TAP offloads, one read can hold more frames (segments) than the
 * caller asked for; the rest stays in the port, and the fd need not be
 * readable again.  After a bounded loop of port_recv() calls that each
 * returned n, drain them with port_recv_held() (never reads the fd) until it
 * returns less than n.  0 on ports without offloads.
 */
unsigned port_recv_held(struct port *pt, struct iovec *iov, size_t *len, unsigned n);
/* Hand one frame to the bridge.  0, or -1 with errno (EAGAIN: queue full). */
int port_send(struct port *pt, const void *frame, size_t len);

#endif
