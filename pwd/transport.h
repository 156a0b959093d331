/*
 * L2TPv3 underlay sockets (RFC 3931 §4.1): UDP or IP protocol 115, IPv4 or
 * IPv6.  One socket per (family, local address, encap, port), shared by every
 * tunnel and static pseudowire that uses it and reference-counted; UDP
 * sockets are never connected, so one serves many peers and every send names
 * its destination.
 *
 * Receive: recvmmsg in batches; each packet is classified once and handed to
 * the site through the ops given at transport_get() (the same ops for every
 * transport of a site):
 *   UDP: version 2 in the first word -> L2TPv2 (ops->v2, control or data);
 *        first word with the T bit set -> control, else data with the session
 *        id of the 8-byte data header (RFC 3931 §4.1.2.1);
 *   IP:  session id 0 -> control (the 4 zero bytes are stripped, §4.1.1.2),
 *        else data.
 * Classification is l2tp_data_peek() (l2tp_data.h).  Control packets are
 * handed over from the flags word on; data packets whole (the L2TP part of
 * the datagram, for l2tp_data_rx()) with the session id already read.  What
 * cannot be classified is counted per reason in struct transport_stats.
 *
 * Send: control messages with transport_send_ctrl() (adds the zero session
 * id on IP); data with transport_send_batch() of caller-built iovecs (header
 * template, frame), so frames are never copied.
 *
 * Outer fragmentation is left to the kernel on purpose (IP_PMTUDISC_DONT,
 * IPV6_DONTFRAG 0): a full 1514-byte frame plus L2TP and UDP/IP headers
 * exceeds a 1500-byte WAN, and an L2 pseudowire must carry it anyway.
 */
#ifndef L2PW_TRANSPORT_H
#define L2PW_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "l2tp_data.h"

struct buf;
struct evloop;
struct iovec;
struct mmsghdr;
struct transport;

enum transport_encap { TRANSPORT_UDP, TRANSPORT_IP };

struct transport_ops {
	/* A control message (flags word on) from a peer. */
	void (*ctrl)(void *ctx, struct transport *t, const struct sockaddr *from, socklen_t fromlen,
		     const uint8_t *pkt, size_t len);
	/*
	 * An L2TPv2 packet (UDP only: version 2 in the first word, RFC 2661
	 * §3.1), control or data, whole.  NULL: counted as bad flags.
	 */
	void (*v2)(void *ctx, struct transport *t, const struct sockaddr *from, socklen_t fromlen,
		   const uint8_t *pkt, size_t len);
	/* A data message for session_id: the whole L2TP packet. */
	void (*data)(void *ctx, struct transport *t, const struct sockaddr *from,
		     uint32_t session_id, const struct buf *pkt);
	/*
	 * May a packet go to `to` now?  NULL: always.  Asked once per control
	 * message and once per data batch (a batch has one destination); a
	 * refused send is counted in tx_blocked and reported as failed.  The
	 * site uses it to keep L2TP that must be IPsec-protected off the wire
	 * while its SA is not installed (use-ipsec, pwd/ipsec_site.c).
	 */
	int (*tx_allowed)(void *ctx, struct transport *t, const struct sockaddr *to);
};

struct transport_stats {
	uint64_t rx_packets, rx_truncated, rx_bad_ip_header;
	uint64_t rx_drops[L2TP_DATA_DROP_COUNT]; /* l2tp_data_peek() reasons */
	uint64_t tx_errors;
	uint64_t tx_gso, tx_gso_datagrams; /* UDP GSO sends, and the datagrams they carried */
	uint64_t tx_blocked; /* refused by ops->tx_allowed */
};

/*
 * Find or open the socket for (local's family or family, local address,
 * encap, port).  local may be NULL (wildcard of family).  port is used for
 * UDP only.  Returns a reference (release with transport_put), or NULL with
 * errno set.  ops/ctx are the site's and must be the same on every call.
 */
struct transport *transport_get(struct evloop *l, int family, const struct sockaddr *local,
				socklen_t local_len, enum transport_encap encap, uint16_t port,
				const struct transport_ops *ops, void *ctx);
void transport_put(struct transport *t);
/* One more reference to t (released with transport_put). */
void transport_hold(struct transport *t);

enum transport_encap transport_encap(const struct transport *t);
enum l2tp_encap transport_l2tp_encap(const struct transport *t);
int transport_family(const struct transport *t);
uint16_t transport_port(const struct transport *t);
const struct transport_stats *transport_stats(const struct transport *t);
/*
 * The interface the packet being handed to an ops callback arrived on
 * (IP_PKTINFO / IPV6_PKTINFO), 0 when unknown.  Valid only inside the
 * callback.  use-ipsec = require tells kernel-libipsec's decrypted packets
 * (they come out of its TUN device) from clear ones by it.
 */
int transport_rx_ifindex(const struct transport *t);
/* "udp 198.18.0.1:1701", "ip [::]" for logs. */
const char *transport_name(const struct transport *t);

/* Send one control message to `to` (port taken from `to` for UDP).  0 or -1. */
int transport_send_ctrl(struct transport *t, const struct sockaddr *to, socklen_t tolen,
			const uint8_t *pkt, size_t len);
/*
 * Send prepared messages (msg_name/msg_iov filled by the caller).  Returns
 * how many were sent; failures of the rest are counted in tx_errors.
 */
unsigned transport_send_batch(struct transport *t, struct mmsghdr *msgs, unsigned n);

/* Address helpers shared by the site: equal ignoring port; text without port. */
int transport_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
void transport_addr_text(const struct sockaddr *sa, char *out, size_t outlen);
void transport_addr_set_port(struct sockaddr_storage *ss, uint16_t port);

#endif
