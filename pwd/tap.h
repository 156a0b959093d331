/*
 * TAP ports: one per pseudowire, a plain Ethernet device the bridge forwards
 * to.  IFF_TAP | IFF_NO_PI: every read is one whole Ethernet frame (no FCS),
 * every write injects one.  The TAP is not persistent, so closing its fd
 * removes the interface: a daemon that exits or dies leaves nothing behind.
 *
 * MTU: the TAP keeps 1500, the LAN's MTU, so full 1514-byte frames (1518 with
 * an 802.1Q tag) cross the pseudowire unchanged; the encapsulated packet is
 * then larger than a 1500-byte WAN and the kernel fragments the outer IP
 * packet (see transport.h).  Lowering the TAP MTU instead would make the
 * bridge drop full-size frames from the LAN silently, which an L2 extension
 * must not do.
 */
#ifndef L2PW_TAP_H
#define L2PW_TAP_H

#include <stddef.h>
#include <sys/types.h>

#define TAP_MTU 1500

/*
 * Create TAP `name` (non-blocking fd, close-on-exec).  Returns the fd, or -1
 * with errno set (EBUSY: the name is taken by another device).  *ifindex gets
 * its interface index.  The caller owns the fd; close it to remove the TAP.
 */
int tap_open(const char *name, int *ifindex);
/*
 * The same with IFF_VNET_HDR: every read and write starts with a 10-byte
 * little-endian virtio-net header (offload.h), and with TUNSETOFFLOAD
 * (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) the kernel hands over TCP GSO
 * super-frames and CHECKSUM_PARTIAL frames and takes them back.  *gso says
 * whether the offloads were accepted (the header is there either way).
 */
int tap_open_vnet(const char *name, int *ifindex, int *gso);
/*
 * Carrier: off while the pseudowire is down, so the bridge does not forward
 * into a dead port.  Returns 0 or -1 (old kernels without TUNSETCARRIER).
 */
int tap_set_carrier(int fd, int on);

#endif
